// Go's encoding/json over the template value model (see src/template/values.ts).
//
// Templates turn values into JSON all the time (`toJson`, `structToJSON`, `toYaml` goes through JSON too),
// and the bytes end up in pod annotations and env vars that are compared with what Istio writes. So this
// follows json.Marshal exactly: map keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped, floats formatted
// like ES6 number-to-string with Go's exponent cleanup, NaN and infinities rejected.
//
// Structs. A Go struct encodes its exported fields in declaration order, under their `json` tag names,
// with `omitempty` applied. JS cannot see Go tags, so a struct value (goStruct) that knows its Go JSON shape
// provides a `toJSON()` method returning that JSON value; the encoder then writes the returned value with
// its object keys in the order given (the struct's field order; maps inside it are expected to be written
// in sorted order already). Marked values found inside the returned tree (typed maps, structs, named
// values) are encoded by their own rules. A struct without `toJSON` encodes its exported fields in property
// order under their Go names, as Go does for an untagged struct.
//
// Decoding mirrors json.Unmarshal into an `interface{}`: objects become plain objects (map[string]any),
// numbers float64, and syntax errors carry Go's scanner messages.
import { formatFloat } from '../../template/strconv.ts';
import {
  GoComplex,
  GoNamed,
  goTypeInfo,
  goTypeName,
  isExported,
  isNilPointer,
  structMember,
} from '../../template/values.ts';
import { goSortedKeys } from './gostrings.ts';

/** A marshalling failure, with Go's message (`json: unsupported value: NaN`). */
export class GoJsonError extends Error {
  override readonly name = 'GoJsonError';
}

export interface GoJsonOptions {
  /** Escape `<`, `>` and `&` (json.Marshal does; an Encoder with SetEscapeHTML(false) does not). Default true. */
  readonly escapeHTML?: boolean;
  /** One level of indentation, as json.MarshalIndent(v, "", indent). Empty or absent: compact output. */
  readonly indent?: string;
  /** Write plain objects with their keys in the order given instead of sorted (a message in field order). */
  readonly keepKeyOrder?: boolean;
}

/** json.Marshal (or MarshalIndent) of a template value; throws GoJsonError where Go returns an error. */
export function goJsonMarshal(value: unknown, options?: GoJsonOptions): string {
  const encoder = new Encoder(options?.escapeHTML ?? true, options?.indent ?? '');
  encoder.encode(value, options?.keepKeyOrder ?? false, '');
  return encoder.out;
}

// Strings with nothing to escape (most of them) are checked by one regex rather than a loop over their characters.
// Control characters are what the regexes look for.
// eslint-disable-next-line no-control-regex
const NOTHING_TO_ESCAPE_HTML = /^[^\x00-\x1f"\\<>&\u2028\u2029\ud800-\udfff]*$/;
// eslint-disable-next-line no-control-regex
const NOTHING_TO_ESCAPE = /^[^\x00-\x1f"\\\u2028\u2029\ud800-\udfff]*$/;

/** The JSON text of a string, as json.Marshal writes it. */
export function goJsonString(s: string, escapeHTML = true): string {
  if ((escapeHTML ? NOTHING_TO_ESCAPE_HTML : NOTHING_TO_ESCAPE).test(s)) return '"' + s + '"';
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let escaped: string | undefined;
    if (c < 0x20) {
      escaped = CONTROL_ESCAPES[c];
    } else if (c === 0x22) {
      escaped = '\\"';
    } else if (c === 0x5c) {
      escaped = '\\\\';
    } else if (escapeHTML && (c === 0x3c || c === 0x3e || c === 0x26)) {
      escaped = '\\u00' + c.toString(16);
    } else if (c === 0x2028 || c === 0x2029) {
      escaped = '\\u' + c.toString(16);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate is not valid UTF-8 once converted; Go writes the replacement character.
      const pair = c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      if (pair) {
        i++;
        continue;
      }
      escaped = '\\ufffd';
    }
    if (escaped !== undefined) {
      out += s.slice(start, i) + escaped;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

const HEX = '0123456789abcdef';
const CONTROL_ESCAPES: readonly string[] = Array.from({ length: 0x20 }, (_, c) => {
  switch (c) {
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
    default:
      return '\\u00' + HEX[c >> 4]! + HEX[c & 0xf]!;
  }
});

/** A float64 as encoding/json writes it. */
export function goJsonFloat(f: number): string {
  if (!Number.isFinite(f)) throw new GoJsonError(`json: unsupported value: ${formatFloat(f, 'g', -1)}`);
  const abs = Math.abs(f);
  const exponent = abs !== 0 && (abs < 1e-6 || abs >= 1e21);
  let s = formatFloat(f, exponent ? 'e' : 'f', -1);
  if (exponent) {
    // Go trims the exponent's leading zero: 1e-07 becomes 1e-7.
    const n = s.length;
    if (n >= 4 && s[n - 4] === 'e' && s[n - 3] === '-' && s[n - 2] === '0') s = s.slice(0, n - 2) + s[n - 1]!;
  }
  return s;
}

class Encoder {
  out = '';
  private readonly escapeHTML: boolean;
  private readonly indentUnit: string;
  /** Objects being encoded, to report cycles the way Go does instead of recursing forever. */
  private readonly active = new Set<object>();

  constructor(escapeHTML: boolean, indentUnit: string) {
    this.escapeHTML = escapeHTML;
    this.indentUnit = indentUnit;
  }

  /** Encodes one value; `ordered` keeps plain-object key order (inside a struct's toJSON result). */
  encode(value: unknown, ordered: boolean, indent: string): void {
    switch (typeof value) {
      case 'undefined':
        this.out += 'null';
        return;
      case 'boolean':
        this.out += value ? 'true' : 'false';
        return;
      case 'bigint':
        this.out += value.toString();
        return;
      case 'number':
        this.out += goJsonFloat(value);
        return;
      case 'string':
        this.out += goJsonString(value, this.escapeHTML);
        return;
      case 'object':
        if (value === null || isNilPointer(value)) {
          this.out += 'null';
          return;
        }
        this.encodeObject(value, ordered, indent);
        return;
      default:
        throw new GoJsonError(`json: unsupported type: ${goTypeName(value)}`);
    }
  }

  private encodeObject(value: object, ordered: boolean, indent: string): void {
    if (value instanceof GoNamed) {
      this.encode(value.value, ordered, indent);
      return;
    }
    if (value instanceof GoComplex) throw new GoJsonError('json: unsupported type: complex128');
    if (this.active.has(value)) {
      throw new GoJsonError(`json: unsupported value: encountered a cycle via ${goTypeName(value)}`);
    }
    this.active.add(value);
    try {
      if (Array.isArray(value)) {
        this.encodeArray(value, ordered, indent);
        return;
      }
      const info = goTypeInfo(value);
      if (info?.kind === 'struct') {
        this.encodeStruct(value, indent);
        return;
      }
      const record = value as Record<string, unknown>;
      const keys =
        ordered && info === undefined
          ? Object.keys(record).filter((k) => record[k] !== undefined)
          : goSortedKeys(value);
      this.encodeEntries(
        keys,
        keys.map((k) => record[k]),
        ordered,
        indent,
      );
    } finally {
      this.active.delete(value);
    }
  }

  private encodeStruct(struct: object, indent: string): void {
    const toJSON = structMember(struct, 'toJSON');
    if (typeof toJSON === 'function') {
      const shaped: unknown = Reflect.apply(toJSON, struct, []);
      this.encode(shaped, true, indent);
      return;
    }
    const keys: string[] = [];
    const fields: unknown[] = [];
    for (const key of Object.keys(struct)) {
      const field: unknown = (struct as Record<string, unknown>)[key];
      if (isExported(key) && typeof field !== 'function') {
        keys.push(key);
        fields.push(field);
      }
    }
    this.encodeEntries(keys, fields, true, indent);
  }

  private encodeArray(items: readonly unknown[], ordered: boolean, indent: string): void {
    if (items.length === 0) {
      this.out += '[]';
      return;
    }
    const inner = indent + this.indentUnit;
    this.out += '[';
    items.forEach((item, i) => {
      if (i > 0) this.out += ',';
      if (this.indentUnit !== '') this.out += '\n' + inner;
      this.encode(item, ordered, inner);
    });
    if (this.indentUnit !== '') this.out += '\n' + indent;
    this.out += ']';
  }

  /** An object's entries: `keys[i]` with `values[i]`. */
  private encodeEntries(
    keys: readonly string[],
    values: readonly unknown[],
    ordered: boolean,
    indent: string,
  ): void {
    if (keys.length === 0) {
      this.out += '{}';
      return;
    }
    const inner = indent + this.indentUnit;
    this.out += '{';
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) this.out += ',';
      if (this.indentUnit !== '') this.out += '\n' + inner;
      this.out += goJsonString(keys[i]!, this.escapeHTML) + (this.indentUnit !== '' ? ': ' : ':');
      this.encode(values[i], ordered, inner);
    }
    if (this.indentUnit !== '') this.out += '\n' + indent;
    this.out += '}';
  }
}

// ---------------------------------------------------------------------------------------------------------
// Decoding.

/** A JSON syntax error, with Go's scanner message (`invalid character 'x' looking for beginning of value`). */
export class GoJsonSyntaxError extends Error {
  override readonly name = 'GoJsonSyntaxError';
  /** Byte offset where the scanner stopped, as Go's SyntaxError.Offset. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/** A number kept as its JSON text (the YAML writer needs to tell 1 from 1.0 the way go-yaml does). */
export class JsonNumberText {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

export interface DecodeResult {
  /** What Go leaves in the `interface{}` target; a number that does not fit a float64 is left nil. */
  readonly value: unknown;
  /** Go's first unmarshalling error after a syntactically valid document (a number out of range). */
  readonly error?: string;
}

/**
 * json.Unmarshal of `text` into an `interface{}`: objects become plain objects, arrays arrays, numbers
 * float64 (or JsonNumberText with `rawNumbers`). Throws GoJsonSyntaxError for invalid JSON.
 */
export function goJsonDecode(text: string, options?: { rawNumbers?: boolean }): DecodeResult {
  const parser = new Parser(text, options?.rawNumbers === true);
  const value = parser.parseDocument();
  return parser.error === undefined ? { value } : { value, error: parser.error };
}

/** json.Unmarshal into an `interface{}`, throwing on any error (mustFromJson). */
export function goJsonUnmarshal(text: string): unknown {
  const result = goJsonDecode(text);
  if (result.error !== undefined) throw new GoJsonSyntaxError(result.error, 0);
  return result.value;
}

/** An array or object being read: its elements so far, or its entries and the key awaiting a value. */
type Container = { items: unknown[] } | { object: Record<string, unknown>; key: string };

/** Go's nesting limit (encoding/json maxNestingDepth). */
const MAX_DEPTH = 10000;

class Parser {
  private pos = 0;
  private depth = 0;
  error: string | undefined;
  private readonly text: string;
  private readonly rawNumbers: boolean;

  constructor(text: string, rawNumbers: boolean) {
    this.text = text;
    this.rawNumbers = rawNumbers;
  }

  parseDocument(): unknown {
    this.skipSpace();
    const value = this.parseValue();
    this.skipSpace();
    if (this.pos < this.text.length) this.fail('after top-level value');
    return value;
  }

  private peek(): number {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : -1;
  }

  /**
   * Go's scanner feeds a space at the end of the input: where a space is itself invalid (inside a number,
   * a literal or an escape) the error names it, elsewhere the input just ended.
   */
  private fail(context: string, spaceInvalid = false): never {
    if (this.pos >= this.text.length) {
      if (spaceInvalid) throw new GoJsonSyntaxError(`invalid character ' ' ${context}`, this.text.length);
      throw new GoJsonSyntaxError('unexpected end of JSON input', this.text.length);
    }
    throw new GoJsonSyntaxError(
      `invalid character ${quoteChar(firstUtf8Byte(this.text.codePointAt(this.pos)!))} ${context}`,
      this.pos + 1,
    );
  }

  private skipSpace(): void {
    for (;;) {
      const c = this.peek();
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.pos++;
    }
  }

  /**
   * One value, iteratively: nesting is kept on an explicit stack so that Go's depth limit (10000), not the
   * JS call stack, decides how deep a document may go.
   */
  private parseValue(): unknown {
    const stack: Container[] = [];
    for (;;) {
      // At the start of a value.
      let value: unknown;
      const c = this.peek();
      if (c === 0x7b || c === 0x5b) {
        if (++this.depth > MAX_DEPTH) this.fail('exceeded max depth');
        this.pos++;
        this.skipSpace();
        const close = c === 0x7b ? 0x7d : 0x5d;
        if (this.peek() === close) {
          this.pos++;
          this.depth--;
          value = c === 0x7b ? {} : [];
        } else {
          stack.push(c === 0x7b ? { object: {}, key: this.parseKey() } : { items: [] });
          continue;
        }
      } else {
        value = this.parseScalar();
      }
      // A value is complete: hand it to the enclosing containers, closing those that end here.
      for (;;) {
        const top = stack.at(-1);
        if (top === undefined) return value;
        this.skipSpace();
        const next = this.peek();
        if ('items' in top) {
          top.items.push(value);
          if (next === 0x2c) {
            this.pos++;
            this.skipSpace();
            break;
          }
          if (next !== 0x5d) this.fail('after array element');
          value = top.items;
        } else {
          // A plain assignment to `__proto__` would change the prototype instead of adding a key. Only that key
          // is defined as a property: defining every key would turn each object into a slow dictionary.
          if (top.key === '__proto__') {
            Object.defineProperty(top.object, top.key, {
              value,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          } else {
            top.object[top.key] = value;
          }
          if (next === 0x2c) {
            this.pos++;
            this.skipSpace();
            top.key = this.parseKey();
            break;
          }
          if (next !== 0x7d) this.fail('after object key:value pair');
          value = top.object;
        }
        this.pos++;
        this.depth--;
        stack.pop();
      }
    }
  }

  /** An object key and its colon, leaving the position at the value. */
  private parseKey(): string {
    if (this.peek() !== 0x22) this.fail('looking for beginning of object key string');
    const key = this.parseString();
    this.skipSpace();
    if (this.peek() !== 0x3a) this.fail('after object key');
    this.pos++;
    this.skipSpace();
    return key;
  }

  private parseScalar(): unknown {
    const c = this.peek();
    switch (c) {
      case 0x22: // "
        return this.parseString();
      case 0x74: // t
        this.parseLiteral('true');
        return true;
      case 0x66: // f
        this.parseLiteral('false');
        return false;
      case 0x6e: // n
        this.parseLiteral('null');
        return null;
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.parseNumber();
        return this.fail('looking for beginning of value');
    }
  }

  private parseLiteral(word: string): void {
    this.pos++;
    for (let i = 1; i < word.length; i++) {
      if (this.peek() !== word.charCodeAt(i)) this.fail(`in literal ${word} (expecting '${word[i]!}')`, true);
      this.pos++;
    }
  }

  private parseNumber(): unknown {
    const start = this.pos;
    if (this.peek() === 0x2d) this.pos++;
    let c = this.peek();
    if (c === 0x30) {
      this.pos++;
    } else if (c >= 0x31 && c <= 0x39) {
      while (isDigit(this.peek())) this.pos++;
    } else {
      this.fail('in numeric literal', true);
    }
    if (this.peek() === 0x2e) {
      this.pos++;
      if (!isDigit(this.peek())) this.fail('after decimal point in numeric literal', true);
      while (isDigit(this.peek())) this.pos++;
    }
    c = this.peek();
    if (c === 0x65 || c === 0x45) {
      this.pos++;
      c = this.peek();
      if (c === 0x2b || c === 0x2d) this.pos++;
      if (!isDigit(this.peek())) this.fail('in exponent of numeric literal', true);
      while (isDigit(this.peek())) this.pos++;
    }
    const text = this.text.slice(start, this.pos);
    if (this.rawNumbers) return new JsonNumberText(text);
    const n = Number(text);
    if (!Number.isFinite(n)) {
      this.error ??= `json: cannot unmarshal number ${text} into Go value of type float64`;
      return null;
    }
    return n;
  }

  private parseString(): string {
    this.pos++;
    let out = '';
    let start = this.pos;
    for (;;) {
      const c = this.peek();
      if (c < 0) this.fail('in string literal');
      if (c === 0x22) {
        out += this.text.slice(start, this.pos);
        this.pos++;
        return out.isWellFormed() ? out : out.toWellFormed();
      }
      if (c < 0x20) this.fail('in string literal');
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      out += this.text.slice(start, this.pos);
      this.pos++;
      out += this.parseEscape();
      start = this.pos;
    }
  }

  private parseEscape(): string {
    const c = this.peek();
    const simple = SIMPLE_ESCAPES.get(c);
    if (simple !== undefined) {
      this.pos++;
      return simple;
    }
    if (c !== 0x75) this.fail('in string escape code', true);
    this.pos++;
    const first = this.readHex4();
    if (first < 0xd800 || first > 0xdfff) return String.fromCharCode(first);
    // Go pairs a high surrogate with a following \u low surrogate; anything else becomes U+FFFD.
    if (first <= 0xdbff && this.peek() === 0x5c && this.text.charCodeAt(this.pos + 1) === 0x75) {
      const save = this.pos;
      this.pos += 2;
      const second = this.readHex4();
      if (second >= 0xdc00 && second <= 0xdfff) return String.fromCharCode(first, second);
      this.pos = save;
    }
    return '\ufffd';
  }

  private readHex4(): number {
    let n = 0;
    for (let i = 0; i < 4; i++) {
      const d = hexValue(this.peek());
      if (d < 0) this.fail('in \\u hexadecimal character escape', true);
      n = n * 16 + d;
      this.pos++;
    }
    return n;
  }
}

const SIMPLE_ESCAPES = new Map<number, string>([
  [0x22, '"'],
  [0x5c, '\\'],
  [0x2f, '/'],
  [0x62, '\b'],
  [0x66, '\f'],
  [0x6e, '\n'],
  [0x72, '\r'],
  [0x74, '\t'],
]);

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** The first UTF-8 byte of a code point: what Go's byte-wise scanner sees (a lone surrogate is U+FFFD). */
function firstUtf8Byte(cp: number): number {
  if (cp < 0x80) return cp;
  if (cp < 0x800) return 0xc0 | (cp >> 6);
  if (cp >= 0xd800 && cp <= 0xdfff) return 0xef;
  if (cp < 0x10000) return 0xe0 | (cp >> 12);
  return 0xf0 | (cp >> 18);
}

/** Go's quoteChar: how the scanner names an offending byte in its messages. */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return `'"'`;
  // strconv.Quote(string(rune(c))) without its double quotes.
  const s = String.fromCharCode(c);
  if (c < 0x20 || c === 0x7f) {
    const named: Record<number, string> = {
      7: '\\a',
      8: '\\b',
      9: '\\t',
      10: '\\n',
      11: '\\v',
      12: '\\f',
      13: '\\r',
    };
    return `'${named[c] ?? '\\x' + HEX[c >> 4]! + HEX[c & 0xf]!}'`;
  }
  if (c === 0x5c) return "'\\\\'";
  if (c >= 0x80 && c < 0xa0) return `'\\u00${HEX[c >> 4]!}${HEX[c & 0xf]!}'`;
  if (c === 0xad) return "'\\u00ad'";
  return `'${s}'`;
}
