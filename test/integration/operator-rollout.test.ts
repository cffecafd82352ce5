// The namespace reconciler against a real control plane with kwok nodes and a real injecting webhook (one per
// revision, called by the kube-apiserver over TLS): a namespace full of workloads created before it was labelled is
// brought to the canary revision, switched to stable, and finally let go, with the pacing, the never-twice rule and
// the status checked from the outside while it happens.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { workloadView, rolloutProgress } from '../../src/controller/namespace/workload.ts';
import type { JsonObject, JsonValue } from '../../src/inject/types.ts';
import { resourcePath, type ResourceRef } from '../../src/kube/client.ts';
import { mergePatch } from '../../src/kube/patch.ts';
import type { Registry } from '../../src/observability/metrics.ts';
import {
  barePod,
  conditionStatus,
  create,
  createNamespace,
  daemonSet,
  deployment,
  eventually,
  field,
  getMeshInjection,
  labelNamespace,
  list,
  listAt,
  miRef,
  pendingJob,
  replicaSet,
  startInjectionEnvironment,
  startReconciler,
  statefulSet,
  type InjectionEnvironment,
  type RunningReconciler,
} from './operator-support.ts';

const ns = 'shop';
const maxConcurrentRestarts = 3;
const deployments = Array.from({ length: 20 }, (_, i) => `web-${String(i).padStart(2, '0')}`);
const statefulSets = ['db', 'cache'];
const daemonSets = ['agent'];
/** A ReplicaSet no Deployment owns: restarted by deleting its pods one at a time. */
const bareReplicaSet = 'legacy';
const restartable = deployments.length + statefulSets.length + daemonSets.length + 1;
/** A Deployment paused before the label: it must be skipped and reported, never restarted. */
const paused = 'frozen';

const workloadKinds: readonly { kind: string; ref: ResourceRef }[] = [
  { kind: 'Deployment', ref: { apiVersion: 'apps/v1', resource: 'deployments', namespace: ns } },
  { kind: 'StatefulSet', ref: { apiVersion: 'apps/v1', resource: 'statefulsets', namespace: ns } },
  { kind: 'DaemonSet', ref: { apiVersion: 'apps/v1', resource: 'daemonsets', namespace: ns } },
];

/**
 * Watches the namespace from outside the reconciler: how many workloads roll at once (`kubectl rollout status`'s
 * definition of a rollout in progress), and every distinct restart (cause and time) each workload ever carried.
 */
class Sampler {
  maxRolling = 0;
  samples = 0;
  readonly restarts = new Map<string, Set<string>>();
  #stopped = false;
  #loop: Promise<void> = Promise.resolve();
  readonly #env: InjectionEnvironment;

  constructor(env: InjectionEnvironment) {
    this.#env = env;
  }

  start(): void {
    this.#loop = (async () => {
      while (!this.#stopped) {
        await this.sample();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
  }

  /** Rolling workloads in the last sample, and at the worst moment seen. */
  lastRolling: string[] = [];
  worst: string[] = [];

  async sample(): Promise<void> {
    const rollingNow: string[] = [];
    // One snapshot: every kind listed at the same resourceVersion, so a rollout finishing between two list
    // calls cannot be counted together with the one the reconciler started after it.
    let snapshot: string | undefined;
    for (const { kind, ref } of workloadKinds) {
      const { items, resourceVersion } = await listAt(this.#env.client, ref, snapshot);
      snapshot ??= resourceVersion;
      for (const raw of items) {
        const view = workloadView({ ...raw, apiVersion: ref.apiVersion, kind });
        const key = `${kind}/${view.metadata.name}`;
        const progress = rolloutProgress(view);
        if (!progress.complete) rollingNow.push(`${key} (${progress.detail})`);
        if (view.restartedFor !== undefined) {
          let seen = this.restarts.get(key);
          if (seen === undefined) this.restarts.set(key, (seen = new Set()));
          seen.add(`${view.restartedFor}@${view.restartedAt ?? ''}`);
        }
      }
    }
    this.samples++;
    this.lastRolling = rollingNow;
    if (rollingNow.length > this.maxRolling) {
      this.maxRolling = rollingNow.length;
      this.worst = rollingNow;
    }
  }

  /** Forgets the maximum so far (the baseline before the reconciler acts). */
  reset(): void {
    this.maxRolling = 0;
    this.worst = [];
  }

  restartsOf(key: string): string[] {
    return [...(this.restarts.get(key) ?? [])];
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }
}

async function pods(env: InjectionEnvironment): Promise<JsonObject[]> {
  return list(env.client, { apiVersion: 'v1', resource: 'pods', namespace: ns });
}

function sidecarRevision(pod: JsonObject): string | undefined {
  const revision = field(pod, 'metadata', 'annotations', 'istio.io/rev');
  return typeof revision === 'string' ? revision : undefined;
}

/** Pods of the restartable workloads (not the Job's, the bare pod, or the paused Deployment's). */
function workloadPods(all: readonly JsonObject[]): JsonObject[] {
  return all.filter((p) => {
    const owner = field(p, 'metadata', 'ownerReferences');
    const kind = Array.isArray(owner) ? field(owner[0], 'kind') : undefined;
    const restartableKind = kind === 'ReplicaSet' || kind === 'StatefulSet' || kind === 'DaemonSet';
    return restartableKind && field(p, 'metadata', 'labels', 'app') !== paused;
  });
}

async function deploymentRevision(env: InjectionEnvironment, name: string): Promise<string | undefined> {
  const raw = await env.client.request({
    path: resourcePath({ apiVersion: 'apps/v1', resource: 'deployments', namespace: ns, name }),
  });
  const revision = field(raw, 'metadata', 'annotations', 'deployment.kubernetes.io/revision');
  return typeof revision === 'string' ? revision : undefined;
}

/** Every restartable workload's pods are running, not terminating, and all carry `revision` (or none). */
async function allOn(env: InjectionEnvironment, revision: string | undefined): Promise<boolean> {
  const live = workloadPods(await pods(env)).filter(
    (p) => field(p, 'metadata', 'deletionTimestamp') === undefined,
  );
  const expected = deployments.length + statefulSets.length * 2 + daemonSets.length * 2 + 2;
  return live.length === expected && live.every((p) => sidecarRevision(p) === revision);
}

/** A short picture of a MeshInjection's status for failure messages. */
function summary(mi: JsonObject | undefined): string {
  const histogram = new Map<string, number>();
  for (const row of rows(mi)) {
    const key = `${text(row.state)}/${text(row.reason)}`;
    histogram.set(key, (histogram.get(key) ?? 0) + 1);
  }
  return JSON.stringify({
    enabled: field(mi, 'status', 'enabled'),
    revision: field(mi, 'status', 'revision'),
    counts: field(mi, 'status', 'counts'),
    rows: Object.fromEntries(histogram),
    conditions: field(mi, 'status', 'conditions'),
    spec: field(mi, 'spec'),
  });
}

/** Waits until the MeshInjection satisfies `ready`; on timeout the error shows the last status seen. */
async function statusWhere(
  env: InjectionEnvironment,
  what: string,
  ready: (mi: JsonObject | undefined) => boolean,
  timeoutMs = 60_000,
): Promise<JsonObject> {
  let last: JsonObject | undefined;
  try {
    return await eventually(
      what,
      async () => {
        last = await getMeshInjection(env.client, ns);
        return ready(last) ? last : undefined;
      },
      { timeoutMs },
    );
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}; last status: ${summary(last)}`, {
      cause: err,
    });
  }
}

/** The value of one series of a metric, matching `labels` (other labels ignored). */
async function metric(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  return values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))?.value;
}

function text(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

function rows(mi: JsonObject | undefined): JsonObject[] {
  const workloads = field(mi, 'status', 'workloads');
  return Array.isArray(workloads) ? (workloads as JsonObject[]) : [];
}

describe('namespace reconciler: labelling, revision switch, opt-out', { timeout: 15 * 60_000 }, () => {
  let env: InjectionEnvironment;
  let sampler: Sampler;
  let running: RunningReconciler | undefined;

  before(async () => {
    env = await startInjectionEnvironment(['canary', 'stable']);
    await createNamespace(env.client, ns);
    // The MeshInjection exists before the label, with a quick pace for the test (the defaults are 2 and 10s).
    await create(
      env.client,
      {
        apiVersion: 'injection.mesh-injector.dev/v1alpha1',
        kind: 'MeshInjection',
        metadata: { name: 'default', namespace: ns },
        spec: { maxConcurrentRestarts, restartInterval: '100ms' },
      },
      'meshinjections',
    );
    for (const name of deployments) await create(env.client, deployment(ns, name), 'deployments');
    for (const name of statefulSets) await create(env.client, statefulSet(ns, name), 'statefulsets');
    for (const name of daemonSets) await create(env.client, daemonSet(ns, name), 'daemonsets');
    await create(env.client, pendingJob(ns, 'migrate'), 'jobs');
    await create(env.client, barePod(ns, 'debug'), 'pods');
    await create(env.client, replicaSet(ns, bareReplicaSet, 2), 'replicasets');
    await create(env.client, deployment(ns, paused), 'deployments');
    await eventually('every workload pod running without a sidecar', () => allOn(env, undefined), {
      timeoutMs: 120_000,
    });
    await eventually('the paused Deployment to run its pod', async () =>
      (await pods(env)).some(
        (p) => field(p, 'metadata', 'labels', 'app') === paused && field(p, 'status', 'phase') === 'Running',
      ),
    );
    await mergePatch(
      env.client,
      { apiVersion: 'apps/v1', resource: 'deployments', namespace: ns, name: paused },
      { spec: { paused: true } },
    );
    sampler = new Sampler(env);
    // Pods run a moment before their workloads' statuses say so; start counting from a namespace at rest.
    await eventually(
      'every workload to report its rollout complete',
      async () => {
        await sampler.sample();
        return sampler.lastRolling.length === 0;
      },
      { timeoutMs: 60_000 },
    );
    sampler.reset();
    sampler.start();
    running = await startReconciler(env.client);
  });

  after(async () => {
    await sampler.stop();
    await running?.stop();
    await env.stop();
  });

  it('labelling the namespace gives every restartable workload the sidecar, never more than the limit rolling', async () => {
    await labelNamespace(env.client, ns, { 'istio.io/rev': 'canary' });
    await eventually('all workload pods on canary', () => allOn(env, 'canary'), {
      timeoutMs: 300_000,
      intervalMs: 500,
    });
    const mi = await statusWhere(
      env,
      'the status to settle',
      (live) =>
        rows(live).filter((r) => r.state === 'Injected').length === restartable &&
        field(live, 'status', 'counts', 'missing') === 3,
    );
    assert.equal(field(mi, 'status', 'revision'), 'canary');
    assert.equal(field(mi, 'status', 'enabled'), true);
    assert.equal(field(mi, 'status', 'counts', 'stale'), 0);
    const manual = rows(mi).filter((r) => r.state === 'ManualActionRequired');
    assert.deepEqual(manual.map((r) => [r.kind, r.name, r.reason]).sort(), [
      ['Job', 'migrate', 'JobPods'],
      ['Pod', 'debug', 'BarePod'],
    ]);
    assert.deepEqual(
      rows(mi)
        .filter((r) => r.state === 'Skipped')
        .map((r) => [r.kind, r.name, r.reason]),
      [['Deployment', paused, 'Paused']],
    );
    assert.equal(conditionStatus(mi, 'Ready'), 'False');
    assert.equal(conditionStatus(mi, 'Degraded'), 'True');
    assert.equal(conditionStatus(mi, 'Progressing'), 'False');
    assert.ok(sampler.maxRolling >= 1, 'the sampler saw rollouts');
    assert.ok(
      sampler.maxRolling <= maxConcurrentRestarts,
      `at most ${maxConcurrentRestarts} workloads rolled at once, saw ${sampler.maxRolling} (${sampler.samples} samples): ${sampler.worst.join(', ')}`,
    );
    for (const name of deployments)
      assert.equal(await deploymentRevision(env, name), '2', `Deployment ${name}`);
    const events = await list(env.client, { apiVersion: 'v1', resource: 'events', namespace: ns });
    const reasons = (reason: string) =>
      new Set(
        events
          .filter((e) => e.reason === reason)
          .map(
            (e) => `${text(field(e, 'involvedObject', 'kind'))}/${text(field(e, 'involvedObject', 'name'))}`,
          ),
      );
    assert.equal(reasons('RestartTriggered').size, restartable);
    assert.deepEqual([...reasons('ManualRestartRequired')].sort(), ['Job/migrate', 'Pod/debug']);
    assert.deepEqual([...reasons('RestartSkipped')], [`Deployment/${paused}`]);
    assert.equal(reasons('RestartTriggered').has(`Deployment/${paused}`), false);
    const registry = running!.registry;
    assert.equal(
      await metric(registry, 'mesh_injector_restarts_total', { kind: 'Deployment', result: 'triggered' }),
      20,
    );
    assert.equal(
      await metric(registry, 'mesh_injector_restarts_total', { kind: 'StatefulSet', result: 'triggered' }),
      2,
    );
    assert.equal(
      await metric(registry, 'mesh_injector_restarts_total', { kind: 'ReplicaSet', result: 'pod_deleted' }),
      2,
      'the bare ReplicaSet had its two pods replaced one at a time',
    );
    assert.equal(await metric(registry, 'mesh_injector_stale_pods', { namespace: ns, state: 'missing' }), 3);
    assert.equal(await metric(registry, 'mesh_injector_stale_pods', { namespace: ns, state: 'stale' }), 0);
    assert.ok(
      ((await metric(registry, 'mesh_injector_namespace_reconciles_total', { result: 'success' })) ?? 0) +
        ((await metric(registry, 'mesh_injector_namespace_reconciles_total', { result: 'requeue_after' })) ??
          0) >
        0,
    );
    assert.equal(
      await metric(registry, 'mesh_injector_namespace_workqueue_depth', { name: 'namespaces' }),
      0,
    );
  });

  it('a namespace at rest costs no writes', async () => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    // At rest: nothing written for a while (the last status write may trail the last pod change).
    let before = await running!.writes();
    for (;;) {
      await sleep(1500);
      const now = await running!.writes();
      if (JSON.stringify(now) === JSON.stringify(before)) break;
      before = now;
    }
    const statusBefore = await getMeshInjection(env.client, ns);
    // Any event re-queues the namespace; the reconcile must find nothing to do.
    await labelNamespace(env.client, ns, { 'mesh-injector.test/poke': 'once' });
    await sleep(2000);
    const after = await running!.writes();
    const statusAfter = await getMeshInjection(env.client, ns);
    assert.deepEqual(
      after,
      before,
      `status before: ${JSON.stringify(field(statusBefore, 'status'))}\nstatus after: ${JSON.stringify(field(statusAfter, 'status'))}`,
    );
  });

  it('switching canary to stable restarts each workload exactly once more, across a reconciler restart', async () => {
    await labelNamespace(env.client, ns, { 'istio.io/rev': 'stable' });
    // Stop the reconciler in the middle of the rollout and start a fresh one: it must carry on from the cluster.
    await eventually(
      'some restarts for stable',
      async () => {
        const deploys = await list(env.client, workloadKinds[0]!.ref);
        const started = deploys.filter(
          (d) =>
            field(d, 'metadata', 'annotations', 'injection.mesh-injector.dev/restarted-for') ===
            'revision=stable',
        );
        return started.length >= 4 && started.length < deployments.length - 4;
      },
      { timeoutMs: 120_000, intervalMs: 50 },
    );
    await running?.stop();
    running = await startReconciler(env.client);
    await eventually('all workload pods on stable', () => allOn(env, 'stable'), {
      timeoutMs: 300_000,
      intervalMs: 500,
    });
    await statusWhere(
      env,
      'the status to show stable everywhere',
      (live) =>
        field(live, 'status', 'revision') === 'stable' &&
        rows(live).filter((r) => r.state === 'Injected').length === restartable,
    );
    await sampler.sample();
    for (const name of deployments)
      assert.equal(await deploymentRevision(env, name), '3', `Deployment ${name}`);
    for (const { kind } of workloadKinds) {
      const names = kind === 'Deployment' ? deployments : kind === 'StatefulSet' ? statefulSets : daemonSets;
      for (const name of names) {
        const restarts = sampler.restartsOf(`${kind}/${name}`);
        assert.equal(restarts.length, 2, `${kind} ${name} restarted once per cause: ${restarts.join(', ')}`);
        assert.deepEqual(
          restarts.map((r) => r.split('@')[0]),
          ['revision=canary', 'revision=stable'],
        );
      }
    }
    assert.ok(
      sampler.maxRolling <= maxConcurrentRestarts,
      `saw ${sampler.maxRolling} rolling at once: ${sampler.worst.join(', ')}`,
    );
  });

  it('removing the label reports the sidecars left behind, and restartPolicy Rolling removes them', async () => {
    const manual = await mergePatch(env.client, miRef(ns), { spec: { restartPolicy: 'Manual' } });
    // The reconciler must have seen the new spec before the label goes, or it would rightly start removing sidecars.
    const generation = field(manual, 'metadata', 'generation');
    await statusWhere(env, 'the Manual spec to be observed', (live) => {
      const observed = field(live, 'status', 'observedGeneration');
      return typeof observed === 'number' && typeof generation === 'number' && observed >= generation;
    });
    await labelNamespace(env.client, ns, { 'istio.io/rev': null });
    const reported = await statusWhere(
      env,
      'the status to report the sidecars left behind',
      (live) =>
        field(live, 'status', 'enabled') === false &&
        rows(live).filter((r) => r.state === 'Pending' && r.reason === 'RestartPolicyManual').length ===
          restartable,
    );
    const sidecars = workloadPods(await pods(env)).length;
    assert.equal(field(reported, 'status', 'counts', 'stale'), sidecars);
    assert.equal(conditionStatus(reported, 'Converged'), 'False');
    assert.equal(await deploymentRevision(env, deployments[0]!), '3', 'Manual restarts nothing');

    await mergePatch(env.client, miRef(ns), { spec: { restartPolicy: 'Rolling' } });
    await eventually('all workload pods without a sidecar', () => allOn(env, undefined), {
      timeoutMs: 300_000,
      intervalMs: 500,
    });
    const done = await statusWhere(
      env,
      'the namespace to converge without sidecars',
      (live) => conditionStatus(live, 'Ready') === 'True',
    );
    assert.equal(field(done, 'status', 'counts', 'stale'), 0);
    assert.equal(field(done, 'status', 'counts', 'missing'), 0);
    assert.equal(conditionStatus(done, 'Converged'), 'True');
    for (const name of deployments)
      assert.equal(await deploymentRevision(env, name), '4', `Deployment ${name}`);
    assert.ok(
      sampler.maxRolling <= maxConcurrentRestarts,
      `saw ${sampler.maxRolling} rolling at once: ${sampler.worst.join(', ')}`,
    );
  });
});
