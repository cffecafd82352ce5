import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { register as globalRegistry } from 'prom-client';

import {
  INJECTION_TIME_BUCKETS,
  REVIEW_OUTCOMES,
  createCounter,
  createGauge,
  createHistogram,
  createMetricsRegistry,
  createWebhookMetrics,
  recordReviewOutcome,
  renderMetrics,
  type ReviewOutcome,
} from '../../../src/observability/metrics.ts';

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('createMetricsRegistry', () => {
  it('gives each caller its own registry and leaves the global one empty', async () => {
    const a = createMetricsRegistry();
    const b = createMetricsRegistry();
    createWebhookMetrics(a);
    createWebhookMetrics(b); // the same names again, on another registry: no clash
    assert.equal(globalRegistry.getSingleMetric('sidecar_injection_requests_total'), undefined);
    assert.equal((await globalRegistry.getMetricsAsJSON()).length, 0);
  });

  it('adds Node process metrics only when asked', async () => {
    const plain = await renderMetrics(createMetricsRegistry());
    assert.doesNotMatch(plain.body, /process_cpu_user_seconds_total/);
    const withProcess = await renderMetrics(createMetricsRegistry({ processMetrics: true }));
    assert.match(withProcess.body, /process_cpu_user_seconds_total/);
    assert.match(withProcess.body, /nodejs_heap_size_used_bytes/);
  });

  it('stamps default labels on every series', async () => {
    const registry = createMetricsRegistry({ defaultLabels: { revision: 'canary' } });
    createCounter(registry, { name: 'things_total', help: 'Things.' }).inc();
    const { body, contentType } = await renderMetrics(registry);
    assert.equal(value(body, 'things_total{revision="canary"}'), 1);
    assert.match(contentType, /^text\/plain; version=0\.0\.4/);
  });
});

describe('metric helpers', () => {
  it('register counters, gauges and histograms on the given registry only', async () => {
    const registry = createMetricsRegistry();
    createCounter<'reason'>(registry, {
      name: 'repairs_total',
      help: 'Repairs.',
      labelNames: ['reason'],
    }).inc({ reason: 'drift' }, 2);
    createGauge(registry, { name: 'cert_expiry_seconds', help: 'Expiry.' }).set(42);
    createHistogram(registry, { name: 'sync_seconds', help: 'Sync.', buckets: [1, 2] }).observe(1.5);
    const { body } = await renderMetrics(registry);
    assert.equal(value(body, 'repairs_total{reason="drift"}'), 2);
    assert.equal(value(body, 'cert_expiry_seconds'), 42);
    assert.equal(value(body, 'sync_seconds_bucket{le="1"}'), 0);
    assert.equal(value(body, 'sync_seconds_bucket{le="2"}'), 1);
    assert.equal(globalRegistry.getSingleMetric('repairs_total'), undefined);
  });

  it('refuse a second metric of the same name on one registry', () => {
    const registry = createMetricsRegistry();
    createCounter(registry, { name: 'dup_total', help: 'x' });
    assert.throws(() => createCounter(registry, { name: 'dup_total', help: 'x' }), /already been registered/);
  });
});

describe('createWebhookMetrics', () => {
  it("exposes Istio's names, with every outcome series starting at zero", async () => {
    const registry = createMetricsRegistry();
    createWebhookMetrics(registry);
    const { body } = await renderMetrics(registry);
    for (const name of [
      'sidecar_injection_requests_total',
      'sidecar_injection_success_total',
      'sidecar_injection_failure_total',
      'sidecar_injection_skip_total',
    ]) {
      assert.equal(value(body, name), 0, name);
    }
    for (const outcome of REVIEW_OUTCOMES) {
      assert.equal(value(body, `mesh_injector_webhook_reviews_total{outcome="${outcome}"}`), 0, outcome);
    }
    assert.match(body, /# TYPE sidecar_injection_time_seconds histogram/);
  });

  it("keeps every one of Istio's latency buckets and adds finer ones below 100 ms", async () => {
    for (const istioBucket of [0.1, 1, 3, 5, 10, 20, 30, 60])
      assert.ok(INJECTION_TIME_BUCKETS.includes(istioBucket));
    assert.ok(INJECTION_TIME_BUCKETS.filter((b) => b < 0.1).length >= 4);
    const registry = createMetricsRegistry();
    createWebhookMetrics(registry).time.observe(0.004);
    const { body } = await renderMetrics(registry);
    assert.equal(value(body, 'sidecar_injection_time_seconds_bucket{le="0.0025"}'), 0);
    assert.equal(value(body, 'sidecar_injection_time_seconds_bucket{le="0.005"}'), 1);
    assert.equal(value(body, 'sidecar_injection_time_seconds_bucket{le="60"}'), 1);
  });
});

describe('recordReviewOutcome', () => {
  // What istiod's serveInject counts for each way a request ends (reference istio-injector.md 1.2, 1.6).
  const expected: Record<ReviewOutcome, { success: number; failure: number; skip: number }> = {
    injected: { success: 1, failure: 0, skip: 0 },
    allowed: { success: 1, failure: 0, skip: 0 },
    skipped: { success: 1, failure: 0, skip: 1 },
    denied: { success: 1, failure: 1, skip: 0 },
    invalid: { success: 1, failure: 1, skip: 0 },
    error: { success: 1, failure: 1, skip: 0 },
    timeout: { success: 1, failure: 1, skip: 0 },
    rejected: { success: 0, failure: 1, skip: 0 },
  };

  for (const outcome of REVIEW_OUTCOMES) {
    it(`counts "${outcome}" as istiod does`, async () => {
      const registry = createMetricsRegistry();
      const metrics = createWebhookMetrics(registry);
      recordReviewOutcome(metrics, outcome, 0.02);
      const { body } = await renderMetrics(registry);
      assert.equal(value(body, 'sidecar_injection_requests_total'), 1);
      assert.equal(value(body, 'sidecar_injection_success_total'), expected[outcome].success);
      assert.equal(value(body, 'sidecar_injection_failure_total'), expected[outcome].failure);
      assert.equal(value(body, 'sidecar_injection_skip_total'), expected[outcome].skip);
      assert.equal(value(body, `mesh_injector_webhook_reviews_total{outcome="${outcome}"}`), 1);
      assert.equal(value(body, 'sidecar_injection_time_seconds_count'), 1);
      assert.equal(value(body, 'sidecar_injection_time_seconds_sum'), 0.02);
    });
  }
});
