import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  groupByOwner,
  planRestarts,
  restartBudget,
  restartCause,
  type PlanInput,
  type RestartBudget,
  type WorkloadGroup,
} from '../../../../src/controller/namespace/plan.ts';
import { classifyPods, type PodView } from '../../../../src/controller/namespace/pods.ts';
import { DEFAULT_SPEC, type MeshInjectionSpec } from '../../../../src/controller/namespace/spec.ts';
import type { WorkloadView } from '../../../../src/controller/namespace/workload.ts';
import { namespaceInjection } from '../../../../src/inject/decide.ts';
import type { WorkloadKind } from '../../../../src/kube/owners.ts';
import { cache, NS, pod, workload, type PodOptions } from './fixtures.ts';

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);

function groups(
  pods: readonly PodView[],
  views: readonly WorkloadView[],
  labels: Record<string, string> = { 'istio.io/rev': 'stable' },
) {
  const classified = classifyPods(pods, namespaceInjection(labels), { policy: 'enabled' });
  return groupByOwner(
    classified,
    cache(views).lookup,
    pods.filter((p) => p.deleting),
  );
}

const freeBudget: RestartBudget = { inFlight: 0, clusterInFlight: 0, clusterMax: 10, lastStartMs: undefined };

function plan(
  pods: readonly PodView[],
  views: readonly WorkloadView[],
  overrides: Partial<Omit<PlanInput, 'groups' | 'workload' | 'spec'>> & {
    spec?: Partial<MeshInjectionSpec>;
  } = {},
) {
  const { spec, ...rest } = overrides;
  return planRestarts({
    groups: groups(pods, views),
    workload: (kind: WorkloadKind, name: string) => cache(views).get(kind, name),
    injectorAvailable: true,
    budget: freeBudget,
    now: NOW,
    ...rest,
    spec: { ...DEFAULT_SPEC, restartIntervalMs: 0, ...spec },
  });
}

/** A Deployment `name` with one ReplicaSet and `count` pods built with `podOptions`. */
function deploymentWith(
  name: string,
  count: number,
  podOptions: PodOptions = {},
  deploy: Parameters<typeof workload>[2] = {},
) {
  const rs = workload('ReplicaSet', `${name}-abc`, { owner: { kind: 'Deployment', name } });
  const views = [workload('Deployment', name, { replicas: count, ...deploy }), rs];
  const pods = Array.from({ length: count }, (_, i) =>
    pod(`${name}-abc-${i}`, { owner: { kind: 'ReplicaSet', name: `${name}-abc` }, ...podOptions }),
  );
  return { views, pods };
}

describe('groupByOwner', () => {
  it('groups pods by their top controller across kinds, sorted by kind and name', () => {
    const views = [
      workload('Deployment', 'web'),
      workload('ReplicaSet', 'web-1', { owner: { kind: 'Deployment', name: 'web' } }),
      workload('ReplicaSet', 'lonely'),
      workload('Job', 'nightly-1', { owner: { kind: 'CronJob', name: 'nightly' } }),
      workload('Job', 'migrate'),
      workload('StatefulSet', 'db'),
      workload('DaemonSet', 'agent'),
      workload('ReplicationController', 'legacy'),
    ];
    const pods = [
      pod('web-1-a', { owner: { kind: 'ReplicaSet', name: 'web-1' } }),
      pod('web-1-b', { owner: { kind: 'ReplicaSet', name: 'web-1' } }),
      pod('lonely-a', { owner: { kind: 'ReplicaSet', name: 'lonely' } }),
      pod('nightly-1-a', { owner: { kind: 'Job', name: 'nightly-1' } }),
      pod('migrate-a', { owner: { kind: 'Job', name: 'migrate' } }),
      pod('db-0', { owner: { kind: 'StatefulSet', name: 'db' } }),
      pod('agent-x', { owner: { kind: 'DaemonSet', name: 'agent' } }),
      pod('legacy-q', { owner: { kind: 'ReplicationController', name: 'legacy' } }),
      pod('thing-a', { owner: { kind: 'Thing', name: 'thing', apiVersion: 'example.com/v1' } }),
      pod('bare'),
    ];
    const got = groups(pods, views).map((g) => [g.kind, g.ref.name, g.pods.length]);
    assert.deepEqual(got, [
      ['CronJob', 'nightly', 1],
      ['DaemonSet', 'agent', 1],
      ['Deployment', 'web', 2],
      ['Job', 'migrate', 1],
      ['Pod', 'bare', 1],
      ['ReplicaSet', 'lonely', 1],
      ['ReplicationController', 'legacy', 1],
      ['StatefulSet', 'db', 1],
      ['Other', 'thing', 1],
    ]);
  });

  it('infers the Deployment from the pod-template-hash when the ReplicaSet is not cached', () => {
    const p = pod('web-5d4f-a', {
      owner: { kind: 'ReplicaSet', name: 'web-5d4f' },
      labels: { 'pod-template-hash': '5d4f' },
    });
    const [group] = groups([p], []);
    assert.equal(group?.kind, 'Deployment');
    assert.equal(group.ref.name, 'web');
    assert.equal(group.resolution, 'inferred');
  });

  it('counts terminating pods of a group without counting them as pods', () => {
    const live = pod('rs-a', { owner: { kind: 'ReplicaSet', name: 'rs' } });
    const going = pod('rs-b', { owner: { kind: 'ReplicaSet', name: 'rs' }, deleting: true });
    const [group] = groups([live, going], [workload('ReplicaSet', 'rs')]);
    assert.equal(group?.counts.total, 1);
    assert.equal(group.terminating, 1);
  });
});

describe('restartCause', () => {
  it('is the wanted revision for missing and stale pods, uninjected for unwanted sidecars', () => {
    const [missing] = groups([pod('a')], []);
    const [stale] = groups([pod('b', { sidecar: 'canary' })], []);
    const [current] = groups([pod('c', { sidecar: 'stable' })], []);
    const [unwanted] = groups([pod('d', { sidecar: 'stable' })], [], {});
    assert.equal(restartCause(missing!), 'revision=stable');
    assert.equal(restartCause(stale!), 'revision=stable');
    assert.equal(restartCause(current!), undefined);
    assert.equal(restartCause(unwanted!), 'uninjected');
  });
});

describe('planRestarts: one workload', () => {
  const needing = deploymentWith('web', 2);

  const cases: {
    name: string;
    build: () => { pods: PodView[]; views: WorkloadView[] };
    options?: Parameters<typeof plan>[2];
    state: string;
    reason: string;
    action?: string;
  }[] = [
    {
      name: 'all pods current',
      build: () => deploymentWith('web', 2, { sidecar: 'stable' }),
      state: 'Injected',
      reason: 'AllPodsInjected',
    },
    {
      name: 'missing sidecars restart the Deployment',
      build: () => needing,
      state: 'Restarting',
      reason: 'RestartInProgress',
      action: 'rolloutRestart',
    },
    {
      name: 'stale sidecars restart the Deployment',
      build: () => deploymentWith('web', 2, { sidecar: 'canary' }),
      state: 'Restarting',
      reason: 'RestartInProgress',
      action: 'rolloutRestart',
    },
    {
      name: 'restartPolicy Never',
      build: () => needing,
      options: { spec: { restartPolicy: 'Never' } },
      state: 'Skipped',
      reason: 'RestartPolicyNever',
    },
    {
      name: 'restartPolicy Manual',
      build: () => needing,
      options: { spec: { restartPolicy: 'Manual' } },
      state: 'Pending',
      reason: 'RestartPolicyManual',
    },
    {
      name: 'excludeWorkloads',
      build: () => needing,
      options: { spec: { excludeWorkloads: [{ kind: 'Deployment', name: 'web' }] } },
      state: 'Skipped',
      reason: 'Excluded',
    },
    {
      name: 'paused Deployment',
      build: () => deploymentWith('web', 2, {}, { paused: true }),
      state: 'Skipped',
      reason: 'Paused',
    },
    {
      name: 'stuck Deployment',
      build: () =>
        deploymentWith(
          'web',
          2,
          {},
          {
            status: {
              conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
            },
          },
        ),
      state: 'Skipped',
      reason: 'RolloutStuck',
    },
    {
      name: "someone else's rollout in progress",
      build: () => deploymentWith('web', 2, {}, { generation: 3, status: { observedGeneration: 2 } }),
      state: 'Pending',
      reason: 'RolloutInProgress',
    },
    {
      name: 'no injector webhook for the wanted revision',
      build: () => needing,
      options: { injectorAvailable: false },
      state: 'Skipped',
      reason: 'NoInjectorWebhook',
    },
    {
      name: 'the Deployment is not cached yet',
      build: () => ({ pods: needing.pods, views: needing.views.filter((v) => v.kind !== 'Deployment') }),
      state: 'Pending',
      reason: 'WorkloadNotCached',
    },
    {
      name: 'StatefulSet with OnDelete',
      build: () => ({
        views: [workload('StatefulSet', 'db', { strategy: { type: 'OnDelete' } })],
        pods: [pod('db-0', { owner: { kind: 'StatefulSet', name: 'db' } })],
      }),
      state: 'Skipped',
      reason: 'OnDeleteStrategy',
    },
    {
      name: 'partitioned StatefulSet',
      build: () => ({
        views: [
          workload('StatefulSet', 'db', {
            replicas: 3,
            strategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
          }),
        ],
        pods: [pod('db-0', { owner: { kind: 'StatefulSet', name: 'db' } })],
      }),
      state: 'Skipped',
      reason: 'Partitioned',
    },
    {
      name: 'DaemonSet with OnDelete',
      build: () => ({
        views: [workload('DaemonSet', 'agent', { strategy: { type: 'OnDelete' } })],
        pods: [pod('agent-x', { owner: { kind: 'DaemonSet', name: 'agent' } })],
      }),
      state: 'Skipped',
      reason: 'OnDeleteStrategy',
    },
    {
      name: 'StatefulSet restarts',
      build: () => ({
        views: [workload('StatefulSet', 'db')],
        pods: [pod('db-0', { owner: { kind: 'StatefulSet', name: 'db' } })],
      }),
      state: 'Restarting',
      reason: 'RestartInProgress',
      action: 'rolloutRestart',
    },
    {
      name: 'DaemonSet restarts',
      build: () => ({
        views: [workload('DaemonSet', 'agent')],
        pods: [pod('agent-x', { owner: { kind: 'DaemonSet', name: 'agent' } })],
      }),
      state: 'Restarting',
      reason: 'RestartInProgress',
      action: 'rolloutRestart',
    },
    {
      name: 'Argo Rollout restarts (spec.restartAt)',
      build: () => ({
        views: [
          workload('Rollout', 'canary-app'),
          workload('ReplicaSet', 'canary-app-1', { owner: { kind: 'Rollout', name: 'canary-app' } }),
        ],
        pods: [pod('canary-app-1-a', { owner: { kind: 'ReplicaSet', name: 'canary-app-1' } })],
      }),
      state: 'Restarting',
      reason: 'RestartInProgress',
      action: 'rolloutRestart',
    },
    {
      name: 'paused Argo Rollout',
      build: () => ({
        views: [
          workload('Rollout', 'canary-app', { paused: true }),
          workload('ReplicaSet', 'canary-app-1', { owner: { kind: 'Rollout', name: 'canary-app' } }),
        ],
        pods: [pod('canary-app-1-a', { owner: { kind: 'ReplicaSet', name: 'canary-app-1' } })],
      }),
      state: 'Skipped',
      reason: 'Paused',
    },
    {
      name: 'Job pods need a human',
      build: () => ({
        views: [workload('Job', 'migrate')],
        pods: [pod('migrate-a', { owner: { kind: 'Job', name: 'migrate' } })],
      }),
      state: 'ManualActionRequired',
      reason: 'JobPods',
    },
    {
      name: 'CronJob pods need a human',
      build: () => ({
        views: [workload('Job', 'nightly-1', { owner: { kind: 'CronJob', name: 'nightly' } })],
        pods: [pod('nightly-1-a', { owner: { kind: 'Job', name: 'nightly-1' } })],
      }),
      state: 'ManualActionRequired',
      reason: 'CronJobPods',
    },
    {
      name: 'a bare pod is never deleted by default',
      build: () => ({ views: [], pods: [pod('bare')] }),
      state: 'ManualActionRequired',
      reason: 'BarePod',
    },
    {
      name: 'a bare pod is deleted when allowBarePodDeletion',
      build: () => ({ views: [], pods: [pod('bare')] }),
      options: { spec: { allowBarePodDeletion: true } },
      state: 'Restarting',
      reason: 'RestartInProgress',
      action: 'deletePod',
    },
    {
      name: 'allowBarePodDeletion under restartPolicy Manual only reports',
      build: () => ({ views: [], pods: [pod('bare')] }),
      options: { spec: { allowBarePodDeletion: true, restartPolicy: 'Manual' } },
      state: 'Pending',
      reason: 'RestartPolicyManual',
    },
    {
      name: 'an unknown controller needs a human',
      build: () => ({
        views: [],
        pods: [pod('x', { owner: { kind: 'Thing', name: 't', apiVersion: 'example.com/v1' } })],
      }),
      state: 'ManualActionRequired',
      reason: 'UnsupportedOwner',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { pods, views } = c.build();
      const got = plan(pods, views, c.options);
      assert.equal(got.decisions.length, 1);
      const [d] = got.decisions;
      assert.equal(d?.state, c.state, d?.message);
      assert.equal(d.reason, c.reason);
      assert.equal(d.action?.type, c.action);
      assert.equal(got.actions.length, c.action === undefined ? 0 : 1);
    });
  }

  it('writes the cause and time of a restart into the action and the row', () => {
    const got = plan(needing.pods, needing.views);
    const [d] = got.decisions;
    assert.equal(d?.action?.type, 'rolloutRestart');
    assert.equal(d.action.cause, 'revision=stable');
    assert.equal(d.action.at, new Date(NOW).toISOString());
    assert.equal(d.lastRestart, new Date(NOW).toISOString());
    assert.equal(got.started, 1);
  });

  it('leaves out groups whose pods neither have nor want a sidecar', () => {
    const got = plan(
      [pod('host', { hostNetwork: true, owner: { kind: 'DaemonSet', name: 'agent' } })],
      [workload('DaemonSet', 'agent')],
    );
    assert.equal(got.decisions.length, 0);
  });
});

describe('planRestarts: the same cause never restarts twice', () => {
  it('reports a finished restart that did not help instead of restarting again', () => {
    const { pods, views } = deploymentWith(
      'web',
      2,
      {},
      { restartedFor: 'revision=stable', restartedAt: '2030-01-01T11:00:00.000Z' },
    );
    const got = plan(pods, views);
    assert.equal(got.actions.length, 0);
    assert.equal(got.decisions[0]?.state, 'Skipped');
    assert.equal(got.decisions[0].reason, 'RestartIneffective');
    assert.match(got.decisions[0].message, /injection\.mesh-injector\.dev\/restarted-for/);
    assert.equal(got.decisions[0].lastRestart, '2030-01-01T11:00:00.000Z');
  });

  it('waits for its own restart while it rolls', () => {
    const { pods, views } = deploymentWith(
      'web',
      2,
      {},
      {
        restartedFor: 'revision=stable',
        restartedAt: '2030-01-01T11:59:00.000Z',
        generation: 2,
        status: { observedGeneration: 2, updatedReplicas: 1 },
      },
    );
    const got = plan(pods, views);
    assert.equal(got.actions.length, 0);
    assert.equal(got.decisions[0]?.state, 'Restarting');
    assert.equal(got.requeueAfterMs, 5000);
  });

  it('reports its own restart stuck', () => {
    const { pods, views } = deploymentWith(
      'web',
      2,
      {},
      {
        restartedFor: 'revision=stable',
        status: {
          conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
        },
      },
    );
    assert.equal(plan(pods, views).decisions[0]?.reason, 'RolloutStuck');
  });

  it('restarts once more for a new cause (a revision switch)', () => {
    const { pods, views } = deploymentWith(
      'web',
      2,
      { sidecar: 'canary' },
      { restartedFor: 'revision=canary' },
    );
    const got = plan(pods, views);
    assert.equal(got.actions[0]?.type, 'rolloutRestart');
    assert.equal(got.actions[0].cause, 'revision=stable');
  });

  it('restarts for removal once the namespace opts out, without needing a webhook', () => {
    const { pods, views } = deploymentWith(
      'web',
      1,
      { sidecar: 'stable' },
      { restartedFor: 'revision=stable' },
    );
    const got = planRestarts({
      groups: groups(pods, views, {}),
      workload: (kind, name) => cache(views).get(kind, name),
      injectorAvailable: false,
      budget: freeBudget,
      now: NOW,
      spec: { ...DEFAULT_SPEC, restartIntervalMs: 0 },
    });
    assert.equal(got.actions[0]?.cause, 'uninjected');
  });
});

describe('planRestarts: pacing', () => {
  function many(count: number) {
    const all = Array.from({ length: count }, (_, i) =>
      deploymentWith(`app-${String(i).padStart(2, '0')}`, 1),
    );
    return { pods: all.flatMap((d) => d.pods), views: all.flatMap((d) => d.views) };
  }

  it('starts at most maxConcurrentRestarts at once, in name order', () => {
    const { pods, views } = many(5);
    const got = plan(pods, views, { spec: { maxConcurrentRestarts: 2 } });
    assert.deepEqual(
      got.actions.map((a) => (a.type === 'rolloutRestart' ? a.workload.metadata.name : '')),
      ['app-00', 'app-01'],
    );
    assert.deepEqual(
      got.decisions.map((d) => d.reason),
      [
        'RestartInProgress',
        'RestartInProgress',
        'WaitingForConcurrency',
        'WaitingForConcurrency',
        'WaitingForConcurrency',
      ],
    );
    assert.equal(got.requeueAfterMs, 5000);
  });

  it('counts restarts already rolling against the limit', () => {
    const { pods, views } = many(3);
    const got = plan(pods, views, {
      spec: { maxConcurrentRestarts: 2 },
      budget: { ...freeBudget, inFlight: 1 },
    });
    assert.equal(got.actions.length, 1);
  });

  it('honours the cluster-wide cap', () => {
    const { pods, views } = many(3);
    const got = plan(pods, views, {
      spec: { maxConcurrentRestarts: 5 },
      budget: { ...freeBudget, clusterInFlight: 9, clusterMax: 10 },
    });
    assert.equal(got.actions.length, 1);
    assert.equal(got.decisions[1]?.reason, 'WaitingForClusterConcurrency');
  });

  it('starts one restart per restartInterval', () => {
    const { pods, views } = many(3);
    const got = plan(pods, views, { spec: { maxConcurrentRestarts: 5, restartIntervalMs: 10_000 } });
    assert.equal(got.actions.length, 1);
    assert.equal(got.decisions[1]?.reason, 'WaitingForInterval');
    assert.equal(got.requeueAfterMs, 5000);
  });

  it('waits out the rest of the interval since the last start in the namespace', () => {
    const { pods, views } = many(1);
    const got = plan(pods, views, {
      spec: { restartIntervalMs: 10_000 },
      budget: { ...freeBudget, lastStartMs: NOW - 3000 },
      pollMs: 60_000,
    });
    assert.equal(got.actions.length, 0);
    assert.equal(got.decisions[0]?.reason, 'WaitingForInterval');
    assert.equal(got.requeueAfterMs, 7000);
  });

  it('does not count skipped or manual workloads against the budget', () => {
    const paused = deploymentWith('a-paused', 1, {}, { paused: true });
    const fine = deploymentWith('b-fine', 1);
    const job = {
      views: [workload('Job', 'c-job')],
      pods: [pod('c-job-a', { owner: { kind: 'Job', name: 'c-job' } })],
    };
    const got = plan(
      [...paused.pods, ...fine.pods, ...job.pods],
      [...paused.views, ...fine.views, ...job.views],
      {
        spec: { maxConcurrentRestarts: 1 },
      },
    );
    assert.equal(got.actions.length, 1);
    assert.equal(
      got.actions[0]?.type === 'rolloutRestart' && got.actions[0].workload.metadata.name,
      'b-fine',
    );
  });
});

describe('planRestarts: bare ReplicaSets and ReplicationControllers', () => {
  const t0 = Date.UTC(2030, 0, 1, 10, 0, 0);
  function replicaSet(options: Parameters<typeof workload>[2], podTimes: number[], deleting = 0) {
    const views = [workload('ReplicaSet', 'rs', { replicas: podTimes.length, ...options })];
    const pods = podTimes.map((createdAt, i) =>
      pod(`rs-${i}`, { owner: { kind: 'ReplicaSet', name: 'rs' }, createdAt }),
    );
    for (let i = 0; i < deleting; i++)
      pods.push(pod(`rs-old-${i}`, { owner: { kind: 'ReplicaSet', name: 'rs' }, deleting: true }));
    return { pods, views };
  }

  it('starts by marking the ReplicaSet and deleting its oldest pod', () => {
    const { pods, views } = replicaSet({}, [t0 + 2000, t0 + 1000]);
    const [action] = plan(pods, views).actions;
    assert.equal(action?.type, 'deletePod');
    assert.equal(action.pod.name, 'rs-1');
    assert.equal(action.mark?.metadata.name, 'rs');
  });

  it('continues with the next pod older than the restart once the ReplicaSet is whole again', () => {
    const { pods, views } = replicaSet(
      { restartedFor: 'revision=stable', restartedAt: new Date(t0 + 5000).toISOString() },
      [t0 + 1000, t0 + 9000],
    );
    const got = plan(pods, views);
    const [action] = got.actions;
    assert.equal(action?.type, 'deletePod');
    assert.equal(action.pod.name, 'rs-0');
    assert.equal(action.mark, undefined);
    assert.equal(got.started, 0);
  });

  it('waits while a replaced pod is terminating', () => {
    const { pods, views } = replicaSet(
      { restartedFor: 'revision=stable', restartedAt: new Date(t0 + 5000).toISOString() },
      [t0 + 1000, t0 + 9000],
      1,
    );
    const got = plan(pods, views);
    assert.equal(got.actions.length, 0);
    assert.equal(got.decisions[0]?.state, 'Restarting');
  });

  it('reports pods recreated after the restart that still lack the sidecar', () => {
    const { pods, views } = replicaSet(
      { restartedFor: 'revision=stable', restartedAt: new Date(t0).toISOString() },
      [t0 + 1000],
    );
    assert.equal(plan(pods, views).decisions[0]?.reason, 'RestartIneffective');
  });

  it('does not take a pod from the second of the restart for an old one (creationTimestamp has seconds)', () => {
    const { pods, views } = replicaSet(
      { restartedFor: 'revision=stable', restartedAt: new Date(t0 + 500).toISOString() },
      [t0],
    );
    const got = plan(pods, views);
    assert.equal(got.actions.length, 0);
    assert.equal(got.decisions[0]?.reason, 'RestartIneffective');
  });

  it('restarts a ReplicationController the same way', () => {
    const views = [workload('ReplicationController', 'legacy')];
    const pods = [pod('legacy-a', { owner: { kind: 'ReplicationController', name: 'legacy' } })];
    assert.equal(plan(pods, views).actions[0]?.type, 'deletePod');
  });
});

describe('restartBudget', () => {
  it('counts operator restarts still rolling, here and cluster-wide, and the newest start here', () => {
    const rolling = { generation: 2, status: { observedGeneration: 1 } };
    const views = [
      workload('Deployment', 'a', {
        restartedFor: 'revision=stable',
        restartedAt: '2030-01-01T10:00:00.000Z',
        ...rolling,
      }),
      workload('Deployment', 'b', {
        restartedFor: 'revision=stable',
        restartedAt: '2030-01-01T11:00:00.000Z',
      }),
      workload('Deployment', 'c', { namespace: 'other', restartedFor: 'revision=stable', ...rolling }),
      workload('Deployment', 'd', rolling),
      // A Deployment's ReplicaSet inherits its annotations; it must not count twice.
      workload('ReplicaSet', 'a-1', {
        owner: { kind: 'Deployment', name: 'a' },
        restartedFor: 'revision=stable',
        ...rolling,
      }),
    ];
    const budget = restartBudget(views, NS, 10);
    assert.equal(budget.inFlight, 1);
    assert.equal(budget.clusterInFlight, 2);
    assert.equal(budget.lastStartMs, Date.UTC(2030, 0, 1, 11));
  });

  it('has no last start when nothing was restarted', () => {
    assert.equal(restartBudget([workload('Deployment', 'a')], NS, 10).lastStartMs, undefined);
  });
});

describe('groups keep pod counts', () => {
  it('counts injected, missing, stale and excluded per owner', () => {
    const views = [
      workload('Deployment', 'web', { replicas: 4 }),
      workload('ReplicaSet', 'web-1', { owner: { kind: 'Deployment', name: 'web' } }),
    ];
    const owner = { kind: 'ReplicaSet', name: 'web-1' };
    const pods = [
      pod('w-a', { owner, sidecar: 'stable' }),
      pod('w-b', { owner }),
      pod('w-c', { owner, sidecar: 'canary' }),
      pod('w-d', { owner, labels: { 'sidecar.istio.io/inject': 'false' } }),
    ];
    const [group] = groups(pods, views) as [WorkloadGroup];
    assert.deepEqual(group.counts, { total: 4, injected: 1, missing: 1, stale: 1, excluded: 1 });
  });
});
