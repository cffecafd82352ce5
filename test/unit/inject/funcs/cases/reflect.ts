// sprig reflection. Expected values are Go's (see ../support.ts).
import type { Case } from '../support.ts';

export const CASES: readonly Case[] = [
  {
    name: 'typeOf',
    tpl: '{{ typeOf 1 }} {{ typeOf 1.5 }} {{ typeOf "a" }} {{ typeOf .Values.list }} {{ typeOf .Values.map }} {{ typeOf .labels }} {{ typeOf .Values.nil }} {{ typeOf .pair }} {{ typeOf .ptrPair }} {{ typeOf .mode }} {{ typeOf true }}',
    want: 'int float64 string []interface {} map[string]interface {} map[string]string <nil> main.Pair *main.Pair main.Mode bool',
  },
  {
    name: 'kindOf',
    tpl: '{{ kindOf 1 }} {{ kindOf .Values.list }} {{ kindOf .Values.map }} {{ kindOf .labels }} {{ kindOf .pair }} {{ kindOf .ptrPair }} {{ kindOf .Values.nil }} {{ kindOf "s" }} {{ kindOf 1.5 }} {{ kindOf true }} {{ kindOf .nilPair }}',
    want: 'int slice map map struct ptr invalid string float64 bool ptr',
  },
  {
    name: 'typeIs, typeIsLike, kindIs',
    tpl: '{{ typeIs "int" 1 }} {{ typeIs "string" 1 }} {{ typeIsLike "main.Pair" .ptrPair }} {{ typeIsLike "main.Pair" .pair }} {{ kindIs "map" .Values.map }} {{ kindIs "slice" .Values.list }}',
    want: 'true false true true true true',
  },
  {
    name: 'deepEqual',
    tpl: '{{ deepEqual .Values.map .Values.map }} {{ deepEqual (list 1 2) (list 1 2) }} {{ deepEqual 1 1.0 }} {{ deepEqual .Values.nil .Values.missing }} {{ deepEqual (dict "a" 1) (dict "a" 1) }} {{ deepEqual .labels (dict "app" "web" "tier" "front") }} {{ deepEqual .pair .pair }}',
    want: 'true true false true true false true',
  },
];
