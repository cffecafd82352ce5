// define, template, block, and the template namespace.
import type { Case } from '../support.ts';

export const TEMPLATES: readonly Case[] = [
  {
    name: 'define and call with data',
    tpl: '{{define "greet"}}hi {{.}}{{end}}{{template "greet" "bob"}}',
    want: 'hi bob',
  },
  {
    name: 'template without a pipeline gets nil dot',
    tpl: '{{define "d"}}[{{.}}]{{end}}{{template "d"}}',
    data: 'x',
    want: '[<no value>]',
  },
  {
    name: 'template with dot',
    tpl: '{{define "d"}}{{.a}}{{end}}{{template "d" .}}',
    data: { a: 1n },
    want: '1',
  },
  {
    name: '$ inside a template is its dot',
    tpl: '{{define "d"}}{{$}}{{end}}{{template "d" 5}}',
    data: 'outer',
    want: '5',
  },
  { name: 'definitions leave no text behind', tpl: 'a{{define "x"}}X{{end}}b', want: 'ab' },
  {
    name: 'template called before its definition',
    tpl: '{{template "later"}}{{define "later"}}L{{end}}',
    want: 'L',
  },
  {
    name: 'undefined template',
    tpl: '{{template "nope"}}',
    err: 'template: t:1:11: executing "t" at <{{template "nope"}}>: template "nope" not defined',
  },
  {
    name: 'error inside a defined template names it',
    tpl: '{{define "d"}}\n{{.x.y}}{{end}}{{template "d" .}}',
    data: { x: null },
    err: 'template: t:2:4: executing "d" at <.x.y>: nil pointer evaluating interface {}.y',
  },
  {
    name: 'recursion',
    tpl: '{{define "r"}}{{if .}}{{index . 0}}{{template "r" (slice . 1)}}{{end}}{{end}}{{template "r" .}}',
    data: ['a', 'b', 'c'],
    want: 'abc',
  },
  { name: 'block defines and executes', tpl: '{{block "b" .}}[{{.}}]{{end}}', data: 'x', want: '[x]' },
  {
    name: 'block is callable elsewhere',
    tpl: '{{block "b" 1}}<{{.}}>{{end}}{{template "b" 2}}',
    want: '<1><2>',
  },
  {
    name: 'executeTemplate runs a named template',
    tpl: '{{define "a"}}A{{.}}{{end}}top',
    exec: 'a',
    data: 1n,
    want: 'A1',
  },
  {
    name: 'executeTemplate of an unknown name',
    tpl: 'x',
    exec: 'zz',
    err: 'template: no template "zz" associated with template "t"',
  },
  {
    name: 'duplicate definition',
    tpl: '{{define "a"}}1{{end}}{{define "a"}}2{{end}}',
    err: 'template: t:1: template: multiple definition of template "a"',
  },
  {
    name: 'empty redefinition is ignored',
    tpl: '{{define "a"}}1{{end}}{{define "a"}} {{end}}{{template "a"}}',
    want: '1',
  },
  {
    name: 'define of the top-level name replaces an empty body',
    tpl: '{{define "t"}}body{{end}}\n',
    want: 'body',
  },
  { name: 'define with a raw string name', tpl: '{{define `r`}}R{{end}}{{template `r`}}', want: 'R' },
  {
    name: 'define needs a string name',
    tpl: '{{define x}}{{end}}',
    err: 'template: t:1: unexpected "x" in define clause',
  },
  {
    name: 'define inside an action is not allowed',
    tpl: '{{if 1}}{{define "a"}}{{end}}{{end}}',
    err: 'template: t:1: unexpected <define> in command',
  },
  { name: 'define without end', tpl: '{{define "a"}}x', err: 'template: t:1: unexpected EOF' },
  {
    name: 'define ended by else',
    tpl: '{{define "a"}}x{{else}}{{end}}',
    err: 'template: t:1: unexpected {{else}} in define clause',
  },
  {
    name: 'template name must be a string',
    tpl: '{{template .x}}',
    err: 'template: t:1: unexpected ".x" in template clause',
  },
  {
    name: 'template with a pipeline argument',
    tpl: '{{define "d"}}{{.}}{{end}}{{template "d" "a" | upper}}',
    want: 'A',
  },
  {
    name: 'nested defines calling each other',
    tpl: '{{define "a"}}a{{template "b" .}}{{end}}{{define "b"}}b{{.}}{{end}}{{template "a" 1}}',
    want: 'ab1',
  },
  {
    name: 'error location uses the parse name',
    tmplName: 'sidecar',
    tpl: 'x\n{{define "d"}}\n  {{fail}}{{end}}{{template "d"}}',
    err: 'template: sidecar:3:4: executing "d" at <fail>: error calling fail: boom',
  },
];
