// sprig regular expressions (Go RE2 syntax). Expected values are Go's (see ../support.ts).
import type { Case } from '../support.ts';

export const CASES: readonly Case[] = [
  {
    name: 'regexMatch',
    tpl: '{{ regexMatch "^[a-z]+$" "abc" }} {{ regexMatch "^[a-z]+$" "aBc" }} {{ regexMatch "(" "x" }}',
    want: 'true false false',
  },
  {
    name: 'mustRegexMatch reports a bad pattern',
    tpl: '{{ mustRegexMatch "(" "x" }}',
    err: 'template: t:1:3: executing "t" at <mustRegexMatch "(" "x">: error calling mustRegexMatch: error parsing regexp: missing closing ): `(`',
  },
  {
    name: 'regexFind',
    tpl: '{{ regexFind "[0-9]+" "abc123def456" }} {{ regexFind "z" "abc" }}|',
    want: '123 |',
  },
  {
    name: 'regexFindAll',
    tpl: '{{ regexFindAll "[0-9]+" "a1b22c333" -1 }} {{ regexFindAll "[0-9]+" "a1b22c333" 2 }} {{ regexFindAll "[0-9]+" "a1" 0 }}',
    want: '[1 22 333] [1 22] []',
  },
  {
    name: 'regexFindAll skips an empty match after a match',
    tpl: '{{ regexFindAll "a*" "baaac" -1 | len }} {{ regexFindAll "x*" "abc" -1 | len }}',
    want: '3 4',
  },
  {
    name: 'regexReplaceAll expands groups',
    tpl: '{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }} {{ regexReplaceAll "(?P<first>\\\\w+) (?P<last>\\\\w+)" "John Smith" "$last, $first" }}',
    want: '-W-xxW- Smith, John',
  },
  {
    name: 'regexReplaceAll with $1x refers to group 1x',
    tpl: '{{ regexReplaceAll "a(x)" "ax" "$1x" }}|{{ regexReplaceAll "a" "a" "$$" }}|{{ regexReplaceAll "a" "a" "$" }}|{{ regexReplaceAll "a" "a" "${" }}',
    want: '|$|$|${',
  },
  {
    name: 'regexReplaceAll with empty matches',
    tpl: '{{ regexReplaceAll "a*" "baaac" "-" }} {{ regexReplaceAll "" "héllo" "." }}',
    want: '-b-c- .h.é.l.l.o.',
  },
  {
    name: 'regexReplaceAllLiteral',
    tpl: '{{ regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "${1}" }}',
    want: '-${1}-${1}-',
  },
  {
    name: 'regexSplit',
    tpl: '{{ regexSplit "z+" "pizza" -1 }} {{ regexSplit "z+" "pizza" 1 }} {{ regexSplit "" "abc" -1 }} {{ regexSplit "a" "" -1 | len }} {{ regexSplit "," "a,b,c" 2 }} {{ regexSplit "," "a,b" 0 | len }}',
    want: '[pi a] [pizza] [a b c] 1 [a b,c] 0',
  },
  {
    name: 'regexQuoteMeta',
    tpl: '{{ regexQuoteMeta "1.5+[x]{2}^$|\\\\" }}',
    want: '1\\.5\\+\\[x\\]\\{2\\}\\^\\$\\|\\\\',
  },
  {
    name: 'regexFind panics on a bad pattern',
    tpl: '{{ regexFind "(" "x" }}',
    err: 'template: t:1:3: executing "t" at <regexFind "(" "x">: error calling regexFind: regexp: Compile(`(`): error parsing regexp: missing closing ): `(`',
  },
  {
    name: 'a bad pattern with a backquote is quoted',
    tpl: '{{ regexFind "`(" "x" }}',
    err: 'template: t:1:3: executing "t" at <regexFind "`(" "x">: error calling regexFind: regexp: Compile("`("): error parsing regexp: missing closing ): ``(`',
  },
  {
    name: 'case-insensitive flag',
    tpl: '{{ regexMatch "(?i)HELLO" "hello" }} {{ regexFind "a(?i)b" "aB" }} {{ regexFind "(?i:A)b" "ab" }}',
    want: 'true aB ab',
  },
  {
    name: '\\s and \\w are ASCII-only',
    tpl: '{{ regexFindAll "\\\\s" "a\\u00a0b c\\vd" -1 | len }} {{ regexFind "\\\\w+" "café" }}',
    want: '1 caf',
  },
  {
    name: 'POSIX classes',
    tpl: '{{ regexFind "[[:alpha:]]+" "123abc456" }} {{ regexFind "[[:^digit:]]+" "12ab34" }}',
    want: 'abc ab',
  },
  {
    name: 'dot matches \\r but not \\n',
    tpl: '{{ regexFind "a.c" "a\\rc" | len }} {{ regexFind "a.c" "a\\nc" | len }} {{ regexFind "(?s)a.c" "a\\nc" | len }}',
    want: '3 0 3',
  },
  {
    name: 'multi-line anchors',
    tpl: '{{ regexFindAll "(?m)^\\\\w" "ab\\ncd" -1 }} {{ regexFindAll "^\\\\w" "ab\\ncd" -1 }} {{ regexFindAll "(?m)\\\\w$" "ab\\ncd" -1 }}',
    want: '[a c] [a] [b d]',
  },
  {
    name: '\\Q...\\E, repetition, ungreedy flag',
    tpl: '{{ regexFind "\\\\Qa.b\\\\E" "xa.by" }} {{ regexFind "a{2,3}" "aaaa" }} {{ regexFind "(?U)a+" "aaa" }} {{ regexFind "\\\\Qab\\\\E+" "abbb" }}',
    want: 'a.b aaa a abbb',
  },
  {
    name: 'escapes',
    tpl: '{{ regexFind "\\\\x41\\\\101\\\\x{42}" "AAB" }} {{ regexFind "\\\\pL+" "123héllo" }} {{ regexFind "[^a]+" "aa\\nbb" | len }} {{ regexFind "\\\\bfoo\\\\b" "a foo b" }} {{ regexFind "\\\\p{Greek}+" "aαβ" }}',
    want: 'AAB héllo 3 foo αβ',
  },
  {
    name: 'repeat count over 1000 panics',
    tpl: '{{ regexFind "x{1001}" "x" }}',
    err: 'template: t:1:3: executing "t" at <regexFind "x{1001}" "x">: error calling regexFind: regexp: Compile(`x{1001}`): error parsing regexp: invalid repeat count: `{1001}`',
  },
  { name: 'lookahead is not RE2', tpl: '{{ regexMatch "(?=a)" "a" }}', want: 'false' },
  {
    name: 'nested repetition',
    tpl: '{{ mustRegexMatch "a**" "a" }}',
    err: 'template: t:1:3: executing "t" at <mustRegexMatch "a**" "a">: error calling mustRegexMatch: error parsing regexp: invalid nested repetition operator: `**`',
  },
  {
    name: 'backreferences are not RE2',
    tpl: '{{ mustRegexMatch "(a)\\\\1" "aa" }}',
    err: 'template: t:1:3: executing "t" at <mustRegexMatch "(a)\\\\1" "aa">: error calling mustRegexMatch: error parsing regexp: invalid escape sequence: `\\1`',
  },
  {
    name: 'missing repetition argument',
    tpl: '{{ mustRegexFind "*a" "a" }}',
    err: 'template: t:1:3: executing "t" at <mustRegexFind "*a" "a">: error calling mustRegexFind: error parsing regexp: missing argument to repetition operator: `*`',
  },
  {
    name: 'unexpected closing paren',
    tpl: '{{ mustRegexFindAll "a)" "a" -1 }}',
    err: 'template: t:1:3: executing "t" at <mustRegexFindAll "a)" "a" -1>: error calling mustRegexFindAll: error parsing regexp: unexpected ): `a)`',
  },
  {
    name: 'missing closing bracket',
    tpl: '{{ mustRegexReplaceAll "[a" "a" "b" }}',
    err: 'template: t:1:3: executing "t" at <mustRegexReplaceAll "[a" "a" "b">: error calling mustRegexReplaceAll: error parsing regexp: missing closing ]: `[a`',
  },
  {
    name: 'bad class range',
    tpl: '{{ mustRegexSplit "[z-a]" "a" -1 }}',
    err: 'template: t:1:3: executing "t" at <mustRegexSplit "[z-a]" "a" -1>: error calling mustRegexSplit: error parsing regexp: invalid character class range: `z-a`',
  },
  {
    name: 'bad POSIX class',
    tpl: '{{ mustRegexMatch "[[:foo:]]" "a" }}',
    err: 'template: t:1:3: executing "t" at <mustRegexMatch "[[:foo:]]" "a">: error calling mustRegexMatch: error parsing regexp: invalid character class range: `[:foo:]`',
  },
  {
    name: 'bad Unicode class',
    tpl: '{{ mustRegexMatch "\\\\p{Foo}" "a" }}',
    err: 'template: t:1:3: executing "t" at <mustRegexMatch "\\\\p{Foo}" "a">: error calling mustRegexMatch: error parsing regexp: invalid character class range: `\\p{Foo}`',
  },
  {
    name: 'bad escape',
    tpl: '{{ mustRegexMatch "\\\\q" "a" }}',
    err: 'template: t:1:3: executing "t" at <mustRegexMatch "\\\\q" "a">: error calling mustRegexMatch: error parsing regexp: invalid escape sequence: `\\q`',
  },
  {
    name: 'trailing backslash',
    tpl: '{{ mustRegexMatch "a\\\\" "a" }}',
    err: 'template: t:1:3: executing "t" at <mustRegexMatch "a\\\\" "a">: error calling mustRegexMatch: error parsing regexp: trailing backslash at end of expression: ``',
  },
  {
    name: 'bad flags',
    tpl: '{{ mustRegexMatch "(?z)a" "a" }}',
    err: 'template: t:1:3: executing "t" at <mustRegexMatch "(?z)a" "a">: error calling mustRegexMatch: error parsing regexp: invalid or unsupported Perl syntax: `(?z`',
  },
  {
    name: 'bad named group',
    tpl: '{{ mustRegexMatch "(?P<a-b>x)" "a" }}',
    err: 'template: t:1:3: executing "t" at <mustRegexMatch "(?P<a-b>x)" "a">: error calling mustRegexMatch: error parsing regexp: invalid named capture: `(?P<a-b>`',
  },
  {
    name: 'a brace that is not a repeat is literal',
    tpl: '{{ regexFind "a{,2}" "a{,2}" }} {{ regexFind "a{01}" "a{01}" }}',
    want: 'a{,2} a{01}',
  },
];
