// sprig v3.3.0's TxtFuncMap, over the template value model.
//
// Istio parses its injection templates with all of sprig's text functions, so custom templates in the wild
// can call any of them. Each function here follows sprig's Go source, quirks included: `default` and
// `empty` treat 0, "", false, nil and empty collections as unset; `quote` skips nil arguments; `trunc`
// counts bytes and takes a negative length from the end; `split` returns a map keyed `_0`, `_1`, ...;
// integer helpers go through spf13/cast (a string parses, anything unconvertible is 0); a panic in Go (a
// bad list type, a bad regexp in `regexFind`) is an execution error with Go's message.
//
// Functions whose output would depend on the clock, randomness or the network, and the secret-handling
// ones, are left out on purpose: UNSUPPORTED_SPRIG_FUNCTIONS names each with the
// reason, so the injector can say why a template that calls one cannot be used. Since injection must be
// deterministic, `expandenv` reads the environment map the injector is configured with, never the
// process environment (Istio's own `env` override does the same, see istio.ts).
import { createHash } from 'node:crypto';

import { goSprint } from '../../template/fmt.ts';
import { withSignature, type FuncMap, type TemplateFunction } from '../../template/funcs.ts';
import { quote } from '../../template/strconv.ts';
import {
  GoComplex,
  GoNamed,
  Kind,
  goStringMap,
  goTypeInfo,
  goTypeName,
  goTypedMap,
  isNilPointer,
  isTrue,
  kindOf,
  sortedKeys,
} from '../../template/values.ts';
import { adler32, base32Decode, base32Encode, base64Decode, base64Encode } from './encoding.ts';
import { GoJsonError, goJsonDecode, goJsonMarshal, GoJsonSyntaxError } from './gojson.ts';
import { newVersion, semverCompare } from './gosemver.ts';
import { toCamelCase, toDelimitedCase } from './xstrings.ts';
import { hostname, parseURL, parseUserinfo, urlString, userinfoString, type GoURL } from './gourl.ts';
import {
  castToFloat64,
  castToInt64,
  atoi,
  decimalFold,
  formatDuration,
  int64,
  parseDuration,
  parseIntBase,
} from './gonum.ts';
import {
  GoPanic,
  basePath,
  byteLength,
  cleanPath,
  compareGoStrings,
  goSortedKeys,
  dirPath,
  extPath,
  fromUtf8,
  isSpace,
  repeat,
  replaceAll,
  sliceString,
  splitN,
  title,
  toLower,
  toLowerRune,
  toTitleRune,
  toUpper,
  toUpperRune,
  trimCutset,
  trimSpace,
  utf8Bytes,
} from './gostrings.ts';
import {
  GoRegexpError,
  compileGoRegexp,
  findAllString,
  findString,
  matchString,
  mustCompileMessage,
  quoteMeta,
  replaceAll as regexReplaceAll,
  split as regexSplit,
  type GoRegexp,
} from './regex.ts';

/** Bounds on generated output (repeat, until, seq...), so a template cannot exhaust the injector's memory. */
export const MAX_GENERATED_STRING = 1 << 24;
export const MAX_GENERATED_LIST = 1 << 20;

/**
 * sprig functions mesh-injector does not provide, with the reason. A template calling one fails to parse
 * (`function "now" not defined`); the injector looks the name up here to explain why.
 */
export const UNSUPPORTED_SPRIG_FUNCTIONS: Readonly<Record<string, string>> = Object.freeze({
  ...Object.fromEntries(
    ['now', 'date', 'date_in_zone', 'dateInZone', 'date_modify', 'dateModify', 'must_date_modify', 'mustDateModify']
      .concat(['htmlDate', 'htmlDateInZone', 'ago', 'toDate', 'mustToDate', 'unixEpoch'])
      .map((name) => [name, 'it reads the clock or works with times; injection must give the same pod for the same input']),
  ),
  ...Object.fromEntries(
    ['randAlphaNum', 'randAlpha', 'randAscii', 'randNumeric', 'randBytes', 'randInt', 'shuffle', 'uuidv4']
      .map((name) => [name, 'its output is random; injection must give the same pod for the same input']),
  ),
  ...Object.fromEntries(
    ['bcrypt', 'htpasswd', 'genPrivateKey', 'genCA', 'genCAWithKey', 'genSelfSignedCert', 'genSelfSignedCertWithKey']
      .concat(['genSignedCert', 'genSignedCertWithKey', 'buildCustomCert', 'encryptAES', 'decryptAES'])
      .map((name) => [name, 'it generates keys, certificates or ciphertext, or decrypts; secrets do not belong in pod templates']),
  ),
  derivePassword: 'not implemented (a password generator has no place in sidecar injection)',
  getHostByName: 'it queries DNS; injection must not depend on the network',
}); // prettier-ignore

// ---------------------------------------------------------------------------------------------------------
// Shared helpers.

const NIL_DEREFERENCE = 'runtime error: invalid memory address or nil pointer dereference';

/** reflect.Kind's name for a value, as sprig prints it in errors and returns from kindOf. */
export function kindName(value: unknown): string {
  switch (kindOf(value)) {
    case Kind.Invalid:
    case Kind.Nil:
      return 'invalid';
    case Kind.Bool:
      return 'bool';
    case Kind.Int:
      return 'int';
    case Kind.Float:
      return 'float64';
    case Kind.Complex:
      return 'complex128';
    case Kind.String:
      return 'string';
    case Kind.Slice:
      return 'slice';
    case Kind.Map:
      return 'map';
    case Kind.Struct:
      return 'struct';
    case Kind.Pointer:
      return 'ptr';
    case Kind.Func:
      return 'func';
    default:
      return 'invalid';
  }
}

/** The elements of a list argument; sprig panics with `Cannot <verb> on type <kind>` for anything else. */
function listArg(value: unknown, failure: (kind: string) => string): readonly unknown[] {
  if (Array.isArray(value)) return value;
  // reflect.TypeOf(nil).Kind() dereferences a nil Type.
  if (value === null || value === undefined) throw new GoPanic(NIL_DEREFERENCE);
  throw new GoPanic(failure(kindName(value)));
}

/** sprig's empty(): what `default`, `empty`, `coalesce`, `compact` treat as unset. */
export function isEmpty(value: unknown): boolean {
  return !isTrue(value);
}

/** sprig's strval: strings as they are, otherwise fmt's %v (which uses Error and String methods). */
export function strval(value: unknown): string {
  return typeof value === 'string' ? value : goSprint(value === undefined ? null : value);
}

/** sprig's strslice: a list's non-nil elements as strings; nil is empty; anything else a one-element list. */
export function strslice(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map(strval);
  if (value === null || value === undefined) return [];
  return [strval(value)];
}

/**
 * A `map[string]interface{}` parameter (declared 'value', so a missing value and a nil interface differ):
 * a plain object; no value is a nil map (null here). Go rejects a nil interface and other map types (a
 * `map[string]string` such as pod labels) before the function runs; so does this.
 */
function dictArg(value: unknown): Record<string, unknown> | null {
  if (value === undefined) return null;
  if (value !== null && kindOf(value) === Kind.Map && goTypeInfo(value) === undefined) {
    return value as Record<string, unknown>;
  }
  throw new Error(
    `wrong type for value; expected map[string]interface {}; got ${value === null ? 'interface {}' : goTypeName(value)}`,
  );
}

function hasKey(map: object | null, key: string): boolean {
  return map !== null && Object.hasOwn(map, key) && (map as Record<string, unknown>)[key] !== undefined;
}

function setKey(map: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
}

/** reflect.DeepEqual over the value model. */
export function deepEqual(a: unknown, b: unknown): boolean {
  const x = a === undefined ? null : a;
  const y = b === undefined ? null : b;
  if (typeof x !== typeof y) return false;
  if (typeof x !== 'object' || x === null || y === null) {
    if (typeof x === 'function') return false;
    return x === y;
  }
  const other = y;
  if (goTypeName(x) !== goTypeName(other)) return false;
  if (x instanceof GoNamed) return other instanceof GoNamed && deepEqual(x.value, other.value);
  if (x instanceof GoComplex) return other instanceof GoComplex && x.re === other.re && x.im === other.im;
  if (isNilPointer(x) || isNilPointer(other)) return isNilPointer(x) && isNilPointer(other);
  if (Array.isArray(x)) {
    const ys = other as unknown[];
    return x.length === ys.length && x.every((v, i) => deepEqual(v, ys[i]));
  }
  const xr = x as Record<string, unknown>;
  const yr = other as Record<string, unknown>;
  if (goTypeInfo(x)?.kind === 'struct') {
    const keys = Object.keys(xr).filter((k) => typeof xr[k] !== 'function');
    return keys.every((k) => deepEqual(xr[k], yr[k]));
  }
  const xk = sortedKeys(x);
  const yk = sortedKeys(other);
  return xk.length === yk.length && xk.every((k, i) => k === yk[i] && deepEqual(xr[k], yr[k]));
}

function inList(list: readonly unknown[], needle: unknown): boolean {
  return list.some((item) => deepEqual(needle, item));
}

/** A Go int argument as a JS number (callers only use it for lengths and indexes). */
function num(n: bigint): number {
  return Number(n);
}

function guardList(length: number): void {
  if (length > MAX_GENERATED_LIST) {
    throw new Error(
      `result of ${String(length)} elements exceeds mesh-injector's limit of ${String(MAX_GENERATED_LIST)}`,
    );
  }
}

/** sprig's untilStep ([]int). */
function untilStep(start: bigint, stop: bigint, step: bigint): bigint[] {
  const out: bigint[] = [];
  if (stop < start) {
    if (step >= 0n) return out;
    guardList(num((start - stop) / -step));
    for (let i = start; i > stop; i += step) out.push(i);
    return out;
  }
  if (step <= 0n) return out;
  guardList(num((stop - start) / step));
  for (let i = start; i < stop; i += step) out.push(i);
  return out;
}

function seq(...params: bigint[]): string {
  let list: bigint[];
  switch (params.length) {
    case 1: {
      const end = params[0]!;
      const increment = end < 1n ? -1n : 1n;
      list = untilStep(1n, end + increment, increment);
      break;
    }
    case 2: {
      const [start, end] = params as [bigint, bigint];
      const step = end < start ? -1n : 1n;
      list = untilStep(start, end + step, step);
      break;
    }
    case 3: {
      const [start, step, end] = params as [bigint, bigint, bigint];
      let increment = 1n;
      if (end < start) {
        increment = -1n;
        if (step > 0n) return '';
      }
      list = untilStep(start, end + increment, step);
      break;
    }
    default:
      return '';
  }
  return list.join(' ');
}

function compile(regex: string, must: boolean): GoRegexp {
  try {
    return compileGoRegexp(regex);
  } catch (err) {
    if (err instanceof GoRegexpError && !must) throw new GoPanic(mustCompileMessage(regex, err));
    throw err;
  }
}

function toJsonOrEmpty(value: unknown, options?: { escapeHTML?: boolean; indent?: string }): string {
  try {
    return goJsonMarshal(value, options);
  } catch (err) {
    if (err instanceof GoJsonError) return '';
    throw err;
  }
}

function fromJsonValue(text: string): unknown {
  try {
    return goJsonDecode(text).value;
  } catch (err) {
    if (err instanceof GoJsonSyntaxError) return null;
    throw err;
  }
}

function mustFromJson(text: string): unknown {
  const result = goJsonDecode(text);
  if (result.error !== undefined) throw new Error(result.error);
  return result.value;
}

// --- merge (dario.cat/mergo, as sprig calls it) -----------------------------------------------------------

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && kindOf(value) === Kind.Map;
}

/**
 * mergo's deepMerge as sprig uses it, for map[string]interface{} values; `dst` changes in place. A key
 * missing from dst, or holding an empty value (0, "", false, nil, empty list or map), takes src's value;
 * nested maps merge key by key; lists are never merged. With `overwrite`, src's value wins for scalars and
 * lists (a nil in src included), while nested maps still merge.
 */
function mergeInto(dst: Record<string, unknown>, src: Record<string, unknown>, overwrite: boolean): void {
  for (const key of sortedKeys(src)) {
    const srcValue = src[key];
    if (srcValue === null) {
      if (overwrite) setKey(dst, key, null);
      continue;
    }
    const dstValue = hasKey(dst, key) ? dst[key] : undefined;
    const bothMaps = isMap(srcValue) && isMap(dstValue);
    if (bothMaps && goTypeInfo(srcValue) === undefined && goTypeInfo(dstValue) === undefined) {
      mergeInto(dstValue, srcValue, overwrite);
    }
    const dstEmpty = dstValue === undefined || isEmpty(dstValue);
    if (!dstEmpty && (Array.isArray(srcValue) || bothMaps)) {
      if (overwrite && Array.isArray(srcValue)) setKey(dst, key, srcValue);
      continue;
    }
    if (overwrite || dstEmpty) setKey(dst, key, srcValue);
  }
}

function mergeMaps(
  overwrite: boolean,
  dstIn: unknown,
  sources: readonly unknown[],
): Record<string, unknown> | null {
  let dst = dictArg(dstIn);
  for (const source of sources) {
    const src = dictArg(source);
    if (src === null) continue;
    dst ??= {};
    mergeInto(dst, src, overwrite);
  }
  // A nil map prints as map[] and has no keys, like the empty map standing in for it.
  return dst ?? {};
}

/** copystructure.Copy over the value model: plain and typed maps and lists are copied, other values shared. */
function deepCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deepCopy);
  if (typeof value !== 'object' || value === null) return value;
  const info = goTypeInfo(value);
  if (info !== undefined && info.kind !== 'map') return value;
  if (value instanceof GoNamed || value instanceof GoComplex) return value;
  const out: Record<string, unknown> = {};
  for (const key of sortedKeys(value)) setKey(out, key, deepCopy((value as Record<string, unknown>)[key]));
  return info?.kind === 'map' ? goTypedMap(out, info.typeName, info.zero) : out;
}

// --- strings (goutils) ------------------------------------------------------------------------------------

function abbreviate(s: string, offsetIn: number, maxWidth: number): string {
  if (s === '') return '';
  if (maxWidth < 4) throw new Error('stringutils illegal argument: Minimum abbreviation width is 4');
  const len = byteLength(s);
  if (len <= maxWidth) return s;
  let offset = Math.min(offsetIn, len);
  if (len - offset < maxWidth - 3) offset = len - (maxWidth - 3);
  if (offset <= 4) return sliceString(s, 0, maxWidth - 3) + '...';
  if (maxWidth < 7)
    throw new Error('stringutils illegal argument: Minimum abbreviation width with offset is 7');
  if (offset + maxWidth - 3 < len)
    return '...' + abbreviate(sliceString(s, offset, undefined), 0, maxWidth - 3);
  return '...' + sliceString(s, len - (maxWidth - 3), undefined);
}

function abbrevboth(left: bigint, right: bigint, s: string): string {
  if (right < 4n || (left > 0n && right < 7n)) return s;
  try {
    return abbreviate(s, num(left), num(right));
  } catch {
    return '';
  }
}

/** goutils.WrapCustom (byte offsets, words split at ' '). */
function wrapCustom(s: string, wrapLengthIn: number, newLineIn: string, wrapLongWords: boolean): string {
  if (s === '') return '';
  const newLine = newLineIn === '' ? '\n' : newLineIn;
  const wrapLength = Math.max(wrapLengthIn, 1);
  const bytes = utf8Bytes(s);
  const text = (from: number, to: number): string => fromUtf8(bytes.subarray(from, to));
  const inputLength = bytes.length;
  let offset = 0;
  let out = '';
  while (inputLength - offset > wrapLength) {
    if (bytes[offset] === 0x20) {
      offset++;
      continue;
    }
    const end = wrapLength + offset + 1;
    const spaceAt = bytes.subarray(offset, end).lastIndexOf(0x20);
    if (spaceAt >= 0) {
      out += text(offset, offset + spaceAt) + newLine;
      offset += spaceAt + 1;
    } else if (wrapLongWords) {
      out += text(offset, wrapLength + offset) + newLine;
      offset += wrapLength;
    } else {
      const index = bytes.subarray(wrapLength + offset).indexOf(0x20);
      if (index === -1) {
        out += text(offset, inputLength);
        offset = inputLength;
      } else {
        const spaceToWrapAt = index + wrapLength + offset;
        out += text(offset, spaceToWrapAt) + newLine;
        offset = spaceToWrapAt + 1;
      }
    }
  }
  return out + text(offset, inputLength);
}

/** goutils.Uncapitalize: lower-cases the first letter of every whitespace-separated word. */
function untitle(s: string): string {
  let next = true;
  let out = '';
  for (const ch of s) {
    if (isSpace(ch.codePointAt(0)!)) {
      next = true;
      out += ch;
    } else if (next) {
      out += toLowerRune(ch);
      next = false;
    } else {
      out += ch;
    }
  }
  return out;
}

/** goutils.SwapCase. */
function swapcase(s: string): string {
  let whitespace = true;
  let out = '';
  for (const ch of s) {
    const isUpper = /^\p{Lu}$/u.test(ch);
    const isTitle = /^\p{Lt}$/u.test(ch);
    if (isUpper || isTitle) {
      out += toLowerRune(ch);
      whitespace = false;
    } else if (/^\p{Ll}$/u.test(ch)) {
      out += whitespace ? toTitleRune(ch) : toUpperRune(ch);
      whitespace = false;
    } else {
      out += ch;
      whitespace = isSpace(ch.codePointAt(0)!);
    }
  }
  return out;
}

/**
 * goutils.Initials and DeleteWhiteSpace walk bytes and re-encode each byte as a rune, so non-ASCII text
 * comes out as Latin-1 mojibake; kept as Go does it.
 */
function initials(s: string): string {
  let out = '';
  let gap = true;
  for (const byte of utf8Bytes(s)) {
    if (isSpace(byte)) gap = true;
    else if (gap) {
      out += String.fromCharCode(byte);
      gap = false;
    }
  }
  return out;
}

function nospace(s: string): string {
  const bytes = utf8Bytes(s);
  const kept = Array.from(bytes).filter((byte) => !isSpace(byte));
  return kept.length === bytes.length ? s : String.fromCharCode(...kept);
}

/** os.Expand with a lookup. */
export function expandEnv(s: string, lookup: (name: string) => string): string {
  const special = (c: string | undefined): boolean => c !== undefined && '*#$@!?-0123456789'.includes(c);
  const alnum = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z0-9_]$/.test(c);
  let out = '';
  let i = 0;
  for (let j = 0; j < s.length; j++) {
    if (s[j] !== '$' || j + 1 >= s.length) continue;
    out += s.slice(i, j);
    const rest = s.slice(j + 1);
    let name = '';
    let width = 0;
    if (rest[0] === '{') {
      if (rest.length > 2 && special(rest[1]) && rest[2] === '}') {
        name = rest[1]!;
        width = 3;
      } else {
        const close = rest.indexOf('}', 1);
        if (close === 1) width = 2;
        else if (close < 0) width = 1;
        else {
          name = rest.slice(1, close);
          width = close + 1;
        }
      }
    } else if (special(rest[0])) {
      name = rest[0]!;
      width = 1;
    } else {
      while (width < rest.length && alnum(rest[width])) width++;
      name = rest.slice(0, width);
    }
    if (name === '' && width === 0) out += '$';
    else if (name !== '') out += lookup(name);
    j += width;
    i = j + 1;
  }
  return i === 0 ? s : out + s.slice(i);
}

function urlParse(v: string): Record<string, unknown> {
  let url: GoURL;
  try {
    url = parseURL(v);
  } catch (err) {
    throw new GoPanic(`unable to parse url: ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    scheme: url.scheme,
    host: url.host,
    hostname: hostname(url),
    path: url.path,
    query: url.rawQuery,
    opaque: url.opaque,
    fragment: url.fragment,
    userinfo: userinfoString(url.user),
  };
}

function urlJoin(d: unknown): string {
  const map = dictArg(d);
  const get = (key: string): string => {
    if (map === null || !hasKey(map, key)) return '';
    const value = map[key];
    if (typeof value === 'string') return value;
    if (value instanceof GoNamed && typeof value.value === 'string') return value.value;
    if (value === null) throw new GoPanic(NIL_DEREFERENCE);
    throw new GoPanic(`unable to parse ${key} key, must be of type string, but ${kindName(value)} found`);
  };
  const url: GoURL = {
    scheme: get('scheme'),
    host: get('host'),
    path: get('path'),
    rawQuery: get('query'),
    opaque: get('opaque'),
    fragment: get('fragment'),
    user: undefined,
    rawPath: '',
    rawFragment: '',
    forceQuery: false,
    omitHost: false,
  };
  const userinfo = get('userinfo');
  if (userinfo !== '') {
    try {
      url.user = parseUserinfo(userinfo);
    } catch (err) {
      throw new GoPanic(
        `unable to parse userinfo in dict: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  return urlString(url);
}

function hash(algorithm: string, s: string): string {
  return createHash(algorithm).update(utf8Bytes(s)).digest('hex');
}

// ---------------------------------------------------------------------------------------------------------
// The map.

const S = 'string' as const;
const I = 'int' as const;
const A = 'any' as const;
/** A Go-typed parameter the function checks itself (missing value and nil interface stay distinct). */
const V = 'value' as const;

function sig<F extends TemplateFunction>(
  params: readonly ('any' | 'value' | 'string' | 'int' | 'float64' | 'bool')[],
  fn: F,
): F {
  return withSignature({ params }, fn);
}

function variadic<F extends TemplateFunction>(
  params: readonly ('any' | 'value' | 'string' | 'int')[],
  rest: 'any' | 'value' | 'string' | 'int' | 'float64',
  fn: F,
): F {
  return withSignature({ params, variadic: rest }, fn);
}

function listFn(verb: string, body: (items: readonly unknown[]) => unknown): TemplateFunction {
  return sig([A], (list: unknown) => body(listArg(list, (kind) => `Cannot ${verb} on type ${kind}`)));
}

const push = sig([A, A], (list: unknown, v: unknown) => [
  ...listArg(list, (k) => `Cannot push on type ${k}`),
  v,
]);
const prepend = sig([A, A], (list: unknown, v: unknown) => [
  v,
  ...listArg(list, (k) => `Cannot prepend on type ${k}`),
]);
const first = listFn('find first', (items) => (items.length === 0 ? null : items[0]));
const last = listFn('find last', (items) => (items.length === 0 ? null : items[items.length - 1]));
const rest = listFn('find rest', (items) => items.slice(1));
const initial = listFn('find initial', (items) => items.slice(0, -1));
const reverse = listFn('find reverse', (items) => [...items].reverse());
const compact = listFn('compact', (items) => items.filter((item) => !isEmpty(item)));
const uniq = listFn('find uniq', (items) => {
  const out: unknown[] = [];
  for (const item of items) if (!inList(out, item)) out.push(item);
  return out;
});
const without = variadic([A], A, (list: unknown, ...omit: unknown[]) =>
  listArg(list, (k) => `Cannot find without on type ${k}`).filter((item) => !inList(omit, item)),
);
const has = sig([A, A], (needle: unknown, haystack: unknown) => {
  if (haystack === null || haystack === undefined) return false;
  return inList(
    listArg(haystack, (k) => `Cannot find has on type ${k}`),
    needle,
  );
});
const chunk = sig([I, A], (size: bigint, list: unknown) => {
  const items = listArg(list, (k) => `Cannot chunk type ${k}`);
  const n = num(size);
  if (n <= 0) throw new GoPanic('runtime error: makeslice: len out of range');
  const out: unknown[][] = [];
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return out;
});
const sliceList = variadic([A], A, (list: unknown, ...indices: unknown[]) => {
  const items = listArg(list, (k) => `list should be type of slice or array but ${k}`);
  if (items.length === 0) return null;
  const start = indices.length > 0 ? num(castToInt64(indices[0])) : 0;
  const end = indices.length >= 2 ? num(castToInt64(indices[1])) : items.length;
  if (start < 0 || end < start || end > items.length)
    throw new GoPanic('reflect.Value.Slice: slice index out of bounds');
  return items.slice(start, end);
});
const concat = variadic([], A, (...lists: unknown[]) => {
  const out: unknown[] = [];
  for (const list of lists) {
    if (list === null || list === undefined) throw new GoPanic(NIL_DEREFERENCE);
    if (!Array.isArray(list)) throw new GoPanic(`Cannot concat type ${kindName(list)} as list`);
    out.push(...(list as unknown[]));
  }
  return out;
});

function dict(...kv: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < kv.length; i += 2) setKey(out, strval(kv[i]), i + 1 < kv.length ? kv[i + 1] : '');
  return out;
}

function dig(...ps: unknown[]): unknown {
  if (ps.length < 3) throw new GoPanic('dig needs at least three arguments');
  const interfaceConversion = (v: unknown, want: string): string =>
    `interface conversion: interface {} is ${v === null || v === undefined ? 'nil' : goTypeName(v)}, not ${want}`;
  const keys = ps.slice(0, -2).map((k) => {
    if (typeof k !== 'string') throw new GoPanic(interfaceConversion(k, 'string'));
    return k;
  });
  const fallback = ps[ps.length - 2];
  let current: unknown = ps[ps.length - 1];
  for (const key of keys) {
    if (!isMap(current) || goTypeInfo(current) !== undefined) {
      throw new GoPanic(interfaceConversion(current, 'map[string]interface {}'));
    }
    if (!hasKey(current, key)) return fallback;
    current = current[key];
  }
  return current;
}

function round(value: unknown, places: bigint, ...roundOn: number[]): number {
  const threshold = roundOn.length > 0 ? roundOn[0]! : 0.5;
  const pow = 10 ** num(places);
  const digit = pow * castToFloat64(value);
  const frac = digit - Math.trunc(digit);
  return (frac >= threshold ? Math.ceil(digit) : Math.floor(digit)) / pow;
}

const maxInt = variadic([A], A, (a: unknown, ...rest: unknown[]) =>
  rest.reduce<bigint>((m, v) => (castToInt64(v) > m ? castToInt64(v) : m), castToInt64(a)),
);

function divide(a: unknown, b: unknown, op: 'div' | 'mod'): bigint {
  const x = castToInt64(a);
  const y = castToInt64(b);
  if (y === 0n) throw new GoPanic('runtime error: integer divide by zero');
  return int64(op === 'div' ? x / y : x % y);
}

function regexFns(): Record<string, TemplateFunction> {
  return {
    regexMatch: sig([S, S], (regex: string, s: string) => {
      try {
        return matchString(compileGoRegexp(regex), s);
      } catch (err) {
        if (err instanceof GoRegexpError) return false;
        throw err;
      }
    }),
    mustRegexMatch: sig([S, S], (regex: string, s: string) => matchString(compile(regex, true), s)),
    regexFindAll: sig([S, S, I], (regex: string, s: string, n: bigint) =>
      findAllString(compile(regex, false), s, num(n)),
    ),
    mustRegexFindAll: sig([S, S, I], (regex: string, s: string, n: bigint) =>
      findAllString(compile(regex, true), s, num(n)),
    ),
    regexFind: sig([S, S], (regex: string, s: string) => findString(compile(regex, false), s)),
    mustRegexFind: sig([S, S], (regex: string, s: string) => findString(compile(regex, true), s)),
    regexReplaceAll: sig([S, S, S], (regex: string, s: string, repl: string) =>
      regexReplaceAll(compile(regex, false), s, repl, false),
    ),
    mustRegexReplaceAll: sig([S, S, S], (regex: string, s: string, repl: string) =>
      regexReplaceAll(compile(regex, true), s, repl, false),
    ),
    regexReplaceAllLiteral: sig([S, S, S], (regex: string, s: string, repl: string) =>
      regexReplaceAll(compile(regex, false), s, repl, true),
    ),
    mustRegexReplaceAllLiteral: sig([S, S, S], (regex: string, s: string, repl: string) =>
      regexReplaceAll(compile(regex, true), s, repl, true),
    ),
    regexSplit: sig([S, S, I], (regex: string, s: string, n: bigint) =>
      regexSplit(compile(regex, false), s, num(n)),
    ),
    mustRegexSplit: sig([S, S, I], (regex: string, s: string, n: bigint) =>
      regexSplit(compile(regex, true), s, num(n)),
    ),
    regexQuoteMeta: sig([S], quoteMeta),
  };
}

/**
 * sprig's text function map. `env` is what `env` and `expandenv` read (instead of the process
 * environment); Istio replaces `env`, `indent`, `contains` and `omit` with its own (see istio.ts).
 */
export function createSprigFuncMap(env: ReadonlyMap<string, string>): FuncMap {
  const getenv = (name: string): string => env.get(name) ?? '';
  const funcs: Record<string, TemplateFunction> = {
    hello: sig([], () => 'Hello!'),

    // Durations (the deterministic part of sprig's date functions).
    duration: sig([A], (sec: unknown) => {
      let n = 0n;
      if (typeof sec === 'string') n = parseIntBase(sec, 10) ?? 0n;
      else if (typeof sec === 'bigint') n = sec;
      return formatDuration(int64(n * 1_000_000_000n));
    }),
    durationRound: sig([A], (value: unknown) => {
      let d = 0n;
      if (typeof value === 'string') d = parseDuration(value) ?? 0n;
      else if (typeof value === 'bigint') d = value;
      const u = d < 0n ? -d : d;
      const second = 1_000_000_000n;
      const units: [bigint, string][] = [
        [second * 3600n * 24n * 365n, 'y'],
        [second * 3600n * 24n * 30n, 'mo'],
        [second * 3600n * 24n, 'd'],
        [second * 3600n, 'h'],
        [second * 60n, 'm'],
        [second, 's'],
      ];
      for (const [size, suffix] of units) if (u > size) return (u / size).toString() + suffix;
      return '0s';
    }),

    // Strings.
    abbrev: sig([I, S], (width: bigint, s: string) => (width < 4n ? s : abbreviate(s, 0, num(width)))),
    abbrevboth: sig([I, I, S], abbrevboth),
    trunc: sig([I, S], (c: bigint, s: string) => {
      const len = BigInt(byteLength(s));
      if (c < 0n && len + c > 0n) return sliceString(s, num(len + c), undefined);
      if (c >= 0n && len > c) return sliceString(s, 0, num(c));
      return s;
    }),
    trim: sig([S], trimSpace),
    upper: sig([S], toUpper),
    lower: sig([S], toLower),
    title: sig([S], title),
    untitle: sig([S], untitle),
    substr: sig([I, I, S], (start: bigint, end: bigint, s: string) => {
      if (start < 0n) return sliceString(s, undefined, num(end));
      if (end < 0n || end > BigInt(byteLength(s))) return sliceString(s, num(start), undefined);
      return sliceString(s, num(start), num(end));
    }),
    repeat: sig([I, S], (count: bigint, s: string) => repeat(s, count, MAX_GENERATED_STRING)),
    trimall: sig([S, S], (cutset: string, s: string) => trimCutset(s, cutset)),
    trimAll: sig([S, S], (cutset: string, s: string) => trimCutset(s, cutset)),
    trimSuffix: sig([S, S], (suffix: string, s: string) =>
      suffix !== '' && s.endsWith(suffix) ? s.slice(0, -suffix.length) : s,
    ),
    trimPrefix: sig([S, S], (prefix: string, s: string) =>
      s.startsWith(prefix) ? s.slice(prefix.length) : s,
    ),
    nospace: sig([S], nospace),
    initials: sig([S], initials),
    swapcase: sig([S], swapcase),
    snakecase: sig([S], (s: string) => toDelimitedCase(s, '_')),
    kebabcase: sig([S], (s: string) => toDelimitedCase(s, '-')),
    camelcase: sig([S], (s: string) => toCamelCase(s, true)),
    wrap: sig([I, S], (width: bigint, s: string) => wrapCustom(s, num(width), '', false)),
    wrapWith: sig([I, S, S], (width: bigint, sep: string, s: string) => wrapCustom(s, num(width), sep, true)),
    contains: sig([S, S], (substr: string, s: string) => s.includes(substr)),
    hasPrefix: sig([S, S], (prefix: string, s: string) => s.startsWith(prefix)),
    hasSuffix: sig([S, S], (suffix: string, s: string) => s.endsWith(suffix)),
    // fmt's %q of a string is strconv.Quote; calling it directly skips the printf machinery (templates quote
    // most values they print).
    quote: variadic([], A, (...values: unknown[]) => {
      if (values.length === 1)
        return values[0] === null || values[0] === undefined ? '' : quote(strval(values[0]));
      return values
        .filter((v) => v !== null && v !== undefined)
        .map((v) => quote(strval(v)))
        .join(' ');
    }),
    squote: variadic([], A, (...values: unknown[]) =>
      values
        .filter((v) => v !== null && v !== undefined)
        .map((v) => `'${goSprint(v)}'`)
        .join(' '),
    ),
    cat: variadic([], A, (...values: unknown[]) =>
      values
        .filter((v) => v !== null && v !== undefined)
        .map((v) => goSprint(v))
        .join(' '),
    ),
    indent: sig([I, S], (spaces: bigint, s: string) => {
      const pad = repeat(' ', spaces, MAX_GENERATED_STRING);
      return pad + replaceAll(s, '\n', '\n' + pad);
    }),
    nindent: sig([I, S], (spaces: bigint, s: string) => {
      const pad = repeat(' ', spaces, MAX_GENERATED_STRING);
      return '\n' + pad + replaceAll(s, '\n', '\n' + pad);
    }),
    replace: sig([S, S, S], (old: string, replacement: string, s: string) => replaceAll(s, old, replacement)),
    plural: sig([S, S, I], (one: string, many: string, count: bigint) => (count === 1n ? one : many)),
    sha1sum: sig([S], (s: string) => hash('sha1', s)),
    sha256sum: sig([S], (s: string) => hash('sha256', s)),
    sha512sum: sig([S], (s: string) => hash('sha512', s)),
    adler32sum: sig([S], (s: string) => String(adler32(s))),
    toString: sig([A], strval),

    // Numbers.
    atoi: sig([S], (s: string) => atoi(s) ?? 0n),
    int64: sig([A], castToInt64),
    int: sig([A], castToInt64),
    float64: sig([A], castToFloat64),
    seq: variadic([], I, seq),
    toDecimal: sig([A], (v: unknown) => parseIntBase(goSprint(v === undefined ? null : v), 8) ?? 0n),
    until: sig([I], (count: bigint) => untilStep(0n, count, count < 0n ? -1n : 1n)),
    untilStep: sig([I, I, I], untilStep),
    add1: sig([A], (i: unknown) => int64(castToInt64(i) + 1n)),
    add: variadic([], A, (...values: unknown[]) =>
      values.reduce<bigint>((sum, v) => int64(sum + castToInt64(v)), 0n),
    ),
    sub: sig([A, A], (a: unknown, b: unknown) => int64(castToInt64(a) - castToInt64(b))),
    div: sig([A, A], (a: unknown, b: unknown) => divide(a, b, 'div')),
    mod: sig([A, A], (a: unknown, b: unknown) => divide(a, b, 'mod')),
    mul: variadic([A], A, (a: unknown, ...rest: unknown[]) =>
      rest.reduce<bigint>((product, v) => int64(product * castToInt64(v)), castToInt64(a)),
    ),
    add1f: sig([A], (i: unknown) => decimalFold('add', i, [1n])),
    addf: variadic([], A, (...values: unknown[]) => decimalFold('add', 0, values)),
    subf: variadic([A], A, (a: unknown, ...rest: unknown[]) => decimalFold('sub', a, rest)),
    divf: variadic([A], A, (a: unknown, ...rest: unknown[]) => decimalFold('div', a, rest)),
    mulf: variadic([A], A, (a: unknown, ...rest: unknown[]) => decimalFold('mul', a, rest)),
    max: maxInt,
    biggest: maxInt,
    min: variadic([A], A, (a: unknown, ...rest: unknown[]) =>
      rest.reduce<bigint>((m, v) => (castToInt64(v) < m ? castToInt64(v) : m), castToInt64(a)),
    ),
    maxf: variadic([A], A, (a: unknown, ...rest: unknown[]) =>
      rest.reduce<number>((m, v) => Math.max(m, castToFloat64(v)), castToFloat64(a)),
    ),
    minf: variadic([A], A, (a: unknown, ...rest: unknown[]) =>
      rest.reduce<number>((m, v) => Math.min(m, castToFloat64(v)), castToFloat64(a)),
    ),
    ceil: sig([A], (a: unknown) => Math.ceil(castToFloat64(a))),
    floor: sig([A], (a: unknown) => Math.floor(castToFloat64(a))),
    round: withSignature({ params: [A, I], variadic: 'float64' }, round),

    // String lists.
    split: sig([S, S], (sep: string, s: string) => {
      const out: Record<string, string> = {};
      splitN(s, sep, -1).forEach((part, i) => (out[`_${String(i)}`] = part));
      return goStringMap(out);
    }),
    splitList: sig([S, S], (sep: string, s: string) => splitN(s, sep, -1)),
    splitn: sig([S, I, S], (sep: string, n: bigint, s: string) => {
      const out: Record<string, string> = {};
      splitN(s, sep, num(n)).forEach((part, i) => (out[`_${String(i)}`] = part));
      return goStringMap(out);
    }),
    toStrings: sig([A], strslice),
    join: sig([S, A], (sep: string, v: unknown) => strslice(v).join(sep)),
    sortAlpha: sig([A], (list: unknown) => {
      if (!Array.isArray(list)) return [strval(list)];
      return strslice(list).sort(compareGoStrings);
    }),

    // Defaults and JSON.
    default: variadic([A], A, (d: unknown, ...given: unknown[]) =>
      given.length === 0 || isEmpty(given[0]) ? d : given[0],
    ),
    empty: sig([A], isEmpty),
    coalesce: variadic([], A, (...values: unknown[]) => values.find((v) => !isEmpty(v)) ?? null),
    all: variadic([], A, (...values: unknown[]) => values.every((v) => !isEmpty(v))),
    any: variadic([], A, (...values: unknown[]) => values.some((v) => !isEmpty(v))),
    compact,
    mustCompact: compact,
    fromJson: sig([S], fromJsonValue),
    mustFromJson: sig([S], mustFromJson),
    toJson: sig([A], (v: unknown) => toJsonOrEmpty(v)),
    mustToJson: sig([A], (v: unknown) => goJsonMarshal(v)),
    toPrettyJson: sig([A], (v: unknown) => toJsonOrEmpty(v, { indent: '  ' })),
    mustToPrettyJson: sig([A], (v: unknown) => goJsonMarshal(v, { indent: '  ' })),
    toRawJson: sig([A], (v: unknown) => goJsonMarshal(v, { escapeHTML: false })),
    mustToRawJson: sig([A], (v: unknown) => goJsonMarshal(v, { escapeHTML: false })),
    ternary: sig([A, A, 'bool'], (vt: unknown, vf: unknown, v: boolean) => (v ? vt : vf)),
    deepCopy: sig([A], deepCopy),
    mustDeepCopy: sig([A], deepCopy),

    // Reflection.
    typeOf: sig([A], (v: unknown) => goTypeName(v)),
    typeIs: sig([S, A], (target: string, v: unknown) => target === goTypeName(v)),
    typeIsLike: sig([S, A], (target: string, v: unknown) => {
      const t = goTypeName(v);
      return target === t || '*' + target === t;
    }),
    kindOf: sig([A], kindName),
    kindIs: sig([S, A], (target: string, v: unknown) => target === kindName(v)),
    deepEqual: sig([A, A], deepEqual),

    // Environment (the injector's configured map, not the process's).
    env: sig([S], getenv),
    expandenv: sig([S], (s: string) => expandEnv(s, getenv)),

    // Paths (slash-separated; the os* variants are the same on Linux).
    base: sig([S], basePath),
    dir: sig([S], dirPath),
    clean: sig([S], cleanPath),
    ext: sig([S], extPath),
    isAbs: sig([S], (p: string) => p.startsWith('/')),
    osBase: sig([S], basePath),
    osClean: sig([S], cleanPath),
    osDir: sig([S], dirPath),
    osExt: sig([S], extPath),
    osIsAbs: sig([S], (p: string) => p.startsWith('/')),

    // Encoding.
    b64enc: sig([S], base64Encode),
    b64dec: sig([S], (s: string) => {
      const r = base64Decode(s);
      return 'error' in r ? r.error : r.value;
    }),
    b32enc: sig([S], base32Encode),
    b32dec: sig([S], (s: string) => {
      const r = base32Decode(s);
      return 'error' in r ? r.error : r.value;
    }),

    // Lists and dicts.
    tuple: variadic([], A, (...items: unknown[]) => [...items]),
    list: variadic([], A, (...items: unknown[]) => [...items]),
    dict: variadic([], A, dict),
    get: sig([V, S], (d: unknown, key: string) => {
      const map = dictArg(d);
      return map !== null && hasKey(map, key) ? map[key] : '';
    }),
    set: sig([V, S, A], (d: unknown, key: string, value: unknown) => {
      const map = dictArg(d);
      if (map === null) throw new GoPanic('assignment to entry in nil map');
      setKey(map, key, value);
      return map;
    }),
    unset: sig([V, S], (d: unknown, key: string) => {
      const map = dictArg(d);
      if (map === null) return {};
      Reflect.deleteProperty(map, key);
      return map;
    }),
    hasKey: sig([V, S], (d: unknown, key: string) => hasKey(dictArg(d), key)),
    pluck: variadic([S], V, (key: string, ...dicts: unknown[]) =>
      dicts.map(dictArg).flatMap((map) => (map !== null && hasKey(map, key) ? [map[key]] : [])),
    ),
    keys: variadic([], V, (...dicts: unknown[]) =>
      dicts.map(dictArg).flatMap((map) => (map === null ? [] : goSortedKeys(map))),
    ),
    pick: variadic([V], S, (d: unknown, ...keys: string[]) => {
      const map = dictArg(d);
      const out: Record<string, unknown> = {};
      for (const key of keys) if (map !== null && hasKey(map, key)) setKey(out, key, map[key]);
      return out;
    }),
    omit: variadic([V], S, (d: unknown, ...keys: string[]) => {
      const map = dictArg(d);
      const out: Record<string, unknown> = {};
      if (map !== null)
        for (const key of sortedKeys(map)) if (!keys.includes(key)) setKey(out, key, map[key]);
      return out;
    }),
    merge: variadic([V], V, (dst: unknown, ...srcs: unknown[]) => mergeMaps(false, dst, srcs)),
    mergeOverwrite: variadic([V], V, (dst: unknown, ...srcs: unknown[]) => mergeMaps(true, dst, srcs)),
    mustMerge: variadic([V], V, (dst: unknown, ...srcs: unknown[]) => mergeMaps(false, dst, srcs)),
    mustMergeOverwrite: variadic([V], V, (dst: unknown, ...srcs: unknown[]) => mergeMaps(true, dst, srcs)),
    values: sig([V], (d: unknown) => {
      const map = dictArg(d);
      return map === null ? [] : goSortedKeys(map).map((key) => map[key]);
    }),
    append: push,
    push,
    mustAppend: push,
    mustPush: push,
    prepend,
    mustPrepend: prepend,
    first,
    mustFirst: first,
    rest,
    mustRest: rest,
    last,
    mustLast: last,
    initial,
    mustInitial: initial,
    reverse,
    mustReverse: reverse,
    uniq,
    mustUniq: uniq,
    without,
    mustWithout: without,
    has,
    mustHas: has,
    slice: sliceList,
    mustSlice: sliceList,
    concat,
    dig,
    chunk,
    mustChunk: chunk,

    fail: sig([S], (msg: string): never => {
      throw new Error(msg);
    }),

    semver: sig([S], newVersion),
    semverCompare: sig([S, S], semverCompare),
    urlParse: sig([S], urlParse),
    urlJoin: sig([V], urlJoin),

    ...regexFns(),
  };
  return Object.freeze(funcs);
}
