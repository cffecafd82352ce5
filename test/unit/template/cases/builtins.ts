// and, or, not, len, index, slice, print, println, html, js, urlquery, call.
import { FUNCS, stringMap, type Case } from '../support.ts';

const DATA = {
  list: ['a', 'b', 'c'],
  matrix: [['x', 'y'], ['z']],
  map: { k: 'v', inner: { deep: 'd' } },
  labels: stringMap({ app: 'web' }),
  s: 'héllo',
  nul: null,
  fn: FUNCS.add,
  upperFn: FUNCS.upper,
};

export const LOGIC: readonly Case[] = [
  { name: 'and returns the first empty operand', tpl: '{{and 1 0 2}}', want: '0' },
  { name: 'and returns the last operand when all are true', tpl: '{{and 1 "x" 2}}', want: '2' },
  { name: 'or returns the first non-empty operand', tpl: '{{or 0 "" "x" 3}}', want: 'x' },
  { name: 'or returns the last operand when all are empty', tpl: '{{or 0 ""}}', want: '' },
  { name: 'and short-circuits', tpl: '{{and 0 (fail)}}', want: '0' },
  { name: 'or short-circuits', tpl: '{{or 1 (fail)}}', want: '1' },
  {
    name: 'and evaluates until it decides',
    tpl: '{{and 1 (fail)}}',
    err: 'template: t:1:9: executing "t" at <fail>: error calling fail: boom',
  },
  { name: 'or of missing values', tpl: '{{or .a .b "default"}}', data: {}, want: 'default' },
  { name: 'and as a pipeline stage takes the piped value last', tpl: '{{0 | and 1}}', want: '0' },
  {
    name: 'and needs an argument',
    tpl: '{{and}}',
    err: 'template: t:1:2: executing "t" at <and>: wrong number of args for and: want at least 1 got 0',
  },
  { name: 'not', tpl: '{{not 0}} {{not "x"}} {{not .missing}}', data: {}, want: 'true false true' },
  {
    name: 'not takes one argument',
    tpl: '{{not 1 2}}',
    err: 'template: t:1:2: executing "t" at <not>: wrong number of args for not: want 1 got 2',
  },
  { name: 'or of a nil map entry', tpl: '{{or .nul "d"}}', data: DATA, want: 'd' },
];

export const LEN_INDEX_SLICE: readonly Case[] = [
  {
    name: 'len of a slice, map and string (bytes)',
    tpl: '{{len .list}} {{len .map}} {{len .s}}',
    data: DATA,
    want: '3 2 6',
  },
  { name: 'len returns an int', tpl: '{{printf "%T" (len .list)}}', data: DATA, want: 'int' },
  {
    name: 'len of an int',
    tpl: '{{len 3}}',
    err: 'template: t:1:2: executing "t" at <len 3>: error calling len: len of type int',
  },
  {
    name: 'len of nil',
    tpl: '{{len .nul}}',
    data: DATA,
    err: 'template: t:1:2: executing "t" at <len .nul>: error calling len: len of nil pointer',
  },
  {
    name: 'len of a missing value',
    tpl: '{{len .missing}}',
    data: DATA,
    err: 'template: t:1:2: executing "t" at <len .missing>: error calling len: reflect: call of reflect.Value.Type on zero Value',
  },
  { name: 'index of a slice', tpl: '{{index .list 1}}', data: DATA, want: 'b' },
  {
    name: 'index with several keys',
    tpl: '{{index .matrix 0 1}} {{index .map "inner" "deep"}}',
    data: DATA,
    want: 'y d',
  },
  {
    name: 'index of a map missing key gives the zero value',
    tpl: '{{index .map "nope"}}',
    data: DATA,
    want: '<no value>',
  },
  {
    name: 'index of a map[string]string missing key gives ""',
    tpl: '[{{index .labels "nope"}}]',
    data: DATA,
    want: '[]',
  },
  {
    name: 'index out of range',
    tpl: '{{index .list 5}}',
    data: DATA,
    err: 'template: t:1:2: executing "t" at <index .list 5>: error calling index: index out of range: 5',
  },
  {
    name: 'index at length',
    tpl: '{{index .list 3}}',
    data: DATA,
    err: 'template: t:1:2: executing "t" at <index .list 3>: error calling index: reflect: slice index out of range',
  },
  {
    name: 'negative index',
    tpl: '{{index .list -1}}',
    data: DATA,
    err: 'template: t:1:2: executing "t" at <index .list -1>: error calling index: index out of range: -1',
  },
  {
    name: 'index with a float',
    tpl: '{{index .list 1.0}}',
    data: DATA,
    err: 'template: t:1:2: executing "t" at <index .list 1.0>: error calling index: cannot index slice/array with type float64',
  },
  {
    name: 'index a map with an int',
    tpl: '{{index .map 1}}',
    data: DATA,
    err: 'template: t:1:2: executing "t" at <index .map 1>: error calling index: value has type int; should be string',
  },
  { name: 'index of a string gives a byte', tpl: '{{index "abc" 1}}', want: '98' },
  {
    name: 'index of nil',
    tpl: '{{index .nul 1}}',
    data: DATA,
    err: 'template: t:1:2: executing "t" at <index .nul 1>: error calling index: index of untyped nil',
  },
  {
    name: 'index of an int',
    tpl: '{{index 3 1}}',
    err: 'template: t:1:2: executing "t" at <index 3 1>: error calling index: can\'t index item of type int',
  },
  { name: 'index with no keys returns the item', tpl: '{{index .list}}', data: DATA, want: '[a b c]' },
  {
    name: 'index through a nil entry',
    tpl: '{{index .m "a" "b"}}',
    data: { m: { a: null } },
    err: 'template: t:1:2: executing "t" at <index .m "a" "b">: error calling index: index of nil pointer',
  },
  {
    name: 'slice a slice',
    tpl: '{{slice .list 1}} {{slice .list 1 2}} {{slice .list}}',
    data: DATA,
    want: '[b c] [b] [a b c]',
  },
  { name: 'slice a string', tpl: '{{slice "abcdef" 1 3}}', want: 'bc' },
  { name: 'slice with 3 indexes', tpl: '{{slice .list 0 1 2}}', data: DATA, want: '[a]' },
  {
    name: '3-index slice of a string',
    tpl: '{{slice "abc" 0 1 2}}',
    err: 'template: t:1:2: executing "t" at <slice "abc" 0 1 2>: error calling slice: cannot 3-index slice a string',
  },
  {
    name: 'slice out of range',
    tpl: '{{slice .list 2 9}}',
    data: DATA,
    err: 'template: t:1:2: executing "t" at <slice .list 2 9>: error calling slice: index out of range: 9',
  },
  {
    name: 'inverted slice',
    tpl: '{{slice .list 2 1}}',
    data: DATA,
    err: 'template: t:1:2: executing "t" at <slice .list 2 1>: error calling slice: invalid slice index: 2 > 1',
  },
  {
    name: 'slice of an int',
    tpl: '{{slice 3 1}}',
    err: 'template: t:1:2: executing "t" at <slice 3 1>: error calling slice: can\'t slice item of type int',
  },
];

export const PRINTING_FUNCS: readonly Case[] = [
  { name: 'print adds spaces between non-strings only', tpl: '{{print 1 2 "a" "b" 3}}', want: '1 2ab3' },
  { name: 'print of nil', tpl: '{{print nil .missing}}', data: {}, want: '<nil> <nil>' },
  { name: 'println adds spaces and a newline', tpl: '{{println "a" 1 "b"}}', want: 'a 1 b\n' },
  { name: 'print with no arguments', tpl: '[{{print}}]', want: '[]' },
  {
    name: 'html escapes',
    tpl: '{{html "<a href=\\"x\\">&\'</a>"}}',
    want: '&lt;a href=&#34;x&#34;&gt;&amp;&#39;&lt;/a&gt;',
  },
  { name: 'html of several arguments', tpl: '{{html "<" 1 2}}', want: '&lt;1 2' },
  { name: 'html of a missing value', tpl: '{{html .missing}}', data: {}, want: '&lt;no value&gt;' },
  {
    name: 'js escapes',
    tpl: '{{js "it\'s \\"x\\" <b>&= \\\\"}}',
    want: 'it\\\'s \\"x\\" \\u003Cb\\u003E\\u0026\\u003D \\\\',
  },
  { name: 'js escapes control characters', tpl: '{{js "a\\tb\\n"}}', want: 'a\\u0009b\\u000A' },
  { name: 'js keeps printable non-ASCII', tpl: '{{js "é\\u2028"}}', want: 'é\\u2028' },
  { name: 'urlquery', tpl: '{{urlquery "a b&c=d/é"}}', want: 'a+b%26c%3Dd%2F%C3%A9' },
  { name: 'urlquery of a pipeline', tpl: '{{"x y" | urlquery}}', want: 'x+y' },
  { name: 'call a function value', tpl: '{{call .fn 1 2}}', data: DATA, want: '3' },
  {
    name: 'call with wrong argument count',
    tpl: '{{call .fn 1}}',
    data: DATA,
    err: 'template: t:1:2: executing "t" at <call .fn 1>: error calling call: wrong number of args for .fn: got 1 want 2',
  },
  {
    name: 'call with a wrong argument type',
    tpl: '{{call .upperFn 1}}',
    data: DATA,
    err: 'template: t:1:2: executing "t" at <call .upperFn 1>: error calling call: arg 0: value has type int; should be string',
  },
  {
    name: 'call of nil',
    tpl: '{{call .missing}}',
    data: DATA,
    err: 'template: t:1:2: executing "t" at <call .missing>: error calling call: call of nil',
  },
  {
    name: 'call of a non-function',
    tpl: '{{call .list}}',
    data: DATA,
    err: 'template: t:1:2: executing "t" at <call .list>: error calling call: non-function .list of type []interface {}',
  },
  { name: 'len of a string constant', tpl: '{{len "abc"}}', want: '3' },
];
