// The parser of Go's text/template/parse: a recursive-descent parser over the lexer's items with Go's
// three-token look-ahead, so that error messages (and the line they report) match Go's.
import {
  NodeType,
  type ArgNode,
  type BranchNode,
  type CommandNode,
  type ElseNode,
  type EndNode,
  type ListNode,
  type Node,
  type NumberNode,
  type PipeNode,
  type TemplateNode,
  type Tree,
  type VariableNode,
  nodeString,
} from './ast.ts';
import { Item, Lexer, describeToken, type ItemType, type Token } from './lex.ts';
import { SyntaxError, parseFloat64, parseInt64, parseUint, quote, unquote, unquoteChar } from './strconv.ts';
import { GoComplex } from './values.ts';

/** Go's maxStackDepth for nested parentheses (the value Go uses where stacks are small). */
const MAX_PAREN_DEPTH = 1000;

/** A parse error with Go's message (`template: NAME:LINE: ...`) and where it was detected. */
export class ParseFailure extends Error {
  readonly line: number;
  readonly pos: number;

  constructor(message: string, line: number, pos: number) {
    super(message);
    this.line = line;
    this.pos = pos;
  }
}

export interface ParseInput {
  /** Name of the top-level template (Go's ParseName, used in every message). */
  readonly name: string;
  readonly text: string;
  readonly leftDelim: string;
  readonly rightDelim: string;
  /** Whether a function of this name exists (builtins included). */
  readonly hasFunction: (name: string) => boolean;
}

/** Parses a template text into its set of trees: the top-level one plus every define/block. */
export function parseTrees(input: ParseInput): Map<string, Tree> {
  const treeSet = new Map<string, Tree>();
  const lexer = new Lexer(input.text, input.leftDelim, input.rightDelim);
  lexer.options = { breakOK: !input.hasFunction('break'), continueOK: !input.hasFunction('continue') };
  const parser = new TreeParser(input.name, input, lexer, treeSet);
  parser.parse();
  parser.add();
  return treeSet;
}

/** Whether a tree has nothing but whitespace text and comments (Go's IsEmptyTree). */
function isEmptyTree(node: Node | undefined): boolean {
  if (node === undefined) return true;
  switch (node.type) {
    case NodeType.Comment:
      return true;
    case NodeType.List:
      return node.nodes.every(isEmptyTree);
    case NodeType.Text:
      return node.text.trim().length === 0;
    default:
      return false;
  }
}

class TreeParser {
  name: string;
  root: ListNode | undefined;
  private readonly input: ParseInput;
  private readonly lex: Lexer;
  private readonly treeSet: Map<string, Tree>;
  private readonly token: Token[] = [];
  private peekCount = 0;
  private vars: string[] = ['$'];
  private actionLine = 0;
  private rangeDepth = 0;
  private stackDepth = 0;

  constructor(name: string, input: ParseInput, lex: Lexer, treeSet: Map<string, Tree>) {
    this.name = name;
    this.input = input;
    this.lex = lex;
    this.treeSet = treeSet;
  }

  // --- token stream --------------------------------------------------------------------------------------

  private next(): Token {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.lex.nextItem();
    return this.token[this.peekCount]!;
  }

  private backup(): void {
    this.peekCount++;
  }

  private backup2(t1: Token): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }

  private backup3(t2: Token, t1: Token): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }

  private peek(): Token {
    if (this.peekCount > 0) return this.token[this.peekCount - 1]!;
    this.peekCount = 1;
    this.token[0] = this.lex.nextItem();
    return this.token[0];
  }

  private nextNonSpace(): Token {
    let token: Token;
    do token = this.next();
    while (token.typ === Item.Space);
    return token;
  }

  private peekNonSpace(): Token {
    const token = this.nextNonSpace();
    this.backup();
    return token;
  }

  // --- errors --------------------------------------------------------------------------------------------

  private errorf(message: string): never {
    const last = this.token[0];
    const line = last?.line ?? 1;
    throw new ParseFailure(`template: ${this.input.name}:${line}: ${message}`, line, last?.pos ?? 0);
  }

  private expect(expected: ItemType, context: string): Token {
    const token = this.nextNonSpace();
    if (token.typ !== expected) this.unexpected(token, context);
    return token;
  }

  private expectOneOf(expected1: ItemType, expected2: ItemType, context: string): Token {
    const token = this.nextNonSpace();
    if (token.typ !== expected1 && token.typ !== expected2) this.unexpected(token, context);
    return token;
  }

  private unexpected(token: Token, context: string): never {
    if (token.typ === Item.Error) {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.input.name}:${this.actionLine}`;
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${describeToken(token)}${extra}`);
    }
    this.errorf(`unexpected ${describeToken(token)} in ${context}`);
  }

  // --- trees ---------------------------------------------------------------------------------------------

  /** Adds this tree to the set; a second non-empty definition of one name is an error. */
  add(): void {
    const existing = this.treeSet.get(this.name);
    if (existing === undefined || isEmptyTree(existing.root)) {
      this.treeSet.set(this.name, { name: this.name, root: this.root ?? this.newList(0) });
      return;
    }
    if (!isEmptyTree(this.root)) this.errorf(`template: multiple definition of template ${quote(this.name)}`);
  }

  private newList(pos: number): ListNode {
    return { type: NodeType.List, pos, nodes: [] };
  }

  private child(name: string): TreeParser {
    return new TreeParser(name, this.input, this.lex, this.treeSet);
  }

  parse(): void {
    this.root = this.newList(this.peek().pos);
    while (this.peek().typ !== Item.EOF) {
      if (this.peek().typ === Item.LeftDelim) {
        const delim = this.next();
        if (this.nextNonSpace().typ === Item.Define) {
          const definition = this.child('definition');
          definition.parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.type === NodeType.End || n.type === NodeType.Else) this.errorf(`unexpected ${nodeString(n)}`);
      this.root.nodes.push(n);
    }
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const name = this.expectOneOf(Item.String, Item.RawString, context);
    this.name = this.unquote(name.val);
    this.expect(Item.RightDelim, context);
    const [list, end] = this.itemList();
    this.root = list;
    if (end.type !== NodeType.End) this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.add();
  }

  private unquote(text: string): string {
    try {
      return unquote(text);
    } catch (err) {
      if (err instanceof SyntaxError) this.errorf(err.message);
      throw err;
    }
  }

  private itemList(): [ListNode, ElseNode | EndNode] {
    const list = this.newList(this.peekNonSpace().pos);
    while (this.peekNonSpace().typ !== Item.EOF) {
      const n = this.textOrAction();
      if (n.type === NodeType.End || n.type === NodeType.Else) return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case Item.Text:
        return { type: NodeType.Text, pos: token.pos, text: token.val };
      case Item.LeftDelim: {
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      case Item.Comment:
        return { type: NodeType.Comment, pos: token.pos, text: token.val };
      default:
        this.unexpected(token, 'input');
    }
  }

  private action(): Node {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case Item.Block:
        return this.blockControl();
      case Item.Break:
        return this.breakControl(token.pos, token.line);
      case Item.Continue:
        return this.continueControl(token.pos, token.line);
      case Item.Else:
        return this.elseControl();
      case Item.End:
        return this.endControl();
      case Item.If:
        return this.ifControl();
      case Item.Range:
        return this.rangeControl();
      case Item.Template:
        return this.templateControl();
      case Item.With:
        return this.withControl();
    }
    this.backup();
    const first = this.peek();
    return {
      type: NodeType.Action,
      pos: first.pos,
      line: first.line,
      pipe: this.pipeline('command', Item.RightDelim),
    };
  }

  private breakControl(pos: number, line: number): Node {
    const token = this.nextNonSpace();
    if (token.typ !== Item.RightDelim) this.unexpected(token, '{{break}}');
    if (this.rangeDepth === 0) this.errorf('{{break}} outside {{range}}');
    return { type: NodeType.Break, pos, line };
  }

  private continueControl(pos: number, line: number): Node {
    const token = this.nextNonSpace();
    if (token.typ !== Item.RightDelim) this.unexpected(token, '{{continue}}');
    if (this.rangeDepth === 0) this.errorf('{{continue}} outside {{range}}');
    return { type: NodeType.Continue, pos, line };
  }

  private pipeline(context: string, end: ItemType): PipeNode {
    const first = this.peekNonSpace();
    const pipe: PipeNode = {
      type: NodeType.Pipe,
      pos: first.pos,
      line: first.line,
      isAssign: false,
      decl: [],
      cmds: [],
    };
    // Declarations or assignments: `$x :=`, `$x =`, `$i, $v :=` (range only).
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== Item.Variable) break;
      this.next();
      const tokenAfterVariable = this.peek();
      const next = this.peekNonSpace();
      if (next.typ === Item.Assign || next.typ === Item.Declare) {
        pipe.isAssign = next.typ === Item.Assign;
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
      } else if (next.typ === Item.Char && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const after = this.peekNonSpace().typ;
          if (after === Item.Variable || after === Item.RightDelim || after === Item.RightParen)
            continue decls;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      } else if (tokenAfterVariable.typ === Item.Space) {
        this.backup3(v, tokenAfterVariable);
      } else {
        this.backup2(v);
      }
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      switch (token.typ) {
        case end:
          this.checkPipeline(pipe, context);
          return pipe;
        case Item.Bool:
        case Item.CharConstant:
        case Item.Complex:
        case Item.Dot:
        case Item.Field:
        case Item.Identifier:
        case Item.Number:
        case Item.Nil:
        case Item.RawString:
        case Item.String:
        case Item.Variable:
        case Item.LeftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    for (let i = 1; i < pipe.cmds.length; i++) {
      const first = pipe.cmds[i]!.args[0]!;
      switch (first.type) {
        case NodeType.Bool:
        case NodeType.Dot:
        case NodeType.Nil:
        case NodeType.Number:
        case NodeType.String:
          this.errorf(`non executable command in pipeline stage ${i + 1}`);
      }
    }
  }

  private parseControl(context: string): Omit<BranchNode<typeof NodeType.If>, 'type'> {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, Item.RightDelim);
      if (context === 'range') this.rangeDepth++;
      const [list, firstEnd] = this.itemList();
      let next = firstEnd;
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | undefined;
      if (next.type === NodeType.Else) {
        // `else if` and `else with` chain into a nested control inside the else list.
        if (context === 'if' && this.peek().typ === Item.If) {
          this.next();
          elseList = this.newList(next.pos);
          elseList.nodes.push(this.ifControl());
        } else if (context === 'with' && this.peek().typ === Item.With) {
          this.next();
          elseList = this.newList(next.pos);
          elseList.nodes.push(this.withControl());
        } else {
          [elseList, next] = this.itemList();
          if (next.type !== NodeType.End) this.errorf(`expected end; found ${nodeString(next)}`);
        }
      }
      return { pos: pipe.pos, line: pipe.line, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  private ifControl(): Node {
    return { type: NodeType.If, ...this.parseControl('if') };
  }

  private rangeControl(): Node {
    return { type: NodeType.Range, ...this.parseControl('range') };
  }

  private withControl(): Node {
    return { type: NodeType.With, ...this.parseControl('with') };
  }

  private endControl(): EndNode {
    return { type: NodeType.End, pos: this.expect(Item.RightDelim, 'end').pos };
  }

  private elseControl(): ElseNode {
    const peek = this.peekNonSpace();
    // `else if` / `else with`: the keyword is consumed by parseControl.
    if (peek.typ === Item.If || peek.typ === Item.With)
      return { type: NodeType.Else, pos: peek.pos, line: peek.line };
    const token = this.expect(Item.RightDelim, 'else');
    return { type: NodeType.Else, pos: token.pos, line: token.line };
  }

  private blockControl(): Node {
    const context = 'block clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    const pipe = this.pipeline(context, Item.RightDelim);
    const block = this.child(name);
    const [list, end] = block.itemList();
    block.root = list;
    if (end.type !== NodeType.End) this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    block.add();
    return this.newTemplate(token, name, pipe);
  }

  private templateControl(): Node {
    const context = 'template clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().typ !== Item.RightDelim) {
      this.backup();
      pipe = this.pipeline(context, Item.RightDelim);
    }
    return this.newTemplate(token, name, pipe);
  }

  private newTemplate(token: Token, name: string, pipe: PipeNode | undefined): TemplateNode {
    return { type: NodeType.Template, pos: token.pos, line: token.line, name, pipe };
  }

  private parseTemplateName(token: Token, context: string): string {
    if (token.typ === Item.String || token.typ === Item.RawString) return this.unquote(token.val);
    this.unexpected(token, context);
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: NodeType.Command, pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace(); // skip leading spaces
      const operand = this.operand();
      if (operand !== undefined) cmd.args.push(operand);
      const token = this.next();
      if (token.typ === Item.Space) continue;
      if (token.typ === Item.RightDelim || token.typ === Item.RightParen) this.backup();
      else if (token.typ !== Item.Pipe) this.unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (node === undefined) return undefined;
    if (this.peek().typ !== Item.Field) return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().typ === Item.Field) fields.push(this.next().val.slice(1));
    switch (node.type) {
      case NodeType.Field:
        return { type: NodeType.Field, pos, ident: [...node.ident, ...fields] };
      case NodeType.Variable:
        return { type: NodeType.Variable, pos, ident: [...node.ident, ...fields] };
      case NodeType.Bool:
      case NodeType.String:
      case NodeType.Number:
      case NodeType.Nil:
      case NodeType.Dot:
        this.errorf(`unexpected . after term ${quote(nodeString(node))}`);
      // falls through: errorf never returns
      default:
        return { type: NodeType.Chain, pos, node, field: fields };
    }
  }

  private term(): ArgNode | undefined {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case Item.Identifier:
        if (!this.input.hasFunction(token.val)) this.errorf(`function ${quote(token.val)} not defined`);
        return { type: NodeType.Identifier, pos: token.pos, ident: token.val };
      case Item.Dot:
        return { type: NodeType.Dot, pos: token.pos };
      case Item.Nil:
        return { type: NodeType.Nil, pos: token.pos };
      case Item.Variable:
        return this.useVar(token.pos, token.val);
      case Item.Field:
        return { type: NodeType.Field, pos: token.pos, ident: token.val.slice(1).split('.') };
      case Item.Bool:
        return { type: NodeType.Bool, pos: token.pos, value: token.val === 'true' };
      case Item.CharConstant:
      case Item.Complex:
      case Item.Number:
        return this.newNumber(token.pos, token.val, token.typ);
      case Item.LeftParen: {
        if (this.stackDepth >= MAX_PAREN_DEPTH) this.errorf('max expression depth exceeded');
        this.stackDepth++;
        try {
          return this.pipeline('parenthesized pipeline', Item.RightParen);
        } finally {
          this.stackDepth--;
        }
      }
      case Item.String:
      case Item.RawString:
        return { type: NodeType.String, pos: token.pos, quoted: token.val, text: this.unquote(token.val) };
    }
    this.backup();
    return undefined;
  }

  private newVariable(pos: number, ident: string): VariableNode {
    return { type: NodeType.Variable, pos, ident: ident.split('.') };
  }

  private useVar(pos: number, name: string): VariableNode {
    const v = this.newVariable(pos, name);
    if (!this.vars.includes(v.ident[0]!)) this.errorf(`undefined variable ${quote(v.ident[0]!)}`);
    return v;
  }

  private newNumber(pos: number, text: string, typ: ItemType): NumberNode {
    const n = {
      type: NodeType.Number,
      pos,
      text,
      isInt: false,
      isUint: false,
      isFloat: false,
      isComplex: false,
      int64: 0n,
      uint64: 0n,
      float64: 0,
      complex: undefined as GoComplex | undefined,
    };
    if (typ === Item.CharConstant) {
      let rune: number;
      let tail: string;
      try {
        ({ value: rune, tail } = unquoteChar(text.slice(1), text[0]!));
      } catch (err) {
        if (err instanceof SyntaxError) this.errorf(err.message);
        throw err;
      }
      if (tail !== "'") this.errorf(`malformed character constant: ${text}`);
      return {
        ...n,
        isInt: true,
        isUint: true,
        isFloat: true,
        int64: BigInt(rune),
        uint64: BigInt(rune),
        float64: rune,
      };
    }
    if (typ === Item.Complex) {
      const c = parseComplex(text);
      if (c === undefined) this.errorf(`illegal number syntax: ${quote(text)}`);
      return simplifyComplex(n, c);
    }
    if (text.endsWith('i')) {
      const f = parseFloat64(text.slice(0, -1));
      if (f !== undefined) return simplifyComplex(n, new GoComplex(0, f));
    }
    const u = parseUint(text);
    if (u !== undefined) {
      n.isUint = true;
      n.uint64 = u;
    }
    const i = parseInt64(text);
    if (i !== undefined) {
      n.isInt = true;
      n.int64 = i;
      if (i === 0n) {
        n.isUint = true; // in case of -0
        n.uint64 = u ?? 0n;
      }
    }
    if (n.isInt) {
      n.isFloat = true;
      n.float64 = Number(n.int64);
    } else if (n.isUint) {
      n.isFloat = true;
      n.float64 = Number(n.uint64);
    } else {
      const f = parseFloat64(text);
      if (f !== undefined) {
        if (!/[.eEpP]/.test(text)) this.errorf(`integer overflow: ${quote(text)}`);
        n.isFloat = true;
        n.float64 = f;
        if (fitsInt64(f)) {
          n.isInt = true;
          n.int64 = BigInt(f);
        }
        if (fitsUint64(f)) {
          n.isUint = true;
          n.uint64 = BigInt(f);
        }
      }
    }
    if (!n.isInt && !n.isUint && !n.isFloat) this.errorf(`illegal number syntax: ${quote(text)}`);
    return n;
  }
}

function fitsInt64(f: number): boolean {
  return Number.isInteger(f) && f >= -(2 ** 63) && f < 2 ** 63;
}

function fitsUint64(f: number): boolean {
  return Number.isInteger(f) && f >= 0 && f < 2 ** 64;
}

type MutableNumber = { -readonly [K in keyof NumberNode]: NumberNode[K] };

function simplifyComplex(n: MutableNumber, c: GoComplex): NumberNode {
  n.isComplex = true;
  n.complex = c;
  n.isFloat = c.im === 0;
  if (n.isFloat) {
    n.float64 = c.re;
    n.isInt = fitsInt64(c.re);
    if (n.isInt) n.int64 = BigInt(c.re);
    n.isUint = fitsUint64(c.re);
    if (n.isUint) n.uint64 = BigInt(c.re);
  }
  return n;
}

/** Parses `re±imi` (what fmt.Sscan accepts for a complex constant in a template). */
function parseComplex(text: string): GoComplex | undefined {
  if (!text.endsWith('i')) return undefined;
  for (let k = text.length - 2; k > 0; k--) {
    const c = text[k];
    if ((c === '+' || c === '-') && !/[eEpP]/.test(text[k - 1]!)) {
      const re = parseFloat64(text.slice(0, k));
      const im = parseFloat64(text.slice(k, -1));
      if (re === undefined || im === undefined) return undefined;
      return new GoComplex(re, im);
    }
  }
  return undefined;
}
