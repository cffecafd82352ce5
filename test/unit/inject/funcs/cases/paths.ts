// sprig paths, URLs, semver, environment, fail. Expected values are Go's (see ../support.ts).
import type { Case } from '../support.ts';

export const CASES: readonly Case[] = [
  {
    name: 'base, dir, clean, ext, isAbs',
    tpl: '{{ base "/a/b.txt" }} {{ dir "/a/b.txt" }} {{ clean "a//b/../c/." }} {{ ext "x.tar.gz" }} {{ isAbs "/a" }} {{ base "" }} {{ dir "" }} {{ base "/" }} {{ dir "a" }} {{ clean "/../a" }} {{ base "a/b/" }}',
    want: 'b.txt /a a/c .gz true . . / . /a b',
  },
  {
    name: 'os path variants',
    tpl: '{{ osBase "/a/b" }} {{ osDir "/a/b" }} {{ osClean "a/./b" }} {{ osExt "a.b" }} {{ osIsAbs "a" }}',
    want: 'b /a a/b .b false',
  },
  {
    name: 'expandenv reads the configured environment',
    tpl: '{{ expandenv "a-$CLUSTER-${EMPTY}-$NOPE-$$-${}-${CLUSTER}x" }}|{{ expandenv "$" }}|{{ expandenv "${CLUSTER" }}',
    want: 'a-east-----eastx|$|CLUSTER',
  },
  {
    name: 'fail',
    tpl: '{{ fail "boom" }}',
    err: 'template: t:1:3: executing "t" at <fail "boom">: error calling fail: boom',
  },
  {
    name: 'semver',
    tpl: '{{ semver "1.2.3" }} {{ (semver "v1.2").Major }} {{ (semver "1.2.3-beta.1+build").Prerelease }} {{ (semver "1.2.3-beta.1+build").Metadata }} {{ (semver "v1.2").Original }} {{ (semver "1.2.3").IncMinor }} {{ (semver "v1.2.3-rc").IncPatch }}',
    want: '1.2.3 1 beta.1 build v1.2 1.3.0 1.2.3',
  },
  {
    name: 'semver comparisons',
    tpl: '{{ (semver "1.2.3").LessThan (semver "1.10.0") }} {{ (semver "1.0.0-alpha").LessThan (semver "1.0.0") }} {{ (semver "1.0.0-alpha.10").GreaterThan (semver "1.0.0-alpha.9") }} {{ (semver "1.0.0-alpha.beta").Compare (semver "1.0.0-alpha.1") }} {{ (semver "2.0.0").Equal (semver "v2") }}',
    want: 'true true true 1 true',
  },
  {
    name: 'semver of a bad version',
    tpl: '{{ semver "1.2.3.4" }}',
    err: 'template: t:1:3: executing "t" at <semver "1.2.3.4">: error calling semver: Invalid Semantic Version',
  },
  {
    name: 'semver with a leading-zero prerelease',
    tpl: '{{ semver "1.2.3-01" }}',
    err: 'template: t:1:3: executing "t" at <semver "1.2.3-01">: error calling semver: Version segment starts with 0',
  },
  {
    name: 'semverCompare operators',
    tpl: '{{ semverCompare ">=1.2.3" "1.2.3" }} {{ semverCompare ">1.2.3" "1.2.3" }} {{ semverCompare "<2" "1.9.9" }} {{ semverCompare "<=1.2" "1.2.9" }} {{ semverCompare "!=1.2.3" "1.2.4" }} {{ semverCompare "=1.2.3" "v1.2.3" }} {{ semverCompare "1.2.x" "1.2.7" }} {{ semverCompare "*" "3.0.0" }}',
    want: 'true false true true true true true true',
  },
  {
    name: 'semverCompare tilde and caret',
    tpl: '{{ semverCompare "~1.2.3" "1.2.9" }} {{ semverCompare "~1.2.3" "1.3.0" }} {{ semverCompare "~1" "1.9.0" }} {{ semverCompare "^1.2.3" "1.9.0" }} {{ semverCompare "^1.2.3" "2.0.0" }} {{ semverCompare "^0.2.3" "0.2.9" }} {{ semverCompare "^0.2.3" "0.3.0" }} {{ semverCompare "^0.0.3" "0.0.4" }} {{ semverCompare "~>2.1" "2.1.5" }}',
    want: 'true false true true false true false false true',
  },
  {
    name: 'semverCompare ranges and prereleases',
    tpl: '{{ semverCompare "1.2 - 1.4.5" "1.4.5" }} {{ semverCompare "1.2 - 1.4.5" "1.4.6" }} {{ semverCompare ">=1.0, <2.0" "1.5.0" }} {{ semverCompare "<1.0 || >=2.0" "2.1.0" }} {{ semverCompare ">=1.21-0" "1.22.3-gke.100" }} {{ semverCompare ">=1.21" "1.22.3-gke.100" }} {{ semverCompare "!=1.2.x" "1.3.0" }} {{ semverCompare ">1.2.x" "1.3.0" }} {{ semverCompare "<=1.x" "1.9.0" }}',
    want: 'true false true true true false true true true',
  },
  {
    name: 'semverCompare with a bad constraint',
    tpl: '{{ semverCompare "nope" "1.0.0" }}',
    err: 'template: t:1:3: executing "t" at <semverCompare "nope" "1.0.0">: error calling semverCompare: improper constraint: nope',
  },
  {
    name: 'semverCompare with a bad version',
    tpl: '{{ semverCompare ">1" "x.y" }}',
    err: 'template: t:1:3: executing "t" at <semverCompare ">1" "x.y">: error calling semverCompare: Invalid Semantic Version',
  },
  {
    name: 'urlParse',
    tpl: '{{ urlParse "https://user:p%40ss@Example.com:8443/a%2Fb/c d?x=1&y=%20#frag%20x" }}',
    want: 'map[fragment:frag x host:Example.com:8443 hostname:Example.com opaque: path:/a/b/c d query:x=1&y=%20 scheme:https userinfo:user:p%40ss]',
  },
  {
    name: 'urlParse of a relative and an opaque URL',
    tpl: '{{ urlParse "/just/a/path?q" }} {{ urlParse "mailto:someone@example.com" }} {{ urlParse "http://[fe80::1%25eth0]:80/" }}',
    want: 'map[fragment: host: hostname: opaque: path:/just/a/path query:q scheme: userinfo:] map[fragment: host: hostname: opaque:someone@example.com path: query: scheme:mailto userinfo:] map[fragment: host:[fe80::1%eth0]:80 hostname:fe80::1%eth0 opaque: path:/ query: scheme:http userinfo:]',
  },
  {
    name: 'urlParse of a bad URL panics',
    tpl: '{{ urlParse "http://a b.com/" }}',
    err: 'template: t:1:3: executing "t" at <urlParse "http://a b.com/">: error calling urlParse: unable to parse url: parse "http://a b.com/": invalid character " " in host name',
  },
  {
    name: 'urlParse of a bad escape panics',
    tpl: '{{ urlParse "http://x/%zz" }}',
    err: 'template: t:1:3: executing "t" at <urlParse "http://x/%zz">: error calling urlParse: unable to parse url: parse "http://x/%zz": invalid URL escape "%zz"',
  },
  {
    name: 'urlParse of a bad port panics',
    tpl: '{{ urlParse "http://x:y/" }}',
    err: 'template: t:1:3: executing "t" at <urlParse "http://x:y/">: error calling urlParse: unable to parse url: parse "http://x:y/": invalid port ":y" after host',
  },
  {
    name: 'urlParse with a missing scheme panics',
    tpl: '{{ urlParse ":foo" }}',
    err: 'template: t:1:3: executing "t" at <urlParse ":foo">: error calling urlParse: unable to parse url: parse ":foo": missing protocol scheme',
  },
  {
    name: 'urlJoin',
    tpl: '{{ urlJoin (dict "scheme" "https" "host" "example.com" "path" "/a b/c" "query" "x=1" "fragment" "f g" "userinfo" "u:p") }}|{{ urlJoin (dict "path" "a:b") }}|{{ urlJoin (dict "scheme" "mailto" "opaque" "x@y") }}|{{ urlJoin (dict) }}|{{ urlJoin (dict "host" "h" "path" "p") }}',
    want: 'https://u:p@example.com/a%20b/c?x=1#f%20g|./a:b|mailto:x@y||//h/p',
  },
  {
    name: 'urlJoin round trip',
    tpl: '{{ urlJoin (urlParse "https://user:p%40ss@Example.com:8443/a%2Fb/c?x=1#frag") }}',
    want: 'https://user:p%40ss@Example.com:8443/a/b/c?x=1#frag',
  },
  {
    name: 'urlJoin rejects a non-string part',
    tpl: '{{ urlJoin (dict "host" 1) }}',
    err: 'template: t:1:3: executing "t" at <urlJoin (dict "host" 1)>: error calling urlJoin: unable to parse host key, must be of type string, but int found',
  },
];
