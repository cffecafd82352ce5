// sprig JSON. Expected values are Go's (see ../support.ts).
import type { Case } from '../support.ts';

export const CASES: readonly Case[] = [
  { name: 'toJson sorts keys', tpl: '{{ toJson .Values.map }}', want: '{"a":"x","b":2,"c":{"d":null}}' },
  {
    name: 'toJson escapes HTML characters',
    tpl: '{{ toJson .Values.html }}',
    want: '"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"',
  },
  {
    name: 'toRawJson does not',
    tpl: '{{ toRawJson .Values.html }} {{ mustToRawJson (list "<") }}',
    want: '"<a href=\\"x\\">&</a>" ["<"]',
  },
  {
    name: 'toPrettyJson',
    tpl: '{{ toPrettyJson .Values.map }}|{{ toPrettyJson .Values.emptyList }}|{{ toPrettyJson (list 1 (dict)) }}',
    want: '{\n  "a": "x",\n  "b": 2,\n  "c": {\n    "d": null\n  }\n}|[]|[\n  1,\n  {}\n]',
  },
  {
    name: 'toJson numbers',
    tpl: '{{ toJson .Values.million }} {{ toJson .Values.tiny }} {{ toJson .Values.big }} {{ toJson 0.0000001 }} {{ toJson .i }} {{ toJson -0.0 }} {{ toJson 123456789.125 }} {{ toJson 1e20 }}',
    want: '1000000 0.000001 1e+21 1e-7 42 -0 123456789.125 100000000000000000000',
  },
  {
    name: 'toJson of Go values',
    tpl: '{{ toJson .labels }} {{ toJson .pair }} {{ toJson .tagged }} {{ toJson .ptrPair }} {{ toJson .nilPair }} {{ toJson .mode }} {{ toJson .Values.nil }} {{ toJson .ints }}',
    want: '{"app":"web","tier":"front"} {"Key":"k","Val":1.5} {"name":"n","labels":{"a":"\\u003c\\u0026\\u003e","z":"1"},"note":""} {"Key":"p","Val":null} null 1 null [3,1,2]',
  },
  {
    name: 'toJson escapes',
    tpl: '{{ toJson (list "\\u2028" "\\x01" "\\x7f" "é" "\\b\\f\\n\\r\\t") }}',
    want: '["\\u2028","\\u0001","","é","\\b\\f\\n\\r\\t"]',
  },
  { name: 'toJson of NaN is empty', tpl: '{{ toJson (float64 "nan") }}|', want: '|' },
  {
    name: 'mustToJson reports NaN',
    tpl: '{{ mustToJson (float64 "nan") }}',
    err: 'template: t:1:3: executing "t" at <mustToJson (float64 "nan")>: error calling mustToJson: json: unsupported value: NaN',
  },
  {
    name: 'toRawJson panics on infinity',
    tpl: '{{ toRawJson (float64 "inf") }}',
    err: 'template: t:1:3: executing "t" at <toRawJson (float64 "inf")>: error calling toRawJson: json: unsupported value: +Inf',
  },
  {
    name: 'fromJson',
    tpl: '{{ fromJson "{\\"a\\":[1,2.5,\\"x\\"]}" }} {{ (fromJson "{\\"a\\":1}").a }} {{ fromJson "nope" }} {{ fromJson "" }}',
    want: 'map[a:[1 2.5 x]] 1 <no value> <no value>',
  },
  {
    name: 'mustFromJson syntax errors',
    tpl: '{{ mustFromJson "nope" }}',
    err: 'template: t:1:3: executing "t" at <mustFromJson "nope">: error calling mustFromJson: invalid character \'o\' in literal null (expecting \'u\')',
  },
  {
    name: 'mustFromJson of nothing',
    tpl: '{{ mustFromJson "" }}',
    err: 'template: t:1:3: executing "t" at <mustFromJson "">: error calling mustFromJson: unexpected end of JSON input',
  },
  {
    name: 'mustFromJson trailing comma',
    tpl: '{{ mustFromJson "[1,]" }}',
    err: 'template: t:1:3: executing "t" at <mustFromJson "[1,]">: error calling mustFromJson: invalid character \']\' looking for beginning of value',
  },
  {
    name: 'mustFromJson missing colon',
    tpl: '{{ mustFromJson "{\\"a\\" 1}" }}',
    err: 'template: t:1:3: executing "t" at <mustFromJson "{\\"a\\" 1}">: error calling mustFromJson: invalid character \'1\' after object key',
  },
  {
    name: 'mustFromJson after top-level value',
    tpl: '{{ mustFromJson "1 2" }}',
    err: 'template: t:1:3: executing "t" at <mustFromJson "1 2">: error calling mustFromJson: invalid character \'2\' after top-level value',
  },
  {
    name: 'mustFromJson bad escape',
    tpl: '{{ mustFromJson "\\"\\\\x\\"" }}',
    err: 'template: t:1:3: executing "t" at <mustFromJson "\\"\\\\x\\"">: error calling mustFromJson: invalid character \'x\' in string escape code',
  },
  {
    name: 'mustFromJson bad number',
    tpl: '{{ mustFromJson "-x" }}',
    err: 'template: t:1:3: executing "t" at <mustFromJson "-x">: error calling mustFromJson: invalid character \'x\' in numeric literal',
  },
  {
    name: 'mustFromJson number out of range',
    tpl: '{{ mustFromJson "1e400" }}',
    err: 'template: t:1:3: executing "t" at <mustFromJson "1e400">: error calling mustFromJson: json: cannot unmarshal number 1e400 into Go value of type float64',
  },
  {
    name: 'fromJson keeps what decoded',
    tpl: '{{ fromJson "{\\"a\\":1e400,\\"b\\":2}" }}',
    want: 'map[a:<nil> b:2]',
  },
  {
    name: 'fromJson lone surrogate',
    tpl: '{{ fromJson "\\"\\\\ud800x\\"" | printf "%q" }} {{ fromJson "\\"\\\\ud83d\\\\ude00\\"" }}',
    want: '"�x" 😀',
  },
];
