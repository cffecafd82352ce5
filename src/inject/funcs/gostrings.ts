// Go's strings, unicode and path behaviour where it differs from JavaScript's.
//
// Go strings are UTF-8 bytes: `len`, slicing and sprig's trunc/substr/abbrev count bytes, and a slice that
// cuts a character in two yields invalid UTF-8 (shown here as U+FFFD, since JS strings cannot hold it).
// Go's whitespace, case mapping (one rune to one rune) and empty-separator splitting also differ from
// JS's. A failure that is a runtime panic in Go throws GoPanic with the panic's message, which the
// template engine reports like Go does (`error calling substr: runtime error: slice bounds out of range`).

/** A Go runtime panic inside a template function (text/template turns it into an execution error). */
export class GoPanic extends Error {
  override readonly name = 'GoPanic';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** len(s) in Go: the number of UTF-8 bytes. */
export function byteLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Go's `s[low:high]` (byte offsets; high defaults to len(s)), with Go's panic for bad bounds. */
export function sliceString(s: string, low: number | undefined, high: number | undefined): string {
  const bytes = utf8Bytes(s);
  const n = bytes.length;
  if (high !== undefined) {
    if (high < 0) throw new GoPanic(`runtime error: slice bounds out of range [:${String(high)}]`);
    if (high > n)
      throw new GoPanic(
        `runtime error: slice bounds out of range [:${String(high)}] with length ${String(n)}`,
      );
  }
  const end = high ?? n;
  const start = low ?? 0;
  if (start < 0) throw new GoPanic(`runtime error: slice bounds out of range [${String(start)}:]`);
  if (start > end)
    throw new GoPanic(`runtime error: slice bounds out of range [${String(start)}:${String(end)}]`);
  if (start === 0 && end === n) return s;
  return fromUtf8(bytes.subarray(start, end));
}

/**
 * Go's string order (UTF-8 bytes, i.e. code points). JS's `<` compares UTF-16 units, which puts characters
 * beyond U+FFFF before U+E000..U+FFFF.
 */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (D800-DFFF) encode code points above every BMP unit from E000 up.
    const surrogateX = x >= 0xd800 && x <= 0xdfff;
    const surrogateY = y >= 0xd800 && y <= 0xdfff;
    if (surrogateX !== surrogateY && (surrogateX ? y : x) >= 0xe000) return surrogateX ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** The keys of a map in Go's order (sorted by bytes), skipping keys whose value is undefined. */
export function goSortedKeys(map: object): string[] {
  const record = map as Record<string, unknown>;
  return Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort(compareGoStrings);
}

const SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/;

/** unicode.IsSpace. */
export function isSpace(cp: number): boolean {
  return SPACE.test(String.fromCodePoint(cp));
}

/** strings.TrimSpace. */
export function trimSpace(s: string): string {
  if (s === '') return s;
  const first = s.charCodeAt(0);
  const last = s.charCodeAt(s.length - 1);
  // Fast path: nothing to trim (an ASCII non-space character at both ends).
  if (first < 0x80 && last < 0x80 && first > 0x20 && last > 0x20) return s;
  const chars = Array.from(s);
  let start = 0;
  let end = chars.length;
  while (start < end && isSpace(chars[start]!.codePointAt(0)!)) start++;
  while (end > start && isSpace(chars[end - 1]!.codePointAt(0)!)) end--;
  return chars.slice(start, end).join('');
}

/** strings.Trim: drops leading and trailing runes that appear in cutset. */
export function trimCutset(s: string, cutset: string): string {
  if (s === '' || cutset === '') return s;
  const cut = new Set(Array.from(cutset));
  const chars = Array.from(s);
  let start = 0;
  let end = chars.length;
  while (start < end && cut.has(chars[start]!)) start++;
  while (end > start && cut.has(chars[end - 1]!)) end--;
  return chars.slice(start, end).join('');
}

function mapRunes(s: string, map: (ch: string) => string): string {
  let out = '';
  for (const ch of s) out += map(ch);
  return out;
}

// JS case conversion may turn one character into several (ß -> SS); Go's maps rune to rune, and keeps a
// character that has no single-rune mapping.
function oneRune(ch: string, mapped: string): string {
  return mapped.length === ch.length || Array.from(mapped).length === 1 ? mapped : ch;
}

export function toUpperRune(ch: string): string {
  return ch < '\u0080' ? ch.toUpperCase() : oneRune(ch, ch.toUpperCase());
}

export function toLowerRune(ch: string): string {
  if (ch < '\u0080') return ch.toLowerCase();
  if (ch === '\u0130') return 'i'; // U+0130's simple lowercase mapping; JS applies the special one.
  return oneRune(ch, ch.toLowerCase());
}

// The digraphs whose title case differs from their upper case (Ǆ/ǅ/ǆ and friends).
const TITLE_CASE = new Map<string, string>([
  ['\u01c4', '\u01c5'],
  ['\u01c5', '\u01c5'],
  ['\u01c6', '\u01c5'],
  ['\u01c7', '\u01c8'],
  ['\u01c8', '\u01c8'],
  ['\u01c9', '\u01c8'],
  ['\u01ca', '\u01cb'],
  ['\u01cb', '\u01cb'],
  ['\u01cc', '\u01cb'],
  ['\u01f1', '\u01f2'],
  ['\u01f2', '\u01f2'],
  ['\u01f3', '\u01f2'],
]);

export function toTitleRune(ch: string): string {
  return TITLE_CASE.get(ch) ?? toUpperRune(ch);
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** strings.ToUpper. */
export function toUpper(s: string): string {
  return isAscii(s) ? s.toUpperCase() : mapRunes(s, toUpperRune);
}

/** strings.ToLower. */
export function toLower(s: string): string {
  return isAscii(s) ? s.toLowerCase() : mapRunes(s, toLowerRune);
}

function isLetterOrDigit(ch: string): boolean {
  return /^[\p{L}\p{Nd}]$/u.test(ch);
}

/** strings.Title's word boundary test. */
function isSeparator(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if (cp <= 0x7f) return !/^[0-9A-Za-z_]$/.test(ch);
  if (isLetterOrDigit(ch)) return false;
  return isSpace(cp);
}

/** strings.Title: the first letter of every word in title case. */
export function title(s: string): string {
  let prev = ' ';
  return mapRunes(s, (ch) => {
    const out = isSeparator(prev) ? toTitleRune(ch) : ch;
    prev = ch;
    return out;
  });
}

/** strings.Replace(s, old, replacement, -1); an empty `old` inserts before every rune and at the end. */
export function replaceAll(s: string, old: string, replacement: string): string {
  if (old === replacement) return s;
  if (old !== '') return s.split(old).join(replacement);
  return replacement + Array.from(s, (ch) => ch + replacement).join('');
}

/** strings.SplitN (n < 0: all parts; n == 0: none); an empty separator splits into runes. */
export function splitN(s: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  if (sep === '') {
    const runes = Array.from(s);
    if (n < 0 || n >= runes.length) return runes;
    return [...runes.slice(0, n - 1), runes.slice(n - 1).join('')];
  }
  if (n < 0) return s.split(sep);
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + sep.length);
  }
  out.push(rest);
  return out;
}

/** strings.Repeat, with Go's panic for a negative count and a bound on the result's size. */
export function repeat(s: string, count: number | bigint, limit: number): string {
  if (count < 0) throw new GoPanic('strings: negative Repeat count');
  const n = Number(count);
  if (s.length > 0 && s.length * n > limit) {
    throw new Error(
      `result of ${String(n)} repetitions exceeds mesh-injector's limit of ${String(limit)} characters`,
    );
  }
  return s.repeat(n);
}

// --- path (slash-separated paths, as Go's path package) ---------------------------------------------------

/** path.Clean. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!rooted) parts.push('..');
      continue;
    }
    parts.push(part);
  }
  const joined = parts.join('/');
  if (rooted) return '/' + joined;
  return joined === '' ? '.' : joined;
}

/** path.Split's directory part, trailing slash included. */
export function splitDir(p: string): string {
  return p.slice(0, p.lastIndexOf('/') + 1);
}

/** path.Base. */
export function basePath(p: string): string {
  if (p === '') return '.';
  let s = p;
  while (s.length > 0 && s.endsWith('/')) s = s.slice(0, -1);
  s = s.slice(s.lastIndexOf('/') + 1);
  return s === '' ? '/' : s;
}

/** path.Dir. */
export function dirPath(p: string): string {
  return cleanPath(splitDir(p));
}

/** path.Ext. */
export function extPath(p: string): string {
  for (let i = p.length - 1; i >= 0 && p[i] !== '/'; i--) {
    if (p[i] === '.') return p.slice(i);
  }
  return '';
}
