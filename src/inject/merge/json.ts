// Small helpers for plain JSON values: deep copies and checked conversion from parsed YAML.
import { type JsonObject, type JsonValue, isJsonObject } from '../types.ts';

/** A deep copy, so results never share structure with inputs that callers may still hold. */
export function cloneJson(value: JsonValue): JsonValue {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(cloneJson);
  return cloneObject(value);
}

export function cloneObject(value: JsonObject): JsonObject {
  const copy: JsonObject = {};
  for (const key of Object.keys(value)) copy[key] = cloneJson(value[key]!);
  return copy;
}

/** Why a parsed value is not plain JSON, or undefined when it is. The path names the first offender. */
export function findNonJson(value: unknown): string | undefined {
  // Rendered templates are nearly always plain JSON: check that first, and build paths only to explain.
  return isPlainJson(value) ? undefined : explainNonJson(value, '');
}

function isPlainJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) {
    for (const item of value) if (!isPlainJson(item)) return false;
    return true;
  }
  if (!isJsonObject(value) || !isPlainPrototype(Object.getPrototypeOf(value))) return false;
  for (const key in value) if (!isPlainJson(value[key])) return false;
  return true;
}

function explainNonJson(value: unknown, path: string): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') {
    return Number.isFinite(value)
      ? undefined
      : `${path || 'value'} is ${String(value)}, which JSON cannot hold`;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const problem = explainNonJson(item, `${path}[${index}]`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (isJsonObject(value) && isPlainPrototype(Object.getPrototypeOf(value))) {
    for (const [key, item] of Object.entries(value)) {
      const problem = explainNonJson(item, path === '' ? key : `${path}.${key}`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  const kind = value instanceof Date ? 'a YAML timestamp (quote it to keep a string)' : `a ${typeof value}`;
  return `${path || 'value'} is ${kind}, not plain JSON`;
}

function isPlainPrototype(proto: unknown): boolean {
  return proto === Object.prototype || proto === null;
}

/** A value's JSON type for error messages: "null", "a list", "an object", "a string", ... */
export function describeJson(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
