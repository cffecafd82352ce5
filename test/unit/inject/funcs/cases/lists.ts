// sprig lists. Expected values are Go's (see ../support.ts).
import type { Case } from '../support.ts';

export const CASES: readonly Case[] = [
  {
    name: 'list keeps nils',
    tpl: '{{ list 1 "a" .Values.nil }} {{ list }} {{ tuple 1 2 }}',
    want: '[1 a <nil>] [] [1 2]',
  },
  {
    name: 'append and prepend',
    tpl: '{{ append .strs "d" }} {{ push .ints 4 }} {{ prepend (list 1 2) 0 }} {{ append .Values.emptyList 1 }}',
    want: '[b a c d] [3 1 2 4] [0 1 2] [1]',
  },
  {
    name: 'append returns a fresh list',
    tpl: '{{ $l := list 1 }}{{ $m := append $l 2 }}{{ $l }} {{ $m }}',
    want: '[1] [1 2]',
  },
  {
    name: 'append to nil panics',
    tpl: '{{ append .Values.nil "d" }}',
    err: 'template: t:1:3: executing "t" at <append .Values.nil "d">: error calling append: runtime error: invalid memory address or nil pointer dereference',
  },
  {
    name: 'append to a string panics',
    tpl: '{{ append "abc" "d" }}',
    err: 'template: t:1:3: executing "t" at <append "abc" "d">: error calling append: Cannot push on type string',
  },
  {
    name: 'append to a map panics',
    tpl: '{{ mustAppend .labels "d" }}',
    err: 'template: t:1:3: executing "t" at <mustAppend .labels "d">: error calling mustAppend: Cannot push on type map',
  },
  {
    name: 'prepend to a struct panics',
    tpl: '{{ prepend .pair 1 }}',
    err: 'template: t:1:3: executing "t" at <prepend .pair 1>: error calling prepend: Cannot prepend on type struct',
  },
  {
    name: 'first, last, rest, initial',
    tpl: '{{ first .strs }} {{ last .strs }} {{ rest .strs }} {{ initial .strs }} {{ first .Values.emptyList }} {{ rest .Values.emptyList }} {{ initial .Values.emptyList }}',
    want: 'b c [a c] [b a] <no value> [] []',
  },
  {
    name: 'first of a map panics',
    tpl: '{{ first .labels }}',
    err: 'template: t:1:3: executing "t" at <first .labels>: error calling first: Cannot find first on type map',
  },
  {
    name: 'last of nil panics',
    tpl: '{{ last .Values.nil }}',
    err: 'template: t:1:3: executing "t" at <last .Values.nil>: error calling last: runtime error: invalid memory address or nil pointer dereference',
  },
  {
    name: 'rest of a nil pointer panics',
    tpl: '{{ rest .nilPair }}',
    err: 'template: t:1:3: executing "t" at <rest .nilPair>: error calling rest: Cannot find rest on type ptr',
  },
  {
    name: 'uniq uses deep equality',
    tpl: '{{ uniq .Values.list }} {{ uniq (list 1 1.0 "1" 1) }} {{ uniq (list (list 1) (list 1)) }}',
    want: '[a b 1 <nil> ] [1 1 1] [[1]]',
  },
  {
    name: 'has',
    tpl: '{{ has "a" .strs }} {{ has 1 .ints }} {{ has 1.0 .ints }} {{ has "x" .Values.nil }} {{ has .Values.nil .Values.list }}',
    want: 'true true false false true',
  },
  {
    name: 'has on a string panics',
    tpl: '{{ has 1 "abc" }}',
    err: 'template: t:1:3: executing "t" at <has 1 "abc">: error calling has: Cannot find has on type string',
  },
  {
    name: 'without',
    tpl: '{{ without .strs "a" "c" }} {{ without .Values.list .Values.nil "" }}',
    want: '[b] [a b a 1]',
  },
  {
    name: 'concat',
    tpl: '{{ concat .strs (list 1) .ints }} {{ concat }} {{ concat (list) (list) }}',
    want: '[b a c 1 3 1 2] [] []',
  },
  {
    name: 'concat of a non-list panics',
    tpl: '{{ concat .strs "x" }}',
    err: 'template: t:1:3: executing "t" at <concat .strs "x">: error calling concat: Cannot concat type string as list',
  },
  { name: 'reverse', tpl: '{{ reverse .strs }} {{ reverse .Values.emptyList }}', want: '[c a b] []' },
  {
    name: 'slice',
    tpl: '{{ slice .strs 1 }} {{ slice .strs 1 2 }} {{ slice .strs }} {{ slice .Values.emptyList }} {{ slice .strs "1" }}',
    want: '[a c] [a] [b a c] <no value> [a c]',
  },
  {
    name: 'slice out of range panics',
    tpl: '{{ slice .strs 2 1 }}',
    err: 'template: t:1:3: executing "t" at <slice .strs 2 1>: error calling slice: reflect.Value.Slice: slice index out of bounds',
  },
  {
    name: 'chunk',
    tpl: '{{ chunk 2 (list 1 2 3 4 5) }} {{ chunk 2 (list) }} {{ chunk 3 (list 1 2 3) }}',
    want: '[[1 2] [3 4] [5]] [] [[1 2 3]]',
  },
  {
    name: 'until and untilStep',
    tpl: '{{ until 3 }} {{ until -3 }} {{ until 0 }} {{ untilStep 1 10 3 }} {{ untilStep 10 1 -4 }} {{ untilStep 1 10 -1 }} {{ untilStep 1 10 0 }}',
    want: '[0 1 2] [0 -1 -2] [] [1 4 7] [10 6 2] [] []',
  },
  {
    name: 'until needs an int',
    tpl: '{{ until .Values.num }}',
    err: 'template: t:1:16: executing "t" at <.Values.num>: wrong type for value; expected int; got float64',
  },
  {
    name: 'seq',
    tpl: '{{ seq 3 }}|{{ seq 2 5 }}|{{ seq 5 2 }}|{{ seq 0 2 10 }}|{{ seq 10 -3 1 }}|{{ seq 1 2 3 4 }}|{{ seq }}|{{ seq 0 }}|{{ seq 1 -1 5 }}',
    want: '1 2 3|2 3 4 5|5 4 3 2|0 2 4 6 8 10|10 7 4 1|||1 0|',
  },
  { name: 'range over until', tpl: '{{ range $i := until 3 }}{{ $i }};{{ end }}', want: '0;1;2;' },
];
