// Go's numeric conversions as sprig uses them: spf13/cast's ToInt64/ToFloat64 (which swallow errors and
// give 0), int64 wrap-around arithmetic, time.Duration's text form, and shopspring/decimal for the
// float helpers (`addf`, `divf`, ...), which compute in exact decimals and round division to 16 places.
import { goSprint } from '../../template/fmt.ts';
import { parseFloat64, parseInt64 } from '../../template/strconv.ts';
import { GoPanic } from './gostrings.ts';

const MIN_INT64 = -(1n << 63n);

/** Wraps to int64, as Go arithmetic does on overflow. */
export function int64(n: bigint): bigint {
  return BigInt.asIntN(64, n);
}

/** Go's float64 -> int64 conversion on amd64: truncation; NaN and out-of-range give MinInt64. */
export function truncToInt64(f: number): bigint {
  if (!Number.isFinite(f) || f >= 9223372036854775808 || f < -9223372036854775808) return MIN_INT64;
  return BigInt(Math.trunc(f));
}

/** cast's trimZeroDecimal: "10.00" -> "10", anything else unchanged. */
function trimZeroDecimal(s: string): string {
  let foundZero = false;
  for (let i = s.length; i > 0; i--) {
    const c = s[i - 1];
    if (c === '.') {
      if (foundZero) return s.slice(0, i - 1);
    } else if (c === '0') {
      foundZero = true;
    } else {
      return s;
    }
  }
  return s;
}

/**
 * spf13/cast ToInt64 (sprig's `int64`, `int`, and every integer helper): bool is 0/1, floats truncate,
 * strings parse with Go's base prefixes, and anything else (nil, maps, named types such as enums) is 0.
 */
export function castToInt64(value: unknown): bigint {
  switch (typeof value) {
    case 'bigint':
      return value;
    case 'number':
      return truncToInt64(value);
    case 'boolean':
      return value ? 1n : 0n;
    case 'string':
      return parseInt64(trimZeroDecimal(value)) ?? 0n;
    default:
      return 0n;
  }
}

/** spf13/cast ToFloat64 (sprig's `float64`, `floor`, `ceil`, `round`, the `*f` helpers). */
export function castToFloat64(value: unknown): number {
  switch (typeof value) {
    case 'number':
      return value;
    case 'bigint':
      return Number(value);
    case 'boolean':
      return value ? 1 : 0;
    case 'string':
      return parseGoFloat(value) ?? 0;
    default:
      return 0;
  }
}

/** strconv.ParseFloat(s, 64), including Go's spellings of infinity and NaN. */
export function parseGoFloat(s: string): number | undefined {
  const special = /^([+-]?)(inf|infinity)$/i.exec(s);
  if (special !== null) return special[1] === '-' ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  return parseFloat64(s);
}

/** strconv.Atoi: base 10 only, no underscores. */
export function atoi(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  return parseInt64(s.replace(/^([+-]?)0+(?=\d)/, '$1'));
}

/** strconv.ParseInt(s, base, 64) for an explicit base (no prefixes, no underscores). */
export function parseIntBase(s: string, base: number): bigint | undefined {
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, base);
  const m = /^([+-]?)(.+)$/.exec(s);
  if (m === null) return undefined;
  let n = 0n;
  for (const ch of m[2]!.toLowerCase()) {
    const d = digits.indexOf(ch);
    if (d < 0) return undefined;
    n = n * BigInt(base) + BigInt(d);
  }
  const signed = m[1] === '-' ? -n : n;
  return signed === int64(signed) ? signed : undefined;
}

// --- time.Duration ---------------------------------------------------------------------------------------

const NANOS_PER_SECOND = 1_000_000_000n;

function fmtFrac(v: bigint, prec: number): { text: string; rest: bigint } {
  let text = '';
  let print = false;
  let u = v;
  for (let i = 0; i < prec; i++) {
    const digit = u % 10n;
    print ||= digit !== 0n;
    if (print) text = digit.toString() + text;
    u /= 10n;
  }
  return { text: print ? '.' + text : '', rest: u };
}

/** time.Duration(nanos).String(): `1h2m3.5s`, `1.5ms`, `0s`. */
export function formatDuration(nanos: bigint): string {
  const neg = nanos < 0n;
  let u = neg ? -nanos : nanos;
  let out: string;
  if (u < NANOS_PER_SECOND) {
    if (u === 0n) return '0s';
    let unit: string;
    let prec: number;
    if (u < 1000n) {
      unit = 'ns';
      prec = 0;
    } else if (u < 1_000_000n) {
      unit = 'µs';
      prec = 3;
    } else {
      unit = 'ms';
      prec = 6;
    }
    const frac = fmtFrac(u, prec);
    out = frac.rest.toString() + frac.text + unit;
  } else {
    const frac = fmtFrac(u, 9);
    u = frac.rest;
    out = (u % 60n).toString() + frac.text + 's';
    u /= 60n;
    if (u > 0n) {
      out = (u % 60n).toString() + 'm' + out;
      u /= 60n;
      if (u > 0n) out = u.toString() + 'h' + out;
    }
  }
  return neg ? '-' + out : out;
}

const UNIT_NANOS = new Map<string, bigint>([
  ['ns', 1n],
  ['us', 1000n],
  ['µs', 1000n], // U+00B5 micro sign
  ['μs', 1000n], // U+03BC Greek mu
  ['ms', 1_000_000n],
  ['s', NANOS_PER_SECOND],
  ['m', 60n * NANOS_PER_SECOND],
  ['h', 3600n * NANOS_PER_SECOND],
]);

/** time.ParseDuration; undefined where Go returns an error. */
export function parseDuration(text: string): bigint | undefined {
  let s = text;
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') return undefined;
  let total = 0n;
  const part = /^([0-9]*)(?:\.([0-9]*))?([^0-9.]+)/;
  while (s !== '') {
    const m = part.exec(s);
    if (m === null) return undefined;
    const [whole, intDigits = '', fracDigits, unit = ''] = m;
    if (intDigits === '' && (fracDigits === undefined || fracDigits === '')) return undefined;
    const scale = UNIT_NANOS.get(unit);
    if (scale === undefined) return undefined;
    let v = BigInt(intDigits || '0') * scale;
    if (fracDigits !== undefined && fracDigits !== '') {
      v += (BigInt(fracDigits) * scale) / 10n ** BigInt(fracDigits.length);
    }
    total += v;
    if (total > (1n << 63n) - 1n + (neg ? 1n : 0n)) return undefined;
    s = s.slice(whole.length);
  }
  return neg ? -total : total;
}

// --- shopspring/decimal, for sprig's float helpers ----------------------------------------------------------

/** An exact decimal: coef * 10^exp. */
interface Decimal {
  readonly coef: bigint;
  readonly exp: number;
}

/** decimal.NewFromFloat: the shortest decimal that reads back as f. */
function decimalFromFloat(f: number): Decimal {
  if (!Number.isFinite(f)) throw new GoPanic(`Cannot create a Decimal from ${goSprint(f)}`);
  if (f === 0) return { coef: 0n, exp: 0 };
  const [mantissa = '0', exponent = '0'] = f.toExponential().split('e');
  const [intPart = '0', fracPart = ''] = mantissa.split('.');
  return { coef: BigInt(intPart + fracPart), exp: Number(exponent) - fracPart.length };
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const exp = Math.min(a.exp, b.exp);
  return [a.coef * 10n ** BigInt(a.exp - exp), b.coef * 10n ** BigInt(b.exp - exp), exp];
}

const DIVISION_PRECISION = 16;

export type DecimalOp = 'add' | 'sub' | 'mul' | 'div';

function apply(op: DecimalOp, a: Decimal, b: Decimal): Decimal {
  switch (op) {
    case 'add': {
      const [x, y, exp] = align(a, b);
      return { coef: x + y, exp };
    }
    case 'sub': {
      const [x, y, exp] = align(a, b);
      return { coef: x - y, exp };
    }
    case 'mul':
      return { coef: a.coef * b.coef, exp: a.exp + b.exp };
    case 'div': {
      if (b.coef === 0n) throw new GoPanic('decimal division by 0');
      // a/b * 10^16, truncated toward zero, then rounded half away from zero (decimal.DivRound).
      const k = a.exp - b.exp + DIVISION_PRECISION;
      const num = k >= 0 ? a.coef * 10n ** BigInt(k) : a.coef;
      const den = k >= 0 ? b.coef : b.coef * 10n ** BigInt(-k);
      let q = num / den;
      const r = num - q * den;
      const abs = (n: bigint): bigint => (n < 0n ? -n : n);
      if (2n * abs(r) >= abs(den)) q += num < 0n !== den < 0n ? -1n : 1n;
      return { coef: q, exp: -DIVISION_PRECISION };
    }
  }
}

/** sprig's execDecimalOp: folds `op` over the operands in exact decimal arithmetic, then back to float64. */
export function decimalFold(op: DecimalOp, first: unknown, rest: readonly unknown[]): number {
  let acc = decimalFromFloat(castToFloat64(first));
  for (const operand of rest) acc = apply(op, acc, decimalFromFloat(castToFloat64(operand)));
  return Number(`${acc.coef.toString()}e${String(acc.exp)}`);
}
