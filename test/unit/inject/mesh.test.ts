import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConfigError,
  defaultMeshConfig,
  effectiveProxyConfig,
  mergeProto,
  parseMeshConfig,
} from '../../../src/inject/mesh.ts';

describe('parseMeshConfig', () => {
  it('gives Istio defaults for an empty mesh config', () => {
    const mesh = parseMeshConfig('', 'mesh.yaml');
    assert.equal(mesh.proxyListenPort, 15001);
    assert.equal(mesh.proxyInboundListenPort, 15006);
    assert.equal(mesh.trustDomain, 'cluster.local');
    assert.deepEqual(mesh.inboundTrafficPolicy, { mode: 'PASSTHROUGH' });
    const proxy = mesh.defaultConfig as Record<string, unknown>;
    assert.equal(proxy.statusPort, 15020);
    assert.equal(proxy.interceptionMode, 'REDIRECT');
    assert.equal(proxy.discoveryAddress, 'istiod.istio-system.svc:15012');
  });

  it('lays the given fields over the defaults, merging defaultConfig field by field', () => {
    const mesh = parseMeshConfig(
      'trustDomain: example.org\ndefaultConfig:\n  interceptionMode: TPROXY\n  proxyMetadata: {A: "1"}\n',
      'mesh.yaml',
    );
    assert.equal(mesh.trustDomain, 'example.org');
    const proxy = mesh.defaultConfig as Record<string, unknown>;
    assert.equal(proxy.interceptionMode, 'TPROXY');
    assert.deepEqual(proxy.proxyMetadata, { A: '1' });
    assert.equal(proxy.statusPort, 15020, 'untouched defaults stay');
  });

  it('reads the mesh from an istio ConfigMap manifest', () => {
    const cm =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio}\ndata:\n  mesh: |\n    proxyListenPort: 15111\n';
    assert.equal(parseMeshConfig(cm, 'istio.yaml').proxyListenPort, 15111);
  });

  it('names the ConfigMap key when it is missing', () => {
    assert.throws(
      () => parseMeshConfig('kind: ConfigMap\ndata: {other: x}\n', 'cm.yaml'),
      /cm\.yaml: data\.mesh: the ConfigMap has no mesh config/,
    );
  });

  const bad: [string, RegExp][] = [
    ['proxyListenPort: abc', /proxyListenPort: want a port number 0-65535, got "abc"/],
    ['proxyInboundListenPort: 70000', /proxyInboundListenPort: want a port number/],
    [
      'defaultConfig: {interceptionMode: BOGUS}',
      /defaultConfig\.interceptionMode: want one of REDIRECT, TPROXY, NONE/,
    ],
    ['defaultConfig: {statusPort: -1}', /defaultConfig\.statusPort: want a port number/],
    ['defaultConfig: {proxyMetadata: {A: 1}}', /defaultConfig\.proxyMetadata\.A: want a string/],
    ['enablePrometheusMerge: "yes please"', /enablePrometheusMerge: want true or false/],
    ['inboundTrafficPolicy: {mode: OPEN}', /inboundTrafficPolicy\.mode: want one of PASSTHROUGH, LOCALHOST/],
    ['- a\n- b', /the mesh config must be a YAML map/],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${text.split('\n')[0]}`, () => {
      assert.throws(
        () => parseMeshConfig(text, 'mesh.yaml'),
        (err: unknown) => err instanceof ConfigError && message.test(err.message),
      );
    });
  }
});

describe('mergeProto', () => {
  it('replaces lists, merges maps, and clears fields set to null', () => {
    const merged = mergeProto({ a: [1, 2], m: { x: 1, y: 2 }, gone: 1 }, { a: [3], m: { y: 3 }, gone: null });
    assert.deepEqual(merged, { a: [3], m: { x: 1, y: 3 } });
  });

  it('does not modify its inputs', () => {
    const base = defaultMeshConfig();
    const copy = structuredClone(base);
    mergeProto(base, { defaultConfig: { statusPort: 1 } });
    assert.deepEqual(base, copy);
  });
});

describe('effectiveProxyConfig', () => {
  const mesh = defaultMeshConfig();

  it('is the mesh defaultConfig without an annotation', () => {
    assert.deepEqual(effectiveProxyConfig(mesh, undefined), mesh.defaultConfig);
  });

  it('lays the proxy.istio.io/config annotation over the mesh defaultConfig', () => {
    const proxy = effectiveProxyConfig(mesh, 'holdApplicationUntilProxyStarts: true\nstatusPort: 15555\n');
    assert.equal(proxy.holdApplicationUntilProxyStarts, true);
    assert.equal(proxy.statusPort, 15555);
    assert.equal(proxy.drainDuration, '45s');
  });

  it('rejects a malformed annotation with its name', () => {
    assert.throws(
      () => effectiveProxyConfig(mesh, 'interceptionMode: SIDEWAYS'),
      /annotation proxy\.istio\.io\/config: interceptionMode: want one of/,
    );
  });
});
