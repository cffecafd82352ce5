// Parse-tree nodes, shaped like Go's text/template/parse nodes. `pos` is the offset of the node in the
// template text; `toString` renders a node the way Go's Node.String does (it appears in error messages
// as the failing action: `executing "t" at <.Foo.Bar>`).
import { quote } from './strconv.ts';
import type { GoComplex } from './values.ts';

export const NodeType = {
  Text: 0,
  Action: 1,
  Bool: 2,
  Chain: 3,
  Command: 4,
  Dot: 5,
  Else: 6, // not added to trees
  End: 7, // not added to trees
  Field: 8,
  Identifier: 9,
  If: 10,
  List: 11,
  Nil: 12,
  Number: 13,
  Pipe: 14,
  Range: 15,
  String: 16,
  Template: 17,
  Variable: 18,
  With: 19,
  Comment: 20,
  Break: 21,
  Continue: 22,
} as const;

export interface TextNode {
  readonly type: typeof NodeType.Text;
  readonly pos: number;
  readonly text: string;
}

export interface ListNode {
  readonly type: typeof NodeType.List;
  readonly pos: number;
  readonly nodes: Node[];
}

export interface PipeNode {
  readonly type: typeof NodeType.Pipe;
  readonly pos: number;
  readonly line: number;
  isAssign: boolean;
  readonly decl: VariableNode[];
  readonly cmds: CommandNode[];
}

export interface ActionNode {
  readonly type: typeof NodeType.Action;
  readonly pos: number;
  readonly line: number;
  readonly pipe: PipeNode;
}

export interface CommandNode {
  readonly type: typeof NodeType.Command;
  readonly pos: number;
  readonly args: ArgNode[];
}

export interface IdentifierNode {
  readonly type: typeof NodeType.Identifier;
  readonly pos: number;
  readonly ident: string;
}

export interface VariableNode {
  readonly type: typeof NodeType.Variable;
  readonly pos: number;
  /** Variable name and then field names: `$x.A.B` is ["$x", "A", "B"]. */
  readonly ident: string[];
}

export interface DotNode {
  readonly type: typeof NodeType.Dot;
  readonly pos: number;
}

export interface NilNode {
  readonly type: typeof NodeType.Nil;
  readonly pos: number;
}

export interface FieldNode {
  readonly type: typeof NodeType.Field;
  readonly pos: number;
  /** `.A.B` is ["A", "B"]. */
  readonly ident: string[];
}

export interface ChainNode {
  readonly type: typeof NodeType.Chain;
  readonly pos: number;
  readonly node: ArgNode;
  readonly field: string[];
}

export interface BoolNode {
  readonly type: typeof NodeType.Bool;
  readonly pos: number;
  readonly value: boolean;
}

export interface NumberNode {
  readonly type: typeof NodeType.Number;
  readonly pos: number;
  readonly isInt: boolean;
  readonly isUint: boolean;
  readonly isFloat: boolean;
  readonly isComplex: boolean;
  readonly int64: bigint;
  readonly uint64: bigint;
  readonly float64: number;
  readonly complex: GoComplex | undefined;
  /** The original text. */
  readonly text: string;
}

export interface StringNode {
  readonly type: typeof NodeType.String;
  readonly pos: number;
  /** The original text, with quotes. */
  readonly quoted: string;
  readonly text: string;
}

export interface BranchNode<T extends typeof NodeType.If | typeof NodeType.Range | typeof NodeType.With> {
  readonly type: T;
  readonly pos: number;
  readonly line: number;
  readonly pipe: PipeNode;
  readonly list: ListNode;
  readonly elseList: ListNode | undefined;
}
export type IfNode = BranchNode<typeof NodeType.If>;
export type RangeNode = BranchNode<typeof NodeType.Range>;
export type WithNode = BranchNode<typeof NodeType.With>;

export interface TemplateNode {
  readonly type: typeof NodeType.Template;
  readonly pos: number;
  readonly line: number;
  readonly name: string;
  readonly pipe: PipeNode | undefined;
}

export interface BreakNode {
  readonly type: typeof NodeType.Break;
  readonly pos: number;
  readonly line: number;
}

export interface ContinueNode {
  readonly type: typeof NodeType.Continue;
  readonly pos: number;
  readonly line: number;
}

export interface CommentNode {
  readonly type: typeof NodeType.Comment;
  readonly pos: number;
  readonly text: string;
}

/** `else` and `end` only exist while parsing. */
export interface ElseNode {
  readonly type: typeof NodeType.Else;
  readonly pos: number;
  readonly line: number;
}

export interface EndNode {
  readonly type: typeof NodeType.End;
  readonly pos: number;
}

/** Nodes that can be the operands of a command. */
export type ArgNode =
  | IdentifierNode
  | VariableNode
  | DotNode
  | NilNode
  | FieldNode
  | ChainNode
  | BoolNode
  | NumberNode
  | StringNode
  | PipeNode;

export type Node =
  | TextNode
  | ListNode
  | ActionNode
  | CommandNode
  | IfNode
  | RangeNode
  | WithNode
  | TemplateNode
  | BreakNode
  | ContinueNode
  | CommentNode
  | ElseNode
  | EndNode
  | ArgNode;

/** A parsed template: its name and root list. */
export interface Tree {
  readonly name: string;
  readonly root: ListNode;
}

/** Renders a node the way Go's parse.Node.String does. */
export function nodeString(node: Node): string {
  switch (node.type) {
    case NodeType.Text:
      return node.text;
    case NodeType.List:
      return node.nodes.map(nodeString).join('');
    case NodeType.Pipe: {
      let out = '';
      if (node.decl.length > 0) {
        out += node.decl.map(nodeString).join(', ');
        out += node.isAssign ? ' = ' : ' := ';
      }
      return out + node.cmds.map(nodeString).join(' | ');
    }
    case NodeType.Action:
      return '{{' + nodeString(node.pipe) + '}}';
    case NodeType.Command:
      return node.args
        .map((arg) => (arg.type === NodeType.Pipe ? `(${nodeString(arg)})` : nodeString(arg)))
        .join(' ');
    case NodeType.Identifier:
      return node.ident;
    case NodeType.Variable:
      return node.ident.join('.');
    case NodeType.Dot:
      return '.';
    case NodeType.Nil:
      return 'nil';
    case NodeType.Field:
      return node.ident.map((id) => '.' + id).join('');
    case NodeType.Chain: {
      const head = node.node.type === NodeType.Pipe ? `(${nodeString(node.node)})` : nodeString(node.node);
      return head + node.field.map((f) => '.' + f).join('');
    }
    case NodeType.Bool:
      return node.value ? 'true' : 'false';
    case NodeType.Number:
      return node.text;
    case NodeType.String:
      return node.quoted;
    case NodeType.If:
    case NodeType.Range:
    case NodeType.With: {
      const name = node.type === NodeType.If ? 'if' : node.type === NodeType.Range ? 'range' : 'with';
      let out = `{{${name} ${nodeString(node.pipe)}}}${nodeString(node.list)}`;
      if (node.elseList !== undefined) out += '{{else}}' + nodeString(node.elseList);
      return out + '{{end}}';
    }
    case NodeType.Template:
      return `{{template ${quote(node.name)}${node.pipe !== undefined ? ' ' + nodeString(node.pipe) : ''}}}`;
    case NodeType.Break:
      return '{{break}}';
    case NodeType.Continue:
      return '{{continue}}';
    case NodeType.Comment:
      return '{{' + node.text + '}}';
    case NodeType.Else:
      return '{{else}}';
    case NodeType.End:
      return '{{end}}';
  }
}
