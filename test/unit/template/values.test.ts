// The value model helpers (values.ts) and the fmt functions exported for helper libraries.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  GoNamed,
  goNamed,
  goNilPointer,
  goSprint,
  goSprintf,
  goSprintln,
  goStringMap,
  goStruct,
  goTypeName,
  goTypedMap,
  isTrue,
  parse,
} from '../../../src/template/index.ts';
import { compareStrings } from '../../../src/template/values.ts';

describe('value markers', () => {
  it('mark objects in place without changing their JSON or spread copies', () => {
    const labels = { app: 'web' };
    assert.equal(goStringMap(labels), labels);
    assert.equal(JSON.stringify(labels), '{"app":"web"}');
    assert.deepEqual(Object.keys(labels), ['app']);
    assert.equal(goTypeName({ ...labels }), 'map[string]interface {}');
    assert.equal(goTypeName(labels), 'map[string]string');
  });

  it('goTypedMap gives missing keys its zero value through index and missingkey=zero', () => {
    const ports = goTypedMap({ http: 80n }, 'map[string]int32', 0n);
    assert.equal(parse('m', '{{index . "https"}} {{printf "%T" .}}').execute(ports), '0 map[string]int32');
    assert.equal(parse('m', '{{.https}}', { missingKey: 'zero' }).execute(ports), '0');
  });

  it('goStruct evaluates getters lazily, on the original object', () => {
    let reads = 0;
    const view = goStruct('v1.Pod', {
      get Name(): string {
        reads++;
        return 'lazy';
      },
    });
    assert.equal(reads, 0);
    assert.equal(parse('s', '{{.Name}}{{.Name}}').execute(view), 'lazylazy');
    assert.equal(reads, 2);
  });

  it('goStruct finds methods on a class prototype', () => {
    class Meta {
      Name = 'n';
      Upper(): string {
        return this.Name.toUpperCase();
      }
    }
    const meta = goStruct('v1.ObjectMeta', new Meta());
    assert.equal(parse('s', '{{.Upper}} {{.}}').execute(meta), 'N {n}');
    assert.throws(
      () => parse('s', '{{.constructor}}').execute(meta),
      /can't evaluate field constructor in type v1.ObjectMeta/,
    );
  });

  it('goStruct never exposes Object.prototype members', () => {
    const s = goStruct('main.T', { A: 1n });
    assert.throws(
      () => parse('s', '{{.ToString}}').execute(s),
      /can't evaluate field ToString in type main.T/,
    );
    assert.equal(parse('m', '{{.toString}}').execute({}), '<no value>');
  });

  it('a pointer struct prints with & inside fmt and without it in an action', () => {
    const p = goStruct('main.P', { A: 'a' }, { pointer: true });
    assert.equal(goTypeName(p), '*main.P');
    assert.equal(goSprint(p), '&{a}');
    assert.equal(parse('p', '{{.}}').execute(p), '{a}');
  });

  it('goNilPointer is a typed nil with nil-safe methods', () => {
    const nil = goNilPointer('wrappers.BoolValue', { GetValue: () => false });
    assert.equal(goTypeName(nil), '*wrappers.BoolValue');
    assert.equal(isTrue(nil), false);
    assert.equal(goSprint(nil), '<nil>');
    assert.equal(parse('n', '{{.GetValue}}').execute(nil), 'false');
    assert.throws(
      () => parse('n', '{{.Value}}').execute(nil),
      /nil pointer evaluating \*wrappers\.BoolValue\.Value/,
    );
  });

  it('goNamed carries a type name and methods over an underlying value', () => {
    const mode = goNamed('v1alpha1.Mode', 1n, { String: () => 'TPROXY' });
    assert.ok(mode instanceof GoNamed);
    assert.equal(goSprint(mode), 'TPROXY');
    assert.equal(goSprintf('%d %T', mode, mode), '1 v1alpha1.Mode');
    assert.equal(isTrue(goNamed('v1alpha1.Mode', 0n)), false);
  });

  it('function type names are approximate (JS functions carry no Go signature)', () => {
    assert.equal(
      goTypeName(() => 1),
      'func(...interface {}) interface {}',
    );
    assert.throws(() => parse('f', '{{.}}').execute(() => 1), /can't print \{\{\.\}\} of type func/);
  });
});

describe('isTrue', () => {
  const cases: [unknown, boolean][] = [
    [undefined, false],
    [null, false],
    [false, false],
    [true, true],
    [0n, false],
    [2n, true],
    [0, false],
    [0.5, true],
    [Number.NaN, true],
    ['', false],
    ['x', true],
    [[], false],
    [[0], true],
    [{}, false],
    [{ a: undefined }, false],
    [{ a: null }, true],
    [goStringMap({}), false],
    [goStruct('main.Empty', {}), true],
    [() => 0, true],
  ];
  for (const [value, want] of cases) {
    it(`${goSprintf('%#v', value)} is ${want}`, () => {
      assert.equal(isTrue(value), want);
    });
  }
});

describe('fmt functions for helper libraries', () => {
  it('goSprint follows fmt.Sprint spacing', () => {
    assert.equal(goSprint('a', 1n, 2n, 'b', 'c', null), 'a1 2bc<nil>');
    assert.equal(goSprint(1000000, 2.5, true), '1e+06 2.5 true');
    assert.equal(goSprint(), '');
  });

  it('goSprintln always separates and ends with a newline', () => {
    assert.equal(goSprintln('a', 'b', 1n), 'a b 1\n');
  });

  it('goSprintf formats like fmt.Sprintf', () => {
    assert.equal(goSprintf('%s=%d (%5.1f%%)', 'x', 42n, 99.25), 'x=42 ( 99.2%)');
    assert.equal(goSprintf('%v|%q', ['a', { k: 1n }], 'é'), '[a map[k:1]]|"é"');
    assert.equal(goSprintf('%d', 1.5), '%!d(float64=1.5)');
  });

  it('treats undefined operands as nil', () => {
    assert.equal(goSprint(undefined), '<nil>');
    assert.equal(goSprintf('%v %s', undefined, undefined), '<nil> %!s(<nil>)');
  });
});

describe('string order', () => {
  it('sorts by code point as Go does, also above U+FFFF', () => {
    // U+1F600 is a surrogate pair in UTF-16; UTF-16 order puts it before U+FF01, Go's byte order after.
    const keys = ['\u{1F600}', '\uFF01', 'a'];
    assert.deepEqual(keys.sort(compareStrings), ['a', '\uFF01', '\u{1F600}']);
    assert.equal(
      parse('cp', '{{ range $k, $v := . }}{{ $k }} {{ end }}').execute({ '\u{1F600}': 1, '\uFF01': 2 }),
      '\uFF01 \u{1F600} ',
    );
    assert.equal(parse('lt', '{{ lt "\uFF01" "\u{1F600}" }}').execute(null), 'true');
  });
});
