// sprig defaults: default, empty, coalesce, ternary, all, any, compact. Expected values are Go's (see ../support.ts).
import type { Case } from '../support.ts';

export const CASES: readonly Case[] = [
  { name: 'default replaces a float64 zero', tpl: '{{ default "d" .Values.zero }}', want: 'd' },
  { name: 'default as a pipeline stage', tpl: '{{ .Values.zero | default "d" }}', want: 'd' },
  { name: 'default keeps a set number', tpl: '{{ .Values.num | default 7 }}', want: '4' },
  { name: 'default replaces an empty string', tpl: '{{ "" | default "x" }}', want: 'x' },
  { name: 'default replaces false', tpl: '{{ false | default "x" }}', want: 'x' },
  { name: 'default replaces a JSON null', tpl: '{{ .Values.nil | default "x" }}', want: 'x' },
  { name: 'default replaces a missing key', tpl: '{{ .Values.missing | default "x" }}', want: 'x' },
  { name: 'default replaces an empty list', tpl: '{{ .Values.emptyList | default "x" }}', want: 'x' },
  { name: 'default replaces an empty map', tpl: '{{ .Values.emptyMap | default "x" }}', want: 'x' },
  { name: 'default keeps a struct', tpl: '{{ .pair | default "x" }}', want: '{k 1.5}' },
  { name: 'default replaces a nil pointer', tpl: '{{ .nilPair | default "x" }}', want: 'x' },
  { name: 'default with no value given', tpl: '{{ default "x" }}', want: 'x' },
  { name: 'default keeps an int', tpl: '{{ .i | default 1 }}', want: '42' },
  { name: 'default keeps an enum', tpl: '{{ .mode | default "x" }}', want: 'TPROXY' },
  { name: 'default of an int zero constant', tpl: '{{ 0 | default 5 }}', want: '5' },
  {
    name: 'default keeps a non-empty map[string]string',
    tpl: '{{ .labels | default "x" }}',
    want: 'map[app:web tier:front]',
  },
  {
    name: 'default needs a default',
    tpl: '{{ default }}',
    err: 'template: t:1:3: executing "t" at <default>: wrong number of args for default: want at least 1 got 0',
  },
  {
    name: 'empty across kinds',
    tpl: '{{ empty .Values.zero }} {{ empty .Values.str }} {{ empty .Values.nil }} {{ empty .Values.missing }} {{ empty .Values.emptyMap }} {{ empty .pair }} {{ empty .nilPair }} {{ empty .ptrPair }} {{ empty .labels }} {{ empty 0.0 }} {{ empty .mode }}',
    want: 'true false true true true false true false false true false',
  },
  {
    name: 'empty takes exactly one argument',
    tpl: '{{ empty }}',
    err: 'template: t:1:3: executing "t" at <empty>: wrong number of args for empty: want 1 got 0',
  },
  {
    name: 'coalesce picks the first non-empty',
    tpl: '{{ coalesce .Values.nil .Values.zero "" "x" "y" }}',
    want: 'x',
  },
  { name: 'coalesce of only empty values is nil', tpl: '{{ coalesce .Values.nil 0 }}', want: '<no value>' },
  {
    name: 'ternary',
    tpl: '{{ ternary "a" "b" true }} {{ ternary "a" "b" false }} {{ true | ternary 1 2 }} {{ ternary 1 2 .Values.t }}',
    want: 'a b 1 1',
  },
  {
    name: 'ternary needs a bool',
    tpl: '{{ ternary 1 2 "x" }}',
    err: 'template: t:1:15: executing "t" at <"x">: expected bool; found "x"',
  },
  {
    name: 'ternary rejects a non-bool value',
    tpl: '{{ ternary 1 2 .Values.num }}',
    err: 'template: t:1:22: executing "t" at <.Values.num>: wrong type for value; expected bool; got float64',
  },
  {
    name: 'all and any',
    tpl: '{{ all 1 "a" true }} {{ all 1 "" }} {{ all }} {{ any 0 "" .Values.nil }} {{ any 0 "a" }} {{ any }}',
    want: 'true false true false true false',
  },
  { name: 'compact drops empty elements', tpl: '{{ compact .Values.list }}', want: '[a b a 1]' },
  {
    name: 'compact of a non-list',
    tpl: '{{ compact "x" }}',
    err: 'template: t:1:3: executing "t" at <compact "x">: error calling compact: Cannot compact on type string',
  },
];
