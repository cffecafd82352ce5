// Go's fmt printing (Sprint, Sprintln, Sprintf) over the value model of values.ts.
//
// The structure follows fmt's printer: printArg handles the top-level operand, printValue walks composite
// values, handleMethods gives Error/String methods precedence, and the flag/width/precision state lives on
// the printer while one verb is formatted. Output matches Go's for the kinds this engine models, including
// the error forms `%!d(string=x)`, `%!v(MISSING)`, `%!(EXTRA ...)`, `%!(BADWIDTH)` and `%!(NOVERB)`.
import {
  canBackquote,
  formatFloat,
  isPrint,
  isValidRune,
  quote,
  quoteRune,
  quoteToASCII,
} from './strconv.ts';
import {
  GoComplex,
  GoNamed,
  Kind,
  goTypeName,
  isNilPointer,
  kindOf,
  lookupMethod,
  sortedKeys,
  structFields,
} from './values.ts';

const NONE: unique symbol = Symbol('none');

/** Stands in for the address of a non-nil pointer, which JS values do not have. */
const FAKE_ADDRESS = 0xc000010000n;

function runeCount(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      n--;
      i++;
    }
  }
  return n;
}

const encoder = new TextEncoder();

class Printer {
  buf = '';
  // Flags of the verb being formatted.
  widPresent = false;
  precPresent = false;
  minus = false;
  plus = false;
  sharp = false;
  space = false;
  zero = false;
  plusV = false;
  sharpV = false;
  wid = 0;
  prec = 0;

  /** The operand being printed by printArg, or NONE while printValue walks inside a value. */
  arg: unknown = NONE;
  /** The value being printed by printValue, or NONE. */
  value: unknown = NONE;
  erroring = false;
  panicking = false;
  reordered = false;
  goodArgNum = true;

  clearFlags(): void {
    this.widPresent = false;
    this.precPresent = false;
    this.minus = false;
    this.plus = false;
    this.sharp = false;
    this.space = false;
    this.zero = false;
    this.plusV = false;
    this.sharpV = false;
    this.wid = 0;
    this.prec = 0;
  }

  // --- padding -------------------------------------------------------------------------------------------

  writePadding(n: number): void {
    if (n <= 0) return;
    this.buf += (this.zero && !this.minus ? '0' : ' ').repeat(n);
  }

  pad(s: string): void {
    if (!this.widPresent || this.wid === 0) {
      this.buf += s;
      return;
    }
    const width = this.wid - runeCount(s);
    if (!this.minus) {
      this.writePadding(width);
      this.buf += s;
    } else {
      this.buf += s;
      this.writePadding(width);
    }
  }

  // --- scalar formatting ---------------------------------------------------------------------------------

  fmtBoolean(v: boolean): void {
    this.pad(v ? 'true' : 'false');
  }

  fmtUnicode(value: bigint): void {
    const u = BigInt.asUintN(64, value);
    let prec = 4;
    if (this.precPresent && this.prec > 4) prec = this.prec;
    let digits = u.toString(16).toUpperCase();
    if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
    let out = 'U+' + digits;
    if (this.sharp && u <= 0x10ffffn && isPrint(Number(u)))
      out += " '" + String.fromCodePoint(Number(u)) + "'";
    const oldZero = this.zero;
    this.zero = false;
    this.pad(out);
    this.zero = oldZero;
  }

  fmtInteger(value: bigint, base: number, signed: boolean, verb: string, upper: boolean): void {
    let u = value;
    const negative = signed && u < 0n;
    if (negative) u = -u;
    if (!signed && u < 0n) u = BigInt.asUintN(64, u);
    let prec = 0;
    if (this.precPresent) {
      prec = this.prec;
      if (prec === 0 && u === 0n) {
        const oldZero = this.zero;
        this.zero = false;
        this.writePadding(this.wid);
        this.zero = oldZero;
        return;
      }
    } else if (this.zero && !this.minus && this.widPresent) {
      prec = this.wid;
      if (negative || this.plus || this.space) prec--;
    }
    let digits = u.toString(base);
    if (upper) digits = digits.toUpperCase();
    if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
    if (this.sharp) {
      if (base === 2) digits = '0b' + digits;
      else if (base === 8) {
        if (digits[0] !== '0') digits = '0' + digits;
      } else if (base === 16) digits = (upper ? '0X' : '0x') + digits;
    }
    if (verb === 'O') digits = '0o' + digits;
    if (negative) digits = '-' + digits;
    else if (this.plus) digits = '+' + digits;
    else if (this.space) digits = ' ' + digits;
    const oldZero = this.zero;
    this.zero = false;
    this.pad(digits);
    this.zero = oldZero;
  }

  fmt0x64(v: bigint, leading0x: boolean): void {
    const sharp = this.sharp;
    this.sharp = leading0x;
    this.fmtInteger(v, 16, false, 'v', false);
    this.sharp = sharp;
  }

  truncateString(s: string): string {
    if (!this.precPresent) return s;
    let n = this.prec;
    let i = 0;
    for (const ch of s) {
      n--;
      if (n < 0) return s.slice(0, i);
      i += ch.length;
    }
    return s;
  }

  fmtS(s: string): void {
    this.pad(this.truncateString(s));
  }

  fmtSx(s: string, upper: boolean): void {
    const bytes = encoder.encode(s);
    const digits = upper ? '0123456789ABCDEF' : '0123456789abcdef';
    let length = bytes.length;
    if (this.precPresent && this.prec < length) length = this.prec;
    let width = 2 * length;
    if (width > 0) {
      if (this.space) {
        if (this.sharp) width *= 2;
        width += length - 1;
      } else if (this.sharp) {
        width += 2;
      }
    } else {
      if (this.widPresent) this.writePadding(this.wid);
      return;
    }
    if (this.widPresent && this.wid > width && !this.minus) this.writePadding(this.wid - width);
    const prefix = upper ? '0X' : '0x';
    let out = this.sharp ? prefix : '';
    for (let i = 0; i < length; i++) {
      if (this.space && i > 0) {
        out += ' ';
        if (this.sharp) out += prefix;
      }
      const c = bytes[i]!;
      out += digits[c >> 4]! + digits[c & 0xf]!;
    }
    this.buf += out;
    if (this.widPresent && this.wid > width && this.minus) this.writePadding(this.wid - width);
  }

  fmtQ(s: string): void {
    const t = this.truncateString(s);
    if (this.sharp && canBackquote(t)) {
      this.pad('`' + t + '`');
      return;
    }
    this.pad(this.plus ? quoteToASCII(t) : quote(t));
  }

  fmtC(c: bigint): void {
    const r = c < 0n || c > 0x10ffffn || !isValidRune(Number(c)) ? 0xfffd : Number(c);
    this.pad(String.fromCodePoint(r));
  }

  fmtQc(c: bigint): void {
    const r = c < 0n || c > 0x10ffffn ? 0xfffd : Number(c);
    this.pad(quoteRune(r, this.plus));
  }

  fmtFloatNum(v: number, verb: string, precIn: number): void {
    const prec = this.precPresent ? this.prec : precIn;
    const s = formatFloat(v, verb, prec);
    let num = s[0] === '-' || s[0] === '+' ? s : '+' + s;
    if (this.space && num[0] === '+' && !this.plus) num = ' ' + num.slice(1);
    if (num[1] === 'I' || num[1] === 'N') {
      const oldZero = this.zero;
      this.zero = false;
      if (num[1] === 'N' && !this.space && !this.plus) num = num.slice(1);
      this.pad(num);
      this.zero = oldZero;
      return;
    }
    if (this.sharp && verb !== 'b') {
      let digits = 0;
      if (verb === 'v' || verb === 'g' || verb === 'G' || verb === 'x') {
        digits = prec;
        if (digits === -1) digits = 6;
      }
      let tail = '';
      let hasDecimalPoint = false;
      let sawNonzeroDigit = false;
      for (let i = 1; i < num.length; i++) {
        const c = num[i]!;
        if (c === '.') {
          hasDecimalPoint = true;
        } else if (c === 'p' || c === 'P') {
          tail = num.slice(i);
          num = num.slice(0, i);
        } else if ((c === 'e' || c === 'E') && verb !== 'x' && verb !== 'X') {
          tail = num.slice(i);
          num = num.slice(0, i);
        } else {
          if (c !== '0') sawNonzeroDigit = true;
          if (sawNonzeroDigit) digits--;
        }
      }
      if (!hasDecimalPoint) {
        if (num.length === 2 && num[1] === '0') digits--;
        num += '.';
      }
      while (digits > 0) {
        num += '0';
        digits--;
      }
      num += tail;
    }
    if (this.plus || num[0] !== '+') {
      if (this.zero && !this.minus && this.widPresent && this.wid > num.length) {
        this.buf += num[0]!;
        this.writePadding(this.wid - num.length);
        this.buf += num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  // --- per-kind dispatch (pp.fmtBool, fmtInteger, ...) --------------------------------------------------

  printBool(v: boolean, verb: string): void {
    if (verb === 't' || verb === 'v') this.fmtBoolean(v);
    else this.badVerb(verb);
  }

  printInteger(v: bigint, signed: boolean, verb: string): void {
    switch (verb) {
      case 'v':
        if (this.sharpV && !signed) this.fmt0x64(v, true);
        else this.fmtInteger(v, 10, signed, verb, false);
        return;
      case 'd':
        this.fmtInteger(v, 10, signed, verb, false);
        return;
      case 'b':
        this.fmtInteger(v, 2, signed, verb, false);
        return;
      case 'o':
      case 'O':
        this.fmtInteger(v, 8, signed, verb, false);
        return;
      case 'x':
        this.fmtInteger(v, 16, signed, verb, false);
        return;
      case 'X':
        this.fmtInteger(v, 16, signed, verb, true);
        return;
      case 'c':
        this.fmtC(v);
        return;
      case 'q':
        this.fmtQc(v);
        return;
      case 'U':
        this.fmtUnicode(v);
        return;
      default:
        this.badVerb(verb);
    }
  }

  printFloat(v: number, verb: string): void {
    switch (verb) {
      case 'v':
        this.fmtFloatNum(v, 'g', -1);
        return;
      case 'b':
      case 'g':
      case 'G':
      case 'x':
      case 'X':
        this.fmtFloatNum(v, verb, -1);
        return;
      case 'f':
      case 'e':
      case 'E':
        this.fmtFloatNum(v, verb, 6);
        return;
      case 'F':
        this.fmtFloatNum(v, 'f', 6);
        return;
      default:
        this.badVerb(verb);
    }
  }

  printComplex(v: GoComplex, verb: string): void {
    switch (verb) {
      case 'v':
      case 'b':
      case 'g':
      case 'G':
      case 'x':
      case 'X':
      case 'f':
      case 'F':
      case 'e':
      case 'E': {
        const oldPlus = this.plus;
        this.buf += '(';
        this.printFloat(v.re, verb);
        this.plus = true;
        this.printFloat(v.im, verb);
        this.buf += 'i)';
        this.plus = oldPlus;
        return;
      }
      default:
        this.badVerb(verb);
    }
  }

  printString(v: string, verb: string): void {
    switch (verb) {
      case 'v':
        if (this.sharpV) this.fmtQ(v);
        else this.fmtS(v);
        return;
      case 's':
        this.fmtS(v);
        return;
      case 'x':
        this.fmtSx(v, false);
        return;
      case 'X':
        this.fmtSx(v, true);
        return;
      case 'q':
        this.fmtQ(v);
        return;
      default:
        this.badVerb(verb);
    }
  }

  printPointer(value: unknown, verb: string): void {
    const kind = kindOf(value);
    if (kind !== Kind.Pointer && kind !== Kind.Func && kind !== Kind.Map && kind !== Kind.Slice) {
      this.badVerb(verb);
      return;
    }
    const u = isNilPointer(value) ? 0n : FAKE_ADDRESS;
    switch (verb) {
      case 'v':
        if (this.sharpV) {
          this.buf += '(' + goTypeName(value) + ')(';
          if (u === 0n) this.buf += 'nil';
          else this.fmt0x64(u, true);
          this.buf += ')';
        } else if (u === 0n) {
          this.pad('<nil>');
        } else {
          this.fmt0x64(u, !this.sharp);
        }
        return;
      case 'p':
        this.fmt0x64(u, !this.sharp);
        return;
      case 'b':
      case 'o':
      case 'd':
      case 'x':
      case 'X':
        this.printInteger(u, false, verb);
        return;
      default:
        this.badVerb(verb);
    }
  }

  badVerb(verb: string): void {
    this.erroring = true;
    this.buf += '%!' + verb + '(';
    if (this.arg !== NONE && this.arg !== null && this.arg !== undefined) {
      const arg = this.arg;
      this.buf += goTypeName(arg) + '=';
      this.printArg(arg, 'v');
    } else if (this.value !== NONE && this.value !== undefined) {
      const value = this.value;
      this.buf += goTypeName(value) + '=';
      this.printValue(value, 'v', 0);
    } else {
      this.buf += '<nil>';
    }
    this.buf += ')';
    this.erroring = false;
  }

  // --- methods -------------------------------------------------------------------------------------------

  /** Calls an Error/String/GoString method the way fmt does, catching a panic (a throw) from it. */
  callPrintMethod(receiver: object, method: (...args: never[]) => unknown, name: string, verb: string): void {
    let result: unknown;
    try {
      result = method.call(receiver);
    } catch (err) {
      if (isNilPointer(receiver)) {
        this.buf += '<nil>';
        return;
      }
      if (this.panicking) throw err;
      const saved = this.saveFlags();
      this.clearFlags();
      this.buf += '%!' + verb + '(PANIC=' + name + ' method: ';
      this.panicking = true;
      this.printArg(err instanceof Error ? err.message : err, 'v');
      this.panicking = false;
      this.buf += ')';
      this.restoreFlags(saved);
      return;
    }
    const text = typeof result === 'string' ? result : goSprint(result);
    if (name === 'GoString') this.fmtS(text);
    else this.printString(text, verb);
  }

  saveFlags(): unknown[] {
    return [
      this.widPresent,
      this.precPresent,
      this.minus,
      this.plus,
      this.sharp,
      this.space,
      this.zero,
      this.plusV,
      this.sharpV,
      this.wid,
      this.prec,
    ];
  }

  restoreFlags(saved: unknown[]): void {
    [
      this.widPresent,
      this.precPresent,
      this.minus,
      this.plus,
      this.sharp,
      this.space,
      this.zero,
      this.plusV,
      this.sharpV,
      this.wid,
      this.prec,
    ] = saved as [
      boolean,
      boolean,
      boolean,
      boolean,
      boolean,
      boolean,
      boolean,
      boolean,
      boolean,
      number,
      number,
    ];
  }

  handleMethods(verb: string): boolean {
    if (this.erroring) return false;
    const arg = this.arg;
    if (verb === 'w') {
      // Sprintf never wraps errors.
      this.badVerb(verb);
      return true;
    }
    if (typeof arg !== 'object' || arg === null) return false;
    if (this.sharpV) {
      const goString = lookupMethod(arg, 'GoString');
      if (goString === undefined) return false;
      this.callPrintMethod(arg, goString, 'GoString', verb);
      return true;
    }
    if (verb !== 'v' && verb !== 's' && verb !== 'x' && verb !== 'X' && verb !== 'q') return false;
    const errorMethod = lookupMethod(arg, 'Error');
    if (errorMethod !== undefined) {
      this.callPrintMethod(arg, errorMethod, 'Error', verb);
      return true;
    }
    const stringMethod = lookupMethod(arg, 'String');
    if (stringMethod !== undefined) {
      this.callPrintMethod(arg, stringMethod, 'String', verb);
      return true;
    }
    return false;
  }

  // --- operands ------------------------------------------------------------------------------------------

  printArg(arg: unknown, verb: string): void {
    this.arg = arg;
    this.value = NONE;
    if (arg === null || arg === undefined) {
      if (verb === 'T' || verb === 'v') this.pad('<nil>');
      else this.badVerb(verb);
      return;
    }
    if (verb === 'T') {
      this.fmtS(goTypeName(arg));
      return;
    }
    if (verb === 'p') {
      this.printPointer(arg, 'p');
      return;
    }
    switch (typeof arg) {
      case 'boolean':
        this.printBool(arg, verb);
        return;
      case 'number':
        this.printFloat(arg, verb);
        return;
      case 'bigint':
        this.printInteger(arg, true, verb);
        return;
      case 'string':
        this.printString(arg, verb);
        return;
      default:
        if (arg instanceof GoComplex) {
          this.printComplex(arg, verb);
          return;
        }
        if (!this.handleMethods(verb)) this.printValue(arg, verb, 0);
    }
  }

  printValue(value: unknown, verb: string, depth: number): void {
    if (depth > 0 && value !== undefined && value !== null) {
      this.arg = value;
      if (this.handleMethods(verb)) return;
    }
    this.arg = NONE;
    this.value = value;
    const v = value instanceof GoNamed ? value.value : value;
    switch (kindOf(v)) {
      case Kind.Invalid:
        if (depth === 0) this.buf += '<invalid reflect.Value>';
        else if (verb === 'v') this.buf += '<nil>';
        else this.badVerb(verb);
        return;
      case Kind.Nil:
        this.buf += this.sharpV ? 'interface {}(nil)' : '<nil>';
        return;
      case Kind.Bool:
        this.printBool(v as boolean, verb);
        return;
      case Kind.Int:
        this.printInteger(v as bigint, true, verb);
        return;
      case Kind.Float:
        this.printFloat(v as number, verb);
        return;
      case Kind.Complex:
        this.printComplex(v as GoComplex, verb);
        return;
      case Kind.String:
        this.printString(v as string, verb);
        return;
      case Kind.Map:
        this.printMap(v as Record<string, unknown>, verb, depth);
        return;
      case Kind.Struct:
        this.printStruct(v as object, verb, depth);
        return;
      case Kind.Slice:
        this.printSlice(v as unknown[], verb, depth);
        return;
      case Kind.Pointer:
        if (depth === 0 && !isNilPointer(v)) {
          this.buf += '&';
          this.printStruct(v as object, verb, depth + 1);
          return;
        }
        this.printPointer(v, verb);
        return;
      case Kind.Func:
        this.printPointer(v, verb);
        return;
      default:
        this.buf += '?' + goTypeName(v) + '?';
    }
  }

  printMap(map: Record<string, unknown>, verb: string, depth: number): void {
    if (this.sharpV) this.buf += goTypeName(map) + '{';
    else this.buf += 'map[';
    const keys = sortedKeys(map);
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) this.buf += this.sharpV ? ', ' : ' ';
      const key = keys[i]!;
      this.printValue(key, verb, depth + 1);
      this.buf += ':';
      this.printValue(map[key], verb, depth + 1);
    }
    this.buf += this.sharpV ? '}' : ']';
  }

  printStruct(struct: object, verb: string, depth: number): void {
    if (this.sharpV) this.buf += goTypeName(struct).replace(/^\*/, '');
    this.buf += '{';
    const fields = structFields(struct);
    for (let i = 0; i < fields.length; i++) {
      if (i > 0) this.buf += this.sharpV ? ', ' : ' ';
      const [name, value] = fields[i]!;
      if (this.plusV || this.sharpV) this.buf += name + ':';
      this.printValue(value, verb, depth + 1);
    }
    this.buf += '}';
  }

  printSlice(slice: unknown[], verb: string, depth: number): void {
    if (this.sharpV) {
      this.buf += goTypeName(slice) + '{';
      for (let i = 0; i < slice.length; i++) {
        if (i > 0) this.buf += ', ';
        this.printValue(slice[i] ?? null, verb, depth + 1);
      }
      this.buf += '}';
      return;
    }
    this.buf += '[';
    for (let i = 0; i < slice.length; i++) {
      if (i > 0) this.buf += ' ';
      this.printValue(slice[i] ?? null, verb, depth + 1);
    }
    this.buf += ']';
  }

  // --- Sprint / Sprintln / Sprintf -----------------------------------------------------------------------

  doPrint(args: readonly unknown[]): void {
    let prevString = false;
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      const isString = arg !== null && arg !== undefined && kindOf(arg) === Kind.String;
      if (i > 0 && !isString && !prevString) this.buf += ' ';
      this.printArg(arg, 'v');
      prevString = isString;
    }
  }

  doPrintln(args: readonly unknown[]): void {
    for (let i = 0; i < args.length; i++) {
      if (i > 0) this.buf += ' ';
      this.printArg(args[i], 'v');
    }
    this.buf += '\n';
  }

  resetReordered(): void {
    this.reordered = false;
  }

  argNumber(argNum: number, format: string, i: number, numArgs: number): [number, number, boolean] {
    if (format.length <= i || format[i] !== '[') return [argNum, i, false];
    this.reordered = true;
    const [index, wid, ok] = parseArgNumber(format.slice(i));
    if (ok && index >= 0 && index < numArgs) return [index, i + wid, true];
    this.goodArgNum = false;
    return [argNum, i + wid, ok];
  }

  doPrintf(format: string, args: readonly unknown[]): void {
    const end = format.length;
    let argNum = 0;
    this.resetReordered();
    formatLoop: for (let i = 0; i < end;) {
      this.goodArgNum = true;
      const lasti = i;
      while (i < end && format[i] !== '%') i++;
      if (i > lasti) this.buf += format.slice(lasti, i);
      if (i >= end) break;
      i++; // skip %
      this.clearFlags();
      simpleFormat: for (; i < end; i++) {
        const c = format[i]!;
        switch (c) {
          case '#':
            this.sharp = true;
            break;
          case '0':
            this.zero = true;
            break;
          case '+':
            this.plus = true;
            break;
          case '-':
            this.minus = true;
            break;
          case ' ':
            this.space = true;
            break;
          default:
            // Fast path for a lower-case verb without width, precision or argument index.
            if (c >= 'a' && c <= 'z' && argNum < args.length) {
              if (c === 'v' || c === 'w') {
                this.sharpV = this.sharp;
                this.sharp = false;
                this.plusV = this.plus;
                this.plus = false;
              }
              this.printArg(args[argNum], c);
              argNum++;
              i++;
              continue formatLoop;
            }
            break simpleFormat;
        }
      }
      let afterIndex: boolean;
      [argNum, i, afterIndex] = this.argNumber(argNum, format, i, args.length);
      if (i < end && format[i] === '*') {
        i++;
        [this.wid, this.widPresent, argNum] = intFromArg(args, argNum);
        if (!this.widPresent) this.buf += '%!(BADWIDTH)';
        if (this.wid < 0) {
          this.wid = -this.wid;
          this.minus = true;
          this.zero = false;
        }
        afterIndex = false;
      } else {
        [this.wid, this.widPresent, i] = parseNum(format, i, end);
        if (afterIndex && this.widPresent) this.goodArgNum = false;
      }
      if (i + 1 < end && format[i] === '.') {
        i++;
        if (afterIndex) this.goodArgNum = false;
        [argNum, i, afterIndex] = this.argNumber(argNum, format, i, args.length);
        if (i < end && format[i] === '*') {
          i++;
          [this.prec, this.precPresent, argNum] = intFromArg(args, argNum);
          if (this.prec < 0) {
            this.prec = 0;
            this.precPresent = false;
          }
          if (!this.precPresent) this.buf += '%!(BADPREC)';
          afterIndex = false;
        } else {
          [this.prec, this.precPresent, i] = parseNum(format, i, end);
          if (!this.precPresent) {
            this.prec = 0;
            this.precPresent = true;
          }
        }
      }
      if (!afterIndex) [argNum, i] = this.argNumber(argNum, format, i, args.length);
      if (i >= end) {
        this.buf += '%!(NOVERB)';
        break;
      }
      const cp = format.codePointAt(i)!;
      const verb = String.fromCodePoint(cp);
      i += verb.length;
      if (verb === '%') {
        this.buf += '%';
      } else if (!this.goodArgNum) {
        this.buf += '%!' + verb + '(BADINDEX)';
      } else if (argNum >= args.length) {
        this.buf += '%!' + verb + '(MISSING)';
      } else {
        if (verb === 'v' || verb === 'w') {
          this.sharpV = this.sharp;
          this.sharp = false;
          this.plusV = this.plus;
          this.plus = false;
        }
        this.printArg(args[argNum], verb);
        argNum++;
      }
    }
    if (!this.reordered && argNum < args.length) {
      this.clearFlags();
      this.buf += '%!(EXTRA ';
      for (let i = argNum; i < args.length; i++) {
        if (i > argNum) this.buf += ', ';
        const arg = args[i];
        if (arg === null || arg === undefined) {
          this.buf += '<nil>';
        } else {
          this.buf += goTypeName(arg) + '=';
          this.printArg(arg, 'v');
        }
      }
      this.buf += ')';
    }
  }
}

function tooLarge(x: number): boolean {
  return x > 1e6 || x < -1e6;
}

function parseNum(s: string, start: number, end: number): [number, boolean, number] {
  if (start >= end) return [0, false, end];
  let num = 0;
  let isnum = false;
  let i = start;
  for (; i < end && s[i]! >= '0' && s[i]! <= '9'; i++) {
    if (tooLarge(num)) return [0, false, end];
    num = num * 10 + (s.charCodeAt(i) - 0x30);
    isnum = true;
  }
  return [num, isnum, i];
}

function parseArgNumber(format: string): [number, number, boolean] {
  if (format.length < 3) return [0, 1, false];
  for (let i = 1; i < format.length; i++) {
    if (format[i] === ']') {
      const [width, ok, newi] = parseNum(format, 1, i);
      if (!ok || newi !== i) return [0, i + 1, false];
      return [width - 1, i + 1, true];
    }
  }
  return [0, 1, false];
}

function intFromArg(args: readonly unknown[], argNum: number): [number, boolean, number] {
  let num = 0;
  let isInt = false;
  let newArgNum = argNum;
  if (argNum < args.length) {
    const a = args[argNum];
    const v = a instanceof GoNamed ? a.value : a;
    if (typeof v === 'bigint' && v >= -(1n << 63n) && v < 1n << 63n) {
      num = Number(v);
      isInt = true;
    }
    newArgNum = argNum + 1;
    if (tooLarge(num)) {
      num = 0;
      isInt = false;
    }
  }
  return [num, isInt, newArgNum];
}

/** fmt.Sprint: operands separated by a space when neither side is a string. */
export function goSprint(...args: unknown[]): string {
  // One string prints as itself (strings have no methods); templates ask for this all the time.
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  const p = new Printer();
  p.doPrint(args);
  return p.buf;
}

/** fmt.Sprintln: operands always separated by spaces, with a trailing newline. */
export function goSprintln(...args: unknown[]): string {
  const p = new Printer();
  p.doPrintln(args);
  return p.buf;
}

/** fmt.Sprintf. */
export function goSprintf(format: string, ...args: unknown[]): string {
  const p = new Printer();
  p.doPrintf(format, args);
  return p.buf;
}

/**
 * How a template action prints its value: fmt.Print of the value, except that a pointer to a struct is
 * printed as the struct itself (text/template dereferences pointers before printing).
 */
export function formatActionValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value !== null && kindOf(value) === Kind.Pointer && !isNilPointer(value)) {
        const p = new Printer();
        p.arg = value;
        if (!p.handleMethods('v')) p.printStruct(value, 'v', 0);
        return p.buf;
      }
      return goSprint(value);
    default:
      return goSprint(value);
  }
}
