// Two namespace reconcilers behind Lease leader election (as two operator replicas run): only the leader writes,
// and when it goes away without releasing the lease the other takes over and finishes the job without
// restarting anything a second time. Lease timing is shortened (4 s / 3 s / 0.5 s) to keep the test quick.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NamespaceReconciler } from '../../src/controller/namespace/reconciler.ts';
import type { JsonObject } from '../../src/inject/types.ts';
import { resourcePath } from '../../src/kube/client.ts';
import { LeaderElector, leaseLock } from '../../src/kube/leader.ts';
import { mergePatch } from '../../src/kube/patch.ts';
import { createMetricsRegistry, type Registry } from '../../src/observability/metrics.ts';
import {
  conditionStatus,
  create,
  createNamespace,
  deployment,
  eventually,
  field,
  getMeshInjection,
  labelNamespace,
  list,
  logger,
  miRef,
  startInjectionEnvironment,
  type InjectionEnvironment,
} from './operator-support.ts';

const ns = 'elected';
const names = ['a', 'b', 'c', 'd'];

interface Replica {
  readonly name: string;
  readonly reconciler: NamespaceReconciler;
  readonly elector: LeaderElector;
  readonly registry: Registry;
  readonly stop: AbortController;
  readonly running: Promise<void>;
}

function replica(env: InjectionEnvironment, name: string): Replica {
  const registry = createMetricsRegistry();
  const holder: { elector?: LeaderElector } = {};
  const reconciler = new NamespaceReconciler({
    client: env.client,
    logger: logger.child({ replica: name }),
    registry,
    leader: { isLeader: () => holder.elector?.isLeader() === true },
    pollMs: 500,
    statusMinIntervalMs: 200,
  });
  const elector = new LeaderElector({
    lock: leaseLock(env.client, 'default', 'mesh-injector-namespaces'),
    identity: name,
    logger,
    leaseDurationMs: 4000,
    renewDeadlineMs: 3000,
    retryPeriodMs: 500,
    // A replica that dies does not release its lease: the other must wait it out.
    releaseOnCancel: false,
    callbacks: { onStartedLeading: (signal) => reconciler.lead(signal) },
  });
  holder.elector = elector;
  const stop = new AbortController();
  void reconciler.start(stop.signal).catch(() => undefined);
  const running = elector.run(stop.signal);
  return { name, reconciler, elector, registry, stop, running };
}

async function writes(r: Replica): Promise<number> {
  const metric = await r.registry.getSingleMetric('mesh_injector_namespace_reconciler_writes_total')?.get();
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

async function revisions(env: InjectionEnvironment): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const d of await list(env.client, { apiVersion: 'apps/v1', resource: 'deployments', namespace: ns })) {
    const revision = field(d, 'metadata', 'annotations', 'deployment.kubernetes.io/revision');
    const name = field(d, 'metadata', 'name');
    if (typeof name === 'string') out[name] = typeof revision === 'string' ? revision : '';
  }
  return out;
}

async function sidecars(env: InjectionEnvironment): Promise<(string | undefined)[]> {
  const pods = await list(env.client, { apiVersion: 'v1', resource: 'pods', namespace: ns });
  return pods
    .filter((p: JsonObject) => field(p, 'metadata', 'deletionTimestamp') === undefined)
    .map((p) => {
      const rev = field(p, 'metadata', 'annotations', 'istio.io/rev');
      return typeof rev === 'string' ? rev : undefined;
    });
}

describe('namespace reconcilers under leader election', { timeout: 5 * 60_000 }, () => {
  let env: InjectionEnvironment;
  const replicas: Replica[] = [];

  before(async () => {
    env = await startInjectionEnvironment(['stable']);
    await createNamespace(env.client, ns);
    for (const name of names) await create(env.client, deployment(ns, name), 'deployments');
    await eventually('the pods to run', async () => (await sidecars(env)).length === names.length, {
      timeoutMs: 60_000,
    });
    replicas.push(replica(env, 'replica-1'), replica(env, 'replica-2'));
  });

  after(async () => {
    for (const r of replicas) r.stop.abort();
    await Promise.allSettled(replicas.map((r) => r.running));
    await Promise.allSettled(replicas.map((r) => r.reconciler.stop()));
    await env.stop();
  });

  it('only the leader acts, and the other finishes the job after the leader dies', async () => {
    const leader = await eventually('a leader', () => replicas.find((r) => r.elector.isLeader()));
    const follower = replicas.find((r) => r !== leader)!;

    await labelNamespace(env.client, ns, { 'istio.io/rev': 'stable' });
    // The leader creates the MeshInjection with the CRD's defaults and starts restarting (10s apart by default).
    const mi = await eventually('the MeshInjection to be created', () => getMeshInjection(env.client, ns));
    assert.deepEqual(mi.spec, {
      restartPolicy: 'Rolling',
      maxConcurrentRestarts: 2,
      restartInterval: '10s',
      allowBarePodDeletion: false,
    });
    await eventually('the first restart', async () => Object.values(await revisions(env)).includes('2'));
    assert.ok((await writes(leader)) > 0, 'the leader wrote');
    assert.equal(await writes(follower), 0, 'the follower wrote nothing');

    // The leader dies mid-job, without releasing the lease.
    leader.stop.abort();
    await leader.running;
    await leader.reconciler.stop();
    await eventually('the follower to take over', () => follower.elector.isLeader(), { timeoutMs: 30_000 });
    await mergePatch(env.client, miRef(ns), { spec: { restartInterval: '100ms' } });
    await eventually(
      'every pod on stable',
      async () => {
        const revs = await sidecars(env);
        return revs.length === names.length && revs.every((r) => r === 'stable');
      },
      { timeoutMs: 120_000 },
    );
    await eventually('the namespace to be Ready', async () => {
      const live = await getMeshInjection(env.client, ns);
      return conditionStatus(live, 'Ready') === 'True';
    });
    assert.ok((await writes(follower)) > 0, 'the new leader wrote');
    assert.deepEqual(
      await revisions(env),
      { a: '2', b: '2', c: '2', d: '2' },
      'each Deployment restarted once',
    );
    const lease = await env.client.request({
      path: resourcePath({
        apiVersion: 'coordination.k8s.io/v1',
        resource: 'leases',
        namespace: 'default',
        name: 'mesh-injector-namespaces',
      }),
    });
    assert.equal(field(lease, 'spec', 'holderIdentity'), follower.name);
  });
});
