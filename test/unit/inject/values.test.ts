import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boolValue, defaultValues, parseValues, stringValue, valueAt } from '../../../src/inject/values.ts';

describe('parseValues', () => {
  it('gives the project defaults for an empty file', () => {
    assert.deepEqual(parseValues('', 'values.json'), defaultValues());
  });

  it('lays JSON values over the defaults', () => {
    const values = parseValues(
      '{"global": {"hub": "registry.local/istio", "proxy": {"statusPort": 15999}}}',
      'v.json',
    );
    assert.equal(valueAt(values, 'global.hub'), 'registry.local/istio');
    assert.equal(valueAt(values, 'global.proxy.statusPort'), 15999);
    assert.equal(valueAt(values, 'global.proxy.image'), 'proxyv2', 'defaults fill what is not given');
  });

  it('reads the values from an istio-sidecar-injector ConfigMap', () => {
    const cm = 'kind: ConfigMap\ndata:\n  values: |-\n    {"global": {"tag": "1.20.0"}}\n';
    assert.equal(valueAt(parseValues(cm, 'cm.yaml'), 'global.tag'), '1.20.0');
  });

  it('rejects values that are not a map', () => {
    assert.throws(() => parseValues('[1, 2]', 'v.json'), /v\.json: the values must be a JSON or YAML map/);
  });

  it('rejects a ConfigMap without data.values', () => {
    assert.throws(() => parseValues('kind: ConfigMap\ndata: {}\n', 'cm.yaml'), /cm\.yaml: data\.values/);
  });
});

describe('value accessors', () => {
  const values = { a: { b: true, s: 'x', n: 3, t: 'true' } };

  it('valueAt walks JSON keys and stops at missing steps', () => {
    assert.equal(valueAt(values, 'a.s'), 'x');
    assert.equal(valueAt(values, 'a.missing.deeper'), undefined);
    assert.equal(valueAt(values, 'a.s.length'), undefined, 'no walking into strings');
  });

  it('boolValue accepts booleans and Helm-style strings', () => {
    assert.equal(boolValue(values, 'a.b', false), true);
    assert.equal(boolValue(values, 'a.t', false), true);
    assert.equal(boolValue(values, 'a.s', false), false);
  });

  it('stringValue prints numbers and falls back otherwise', () => {
    assert.equal(stringValue(values, 'a.n', ''), '3');
    assert.equal(stringValue(values, 'a.b', 'fallback'), 'fallback');
  });
});
