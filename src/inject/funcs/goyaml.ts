// sigs.k8s.io/yaml's Marshal over the template value model: what Istio's `toYaml` writes.
//
// sigs.k8s.io/yaml marshals to JSON first (json tags, omitempty, sorted map keys), reads that JSON back
// with go-yaml v2 (which tells ints from floats by their text) and emits it with go-yaml v2. Istio's
// templates splice that text into pod specs (`toYaml .Values.global.proxy.lifecycle | indent 6`), so the
// layout matters: go-yaml v2 sorts keys "naturally" (digit runs by value), does not indent a list that is
// a mapping value, quotes strings that would read back as another type (`"yes"`, `"1.5"`, `"2001-12-14"`),
// prefers single quotes when plain style is not possible, writes multi-line strings as literal blocks and
// folds long plain or quoted strings at column 80. The emitter below follows go-yaml's emitter step by step
// (same column, whitespace and indentation bookkeeping) for the node kinds JSON can produce.
import { formatFloat, parseFloat64, parseInt64, parseUint } from '../../template/strconv.ts';
import { goJsonDecode, goJsonFloat, goJsonMarshal, JsonNumberText } from './gojson.ts';
import { compareGoStrings } from './gostrings.ts';
import { goTypeInfo } from '../../template/values.ts';

/** sigs.k8s.io/yaml.Marshal of a template value; throws GoJsonError when the value has no JSON form. */
export function goYamlMarshal(value: unknown): string {
  // Plain JSON data (the values and pod fields templates usually print) comes back from the JSON round trip as
  // it went in, but for numbers, which the emitter then reads from their JSON text, and for the order of map
  // keys, which the emitter restores; so it skips the trip.
  const plain = isPlainData(value, 0);
  const tree = plain ? value : goJsonDecode(goJsonMarshal(value), { rawNumbers: true }).value;
  const emitter = new Emitter(plain);
  emitter.emitNode(tree, { root: true, sequence: false, mapping: false, simpleKey: false });
  // Document end: the final line break.
  emitter.writeIndent();
  return emitter.out;
}

// ---------------------------------------------------------------------------------------------------------
// Scalars: which text and style go-yaml picks.

const STYLE_PLAIN = 0;
const STYLE_SINGLE = 1;
const STYLE_DOUBLE = 2;
const STYLE_LITERAL = 3;
type ScalarStyle = typeof STYLE_PLAIN | typeof STYLE_SINGLE | typeof STYLE_DOUBLE | typeof STYLE_LITERAL;

interface Scalar {
  readonly text: string;
  readonly style: ScalarStyle;
}

/**
 * Whether json.Marshal then Unmarshal gives the value back: plain objects and arrays (no Go type marks, no
 * undefined, no `__proto__` key), strings and keys without surrogates (a lone one would come back as U+FFFD),
 * finite numbers, booleans and null. Deep or cyclic data takes the round trip, which reports cycles as Go does.
 */
function isPlainData(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
      return !hasSurrogate(value);
    case 'number':
      return Number.isFinite(value);
    case 'boolean':
      return true;
    case 'object': {
      if (value === null) return true;
      if (depth > 64) return false;
      if (Array.isArray(value)) {
        for (const item of value) if (!isPlainData(item, depth + 1)) return false;
        return true;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if ((proto !== Object.prototype && proto !== null) || goTypeInfo(value) !== undefined) return false;
      for (const key of Object.keys(value)) {
        if (key === '__proto__' || hasSurrogate(key)) return false;
        if (!isPlainData((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

function hasSurrogate(s: string): boolean {
  return /[\ud800-\udfff]/.test(s);
}

function scalarOf(node: unknown): Scalar | undefined {
  if (node === null) return { text: 'null', style: STYLE_PLAIN };
  if (typeof node === 'boolean') return { text: node ? 'true' : 'false', style: STYLE_PLAIN };
  if (typeof node === 'number') return { text: numberText(goJsonFloat(node)), style: STYLE_PLAIN };
  if (node instanceof JsonNumberText) return { text: numberText(node.text), style: STYLE_PLAIN };
  if (typeof node === 'string') return stringScalar(node);
  return undefined;
}

/** How go-yaml re-reads a JSON number (int, uint64 or float64) and writes it back. */
function numberText(json: string): string {
  const asInt = parseInt64(json);
  if (asInt !== undefined) return asInt.toString();
  const asUint = parseUint(json);
  if (asUint !== undefined) return asUint.toString();
  const f = parseFloat64(json);
  return f === undefined ? json : formatFloat(f, 'g', -1);
}

function stringScalar(s: string): Scalar {
  if (s.includes('\n')) return { text: s, style: STYLE_LITERAL };
  const plain = resolvesToString(s) && !isBase60Float(s);
  return { text: s, style: plain ? STYLE_PLAIN : STYLE_DOUBLE };
}

// go-yaml v2 reads these plain words as booleans, nulls, or special floats.
const RESOLVED_WORDS = new Set([
  'y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON',
  'n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF',
  '', '~', 'null', 'Null', 'NULL',
  '.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF',
  '<<',
]); // prettier-ignore

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/** True when go-yaml v2's resolver would read `s`, unquoted, as a string. */
function resolvesToString(s: string): boolean {
  const hint = s === '' ? 'N' : resolveHint(s.charCodeAt(0));
  if (hint === '') return true;
  if (RESOLVED_WORDS.has(s)) return false;
  switch (hint) {
    case '.':
      return parseFloat64(s) === undefined;
    case 'D':
    case 'S': {
      // Timestamps, ints (with base prefixes, hex digits, `_`) and floats use only these characters; anything
      // else (`10m`, `128Mi`) is a string without trying each of them.
      if (/[^0-9a-fA-FoOxXtTzZ_+\-.:, ]/.test(s)) return true;
      if (isTimestamp(s)) return false;
      const plain = s.replaceAll('_', '');
      if (parseInt64(plain) !== undefined || parseUint(plain) !== undefined) return false;
      if (YAML_STYLE_FLOAT.test(plain) && parseFloat64(plain) !== undefined) return false;
      if (plain.startsWith('0b') && /^[01]+$/.test(plain.slice(2))) return false;
      if (plain.startsWith('-0b') && /^[01]+$/.test(plain.slice(3))) return false;
      return true;
    }
    default:
      return true;
  }
}

function resolveHint(c: number): string {
  if (c === 0x2b || c === 0x2d) return 'S';
  if (c >= 0x30 && c <= 0x39) return 'D';
  if ('yYnNtTfFoO~'.includes(String.fromCharCode(c))) return 'M';
  if (c === 0x2e) return '.';
  return '';
}

const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

function isBase60Float(s: string): boolean {
  return s.includes(':') && BASE60_FLOAT.test(s);
}

const TIMESTAMP =
  /^(\d{4})-(\d\d?)-(\d\d?)(?:([Tt ])(\d\d?):(\d\d?):(\d\d?)(?:[.,]\d+)?(Z|[+-]\d\d:\d\d)?)?$/;

/** go-yaml's timestamp check: time.Parse with its four layouts (date, date-time with or without zone). */
function isTimestamp(s: string): boolean {
  const m = TIMESTAMP.exec(s);
  if (m === null) return false;
  const [, year, month, day, sep, hour, minute, second, zone] = m;
  if (sep !== undefined && (sep === ' ') !== (zone === undefined)) return false;
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y)) return false;
  if (sep === undefined) return true;
  if (Number(hour) >= 24 || Number(minute) >= 60 || Number(second) >= 60) return false;
  if (zone !== undefined && zone !== 'Z') {
    if (Number(zone.slice(1, 3)) > 24 || Number(zone.slice(4, 6)) > 60) return false;
  }
  return true;
}

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

// ---------------------------------------------------------------------------------------------------------
// Key order: go-yaml v2's keyList.Less for string keys.

function isLetter(cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
  return /\p{L}/u.test(String.fromCodePoint(cp));
}

function isUnicodeDigit(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x30 && cp <= 0x39;
  return /\p{Nd}/u.test(String.fromCodePoint(cp));
}

/** go-yaml v2's "natural" key order: runs of digits compare by value, non-letters sort before letters. */
export function yamlKeyLess(a: string, b: string): boolean {
  return codePointsLess(codePoints(a), codePoints(b));
}

function codePointsLess(ar: readonly number[], br: readonly number[]): boolean {
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) continue;
    const al = isLetter(ar[i]!);
    const bl = isLetter(br[i]!);
    if (al && bl) return ar[i]! < br[i]!;
    if (al || bl) return bl;
    let an = 0n;
    let bn = 0n;
    if (ar[i] === 0x30 || br[i] === 0x30) {
      for (let j = i - 1; j >= 0 && isUnicodeDigit(ar[j]!); j--) {
        if (ar[j] !== 0x30) {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isUnicodeDigit(ar[ai]!); ai++)
      an = BigInt.asIntN(64, an * 10n + BigInt(ar[ai]! - 0x30));
    let bi = i;
    for (; bi < br.length && isUnicodeDigit(br[bi]!); bi++)
      bn = BigInt.asIntN(64, bn * 10n + BigInt(br[bi]! - 0x30));
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i]! < br[i]!;
  }
  return ar.length < br.length;
}

/**
 * The keys of a map as a map decoded from json.Marshal's output lists them: written in Go's byte order, and read
 * back into an object, which lists array-index keys first, in numeric order.
 */
function decodedKeyOrder(keys: string[]): string[] {
  keys.sort(compareGoStrings);
  const indexes = keys.filter(isArrayIndex);
  if (indexes.length === 0) return keys;
  indexes.sort((a, b) => Number(a) - Number(b));
  return indexes.concat(keys.filter((key) => !isArrayIndex(key)));
}

function isArrayIndex(key: string): boolean {
  return /^(0|[1-9][0-9]*)$/.test(key) && Number(key) < 2 ** 32 - 1;
}

function sortYamlKeys(keys: string[]): string[] {
  if (keys.length < 2) return keys;
  // Go's sort.Sort is not stable, but the order is total for distinct keys, so any sort agrees with it. Each
  // key is split into code points once, not at every comparison.
  const decorated = keys.map((key) => ({ key, points: codePoints(key) }));
  decorated.sort((a, b) =>
    codePointsLess(a.points, b.points) ? -1 : codePointsLess(b.points, a.points) ? 1 : 0,
  );
  return decorated.map((entry) => entry.key);
}

// ---------------------------------------------------------------------------------------------------------
// The emitter.

const BEST_INDENT = 2;
const BEST_WIDTH = 80;

interface Context {
  readonly root: boolean;
  readonly sequence: boolean;
  readonly mapping: boolean;
  readonly simpleKey: boolean;
}

interface Analysis {
  readonly multiline: boolean;
  readonly blockPlainAllowed: boolean;
  readonly singleQuotedAllowed: boolean;
  readonly blockAllowed: boolean;
}

function isBreak(cp: number | undefined): boolean {
  return cp === 0x0d || cp === 0x0a || cp === 0x85 || cp === 0x2028 || cp === 0x2029;
}

function isBlank(cp: number | undefined): boolean {
  return cp === 0x20 || cp === 0x09;
}

function isPrintable(cp: number): boolean {
  return (
    cp === 0x0a ||
    (cp >= 0x20 && cp <= 0x7e) ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff)
  );
}

/** go-yaml's yaml_emitter_analyze_scalar, over code points. */
function analyze(chars: readonly number[]): Analysis {
  if (chars.length === 0) {
    return { multiline: false, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  }
  let blockIndicators = false;
  let lineBreaks = false;
  let specialCharacters = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  let precededByWhitespace = true;
  const [c0, c1, c2] = chars;
  if (c0 === c1 && c1 === c2 && (c0 === 0x2d || c0 === 0x2e)) blockIndicators = true; // "---" or "..."
  const last = chars.length - 1;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const followedByWhitespace = i === last || isBlank(chars[i + 1]);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(String.fromCharCode(c))) blockIndicators = true;
      else if ((c === 0x3f || c === 0x3a || c === 0x2d) && followedByWhitespace) blockIndicators = true;
    } else if ((c === 0x3a && followedByWhitespace) || (c === 0x23 && precededByWhitespace)) {
      blockIndicators = true;
    }
    if (!isPrintable(c)) specialCharacters = true;
    if (c === 0x20) {
      if (i === 0) leadingSpace = true;
      if (i === last) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === last) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlank(c) || isBreak(c) || c === 0;
  }
  let blockPlainAllowed = true;
  let singleQuotedAllowed = true;
  let blockAllowed = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlainAllowed = false;
  if (trailingSpace) blockAllowed = false;
  if (breakSpace) {
    blockPlainAllowed = false;
    singleQuotedAllowed = false;
  }
  if (spaceBreak || specialCharacters) {
    blockPlainAllowed = false;
    singleQuotedAllowed = false;
    blockAllowed = false;
  }
  if (lineBreaks || blockIndicators) blockPlainAllowed = false;
  return { multiline: lineBreaks, blockPlainAllowed, singleQuotedAllowed, blockAllowed };
}

/**
 * Text that needs no analysis: letters, digits and `._/-`, starting with a letter or digit. It has no indicator,
 * space, line break or character to escape, so go-yaml writes it as it is, plain or between double quotes (most
 * keys and values are like this, and the general path looks at every character of them several times).
 */
function isSimpleText(s: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(s);
}

function isSimpleKey(chars: readonly number[]): boolean {
  return !analyze(chars).multiline && utf8Length(chars) <= 128;
}

function codePoints(s: string): number[] {
  const out = new Array<number>(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) return Array.from(s, (ch) => ch.codePointAt(0)!);
    out[i] = c;
  }
  return out;
}

function utf8Length(chars: readonly number[]): number {
  let n = 0;
  for (const c of chars) n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  return n;
}

class Emitter {
  out = '';
  private column = 0;
  private whitespace = true;
  private indention = true;
  private indent = -1;
  private readonly indents: number[] = [];
  /** The tree did not go through JSON, so its maps' keys are not in the order a decoded map has. */
  private readonly notDecoded: boolean;

  constructor(notDecoded: boolean) {
    this.notDecoded = notDecoded;
  }

  emitNode(node: unknown, context: Context): void {
    const scalar = scalarOf(node);
    if (scalar !== undefined) {
      this.emitScalar(scalar, context);
    } else if (Array.isArray(node)) {
      if (node.length === 0) this.emitEmptyFlow('[', ']');
      else this.emitSequence(node, context);
    } else {
      const map = node as Record<string, unknown>;
      const keys = this.orderedKeys(Object.keys(map));
      if (keys.length === 0) this.emitEmptyFlow('{', '}');
      else this.emitMapping(map, keys);
    }
  }

  /** A map's keys in go-yaml's order. */
  private orderedKeys(keys: string[]): string[] {
    // Between keys made of letters only, go-yaml's order is plain code-unit order, a strict total order: the
    // usual case (Kubernetes field names) needs no more than the default sort.
    if (keys.every((key) => /^[A-Za-z]+$/.test(key))) return keys.sort();
    // Otherwise the order is not a strict total order (digit runs compare by value), so which of two keys comes
    // first can depend on the order they come in: the order of a map decoded from Go's JSON.
    return sortYamlKeys(this.notDecoded ? decodedKeyOrder(keys) : keys);
  }

  private increaseIndent(flow: boolean, indentless: boolean): void {
    this.indents.push(this.indent);
    if (this.indent < 0) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }

  private popIndent(): void {
    this.indent = this.indents.pop() ?? -1;
  }

  private put(s: string): void {
    this.out += s;
    this.column++;
  }

  private putBreak(): void {
    this.out += '\n';
    this.column = 0;
  }

  /** Writes one character of a scalar (a line break resets the column). */
  private writeChar(c: number): void {
    this.out += String.fromCodePoint(c);
    this.column = isBreak(c) ? 0 : this.column + 1;
  }

  private writeBreak(c: number): void {
    if (c === 0x0a) this.putBreak();
    else this.writeChar(c);
  }

  writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace))
      this.putBreak();
    while (this.column < indent) this.put(' ');
    this.whitespace = true;
    this.indention = true;
  }

  private writeIndicator(
    indicator: string,
    needWhitespace: boolean,
    isWhitespace: boolean,
    isIndention: boolean,
  ): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    this.out += indicator;
    this.column += indicator.length;
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  private emitEmptyFlow(open: string, close: string): void {
    this.writeIndicator(open, true, true, false);
    this.writeIndicator(close, false, false, false);
  }

  private emitSequence(items: readonly unknown[], context: Context): void {
    this.increaseIndent(false, context.mapping && !this.indention);
    for (const item of items) {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.emitNode(item, { root: false, sequence: true, mapping: false, simpleKey: false });
    }
    this.popIndent();
  }

  private emitMapping(map: Record<string, unknown>, keys: readonly string[]): void {
    this.increaseIndent(false, false);
    for (const key of keys) {
      this.writeIndent();
      const simple = isSimpleText(key) ? key.length <= 128 : isSimpleKey(codePoints(key));
      const value = { root: false, sequence: false, mapping: true, simpleKey: false };
      if (simple) {
        this.emitNode(key, { ...value, simpleKey: true });
        this.writeIndicator(':', false, false, false);
      } else {
        this.writeIndicator('?', true, false, true);
        this.emitNode(key, value);
        this.writeIndent();
        this.writeIndicator(':', true, false, true);
      }
      this.emitNode(map[key], value);
    }
    this.popIndent();
  }

  private emitScalar(scalar: Scalar, context: Context): void {
    if ((scalar.style === STYLE_PLAIN || scalar.style === STYLE_DOUBLE) && isSimpleText(scalar.text)) {
      this.increaseIndent(true, false);
      if (scalar.style === STYLE_PLAIN) {
        if (!this.whitespace) this.put(' ');
        this.out += scalar.text;
        this.column += scalar.text.length;
      } else {
        this.writeIndicator('"' + scalar.text + '"', true, false, false);
      }
      this.whitespace = false;
      this.indention = false;
      this.popIndent();
      return;
    }
    const chars = codePoints(scalar.text);
    const analysis = analyze(chars);
    let style = scalar.style;
    if (context.simpleKey && analysis.multiline) style = STYLE_DOUBLE;
    if (style === STYLE_PLAIN) {
      if (!analysis.blockPlainAllowed || (chars.length === 0 && context.simpleKey)) style = STYLE_SINGLE;
    }
    if (style === STYLE_SINGLE && !analysis.singleQuotedAllowed) style = STYLE_DOUBLE;
    if (style === STYLE_LITERAL && (!analysis.blockAllowed || context.simpleKey)) style = STYLE_DOUBLE;

    this.increaseIndent(true, false);
    const allowBreaks = !context.simpleKey;
    switch (style) {
      case STYLE_PLAIN:
        this.writePlain(chars, allowBreaks);
        break;
      case STYLE_SINGLE:
        this.writeSingleQuoted(chars, allowBreaks);
        break;
      case STYLE_DOUBLE:
        this.writeDoubleQuoted(chars, allowBreaks);
        break;
      default:
        this.writeLiteral(chars);
    }
    this.popIndent();
  }

  /** Writes a run of characters that holds no line break, when no folding can happen inside it. */
  private writeRun(chars: readonly number[], allowBreaks: boolean): boolean {
    if (chars.some(isBreak)) return false;
    if (allowBreaks && this.column + chars.length > BEST_WIDTH && chars.includes(0x20)) return false;
    this.out += String.fromCodePoint(...chars);
    this.column += chars.length;
    return true;
  }

  private writePlain(chars: readonly number[], allowBreaks: boolean): void {
    if (!this.whitespace) this.put(' ');
    if (chars.length < 4096 && this.writeRun(chars, allowBreaks)) {
      this.whitespace = false;
      this.indention = false;
      return;
    }
    let spaces = false;
    let breaks = false;
    chars.forEach((c, i) => {
      if (c === 0x20) {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && chars[i + 1] !== 0x20) this.writeIndent();
        else this.writeChar(c);
        spaces = true;
      } else if (isBreak(c)) {
        if (!breaks && c === 0x0a) this.putBreak();
        this.writeBreak(c);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.writeChar(c);
        this.indention = false;
        spaces = false;
        breaks = false;
      }
    });
    this.whitespace = false;
    this.indention = false;
  }

  private writeSingleQuoted(chars: readonly number[], allowBreaks: boolean): void {
    this.writeIndicator("'", true, false, false);
    let spaces = false;
    let breaks = false;
    const last = chars.length - 1;
    chars.forEach((c, i) => {
      if (c === 0x20) {
        const fold =
          allowBreaks && !spaces && this.column > BEST_WIDTH && i > 0 && i < last && chars[i + 1] !== 0x20;
        if (fold) this.writeIndent();
        else this.writeChar(c);
        spaces = true;
      } else if (isBreak(c)) {
        if (!breaks && c === 0x0a) this.putBreak();
        this.writeBreak(c);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        if (c === 0x27) this.put("'");
        this.writeChar(c);
        this.indention = false;
        spaces = false;
        breaks = false;
      }
    });
    this.writeIndicator("'", false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeDoubleQuoted(chars: readonly number[], allowBreaks: boolean): void {
    this.writeIndicator('"', true, false, false);
    // go-yaml checks for a byte order mark at the start of the value, whatever the position: a value that
    // starts with one has every character escaped.
    const bom = chars[0] === 0xfeff;
    let spaces = false;
    const last = chars.length - 1;
    chars.forEach((c, i) => {
      if (bom || !isPrintable(c) || isBreak(c) || c === 0x22 || c === 0x5c) {
        this.put('\\');
        this.out += doubleQuotedEscape(c);
        this.column += doubleQuotedEscape(c).length;
        spaces = false;
      } else if (c === 0x20) {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i > 0 && i < last) {
          this.writeIndent();
          if (chars[i + 1] === 0x20) this.put('\\');
        } else {
          this.writeChar(c);
        }
        spaces = true;
      } else {
        this.writeChar(c);
        spaces = false;
      }
    });
    this.writeIndicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeLiteral(chars: readonly number[]): void {
    this.writeIndicator('|', true, false, false);
    // Block scalar hints: an explicit indentation when the text starts with a space or break, and the
    // chomping indicator from how many line breaks end it.
    if (chars[0] === 0x20 || isBreak(chars[0])) this.writeIndicator(String(BEST_INDENT), false, false, false);
    const last = chars.length - 1;
    let chomp = '';
    if (!isBreak(chars[last])) chomp = '-';
    else if (last === 0 || isBreak(chars[last - 1])) chomp = '+';
    if (chomp !== '') this.writeIndicator(chomp, false, false, false);
    this.putBreak();
    this.indention = true;
    this.whitespace = true;
    let breaks = true;
    for (const c of chars) {
      if (isBreak(c)) {
        this.writeBreak(c);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.writeChar(c);
        this.indention = false;
        breaks = false;
      }
    }
  }
}

const NAMED_ESCAPES = new Map<number, string>([
  [0x00, '0'],
  [0x07, 'a'],
  [0x08, 'b'],
  [0x09, 't'],
  [0x0a, 'n'],
  [0x0b, 'v'],
  [0x0c, 'f'],
  [0x0d, 'r'],
  [0x1b, 'e'],
  [0x22, '"'],
  [0x5c, '\\'],
  [0x85, 'N'],
  [0xa0, '_'],
  [0x2028, 'L'],
  [0x2029, 'P'],
]);

/** The text after the backslash for a character go-yaml escapes in double quotes. */
function doubleQuotedEscape(c: number): string {
  const named = NAMED_ESCAPES.get(c);
  if (named !== undefined) return named;
  const hex = c.toString(16).toUpperCase();
  if (c <= 0xff) return 'x' + hex.padStart(2, '0');
  if (c <= 0xffff) return 'u' + hex.padStart(4, '0');
  return 'U' + hex.padStart(8, '0');
}
