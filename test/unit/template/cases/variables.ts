// Variables: declaration, assignment, scoping, $.
import type { Case } from '../support.ts';

const DATA = { name: 'app', list: ['a', 'b', 'c'], n: 2n, inner: { v: 'in' } };

export const VARIABLES: readonly Case[] = [
  { name: 'declare and use', tpl: '{{$x := .name}}{{$x}}', data: DATA, want: 'app' },
  { name: 'declaration prints nothing', tpl: '[{{$x := 1}}]', want: '[]' },
  { name: 'assignment changes the value', tpl: '{{$x := 1}}{{$x = 2}}{{$x}}', want: '2' },
  { name: '$ is the data', tpl: '{{with .inner}}{{$.name}}/{{.v}}{{end}}', data: DATA, want: 'app/in' },
  { name: '$ alone', tpl: '{{$}}', data: 'top', want: 'top' },
  { name: 'field of a variable', tpl: '{{$i := .inner}}{{$i.v}}', data: DATA, want: 'in' },
  {
    name: 'variable scope ends at end',
    tpl: '{{if 1}}{{$x := 1}}{{end}}{{$x}}',
    err: 'template: t:1: undefined variable "$x"',
  },
  { name: 'undefined variable', tpl: '{{$nope}}', err: 'template: t:1: undefined variable "$nope"' },
  {
    name: 'assignment in an inner scope updates the outer variable',
    tpl: '{{$x := 1}}{{if 1}}{{$x = 2}}{{end}}{{$x}}',
    want: '2',
  },
  {
    name: 'redeclaration shadows inside the block',
    tpl: '{{$x := 1}}{{if 1}}{{$x := 2}}{{$x}}{{end}}{{$x}}',
    want: '21',
  },
  {
    name: 'assignment in range persists (first flag idiom)',
    tpl: '{{$first := true}}{{range .list}}{{if not $first}},{{end}}{{$first = false}}{{.}}{{end}}',
    data: DATA,
    want: 'a,b,c',
  },
  { name: 'variable in a pipeline', tpl: '{{$x := "v"}}{{$x | upper}}', want: 'V' },
  { name: 'variable declared by a pipeline', tpl: '{{$x := .name | upper}}{{$x}}', data: DATA, want: 'APP' },
  {
    name: 'variables are not inherited by template calls',
    tpl: '{{define "d"}}{{$x}}{{end}}{{$x := 1}}{{template "d"}}',
    err: 'template: t:1: undefined variable "$x"',
  },
  {
    name: 'too many declarations',
    tpl: '{{$a, $b := 1}}',
    err: 'template: t:1: too many declarations in command',
  },
  {
    name: 'variable with arguments',
    tpl: '{{$x := 1}}{{$x 2}}',
    err: 'template: t:1:13: executing "t" at <$x>: can\'t give argument to non-function $x',
  },
  { name: 'field of a nil variable', tpl: '{{$x := .nothing}}{{$x.f}}', data: DATA, want: '<no value>' },
  {
    name: 'variable holding a map key with spaces',
    tpl: '{{$m := .}}{{index $m "name"}}',
    data: DATA,
    want: 'app',
  },
  {
    name: 'assigning an undeclared variable fails at execution',
    tpl: '{{$y = 1}}',
    err: 'template: t:1:7: executing "t" at <1>: undefined variable: $y',
  },
];
