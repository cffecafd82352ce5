// The executor: walks a parsed tree against data, following Go's text/template exec.go step by step so
// that results and error messages agree with Go. One State is allocated per execution; nodes are
// dispatched with a switch (no closures per execution), output is appended to a string, and break/continue
// travel as return values rather than exceptions.
//
// Go distinguishes "no value" (an invalid reflect.Value: a missing map key) from a nil interface (a map
// entry holding nil). Here they are undefined and null. Go also reports the static type of a receiver in
// "can't evaluate field X in type T": a value that came out of a map[string]interface{} or []interface{}
// has static type `interface {}`, which the executor tracks alongside dot and variables.
import {
  NodeType,
  type ActionNode,
  type ArgNode,
  type ChainNode,
  type CommandNode,
  type FieldNode,
  type IdentifierNode,
  type ListNode,
  type Node,
  type NumberNode,
  type PipeNode,
  type RangeNode,
  type TemplateNode,
  type Tree,
  type VariableNode,
  nodeString,
} from './ast.ts';
import { formatActionValue, goSprint } from './fmt.ts';
import { TemplateError } from './errors.ts';
import {
  paramTypeName,
  signatureOf,
  type FunctionSignature,
  type ParamType,
  type TemplateFunction,
} from './funcs.ts';
import { quote } from './strconv.ts';
import {
  GoComplex,
  GoNamed,
  Kind,
  goTypeInfo,
  goTypeName,
  isExported,
  isTrue,
  kindOf,
  lookupMethod,
  mapGet,
  mapZero,
  sortedKeys,
  structMember,
  NOT_FOUND,
  type GoMethod,
} from './values.ts';

export type MissingKey = 'default' | 'invalid' | 'zero' | 'error';

/** A function as the executor calls it. */
export interface FuncEntry {
  readonly fn: TemplateFunction;
  readonly signature: FunctionSignature | undefined;
  readonly builtin: boolean;
}

/** Everything one parse produced: the trees of all templates and the functions they may call. */
export interface TemplateSet {
  /** Name given to parse (Go's ParseName, the prefix of every error location). */
  readonly name: string;
  readonly text: string;
  readonly trees: ReadonlyMap<string, Tree>;
  readonly funcs: ReadonlyMap<string, FuncEntry>;
  readonly missingKey: MissingKey;
}

/**
 * Nested {{template}} calls allowed. Go allows 100000, but a JS stack ends far sooner; 1000 is the limit Go
 * itself uses on platforms with small stacks (wasm).
 */
export const MAX_EXEC_DEPTH = 1000;

/** Marks "no final argument" (the command is not fed by a previous pipeline stage). */
const MISSING: unique symbol = Symbol('missing');
type Final = unknown;

const Signal = { None: 0, Break: 1, Continue: 2 } as const;
type Signal = (typeof Signal)[keyof typeof Signal];

const MissingKeyMode = { Invalid: 0, Zero: 1, Error: 2 } as const;
type MissingKeyMode = (typeof MissingKeyMode)[keyof typeof MissingKeyMode];

/** Executes one tree of a set against data and returns the output; throws TemplateError. */
export function execute(set: TemplateSet, tree: Tree, data: unknown): string {
  const state = new State(set, tree.name, data);
  try {
    state.walk(data, tree.root);
  } catch (err) {
    throw state.asTemplateError(err);
  }
  return state.out;
}

function byteLength(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Go's Tree.ErrorContext: `NAME:LINE:COL` with COL a 0-based byte offset within the line. */
export function errorLocation(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < pos; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: byteLength(text, lineStart, pos) };
}

/** The static type Go reports for a receiver: `interface {}` when it came out of an interface slot. */
function staticTypeName(value: unknown, fromInterface: boolean): string {
  return fromInterface ? 'interface {}' : goTypeName(value);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function canBeNil(type: ParamType | undefined): boolean {
  return type === undefined || type === 'any' || type === 'value';
}

function isAssignable(value: unknown, type: ParamType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'int':
      return typeof value === 'bigint';
    case 'float64':
      return typeof value === 'number';
    case 'bool':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

class State {
  out = '';
  private readonly set: TemplateSet;
  private readonly missingKey: MissingKeyMode;
  // The variable stack, as three parallel arrays: names, values, and whether each holds an interface slot.
  private names: string[];
  private values: unknown[];
  private ifaces: boolean[];
  private node: Node | undefined;
  private tmplName: string;
  private depth = 0;
  /** Whether dot came out of an interface slot (range over []interface{} or map[string]interface{}). */
  private dotIface = false;
  /** Set by evalField: whether the value it returned came out of an interface slot. */
  private lastIface = false;

  constructor(set: TemplateSet, name: string, data: unknown) {
    this.set = set;
    this.missingKey =
      set.missingKey === 'zero'
        ? MissingKeyMode.Zero
        : set.missingKey === 'error'
          ? MissingKeyMode.Error
          : MissingKeyMode.Invalid;
    this.names = ['$'];
    this.values = [data];
    this.ifaces = [false];
    this.tmplName = name;
  }

  // --- errors --------------------------------------------------------------------------------------------

  private at(node: Node): void {
    this.node = node;
  }

  private errorf(message: string, cause?: unknown): never {
    const name = this.tmplName;
    if (this.node === undefined) {
      throw new TemplateError(
        `template: ${name}: ${message}`,
        { templateName: name, line: 0, column: 0, phase: 'exec' },
        { cause },
      );
    }
    const { line, column } = errorLocation(this.set.text, this.node.pos);
    const action = nodeString(this.node);
    throw new TemplateError(
      `template: ${this.set.name}:${line}:${column}: executing ${quote(name)} at <${action}>: ${message}`,
      { templateName: name, line, column, phase: 'exec', action },
      { cause },
    );
  }

  /** Turns anything thrown during execution (a throwing getter, a stack overflow) into a TemplateError. */
  asTemplateError(err: unknown): TemplateError {
    if (err instanceof TemplateError) return err;
    const message =
      err instanceof RangeError && /call stack/i.test(err.message)
        ? 'stack overflow: templates or data nested too deeply'
        : errorMessage(err);
    try {
      this.errorf(message, err);
    } catch (wrapped) {
      return wrapped as TemplateError;
    }
  }

  // --- variables -----------------------------------------------------------------------------------------

  private push(name: string, value: unknown, iface: boolean): void {
    this.names.push(name);
    this.values.push(value);
    this.ifaces.push(iface);
  }

  private pop(mark: number): void {
    if (this.names.length === mark) return;
    this.names.length = mark;
    this.values.length = mark;
    this.ifaces.length = mark;
  }

  private setVar(name: string, value: unknown, iface: boolean): void {
    for (let i = this.names.length - 1; i >= 0; i--) {
      if (this.names[i] === name) {
        this.values[i] = value;
        this.ifaces[i] = iface;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private setTopVar(n: number, value: unknown, iface: boolean): void {
    this.values[this.values.length - n] = value;
    this.ifaces[this.ifaces.length - n] = iface;
  }

  private varIndex(name: string): number {
    for (let i = this.names.length - 1; i >= 0; i--) {
      if (this.names[i] === name) return i;
    }
    this.errorf(`undefined variable: ${name}`);
  }

  // --- walking -------------------------------------------------------------------------------------------

  walk(dot: unknown, node: Node): Signal {
    this.at(node);
    switch (node.type) {
      case NodeType.Action: {
        const value = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, value);
        return Signal.None;
      }
      case NodeType.Break:
        return Signal.Break;
      case NodeType.Continue:
        return Signal.Continue;
      case NodeType.Comment:
        return Signal.None;
      case NodeType.If:
        return this.walkIfOrWith(false, dot, node.pipe, node.list, node.elseList);
      case NodeType.List: {
        const nodes = node.nodes;
        for (let i = 0; i < nodes.length; i++) {
          const signal = this.walk(dot, nodes[i]!);
          if (signal !== Signal.None) return signal;
        }
        return Signal.None;
      }
      case NodeType.Range:
        return this.walkRange(dot, node);
      case NodeType.Template:
        this.walkTemplate(dot, node);
        return Signal.None;
      case NodeType.Text:
        this.out += node.text;
        return Signal.None;
      case NodeType.With:
        return this.walkIfOrWith(true, dot, node.pipe, node.list, node.elseList);
      default:
        this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  private walkIfOrWith(
    isWith: boolean,
    dot: unknown,
    pipe: PipeNode,
    list: ListNode,
    elseList: ListNode | undefined,
  ): Signal {
    const mark = this.names.length;
    const value = this.evalPipeline(dot, pipe);
    let signal: Signal = Signal.None;
    if (isTrue(value)) {
      if (isWith) {
        const savedIface = this.dotIface;
        this.dotIface = false;
        signal = this.walk(value, list);
        this.dotIface = savedIface;
      } else {
        signal = this.walk(dot, list);
      }
    } else if (elseList !== undefined) {
      signal = this.walk(dot, elseList);
    }
    this.pop(mark);
    return signal;
  }

  private walkRange(dot: unknown, r: RangeNode): Signal {
    this.at(r);
    const outerMark = this.names.length;
    const value = this.evalPipeline(dot, r.pipe);
    const mark = this.names.length;
    let ran = true;
    const v = value instanceof GoNamed ? value.value : value;
    switch (kindOf(v)) {
      case Kind.Int: {
        if (r.pipe.decl.length > 1) {
          this.errorf(`can't use ${goSprint(value)} to iterate over more than one variable`);
        }
        const n = v as bigint;
        ran = n > 0n;
        for (let i = 0n; i < n; i++) if (!this.rangeIteration(r, mark, undefined, i, false)) break;
        break;
      }
      case Kind.Slice: {
        const list = v as unknown[];
        ran = list.length > 0;
        for (let i = 0; i < list.length; i++) {
          if (!this.rangeIteration(r, mark, BigInt(i), list[i] ?? null, true)) break;
        }
        break;
      }
      case Kind.Map: {
        const map = v as Record<string, unknown>;
        const iface = goTypeInfo(map) === undefined;
        const keys = sortedKeys(map);
        ran = keys.length > 0;
        for (const key of keys) if (!this.rangeIteration(r, mark, key, map[key], iface)) break;
        break;
      }
      case Kind.Invalid:
      case Kind.Nil:
        ran = false; // nil acts like an empty map
        break;
      default:
        this.errorf(`range can't iterate over ${goSprint(value)}`);
    }
    let signal: Signal = Signal.None;
    if (!ran && r.elseList !== undefined) signal = this.walk(dot, r.elseList);
    this.pop(outerMark);
    return signal;
  }

  /** Binds the iteration variables and walks the body once; false means {{break}}. */
  private rangeIteration(
    r: RangeNode,
    mark: number,
    index: unknown,
    elem: unknown,
    elemIface: boolean,
  ): boolean {
    const decl = r.pipe.decl;
    if (decl.length > 0) {
      if (r.pipe.isAssign) {
        if (decl.length > 1) this.setVar(decl[0]!.ident[0]!, index, false);
        else this.setVar(decl[0]!.ident[0]!, elem, elemIface);
      } else {
        this.setTopVar(1, elem, elemIface);
      }
    }
    if (decl.length > 1) {
      if (r.pipe.isAssign) this.setVar(decl[1]!.ident[0]!, elem, elemIface);
      else this.setTopVar(2, index, false);
    }
    const savedIface = this.dotIface;
    this.dotIface = elemIface;
    const signal = this.walk(elem, r.list);
    this.dotIface = savedIface;
    this.pop(mark);
    return signal !== Signal.Break;
  }

  private walkTemplate(dot: unknown, t: TemplateNode): void {
    this.at(t);
    const tree = this.set.trees.get(t.name);
    if (tree === undefined) this.errorf(`template ${quote(t.name)} not defined`);
    if (this.depth === MAX_EXEC_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
    const newDot = this.evalPipeline(dot, t.pipe);
    const { names, values, ifaces, tmplName, dotIface } = this;
    this.names = ['$'];
    this.values = [newDot];
    this.ifaces = [false];
    this.tmplName = t.name;
    this.dotIface = false;
    this.depth++;
    this.walk(newDot, tree.root);
    this.depth--;
    this.names = names;
    this.values = values;
    this.ifaces = ifaces;
    this.tmplName = tmplName;
    this.dotIface = dotIface;
  }

  // --- pipelines and commands ----------------------------------------------------------------------------

  private evalPipeline(dot: unknown, pipe: PipeNode | undefined): unknown {
    if (pipe === undefined) return undefined;
    this.at(pipe);
    let value: Final = MISSING;
    const cmds = pipe.cmds;
    for (let i = 0; i < cmds.length; i++) {
      value = this.evalCommand(dot, cmds[i]!, value);
      // A nil interface result holds no value (Go takes the interface's element).
      if (value === null) value = undefined;
    }
    const decl = pipe.decl;
    for (let i = 0; i < decl.length; i++) {
      const name = decl[i]!.ident[0]!;
      if (pipe.isAssign) this.setVar(name, value, false);
      else this.push(name, value, false);
    }
    return value;
  }

  private notAFunction(args: readonly ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING)
      this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const args = cmd.args;
    const first = args[0]!;
    switch (first.type) {
      case NodeType.Field:
        return this.evalFieldNode(dot, first, args, final);
      case NodeType.Chain:
        return this.evalChainNode(dot, first, args, final);
      case NodeType.Identifier:
        return this.evalFunction(dot, first, cmd, args, final);
      case NodeType.Pipe:
        this.notAFunction(args, final);
        return this.evalPipeline(dot, first);
      case NodeType.Variable:
        return this.evalVariableNode(dot, first, args, final);
    }
    this.at(first);
    this.notAFunction(args, final);
    switch (first.type) {
      case NodeType.Bool:
        return first.value;
      case NodeType.Dot:
        return dot;
      case NodeType.Nil:
        this.errorf('nil is not a command');
      // falls through: errorf never returns
      case NodeType.Number:
        return this.idealConstant(first);
      case NodeType.String:
        return first.text;
    }
  }

  private idealConstant(constant: NumberNode): unknown {
    this.at(constant);
    const text = constant.text;
    if (constant.isComplex) return constant.complex;
    const isHexInt =
      text.length > 2 && text[0] === '0' && (text[1] === 'x' || text[1] === 'X') && !/[pP]/.test(text);
    if (constant.isFloat && !isHexInt && text[0] !== "'" && /[.eEpP]/.test(text)) return constant.float64;
    if (constant.isInt) return constant.int64;
    if (constant.isUint) this.errorf(`${text} overflows int`);
    return undefined;
  }

  private evalFieldNode(
    dot: unknown,
    field: FieldNode,
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    this.at(field);
    return this.evalFieldChain(dot, dot, this.dotIface, field, field.ident, 0, args, final);
  }

  private evalChainNode(
    dot: unknown,
    chain: ChainNode,
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    this.at(chain);
    if (chain.field.length === 0) this.errorf('internal error: no fields in evalChainNode');
    if (chain.node.type === NodeType.Nil)
      this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const receiver = this.evalArg(dot, undefined, chain.node);
    return this.evalFieldChain(dot, receiver, false, chain, chain.field, 0, args, final);
  }

  private evalVariableNode(
    dot: unknown,
    variable: VariableNode,
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    this.at(variable);
    const i = this.varIndex(variable.ident[0]!);
    const value = this.values[i];
    if (variable.ident.length === 1) {
      if (args !== undefined) this.notAFunction(args, final);
      else if (final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(variable)}`);
      return value;
    }
    return this.evalFieldChain(dot, value, this.ifaces[i]!, variable, variable.ident, 1, args, final);
  }

  private evalFieldChain(
    dot: unknown,
    receiverIn: unknown,
    receiverIface: boolean,
    node: Node,
    ident: readonly string[],
    start: number,
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    let receiver = receiverIn;
    let iface = receiverIface;
    const n = ident.length;
    for (let i = start; i < n - 1; i++) {
      receiver = this.evalField(dot, ident[i]!, node, undefined, MISSING, receiver, iface);
      iface = this.lastIface;
    }
    return this.evalField(dot, ident[n - 1]!, node, args, final, receiver, iface);
  }

  private evalFunction(
    dot: unknown,
    node: IdentifierNode,
    cmd: Node,
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    this.at(node);
    const name = node.ident;
    const entry = this.set.funcs.get(name);
    if (entry === undefined) this.errorf(`${quote(name)} is not a defined function`);
    return this.evalCall(dot, entry.fn, entry.signature, entry.builtin, cmd, name, args, final, undefined);
  }

  /** Field or method `fieldName` of receiver; sets lastIface for the next link of a chain. */
  private evalField(
    dot: unknown,
    fieldName: string,
    node: Node,
    args: readonly ArgNode[] | undefined,
    final: Final,
    receiver: unknown,
    receiverIface: boolean,
  ): unknown {
    this.lastIface = false;
    if (receiver === undefined) {
      if (this.missingKey === MissingKeyMode.Error)
        this.errorf(`nil data; no entry for key ${quote(fieldName)}`);
      return undefined;
    }
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${fieldName}`);
    const hasArgs = (args !== undefined && args.length > 1) || final !== MISSING;
    // The receiver's kind, decided from one read of its type mark (this runs for every field of every chain):
    // a marked map or an unmarked object other than a named or complex value is a map; a struct is marked so.
    const info = typeof receiver === 'object' && !Array.isArray(receiver) ? goTypeInfo(receiver) : undefined;
    const isMap =
      info === undefined
        ? typeof receiver === 'object' &&
          !Array.isArray(receiver) &&
          !(receiver instanceof GoNamed) &&
          !(receiver instanceof GoComplex)
        : info.kind === 'map';
    if (isMap) {
      // Maps have no methods: the name is a key.
      const map = receiver;
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      const result = mapGet(map, fieldName);
      this.lastIface = info === undefined;
      if (result !== undefined) return result;
      if (this.missingKey === MissingKeyMode.Zero) return mapZero(map);
      if (this.missingKey === MissingKeyMode.Error)
        this.errorf(`map has no entry for key ${quote(fieldName)}`);
      return undefined;
    }
    if (info?.kind === 'struct') {
      // One lookup serves both methods and fields, so a getter runs once.
      const member = structMember(receiver, fieldName);
      if (typeof member === 'function') {
        if (isExported(fieldName)) {
          const method = member as GoMethod;
          return this.evalCall(
            dot,
            method,
            signatureOf(method),
            false,
            node,
            fieldName,
            args,
            final,
            receiver,
          );
        }
      } else if (member !== NOT_FOUND) {
        if (!isExported(fieldName))
          this.errorf(
            `${fieldName} is an unexported field of struct type ${staticTypeName(receiver, receiverIface)}`,
          );
        if (hasArgs) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
        return member === undefined ? null : member;
      }
    } else if (typeof receiver === 'object') {
      // Nil pointers and named types can have methods.
      const method = lookupMethod(receiver, fieldName);
      if (method !== undefined) {
        return this.evalCall(dot, method, signatureOf(method), false, node, fieldName, args, final, receiver);
      }
      if (kindOf(receiver) === Kind.Pointer)
        this.errorf(`nil pointer evaluating ${staticTypeName(receiver, receiverIface)}.${fieldName}`);
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${staticTypeName(receiver, receiverIface)}`);
  }

  private evalCall(
    dot: unknown,
    fn: TemplateFunction,
    signature: FunctionSignature | undefined,
    builtin: boolean,
    node: Node,
    name: string,
    argNodes: readonly ArgNode[] | undefined,
    final: Final,
    receiver: unknown,
  ): unknown {
    // argNodes[0] is the function or method name itself.
    const nArgs = argNodes === undefined ? 0 : argNodes.length - 1;
    const hasFinal = final !== MISSING;
    const numIn = nArgs + (hasFinal ? 1 : 0);
    const params = signature?.params ?? [];
    const variadic: ParamType | undefined = signature === undefined ? 'any' : signature.variadic;
    let numFixed = nArgs;
    if (variadic !== undefined) {
      numFixed = params.length;
      if (numIn < numFixed)
        this.errorf(`wrong number of args for ${name}: want at least ${numFixed} got ${nArgs}`);
    } else if (numIn !== params.length) {
      this.errorf(`wrong number of args for ${name}: want ${params.length} got ${numIn}`);
    }

    if (builtin && (name === 'and' || name === 'or')) {
      // Short-circuit: stop at the first operand that decides the result, and return that operand.
      const wantTruth = name === 'or';
      let v: unknown;
      for (let i = 1; i <= nArgs; i++) {
        v = this.evalArg(dot, 'value', argNodes![i]!);
        if (isTrue(v) === wantTruth) return v;
      }
      if (hasFinal) v = final;
      return v;
    }

    const argv: unknown[] = new Array<unknown>(numIn);
    let i = 0;
    for (; i < numFixed && i < nArgs; i++) argv[i] = this.evalArg(dot, params[i], argNodes![i + 1]!);
    if (variadic !== undefined)
      for (; i < nArgs; i++) argv[i] = this.evalArg(dot, variadic, argNodes![i + 1]!);
    if (hasFinal) {
      let type: ParamType | undefined = params[params.length - 1];
      if (variadic !== undefined) type = numIn - 1 < numFixed ? params[numIn - 1] : variadic;
      argv[i] = this.validateType(final, type);
    }

    let result: unknown;
    try {
      if (builtin && name === 'call') {
        const calleeName =
          nArgs === 0
            ? typeof final === 'string'
              ? final
              : `<${goTypeName(final)} Value>`
            : nodeString(argNodes![1]!);
        result = callFunction(calleeName, argv[0], argv.slice(1));
      } else if (receiver !== undefined) {
        result = Reflect.apply(fn, receiver, argv);
      } else {
        result = (fn as (...args: unknown[]) => unknown)(...argv);
      }
    } catch (err) {
      this.at(node);
      this.errorf(`error calling ${name}: ${errorMessage(err)}`, err);
    }
    return result === undefined ? null : result;
  }

  /** Checks (and for constants converts) a value passed to a typed parameter. */
  private validateType(value: unknown, type: ParamType | undefined): unknown {
    if (value === undefined) {
      if (type === undefined || type === 'value') return undefined;
      if (type === 'any') return null;
      this.errorf(`invalid value; expected ${paramTypeName(type)}`);
    }
    if (type === undefined || type === 'any' || type === 'value') return value;
    if (!isAssignable(value, type)) {
      const got = value === null ? 'interface {}' : goTypeName(value);
      this.errorf(`wrong type for value; expected ${paramTypeName(type)}; got ${got}`);
    }
    return value;
  }

  private evalArg(dot: unknown, type: ParamType | undefined, n: ArgNode): unknown {
    this.at(n);
    switch (n.type) {
      case NodeType.Dot:
        return this.validateType(dot, type);
      case NodeType.Nil:
        if (canBeNil(type)) return type === 'any' ? null : undefined;
        this.errorf(`cannot assign nil to ${paramTypeName(type!)}`);
      // falls through: errorf never returns
      case NodeType.Field:
        return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), type);
      case NodeType.Variable:
        return this.validateType(this.evalVariableNode(dot, n, undefined, MISSING), type);
      case NodeType.Pipe:
        return this.validateType(this.evalPipeline(dot, n), type);
      case NodeType.Identifier:
        return this.validateType(this.evalFunction(dot, n, n, undefined, MISSING), type);
      case NodeType.Chain:
        return this.validateType(this.evalChainNode(dot, n, undefined, MISSING), type);
    }
    switch (type) {
      case 'bool':
        if (n.type === NodeType.Bool) return n.value;
        this.errorf(`expected bool; found ${nodeString(n)}`);
      // falls through: errorf never returns
      case 'float64':
        if (n.type === NodeType.Number && n.isFloat) return n.float64;
        this.errorf(`expected float; found ${nodeString(n)}`);
      // falls through: errorf never returns
      case 'int':
        if (n.type === NodeType.Number && n.isInt) return n.int64;
        this.errorf(`expected integer; found ${nodeString(n)}`);
      // falls through: errorf never returns
      case 'string':
        if (n.type === NodeType.String) return n.text;
        this.errorf(`expected string; found ${nodeString(n)}`);
      // falls through: errorf never returns
      default:
        return this.evalEmptyInterface(n);
    }
  }

  private evalEmptyInterface(n: ArgNode): unknown {
    this.at(n);
    switch (n.type) {
      case NodeType.Bool:
        return n.value;
      case NodeType.Number:
        return this.idealConstant(n);
      case NodeType.String:
        return n.text;
      default:
        this.errorf(`can't handle assignment of ${nodeString(n)} to empty interface argument`);
    }
  }

  private printValue(node: ActionNode, value: unknown): void {
    this.at(node);
    switch (typeof value) {
      case 'string':
        this.out += value;
        return;
      case 'undefined':
        this.out += '<no value>';
        return;
      case 'function':
        this.errorf(`can't print ${nodeString(node)} of type ${goTypeName(value)}`);
      // falls through: errorf never returns
      default:
        this.out += value === null ? '<no value>' : formatActionValue(value);
    }
  }
}

/** The `call` builtin: calls a function value with already evaluated arguments. */
function callFunction(name: string, fnIn: unknown, args: unknown[]): unknown {
  const fn = fnIn === null ? undefined : fnIn;
  if (fn === undefined) throw new Error('call of nil');
  if (typeof fn !== 'function') throw new Error(`non-function ${name} of type ${goTypeName(fn)}`);
  const signature = signatureOf(fn as TemplateFunction);
  if (signature === undefined) {
    return (fn as (...a: unknown[]) => unknown)(...args.map((a) => (a === undefined ? null : a)));
  }
  const numIn = signature.params.length;
  if (signature.variadic !== undefined) {
    if (args.length < numIn)
      throw new Error(`wrong number of args for ${name}: got ${args.length} want at least ${numIn}`);
  } else if (args.length !== numIn) {
    throw new Error(`wrong number of args for ${name}: got ${args.length} want ${numIn}`);
  }
  const argv = args.map((argIn, i) => {
    const arg = argIn === null ? undefined : argIn;
    const type = i < numIn ? signature.params[i]! : signature.variadic!;
    if (arg === undefined) {
      if (!canBeNil(type))
        throw new Error(`arg ${i}: value is nil; should be of type ${paramTypeName(type)}`);
      return type === 'any' ? null : undefined;
    }
    if (!isAssignable(arg, type)) {
      throw new Error(`arg ${i}: value has type ${goTypeName(arg)}; should be ${paramTypeName(type)}`);
    }
    return arg;
  });
  return (fn as (...a: unknown[]) => unknown)(...argv);
}
