// Kubernetes resource quantities (`100m`, `128Mi`, `1e3`): parsing and the text the API writes back.
//
// Follows apimachinery's resource.Quantity:
// - grammar: optional sign, digits with an optional fraction, then a suffix: binary `Ki Mi Gi Ti Pi Ei`,
//   decimal `n u m "" k M G T P E`, or an exponent `e<int>`/`E<int>`. Kubernetes' scanner also
//   accepts degenerate numbers (`.`, `+`, `Ki` alone read as zero); so do we, to agree on validity;
// - value: exact decimal, rounded up (away from zero) to whole nano units; a binary-suffixed value is
//   capped at 2^63-1 and, strictly between 0 and 1, switches to decimal notation;
// - output: the suffix family of the input is kept; decimal forms use the largest exponent that is a
//   multiple of 3 without a fraction (`1500m`, `2`, `1G`); binary forms use the largest power of 1024
//   that divides the value, falling back to decimal below 1024 or for fractions (`1Gi`, `1536Mi`, `500m`);
// - text Kubernetes judges already canonical is written back exactly as given (so `100m` stays, `+1`
//   stays `+1`, `1E3` stays `1E3`), as Quantity.String does with its cached string.
// Deliberate differences, both for absurd input: a decimal-SI value beyond `E` (10^18) has no suffix,
// and Kubernetes then writes the bare mantissa (`1000E` becomes `1`), where we write `1e21`; an exponent
// outside the int32 range is an error here, where Go silently wraps it.
import { type JsonObject, type JsonValue, isJsonObject } from './types.ts';

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** A parsed quantity: the value is `mantissa × 10^exponent`, exact. */
export interface Quantity {
  readonly mantissa: bigint;
  readonly exponent: number;
  readonly format: QuantityFormat;
  /** The input text, when Kubernetes would write it back unchanged. */
  readonly verbatim?: string;
}

/** A string that is not a quantity; `path` names where it was found, when known. */
export class QuantityError extends Error {
  override readonly name = 'QuantityError';
  readonly input: string;
  readonly reason: string;
  readonly path: string | undefined;

  constructor(input: string, reason: string, path?: string) {
    super(`${path === undefined ? '' : `${path}: `}invalid quantity ${JSON.stringify(input)}: ${reason}`);
    this.input = input;
    this.reason = reason;
    this.path = path;
  }
}

const decimalSuffixes: ReadonlyMap<string, number> = new Map([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);
const decimalSuffixByExponent = new Map([...decimalSuffixes].map(([suffix, exponent]) => [exponent, suffix]));
const binarySuffixes: ReadonlyMap<string, number> = new Map([
  ['Ki', 10],
  ['Mi', 20],
  ['Gi', 30],
  ['Ti', 40],
  ['Pi', 50],
  ['Ei', 60],
]);
const binarySuffixByPower = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

const suffixLetters = 'eEinumkKMGTP';
const maxInt64 = (1n << 63n) - 1n;
const int32Range = 2 ** 31;
/** Quantities hold nothing finer than 10^-9. */
const nanoExponent = -9;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

interface Scanned {
  readonly negative: boolean;
  /** Integer digits without leading zeros ("0" when there are none). */
  readonly whole: string;
  readonly fraction: string;
  readonly suffix: string;
}

function scan(text: string): Scanned {
  let pos = 0;
  let negative = false;
  if (text[0] === '-' || text[0] === '+') {
    negative = text[0] === '-';
    pos++;
  }
  while (text[pos] === '0') pos++;
  const wholeStart = pos;
  while (isDigit(text[pos])) pos++;
  const whole = text.slice(wholeStart, pos) || '0';
  let fraction = '';
  if (text[pos] === '.') {
    const fractionStart = ++pos;
    while (isDigit(text[pos])) pos++;
    fraction = text.slice(fractionStart, pos);
  }
  const suffixStart = pos;
  while (pos < text.length && suffixLetters.includes(text[pos]!)) pos++;
  if (text[pos] === '-' || text[pos] === '+') pos++;
  while (isDigit(text[pos])) pos++;
  if (pos < text.length) {
    throw new QuantityError(text, `unexpected ${JSON.stringify(text[pos])} at offset ${pos}`);
  }
  return { negative, whole, fraction, suffix: text.slice(suffixStart) };
}

interface Suffix {
  readonly base: 10 | 2;
  readonly exponent: number;
  readonly format: QuantityFormat;
}

function interpretSuffix(text: string, suffix: string): Suffix {
  const decimal = decimalSuffixes.get(suffix);
  if (decimal !== undefined) return { base: 10, exponent: decimal, format: 'DecimalSI' };
  const binary = binarySuffixes.get(suffix);
  if (binary !== undefined) return { base: 2, exponent: binary, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const digits = suffix.slice(1);
    if (!/^[+-]?[0-9]+$/.test(digits))
      throw new QuantityError(text, `malformed exponent ${JSON.stringify(suffix)}`);
    const exponent = Number(digits);
    if (!(Math.abs(exponent) < int32Range))
      throw new QuantityError(text, `exponent ${digits} is out of range`);
    return { base: 10, exponent, format: 'DecimalExponent' };
  }
  throw new QuantityError(
    text,
    `unknown suffix ${JSON.stringify(suffix)} (want one of Ki Mi Gi Ti Pi Ei, n u m k M G T P E, or e<exponent>)`,
  );
}

/** Parses a quantity. Throws QuantityError naming what is wrong. */
export function parseQuantity(text: string): Quantity {
  if (text === '') throw new QuantityError(text, 'empty string');
  if (text === '0') return { mantissa: 0n, exponent: 0, format: 'DecimalSI', verbatim: text };
  const { negative, whole, fraction, suffix } = scan(text);
  const { base, exponent: suffixExponent, format: suffixFormat } = interpretSuffix(text, suffix);

  const digits = BigInt(whole + fraction);
  let magnitude = base === 2 ? digits << BigInt(suffixExponent) : digits;
  let exponent = (base === 10 ? suffixExponent : 0) - fraction.length;
  let format = suffixFormat;
  if (magnitude !== 0n && exponent < nanoExponent) {
    [magnitude, exponent] = [roundUpToNano(magnitude, exponent), nanoExponent];
  }
  if (format === 'BinarySI') {
    if (compareMagnitude(magnitude, exponent, maxInt64) > 0) [magnitude, exponent] = [maxInt64, 0];
    if (magnitude !== 0n && compareMagnitude(magnitude, exponent, 1n) < 0) format = 'DecimalSI';
  }
  const quantity = { mantissa: negative ? -magnitude : magnitude, exponent, format };
  return keptAsWritten(whole, fraction, suffixFormat, suffixExponent, digits)
    ? { ...quantity, verbatim: text }
    : quantity;
}

/** `magnitude × 10^exponent` rounded up to a whole number of 10^-9 units, as a count of those units. */
function roundUpToNano(magnitude: bigint, exponent: number): bigint {
  const shift = nanoExponent - exponent;
  // Fewer digits than the shift: the value is below one unit, which rounds up to exactly one.
  if (shift > magnitude.toString().length) return 1n;
  const unit = 10n ** BigInt(shift);
  return (magnitude + unit - 1n) / unit;
}

/** Compares `magnitude × 10^exponent` (non-negative) with an integer. */
function compareMagnitude(magnitude: bigint, exponent: number, other: bigint): number {
  const scaled = exponent >= 0 ? magnitude * 10n ** BigInt(exponent) : magnitude;
  const otherScaled = exponent >= 0 ? other : other * 10n ** BigInt(-exponent);
  return scaled === otherScaled ? 0 : scaled > otherScaled ? 1 : -1;
}

/**
 * Whether Kubernetes keeps the input text for output. Its parser takes a fast int64 path for short
 * inputs and, on that path, remembers the text when it looks canonical: for decimal forms, an exponent
 * that is a multiple of 3, no trailing "000" and no leading zero digit; for binary forms, a number not
 * divisible by 8 (so it cannot move to a larger suffix).
 */
function keptAsWritten(
  whole: string,
  fraction: string,
  format: QuantityFormat,
  suffixExponent: number,
  digits: bigint,
): boolean {
  if (format === 'BinarySI') {
    if (fraction !== '') return false;
    const precision = 15 - whole.length - Math.trunc((suffixExponent * 3) / 10) - 1;
    if (precision < 0 || digits << BigInt(suffixExponent) > maxInt64) return false;
    return (digits & 7n) !== 0n;
  }
  const shifted = whole + fraction;
  const scale = suffixExponent - fraction.length;
  if (18 - shifted.length < 0 || scale < nanoExponent) return false;
  return scale % 3 === 0 && !shifted.endsWith('000') && !shifted.startsWith('0');
}

/** The canonical text for a quantity, ignoring any remembered input text. */
export function formatQuantity(quantity: Quantity): string {
  const { mantissa, exponent } = quantity;
  if (mantissa === 0n) return '0';
  if (quantity.format === 'BinarySI') {
    const binary = formatBinary(mantissa, exponent);
    if (binary !== undefined) return binary;
  }
  let m = mantissa;
  let e = exponent;
  while (m % 10n === 0n) {
    m /= 10n;
    e++;
  }
  while (e % 3 !== 0) {
    m *= 10n;
    e--;
  }
  if (e === 0) return m.toString();
  // A binary quantity that cannot be written in binary notation is written as decimal SI.
  const suffix = quantity.format === 'DecimalExponent' ? undefined : decimalSuffixByExponent.get(e);
  return suffix === undefined ? `${m}e${e}` : `${m}${suffix}`;
}

/** Binary notation, or undefined when the value is below 1024 in magnitude or not a whole number. */
function formatBinary(mantissa: bigint, exponent: number): string | undefined {
  let value = mantissa;
  if (exponent < 0) {
    const unit = 10n ** BigInt(-exponent);
    if (value % unit !== 0n) return undefined;
    value /= unit;
  } else {
    value *= 10n ** BigInt(exponent);
  }
  if (value > -1024n && value < 1024n) return undefined;
  let power = 0;
  while (value % 1024n === 0n && power < binarySuffixByPower.length - 1) {
    value /= 1024n;
    power++;
  }
  return `${value}${binarySuffixByPower[power]!}`;
}

/** The text Kubernetes writes for a parsed quantity: the input if kept, else the canonical form. */
export function quantityToString(quantity: Quantity): string {
  return quantity.verbatim ?? formatQuantity(quantity);
}

/**
 * The text the API server would store for a quantity given as a string or (from YAML) a number.
 * Throws QuantityError.
 */
export function canonicalQuantity(value: string | number): string {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new QuantityError(String(value), 'not a finite number');
  }
  const text = String(value);
  return isCanonical(text) ? text : quantityToString(parseQuantity(text));
}

// Most quantities in pods are already canonical (`100m`, `2`, `512Mi`); these two shapes are, by the rules in
// keptAsWritten and formatBinary, and are recognised without the exact (bigint) arithmetic.
const plainDecimal = /^[1-9][0-9]{0,14}[numkMGTPE]?$/;
const smallBinary = /^([1-9][0-9]{0,3})[KMGTP]i$/;

/**
 * A whole decimal number without leading zeros or three trailing zeros, with a decimal suffix: kept as written.
 * A whole number below 1024 with a binary suffix up to Pi: canonical (no larger suffix divides it, no cap).
 */
function isCanonical(text: string): boolean {
  if (plainDecimal.test(text)) return !/000[numkMGTPE]?$/.test(text);
  const binary = smallBinary.exec(text);
  return binary !== null && Number(binary[1]) < 1024;
}

// Where a Pod holds quantities: maps of them (resource lists) and single values.
const containerFields = ['containers', 'initContainers', 'ephemeralContainers'] as const;

/**
 * The pod with every quantity in its spec written the way the API server would write it (container and pod
 * resources, overhead, emptyDir sizeLimit, ephemeral volume claim requests). The input is never modified: what
 * changes is copied along its path, the rest is shared, and a pod whose quantities are all canonical already is
 * returned as it is. Throws QuantityError with the field path for a value that is not a quantity.
 */
export function canonicalizePodQuantities(pod: JsonObject): JsonObject {
  const spec = pod.spec;
  if (!isJsonObject(spec)) return pod;
  let changed: JsonObject | undefined;
  const set = (key: string, value: JsonValue | undefined): void => {
    if (value !== undefined) (changed ??= { ...spec })[key] = value;
  };
  for (const field of containerFields) {
    const containers = spec[field];
    if (!Array.isArray(containers)) continue;
    set(
      field,
      mapChanged(containers, (container, index) =>
        isJsonObject(container)
          ? withChanged(container, 'resources', (resources) =>
              canonicalResources(resources, `spec.${field}[${index}].resources`),
            )
          : undefined,
      ),
    );
  }
  set('resources', canonicalResources(spec.resources, 'spec.resources'));
  set('overhead', canonicalMap(spec.overhead, 'spec.overhead'));
  const volumes = spec.volumes;
  if (Array.isArray(volumes)) set('volumes', mapChanged(volumes, canonicalVolume));
  return changed === undefined ? pod : { ...pod, spec: changed };
}

function canonicalVolume(volume: JsonValue, index: number): JsonValue | undefined {
  if (!isJsonObject(volume)) return undefined;
  const path = `spec.volumes[${index}]`;
  const withSize = withChanged(volume, 'emptyDir', (emptyDir) =>
    isJsonObject(emptyDir) && emptyDir.sizeLimit !== undefined
      ? changedValue(emptyDir, 'sizeLimit', canonicalAt(emptyDir.sizeLimit, `${path}.emptyDir.sizeLimit`))
      : undefined,
  );
  const current = withSize ?? volume;
  const withClaim = withChanged(current, 'ephemeral', (ephemeral) =>
    isJsonObject(ephemeral)
      ? withChanged(ephemeral, 'volumeClaimTemplate', (claim) =>
          isJsonObject(claim)
            ? withChanged(claim, 'spec', (claimSpec) =>
                isJsonObject(claimSpec)
                  ? withChanged(claimSpec, 'resources', (resources) =>
                      canonicalResources(resources, `${path}.ephemeral.volumeClaimTemplate.spec.resources`),
                    )
                  : undefined,
              )
            : undefined,
        )
      : undefined,
  );
  return withClaim ?? withSize;
}

/** `limits` and `requests` of a ResourceRequirements; undefined when nothing changes. */
function canonicalResources(owner: JsonValue | undefined, path: string): JsonObject | undefined {
  if (!isJsonObject(owner)) return undefined;
  let out: JsonObject | undefined;
  for (const list of ['limits', 'requests'] as const) {
    const canonical = canonicalMap(owner[list], `${path}.${list}`);
    if (canonical !== undefined) (out ??= { ...owner })[list] = canonical;
  }
  return out;
}

/** A resource list with canonical quantities; undefined when every one already is. */
function canonicalMap(map: JsonValue | undefined, path: string): JsonObject | undefined {
  if (!isJsonObject(map)) return undefined;
  let out: JsonObject | undefined;
  for (const [name, value] of Object.entries(map)) {
    const canonical = canonicalAt(value, `${path}.${name}`);
    if (canonical !== value) (out ??= { ...map })[name] = canonical;
  }
  return out;
}

/** A copy of `object` with `key` set to `value`, or undefined when it already holds that value. */
function changedValue(object: JsonObject, key: string, value: JsonValue): JsonObject | undefined {
  return object[key] === value ? undefined : { ...object, [key]: value };
}

/** A copy of `object` with `key` replaced by `update(object[key])`, or undefined when that changes nothing. */
function withChanged(
  object: JsonObject,
  key: string,
  update: (value: JsonValue | undefined) => JsonValue | undefined,
): JsonObject | undefined {
  const value = update(object[key]);
  return value === undefined ? undefined : { ...object, [key]: value };
}

/** A copy of `list` with the items `update` changes, or undefined when it changes none. */
function mapChanged(
  list: readonly JsonValue[],
  update: (item: JsonValue, index: number) => JsonValue | undefined,
): JsonValue[] | undefined {
  let out: JsonValue[] | undefined;
  list.forEach((item, index) => {
    const next = update(item, index);
    if (next !== undefined) (out ??= [...list])[index] = next;
  });
  return out;
}

function canonicalAt(value: JsonValue, path: string): JsonValue {
  if (value === null) return value;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new QuantityError(JSON.stringify(value), 'want a string or a number', path);
  }
  try {
    return canonicalQuantity(value);
  } catch (error) {
    if (error instanceof QuantityError) throw new QuantityError(error.input, error.reason, path);
    throw error;
  }
}
