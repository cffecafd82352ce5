// eq, ne, lt, le, gt, ge and Go's comparison rules.
import { mode, nilBoolValue, pair, person, stringMap, type Case } from '../support.ts';

const DATA = {
  i: 3n,
  f: 3,
  s: 'abc',
  b: true,
  list: [1n],
  map: { a: 1n },
  nul: null,
  labels: stringMap({ a: 'x' }),
};

export const COMPARISONS: readonly Case[] = [
  { name: 'eq ints', tpl: '{{eq 1 1}} {{eq 1 2}}', want: 'true false' },
  { name: 'eq strings', tpl: '{{eq .s "abc"}} {{eq "a" "b"}}', data: DATA, want: 'true false' },
  { name: 'eq floats', tpl: '{{eq .f 3.0}}', data: DATA, want: 'true' },
  { name: 'eq bools', tpl: '{{eq .b true}}', data: DATA, want: 'true' },
  {
    name: 'eq with several candidates',
    tpl: '{{eq .s "x" "y" "abc"}} {{eq 1 2 3}}',
    data: DATA,
    want: 'true false',
  },
  {
    name: 'eq int and float is an error',
    tpl: '{{eq .i .f}}',
    data: DATA,
    err: 'template: t:1:2: executing "t" at <eq .i .f>: error calling eq: incompatible types for comparison: int and float64',
  },
  {
    name: 'eq float from JSON and int constant is an error',
    tpl: '{{eq .f 3}}',
    data: DATA,
    err: 'template: t:1:2: executing "t" at <eq .f 3>: error calling eq: incompatible types for comparison: float64 and int',
  },
  {
    name: 'eq string and int is an error',
    tpl: '{{eq "1" 1}}',
    err: 'template: t:1:2: executing "t" at <eq "1" 1>: error calling eq: incompatible types for comparison: string and int',
  },
  {
    name: 'eq with a missing value is false, not an error',
    tpl: '{{eq .missing "x"}}',
    data: DATA,
    want: 'false',
  },
  {
    name: 'eq of a missing map[string]string key and ""',
    tpl: '{{eq .labels.b ""}}',
    data: DATA,
    want: 'false',
  },
  {
    name: 'eq of index of a missing map[string]string key and ""',
    tpl: '{{eq (index .labels "b") ""}}',
    data: DATA,
    want: 'true',
  },
  { name: 'eq nil and nil', tpl: '{{eq .nul .missing}}', data: DATA, want: 'true' },
  {
    name: 'eq of slices is an error',
    tpl: '{{eq .list .list}}',
    data: DATA,
    err: 'template: t:1:2: executing "t" at <eq .list .list>: error calling eq: non-comparable type [%!s(int=1)]: []interface {}',
  },
  {
    name: 'eq of a map and a slice',
    tpl: '{{eq .map .list}}',
    data: DATA,
    err: 'template: t:1:2: executing "t" at <eq .map .list>: error calling eq: non-comparable types map[a:%!s(int=1)]: map[string]interface {}, []interface {}: [1]',
  },
  { name: 'eq of a map and nil', tpl: '{{eq .map .nul}}', data: DATA, want: 'false' },
  {
    name: 'eq of structs with slice fields is an error',
    tpl: '{{eq .a .b}}',
    data: { a: person({ Name: 'x' }), b: person({ Name: 'x' }) },
    err: 'template: t:1:2: executing "t" at <eq .a .b>: error calling eq: non-comparable type {x %!s(int=0)  [] map[] }: main.Person',
  },
  {
    name: 'eq of comparable structs compares fields',
    tpl: '{{eq .a .b}} {{eq .a .c}}',
    data: { a: pair('k', 1n), b: pair('k', 1n), c: pair('k', 'x') },
    want: 'true false',
  },
  { name: 'eq of a named int and an int', tpl: '{{eq .m 1}}', data: { m: mode(1) }, want: 'true' },
  { name: 'eq of a nil pointer and nil', tpl: '{{eq .p nil}}', data: { p: nilBoolValue() }, want: 'true' },
  {
    name: 'eq needs two arguments',
    tpl: '{{eq 1}}',
    err: 'template: t:1:2: executing "t" at <eq 1>: error calling eq: missing argument for comparison',
  },
  { name: 'ne', tpl: '{{ne 1 2}} {{ne "a" "a"}}', want: 'true false' },
  {
    name: 'ne takes exactly two arguments',
    tpl: '{{ne 1 2 3}}',
    err: 'template: t:1:2: executing "t" at <ne>: wrong number of args for ne: want 2 got 3',
  },
  {
    name: 'lt le gt ge on ints',
    tpl: '{{lt 1 2}} {{le 2 2}} {{gt 1 2}} {{ge 2 3}}',
    want: 'true true false false',
  },
  { name: 'lt on strings', tpl: '{{lt "a" "b"}} {{lt "b" "a"}}', want: 'true false' },
  { name: 'lt on floats', tpl: '{{lt 1.5 2.5}}', want: 'true' },
  {
    name: 'lt on bools is invalid',
    tpl: '{{lt true false}}',
    err: 'template: t:1:2: executing "t" at <lt true false>: error calling lt: invalid type for comparison',
  },
  {
    name: 'lt with a missing value is invalid',
    tpl: '{{lt .missing 1}}',
    data: DATA,
    err: 'template: t:1:2: executing "t" at <lt .missing 1>: error calling lt: invalid type for comparison',
  },
  {
    name: 'lt int and float',
    tpl: '{{lt 1 1.5}}',
    err: 'template: t:1:2: executing "t" at <lt 1 1.5>: error calling lt: incompatible types for comparison: int and float64',
  },
  {
    name: 'gt with a map',
    tpl: '{{gt .map 1}}',
    data: DATA,
    err: 'template: t:1:2: executing "t" at <gt .map 1>: error calling gt: invalid type for comparison',
  },
  { name: 'comparison in a pipeline', tpl: '{{if 3 | lt 2}}yes{{end}}', want: 'yes' },
  { name: 'le of equal strings', tpl: '{{le "a" "a"}} {{ge "a" "a"}}', want: 'true true' },
];
