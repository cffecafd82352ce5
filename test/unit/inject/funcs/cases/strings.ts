// sprig strings. Expected values are Go's (see ../support.ts).
import type { Case } from '../support.ts';

export const CASES: readonly Case[] = [
  {
    name: 'quote skips nil and quotes with Go escapes',
    tpl: '{{ quote "a" 1 .Values.nil "b\\"c" }}',
    want: '"a" "1" "b\\"c"',
  },
  { name: 'quote of a missing value', tpl: '{{ quote .Values.missing }}|', want: '|' },
  { name: 'quote of a float64 uses %v', tpl: '{{ quote .Values.million }}', want: '"1e+06"' },
  { name: 'quote of an enum uses its String method', tpl: '{{ quote .mode }}', want: '"TPROXY"' },
  { name: 'quote escapes control characters', tpl: '{{ quote "é\\t\\x00" }}', want: '"é\\t\\x00"' },
  { name: 'quote of nothing', tpl: '{{ quote }}|', want: '|' },
  { name: 'squote', tpl: '{{ squote "a" 1 .Values.nil 1.5 }}', want: "'a' '1' '1.5'" },
  { name: 'squote of a struct', tpl: '{{ squote .pair }}', want: "'{k 1.5}'" },
  { name: 'cat skips nil', tpl: '{{ cat "a" 1 .Values.nil "b" }}|{{ cat }}|', want: 'a 1 b||' },
  {
    name: 'trim uses Unicode white space',
    tpl: '{{ trim "  x y \\n\\t" }}|{{ trim "\\u00a0x\\u0085" }}|{{ trim "\\ufeffx" }}|',
    want: 'x y|x|﻿x|',
  },
  {
    name: 'trimAll trims a cutset',
    tpl: '{{ trimAll "-_." "-_a.b_-" }} {{ "xxhixx" | trimAll "x" }} {{ trimAll "" "abc" }}',
    want: 'a.b hi abc',
  },
  {
    name: 'trimPrefix and trimSuffix',
    tpl: '{{ trimPrefix "ab" "abab" }} {{ trimSuffix "b" "abab" }} {{ trimSuffix "" "abc" }}',
    want: 'ab aba abc',
  },
  { name: 'nospace removes white space', tpl: '{{ nospace " a b\\tc\\n" }}', want: 'abc' },
  { name: 'nospace works on bytes, as goutils does', tpl: '{{ nospace "é à" }}', want: 'Ã©Ã' },
  {
    name: 'replace',
    tpl: '{{ replace "a" "b" "banana" }} {{ replace "" "-" "héllo" }} {{ "aaa" | replace "a" "" }}|',
    want: 'bbnbnb -h-é-l-l-o- |',
  },
  {
    name: 'lower and upper map rune to rune',
    tpl: '{{ lower "HÉLLO İ" }} {{ upper "héllo ß ǆ" }}',
    want: 'héllo i HÉLLO ß Ǆ',
  },
  {
    name: 'title',
    tpl: '{{ title "hello wORLD foo_bar x-y 3d ǆa" }}',
    want: 'Hello WORLD Foo_bar X-Y 3d ǅa',
  },
  { name: 'untitle', tpl: '{{ untitle "Hello World  ÉTÉ" }}', want: 'hello world  éTÉ' },
  { name: 'repeat', tpl: '{{ repeat 3 "ab" }}|{{ repeat 0 "x" }}|', want: 'ababab||' },
  {
    name: 'repeat with a negative count panics',
    tpl: '{{ repeat -1 "x" }}',
    err: 'template: t:1:3: executing "t" at <repeat -1 "x">: error calling repeat: strings: negative Repeat count',
  },
  {
    name: 'repeat needs an int count',
    tpl: '{{ repeat "3" "x" }}',
    err: 'template: t:1:10: executing "t" at <"3">: expected integer; found "3"',
  },
  {
    name: 'substr',
    tpl: '{{ substr 1 3 "hello" }} {{ substr -1 2 "hello" }} {{ substr 2 -1 "hello" }} {{ substr 2 99 "hello" }}',
    want: 'el he llo llo',
  },
  {
    name: 'substr with start after end',
    tpl: '{{ substr 4 2 "hello" }}',
    err: 'template: t:1:3: executing "t" at <substr 4 2 "hello">: error calling substr: runtime error: slice bounds out of range [4:2]',
  },
  {
    name: 'substr with a negative start and end past the string',
    tpl: '{{ substr -1 9 "hello" }}',
    err: 'template: t:1:3: executing "t" at <substr -1 9 "hello">: error calling substr: runtime error: slice bounds out of range [:9] with length 5',
  },
  {
    name: 'substr with start past the string',
    tpl: '{{ substr 9 20 "hello" }}',
    err: 'template: t:1:3: executing "t" at <substr 9 20 "hello">: error calling substr: runtime error: slice bounds out of range [9:5]',
  },
  {
    name: 'substr with a negative start and end',
    tpl: '{{ substr -1 -2 "hello" }}',
    err: 'template: t:1:3: executing "t" at <substr -1 -2 "hello">: error calling substr: runtime error: slice bounds out of range [:-2]',
  },
  {
    name: 'abbrev',
    tpl: '{{ abbrev 5 "hello world" }} {{ abbrev 3 "hello" }} {{ abbrev 20 "hello" }} {{ abbrev 4 "hello" }}',
    want: 'he... hello hello h...',
  },
  {
    name: 'abbrevboth',
    tpl: '{{ abbrevboth 5 10 "1234 5678 9123" }} {{ abbrevboth 0 5 "hello world" }} {{ abbrevboth 1 5 "hello world" }}',
    want: '...5678... he... hello world',
  },
  {
    name: 'trunc',
    tpl: '{{ trunc 5 "hello world" }} {{ trunc -5 "hello world" }} {{ trunc -20 "hello" }} {{ trunc 0 "abc" }}| {{ trunc 63 .Values.str }}',
    want: 'hello world hello | hello',
  },
  {
    name: 'trunc counts bytes',
    tpl: '{{ trunc 2 "héllo" | len }} {{ trunc -4 "héllo" }}',
    want: '4 �llo',
    deviation:
      'Go strings are bytes: cutting inside a UTF-8 character leaves invalid UTF-8, which a JS string can only hold as U+FFFD (3 bytes)',
    goWant: '2 �llo',
  },
  {
    name: 'trunc rejects a float64 length',
    tpl: '{{ trunc .Values.num "abc" }}',
    err: 'template: t:1:16: executing "t" at <.Values.num>: wrong type for value; expected int; got float64',
  },
  { name: 'nindent', tpl: '{{ nindent 2 "a\\nb" }}', want: '\n  a\n  b' },
  {
    name: 'nindent with a negative width panics',
    tpl: '{{ nindent -1 "x" }}',
    err: 'template: t:1:3: executing "t" at <nindent -1 "x">: error calling nindent: strings: negative Repeat count',
  },
  {
    name: 'contains, hasPrefix, hasSuffix',
    tpl: '{{ contains "ell" "hello" }} {{ contains "hello" "ell" }} {{ "hello" | contains "ell" }} {{ hasPrefix "he" "hello" }} {{ hasSuffix "lo" "hello" }} {{ hasPrefix "x" "" }}',
    want: 'true false true true true false',
  },
  { name: 'initials', tpl: '{{ initials "hello big World" }}|{{ initials "" }}|', want: 'hbW||' },
  { name: 'swapcase', tpl: '{{ swapcase "Hello World abc" }}', want: 'hELLO wORLD ABC' },
  {
    name: 'snakecase',
    tpl: '{{ snakecase "HTTPServer" }} {{ snakecase "FirstName" }} {{ snakecase "already_snake" }} {{ snakecase "some-kebab case" }} {{ snakecase "version2Beta" }} {{ snakecase "ID3v2Tag" }} {{ snakecase "a.b,c" }} {{ snakecase "  lead" }} {{ snakecase "__x__" }} {{ snakecase "ÉtéÀ" }} {{ snakecase "中文Name" }}',
    want: 'http_server first_name already_snake some_kebab_case version2_beta id_3v2_tag a.b,c __lead __x__ été_à 中文_name',
  },
  {
    name: 'kebabcase',
    tpl: '{{ kebabcase "HTTPServer" }} {{ kebabcase "FirstName" }} {{ kebabcase "x_y z" }} {{ kebabcase "abc123def" }} {{ kebabcase "123abc" }} {{ kebabcase "A1B2" }} {{ kebabcase "endsWithX" }}|{{ kebabcase "" }}|',
    want: 'http-server first-name x-y-z abc-123def 123abc a1-b2 ends-with-x||',
  },
  {
    name: 'camelcase',
    tpl: '{{ camelcase "http_server" }} {{ camelcase "first name" }} {{ camelcase "__x__" }} {{ camelcase "ALL_CAPS" }} {{ camelcase "a" }} {{ camelcase "--" }} {{ camelcase "x-y-z" }} {{ camelcase "alreadyCamel" }}|{{ camelcase "" }}|',
    want: 'HttpServer FirstName __X__ AllCaps A --- XYZ AlreadyCamel||',
  },
  {
    name: 'wrap',
    tpl: '{{ wrap 5 "hello big world" }}|{{ wrap 3 "abcdefgh ij" }}|{{ wrap 0 "a b" }}',
    want: 'hello\nbig\nworld|abcdefgh\nij|a\nb',
  },
  {
    name: 'wrapWith',
    tpl: '{{ wrapWith 5 "<br>" "hello world" }}|{{ wrapWith 3 "|" "abcdefgh" }}',
    want: 'hello<br>world|abc|def|gh',
  },
  {
    name: 'plural',
    tpl: '{{ plural "one" "many" 1 }} {{ plural "one" "many" 2 }} {{ plural "one" "many" 0 }}',
    want: 'one many many',
  },
  {
    name: 'toString',
    tpl: '{{ toString 5 }} {{ toString .Values.million }} {{ toString .Values.nil }} {{ toString .mode }} {{ toString .Values.list }} {{ toString .labels }} {{ toString true }} {{ toString .pair }}',
    want: '5 1e+06 <nil> TPROXY [a b a 1 <nil> ] map[app:web tier:front] true {k 1.5}',
  },
  {
    name: 'split returns a map keyed _N',
    tpl: '{{ split "," "a,b,,c" }} {{ (split "/" "a/b")._1 }} {{ split "" "abc" }}',
    want: 'map[_0:a _1:b _2: _3:c] b map[_0:a _1:b _2:c]',
  },
  {
    name: 'splitList',
    tpl: '{{ splitList "," "a,b" }} {{ splitList "," "" | len }} {{ splitList "" "héllo" }}',
    want: '[a b] 1 [h é l l o]',
  },
  {
    name: 'splitn',
    tpl: '{{ splitn "," 2 "a,b,c" }} {{ splitn "," 0 "a,b" }} {{ splitn "," -1 "a,b" }}',
    want: 'map[_0:a _1:b,c] map[] map[_0:a _1:b]',
  },
  {
    name: 'join',
    tpl: '{{ join "," .Values.list }} {{ join "-" .strs }} {{ join "," "abc" }} {{ join "," 5 }} {{ join "," .Values.nil }}| {{ join ", " .ints }}',
    want: 'a,b,a,1, b-a-c abc 5 | 3, 1, 2',
  },
  {
    name: 'toStrings',
    tpl: '{{ toStrings .Values.list }} {{ toStrings .ints | join "/" }} {{ toStrings 1.5 }} {{ toStrings .Values.nil | len }}',
    want: '[a b a 1 ] 3/1/2 [1.5] 0',
  },
  {
    name: 'sortAlpha',
    tpl: '{{ sortAlpha .strs }} {{ sortAlpha .Values.list }} {{ sortAlpha "x" }} {{ sortAlpha .ints }} {{ sortAlpha .Values.nil }}',
    want: '[a b c] [ 1 a a b] [x] [1 2 3] [<nil>]',
  },
  { name: 'hello', tpl: '{{ hello }}', want: 'Hello!' },
];
