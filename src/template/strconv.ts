// Go's strconv behaviour that templates can observe: quoting (%q, error messages), unquoting of template
// string/char literals, Go number-literal parsing, and float formatting (%v/%e/%f/%g/%b/%x of float64).
//
// Go works on UTF-8 bytes while JS strings are UTF-16; every function here works on code points, which is
// the same thing for valid UTF-8. A `\xNN` escape in a template literal becomes the code point U+00NN
// (Go would produce a raw byte); that is the one place where the two can differ.

const LOWER_HEX = '0123456789abcdef';

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

export function isPrint(codePoint: number): boolean {
  if (codePoint < 0x7f) return codePoint >= 0x20;
  if (codePoint < 0xa1) return false;
  return PRINTABLE.test(String.fromCodePoint(codePoint));
}

/** A valid Unicode scalar value (Go's utf8.ValidRune). */
export function isValidRune(r: number): boolean {
  return r >= 0 && r <= 0x10ffff && !(r >= 0xd800 && r <= 0xdfff);
}

function hexDigits(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function appendEscapedRune(r: number, quote: number, asciiOnly: boolean): string {
  if (r === quote || r === 0x5c) return '\\' + String.fromCodePoint(r);
  if (asciiOnly ? r < 0x80 && isPrint(r) : isPrint(r)) return String.fromCodePoint(r);
  switch (r) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return '\\x' + hexDigits(r, 2);
  if (!isValidRune(r)) r = 0xfffd;
  if (r < 0x10000) return '\\u' + hexDigits(r, 4);
  return '\\U' + hexDigits(r, 8);
}

function quoteWith(s: string, quote: number, asciiOnly: boolean): string {
  const q = String.fromCharCode(quote);
  let out = q;
  for (const ch of s) out += appendEscapedRune(ch.codePointAt(0)!, quote, asciiOnly);
  return out + q;
}

/** strconv.Quote */
export function quote(s: string): string {
  // Fast path: printable ASCII without quotes or backslashes needs no escaping.
  if (/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(s)) return '"' + s + '"';
  return quoteWith(s, 0x22, false);
}

/** strconv.QuoteToASCII */
export function quoteToASCII(s: string): string {
  return quoteWith(s, 0x22, true);
}

/** strconv.QuoteRune / QuoteRuneToASCII */
export function quoteRune(r: number, asciiOnly: boolean): string {
  if (!isValidRune(r)) r = 0xfffd;
  return "'" + appendEscapedRune(r, 0x27, asciiOnly) + "'";
}

/** strconv.CanBackquote */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (r === 0xfeff) return false;
    if ((r < 0x20 && r !== 0x09) || r === 0x60 || r === 0x7f) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Unquoting template literals.

export class SyntaxError extends Error {
  constructor() {
    super('invalid syntax');
  }
}

function unhex(c: string): number {
  const code = c.charCodeAt(0);
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  return -1;
}

export interface UnquotedChar {
  readonly value: number;
  readonly tail: string;
}

/** strconv.UnquoteChar: decodes the first character or escape of `s`; throws SyntaxError. */
export function unquoteChar(s: string, quoteChar: string): UnquotedChar {
  if (s.length === 0) throw new SyntaxError();
  const c = s[0]!;
  if (c === quoteChar && (quoteChar === "'" || quoteChar === '"')) throw new SyntaxError();
  if (c !== '\\') {
    const cp = s.codePointAt(0)!;
    return { value: cp, tail: s.slice(cp > 0xffff ? 2 : 1) };
  }
  if (s.length <= 1) throw new SyntaxError();
  const e = s[1]!;
  let rest = s.slice(2);
  let value: number;
  switch (e) {
    case 'a':
      value = 0x07;
      break;
    case 'b':
      value = 0x08;
      break;
    case 'f':
      value = 0x0c;
      break;
    case 'n':
      value = 0x0a;
      break;
    case 'r':
      value = 0x0d;
      break;
    case 't':
      value = 0x09;
      break;
    case 'v':
      value = 0x0b;
      break;
    case 'x':
    case 'u':
    case 'U': {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      if (rest.length < n) throw new SyntaxError();
      let v = 0;
      for (let j = 0; j < n; j++) {
        const x = unhex(rest[j]!);
        if (x < 0) throw new SyntaxError();
        v = v * 16 + x;
      }
      rest = rest.slice(n);
      if (e !== 'x' && !isValidRune(v)) throw new SyntaxError();
      value = v;
      break;
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
      let v = e.charCodeAt(0) - 0x30;
      if (rest.length < 2) throw new SyntaxError();
      for (let j = 0; j < 2; j++) {
        const x = rest.charCodeAt(j) - 0x30;
        if (x < 0 || x > 7) throw new SyntaxError();
        v = v * 8 + x;
      }
      rest = rest.slice(2);
      if (v > 255) throw new SyntaxError();
      value = v;
      break;
    }
    case '\\':
      value = 0x5c;
      break;
    case "'":
    case '"':
      if (e !== quoteChar) throw new SyntaxError();
      value = e.charCodeAt(0);
      break;
    default:
      throw new SyntaxError();
  }
  return { value, tail: rest };
}

/** strconv.Unquote for "...", `...` and '...' literals; throws SyntaxError. */
export function unquote(s: string): string {
  const q = s[0];
  if (s.length < 2 || s[s.length - 1] !== q) throw new SyntaxError();
  const body = s.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) throw new SyntaxError();
    return body.includes('\r') ? body.replaceAll('\r', '') : body;
  }
  if (q !== '"' && q !== "'") throw new SyntaxError();
  if (body.includes('\n')) throw new SyntaxError();
  if (!body.includes('\\') && !body.includes(q)) {
    if (q === '"') return body;
    if (Array.from(body).length === 1) return body;
  }
  let out = '';
  let rest = body;
  while (rest.length > 0) {
    const { value, tail } = unquoteChar(rest, q);
    out += String.fromCodePoint(value);
    rest = tail;
    if (q === "'" && rest.length > 0) throw new SyntaxError();
  }
  if (q === "'" && out.length === 0) throw new SyntaxError();
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Number literals (strconv.ParseInt/ParseUint with base 0, ParseFloat).

/** Go's underscoreOK: underscores only between digits (a base prefix counts as a digit). */
function underscoreOK(text: string): boolean {
  let s = text;
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'boxBOX'.includes(s[1]!)) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

const MAX_UINT64 = (1n << 64n) - 1n;
const MAX_INT64 = (1n << 63n) - 1n;

/** strconv.ParseUint(s, 0, 64); undefined when it fails. */
export function parseUint(text: string): bigint | undefined {
  if (text.length === 0) return undefined;
  let s = text;
  let base = 10n;
  if (s[0] === '0') {
    if (s.length >= 3 && 'bB'.includes(s[1]!)) {
      base = 2n;
      s = s.slice(2);
    } else if (s.length >= 3 && 'oO'.includes(s[1]!)) {
      base = 8n;
      s = s.slice(2);
    } else if (s.length >= 3 && 'xX'.includes(s[1]!)) {
      base = 16n;
      s = s.slice(2);
    } else {
      base = 8n;
      s = s.slice(1);
    }
  }
  let n = 0n;
  let underscores = false;
  for (const c of s) {
    if (c === '_') {
      underscores = true;
      continue;
    }
    const d = unhex(c);
    if (d < 0 || BigInt(d) >= base) return undefined;
    n = n * base + BigInt(d);
    if (n > MAX_UINT64) return undefined;
  }
  if (underscores && !underscoreOK(text)) return undefined;
  return n;
}

/** strconv.ParseInt(s, 0, 64); undefined when it fails. */
export function parseInt64(text: string): bigint | undefined {
  if (text.length === 0) return undefined;
  let s = text;
  let neg = false;
  if (s[0] === '+' || s[0] === '-') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  const u = parseUint(s);
  if (u === undefined) return undefined;
  if (neg) return u > MAX_INT64 + 1n ? undefined : -u;
  return u > MAX_INT64 ? undefined : u;
}

/** strconv.ParseFloat(s, 64); undefined on a syntax error or overflow (Go's ErrRange). */
export function parseFloat64(text: string): number | undefined {
  let i = 0;
  let neg = false;
  if (text[i] === '+' || text[i] === '-') {
    neg = text[i] === '-';
    i++;
  }
  const hex = i + 2 < text.length && text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X');
  if (hex) i += 2;
  let sawDot = false;
  let sawDigits = false;
  let underscores = false;
  let mantissa = '';
  let fractionDigits = 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c === '_') {
      underscores = true;
      continue;
    }
    if (c === '.') {
      if (sawDot) break;
      sawDot = true;
      continue;
    }
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      sawDigits = true;
      mantissa += c;
      if (sawDot) fractionDigits++;
      continue;
    }
    break;
  }
  if (!sawDigits) return undefined;
  let exp = 0;
  const expChar = hex ? 'p' : 'e';
  if (i < text.length && text[i]!.toLowerCase() === expChar) {
    i++;
    if (i >= text.length) return undefined;
    let sign = 1;
    if (text[i] === '+' || text[i] === '-') {
      sign = text[i] === '-' ? -1 : 1;
      i++;
    }
    if (i >= text.length || text[i]! < '0' || text[i]! > '9') return undefined;
    let e = 0;
    for (; i < text.length && ((text[i]! >= '0' && text[i]! <= '9') || text[i] === '_'); i++) {
      if (text[i] === '_') {
        underscores = true;
        continue;
      }
      if (e < 10000) e = e * 10 + (text.charCodeAt(i) - 0x30);
    }
    exp = sign * e;
  } else if (hex) {
    return undefined; // a hexadecimal float needs its p exponent
  }
  if (i !== text.length) return undefined;
  if (underscores && !underscoreOK(text)) return undefined;
  let value: number;
  if (hex) {
    value = Number(BigInt('0x' + mantissa)) * 2 ** (exp - 4 * fractionDigits);
  } else {
    const intPart = mantissa.slice(0, mantissa.length - fractionDigits) || '0';
    const fracPart = mantissa.slice(mantissa.length - fractionDigits);
    value = Number(`${intPart}.${fracPart || '0'}e${exp}`);
  }
  if (!Number.isFinite(value)) return undefined;
  return neg ? -value : value;
}

// ---------------------------------------------------------------------------------------------------------
// Float formatting (strconv.AppendFloat for bitSize 64).

/** Decimal digits of |x| without leading/trailing zeros; value = 0.d * 10^dp. Zero has no digits. */
interface Decimal {
  d: string;
  dp: number;
}

function floatBits(x: number): { neg: boolean; exp: number; mant: bigint } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  return {
    neg: hi >>> 31 === 1,
    exp: (hi >>> 20) & 0x7ff,
    mant: (BigInt(hi & 0xfffff) << 32n) | BigInt(lo),
  };
}

function trimZeros(d: string): string {
  let end = d.length;
  while (end > 0 && d.charCodeAt(end - 1) === 0x30) end--;
  return d.slice(0, end);
}

/** Shortest digits that read back as x (JS and Go both pick the closest shortest representation). */
function shortestDecimal(x: number): Decimal {
  if (x === 0) return { d: '', dp: 0 };
  const s = Math.abs(x).toExponential();
  const e = s.indexOf('e');
  const d = s.slice(0, e).replace('.', '');
  return { d: trimZeros(d), dp: Number(s.slice(e + 1)) + 1 };
}

/** The exact decimal expansion of |x| (every float64 is a finite decimal). */
function exactDecimal(x: number): Decimal {
  if (x === 0) return { d: '', dp: 0 };
  const bits = floatBits(x);
  let exp = bits.exp;
  let mant = bits.mant;
  if (exp === 0) exp = 1;
  else mant |= 1n << 52n;
  const e2 = exp - 1075;
  if (e2 >= 0) {
    const digits = (mant << BigInt(e2)).toString();
    return { d: trimZeros(digits), dp: digits.length };
  }
  const k = -e2;
  const digits = (mant * 5n ** BigInt(k)).toString();
  return { d: trimZeros(digits), dp: digits.length - k };
}

/** Rounds to nd significant digits, half to even on exact ties (Go's decimal.Round). */
function roundDecimal(dec: Decimal, nd: number): Decimal {
  const { d, dp } = dec;
  if (nd < 0 || nd >= d.length) return dec;
  let up: boolean;
  if (d[nd] === '5' && nd + 1 === d.length) up = nd > 0 && (d.charCodeAt(nd - 1) - 0x30) % 2 === 1;
  else up = d[nd]! >= '5';
  if (!up) return { d: trimZeros(d.slice(0, nd)), dp };
  let i = nd - 1;
  while (i >= 0 && d[i] === '9') i--;
  if (i < 0) return { d: '1', dp: dp + 1 };
  return { d: d.slice(0, i) + String.fromCharCode(d.charCodeAt(i) + 1), dp };
}

function fmtE(neg: boolean, dec: Decimal, prec: number, verb: string): string {
  let out = neg ? '-' : '';
  const nd = dec.d.length;
  out += nd !== 0 ? dec.d[0]! : '0';
  if (prec > 0) {
    out += '.';
    let i = 1;
    const m = Math.min(nd, prec + 1);
    if (i < m) {
      out += dec.d.slice(i, m);
      i = m;
    }
    for (; i <= prec; i++) out += '0';
  }
  out += verb;
  let exp = nd === 0 ? 0 : dec.dp - 1;
  if (exp < 0) {
    out += '-';
    exp = -exp;
  } else {
    out += '+';
  }
  return out + (exp < 10 ? '0' + String(exp) : String(exp));
}

function fmtF(neg: boolean, dec: Decimal, prec: number): string {
  let out = neg ? '-' : '';
  const nd = dec.d.length;
  if (dec.dp > 0) {
    const m = Math.min(nd, dec.dp);
    out += dec.d.slice(0, m) + '0'.repeat(dec.dp - m);
  } else {
    out += '0';
  }
  if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) {
      const j = dec.dp + i;
      out += j >= 0 && j < nd ? dec.d[j]! : '0';
    }
  }
  return out;
}

function formatDigits(neg: boolean, dec: Decimal, shortest: boolean, prec: number, verb: string): string {
  switch (verb) {
    case 'e':
    case 'E':
      return fmtE(neg, dec, prec, verb);
    case 'f':
      return fmtF(neg, dec, prec);
    default: {
      // 'g', 'G'
      const nd = dec.d.length;
      let eprec = prec;
      if (eprec > nd && nd >= dec.dp) eprec = nd;
      if (shortest) eprec = 6;
      const exp = dec.dp - 1;
      if (exp < -4 || exp >= eprec) {
        if (prec > nd) prec = nd;
        return fmtE(neg, dec, prec - 1, verb === 'g' ? 'e' : 'E');
      }
      if (prec > dec.dp) prec = nd;
      return fmtF(neg, dec, Math.max(prec - dec.dp, 0));
    }
  }
}

function fmtB(neg: boolean, mant: bigint, exp: number): string {
  const e = exp - 52;
  return (neg ? '-' : '') + mant.toString() + 'p' + (e >= 0 ? '+' : '') + String(e);
}

function fmtX(neg: boolean, mantIn: bigint, expIn: number, prec: number, verb: string): string {
  let mant = mantIn;
  let exp = mant === 0n ? 0 : expIn;
  const mask60 = (1n << 60n) - 1n;
  mant <<= 8n; // 60 - 52
  while (mant !== 0n && (mant & (1n << 60n)) === 0n) {
    mant <<= 1n;
    exp--;
  }
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(prec * 4);
    const extra = (mant << shift) & mask60;
    mant >>= 60n - shift;
    if ((extra | (mant & 1n)) > 1n << 59n) mant++;
    mant <<= 60n - shift;
    if ((mant & (1n << 61n)) !== 0n) {
      mant >>= 1n;
      exp++;
    }
  }
  const digits = verb === 'X' ? LOWER_HEX.toUpperCase() : LOWER_HEX;
  let out = (neg ? '-' : '') + '0' + verb + String(Number((mant >> 60n) & 1n));
  mant = (mant << 4n) & ((1n << 64n) - 1n);
  if (prec < 0 && mant !== 0n) {
    out += '.';
    while (mant !== 0n) {
      out += digits[Number((mant >> 60n) & 15n)]!;
      mant = (mant << 4n) & ((1n << 64n) - 1n);
    }
  } else if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) {
      out += digits[Number((mant >> 60n) & 15n)]!;
      mant = (mant << 4n) & ((1n << 64n) - 1n);
    }
  }
  out += verb === 'X' ? 'P' : 'p';
  if (exp < 0) {
    out += '-';
    exp = -exp;
  } else {
    out += '+';
  }
  return out + (exp < 10 ? '0' + String(exp) : String(exp));
}

/**
 * strconv.FormatFloat(x, verb, prec, 64) for verb in b e E f g G x X; prec -1 means shortest.
 * Infinities are "+Inf"/"-Inf" and NaN is "NaN", as in Go.
 */
export function formatFloat(x: number, verb: string, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  if (verb === 'b' || verb === 'x' || verb === 'X') {
    const bits = floatBits(x);
    let exp = bits.exp;
    let mant = bits.mant;
    if (exp === 0) exp = 1;
    else mant |= 1n << 52n;
    exp -= 1023;
    return verb === 'b' ? fmtB(neg, mant, exp) : fmtX(neg, mant, exp, prec, verb);
  }
  if (prec < 0) {
    // Common case: an integral float64 below 1e6 (a port, a count) prints as plain digits in %v/%g.
    if ((verb === 'g' || verb === 'G') && Number.isInteger(x) && x > -1e6 && x < 1e6 && !Object.is(x, -0)) {
      return String(x);
    }
    // And in %f (how JSON writes numbers): JS prints an integral float below 1e21 from the same shortest digits,
    // padded with zeros, without an exponent.
    if (verb === 'f' && Number.isInteger(x) && x > -1e21 && x < 1e21 && !Object.is(x, -0)) return String(x);
    const dec = shortestDecimal(x);
    let p: number;
    if (verb === 'e' || verb === 'E') p = Math.max(dec.d.length - 1, 0);
    else if (verb === 'f') p = Math.max(dec.d.length - dec.dp, 0);
    else p = dec.d.length;
    return formatDigits(neg, dec, true, p, verb);
  }
  const exact = exactDecimal(x);
  let dec: Decimal;
  if (verb === 'e' || verb === 'E') dec = roundDecimal(exact, prec + 1);
  else if (verb === 'f') dec = roundDecimal(exact, exact.dp + prec);
  else dec = roundDecimal(exact, prec === 0 ? 1 : prec);
  if (verb === 'g' || verb === 'G') {
    if (prec === 0) prec = 1;
  }
  return formatDigits(neg, dec, false, prec, verb);
}
