import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  groupByOwner,
  planRestarts,
  type WorkloadDecision,
} from '../../../../src/controller/namespace/plan.ts';
import { classifyPods, countPods, type PodView } from '../../../../src/controller/namespace/pods.ts';
import { DEFAULT_SPEC, type MeshInjectionSpec } from '../../../../src/controller/namespace/spec.ts';
import {
  computeStatus,
  nameList,
  statusChanged,
  statusJson,
  storedCondition,
  type MeshInjectionStatus,
  type StatusInput,
} from '../../../../src/controller/namespace/status.ts';
import type { WorkloadView } from '../../../../src/controller/namespace/workload.ts';
import {
  resolveNamespaceRevision,
  injectorWebhookConfig,
  type InjectorWebhookConfig,
} from '../../../../src/controller/revision.ts';
import { namespaceInjection } from '../../../../src/inject/decide.ts';
import type { JsonObject, JsonValue } from '../../../../src/inject/types.ts';
import { cache, pod, workload } from './fixtures.ts';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const webhooks = [
  injectorWebhookConfig({
    metadata: { name: 'injector-stable', labels: { 'istio.io/rev': 'stable' } },
    webhooks: [
      {
        name: 'rev.namespace.sidecar-injector.istio.io',
        namespaceSelector: {
          matchExpressions: [{ key: 'istio.io/rev', operator: 'In', values: ['stable'] }],
        },
      },
    ],
  }),
].filter((c): c is InjectorWebhookConfig => c !== undefined);

interface Scenario {
  pods: PodView[];
  views: WorkloadView[];
  labels?: Record<string, string>;
  spec?: Partial<MeshInjectionSpec>;
}

function input(s: Scenario, extra: Partial<StatusInput> = {}): StatusInput {
  const labels = s.labels ?? { 'istio.io/rev': 'stable' };
  const resolution = resolveNamespaceRevision(labels, webhooks);
  const spec = { ...DEFAULT_SPEC, restartIntervalMs: 0, ...s.spec };
  const classified = classifyPods(s.pods, namespaceInjection(labels), { policy: 'enabled' });
  const plan = planRestarts({
    groups: groupByOwner(classified, cache(s.views).lookup),
    spec,
    injectorAvailable: resolution.revision !== undefined,
    workload: (kind, name) => cache(s.views).get(kind, name),
    budget: { inFlight: 0, clusterInFlight: 0, clusterMax: 10, lastStartMs: undefined },
    now: T0,
  });
  return {
    generation: 3,
    resolution,
    counts: countPods(classified),
    decisions: plan.decisions,
    restartPolicy: spec.restartPolicy,
    specProblems: [],
    actionErrors: [],
    now: T0,
    ...extra,
  };
}

function deployment(
  name: string,
  podOptions: Parameters<typeof pod>[1] = {},
  deploy: Parameters<typeof workload>[2] = {},
): Scenario {
  return {
    views: [
      workload('Deployment', name, deploy),
      workload('ReplicaSet', `${name}-1`, { owner: { kind: 'Deployment', name } }),
    ],
    pods: [pod(`${name}-1-a`, { owner: { kind: 'ReplicaSet', name: `${name}-1` }, ...podOptions })],
  };
}

function merge(...scenarios: Scenario[]): Scenario {
  return { pods: scenarios.flatMap((s) => s.pods), views: scenarios.flatMap((s) => s.views) };
}

function conditionsOf(status: MeshInjectionStatus): Record<string, [string, string]> {
  return Object.fromEntries(status.conditions.map((c) => [c.type, [c.status, c.reason]]));
}

describe('computeStatus: conditions', () => {
  it('a converged namespace is Ready', () => {
    const status = computeStatus(input(deployment('web', { sidecar: 'stable' })), undefined);
    assert.deepEqual(conditionsOf(status), {
      Ready: ['True', 'Converged'],
      Converged: ['True', 'AllPodsCurrent'],
      Progressing: ['False', 'NoRestartsPlanned'],
      Degraded: ['False', 'NoProblems'],
    });
    assert.equal(status.injectedOfTotal, '1/1');
    assert.equal(status.revision, 'stable');
    assert.equal(status.enabled, true);
    assert.equal(status.observedGeneration, 3);
    for (const c of status.conditions) {
      assert.equal(c.observedGeneration, 3);
      assert.equal(c.lastTransitionTime, '2030-01-01T12:00:00Z');
    }
  });

  it('a namespace being restarted is Progressing, not Ready', () => {
    const status = computeStatus(input(deployment('web')), undefined);
    assert.deepEqual(conditionsOf(status), {
      Ready: ['False', 'RestartsInProgress'],
      Converged: ['False', 'PodsNeedRestart'],
      Progressing: ['True', 'RestartsInProgress'],
      Degraded: ['False', 'NoProblems'],
    });
    assert.equal(status.counts.restarting, 1);
    assert.equal(status.injectedOfTotal, '0/1');
  });

  it('workloads waiting for a slot keep it Progressing', () => {
    const s = merge(deployment('a'), deployment('b'));
    const status = computeStatus(input({ ...s, spec: { maxConcurrentRestarts: 1 } }), undefined);
    assert.equal(status.counts.pending, 1);
    assert.match(
      status.conditions.find((c) => c.type === 'Progressing')?.message ?? '',
      /restarting Deployment a/,
    );
  });

  const degraded: [string, Scenario, string][] = [
    [
      'a Job needs a human',
      { views: [workload('Job', 'j')], pods: [pod('j-a', { owner: { kind: 'Job', name: 'j' } })] },
      'ManualActionRequired',
    ],
    ['a paused Deployment cannot be restarted', deployment('web', {}, { paused: true }), 'RestartsSkipped'],
    [
      'a restart that did not help',
      deployment('web', {}, { restartedFor: 'revision=stable', restartedAt: '2030-01-01T11:00:00.000Z' }),
      'RestartIneffective',
    ],
    [
      'no webhook serves the revision',
      { ...deployment('web'), labels: { 'istio.io/rev': 'ghost' } },
      'NoInjectorWebhook',
    ],
  ];
  for (const [name, scenario, reason] of degraded) {
    it(`${name}: Degraded ${reason}`, () => {
      const status = computeStatus(input(scenario), undefined);
      assert.deepEqual(conditionsOf(status).Degraded, ['True', reason]);
      assert.deepEqual(conditionsOf(status).Ready, ['False', reason]);
    });
  }

  it('an invalid spec is the first problem named', () => {
    const status = computeStatus(
      input(deployment('web', {}, { paused: true }), { specProblems: ['spec.restartInterval: bad'] }),
      undefined,
    );
    const d = status.conditions.find((c) => c.type === 'Degraded');
    assert.equal(d?.reason, 'InvalidSpec');
    assert.match(d.message, /spec\.restartInterval: bad; cannot restart Deployment web \(Paused\)/);
  });

  it('failed restarts are reported', () => {
    const status = computeStatus(
      input(deployment('web'), { actionErrors: ['Deployment web: 422 Invalid'] }),
      undefined,
    );
    assert.deepEqual(conditionsOf(status).Degraded, ['True', 'RestartFailed']);
  });

  it('restartPolicy Never and excluded workloads are choices, not degradations', () => {
    const never = computeStatus(input({ ...deployment('web'), spec: { restartPolicy: 'Never' } }), undefined);
    assert.deepEqual(conditionsOf(never), {
      Ready: ['False', 'RestartPolicyNever'],
      Converged: ['False', 'PodsNeedRestart'],
      Progressing: ['False', 'NoRestartsPlanned'],
      Degraded: ['False', 'NoProblems'],
    });
    const excluded = computeStatus(
      input({ ...deployment('web'), spec: { excludeWorkloads: [{ kind: 'Deployment', name: 'web' }] } }),
      undefined,
    );
    assert.deepEqual(conditionsOf(excluded).Ready, ['False', 'WorkloadsExcluded']);
    const manual = computeStatus(
      input({ ...deployment('web'), spec: { restartPolicy: 'Manual' } }),
      undefined,
    );
    assert.deepEqual(conditionsOf(manual).Ready, ['False', 'RestartPolicyManual']);
    assert.deepEqual(conditionsOf(manual).Progressing, ['False', 'NoRestartsPlanned']);
  });

  it('an opted-out namespace with sidecars left reports them stale', () => {
    const status = computeStatus(
      input({ ...deployment('web', { sidecar: 'stable' }), labels: {} }),
      undefined,
    );
    assert.equal(status.enabled, false);
    assert.equal(status.revision, '');
    assert.equal(status.counts.stale, 1);
    assert.deepEqual(conditionsOf(status).Converged, ['False', 'PodsNeedRestart']);
    assert.equal(status.workloads[0]?.state, 'Restarting');
  });
});

describe('computeStatus: transitions and rows', () => {
  it('keeps lastTransitionTime while a condition holds and moves it when it flips', () => {
    const first = statusJson(computeStatus(input(deployment('web')), undefined));
    const later = T0 + 60_000;
    const same = computeStatus(input(deployment('web'), { now: later }), first);
    assert.equal(statusChanged(first, same), false);
    const flipped = computeStatus(input(deployment('web', { sidecar: 'stable' }), { now: later }), first);
    const time = (s: MeshInjectionStatus, type: string) =>
      s.conditions.find((c) => c.type === type)?.lastTransitionTime;
    assert.equal(time(flipped, 'Converged'), '2030-01-01T12:01:00Z');
    assert.equal(time(flipped, 'Degraded'), '2030-01-01T12:00:00Z');
    assert.equal(storedCondition(first, 'Converged')?.status, 'False');
  });

  it('orders rows by what needs attention first and caps them', () => {
    const s = merge(
      deployment('ok', { sidecar: 'stable' }),
      deployment('paused', {}, { paused: true }),
      { views: [workload('Job', 'j')], pods: [pod('j-a', { owner: { kind: 'Job', name: 'j' } })] },
      deployment('roll'),
    );
    const status = computeStatus(input(s), undefined);
    assert.deepEqual(
      status.workloads.map((r) => [r.state, r.name]),
      [
        ['ManualActionRequired', 'j'],
        ['Skipped', 'paused'],
        ['Restarting', 'roll'],
        ['Injected', 'ok'],
      ],
    );
    const capped = computeStatus(input(s, { maxRows: 2 }), undefined);
    assert.equal(capped.workloads.length, 2);
    assert.equal(capped.workloadsOmitted, 2);
  });

  it('rows carry pods, injected and the last restart', () => {
    const status = computeStatus(
      input(
        deployment(
          'web',
          { sidecar: 'canary' },
          { restartedFor: 'revision=canary', restartedAt: '2030-01-01T10:00:00.000Z' },
        ),
      ),
      undefined,
    );
    const [row] = status.workloads;
    assert.equal(row?.pods, 1);
    assert.equal(row.injected, 0);
    assert.equal(row.lastRestart, '2030-01-01T12:00:00.000Z');
  });
});

describe('statusChanged', () => {
  function shuffleKeys(value: JsonValue): JsonValue {
    if (Array.isArray(value)) return value.map(shuffleKeys);
    if (value !== null && typeof value === 'object') {
      const out: JsonObject = {};
      for (const key of Object.keys(value).reverse()) out[key] = shuffleKeys(value[key] ?? null);
      return out;
    }
    return value;
  }

  it('ignores key order (the API server re-encodes objects with sorted keys)', () => {
    const status = computeStatus(input(deployment('web')), undefined);
    assert.equal(statusChanged(shuffleKeys(statusJson(status)), status), false);
  });

  it('sees any difference, and a missing status', () => {
    const status = computeStatus(input(deployment('web')), undefined);
    const stored = statusJson(status);
    (stored.counts as JsonObject).missing = 7;
    assert.equal(statusChanged(stored, status), true);
    assert.equal(statusChanged(undefined, status), true);
  });

  it('is false for a namespace at rest, reconciled again later', () => {
    const s = merge(deployment('a', { sidecar: 'stable' }), deployment('b', {}, { paused: true }));
    const stored = statusJson(computeStatus(input(s), undefined));
    assert.equal(statusChanged(stored, computeStatus(input(s, { now: T0 + 3_600_000 }), stored)), false);
  });
});

describe('nameList', () => {
  it('bounds the list', () => {
    const decisions = Array.from({ length: 7 }, (_, i) => ({
      kind: 'Deployment',
      name: `d${i}`,
    })) as unknown as WorkloadDecision[];
    assert.equal(nameList(decisions, 2), 'Deployment d0, Deployment d1 and 5 more');
    assert.equal(nameList(decisions.slice(0, 1)), 'Deployment d0');
  });
});
