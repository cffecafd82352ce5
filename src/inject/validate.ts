// Validation of the pod annotations that tune injection (Istio's `AnnotationValidation`).
//
// An invalid value fails injection, and with it the pod's admission, so the error must say exactly which
// annotation and why. Every problem is reported at once, in annotation-name order, so the same pod always gets
// the same message. Annotations not listed here are not validated (as in Istio, e.g. `includeOutboundPorts`).
import { annotationErrorMessage, trafficAnnotationChecks } from '../iptables/validate.ts';
import { Annotation } from './annotations.ts';
import { ConfigError, effectiveProxyConfig } from './mesh.ts';
import { parseQuantity, QuantityError } from './quantity.ts';
import { YamlError } from './yaml.ts';

export interface AnnotationProblem {
  readonly annotation: string;
  readonly value: string;
  readonly reason: string;
  /** `invalid value '<v>' for annotation '<k>': <reason>`, Istio's shape. */
  readonly message: string;
}

/** Thrown by `checkAnnotations`: every invalid annotation, joined in one message. */
export class AnnotationValidationError extends Error {
  override readonly name = 'AnnotationValidationError';
  readonly problems: readonly AnnotationProblem[];

  constructor(problems: readonly AnnotationProblem[]) {
    super(problems.map((p) => p.message).join('; '));
    this.problems = problems;
  }
}

/** A check returns why the value is invalid, or undefined when it is fine. */
type Check = (value: string) => string | undefined;

// Go's strconv.ParseUint(value, 10, bits) error text, which Istio passes through: digits only, no sign or spaces.
function unsignedProblem(value: string, bits: 16 | 32): string | undefined {
  if (!/^[0-9]+$/.test(value)) return `strconv.ParseUint: parsing ${JSON.stringify(value)}: invalid syntax`;
  if (BigInt(value) >= 1n << BigInt(bits)) {
    return `strconv.ParseUint: parsing ${JSON.stringify(value)}: value out of range`;
  }
  return undefined;
}

const goBooleans = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Whether Go's `strconv.ParseBool` accepts the text; Istio reads these annotations with it. */
export function parseGoBool(value: string): boolean | undefined {
  if (!goBooleans.has(value)) return undefined;
  return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value);
}

function proxyConfigProblem(value: string): string | undefined {
  try {
    effectiveProxyConfig({}, value);
    return undefined;
  } catch (error) {
    // The error names its source (the annotation), which the caller's message already names.
    if (error instanceof ConfigError || error instanceof YamlError) {
      const prefix = `${error.source}: `;
      const reason = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
      return `not a valid ProxyConfig: ${reason}`;
    }
    throw error;
  }
}

// C0 controls and DEL: a quantity carrying them could smuggle text into the rendered YAML.
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function resourceQuantityProblem(value: string): string | undefined {
  if (hasControlCharacter(value)) return 'contains control characters';
  try {
    parseQuantity(value);
    return undefined;
  } catch (error) {
    if (error instanceof QuantityError) return `not a resource quantity: ${error.reason}`;
    throw error;
  }
}

// The traffic-capture annotations (interception mode, status port, ports, CIDRs, interfaces) are checked by the
// iptables module, which owns their grammar; the rest are checked here. A Map, not an object literal: annotation
// names are the pod author's, and `constructor` or `toString` must not find Object.prototype's methods.
const checks: ReadonlyMap<string, Check> = new Map<string, Check>([
  ...trafficAnnotationChecks,
  [Annotation.readinessInitialDelaySeconds, (v) => unsignedProblem(v, 32)],
  [Annotation.readinessPeriodSeconds, (v) => unsignedProblem(v, 32)],
  [Annotation.readinessFailureThreshold, (v) => unsignedProblem(v, 32)],
  [
    Annotation.prometheusMergeMetrics,
    (v) =>
      parseGoBool(v) === undefined
        ? `strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`
        : undefined,
  ],
  [Annotation.proxyConfig, proxyConfigProblem],
  [Annotation.proxyCPU, resourceQuantityProblem],
  [Annotation.proxyMemory, resourceQuantityProblem],
  [Annotation.proxyCPULimit, resourceQuantityProblem],
  [Annotation.proxyMemoryLimit, resourceQuantityProblem],
]);

/** The annotations this module validates. */
export const validatedAnnotations: readonly string[] = [...checks.keys()].sort();

/** Every invalid annotation value, sorted by annotation name; empty when all are valid. */
export function validateAnnotations(annotations: Readonly<Record<string, string>>): AnnotationProblem[] {
  const problems: AnnotationProblem[] = [];
  for (const annotation of Object.keys(annotations).sort()) {
    const check = checks.get(annotation);
    const value = annotations[annotation];
    if (check === undefined || value === undefined) continue;
    const reason = check(value);
    if (reason !== undefined) {
      problems.push({
        annotation,
        value,
        reason,
        message: annotationErrorMessage(annotation, value, reason),
      });
    }
  }
  return problems;
}

/** Throws an `AnnotationValidationError` listing every invalid annotation. */
export function checkAnnotations(annotations: Readonly<Record<string, string>>): void {
  const problems = validateAnnotations(annotations);
  if (problems.length > 0) throw new AnnotationValidationError(problems);
}
