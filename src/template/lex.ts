// The lexer of Go's text/template/parse, as a pull-based state machine: the parser asks for one item at a
// time and the lexer runs states until one is emitted. Positions are UTF-16 offsets into the input; error
// messages convert them to Go's byte columns.
import { isPrint, quote } from './strconv.ts';

export const Item = {
  Error: 0,
  Bool: 1,
  Char: 2, // printable ASCII character; grab bag for comma etc.
  CharConstant: 3,
  Comment: 4,
  Complex: 5,
  Assign: 6, // =
  Declare: 7, // :=
  EOF: 8,
  Field: 9, // .Field
  Identifier: 10,
  LeftDelim: 11,
  LeftParen: 12,
  Number: 13,
  Pipe: 14,
  RawString: 15,
  RightDelim: 16,
  RightParen: 17,
  Space: 18,
  String: 19,
  Text: 20,
  Variable: 21,
  // Keywords come after Keyword.
  Keyword: 22,
  Block: 23,
  Break: 24,
  Continue: 25,
  Dot: 26,
  Define: 27,
  Else: 28,
  End: 29,
  If: 30,
  Nil: 31,
  Range: 32,
  Template: 33,
  With: 34,
} as const;
export type ItemType = (typeof Item)[keyof typeof Item];

const KEYWORDS: ReadonlyMap<string, ItemType> = new Map<string, ItemType>([
  ['.', Item.Dot],
  ['block', Item.Block],
  ['break', Item.Break],
  ['continue', Item.Continue],
  ['define', Item.Define],
  ['else', Item.Else],
  ['end', Item.End],
  ['if', Item.If],
  ['range', Item.Range],
  ['nil', Item.Nil],
  ['template', Item.Template],
  ['with', Item.With],
]);

export interface Token {
  readonly typ: ItemType;
  readonly pos: number;
  readonly val: string;
  readonly line: number;
}

/** How Go's parser prints an item in "unexpected X in Y" messages. */
export function describeToken(token: Token): string {
  if (token.typ === Item.EOF) return 'EOF';
  if (token.typ === Item.Error) return token.val;
  if (token.typ > Item.Keyword) return `<${token.val}>`;
  const chars = Array.from(token.val);
  if (chars.length > 10) return quote(chars.slice(0, 10).join('')) + '...';
  return quote(token.val);
}

/** fmt's %#U: `U+0041 'A'`, or just `U+0001` when not printable. */
export function formatRune(r: number): string {
  const hex = 'U+' + r.toString(16).toUpperCase().padStart(4, '0');
  return isPrint(r) ? `${hex} '${String.fromCodePoint(r)}'` : hex;
}

const EOF = -1;
const SPACE_CHARS = ' \t\r\n';
const TRIM_MARKER = '-';
const TRIM_MARKER_LEN = 2; // marker plus the space before or after it
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';

const LETTER_OR_DIGIT = /^[\p{L}\p{Nd}]$/u;

function isSpace(r: number): boolean {
  return r === 0x20 || r === 0x09 || r === 0x0d || r === 0x0a;
}

function isAlphaNumeric(r: number): boolean {
  if (r === 0x5f) return true;
  if (r < 0x80) return (r >= 0x30 && r <= 0x39) || (r >= 0x41 && r <= 0x5a) || (r >= 0x61 && r <= 0x7a);
  return r !== EOF && LETTER_OR_DIGIT.test(String.fromCodePoint(r));
}

function hasLeftTrimMarker(s: string, at: number): boolean {
  return s.length - at >= 2 && s[at] === TRIM_MARKER && isSpace(s.charCodeAt(at + 1));
}

function hasRightTrimMarker(s: string, at: number): boolean {
  return s.length - at >= 2 && isSpace(s.charCodeAt(at)) && s[at + 1] === TRIM_MARKER;
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf('\n', from); i >= 0 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

function trimRightLength(s: string, from: number, to: number): number {
  let i = to;
  while (i > from && SPACE_CHARS.includes(s[i - 1]!)) i--;
  return to - i;
}

function trimLeftLength(s: string, from: number): number {
  let i = from;
  while (i < s.length && SPACE_CHARS.includes(s[i]!)) i++;
  return i - from;
}

type StateFn = ((l: Lexer) => StateFn) | null;

export interface LexOptions {
  breakOK: boolean;
  continueOK: boolean;
}

export class Lexer {
  readonly input: string;
  readonly leftDelim: string;
  readonly rightDelim: string;
  options: LexOptions = { breakOK: true, continueOK: true };

  private src: string;
  private pos = 0;
  private start = 0;
  private atEOF = false;
  private parenDepth = 0;
  private line = 1;
  private startLine = 1;
  private item: Token = { typ: Item.EOF, pos: 0, val: 'EOF', line: 1 };
  private insideAction = false;

  constructor(input: string, leftDelim: string, rightDelim: string) {
    this.input = input;
    this.src = input;
    this.leftDelim = leftDelim === '' ? '{{' : leftDelim;
    this.rightDelim = rightDelim === '' ? '}}' : rightDelim;
  }

  /** The next item from the input. */
  nextItem(): Token {
    this.item = { typ: Item.EOF, pos: this.pos, val: 'EOF', line: this.startLine };
    let state: StateFn = this.insideAction ? lexInsideAction : lexText;
    while (state !== null) state = state(this);
    return this.item;
  }

  // --- primitives ----------------------------------------------------------------------------------------

  next(): number {
    if (this.pos >= this.src.length) {
      this.atEOF = true;
      return EOF;
    }
    const r = this.src.codePointAt(this.pos)!;
    this.pos += r > 0xffff ? 2 : 1;
    if (r === 0x0a) this.line++;
    return r;
  }

  peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }

  backup(): void {
    if (!this.atEOF && this.pos > 0) {
      const low = this.src.charCodeAt(this.pos - 1);
      const width = low >= 0xdc00 && low <= 0xdfff && this.pos >= 2 ? 2 : 1;
      this.pos -= width;
      if (low === 0x0a) this.line--;
    }
  }

  thisItem(typ: ItemType): Token {
    const item: Token = {
      typ,
      pos: this.start,
      val: this.src.slice(this.start, this.pos),
      line: this.startLine,
    };
    this.start = this.pos;
    this.startLine = this.line;
    return item;
  }

  emit(typ: ItemType): StateFn {
    return this.emitItem(this.thisItem(typ));
  }

  emitItem(item: Token): StateFn {
    this.item = item;
    return null;
  }

  ignore(): void {
    this.line += countNewlines(this.src, this.start, this.pos);
    this.start = this.pos;
    this.startLine = this.line;
  }

  accept(valid: string): boolean {
    const r = this.next();
    if (r !== EOF && valid.includes(String.fromCodePoint(r))) return true;
    this.backup();
    return false;
  }

  acceptRun(valid: string): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || !valid.includes(String.fromCodePoint(r))) break;
    }
    this.backup();
  }

  errorf(message: string): StateFn {
    this.item = { typ: Item.Error, pos: this.start, val: message, line: this.startLine };
    this.start = 0;
    this.pos = 0;
    this.src = '';
    return null;
  }

  atRightDelim(): { delim: boolean; trimSpaces: boolean } {
    if (
      hasRightTrimMarker(this.src, this.pos) &&
      this.src.startsWith(this.rightDelim, this.pos + TRIM_MARKER_LEN)
    ) {
      return { delim: true, trimSpaces: true };
    }
    if (this.src.startsWith(this.rightDelim, this.pos)) return { delim: true, trimSpaces: false };
    return { delim: false, trimSpaces: false };
  }

  atTerminator(): boolean {
    const r = this.peek();
    if (isSpace(r)) return true;
    switch (r) {
      case EOF:
      case 0x2e: // .
      case 0x2c: // ,
      case 0x7c: // |
      case 0x3a: // :
      case 0x29: // )
      case 0x28: // (
        return true;
    }
    return this.src.startsWith(this.rightDelim, this.pos);
  }

  // --- states --------------------------------------------------------------------------------------------

  lexText(): StateFn {
    const x = this.src.indexOf(this.leftDelim, this.pos);
    if (x >= 0) {
      if (x > this.pos) {
        this.pos = x;
        let trimLength = 0;
        const delimEnd = this.pos + this.leftDelim.length;
        if (hasLeftTrimMarker(this.src, delimEnd))
          trimLength = trimRightLength(this.src, this.start, this.pos);
        this.pos -= trimLength;
        this.line += countNewlines(this.src, this.start, this.pos);
        const item = this.thisItem(Item.Text);
        this.pos += trimLength;
        this.ignore();
        if (item.val.length > 0) return this.emitItem(item);
      }
      return lexLeftDelim;
    }
    this.pos = this.src.length;
    if (this.pos > this.start) {
      this.line += countNewlines(this.src, this.start, this.pos);
      return this.emit(Item.Text);
    }
    return this.emit(Item.EOF);
  }

  lexLeftDelim(): StateFn {
    this.pos += this.leftDelim.length;
    const trimSpace = hasLeftTrimMarker(this.src, this.pos);
    const afterMarker = trimSpace ? TRIM_MARKER_LEN : 0;
    if (this.src.startsWith(LEFT_COMMENT, this.pos + afterMarker)) {
      this.pos += afterMarker;
      this.ignore();
      return lexComment;
    }
    const item = this.thisItem(Item.LeftDelim);
    this.insideAction = true;
    this.pos += afterMarker;
    this.ignore();
    this.parenDepth = 0;
    return this.emitItem(item);
  }

  lexComment(): StateFn {
    this.pos += LEFT_COMMENT.length;
    const x = this.src.indexOf(RIGHT_COMMENT, this.pos);
    if (x < 0) return this.errorf('unclosed comment');
    this.pos = x + RIGHT_COMMENT.length;
    const { delim, trimSpaces } = this.atRightDelim();
    if (!delim) return this.errorf('comment ends before closing delimiter');
    this.line += countNewlines(this.src, this.start, this.pos);
    // Comments are not emitted (Go's ParseComments mode is off by default).
    if (trimSpaces) this.pos += TRIM_MARKER_LEN;
    this.pos += this.rightDelim.length;
    if (trimSpaces) this.pos += trimLeftLength(this.src, this.pos);
    this.ignore();
    return lexText;
  }

  lexRightDelim(): StateFn {
    const { trimSpaces } = this.atRightDelim();
    if (trimSpaces) {
      this.pos += TRIM_MARKER_LEN;
      this.ignore();
    }
    this.pos += this.rightDelim.length;
    const item = this.thisItem(Item.RightDelim);
    if (trimSpaces) {
      this.pos += trimLeftLength(this.src, this.pos);
      this.ignore();
    }
    this.insideAction = false;
    return this.emitItem(item);
  }

  lexInsideAction(): StateFn {
    const { delim } = this.atRightDelim();
    if (delim) {
      if (this.parenDepth === 0) return lexRightDelim;
      return this.errorf('unclosed left paren');
    }
    const r = this.next();
    if (r === EOF) return this.errorf('unclosed action');
    if (isSpace(r)) {
      this.backup(); // Put the space back in case we have " -}}".
      return lexSpace;
    }
    switch (r) {
      case 0x3d: // =
        return this.emit(Item.Assign);
      case 0x3a: // :
        if (this.next() !== 0x3d) return this.errorf('expected :=');
        return this.emit(Item.Declare);
      case 0x7c: // |
        return this.emit(Item.Pipe);
      case 0x22: // "
        return lexQuote;
      case 0x60: // `
        return lexRawQuote;
      case 0x24: // $
        return lexVariable;
      case 0x27: // '
        return lexChar;
      case 0x28: // (
        this.parenDepth++;
        return this.emit(Item.LeftParen);
      case 0x29: // )
        this.parenDepth--;
        if (this.parenDepth < 0) return this.errorf('unexpected right paren');
        return this.emit(Item.RightParen);
    }
    if (r === 0x2e) {
      // A '.' followed by a non-digit starts a field; otherwise it starts a number.
      if (this.pos < this.src.length) {
        const c = this.src.charCodeAt(this.pos);
        if (c < 0x30 || c > 0x39) return lexField;
      }
      this.backup();
      return lexNumber;
    }
    if (r === 0x2b || r === 0x2d || (r >= 0x30 && r <= 0x39)) {
      this.backup();
      return lexNumber;
    }
    if (isAlphaNumeric(r)) {
      this.backup();
      return lexIdentifier;
    }
    if (r <= 0x7f && isPrint(r)) return this.emit(Item.Char);
    return this.errorf(`unrecognized character in action: ${formatRune(r)}`);
  }

  lexSpace(): StateFn {
    let numSpaces = 0;
    for (;;) {
      const r = this.peek();
      if (!isSpace(r)) break;
      this.next();
      numSpaces++;
    }
    // Be careful about a trim-marked closing delimiter, which starts with a space.
    if (
      hasRightTrimMarker(this.src, this.pos - 1) &&
      this.src.startsWith(this.rightDelim, this.pos - 1 + TRIM_MARKER_LEN)
    ) {
      this.backup();
      if (numSpaces === 1) return lexRightDelim;
    }
    return this.emit(Item.Space);
  }

  lexIdentifier(): StateFn {
    for (;;) {
      const r = this.next();
      if (isAlphaNumeric(r)) continue;
      this.backup();
      const word = this.src.slice(this.start, this.pos);
      if (!this.atTerminator()) return this.errorf(`bad character ${formatRune(r)}`);
      const keyword = KEYWORDS.get(word);
      if (keyword !== undefined) {
        if (
          (keyword === Item.Break && !this.options.breakOK) ||
          (keyword === Item.Continue && !this.options.continueOK)
        ) {
          return this.emit(Item.Identifier);
        }
        return this.emit(keyword);
      }
      if (word[0] === '.') return this.emit(Item.Field);
      if (word === 'true' || word === 'false') return this.emit(Item.Bool);
      return this.emit(Item.Identifier);
    }
  }

  lexFieldOrVariable(typ: ItemType): StateFn {
    if (this.atTerminator()) {
      // Nothing interesting follows: "." or "$".
      return this.emit(typ === Item.Variable ? Item.Variable : Item.Dot);
    }
    let r: number;
    for (;;) {
      r = this.next();
      if (!isAlphaNumeric(r)) {
        this.backup();
        break;
      }
    }
    if (!this.atTerminator()) return this.errorf(`bad character ${formatRune(r)}`);
    return this.emit(typ);
  }

  lexVariable(): StateFn {
    if (this.atTerminator()) return this.emit(Item.Variable);
    return this.lexFieldOrVariable(Item.Variable);
  }

  lexChar(): StateFn {
    for (;;) {
      let r = this.next();
      if (r === 0x5c) {
        r = this.next();
        if (r !== EOF && r !== 0x0a) continue;
        return this.errorf('unterminated character constant');
      }
      if (r === EOF || r === 0x0a) return this.errorf('unterminated character constant');
      if (r === 0x27) break;
    }
    return this.emit(Item.CharConstant);
  }

  lexNumber(): StateFn {
    if (!this.scanNumber())
      return this.errorf(`bad number syntax: ${quote(this.src.slice(this.start, this.pos))}`);
    const sign = this.peek();
    if (sign === 0x2b || sign === 0x2d) {
      // Complex: 1+2i. No spaces, must end in 'i'.
      if (!this.scanNumber() || this.src[this.pos - 1] !== 'i') {
        return this.errorf(`bad number syntax: ${quote(this.src.slice(this.start, this.pos))}`);
      }
      return this.emit(Item.Complex);
    }
    return this.emit(Item.Number);
  }

  scanNumber(): boolean {
    this.accept('+-');
    let digits = '0123456789_';
    if (this.accept('0')) {
      if (this.accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (this.accept('oO')) digits = '01234567_';
      else if (this.accept('bB')) digits = '01_';
    }
    this.acceptRun(digits);
    if (this.accept('.')) this.acceptRun(digits);
    if (digits.length === 10 + 1 && this.accept('eE')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    if (digits.length === 16 + 6 + 1 && this.accept('pP')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    this.accept('i');
    if (isAlphaNumeric(this.peek())) {
      this.next();
      return false;
    }
    return true;
  }

  lexQuote(): StateFn {
    for (;;) {
      let r = this.next();
      if (r === 0x5c) {
        r = this.next();
        if (r !== EOF && r !== 0x0a) continue;
        return this.errorf('unterminated quoted string');
      }
      if (r === EOF || r === 0x0a) return this.errorf('unterminated quoted string');
      if (r === 0x22) break;
    }
    return this.emit(Item.String);
  }

  lexRawQuote(): StateFn {
    for (;;) {
      const r = this.next();
      if (r === EOF) return this.errorf('unterminated raw quoted string');
      if (r === 0x60) break;
    }
    return this.emit(Item.RawString);
  }
}

const lexText = (l: Lexer): StateFn => l.lexText();
const lexLeftDelim = (l: Lexer): StateFn => l.lexLeftDelim();
const lexComment = (l: Lexer): StateFn => l.lexComment();
const lexRightDelim = (l: Lexer): StateFn => l.lexRightDelim();
const lexInsideAction = (l: Lexer): StateFn => l.lexInsideAction();
const lexSpace = (l: Lexer): StateFn => l.lexSpace();
const lexIdentifier = (l: Lexer): StateFn => l.lexIdentifier();
const lexField = (l: Lexer): StateFn => l.lexFieldOrVariable(Item.Field);
const lexVariable = (l: Lexer): StateFn => l.lexVariable();
const lexChar = (l: Lexer): StateFn => l.lexChar();
const lexNumber = (l: Lexer): StateFn => l.lexNumber();
const lexQuote = (l: Lexer): StateFn => l.lexQuote();
const lexRawQuote = (l: Lexer): StateFn => l.lexRawQuote();
