import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyPods, countPods, isCounted, podView } from '../../../../src/controller/namespace/pods.ts';
import { classifyPod, namespaceInjection } from '../../../../src/inject/decide.ts';
import { pod, rawPod } from './fixtures.ts';

describe('podView', () => {
  it('keeps what the classifier and owner resolution read, and nothing else', () => {
    const raw = rawPod('web-1', {
      sidecar: 'stable',
      owner: { kind: 'ReplicaSet', name: 'web' },
      labels: { 'sidecar.istio.io/inject': 'true' },
    });
    const view = podView(raw);
    assert.equal(view.name, 'web-1');
    assert.equal(view.uid, 'uid-pod-web-1');
    assert.equal(view.phase, 'Running');
    assert.equal(view.deleting, false);
    assert.equal(view.owner.metadata?.ownerReferences?.[0]?.name, 'web');
    const text = JSON.stringify(view.pod);
    assert.equal(text.includes('last-applied-configuration'), false);
    assert.equal(text.includes('proxyv2'), false);
    assert.deepEqual(Object.keys((view.pod.metadata as { annotations: object }).annotations).sort(), [
      'istio.io/rev',
      'sidecar.istio.io/status',
    ]);
  });

  it('classifies exactly as the full pod does', () => {
    const ns = namespaceInjection({ 'istio.io/rev': 'stable' });
    const variants = [
      rawPod('a'),
      rawPod('b', { sidecar: 'stable' }),
      rawPod('c', { sidecar: 'canary' }),
      rawPod('d', { labels: { 'sidecar.istio.io/inject': 'false' } }),
      rawPod('e', { annotations: { 'sidecar.istio.io/inject': 'false' } }),
      rawPod('f', { hostNetwork: true }),
    ];
    const config = { policy: 'enabled', neverInjectSelector: [{ matchLabels: { app: 'd' } }] };
    for (const raw of variants) {
      assert.deepEqual(classifyPod(podView(raw).pod, ns, config), classifyPod(raw, ns, config));
    }
  });

  it('records deletion and the creation time', () => {
    const view = pod('x', { deleting: true, createdAt: Date.UTC(2030, 1, 1) });
    assert.equal(view.deleting, true);
    assert.equal(view.createdAtMs, Date.UTC(2030, 1, 1));
  });
});

describe('isCounted and countPods', () => {
  it('skips finished and deleting pods', () => {
    assert.equal(isCounted(pod('a')), true);
    assert.equal(isCounted(pod('a', { phase: 'Pending' })), true);
    assert.equal(isCounted(pod('a', { phase: 'Succeeded' })), false);
    assert.equal(isCounted(pod('a', { phase: 'Failed' })), false);
    assert.equal(isCounted(pod('a', { deleting: true })), false);
  });

  it('counts each state', () => {
    const pods = [
      pod('a'),
      pod('b', { sidecar: 'stable' }),
      pod('c', { sidecar: 'canary' }),
      pod('d', { hostNetwork: true }),
      pod('e', { phase: 'Succeeded' }),
    ];
    const classified = classifyPods(pods, namespaceInjection({ 'istio.io/rev': 'stable' }), {
      policy: 'enabled',
    });
    assert.deepEqual(countPods(classified), { total: 4, injected: 1, missing: 1, stale: 1, excluded: 1 });
  });

  it('treats sidecars in an opted-out namespace as stale', () => {
    const classified = classifyPods([pod('a', { sidecar: 'stable' }), pod('b')], namespaceInjection({}), {
      policy: 'enabled',
    });
    assert.deepEqual(countPods(classified), { total: 2, injected: 0, missing: 0, stale: 1, excluded: 1 });
  });

  it('reuses a cached classification for the same view and classifies a replaced view afresh', () => {
    const ns = namespaceInjection({ 'istio.io/rev': 'stable' });
    const cache = new WeakMap();
    const a = pod('a');
    const first = classifyPods([a, pod('b', { sidecar: 'stable' })], ns, { policy: 'enabled' }, cache);
    // Classified under other rules, the cached answer still comes back: the cache is the caller's to drop.
    const again = classifyPods([a], namespaceInjection({}), { policy: 'enabled' }, cache);
    assert.equal(again[0], first[0]);
    const replaced = pod('a', { sidecar: 'stable' });
    const fresh = classifyPods([replaced], ns, { policy: 'enabled' }, cache);
    assert.notEqual(fresh[0], first[0]);
    assert.deepEqual(countPods(fresh), { total: 1, injected: 1, missing: 0, stale: 0, excluded: 0 });
    assert.deepEqual(countPods(again), countPods([first[0]!]));
  });
});
