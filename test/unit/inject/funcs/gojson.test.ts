// Go's encoding/json over the value model, called directly. Expected texts are Go 1.26's json.Marshal,
// json.MarshalIndent and json.Unmarshal results for the same values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  GoJsonError,
  GoJsonSyntaxError,
  JsonNumberText,
  goJsonDecode,
  goJsonFloat,
  goJsonMarshal,
  goJsonString,
  goJsonUnmarshal,
} from '../../../../src/inject/funcs/gojson.ts';
import { goNamed, goNilPointer, goStringMap, goStruct } from '../../../../src/template/index.ts';

describe('goJsonMarshal', () => {
  const floats: [number, string][] = [
    [1e21, '1e+21'],
    [1e-7, '1e-7'],
    [123456789, '123456789'],
    [0.1, '0.1'],
    [-0, '-0'],
    [5e-324, '5e-324'],
    [Number.MAX_VALUE, '1.7976931348623157e+308'],
    [100, '100'],
    [1e20, '100000000000000000000'],
    [1.5e-6, '0.0000015'],
    [0.000001, '0.000001'],
    [-2.5e-10, '-2.5e-10'],
    [3e21, '3e+21'],
    [12345678.9, '12345678.9'],
  ];
  for (const [f, want] of floats) {
    it(`formats the float64 ${String(f)} as ${want}`, () => {
      assert.equal(goJsonFloat(f), want);
    });
  }

  it('rejects NaN and infinities with Go messages', () => {
    assert.throws(() => goJsonMarshal(NaN), new GoJsonError('json: unsupported value: NaN'));
    assert.throws(() => goJsonMarshal([Infinity]), { message: 'json: unsupported value: +Inf' });
    assert.throws(() => goJsonMarshal({ a: -Infinity }), { message: 'json: unsupported value: -Inf' });
  });

  it('sorts map keys by bytes, not UTF-16 units', () => {
    const m = { é: 1, z: 2, Z: 3, aé: 4, '\u{1F600}': 5, '\uFFFD': 6 };
    assert.equal(goJsonMarshal(m), '{"Z":3,"aé":4,"z":2,"é":1,"�":6,"😀":5}');
  });

  it('writes ints, bools, nils, and skips absent keys', () => {
    assert.equal(
      goJsonMarshal({ i: 9007199254740993n, t: true, n: null, u: undefined }),
      '{"i":9007199254740993,"n":null,"t":true}',
    );
    assert.equal(goJsonMarshal(undefined), 'null');
  });

  it('escapes strings as Go does', () => {
    assert.equal(goJsonString('<a&b>'), '"\\u003ca\\u0026b\\u003e"');
    assert.equal(goJsonString('<a&b>', false), '"<a&b>"');
    assert.equal(
      goJsonString('\u2028\u2029\b\f\n\r\t\u0001\u007f"\\'),
      '"\\u2028\\u2029\\b\\f\\n\\r\\t\\u0001\u007f\\"\\\\"',
    );
    assert.equal(goJsonString('a\ud800b\udc00\u{1F600}'), '"a\\ufffdb\\ufffd\u{1F600}"');
  });

  it('indents like MarshalIndent, keeping empty collections compact', () => {
    assert.equal(
      goJsonMarshal({ a: [], b: {}, c: [1n, { d: null }] }, { indent: '  ' }),
      '{\n  "a": [],\n  "b": {},\n  "c": [\n    1,\n    {\n      "d": null\n    }\n  ]\n}',
    );
  });

  it('writes a struct through its toJSON, keeping its field order and encoding nested values by their rules', () => {
    const port = goStruct('v1.ContainerPort', {
      ContainerPort: 8080n,
      Name: 'http',
      toJSON() {
        return { name: 'http', containerPort: 8080n, labels: goStringMap({ z: '1', a: '2' }), ratio: 0.5 };
      },
    });
    assert.equal(
      goJsonMarshal(port),
      '{"name":"http","containerPort":8080,"labels":{"a":"2","z":"1"},"ratio":0.5}',
    );
  });

  it('writes a struct without toJSON by its exported fields, in order, under their Go names', () => {
    const s = goStruct('main.T', { Zed: 1n, Alpha: 'a', hidden: 'h', Method: () => 1 });
    assert.equal(goJsonMarshal(s), '{"Zed":1,"Alpha":"a"}');
  });

  it('writes named values by their underlying value and nil pointers as null', () => {
    const mode = goNamed('v1alpha1.Mode', 1n, { String: () => 'TPROXY' });
    assert.equal(goJsonMarshal([mode, goNilPointer('main.T')]), '[1,null]');
  });

  it('keeps key order when asked (a message in field order)', () => {
    assert.equal(
      goJsonMarshal({ b: 1n, a: { d: 1n, c: 2n } }, { keepKeyOrder: true }),
      '{"b":1,"a":{"d":1,"c":2}}',
    );
  });

  it('reports cycles and functions instead of recursing or dropping them', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => goJsonMarshal(cyclic), {
      message: 'json: unsupported value: encountered a cycle via map[string]interface {}',
    });
    assert.throws(() => goJsonMarshal({ f: () => 1 }), /json: unsupported type: func/);
    const shared = { x: 1n };
    assert.equal(goJsonMarshal([shared, shared]), '[{"x":1},{"x":1}]');
  });
});

describe('goJsonDecode', () => {
  it('decodes numbers as float64 and objects as plain maps', () => {
    const v = goJsonDecode('{"a":[1,2.5,"x",true,null],"__proto__":{"p":1}}').value as Record<
      string,
      unknown
    >;
    assert.deepEqual(v.a, [1, 2.5, 'x', true, null]);
    assert.ok(Object.hasOwn(v, '__proto__'), '__proto__ is an ordinary key');
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
  });

  it('keeps number texts when asked', () => {
    assert.deepEqual(goJsonDecode('[1, 1.0, -0]', { rawNumbers: true }).value, [
      new JsonNumberText('1'),
      new JsonNumberText('1.0'),
      new JsonNumberText('-0'),
    ]);
  });

  it('pairs surrogate escapes and replaces lone ones', () => {
    assert.equal(goJsonUnmarshal('"\\ud83d\\ude00"'), '\u{1F600}');
    assert.equal(goJsonUnmarshal('"\\ud800x\\udc00"'), '\ufffdx\ufffd');
  });

  it('reports a number out of range after decoding the rest, as Go does', () => {
    assert.deepEqual(goJsonDecode('{"a":1e400,"b":2}'), {
      value: { a: null, b: 2 },
      error: 'json: cannot unmarshal number 1e400 into Go value of type float64',
    });
  });

  const syntax: [string, string][] = [
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ['[1 2]', "invalid character '2' after array element"],
    ['{"a":tru}', "invalid character '}' in literal true (expecting 'e')"],
    ['"\\u12"', "invalid character '\"' in \\u hexadecimal character escape"],
    ['"a\u0001"', "invalid character '\\x01' in string literal"],
    ['01', "invalid character '1' after top-level value"],
    ['1.', "invalid character ' ' after decimal point in numeric literal"],
    ['1e', "invalid character ' ' in exponent of numeric literal"],
    ['-', "invalid character ' ' in numeric literal"],
    ['{"a":1}x', "invalid character 'x' after top-level value"],
    ['{1:2}', "invalid character '1' looking for beginning of object key string"],
    ['nul', "invalid character ' ' in literal null (expecting 'l')"],
    ['[', 'unexpected end of JSON input'],
    [' ', 'unexpected end of JSON input'],
    ['"abc', 'unexpected end of JSON input'],
    ["'a'", "invalid character '\\'' looking for beginning of value"],
    ['é', "invalid character 'Ã' looking for beginning of value"],
  ];
  for (const [input, message] of syntax) {
    it(`rejects ${JSON.stringify(input)} with Go's message`, () => {
      assert.throws(
        () => goJsonDecode(input),
        (err: unknown) => err instanceof GoJsonSyntaxError && err.message === message,
      );
    });
  }

  it('stops at Go nesting limit', () => {
    assert.throws(() => goJsonDecode('['.repeat(10001)), {
      message: "invalid character '[' exceeded max depth",
    });
  });
});
