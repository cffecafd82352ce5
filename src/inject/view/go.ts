// Small pieces every view shares: how JSON scalars become Go values, Go's zero values, and the text Go's
// time and encoding/json packages produce for durations and strings.
import { goNilPointer, goStringMap, goTypedMap } from '../../template/index.ts';
import type { JsonObject, JsonValue } from '../types.ts';

/** The JSON object a view presents; views never write to it. */
export const VIEW_JSON: unique symbol = Symbol('mesh-injector.viewJson');
/** Per-view cache of values built from the JSON (nested views, converted lists). */
export const VIEW_CACHE: unique symbol = Symbol('mesh-injector.viewCache');

export interface ViewBase {
  readonly [VIEW_JSON]: JsonObject;
  [VIEW_CACHE]: Map<string, unknown> | undefined;
}

/** The JSON object behind a view made by this package, or undefined for anything else. */
export function jsonOf(value: unknown): JsonObject | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const json = (value as Partial<ViewBase>)[VIEW_JSON];
  return json;
}

/** Returns the cached value for `key`, building it on first use. */
export function cached<T>(view: ViewBase, key: string, build: () => T): T {
  let cache = view[VIEW_CACHE];
  if (cache === undefined) {
    cache = new Map();
    view[VIEW_CACHE] = cache;
  }
  if (cache.has(key)) return cache.get(key) as T;
  const value = build();
  cache.set(key, value);
  return value;
}

export const EMPTY_OBJECT: JsonObject = Object.freeze({});
/** A nil slice: prints `[]`, ranges zero times. Shared, so frozen. */
export const NIL_SLICE: readonly never[] = Object.freeze([]);
/** A nil map[string]string: every key reads as "". */
export const NIL_STRING_MAP: object = Object.freeze(goStringMap({}));

const nilPointers = new Map<string, object>();

/** The (shared) nil `*typeName` without methods. */
export function nilPointer(typeName: string): object {
  let nil = nilPointers.get(typeName);
  if (nil === undefined) {
    nil = goNilPointer(typeName);
    nilPointers.set(typeName, nil);
  }
  return nil;
}

/** A JSON value read as a Go integer (bigint); `undefined` when it is not an integer. */
export function toGoInt(value: JsonValue | undefined): bigint | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : undefined;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return BigInt(value.trim());
  return undefined;
}

/** A JSON value read as a Go string: scalars print as JSON does, anything else is "". */
export function toGoString(value: JsonValue | undefined): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/** A copy of a JSON map as a Go `map[string]string` (non-string scalars are printed, others dropped). */
export function stringMapOf(value: JsonValue | undefined): object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return NIL_STRING_MAP;
  const entries: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === null || typeof item !== 'object') entries[key] = toGoString(item);
  }
  return goStringMap(entries);
}

/** A copy of a JSON map as a Go map of `typeName` whose missing keys read as `zero`. */
export function typedMapOf(entries: Record<string, unknown>, typeName: string, zero: unknown): object {
  return goTypedMap(entries, typeName, zero);
}

/** Keys of a JSON object in Go's map order (sorted by bytes), as encoding/json writes them. */
export function sortedKeysOf(object: JsonObject): string[] {
  return Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * encoding/json's HTML-safe escaping of a JSON text: `<`, `>`, `&`, U+2028 and U+2029 as \u escapes. They can
 * only occur inside strings, so the whole text can be rewritten.
 */
export function goJSONEscape(text: string): string {
  return text.replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

// ---------------------------------------------------------------------------------------------------------
// Durations: time.Duration is an int64 count of nanoseconds.

const NANOS_PER_SECOND = 1_000_000_000n;

/** Go's `time.Duration.String()`: `45s`, `1m30s`, `1.5s`, `100ms`, `0s`. */
export function goDurationString(nanos: bigint): string {
  if (nanos === 0n) return '0s';
  const negative = nanos < 0n;
  let u = negative ? -nanos : nanos;
  let text: string;
  if (u < NANOS_PER_SECOND) {
    // Below a second Go switches to the largest unit that keeps an integer part.
    let unit: string;
    let precision: number;
    if (u < 1_000n) {
      unit = 'ns';
      precision = 0;
    } else if (u < 1_000_000n) {
      unit = 'µs';
      precision = 3;
    } else {
      unit = 'ms';
      precision = 6;
    }
    const [fraction, whole] = formatFraction(u, precision);
    text = `${whole}${fraction}${unit}`;
  } else {
    const [fraction, wholeSeconds] = formatFraction(u, 9);
    u = wholeSeconds;
    text = `${u % 60n}${fraction}s`;
    u /= 60n;
    if (u > 0n) {
      text = `${u % 60n}m${text}`;
      u /= 60n;
      if (u > 0n) text = `${u}h${text}`;
    }
  }
  return negative ? '-' + text : text;
}

/** Splits `value / 10^precision` into its fraction (".5", without trailing zeros, or "") and integer part. */
function formatFraction(value: bigint, precision: number): [string, bigint] {
  if (precision === 0) return ['', value];
  const scale = 10n ** BigInt(precision);
  const digits = (value % scale).toString().padStart(precision, '0').replace(/0+$/, '');
  return [digits === '' ? '' : '.' + digits, value / scale];
}

const GO_UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: NANOS_PER_SECOND,
  m: 60n * NANOS_PER_SECOND,
  h: 3600n * NANOS_PER_SECOND,
};

/**
 * Nanoseconds of a duration as proto JSON writes it (`45s`, `1.5s`, `-0.000000001s`) or, leniently, as Go
 * writes it (`1m30s`, `100ms`); undefined when the text is neither.
 */
export function parseDurationNanos(text: string): bigint | undefined {
  const match = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(text.trim());
  if (match === null) return undefined;
  const sign = match[1] === '-' ? -1n : 1n;
  let total = 0n;
  for (const part of text
    .trim()
    .replace(/^[-+]/, '')
    .matchAll(/(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/g)) {
    const unit = GO_UNITS[part[3]!]!;
    const whole = BigInt(part[1] === '' ? '0' : part[1]!);
    const fractionDigits = part[2] ?? '';
    total += whole * unit;
    if (fractionDigits !== '') {
      total += (BigInt(fractionDigits) * unit) / 10n ** BigInt(fractionDigits.length);
    }
  }
  return sign * total;
}

/** A duration in proto JSON form: seconds with 0, 3, 6 or 9 fractional digits and an `s`. */
export function protoDurationString(nanos: bigint): string {
  const negative = nanos < 0n;
  const u = negative ? -nanos : nanos;
  const seconds = u / NANOS_PER_SECOND;
  let fraction = (u % NANOS_PER_SECOND).toString().padStart(9, '0');
  while (fraction.length > 0 && fraction.endsWith('000')) fraction = fraction.slice(0, -3);
  return `${negative ? '-' : ''}${seconds}${fraction === '' ? '' : '.' + fraction}s`;
}
