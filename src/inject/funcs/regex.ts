// Go's regexp (RE2 syntax) on top of JavaScript's RegExp.
//
// sprig's regex functions take Go patterns, which differ from JS ones in ways that change results: Go's
// `\s` and `\w` are ASCII-only, `.` matches `\r`, `(?i)` can switch mid-pattern, `(?U)` makes repetition
// lazy, `\z`, `\Q...\E`, POSIX classes `[[:alpha:]]` and octal escapes exist, and RE2 rejects
// backreferences and lookaround (which JS accepts). So a pattern is parsed with Go's grammar and
// translated construct by construct into an equivalent JS pattern; anything RE2 rejects is rejected with
// Go's error text (`error parsing regexp: missing closing ): `(a``). Matching then uses Go's rules for
// successive matches (an empty match right after a previous match is skipped), replacement templates
// (`$1`, `${name}`) and Split.
//
// Known differences: JS matches by backtracking, so a pathological pattern can be slow where RE2 is
// linear (injection templates come from the cluster's own config, not from workloads); in `(?m)` mode JS
// is not involved (anchors are translated), but `\b` under `(?i)` follows JS's Unicode word characters.
import { canBackquote, quote } from '../../template/strconv.ts';

/** A pattern Go's regexp/syntax rejects; the message is Go's `error parsing regexp: ...`. */
export class GoRegexpError extends Error {
  override readonly name = 'GoRegexpError';

  constructor(code: string, expr: string) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
  }
}

export interface GoRegexp {
  /** The Go source pattern. */
  readonly source: string;
  /** Names of the capture groups by index (index 0 is the whole match, always ""). */
  readonly groupNames: readonly string[];
  /** The translated JS regexp (flags `gu`); use through the helpers below. */
  readonly js: RegExp;
}

const MAX_REPEAT = 1000;

const cache = new Map<string, GoRegexp>();
const CACHE_LIMIT = 256;

/** regexp.Compile: parses a Go pattern (cached); throws GoRegexpError. */
export function compileGoRegexp(source: string): GoRegexp {
  const cached = cache.get(source);
  if (cached !== undefined) return cached;
  const translator = new Translator(source);
  const pattern = translator.translate();
  const compiled: GoRegexp = { source, groupNames: translator.groupNames, js: new RegExp(pattern, 'gu') };
  cache.set(source, compiled);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return compiled;
}

/** The panic message of regexp.MustCompile for a bad pattern. */
export function mustCompileMessage(source: string, err: GoRegexpError): string {
  const shown = canBackquote(source) ? '`' + source + '`' : quote(source);
  return `regexp: Compile(${shown}): ${err.message}`;
}

/** regexp.QuoteMeta. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------------------------
// Matching with Go's semantics.

/** One match: [start, end) in UTF-16 offsets, and the submatch texts (undefined when a group did not take part). */
interface Match {
  readonly start: number;
  readonly end: number;
  readonly groups: readonly (string | undefined)[];
}

function execAt(re: GoRegexp, s: string, pos: number): Match | undefined {
  const js = re.js;
  js.lastIndex = pos;
  const m = js.exec(s);
  if (m === null) return undefined;
  return { start: m.index, end: m.index + m[0].length, groups: Array.from(m) };
}

function runeWidth(s: string, pos: number): number {
  const c = s.charCodeAt(pos);
  return c >= 0xd800 && c <= 0xdbff && pos + 1 < s.length ? 2 : 1;
}

/** regexp.MatchString. */
export function matchString(re: GoRegexp, s: string): boolean {
  return execAt(re, s, 0) !== undefined;
}

/** Go's allMatches: successive non-overlapping matches, n < 0 for all; an empty match abutting the previous match is skipped. */
function allMatches(re: GoRegexp, s: string, n: number): Match[] {
  const out: Match[] = [];
  let pos = 0;
  let prevMatchEnd = -1;
  while ((n < 0 || out.length < n) && pos <= s.length) {
    const m = execAt(re, s, pos);
    if (m === undefined) break;
    let accept = true;
    if (m.end === m.start) {
      if (m.start === prevMatchEnd) accept = false;
      pos = m.start < s.length ? m.start + runeWidth(s, m.start) : s.length + 1;
    } else {
      pos = m.end;
    }
    prevMatchEnd = m.end;
    if (accept) out.push(m);
  }
  return out;
}

/** FindString: the leftmost match, "" when none. */
export function findString(re: GoRegexp, s: string): string {
  const m = execAt(re, s, 0);
  return m === undefined ? '' : s.slice(m.start, m.end);
}

/** FindStringSubmatch: the match and its groups ("" for a group that did not take part), or undefined. */
export function findStringSubmatch(re: GoRegexp, s: string): string[] | undefined {
  const m = execAt(re, s, 0);
  return m === undefined ? undefined : m.groups.map((g) => g ?? '');
}

/** FindAllStringSubmatch. */
export function findAllStringSubmatch(re: GoRegexp, s: string, n: number): string[][] {
  if (n === 0) return [];
  return allMatches(re, s, n).map((m) => m.groups.map((g) => g ?? ''));
}

/** FindAllString. */
export function findAllString(re: GoRegexp, s: string, n: number): string[] {
  if (n === 0) return [];
  return allMatches(re, s, n).map((m) => s.slice(m.start, m.end));
}

/** Split (Go's rules: n == 0 gives nothing, n > 0 at most n parts). */
export function split(re: GoRegexp, s: string, n: number): string[] {
  if (n === 0) return [];
  if (re.source.length > 0 && s.length === 0) return [''];
  const parts: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of allMatches(re, s, n)) {
    if (n > 0 && parts.length === n - 1) break;
    end = m.start;
    if (m.end !== 0) parts.push(s.slice(beg, end));
    beg = m.end;
  }
  if (end !== s.length) parts.push(s.slice(beg));
  return parts;
}

/** ReplaceAllString (with `$` expansion) or ReplaceAllLiteralString. */
export function replaceAll(re: GoRegexp, s: string, replacement: string, literal: boolean): string {
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= s.length) {
    const m = execAt(re, s, searchPos);
    if (m === undefined) break;
    out += s.slice(lastMatchEnd, m.start);
    // No replacement for an empty match right after a previous match.
    if (m.end > lastMatchEnd || m.start === 0) out += literal ? replacement : expand(re, replacement, m);
    lastMatchEnd = m.end;
    const width = searchPos < s.length ? runeWidth(s, searchPos) : 0;
    if (searchPos + width > m.end) searchPos += width;
    else if (searchPos + 1 > m.end) searchPos++;
    else searchPos = m.end;
  }
  return out + s.slice(lastMatchEnd);
}

/** Regexp.Expand: `$1`, `$name`, `${name}`, `$$`; a `$name` takes the longest run of word characters. */
function expand(re: GoRegexp, template: string, m: Match): string {
  let out = '';
  let rest = template;
  for (;;) {
    const i = rest.indexOf('$');
    if (i < 0) break;
    out += rest.slice(0, i);
    rest = rest.slice(i);
    if (rest.startsWith('$$')) {
      out += '$';
      rest = rest.slice(2);
      continue;
    }
    const ref = /^\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/.exec(rest);
    if (ref === null) {
      // Malformed: Go writes the `$` and carries on.
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const name = ref[1] ?? ref[2]!;
    rest = rest.slice(ref[0].length);
    out += groupText(re, m, name);
  }
  return out + rest;
}

function groupText(re: GoRegexp, m: Match, name: string): string {
  if (/^[0-9]+$/.test(name)) {
    const index = Number(name);
    return index < m.groups.length ? (m.groups[index] ?? '') : '';
  }
  const index = re.groupNames.indexOf(name);
  return index > 0 ? (m.groups[index] ?? '') : '';
}

// ---------------------------------------------------------------------------------------------------------
// Translation.

interface Flags {
  readonly foldCase: boolean;
  readonly multiLine: boolean;
  readonly dotNL: boolean;
  readonly nonGreedy: boolean;
}

const NO_FLAGS: Flags = { foldCase: false, multiLine: false, dotNL: false, nonGreedy: false };

type Range = readonly [number, number];

// ASCII classes as Go defines them (Perl `\d \s \w` and the POSIX `[:name:]` classes).
const PERL_CLASSES: Readonly<Record<string, readonly Range[]>> = {
  d: [[0x30, 0x39]],
  s: [
    [0x09, 0x0a],
    [0x0c, 0x0d],
    [0x20, 0x20],
  ],
  w: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
};

const POSIX_CLASSES: Readonly<Record<string, readonly Range[]>> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0x00, 0x7f]],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  cntrl: [
    [0x00, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};

function complement(ranges: readonly Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of ranges) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}

function classChar(cp: number): string {
  return /[0-9A-Za-z]/.test(String.fromCodePoint(cp)) ? String.fromCodePoint(cp) : `\\u{${cp.toString(16)}}`;
}

function rangesText(ranges: readonly Range[]): string {
  return ranges.map(([lo, hi]) => (lo === hi ? classChar(lo) : `${classChar(lo)}-${classChar(hi)}`)).join('');
}

const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/');

function literalText(cp: number): string {
  const ch = String.fromCodePoint(cp);
  if (JS_SYNTAX.has(ch)) return '\\' + ch;
  if (cp < 0x20 || cp === 0x7f || (cp >= 0xd800 && cp <= 0xdfff)) return `\\u{${cp.toString(16)}}`;
  return ch;
}

/** A translated piece of pattern and whether a quantifier can follow it directly in JS. */
interface Atom {
  readonly text: string;
  /** False for assertions (`^`, `\b`, lookarounds) and quantified atoms, which JS needs grouped to repeat. */
  readonly quantifiable: boolean;
}

class Translator {
  private readonly source: string;
  private readonly chars: number[];
  private pos = 0;
  private flags: Flags = NO_FLAGS;
  private depth = 0;
  readonly groupNames: string[] = [''];

  constructor(source: string) {
    this.source = source;
    this.chars = Array.from(source, (c) => c.codePointAt(0)!);
  }

  translate(): string {
    const out = this.parseAlternation();
    if (this.pos < this.chars.length) throw new GoRegexpError('unexpected )', this.source);
    return out;
  }

  private peek(offset = 0): number | undefined {
    return this.chars[this.pos + offset];
  }

  private text(from: number, to = this.pos): string {
    return String.fromCodePoint(...this.chars.slice(from, Math.min(to, this.chars.length)));
  }

  private lookingAt(s: string): boolean {
    return this.text(this.pos, this.pos + s.length) === s;
  }

  private parseAlternation(): string {
    const branches = [this.parseConcat()];
    while (this.peek() === 0x7c) {
      this.pos++;
      branches.push(this.parseConcat());
    }
    return branches.join('|');
  }

  private parseConcat(): string {
    let out = '';
    let last: Atom | undefined;
    let lastRepeat = -1; // where the previous repetition operator started, for Go's nested-repetition error
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === 0x7c || c === 0x29) break;
      const start = this.pos;
      const repeat = c === 0x7b ? this.repeatAhead() : undefined;
      if (c === 0x2a || c === 0x2b || c === 0x3f || repeat !== undefined) {
        this.pos += repeat?.length ?? 1;
        let lazy = false;
        if (this.peek() === 0x3f) {
          this.pos++;
          lazy = true;
        }
        if (repeat !== undefined && !repeat.valid) {
          throw new GoRegexpError('invalid repeat count', this.text(start, start + repeat.length));
        }
        if (lastRepeat >= 0)
          throw new GoRegexpError('invalid nested repetition operator', this.text(lastRepeat));
        if (last === undefined)
          throw new GoRegexpError('missing argument to repetition operator', this.text(start));
        const op = this.text(start, start + (repeat?.length ?? 1));
        const atom = last.quantifiable ? last.text : `(?:${last.text})`;
        last = { text: atom + op + (lazy !== this.flags.nonGreedy ? '?' : ''), quantifiable: false };
        lastRepeat = start;
        continue;
      }
      lastRepeat = -1;
      for (const atom of this.parseAtoms()) {
        if (last !== undefined) out += last.text;
        last = atom;
      }
    }
    if (last !== undefined) out += last.text;
    return out;
  }

  /** `{n}`, `{n,}`, `{n,m}` at the current position, or undefined when the brace is a literal. */
  private repeatAhead(): { valid: boolean; length: number } | undefined {
    // Go reads no leading zeros; anything that is not a well-formed repeat is a literal `{`.
    const m = /^\{(0|[1-9][0-9]*)(,(0|[1-9][0-9]*)?)?\}/.exec(this.text(this.pos, this.chars.length));
    if (m === null) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === undefined ? -1 : Number(m[3]);
    const valid = min <= MAX_REPEAT && max <= MAX_REPEAT && (max < 0 || max >= min);
    return { valid, length: m[0].length };
  }

  private folded(text: string): string {
    return this.flags.foldCase ? `(?i:${text})` : text;
  }

  private literal(cp: number): Atom {
    return { text: this.folded(literalText(cp)), quantifiable: true };
  }

  /** The atoms of the next construct: usually one; none for `(?i)` or an empty `\Q\E`; one per rune of `\Q...\E`. */
  private parseAtoms(): Atom[] {
    const c = this.chars[this.pos]!;
    switch (c) {
      case 0x28: // (
        return this.parseGroup();
      case 0x5b: // [
        return [{ text: this.folded(this.parseClass()), quantifiable: true }];
      case 0x2e: // .
        this.pos++;
        return [{ text: this.flags.dotNL ? '[^]' : '[^\\n]', quantifiable: true }];
      case 0x5e: // ^
        this.pos++;
        return [{ text: this.flags.multiLine ? '(?<![^\\n])' : '^', quantifiable: false }];
      case 0x24: // $
        this.pos++;
        return [{ text: this.flags.multiLine ? '(?![^\\n])' : '$', quantifiable: false }];
      case 0x5c: // backslash
        return this.parseBackslash();
      default:
        this.pos++;
        return [this.literal(c)];
    }
  }

  private parseGroup(): Atom[] {
    const start = this.pos;
    if (++this.depth > 1000) throw new GoRegexpError('expression nests too deeply', this.source);
    const saved = this.flags;
    let capture = true;
    if (this.peek(1) === 0x3f) {
      const named = this.lookingAt('(?P<') ? 4 : this.lookingAt('(?<') ? 3 : 0;
      if (named > 0) {
        const close = this.chars.indexOf(0x3e, this.pos);
        if (close < 0) throw new GoRegexpError('invalid named capture', this.text(start, this.chars.length));
        const name = this.text(this.pos + named, close);
        if (!/^[A-Za-z0-9_]+$/.test(name))
          throw new GoRegexpError('invalid named capture', this.text(start, close + 1));
        this.pos = close + 1;
        this.groupNames.push(name);
      } else if (this.parseFlags(start)) {
        capture = false;
      } else {
        // `(?flags)` changes the flags for the rest of the enclosing group and matches nothing.
        this.depth--;
        return [];
      }
    } else {
      this.pos++;
      this.groupNames.push('');
    }
    const body = this.parseAlternation();
    if (this.peek() !== 0x29) throw new GoRegexpError('missing closing )', this.source);
    this.pos++;
    this.flags = saved;
    this.depth--;
    return [{ text: capture ? `(${body})` : `(?:${body})`, quantifiable: true }];
  }

  /** Parses `(?flags)` (sets the flags, returns false) or `(?flags:` (sets them for the group, returns true). */
  private parseFlags(start: number): boolean {
    this.pos += 2;
    let flags = this.flags;
    let negate = false;
    let sawFlag = false;
    for (;;) {
      const c = this.chars[this.pos++];
      if (c === undefined) break;
      const ch = String.fromCodePoint(c);
      if (ch === 'i' || ch === 'm' || ch === 's' || ch === 'U') {
        const on = !negate;
        if (ch === 'i') flags = { ...flags, foldCase: on };
        else if (ch === 'm') flags = { ...flags, multiLine: on };
        else if (ch === 's') flags = { ...flags, dotNL: on };
        else flags = { ...flags, nonGreedy: on };
        sawFlag = true;
        continue;
      }
      if (ch === '-' && !negate) {
        negate = true;
        sawFlag = false;
        continue;
      }
      if ((ch === ':' || ch === ')') && !(negate && !sawFlag)) {
        this.flags = flags;
        return ch === ':';
      }
      break;
    }
    throw new GoRegexpError('invalid or unsupported Perl syntax', this.text(start));
  }

  private parseBackslash(): Atom[] {
    const c = this.peek(1);
    const ch = c === undefined ? '' : String.fromCodePoint(c);
    switch (ch) {
      case 'A':
        this.pos += 2;
        return [{ text: '^', quantifiable: false }];
      case 'z':
        this.pos += 2;
        return [{ text: '$', quantifiable: false }];
      case 'b':
      case 'B': {
        this.pos += 2;
        // Go's word boundary is ASCII-only; spelled out so that JS's Unicode-aware \b under (?i) cannot differ.
        const w = '[0-9A-Za-z_]';
        const boundary = `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))`;
        const inside = `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w}))`;
        return [{ text: ch === 'b' ? boundary : inside, quantifiable: false }];
      }
      case 'C':
        throw new GoRegexpError('invalid escape sequence', '\\C');
      case 'Q': {
        this.pos += 2;
        let end = this.chars.length;
        for (let i = this.pos; i + 1 < this.chars.length; i++) {
          if (this.chars[i] === 0x5c && this.chars[i + 1] === 0x45) {
            end = i;
            break;
          }
        }
        const literal = this.chars.slice(this.pos, end);
        this.pos = end === this.chars.length ? end : end + 2;
        // Every rune is its own literal, so a following quantifier applies to the last one only.
        return literal.map((cp) => this.literal(cp));
      }
      default: {
        const cls = this.parseClassEscape();
        if (cls !== undefined) return [{ text: this.folded(`[${cls}]`), quantifiable: true }];
        return [this.literal(this.parseEscape())];
      }
    }
  }

  /** `\d \D \s \S \w \W \pX \p{Name} \PX` at pos, as JS class contents; undefined if not a class escape. */
  private parseClassEscape(): string | undefined {
    const c = this.peek(1);
    if (c === undefined) return undefined;
    const ch = String.fromCodePoint(c);
    if ('dswDSW'.includes(ch)) {
      this.pos += 2;
      const perl = PERL_CLASSES[ch.toLowerCase()]!;
      return rangesText(ch === ch.toLowerCase() ? perl : complement(perl));
    }
    if (ch !== 'p' && ch !== 'P') return undefined;
    const start = this.pos;
    this.pos += 2;
    let name: string;
    if (this.peek() === 0x7b) {
      const close = this.chars.indexOf(0x7d, this.pos);
      if (close < 0)
        throw new GoRegexpError('invalid character class range', this.text(start, this.chars.length));
      name = this.text(this.pos + 1, close);
      this.pos = close + 1;
    } else {
      name = this.text(this.pos, this.pos + 1);
      if (this.pos < this.chars.length) this.pos++;
    }
    let negated = ch === 'P';
    if (name.startsWith('^')) {
      negated = !negated;
      name = name.slice(1);
    }
    const property = unicodeProperty(name);
    if (property === undefined) throw new GoRegexpError('invalid character class range', this.text(start));
    return `\\${negated ? 'P' : 'p'}{${property}}`;
  }

  /** A single-rune escape, as Go's parseEscape; pos is at the backslash. */
  private parseEscape(): number {
    const start = this.pos;
    this.pos++;
    const fail = (): never => {
      throw new GoRegexpError('invalid escape sequence', this.text(start));
    };
    const next = (): number | undefined => this.chars[this.pos++];
    const c = next();
    if (c === undefined) throw new GoRegexpError('trailing backslash at end of expression', '');
    const isOctal = (d: number | undefined): boolean => d !== undefined && d >= 0x30 && d <= 0x37;
    if (c === 0x30 || (c >= 0x31 && c <= 0x37 && isOctal(this.peek()))) {
      let r = c - 0x30;
      for (let i = 1; i < 3 && isOctal(this.peek()); i++) r = r * 8 + (next()! - 0x30);
      return r;
    }
    const ch = String.fromCodePoint(c);
    if (ch === 'x') {
      if (this.pos >= this.chars.length) fail();
      const first = next()!;
      if (first === 0x7b) {
        let r = 0;
        let digits = 0;
        for (;;) {
          const d = next();
          if (d === undefined) {
            this.pos = this.chars.length;
            return fail();
          }
          if (d === 0x7d) break;
          const v = hexDigit(d);
          if (v < 0) return fail();
          r = r * 16 + v;
          if (r > 0x10ffff) return fail();
          digits++;
        }
        if (digits === 0) fail();
        return r;
      }
      const second = next();
      if (second === undefined) this.pos = this.chars.length;
      const x = hexDigit(first);
      const y = second === undefined ? -1 : hexDigit(second);
      if (x < 0 || y < 0) fail();
      return x * 16 + y;
    }
    const named: Readonly<Record<string, number>> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
    const simple = named[ch];
    if (simple !== undefined) return simple;
    if (c < 0x80 && !/[0-9A-Za-z]/.test(ch)) return c;
    return fail();
  }

  private parseClass(): string {
    const start = this.pos;
    this.pos++;
    let negated = false;
    if (this.peek() === 0x5e) {
      negated = true;
      this.pos++;
    }
    let items = '';
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw new GoRegexpError('missing closing ]', this.text(start, this.chars.length));
      if (c === 0x5d && !first) break;
      first = false;
      if (c === 0x5b && this.peek(1) === 0x3a) {
        const posix = this.parsePosixClass();
        if (posix !== undefined) {
          items += posix;
          continue;
        }
      }
      if (c === 0x5c) {
        const cls = this.parseClassEscape();
        if (cls !== undefined) {
          items += cls;
          continue;
        }
      }
      const rangeStart = this.pos;
      const lo = this.classRune();
      if (this.peek() === 0x2d && this.peek(1) !== undefined && this.peek(1) !== 0x5d) {
        this.pos++;
        const hi = this.classRune();
        if (hi < lo) throw new GoRegexpError('invalid character class range', this.text(rangeStart));
        items += `${classChar(lo)}-${classChar(hi)}`;
      } else {
        items += classChar(lo);
      }
    }
    this.pos++;
    return `[${negated ? '^' : ''}${items}]`;
  }

  private classRune(): number {
    const c = this.peek();
    if (c === undefined) throw new GoRegexpError('missing closing ]', this.source);
    if (c === 0x5c) return this.parseEscape();
    this.pos++;
    return c;
  }

  /** `[:alpha:]`, `[:^alpha:]`; undefined when no `:]` follows (then `[` is a literal). */
  private parsePosixClass(): string | undefined {
    const rest = this.text(this.pos, this.chars.length);
    const close = rest.indexOf(':]', 2);
    if (close < 0) return undefined;
    const whole = rest.slice(0, close + 2);
    let name = whole.slice(2, -2);
    let negated = false;
    if (name.startsWith('^')) {
      negated = true;
      name = name.slice(1);
    }
    const ranges = POSIX_CLASSES[name];
    if (ranges === undefined) throw new GoRegexpError('invalid character class range', whole);
    this.pos += Array.from(whole).length;
    return rangesText(negated ? complement(ranges) : ranges);
  }
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

const GENERAL_CATEGORIES = new Set(
  'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(
    ' ',
  ),
);

/** The JS name for a Go Unicode class name (category or script), or undefined if Go has no such class. */
function unicodeProperty(name: string): string | undefined {
  if (name === 'Any') return 'Any';
  if (GENERAL_CATEGORIES.has(name)) return name;
  if (!/^[A-Z][A-Za-z_]*$/.test(name)) return undefined;
  try {
    new RegExp(`\\p{Script=${name}}`, 'u');
    return `Script=${name}`;
  } catch {
    return undefined;
  }
}
