// huandu/xstrings v1.5.0 case conversion, for sprig's `snakecase`, `kebabcase` and `camelcase` (which is
// xstrings' ToPascalCase in sprig v3). Words are split the library's way: runs of upper-case letters stay
// one word unless a lower-case letter follows (`HTTPServer` -> `http_server`), digits attach to the word
// before them, punctuation is kept, and spaces, `-` and `_` are connectors.
import { isSpace, toLowerRune, toUpperRune } from './gostrings.ts';

const isUpper = (ch: string): boolean => /^\p{Lu}$/u.test(ch);
const isLetter = (ch: string): boolean => /^\p{L}$/u.test(ch);
const isNumber = (ch: string): boolean => /^\p{N}$/u.test(ch);
const isPunct = (ch: string): boolean => /^\p{P}$/u.test(ch);

function isConnector(ch: string): boolean {
  return ch === '-' || ch === '_' || isSpace(ch.codePointAt(0)!);
}

/** Letters, except CJK ideographs (which the library treats as words of their own). */
function isAlphabet(ch: string): boolean {
  if (!isLetter(ch)) return false;
  const cp = ch.codePointAt(0)!;
  if (cp < 0x3400) return true;
  if ((cp >= 0x4e00 && cp <= 0x9fcc) || (cp >= 0x3400 && cp <= 0x4d85) || (cp >= 0x20000 && cp <= 0x2b81d)) {
    return false;
  }
  return true;
}

/** toCamelCase(str, isBig) from xstrings. */
export function toCamelCase(s: string, isBig: boolean): string {
  const runes = Array.from(s);
  if (runes.length === 0) return '';
  let out = '';
  let i = 0;
  let r0 = '';
  let firstUpper = false;
  for (; i < runes.length; i++) {
    r0 = runes[i]!;
    if (!isConnector(r0)) {
      firstUpper = isUpper(r0);
      r0 = isBig ? toUpperRune(r0) : toLowerRune(r0);
      i++;
      break;
    }
    out += r0;
  }
  // Like the library, a string of connectors only gets its last connector written twice.
  if (i >= runes.length) return out + r0;
  for (; i < runes.length; i++) {
    const r1 = r0;
    r0 = runes[i]!;
    if (isConnector(r0) && isConnector(r1)) {
      out += r1;
      continue;
    }
    if (isConnector(r1)) {
      firstUpper = isUpper(r0);
      r0 = toUpperRune(r0);
    } else {
      if (firstUpper) {
        if (isUpper(r0)) r0 = toLowerRune(r0);
        else firstUpper = false;
      }
      out += r1;
    }
  }
  if (firstUpper && !isBig) r0 = toLowerRune(r0);
  return out + r0;
}

const Word = { Invalid: 0, Number: 1, UpperCase: 2, Alphabet: 3, Connector: 4, Punct: 5, Other: 6 } as const;
type Word = (typeof Word)[keyof typeof Word];

interface NextWord {
  readonly type: Word;
  readonly word: string;
  readonly rest: string[];
}

function nextWord(runes: string[]): NextWord {
  if (runes.length === 0) return { type: Word.Invalid, word: '', rest: [] };
  const first = runes[0]!;
  let n = 1;
  const take = (pred: (ch: string) => boolean): void => {
    while (n < runes.length && pred(runes[n]!)) n++;
  };
  let type: Word;
  if (isConnector(first)) {
    type = Word.Connector;
    take(isConnector);
  } else if (isPunct(first)) {
    type = Word.Punct;
    take(isPunct);
  } else if (isUpper(first)) {
    type = Word.UpperCase;
    const second = runes[1];
    if (second !== undefined && isUpper(second)) {
      take(isUpper);
      // An upper-case run followed by a letter gives its last capital to the next word.
      if (n < runes.length && isAlphabet(runes[n]!)) n--;
    } else if (second !== undefined && isAlphabet(second)) {
      take((ch) => isAlphabet(ch) && !isUpper(ch));
    }
  } else if (isAlphabet(first)) {
    type = Word.Alphabet;
    take((ch) => isAlphabet(ch) && !isUpper(ch));
  } else if (isNumber(first)) {
    type = Word.Number;
    take(isNumber);
  } else {
    type = Word.Other;
    take((ch) => !(isConnector(ch) || isAlphabet(ch) || isNumber(ch) || isPunct(ch)));
  }
  return { type, word: runes.slice(0, n).join(''), rest: runes.slice(n) };
}

function lowerWord(type: Word, word: string, connector: string): string {
  if (type !== Word.UpperCase && type !== Word.Connector) return word;
  let out = '';
  for (const ch of word) out += isConnector(ch) ? connector : isUpper(ch) ? toLowerRune(ch) : ch;
  return out;
}

/** camelCaseToLowerCase(str, connector) from xstrings: snake_case and kebab-case. */
export function toDelimitedCase(s: string, connector: string): string {
  if (s === '') return '';
  let out = '';
  let cur: NextWord = nextWord(Array.from(s));
  const isWordy = (t: Word): boolean => t === Word.Alphabet || t === Word.Number;
  const separates = (t: Word): boolean => t !== Word.Invalid && t !== Word.Punct && t !== Word.Connector;
  while (cur.rest.length > 0) {
    if (cur.type !== Word.Connector) out += lowerWord(cur.type, cur.word, connector);
    const prev = cur;
    cur = nextWord(cur.rest);
    if (prev.type === Word.Number) {
      while (isWordy(cur.type)) {
        out += lowerWord(cur.type, cur.word, connector);
        cur = nextWord(cur.rest);
      }
      if (separates(cur.type)) out += connector;
    } else if (prev.type === Word.Connector) {
      out += lowerWord(prev.type, prev.word, connector);
    } else if (prev.type !== Word.Punct) {
      if (cur.type !== Word.Number) {
        if (cur.type !== Word.Connector && cur.type !== Word.Punct) out += connector;
        continue;
      }
      if (cur.rest.length === 0) continue;
      const digits = cur.word;
      cur = nextWord(cur.rest);
      if (cur.type !== Word.Alphabet) {
        out += lowerWord(Word.Number, digits, connector);
        if (cur.type !== Word.Connector && cur.type !== Word.Punct) out += connector;
        continue;
      }
      out += connector + lowerWord(Word.Number, digits, connector);
      while (isWordy(cur.type)) {
        out += lowerWord(cur.type, cur.word, connector);
        cur = nextWord(cur.rest);
      }
      if (separates(cur.type)) out += connector;
    }
  }
  return out + lowerWord(cur.type, cur.word, connector);
}
