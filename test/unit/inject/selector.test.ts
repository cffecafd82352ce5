import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compileLabelSelector,
  isEmptySelector,
  labelKeyProblem,
  labelSelectorMatches,
  LabelSelectorError,
  labelValueProblem,
} from '../../../src/inject/selector.ts';
import type { JsonValue } from '../../../src/inject/types.ts';

describe('labelSelectorMatches', () => {
  const labels = { app: 'web', tier: 'frontend', 'example.com/team': 'blue', empty: '' };
  const cases: readonly { name: string; selector: JsonValue | undefined; want: boolean }[] = [
    { name: 'absent selector matches everything', selector: undefined, want: true },
    { name: 'null selector matches everything', selector: null, want: true },
    { name: 'empty map matches everything', selector: {}, want: true },
    { name: 'empty matchLabels matches everything', selector: { matchLabels: {} }, want: true },
    { name: 'matchLabels equal', selector: { matchLabels: { app: 'web' } }, want: true },
    { name: 'matchLabels different value', selector: { matchLabels: { app: 'db' } }, want: false },
    { name: 'matchLabels missing key', selector: { matchLabels: { version: 'v1' } }, want: false },
    {
      name: 'matchLabels are ANDed',
      selector: { matchLabels: { app: 'web', tier: 'backend' } },
      want: false,
    },
    {
      name: 'matchLabels with a prefixed key',
      selector: { matchLabels: { 'example.com/team': 'blue' } },
      want: true,
    },
    { name: 'matchLabels with an empty value', selector: { matchLabels: { empty: '' } }, want: true },
    {
      name: 'In with the value listed',
      selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend', 'frontend'] }] },
      want: true,
    },
    {
      name: 'In with the key missing',
      selector: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
      want: false,
    },
    {
      name: 'NotIn with the value listed',
      selector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] },
      want: false,
    },
    {
      name: 'NotIn with the key missing matches',
      selector: { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] },
      want: true,
    },
    {
      name: 'Exists with the key present (even empty)',
      selector: { matchExpressions: [{ key: 'empty', operator: 'Exists' }] },
      want: true,
    },
    {
      name: 'Exists with the key missing',
      selector: { matchExpressions: [{ key: 'zone', operator: 'Exists' }] },
      want: false,
    },
    {
      name: 'DoesNotExist with the key missing',
      selector: { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist', values: [] }] },
      want: true,
    },
    {
      name: 'DoesNotExist with the key present',
      selector: { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] },
      want: false,
    },
    {
      name: 'matchLabels and matchExpressions are ANDed',
      selector: {
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['frontend'] }],
      },
      want: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(labelSelectorMatches(c.selector, labels), c.want);
    });
  }
});

describe('compileLabelSelector validation', () => {
  const cases: readonly { name: string; selector: JsonValue; field: string; reason: RegExp }[] = [
    { name: 'not a map', selector: 'app=web', field: 'selector', reason: /want a label selector map/ },
    {
      name: 'unknown field',
      selector: { matchLabel: {} },
      field: 'selector.matchLabel',
      reason: /unknown field/,
    },
    {
      name: 'matchLabels not a map',
      selector: { matchLabels: ['app'] },
      field: 'selector.matchLabels',
      reason: /want a map/,
    },
    {
      name: 'matchLabels value not a string',
      selector: { matchLabels: { version: 1 } },
      field: 'selector.matchLabels.version',
      reason: /want a string/,
    },
    {
      name: 'matchLabels invalid value',
      selector: { matchLabels: { app: 'web app' } },
      field: 'selector.matchLabels.app',
      reason: /invalid value "web app"/,
    },
    {
      name: 'unknown operator',
      selector: { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['web'] }] },
      field: 'selector.matchExpressions[0].operator',
      reason: /"Equals" is not a selector operator/,
    },
    {
      name: 'operator is case sensitive',
      selector: { matchExpressions: [{ key: 'app', operator: 'in', values: ['web'] }] },
      field: 'selector.matchExpressions[0].operator',
      reason: /not a selector operator/,
    },
    {
      name: 'In without values',
      selector: { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] },
      field: 'selector.matchExpressions[0].values',
      reason: /must not be empty for operator In/,
    },
    {
      name: 'NotIn with values absent',
      selector: { matchExpressions: [{ key: 'app', operator: 'NotIn' }] },
      field: 'selector.matchExpressions[0].values',
      reason: /must not be empty/,
    },
    {
      name: 'Exists with values',
      selector: { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['web'] }] },
      field: 'selector.matchExpressions[0].values',
      reason: /must be empty for operator Exists/,
    },
    {
      name: 'key missing',
      selector: { matchExpressions: [{ operator: 'Exists' }] },
      field: 'selector.matchExpressions[0].key',
      reason: /want a string/,
    },
    {
      name: 'second expression reported by index',
      selector: {
        matchExpressions: [
          { key: 'a', operator: 'Exists' },
          { key: 'b/c/d', operator: 'Exists' },
        ],
      },
      field: 'selector.matchExpressions[1].key',
      reason: /at most one "\/"/,
    },
    {
      name: 'expression not a map',
      selector: { matchExpressions: ['app in (web)'] },
      field: 'selector.matchExpressions[0]',
      reason: /want a map/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.throws(
        () => compileLabelSelector(c.selector),
        (error: unknown) => {
          assert.ok(error instanceof LabelSelectorError);
          assert.equal(error.field, c.field);
          assert.match(error.message, c.reason);
          return true;
        },
      );
    });
  }

  it('prefixes errors with the caller-given path', () => {
    assert.throws(
      () =>
        compileLabelSelector({ matchExpressions: [{ key: 'a', operator: 'X' }] }, 'neverInjectSelector[2]'),
      /^LabelSelectorError: neverInjectSelector\[2\]\.matchExpressions\[0\]\.operator: /,
    );
  });

  it('compiles a selector once and reuses the result', () => {
    const selector = { matchLabels: { app: 'web' } };
    assert.equal(compileLabelSelector(selector), compileLabelSelector(selector));
  });

  it('reports emptiness', () => {
    assert.equal(isEmptySelector(compileLabelSelector({})), true);
    assert.equal(isEmptySelector(compileLabelSelector({ matchLabels: { a: 'b' } })), false);
  });
});

describe('label key and value syntax', () => {
  const keys: readonly [string, boolean][] = [
    ['app', true],
    ['app.kubernetes.io/name', true],
    ['sidecar.istio.io/inject', true],
    ['a_b-c.d', true],
    ['', false],
    ['/name', false],
    ['Example.com/name', false],
    ['example.com/', false],
    ['-app', false],
    ['x'.repeat(63), true],
    ['x'.repeat(64), false],
  ];
  for (const [key, valid] of keys) {
    it(`key ${JSON.stringify(key.length > 20 ? `${key.slice(0, 8)}...(${key.length})` : key)} is ${valid ? 'valid' : 'invalid'}`, () => {
      assert.equal(labelKeyProblem(key) === undefined, valid);
    });
  }
  const values: readonly [string, boolean][] = [
    ['', true],
    ['v1.2_3-x', true],
    ['-v1', false],
    ['v1-', false],
    ['a b', false],
    ['y'.repeat(64), false],
  ];
  for (const [value, valid] of values) {
    it(`value ${JSON.stringify(value.length > 20 ? `(${value.length} chars)` : value)} is ${valid ? 'valid' : 'invalid'}`, () => {
      assert.equal(labelValueProblem(value) === undefined, valid);
    });
  }
});
