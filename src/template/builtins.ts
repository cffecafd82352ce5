// Go's predefined template functions (text/template funcs.go). Each throws a plain Error carrying Go's
// message; the executor reports it as `error calling NAME: <message>`, as Go does with error results.
//
// Parameters typed 'value' receive raw values: undefined is "no value" (an invalid reflect.Value) and
// null is a nil interface, which Go's builtins tell apart in a few messages.
import { goSprint, goSprintf, goSprintln } from './fmt.ts';
import type { FunctionSignature, TemplateFunction } from './funcs.ts';
import {
  GoComplex,
  GoNamed,
  Kind,
  compareStrings,
  goNamed,
  goTypeName,
  isNilPointer,
  isTrue,
  kindOf,
  mapGet,
  mapLength,
  mapZero,
} from './values.ts';

export interface BuiltinFunction {
  readonly fn: TemplateFunction;
  readonly signature: FunctionSignature;
}

const VALUE_1: FunctionSignature = { params: ['value'] };
const VALUE_VARIADIC: FunctionSignature = { params: ['value'], variadic: 'value' };
const VALUE_2: FunctionSignature = { params: ['value', 'value'] };
const ANY_VARIADIC: FunctionSignature = { params: [], variadic: 'any' };

/** indirectInterface: a nil interface holds no value. */
function indirectInterface(v: unknown): unknown {
  return v === null ? undefined : v;
}

/** The Go message of a reflect call on an invalid Value, which Go reports as a recovered panic. */
const ZERO_VALUE_TYPE = 'reflect: call of reflect.Value.Type on zero Value';

function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 2; // a surrogate pair is 4 bytes for 2 code units
      i++;
    } else n += 2;
  }
  return n;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function isAscii(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s);
}

/** An integer index for index/slice (Go's indexArg). */
function indexArg(index: unknown, cap: number): number {
  let x: bigint;
  const v = index instanceof GoNamed ? index.value : index;
  if (typeof v === 'bigint') x = v;
  else if (v === undefined || v === null) throw new Error('cannot index slice/array with nil');
  else throw new Error(`cannot index slice/array with type ${goTypeName(index)}`);
  if (x < 0n || x > BigInt(cap)) throw new Error(`index out of range: ${x.toString()}`);
  return Number(x);
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  let current = indirectInterface(item);
  if (current === undefined) throw new Error('index of untyped nil');
  for (const rawIndex of indexes) {
    const idx = indirectInterface(rawIndex);
    if (current === null || isNilPointer(current)) throw new Error('index of nil pointer');
    const kind = kindOf(current);
    if (kind === Kind.Slice) {
      const list = current as unknown[];
      const x = indexArg(idx, list.length);
      if (x === list.length) throw new Error('reflect: slice index out of range');
      current = list[x] ?? null;
    } else if (kind === Kind.String && !(current instanceof GoNamed)) {
      const s = current as string;
      const bytes = isAscii(s) ? undefined : encoder.encode(s);
      const length = bytes === undefined ? s.length : bytes.length;
      const x = indexArg(idx, length);
      if (x === length) throw new Error('reflect: string index out of range');
      current = goNamed('uint8', BigInt(bytes === undefined ? s.charCodeAt(x) : bytes[x]!));
    } else if (kind === Kind.Map) {
      if (idx === undefined) throw new Error('value is nil; should be of type string');
      if (typeof idx !== 'string') throw new Error(`value has type ${goTypeName(idx)}; should be string`);
      const found = mapGet(current as object, idx);
      current = found !== undefined ? found : mapZero(current as object);
    } else if (kind === Kind.Invalid) {
      throw new Error('index of untyped nil');
    } else {
      throw new Error(`can't index item of type ${goTypeName(current)}`);
    }
  }
  return current;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  const current = indirectInterface(item);
  if (current === undefined) throw new Error('slice of untyped nil');
  if (isNilPointer(current)) throw new Error('slice of nil pointer');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  const kind = current instanceof GoNamed ? Kind.Unknown : kindOf(current);
  let length: number;
  let bytes: Uint8Array | undefined;
  if (kind === Kind.String) {
    if (indexes.length === 3) throw new Error('cannot 3-index slice a string');
    const s = current as string;
    bytes = isAscii(s) ? undefined : encoder.encode(s);
    length = bytes === undefined ? s.length : bytes.length;
  } else if (kind === Kind.Slice) {
    length = (current as unknown[]).length;
  } else {
    throw new Error(`can't slice item of type ${goTypeName(current)}`);
  }
  const idx = [0, length];
  for (let i = 0; i < indexes.length; i++) idx[i] = indexArg(indirectInterface(indexes[i]), length);
  if (idx[0]! > idx[1]!) throw new Error(`invalid slice index: ${idx[0]!} > ${idx[1]!}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!)
    throw new Error(`invalid slice index: ${idx[1]!} > ${idx[2]!}`);
  if (kind === Kind.Slice) return (current as unknown[]).slice(idx[0], idx[1]);
  if (bytes === undefined) return (current as string).slice(idx[0], idx[1]);
  return decoder.decode(bytes.subarray(idx[0], idx[1]));
}

function length(item: unknown): bigint {
  if (item === null || isNilPointer(item)) throw new Error('len of nil pointer');
  const v = item instanceof GoNamed ? item.value : item;
  switch (kindOf(v)) {
    case Kind.String:
      return BigInt(utf8Length(v as string));
    case Kind.Slice:
      return BigInt((v as unknown[]).length);
    case Kind.Map:
      return BigInt(mapLength(v as object));
    case Kind.Invalid:
      throw new Error(ZERO_VALUE_TYPE);
    default:
      throw new Error(`len of type ${goTypeName(item)}`);
  }
}

function not(arg: unknown): boolean {
  return !isTrue(arg);
}

// --- comparisons -----------------------------------------------------------------------------------------

const BasicKind = { Invalid: 0, Bool: 1, Complex: 2, Int: 3, Float: 4, String: 5 } as const;
type BasicKind = (typeof BasicKind)[keyof typeof BasicKind];

function basicKind(v: unknown): BasicKind {
  switch (kindOf(v)) {
    case Kind.Bool:
      return BasicKind.Bool;
    case Kind.Int:
      return BasicKind.Int;
    case Kind.Float:
      return BasicKind.Float;
    case Kind.Complex:
      return BasicKind.Complex;
    case Kind.String:
      return BasicKind.String;
    default:
      return BasicKind.Invalid;
  }
}

function underlying(v: unknown): unknown {
  return v instanceof GoNamed ? v.value : v;
}

/** Go's isNil for the comparison builtins: no value, or a nil pointer. */
function isNilValue(v: unknown): boolean {
  return v === undefined || v === null || isNilPointer(v);
}

/**
 * Whether a value's Go type is comparable: maps, slices and funcs are not, and a struct is comparable when
 * its fields are (judged from the field values, the only type information a JS struct carries).
 */
function isComparable(v: unknown): boolean {
  const kind = kindOf(v);
  if (kind === Kind.Struct) {
    return Object.values(v as Record<string, unknown>).every(
      (f) => typeof f === 'function' || f === null || isComparable(f),
    );
  }
  return kind !== Kind.Map && kind !== Kind.Slice && kind !== Kind.Func;
}

function structEqual(a: object, b: object): boolean {
  if (goTypeName(a) !== goTypeName(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const key of ka) {
    const x: unknown = (a as Record<string, unknown>)[key];
    const y: unknown = (b as Record<string, unknown>)[key];
    if (typeof x === 'function' || typeof y === 'function') continue;
    if (!valuesEqual(x, y)) return false;
  }
  return true;
}

/** Go's == on interface values holding comparable types. */
function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isNilValue(a) || isNilValue(b))
    return isNilValue(a) && isNilValue(b) && goTypeName(a) === goTypeName(b);
  if (goTypeName(a) !== goTypeName(b)) return false;
  if (a instanceof GoNamed && b instanceof GoNamed) return valuesEqual(a.value, b.value);
  if (a instanceof GoComplex && b instanceof GoComplex) return a.re === b.re && a.im === b.im;
  const kind = kindOf(a);
  if (kind === Kind.Struct) return structEqual(a as object, b as object);
  if (!isComparable(a)) throw new Error(`runtime error: comparing uncomparable type ${goTypeName(a)}`);
  return false; // pointers: equal only when identical
}

function eq(arg1In: unknown, ...arg2: unknown[]): boolean {
  const arg1 = indirectInterface(arg1In);
  if (arg2.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (const argIn of arg2) {
    const arg = indirectInterface(argIn);
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      if (arg1 !== undefined && arg !== undefined) {
        throw new Error(`incompatible types for comparison: ${goTypeName(arg1)} and ${goTypeName(arg)}`);
      }
    } else {
      const a = underlying(arg1);
      const b = underlying(arg);
      switch (k1) {
        case BasicKind.Bool:
        case BasicKind.Int:
        case BasicKind.Float:
        case BasicKind.String:
          truth = a === b;
          break;
        case BasicKind.Complex:
          truth = (a as GoComplex).re === (b as GoComplex).re && (a as GoComplex).im === (b as GoComplex).im;
          break;
        default: {
          const kindA = kindOf(arg1);
          const kindB = kindOf(arg);
          if (kindA !== kindB && kindA !== Kind.Invalid && kindB !== Kind.Invalid) {
            throw new Error(
              `non-comparable types ${goSprintf('%s', arg1)}: ${goTypeName(arg1)}, ${goTypeName(arg)}: ${goSprint(arg)}`,
            );
          }
          if (isNilValue(arg1) || isNilValue(arg)) {
            truth = isNilValue(arg) === isNilValue(arg1);
          } else {
            if (!isComparable(arg)) {
              throw new Error(`non-comparable type ${goSprintf('%s', arg)}: ${goTypeName(arg)}`);
            }
            truth = valuesEqual(arg1, arg);
          }
        }
      }
    }
    if (truth) return true;
  }
  return false;
}

function ne(arg1: unknown, arg2: unknown): boolean {
  return !eq(arg1, arg2);
}

function lt(arg1In: unknown, arg2In: unknown): boolean {
  const arg1 = indirectInterface(arg1In);
  const k1 = basicKind(arg1);
  if (k1 === BasicKind.Invalid) throw new Error('invalid type for comparison');
  const arg2 = indirectInterface(arg2In);
  const k2 = basicKind(arg2);
  if (k2 === BasicKind.Invalid) throw new Error('invalid type for comparison');
  if (k1 !== k2)
    throw new Error(`incompatible types for comparison: ${goTypeName(arg1)} and ${goTypeName(arg2)}`);
  if (k1 === BasicKind.Bool || k1 === BasicKind.Complex) throw new Error('invalid type for comparison');
  const a = underlying(arg1) as number | bigint | string;
  const b = underlying(arg2) as number | bigint | string;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b) < 0;
  return a < b;
}

function le(arg1: unknown, arg2: unknown): boolean {
  return lt(arg1, arg2) || eq(arg1, arg2);
}

function gt(arg1: unknown, arg2: unknown): boolean {
  return !le(arg1, arg2);
}

function ge(arg1: unknown, arg2: unknown): boolean {
  return !lt(arg1, arg2);
}

// --- escapers --------------------------------------------------------------------------------------------

/** Go's evalArgs: one string argument is used as is; anything else is fmt.Sprint'ed. */
function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  // Like the template's own printing, a nil operand shows as "<no value>".
  return goSprint(...args.map((arg) => (arg === null || arg === undefined ? '<no value>' : arg)));
}

export function htmlEscapeString(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/['"&<>\x00]/.test(s)) return s;
  let out = '';
  for (const ch of s) {
    switch (ch) {
      case '\0':
        out += '\uFFFD';
        break;
      case '"':
        out += '&#34;';
        break;
      case "'":
        out += '&#39;';
        break;
      case '&':
        out += '&amp;';
        break;
      case '<':
        out += '&lt;';
        break;
      case '>':
        out += '&gt;';
        break;
      default:
        out += ch;
    }
  }
  return out;
}

const JS_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '<': '\\u003C',
  '>': '\\u003E',
  '&': '\\u0026',
  '=': '\\u003D',
};

function isUnicodePrint(cp: number): boolean {
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(String.fromCodePoint(cp)) || cp === 0x20;
}

export function jsEscapeString(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const escape = JS_ESCAPES[ch];
    if (escape !== undefined) out += escape;
    else if (cp < 0x20) out += '\\u00' + cp.toString(16).toUpperCase().padStart(2, '0');
    else if (cp < 0x80 || isUnicodePrint(cp)) out += ch;
    else out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

/** url.QueryEscape */
export function queryEscape(s: string): string {
  let out = '';
  for (const byte of encoder.encode(s)) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function html(...args: unknown[]): string {
  return htmlEscapeString(evalArgs(args));
}

function js(...args: unknown[]): string {
  return jsEscapeString(evalArgs(args));
}

function urlquery(...args: unknown[]): string {
  return queryEscape(evalArgs(args));
}

function printf(format: string, ...args: unknown[]): string {
  return goSprintf(format, ...args);
}

function unreachable(): never {
  throw new Error('unreachable: handled by the executor');
}

/** The builtins by name. `and`, `or` and `call` are evaluated by the executor itself. */
export const BUILTINS: ReadonlyMap<string, BuiltinFunction> = new Map<string, BuiltinFunction>([
  ['and', { fn: unreachable, signature: VALUE_VARIADIC }],
  ['call', { fn: unreachable, signature: VALUE_VARIADIC }],
  ['html', { fn: html, signature: ANY_VARIADIC }],
  ['index', { fn: index, signature: VALUE_VARIADIC }],
  ['slice', { fn: slice, signature: VALUE_VARIADIC }],
  ['js', { fn: js, signature: ANY_VARIADIC }],
  ['len', { fn: length, signature: VALUE_1 }],
  ['not', { fn: not, signature: VALUE_1 }],
  ['or', { fn: unreachable, signature: VALUE_VARIADIC }],
  ['print', { fn: goSprint, signature: ANY_VARIADIC }],
  ['printf', { fn: printf, signature: { params: ['string'], variadic: 'any' } }],
  ['println', { fn: goSprintln, signature: ANY_VARIADIC }],
  ['urlquery', { fn: urlquery, signature: ANY_VARIADIC }],
  ['eq', { fn: eq, signature: VALUE_VARIADIC }],
  ['ge', { fn: ge, signature: VALUE_2 }],
  ['gt', { fn: gt, signature: VALUE_2 }],
  ['le', { fn: le, signature: VALUE_2 }],
  ['lt', { fn: lt, signature: VALUE_2 }],
  ['ne', { fn: ne, signature: VALUE_2 }],
]);
