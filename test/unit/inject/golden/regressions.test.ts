// Bugs the golden suite found in the pipeline, each pinned by a test small enough to say exactly what was wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injector, type InjectResult } from '../../../../src/inject/injector.ts';
import { canonicalizePodQuantities } from '../../../../src/inject/quantity.ts';
import { loadInjectorSettings, settingsFromConfigMaps } from '../../../../src/inject/settings.ts';
import { isJsonObject, type JsonObject } from '../../../../src/inject/types.ts';

const injector = new Injector(loadInjectorSettings({}));

function podTemplate(): JsonObject {
  return {
    metadata: { labels: { app: 'reviews' } },
    spec: { containers: [{ name: 'reviews', image: 'reviews:1' }] },
  };
}

function injectedPod(result: InjectResult): JsonObject {
  if (result.kind !== 'injected') assert.fail(`not injected: ${result.decision.message}`);
  return result.pod;
}

function metadataOf(pod: JsonObject): JsonObject {
  assert.ok(isJsonObject(pod.metadata));
  return pod.metadata;
}

describe('kube-inject and the workload namespace', () => {
  it('does not write the workload namespace into the pod template', () => {
    const result = injector.inject({
      pod: podTemplate(),
      namespace: 'bookinfo',
      workload: { kind: 'Deployment', apiVersion: 'apps/v1', name: 'reviews', namespace: 'bookinfo' },
      mode: 'kube-inject',
    });
    assert.equal(metadataOf(injectedPod(result)).namespace, undefined);
  });

  it('still fills the request namespace into a webhook pod that has none, as istiod does', () => {
    const result = injector.inject({ pod: podTemplate(), namespace: 'bookinfo', mode: 'webhook' });
    assert.equal(metadataOf(injectedPod(result)).namespace, 'bookinfo');
  });
});

describe('resource quantities', () => {
  // Values merge over the project defaults, so the default memory request (40Mi) stays.
  const values = JSON.stringify({
    global: {
      proxy: { resources: { requests: { cpu: '100m' }, limits: { cpu: '2000m', memory: '1024Mi' } } },
    },
  });
  const settings = settingsFromConfigMaps(
    { values },
    { injector: 'istio-system/istio-sidecar-injector', mesh: 'istio-system/istio' },
    {},
  );
  const canonical = new Injector(settings);

  it('writes template quantities the way the API server stores them', () => {
    const pod = injectedPod(canonical.inject({ pod: podTemplate(), namespace: 'bookinfo', mode: 'webhook' }));
    assert.deepStrictEqual(proxyResources(pod), {
      requests: { cpu: '100m', memory: '40Mi' },
      limits: { cpu: '2', memory: '1Gi' },
    });
  });

  it('gives an empty patch when reinvoked on the pod the API server stored', () => {
    const first = injectedPod(
      canonical.inject({ pod: podTemplate(), namespace: 'bookinfo', mode: 'webhook' }),
    );
    const stored = canonicalizePodQuantities(first);
    const again = canonical.inject({ pod: stored, namespace: 'bookinfo', mode: 'webhook' });
    if (again.kind !== 'injected') assert.fail('the stored pod was not re-injected');
    assert.deepStrictEqual(again.patch, []);
  });
});

function proxyResources(pod: JsonObject): unknown {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  const proxy = containers.find((c) => isJsonObject(c) && c.name === 'istio-proxy');
  return isJsonObject(proxy) ? proxy.resources : undefined;
}

describe('cluster and network env on re-injection', () => {
  const settings = settingsFromConfigMaps(
    { values: JSON.stringify({ global: { multiCluster: { clusterName: 'east' }, network: 'net1' } }) },
    { injector: 'istio-system/istio-sidecar-injector', mesh: 'istio-system/istio' },
    {},
  );
  const multicluster = new Injector(settings);
  const withProbe = (): JsonObject => ({
    metadata: { name: 'reviews', labels: { app: 'reviews' } },
    spec: {
      containers: [
        { name: 'reviews', image: 'reviews:1', readinessProbe: { httpGet: { path: '/ready', port: 9080 } } },
      ],
    },
  });

  it('keeps ISTIO_META_CLUSTER_ID where the template put it, with the resolved value', () => {
    const pod = injectedPod(
      multicluster.inject({
        pod: withProbe(),
        namespace: 'bookinfo',
        mode: 'webhook',
        proxyEnvs: { ISTIO_META_CLUSTER_ID: 'west' },
      }),
    );
    const env = proxyEnvNames(pod);
    // The default template renders ISTIO_META_CLUSTER_ID just before ISTIO_META_NODE_NAME.
    assert.equal(env.indexOf('ISTIO_META_CLUSTER_ID'), env.indexOf('ISTIO_META_NODE_NAME') - 1);
    assert.equal(env.filter((name) => name === 'ISTIO_META_CLUSTER_ID').length, 1);
    assert.equal(proxyEnvValue(pod, 'ISTIO_META_CLUSTER_ID'), 'west');
  });

  it('gives an empty patch when a pod with probes is injected again', () => {
    const request = {
      namespace: 'bookinfo',
      mode: 'webhook',
      proxyEnvs: { ISTIO_META_CLUSTER_ID: 'west' },
    } as const;
    const first = injectedPod(multicluster.inject({ ...request, pod: withProbe() }));
    const again = multicluster.inject({ ...request, pod: first });
    if (again.kind !== 'injected') assert.fail('the injected pod was not re-injected');
    assert.deepStrictEqual(again.patch, []);
  });
});

function proxyEnvNames(pod: JsonObject): string[] {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  const proxy = containers.find((c) => isJsonObject(c) && c.name === 'istio-proxy');
  const env = isJsonObject(proxy) && Array.isArray(proxy.env) ? proxy.env : [];
  return env.map((e) => (isJsonObject(e) && typeof e.name === 'string' ? e.name : ''));
}

function proxyEnvValue(pod: JsonObject, name: string): unknown {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  const proxy = containers.find((c) => isJsonObject(c) && c.name === 'istio-proxy');
  const env = isJsonObject(proxy) && Array.isArray(proxy.env) ? proxy.env : [];
  const entry = env.find((e) => isJsonObject(e) && e.name === name);
  return isJsonObject(entry) ? entry.value : undefined;
}

describe('proxy.istio.io/config validation message', () => {
  it('names the annotation once, then the field and why', () => {
    const pod = podTemplate();
    pod.metadata = { annotations: { 'proxy.istio.io/config': 'holdApplicationUntilProxyStarts: maybe' } };
    assert.throws(() => injector.inject({ pod, namespace: 'bookinfo', mode: 'webhook' }), {
      message:
        "invalid value 'holdApplicationUntilProxyStarts: maybe' for annotation 'proxy.istio.io/config': " +
        'not a valid ProxyConfig: holdApplicationUntilProxyStarts: want true or false, got "maybe"',
    });
  });
});
