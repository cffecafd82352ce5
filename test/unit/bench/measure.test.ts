// The benchmarks' own arithmetic and readers: a wrong percentile or a rollout taken for finished too early would
// make every figure wrong without anyone noticing, so they are checked here (no timing is asserted).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  auditedRequests,
  countRequests,
  deploymentState,
  operatorRequests,
  podState,
  sumSeries,
} from '../../../bench/lib/cluster.ts';
import { distribution, percentile, positiveNumber } from '../../../bench/lib/report.ts';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('picks the sample at the rank, not an interpolation', () => {
    assert.equal(percentile(hundred, 50), 50);
    assert.equal(percentile(hundred, 99), 99);
    assert.equal(percentile(hundred, 99.9), 100);
    assert.equal(percentile(hundred, 100), 100);
    assert.equal(percentile([7], 99.9), 7);
  });

  it('is NaN for no samples', () => {
    assert.ok(Number.isNaN(percentile([], 50)));
  });
});

describe('distribution', () => {
  it('sorts its input and rounds every figure', () => {
    const d = distribution([3.14159, 1, 2, 10], 2);
    assert.deepEqual(d, { count: 4, mean: 4.04, p50: 2, p90: 10, p99: 10, p999: 10, max: 10 });
  });
});

describe('positiveNumber', () => {
  it('names the flag when the value is not a positive number', () => {
    assert.equal(positiveNumber('seconds', '2.5'), 2.5);
    assert.throws(() => positiveNumber('seconds', '0'), /--seconds must be a positive number, got 0/);
    assert.throws(() => positiveNumber('pods', 'many'), /--pods must be a positive number, got many/);
  });
});

describe('deploymentState', () => {
  const deployment = (status: Record<string, number>, generation = 2) => ({
    metadata: {
      name: 'web',
      namespace: 'shop',
      generation,
      annotations: { 'injection.mesh-injector.dev/restarted-at': '2026-01-01T00:00:00.000Z' },
    },
    spec: {
      replicas: 2,
      template: {
        metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' } },
      },
    },
    status,
  });

  it('is rolled out when the new spec is observed and every replica is updated and available', () => {
    const state = deploymentState(
      deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }),
    );
    assert.equal(state.rolledOut, true);
    assert.equal(state.operatorRestartedAt, '2026-01-01T00:00:00.000Z');
    assert.equal(state.kubectlRestartedAt, '2026-01-01T00:00:00Z');
    assert.equal(`${state.namespace}/${state.name}`, 'shop/web');
  });

  it('is not rolled out while old pods remain, replicas are unavailable, or the spec is not yet observed', () => {
    const full = { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 };
    assert.equal(
      deploymentState(deployment({ ...full, replicas: 3 })).rolledOut,
      false,
      'an old pod remains',
    );
    assert.equal(deploymentState(deployment({ ...full, availableReplicas: 1 })).rolledOut, false);
    assert.equal(deploymentState(deployment({ ...full, updatedReplicas: 1 })).rolledOut, false);
    assert.equal(deploymentState(deployment(full, 3)).rolledOut, false, 'generation 3 not observed');
  });
});

describe('podState', () => {
  it('finds the proxy as a container or as a native sidecar, and reads phase and deletion', () => {
    const asContainer = podState({
      metadata: { name: 'a', namespace: 'n' },
      spec: { containers: [{ name: 'app' }, { name: 'istio-proxy' }] },
      status: { phase: 'Running' },
    });
    assert.deepEqual(asContainer, {
      namespace: 'n',
      name: 'a',
      running: true,
      terminating: false,
      injected: true,
    });
    const native = podState({
      metadata: { name: 'b', namespace: 'n', deletionTimestamp: '2026-01-01T00:00:00Z' },
      spec: { initContainers: [{ name: 'istio-proxy' }], containers: [{ name: 'app' }] },
      status: { phase: 'Pending' },
    });
    assert.deepEqual(native, {
      namespace: 'n',
      name: 'b',
      running: false,
      terminating: true,
      injected: true,
    });
    const plain = podState({ metadata: { name: 'c' }, spec: { containers: [{ name: 'app' }] } });
    assert.equal(plain.injected, false);
  });
});

describe('sumSeries', () => {
  const metrics = new Map([
    ['mesh_injector_restarts_total{kind="Deployment",result="triggered"}', 3],
    ['mesh_injector_restarts_total{kind="StatefulSet",result="triggered"}', 2],
    ['mesh_injector_restarts_total{kind="Deployment",result="failed"}', 7],
    ['mesh_injector_restarts_total_other', 100],
    ['nodejs_heap_size_used_bytes', 42],
  ]);

  it('adds every series of the metric whose labels match, and no other metric', () => {
    assert.equal(sumSeries(metrics, 'mesh_injector_restarts_total', 'result="triggered"'), 5);
    assert.equal(sumSeries(metrics, 'mesh_injector_restarts_total'), 12);
    assert.equal(sumSeries(metrics, 'nodejs_heap_size_used_bytes'), 42);
    assert.equal(sumSeries(metrics, 'absent'), 0);
  });
});

describe('audit log readers', () => {
  const line = (
    user: string,
    verb: string,
    resource: string,
    at: string,
    extra: Record<string, unknown> = {},
  ) =>
    JSON.stringify({
      kind: 'Event',
      stage: 'ResponseComplete',
      verb,
      user: { username: user },
      userAgent: 'mesh-injector/0.1.0',
      objectRef: { resource, namespace: 'shop', ...extra },
      responseStatus: { code: 200 },
      requestReceivedTimestamp: at,
    });

  it("keeps the user's completed requests inside the window, with microsecond times", () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-audit-'));
    try {
      const path = join(dir, 'audit.log');
      writeFileSync(
        path,
        [
          line('mesh-injector', 'patch', 'deployments', '2026-01-01T00:00:01.000250Z'),
          line('mesh-injector', 'create', 'events', '2026-01-01T00:00:02.5Z'),
          line('mesh-injector', 'update', 'leases', '2026-01-01T00:00:03Z', {
            namespace: 'mesh-injector-system',
          }),
          line('mesh-injector', 'patch', 'meshinjections', '2026-01-01T00:00:04Z', { subresource: 'status' }),
          line('admin', 'patch', 'deployments', '2026-01-01T00:00:01Z'),
          line('mesh-injector', 'patch', 'deployments', '2026-01-01T00:01:00Z'),
          JSON.stringify({ stage: 'ResponseStarted', verb: 'watch', user: { username: 'mesh-injector' } }),
          '',
        ].join('\n'),
      );
      const from = Date.parse('2026-01-01T00:00:00Z');
      const to = Date.parse('2026-01-01T00:00:30Z');
      const mine = operatorRequests(path, from, to);
      assert.equal(mine.length, 4);
      assert.equal(mine[0]?.at, from + 1000.25);
      assert.deepEqual(countRequests(mine), {
        'patch deployments': 1,
        'create events': 1,
        'update leases': 1,
        'patch meshinjections/status': 1,
      });
      const admins = auditedRequests(path, 'admin', from, to);
      assert.deepEqual(
        admins.map((e) => `${e.verb} ${e.resource} ${e.namespace}`),
        ['patch deployments shop'],
      );
      assert.deepEqual(operatorRequests(join(dir, 'absent.log'), from, to), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sorts the counts from most to least', () => {
    const entry = { subresource: '', namespace: '', userAgent: '', code: 200, at: 0 };
    const counts = countRequests([
      { ...entry, verb: 'get', resource: 'leases' },
      { ...entry, verb: 'create', resource: 'events' },
      { ...entry, verb: 'create', resource: 'events' },
    ]);
    assert.deepEqual(Object.entries(counts), [
      ['create events', 2],
      ['get leases', 1],
    ]);
  });
});
