// Istio's toYaml (sigs.k8s.io/yaml). Expected values are Go's (see ../support.ts).
import type { Case } from '../support.ts';

export const CASES: readonly Case[] = [
  {
    name: 'nested maps and lists',
    tpl: '{{ toYaml .Values.global.proxy.resources }}',
    want: 'limits:\n  cpu: null\n  memory: 1Gi\nrequests:\n  cpu: 100m\n  memory: 128Mi\n',
  },
  {
    name: 'strings that need quotes',
    tpl: '{{ toYaml .Values.yamlish }}',
    want: 'colon: \'a: b\'\ndash: \'- x\'\ndate: "2001-12-14"\nempty: ""\nf: "1.5"\nhash: \'a #b\'\nhex: "0x1F"\nlong: this is a fairly long string that should go beyond the eighty column limit of\n  the yaml emitter for sure\n"n": "123"\nnl: "null"\noct: "0o17"\n"on": "yes"\nsexa: "1:20"\nsp: \' lead\'\nstar: \'*x\'\nt: "true"\ntilde: "~"\n"y": "y"\n',
  },
  { name: 'a map with nested nulls', tpl: '{{ toYaml .Values.map }}', want: 'a: x\nb: 2\nc:\n  d: null\n' },
  {
    name: 'lists in lists and empty collections',
    tpl: '{{ toYaml (list 1 "a" (list) (dict) (list 2 (list 3))) }}',
    want: '- 1\n- a\n- []\n- {}\n- - 2\n  - - 3\n',
  },
  {
    name: 'a list of maps under a key',
    tpl: '{{ toYaml (dict "k" (list (dict "a" 1 "b" (list 2)) (dict "c" (dict "d" 3)))) }}',
    want: 'k:\n- a: 1\n  b:\n  - 2\n- c:\n    d: 3\n',
  },
  {
    name: 'multi-line strings are literal blocks',
    tpl: '{{ toYaml .Values.ml }}|{{ toYaml (dict "a" "x\\ny" "b" "x\\n" "c" "x\\n\\n" "d" " x\\ny" "e" "x \\ny" "f" "\\nx") }}',
    want: '|\n  line1\n  line2\n|a: |-\n  x\n  y\nb: |\n  x\nc: |+\n  x\n\nd: |2-\n   x\n  y\ne: "x \\ny"\nf: |2-\n\n  x\n',
  },
  {
    name: 'scalars at the top level',
    tpl: '{{ toYaml .Values.nil }}|{{ toYaml "abc" }}|{{ toYaml 1.5 }}|{{ toYaml true }}|{{ toYaml .Values.million }}|{{ toYaml .Values.tiny }}|{{ toYaml .Values.big }}|{{ toYaml -0.0 }}|{{ toYaml 1234567.5 }}',
    want: 'null\n|abc\n|1.5\n|true\n|1000000\n|1e-06\n|1e+21\n|0\n|1.2345675e+06\n',
  },
  {
    name: 'structs go through their JSON',
    tpl: '{{ toYaml .tagged }}|{{ toYaml .pair }}|{{ toYaml .nilPair }}',
    want: 'labels:\n  a: <&>\n  z: "1"\nname: "n"\nnote: ""\n|Key: k\nVal: 1.5\n|null\n',
  },
  { name: 'HTML characters are kept', tpl: '{{ toYaml .Values.html }}', want: '<a href="x">&</a>\n' },
  { name: 'an unsupported value gives an empty string', tpl: '{{ toYaml (float64 "nan") }}|', want: '|' },
  {
    name: 'natural key order',
    tpl: '{{ toYaml (dict "a10" 1 "a9" 2 "B" 3 "_x" 4 "a" 5 "a-b" 6 "a0" 7 "a00" 8 "é" 9 "1" 10 "10" 11 "9" 12) }}',
    want: '_x: 4\n"1": 10\n"9": 12\n"10": 11\nB: 3\na: 5\na-b: 6\na0: 7\na00: 8\na9: 2\na10: 1\né: 9\n',
  },
  {
    name: 'special characters',
    tpl: '{{ toYaml (list "a\\tb" "😀" "trail " "\\u00a0x" "x\\u2028y" "\'q\'" "\\"dq\\"" "a: b" "- x" "? x" "x #y" "#x" "x#y" "@x" "%x" "!x" "&x" "|x" ">x" "[x" "{x" "x]" "---" "..." "-" "?" ":" "-x" ":x") }}',
    want: "- \"a\\tb\"\n- \"\\U0001F600\"\n- 'trail '\n-  x\n- 'x   y'\n- '''q'''\n- '\"dq\"'\n- 'a: b'\n- '- x'\n- '? x'\n- 'x #y'\n- '#x'\n- x#y\n- '@x'\n- '%x'\n- '!x'\n- '&x'\n- '|x'\n- '>x'\n- '[x'\n- '{x'\n- x]\n- '---'\n- '...'\n- '-'\n- '?'\n- ':'\n- -x\n- :x\n",
  },
  {
    name: 'strings that read as other types',
    tpl: '{{ toYaml (list "1" "1.5" "1e3" "0x10" "0o7" "0b1" "1_000" "07" "08" "+1" "-1" ".5" "." "+.inf" ".NaN" "null" "~" "NO" "off" "y" "2001-12-14" "2001-12-14T21:59:43.10Z" "2001-12-14 21:59:43" "2001-13-14" "1:20" "12:30:45" "<<" "=") }}',
    want: '- "1"\n- "1.5"\n- "1e3"\n- "0x10"\n- "0o7"\n- "0b1"\n- "1_000"\n- "07"\n- "08"\n- "+1"\n- "-1"\n- ".5"\n- .\n- "+.inf"\n- ".NaN"\n- "null"\n- "~"\n- "NO"\n- "off"\n- "y"\n- "2001-12-14"\n- "2001-12-14T21:59:43.10Z"\n- "2001-12-14 21:59:43"\n- 2001-13-14\n- "1:20"\n- "12:30:45"\n- <<\n- =\n',
  },
  {
    name: 'keys that need quotes',
    tpl: '{{ toYaml (dict "yes" 1 "null" 2 "" 3 "a b" 4 "x:" 5 "k\\nl" 6) }}',
    want: '"": 3\na b: 4\n? |-\n  k\n  l\n: 6\n"null": 2\n\'x:\': 5\n"yes": 1\n',
  },
  {
    name: 'long plain strings fold at column 80',
    tpl: '{{ toYaml (dict "key" "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq rrrr ssss tttt uuuu") }}',
    want: 'key: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp\n  qqqq rrrr ssss tttt uuuu\n',
  },
  {
    name: 'long quoted strings fold too',
    tpl: '{{ toYaml (list "\'aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq rrrr" "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq\\trrrr  ssss") }}',
    want: "- '''aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp\n  qqqq rrrr'\n- \"aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp\n  qqqq\\trrrr  ssss\"\n",
  },
  {
    name: 'a very long key',
    tpl: '{{ toYaml (dict "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk" 1) }}',
    want: '? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n: 1\n',
  },
  {
    name: 'toYaml with omitNil and indent, as the sidecar template does',
    tpl: '{{ toYaml (omitNil .Values.global.proxy.resources) | indent 6 }}',
    want: 'limits:\n        memory: 1Gi\n      requests:\n        cpu: 100m\n        memory: 128Mi\n      ',
  },
  {
    name: 'an empty map value',
    tpl: '{{ toYaml .Values.global.proxy.lifecycle }}|{{ toYaml (dict "a" (dict) "b" (list)) }}',
    want: '{}\n|a: {}\nb: []\n',
  },
];
