// Error messages with template name, line and column, for parse and execution errors.
import type { Case } from '../support.ts';

export const ERRORS: readonly Case[] = [
  {
    name: 'exec error column on a later line',
    tpl: 'line1\nline2 {{.a.b}}',
    data: { a: null },
    err: 'template: t:2:10: executing "t" at <.a.b>: nil pointer evaluating interface {}.b',
  },
  {
    name: 'exec error column counts bytes',
    tpl: 'é {{.a.b}}',
    data: { a: null },
    err: 'template: t:1:7: executing "t" at <.a.b>: nil pointer evaluating interface {}.b',
  },
  {
    name: 'error context shows the whole command',
    tpl: '{{index .l 9 | printf "%v"}}',
    data: { l: [] },
    err: 'template: t:1:2: executing "t" at <index .l 9>: error calling index: index out of range: 9',
  },
  {
    name: 'error in a parenthesised pipeline',
    tpl: '{{print (index .l 1)}}',
    data: { l: [] },
    err: 'template: t:1:9: executing "t" at <index .l 1>: error calling index: index out of range: 1',
  },
  {
    name: 'error in an if condition',
    tpl: '{{if .a.b}}x{{end}}',
    data: { a: null },
    err: 'template: t:1:7: executing "t" at <.a.b>: nil pointer evaluating interface {}.b',
  },
  {
    name: 'error in a range pipeline',
    tpl: '\n\n{{range .a.b}}{{end}}',
    data: { a: null },
    err: 'template: t:3:10: executing "t" at <.a.b>: nil pointer evaluating interface {}.b',
  },
  {
    name: 'parse error line in a later line',
    tpl: 'a\nb\n{{if}}',
    err: 'template: t:3: missing value for if',
  },
  {
    name: 'parse error inside a define',
    tpl: '{{define "x"}}\n{{nope}}{{end}}',
    err: 'template: t:2: function "nope" not defined',
  },
  { name: 'unexpected EOF in a range', tpl: '{{range .}}\n', err: 'template: t:2: unexpected EOF' },
  {
    name: 'unexpected token in a parenthesised pipeline',
    tpl: '{{(1 := 2)}}',
    err: 'template: t:1: unexpected ":=" in operand',
  },
  {
    name: 'missing value in parens',
    tpl: '{{print ()}}',
    err: 'template: t:1: missing value for parenthesized pipeline',
  },
  { name: 'a trailing pipe symbol is accepted', tpl: '{{if 1 | }}x{{end}}', want: 'x' },
  {
    name: 'field on a string value from a map',
    tpl: '{{.a.b.c}}',
    data: { a: { b: 's' } },
    err: 'template: t:1:4: executing "t" at <.a.b.c>: can\'t evaluate field c in type interface {}',
  },
  {
    name: 'field on an int variable',
    tpl: '{{$x := 1}}{{$x.f}}',
    err: 'template: t:1:15: executing "t" at <$x.f>: can\'t evaluate field f in type int',
  },
  {
    name: 'long text in unexpected token',
    tpl: '{{1 "abcdefghijklmnop" := }}',
    err: 'template: t:1: unexpected ":=" in operand',
  },
  {
    name: 'unexpected long string after template name',
    tpl: '{{template "a" "abcdefghijklmnop" "c" = }}',
    err: 'template: t:1: unexpected "=" in operand',
  },
  {
    name: 'unterminated string on a later line',
    tpl: 'x\n{{"abc\n"}}',
    err: 'template: t:2: unterminated quoted string',
  },
];
