// range over slices, maps, integers and nil; else, break, continue, variables.
import { person, stringMap, type Case } from '../support.ts';

const DATA = {
  list: ['a', 'b', 'c'],
  nums: [1n, 2n, 3n, 4n, 5n],
  empty: [],
  map: { zeta: 1n, alpha: 2n, mid: 3n },
  labels: stringMap({ b: 'B', a: 'A' }),
  nil: null,
  people: [person({ Name: 'Ann' }), person({ Name: 'Bo' })],
  nested: [['x', 'y'], ['z']],
};

export const RANGE: readonly Case[] = [
  {
    name: 'range over a slice sets dot',
    tpl: '{{range .list}}<{{.}}>{{end}}',
    data: DATA,
    want: '<a><b><c>',
  },
  {
    name: 'range with one variable gets the element',
    tpl: '{{range $e := .list}}{{$e}}{{end}}',
    data: DATA,
    want: 'abc',
  },
  {
    name: 'range with index and element',
    tpl: '{{range $i, $e := .list}}{{$i}}={{$e}} {{end}}',
    data: DATA,
    want: '0=a 1=b 2=c ',
  },
  {
    name: 'index is an int',
    tpl: '{{range $i, $e := .list}}{{printf "%T" $i}}{{end}}',
    data: { list: ['a'] },
    want: 'int',
  },
  {
    name: 'range over a map is in key order',
    tpl: '{{range $k, $v := .map}}{{$k}}:{{$v}} {{end}}',
    data: DATA,
    want: 'alpha:2 mid:3 zeta:1 ',
  },
  {
    name: 'range over a map sets dot to the value',
    tpl: '{{range .map}}{{.}}{{end}}',
    data: DATA,
    want: '231',
  },
  {
    name: 'range over a map[string]string',
    tpl: '{{range $k, $v := .labels}}{{$k}}={{$v}};{{end}}',
    data: DATA,
    want: 'a=A;b=B;',
  },
  { name: 'range over an int', tpl: '{{range 3}}{{.}}{{end}}', want: '012' },
  { name: 'range over an int with a variable', tpl: '{{range $i := 3}}{{$i}}{{end}}', want: '012' },
  {
    name: 'range over an int with two variables',
    tpl: '{{range $i, $e := 3}}{{end}}',
    err: 'template: t:1:18: executing "t" at <3>: can\'t use 3 to iterate over more than one variable',
  },
  { name: 'range over zero runs else', tpl: '{{range 0}}x{{else}}none{{end}}', want: 'none' },
  { name: 'range over a negative int runs else', tpl: '{{range -2}}x{{else}}none{{end}}', want: 'none' },
  {
    name: 'range over an empty slice runs else',
    tpl: '{{range .empty}}x{{else}}empty{{end}}',
    data: DATA,
    want: 'empty',
  },
  { name: 'range over nil runs else', tpl: '{{range .nil}}x{{else}}nil{{end}}', data: DATA, want: 'nil' },
  {
    name: 'range over a missing key runs else',
    tpl: '{{range .missing}}x{{else}}missing{{end}}',
    data: DATA,
    want: 'missing',
  },
  {
    name: 'range over a string is an error',
    tpl: '{{range "abc"}}{{.}}{{end}}',
    err: 'template: t:1:8: executing "t" at <"abc">: range can\'t iterate over abc',
  },
  {
    name: 'range over a float is an error',
    tpl: '{{range 1.5}}{{end}}',
    err: 'template: t:1:8: executing "t" at <1.5>: range can\'t iterate over 1.5',
  },
  {
    name: 'break stops the loop',
    tpl: '{{range .nums}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}',
    data: DATA,
    want: '12',
  },
  {
    name: 'continue skips an element',
    tpl: '{{range .nums}}{{if eq . 3}}{{continue}}{{end}}{{.}}{{end}}',
    data: DATA,
    want: '1245',
  },
  {
    name: 'break in a nested range only stops the inner loop',
    tpl: '{{range .nested}}[{{range .}}{{break}}{{end}}{{index . 0}}]{{end}}',
    data: DATA,
    want: '[x][z]',
  },
  { name: 'break outside range', tpl: '{{break}}', err: 'template: t:1: {{break}} outside {{range}}' },
  {
    name: 'continue outside range',
    tpl: '{{if 1}}{{continue}}{{end}}',
    err: 'template: t:1: {{continue}} outside {{range}}',
  },
  {
    name: 'break with an argument',
    tpl: '{{range .}}{{break 1}}{{end}}',
    err: 'template: t:1: unexpected "1" in {{break}}',
  },
  { name: 'range over structs', tpl: '{{range .people}}{{.Name}} {{end}}', data: DATA, want: 'Ann Bo ' },
  {
    name: 'nested ranges with $',
    tpl: '{{range $i, $row := .nested}}{{range $row}}{{$i}}{{.}}{{end}}{{end}}',
    data: DATA,
    want: '0x0y1z',
  },
  {
    name: 'field of an element out of []interface{}',
    tpl: '{{range .list}}{{.x}}{{end}}',
    data: { list: ['s'] },
    err: 'template: t:1:17: executing "t" at <.x>: can\'t evaluate field x in type interface {}',
  },
  {
    name: 'range assigns to existing variables',
    tpl: '{{$i := 0}}{{$e := ""}}{{range $i, $e = .list}}{{end}}{{$i}}{{$e}}',
    data: DATA,
    want: '2c',
  },
  {
    name: 'range over a struct is an error',
    tpl: '{{range .}}{{end}}',
    data: person({}),
    err: 'template: t:1:8: executing "t" at <.>: range can\'t iterate over { 0  [] map[] }',
  },
  {
    name: 'range can only initialize variables',
    tpl: '{{range $i, 3}}{{end}}',
    err: 'template: t:1: range can only initialize variables',
  },
  {
    name: 'three range variables',
    tpl: '{{range $a, $b, $c := .}}{{end}}',
    err: 'template: t:1: too many declarations in range',
  },
  {
    name: 'range variables stay visible in else',
    tpl: '{{range $x := .empty}}{{else}}{{len $x}}{{end}}',
    data: DATA,
    want: '0',
  },
];
