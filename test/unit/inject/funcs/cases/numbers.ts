// sprig numbers. Expected values are Go's (see ../support.ts).
import type { Case } from '../support.ts';

export const CASES: readonly Case[] = [
  {
    name: 'int converts like spf13/cast',
    tpl: '{{ int "42" }} {{ int "0x1F" }} {{ int "10.00" }} {{ int "1.5" }} {{ int 3.9 }} {{ int -3.9 }} {{ int true }} {{ int .Values.nil }} {{ int "abc" }} {{ int .Values.million }} {{ int "1_000" }}',
    want: '42 31 10 0 3 -3 1 0 0 1000000 1000',
  },
  {
    name: 'int of a named type is 0',
    tpl: '{{ int .mode }} {{ int64 .mode }} {{ float64 .mode }}',
    want: '0 0 0',
  },
  {
    name: 'int64',
    tpl: '{{ int64 "-12" }} {{ int64 .i }} {{ int64 "9223372036854775808" }} {{ int64 1e19 }}',
    want: '-12 42 0 -9223372036854775808',
  },
  {
    name: 'float64',
    tpl: '{{ float64 "3.75" }} {{ float64 3 }} {{ float64 "x" }} {{ float64 "1e3" }} {{ float64 "inf" }} {{ float64 "-Infinity" }} {{ float64 false }}',
    want: '3.75 3 0 1000 +Inf -Inf 0',
  },
  {
    name: 'atoi',
    tpl: '{{ atoi "12" }} {{ atoi "0x1F" }} {{ atoi " 1" }} {{ atoi "+5" }} {{ atoi "-007" }} {{ atoi "1_0" }}',
    want: '12 0 0 5 -7 0',
  },
  {
    name: 'add, add1, sub, mul',
    tpl: '{{ add 1 2 "3" 4.9 }} {{ add }} {{ add1 .Values.num }} {{ sub 10 3 }} {{ mul 2 3 4 }} {{ mul 5 }}',
    want: '10 0 5 7 24 5',
  },
  {
    name: 'int64 arithmetic wraps',
    tpl: '{{ add 9223372036854775807 1 }} {{ mul 9223372036854775807 2 }}',
    want: '-9223372036854775808 -2',
  },
  {
    name: 'div and mod truncate toward zero',
    tpl: '{{ div 7 2 }} {{ div -7 2 }} {{ mod 7 3 }} {{ mod -7 3 }} {{ div "9" 3.5 }}',
    want: '3 -3 1 -1 3',
  },
  {
    name: 'div by zero panics',
    tpl: '{{ div 1 0 }}',
    err: 'template: t:1:3: executing "t" at <div 1 0>: error calling div: runtime error: integer divide by zero',
  },
  {
    name: 'mod by zero panics',
    tpl: '{{ mod 1 .Values.zero }}',
    err: 'template: t:1:3: executing "t" at <mod 1 .Values.zero>: error calling mod: runtime error: integer divide by zero',
  },
  {
    name: 'max, min, biggest',
    tpl: '{{ max 1 5 3 }} {{ min 4 "2" 3 }} {{ biggest 1 2 }} {{ max 7 }}',
    want: '5 2 2 7',
  },
  {
    name: 'maxf and minf',
    tpl: '{{ maxf 1 2.5 "3.5" }} {{ minf 1.5 -2 }} {{ maxf 1 (float64 "nan") }}',
    want: '3.5 -2 NaN',
  },
  {
    name: 'floor, ceil, round',
    tpl: '{{ floor 1.5 }} {{ ceil 1.2 }} {{ floor "-1.5" }} {{ round 3.14159 2 }} {{ round 2.5 0 }} {{ round -2.5 0 }} {{ round 1.2345 3 0.3 }} {{ round 1234.5 -2 }}',
    want: '1 2 -2 3.14 3 -3 1.235 1200',
  },
  {
    name: 'decimal float helpers',
    tpl: '{{ addf 1.1 2.2 }} {{ subf 1.5 0.2 }} {{ mulf 1.1 3 }} {{ divf 10 3 }} {{ add1f 1.5 }} {{ addf }} {{ divf 1 8 }} {{ mulf 0.1 0.2 }}',
    want: '3.3 1.3 3.3 3.3333333333333335 2.5 0 0.125 0.02',
  },
  {
    name: 'divf by zero panics',
    tpl: '{{ divf 1 0 }}',
    err: 'template: t:1:3: executing "t" at <divf 1 0>: error calling divf: decimal division by 0',
  },
  {
    name: 'toDecimal reads octal',
    tpl: '{{ toDecimal "0777" }} {{ toDecimal 17 }} {{ toDecimal "8" }} {{ toDecimal "-10" }}',
    want: '511 15 0 -8',
  },
  {
    name: 'duration of a string of seconds',
    tpl: '{{ duration "90" }} {{ duration "3661" }} {{ duration "x" }} {{ duration (int64 45) }} {{ duration "-1" }}',
    want: '1m30s 1h1m1s 0s 45s -1s',
  },
  {
    name: 'durationRound',
    tpl: '{{ durationRound "2h10m" }} {{ durationRound "90s" }} {{ durationRound "30s" }} {{ durationRound "1s" }} {{ durationRound "800h" }} {{ durationRound "-3m" }} {{ durationRound "bad" }}',
    want: '2h 1m 30s 0s 1mo 3m 0s',
  },
];
