// Kubernetes label selectors (`metav1.LabelSelector`): validation and matching, as apimachinery does them.
//
// Selectors arrive as plain JSON from ConfigMaps and MutatingWebhookConfigurations, so the shape is checked
// here, field by field, before anything is matched. `matchLabels` and `matchExpressions` are ANDed; a selector
// with neither matches every label set (callers that treat "empty" as "never", like Istio's never/always inject
// selectors, ask `isEmptySelector` first).
import { isJsonObject, type JsonValue } from './types.ts';

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/** A validated selector: every requirement must hold. No requirements means "everything". */
export interface CompiledLabelSelector {
  readonly requirements: readonly LabelRequirement[];
}

/** A malformed selector: `field` is the path to the offending part (e.g. `matchExpressions[1].values`). */
export class LabelSelectorError extends Error {
  override readonly name = 'LabelSelectorError';
  readonly field: string;

  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.field = field;
  }
}

const operators: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
// A DNS-1123 subdomain, the prefix part of a qualified label key.
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// The name part of a key, and any non-empty label value.
const labelName = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Why `key` is not a valid label key, or undefined when it is. */
export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split('/');
  let name = key;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix === '') return 'the prefix before "/" must not be empty';
    if (prefix.length > 253) return 'the prefix must be at most 253 characters';
    if (!dnsSubdomain.test(prefix)) return `the prefix "${prefix}" must be a lowercase DNS subdomain`;
  } else if (parts.length > 2) {
    return 'a key has at most one "/" (prefix/name)';
  }
  if (name === '') return 'the name part must not be empty';
  if (name.length > 63) return 'the name part must be at most 63 characters';
  if (!labelName.test(name)) {
    return 'the name part must be alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric';
  }
  return undefined;
}

/** Why `value` is not a valid label value, or undefined when it is (the empty value is valid). */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63) return 'a label value must be at most 63 characters';
  if (!labelName.test(value)) {
    return 'a label value must be alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric';
  }
  return undefined;
}

function requirement(
  field: string,
  key: JsonValue | undefined,
  operator: JsonValue | undefined,
  values: JsonValue | undefined,
): LabelRequirement {
  if (typeof key !== 'string') throw new LabelSelectorError(`${field}.key`, 'want a string');
  const keyProblem = labelKeyProblem(key);
  if (keyProblem !== undefined) {
    throw new LabelSelectorError(`${field}.key`, `invalid label key "${key}": ${keyProblem}`);
  }
  const op = operators.find((o) => o === operator);
  if (op === undefined) {
    throw new LabelSelectorError(
      `${field}.operator`,
      `${JSON.stringify(operator ?? null)} is not a selector operator (want ${operators.join(', ')})`,
    );
  }
  let list: string[] = [];
  if (values !== undefined && values !== null) {
    if (!Array.isArray(values)) throw new LabelSelectorError(`${field}.values`, 'want a list of strings');
    list = values.map((v, i) => {
      if (typeof v !== 'string') throw new LabelSelectorError(`${field}.values[${i}]`, 'want a string');
      const problem = labelValueProblem(v);
      if (problem !== undefined) {
        throw new LabelSelectorError(`${field}.values[${i}]`, `invalid value "${v}": ${problem}`);
      }
      return v;
    });
  }
  if ((op === 'In' || op === 'NotIn') && list.length === 0) {
    throw new LabelSelectorError(`${field}.values`, `must not be empty for operator ${op}`);
  }
  if ((op === 'Exists' || op === 'DoesNotExist') && list.length > 0) {
    throw new LabelSelectorError(`${field}.values`, `must be empty for operator ${op}`);
  }
  return { key, operator: op, values: list };
}

function compileUncached(selector: JsonValue | undefined, path: string): CompiledLabelSelector {
  if (selector === undefined || selector === null) return { requirements: [] };
  if (!isJsonObject(selector)) throw new LabelSelectorError(path, 'want a label selector map');
  const requirements: LabelRequirement[] = [];
  for (const key of Object.keys(selector)) {
    if (key !== 'matchLabels' && key !== 'matchExpressions') {
      throw new LabelSelectorError(`${path}.${key}`, 'unknown field (want matchLabels, matchExpressions)');
    }
  }
  const { matchLabels, matchExpressions } = selector;
  if (matchLabels !== undefined && matchLabels !== null) {
    if (!isJsonObject(matchLabels))
      throw new LabelSelectorError(`${path}.matchLabels`, 'want a map of strings');
    // Sorted so that the first error reported does not depend on the order keys were written in.
    for (const key of Object.keys(matchLabels).sort()) {
      const field = `${path}.matchLabels.${key}`;
      const value = matchLabels[key];
      if (typeof value !== 'string') throw new LabelSelectorError(field, 'want a string value');
      const keyProblem = labelKeyProblem(key);
      if (keyProblem !== undefined) {
        throw new LabelSelectorError(field, `invalid label key "${key}": ${keyProblem}`);
      }
      const valueProblem = labelValueProblem(value);
      if (valueProblem !== undefined) {
        throw new LabelSelectorError(field, `invalid value "${value}": ${valueProblem}`);
      }
      requirements.push({ key, operator: 'In', values: [value] });
    }
  }
  if (matchExpressions !== undefined && matchExpressions !== null) {
    if (!Array.isArray(matchExpressions)) {
      throw new LabelSelectorError(`${path}.matchExpressions`, 'want a list of requirements');
    }
    matchExpressions.forEach((expression, i) => {
      const field = `${path}.matchExpressions[${i}]`;
      if (!isJsonObject(expression))
        throw new LabelSelectorError(field, 'want a map (key, operator, values)');
      requirements.push(requirement(field, expression.key, expression.operator, expression.values));
    });
  }
  return { requirements };
}

// Config objects are long-lived and never mutated, so a valid selector is checked once, not once per pod.
const compiledSelectors = new WeakMap<object, CompiledLabelSelector>();

/**
 * Validates a `LabelSelector` given as JSON and returns its requirements. `null`/absent is the empty selector.
 * Throws a `LabelSelectorError` naming the offending field (prefixed with `path`).
 */
export function compileLabelSelector(
  selector: JsonValue | undefined,
  path = 'selector',
): CompiledLabelSelector {
  if (typeof selector !== 'object' || selector === null) return compileUncached(selector, path);
  const cached = compiledSelectors.get(selector);
  if (cached !== undefined) return cached;
  const compiled = compileUncached(selector, path);
  compiledSelectors.set(selector, compiled);
  return compiled;
}

/** True when the selector has no requirements (it matches everything). */
export function isEmptySelector(selector: CompiledLabelSelector): boolean {
  return selector.requirements.length === 0;
}

function requirementHolds(req: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, req.key);
  switch (req.operator) {
    case 'In':
      return has && req.values.includes(labels[req.key] ?? '');
    case 'NotIn':
      return !has || !req.values.includes(labels[req.key] ?? '');
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

/** Whether a label set satisfies every requirement of the selector. */
export function selectorMatches(
  selector: CompiledLabelSelector,
  labels: Readonly<Record<string, string>>,
): boolean {
  return selector.requirements.every((req) => requirementHolds(req, labels));
}

/** Validates and matches in one step; throws `LabelSelectorError` for a malformed selector. */
export function labelSelectorMatches(
  selector: JsonValue | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  return selectorMatches(compileLabelSelector(selector), labels);
}
