// sprig dicts. Expected values are Go's (see ../support.ts).
import type { Case } from '../support.ts';

export const CASES: readonly Case[] = [
  {
    name: 'dict',
    tpl: '{{ dict "a" 1 "b" "x" }} {{ dict "a" }} {{ dict 1 2 }} {{ dict }} {{ dict .mode 1 }}',
    want: 'map[a:1 b:x] map[a:] map[1:2] map[] map[TPROXY:1]',
  },
  {
    name: 'get',
    tpl: '{{ get .Values.map "a" }} {{ get .Values.map "zz" }}| {{ get .Values.missing "a" }}| {{ get .nilMap "a" }}|',
    want: 'x | | |',
  },
  {
    name: 'get rejects a nil interface',
    tpl: '{{ get .Values.nil "a" }}',
    err: 'template: t:1:3: executing "t" at <get .Values.nil "a">: error calling get: wrong type for value; expected map[string]interface {}; got interface {}',
    deviation:
      "Go's executor rejects a Go-typed argument before the call and reports it at the argument (`at <.x>: wrong type for value`); here the function rejects it, so the message names the call (`at <f .x>: error calling f: wrong type for value`) with the same reason",
    goErr:
      'template: t:1:14: executing "t" at <.Values.nil>: wrong type for value; expected map[string]interface {}; got interface {}',
  },
  {
    name: 'get rejects a map[string]string',
    tpl: '{{ get .labels "app" }}',
    err: 'template: t:1:3: executing "t" at <get .labels "app">: error calling get: wrong type for value; expected map[string]interface {}; got map[string]string',
    deviation:
      "Go's executor rejects a Go-typed argument before the call and reports it at the argument (`at <.x>: wrong type for value`); here the function rejects it, so the message names the call (`at <f .x>: error calling f: wrong type for value`) with the same reason",
    goErr:
      'template: t:1:7: executing "t" at <.labels>: wrong type for value; expected map[string]interface {}; got map[string]string',
  },
  {
    name: 'set changes the dict in place',
    tpl: '{{ $d := dict "a" 1 }}{{ $_ := set $d "b" 2 }}{{ $d }}',
    want: 'map[a:1 b:2]',
  },
  {
    name: 'set on a nil map panics',
    tpl: '{{ set .nilMap "a" 1 }}',
    err: 'template: t:1:3: executing "t" at <set .nilMap "a" 1>: error calling set: assignment to entry in nil map',
  },
  {
    name: 'unset',
    tpl: '{{ unset (dict "a" 1 "b" 2) "a" }} {{ unset .nilMap "a" | len }}',
    want: 'map[b:2] 0',
  },
  {
    name: 'hasKey',
    tpl: '{{ hasKey .Values.map "a" }} {{ hasKey .Values.map "zz" }} {{ hasKey .nilMap "a" }} {{ hasKey .Values.map.c "d" }}',
    want: 'true false false true',
  },
  {
    name: 'hasKey rejects a nil interface',
    tpl: '{{ hasKey .Values.nil "a" }}',
    err: 'template: t:1:3: executing "t" at <hasKey .Values.nil "a">: error calling hasKey: wrong type for value; expected map[string]interface {}; got interface {}',
    deviation:
      "Go's executor rejects a Go-typed argument before the call and reports it at the argument (`at <.x>: wrong type for value`); here the function rejects it, so the message names the call (`at <f .x>: error calling f: wrong type for value`) with the same reason",
    goErr:
      'template: t:1:17: executing "t" at <.Values.nil>: wrong type for value; expected map[string]interface {}; got interface {}',
  },
  {
    name: 'hasKey rejects a map[string]string',
    tpl: '{{ hasKey .ObjectMeta.Annotations "empty" }}',
    err: 'template: t:1:3: executing "t" at <hasKey .ObjectMeta.Annotations "empty">: error calling hasKey: wrong type for value; expected map[string]interface {}; got map[string]string',
    deviation:
      "Go's executor rejects a Go-typed argument before the call and reports it at the argument (`at <.x>: wrong type for value`); here the function rejects it, so the message names the call (`at <f .x>: error calling f: wrong type for value`) with the same reason",
    goErr:
      'template: t:1:21: executing "t" at <.ObjectMeta.Annotations>: wrong type for value; expected map[string]interface {}; got map[string]string',
  },
  {
    name: 'pluck',
    tpl: '{{ pluck "a" (dict "a" 1) (dict "b" 2) (dict "a" 3) }} {{ pluck "a" }}',
    want: '[1 3] []',
  },
  {
    name: 'keys',
    tpl: '{{ keys .Values.map | sortAlpha }} {{ keys (dict "b" 1) (dict "a" 2) | sortAlpha }} {{ keys }}',
    want: '[a b c] [a b] []',
  },
  { name: 'values', tpl: '{{ values (dict "a" 1) }} {{ values .nilMap }}', want: '[1] []' },
  { name: 'pick', tpl: '{{ pick .Values.map "a" "zz" }} {{ pick .nilMap "a" }}', want: 'map[a:x] map[]' },
  {
    name: 'merge fills missing and empty keys and merges nested maps',
    tpl: '{{ merge (dict "a" 1 "b" (dict "x" 1)) (dict "a" 2 "c" 3 "b" (dict "y" 2)) }}',
    want: 'map[a:1 b:map[x:1 y:2] c:3]',
  },
  {
    name: 'merge replaces empty values',
    tpl: '{{ merge (dict "a" 0 "b" "" "c" (list) "d" false) (dict "a" 1 "b" "x" "c" (list 1) "d" true) }}',
    want: 'map[a:1 b:x c:[1] d:true]',
  },
  {
    name: 'merge keeps lists and scalars',
    tpl: '{{ merge (dict "l" (list 1 2) "s" "x") (dict "l" (list 3) "s" (list 9)) }}',
    want: 'map[l:[1 2] s:x]',
  },
  {
    name: 'mergeOverwrite',
    tpl: '{{ mergeOverwrite (dict "a" 1 "b" (dict "x" 1)) (dict "a" 2 "b" (dict "x" 5 "y" 2)) }}',
    want: 'map[a:2 b:map[x:5 y:2]]',
  },
  {
    name: 'mergeOverwrite with nil and lists',
    tpl: '{{ mergeOverwrite (dict "a" 1 "l" (list 1 2)) (dict "a" .Values.nil "l" (list 3)) }}',
    want: 'map[a:<nil> l:[3]]',
  },
  {
    name: 'mergeOverwrite keeps keys src lacks',
    tpl: '{{ mergeOverwrite (dict "a" 1 "b" 2) (dict "b" 3) (dict "c" 4) }}',
    want: 'map[a:1 b:3 c:4]',
  },
  {
    name: 'merge changes dst in place',
    tpl: '{{ $a := dict "x" 1 }}{{ $_ := merge $a (dict "y" 2) }}{{ $a }}',
    want: 'map[x:1 y:2]',
  },
  { name: 'merge into a nil map', tpl: '{{ merge .nilMap (dict "a" 1) }}', want: 'map[a:1]' },
  {
    name: 'deepCopy',
    tpl: '{{ $a := dict "x" (list 1) }}{{ $b := deepCopy $a }}{{ $_ := set $b "y" 2 }}{{ $a }} {{ $b }} {{ deepCopy .labels }} {{ deepCopy 3 }}',
    want: 'map[x:[1]] map[x:[1] y:2] map[app:web tier:front] 3',
  },
  {
    name: 'dig',
    tpl: '{{ dig "global" "proxy" "statusPort" "none" .Values }} {{ dig "global" "nope" "x" "none" .Values }} {{ dig "map" "c" "d" "none" .Values }}',
    want: '15020 none <no value>',
  },
  {
    name: 'dig needs three arguments',
    tpl: '{{ dig "a" "b" }}',
    err: 'template: t:1:3: executing "t" at <dig "a" "b">: error calling dig: dig needs at least three arguments',
  },
  {
    name: 'dig through a string panics',
    tpl: '{{ dig "map" "a" "b" "none" .Values }}',
    err: 'template: t:1:3: executing "t" at <dig "map" "a" "b" "none" .Values>: error calling dig: interface conversion: interface {} is string, not map[string]interface {}',
  },
];
