// sprig paths, environment, fail. Expected values are Go's (see ../support.ts).
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
];
