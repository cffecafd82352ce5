import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyPrometheusMerge,
  applySecurePrometheusAnnotation,
  parseScrapeTargets,
  PrometheusScrapeError,
  prometheusMergeEnabled,
  sanitizeLabelName,
} from '../../../src/inject/prometheus.ts';
import type { JsonObject, JsonValue } from '../../../src/inject/types.ts';

function pod(annotations?: Record<string, string>, proxyEnv: JsonValue[] = []): JsonObject {
  const metadata: JsonObject = { name: 'p', namespace: 'ns' };
  if (annotations !== undefined) metadata.annotations = annotations;
  return {
    metadata,
    spec: { containers: [{ name: 'app' }, { name: 'istio-proxy', env: proxyEnv }] },
  };
}

function annotations(p: JsonObject): JsonValue {
  return (p.metadata as JsonObject).annotations ?? null;
}

function proxyEnv(p: JsonObject): JsonValue {
  const containers = (p.spec as JsonObject).containers as JsonObject[];
  return containers.find((c) => c.name === 'istio-proxy')?.env ?? null;
}

const merged = {
  'prometheus.io/port': '15020',
  'prometheus.io/path': '/stats/prometheus',
  'prometheus.io/scrape': 'true',
};

describe('applyPrometheusMerge', () => {
  it('points a pod without scrape annotations at the agent, with no env', () => {
    const out = applyPrometheusMerge(pod(), 15020, true);
    assert.deepEqual(annotations(out), merged);
    assert.deepEqual(proxyEnv(out), []);
  });

  it("moves the app's scrape settings into ISTIO_PROMETHEUS_ANNOTATIONS", () => {
    const out = applyPrometheusMerge(
      pod({
        app: 'x',
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '9090',
        'prometheus.io/path': '/m',
      }),
      15020,
    );
    assert.deepEqual(annotations(out), { app: 'x', ...merged });
    assert.deepEqual(proxyEnv(out), [
      { name: 'ISTIO_PROMETHEUS_ANNOTATIONS', value: '{"scrape":"true","path":"/m","port":"9090"}' },
    ]);
  });

  it('writes empty strings for settings the pod leaves out', () => {
    const out = applyPrometheusMerge(pod({ 'prometheus.io/port': '8080' }), 15020);
    assert.deepEqual(proxyEnv(out), [
      { name: 'ISTIO_PROMETHEUS_ANNOTATIONS', value: '{"scrape":"","path":"","port":"8080"}' },
    ]);
  });

  it('treats other spellings as the same keys and removes them all', () => {
    const out = applyPrometheusMerge(
      pod({ 'prometheus-io/port': '9090', prometheus_io_path: '/x', 'prometheus.io.scrape': 'true' }),
      15020,
    );
    assert.deepEqual(annotations(out), merged);
    assert.deepEqual(proxyEnv(out), [
      { name: 'ISTIO_PROMETHEUS_ANNOTATIONS', value: '{"scrape":"true","path":"/x","port":"9090"}' },
    ]);
  });

  it('leaves a pod alone that asks not to be scraped', () => {
    const input = pod({ 'prometheus.io/scrape': 'false', 'prometheus.io/port': '9090' });
    assert.equal(applyPrometheusMerge(input, 15020), input);
  });

  it('an unparseable scrape value does not stop the merge', () => {
    const out = applyPrometheusMerge(pod({ 'prometheus.io/scrape': 'sure' }), 15020);
    assert.deepEqual(annotations(out), merged);
  });

  it('leaves a pod alone that opts out of merging', () => {
    const input = pod({ 'prometheus.istio.io/merge-metrics': 'false' });
    assert.equal(applyPrometheusMerge(input, 15020, true), input);
  });

  it('leaves the pod alone when the mesh disables merging', () => {
    const input = pod();
    assert.equal(applyPrometheusMerge(input, 15020, false), input);
  });

  it('the pod annotation overrides the mesh setting', () => {
    const out = applyPrometheusMerge(pod({ 'prometheus.istio.io/merge-metrics': 'true' }), 15020, false);
    assert.deepEqual(annotations(out), { 'prometheus.istio.io/merge-metrics': 'true', ...merged });
  });

  it('does nothing on re-injection (port already the status port)', () => {
    const input = pod({ ...merged }, [{ name: 'ISTIO_PROMETHEUS_ANNOTATIONS', value: '{}' }]);
    assert.equal(applyPrometheusMerge(input, 15020), input);
  });

  it('uses the given status port', () => {
    const out = applyPrometheusMerge(pod(), 15999);
    assert.equal((annotations(out) as JsonObject)['prometheus.io/port'], '15999');
  });

  it('passes scrape-targets to the agent and removes the annotation', () => {
    const out = applyPrometheusMerge(
      pod({ 'prometheus.istio.io/scrape-targets': ' 8080:/metrics , 9100 ,9200:/stats' }),
      15020,
    );
    assert.deepEqual(annotations(out), merged);
    assert.deepEqual(proxyEnv(out), [
      {
        name: 'ISTIO_PROMETHEUS_ANNOTATIONS',
        value:
          '{"scrape":"","path":"","port":"","targets":[{"port":"8080","path":"/metrics"},' +
          '{"port":"9100","path":"/metrics"},{"port":"9200","path":"/stats"}]}',
      },
    ]);
  });

  const rejected: readonly [string, Record<string, string>, RegExp][] = [
    [
      'a reserved target port',
      { 'prometheus.istio.io/scrape-targets': '8080,15090' },
      /'15090' is reserved by Istio/,
    ],
    ['the status port as target', { 'prometheus.istio.io/scrape-targets': '15020:/m' }, /status port/],
    [
      'a leading-zero spelling of the status port',
      { 'prometheus.istio.io/scrape-targets': '015020' },
      /status port/,
    ],
    ['a non-numeric target port', { 'prometheus.istio.io/scrape-targets': 'http:/m' }, /not a port number/],
    ['port 0', { 'prometheus.istio.io/scrape-targets': '0' }, /not a port number/],
    ['a target without a port', { 'prometheus.istio.io/scrape-targets': ':/metrics' }, /has no port/],
    ['a reserved prometheus.io/port', { 'prometheus.io/port': '15000' }, /reserved by Istio \(Envoy admin\)/],
  ];
  for (const [name, input, reason] of rejected) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => applyPrometheusMerge(pod(input), 15020),
        (error: unknown) => error instanceof PrometheusScrapeError && reason.test(error.message),
      );
    });
  }

  it('rewrites the annotations even without a proxy container', () => {
    const input: JsonObject = {
      metadata: { annotations: { 'prometheus.io/port': '9090' } },
      spec: { containers: [] },
    };
    const out = applyPrometheusMerge(input, 15020);
    assert.deepEqual(annotations(out), merged);
    assert.deepEqual(out.spec, { containers: [] });
  });

  it('does not modify its input', () => {
    const input = pod({ 'prometheus.io/port': '9090' });
    const before = structuredClone(input);
    applyPrometheusMerge(input, 15020);
    assert.deepEqual(input, before);
  });

  it('merging twice equals merging once', () => {
    const once = applyPrometheusMerge(pod({ 'prometheus.io/port': '9090' }), 15020);
    assert.deepEqual(applyPrometheusMerge(once, 15020), once);
  });
});

describe('applySecurePrometheusAnnotation', () => {
  it('advertises the secure merged metrics port', () => {
    const out = applySecurePrometheusAnnotation(
      pod({}, [{ name: 'ENVOY_SECURE_MERGED_METRICS_PORT', value: '15091' }]),
    );
    assert.deepEqual(annotations(out), { 'prometheus.istio.io/secure-port': '15091' });
  });
  it('keeps what the user set', () => {
    const input = pod({ 'prometheus.istio.io/secure-port': '1' }, [
      { name: 'ENVOY_SECURE_MERGED_METRICS_PORT', value: '15091' },
    ]);
    assert.equal(applySecurePrometheusAnnotation(input), input);
  });
  it('ignores "0" and an empty value', () => {
    for (const value of ['0', '']) {
      const input = pod({}, [{ name: 'ENVOY_SECURE_MERGED_METRICS_PORT', value }]);
      assert.equal(applySecurePrometheusAnnotation(input), input);
    }
  });
  it('does nothing without the env var', () => {
    const input = pod({});
    assert.equal(applySecurePrometheusAnnotation(input), input);
  });
});

describe('helpers', () => {
  it('sanitizeLabelName', () => {
    assert.equal(sanitizeLabelName('prometheus.io/scrape'), 'prometheus_io_scrape');
    assert.equal(sanitizeLabelName('prometheus-io/scrape'), 'prometheus_io_scrape');
  });
  it('parseScrapeTargets skips empty entries and defaults the path', () => {
    assert.deepEqual(parseScrapeTargets('8080,, 9090:'), [
      { port: '8080', path: '/metrics' },
      { port: '9090', path: '/metrics' },
    ]);
  });
  it('parseScrapeTargets keeps everything after the first colon as the path', () => {
    assert.deepEqual(parseScrapeTargets('8080:/m?x=a:b'), [{ port: '8080', path: '/m?x=a:b' }]);
  });
  it('prometheusMergeEnabled falls back to the mesh, then true', () => {
    assert.equal(prometheusMergeEnabled({}, undefined), true);
    assert.equal(prometheusMergeEnabled({}, false), false);
    assert.equal(prometheusMergeEnabled({ 'prometheus.istio.io/merge-metrics': 'bad' }, false), false);
    assert.equal(prometheusMergeEnabled({ 'prometheus.istio.io/merge-metrics': '0' }, true), false);
  });
});
