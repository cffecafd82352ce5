// Two operator replicas; the leader is SIGKILLed a third of the way into a rollout (so it cannot release its
// Lease). The other replica must take the Lease once it expires and finish the rollout from what the cluster
// says, without restarting again any workload the first leader already restarted, and within the same pacing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.ts';
import { KubeClient } from '../../src/kube/client.ts';
import {
  createFleet,
  createNamespace,
  eventually,
  field,
  freePorts,
  installCrd,
  labelNamespace,
  OperatorProcess,
  operatorNamespace,
  restartProblems,
  restartRecords,
  RolloutSampler,
  secondsSince,
  text,
  waitConverged,
} from './support.ts';

const namespace = 'shop';
const deployments = 30;
const maxConcurrentRestarts = 3;
const killAfter = 10;

describe('leader failover in the middle of a rollout', { timeout: 10 * 60_000 }, () => {
  let cp: ControlPlane;
  let client: KubeClient;
  let a: OperatorProcess;
  let b: OperatorProcess;
  let sampler: RolloutSampler | undefined;

  async function leaseHolder(): Promise<string> {
    const lease = await client.request({
      path: `/apis/coordination.k8s.io/v1/namespaces/${operatorNamespace}/leases/mesh-injector-leader`,
    });
    return text(field(lease, 'spec', 'holderIdentity'));
  }

  before(async () => {
    cp = await startControlPlane({ nodes: 2 });
    client = new KubeClient(cp.kubeConfig, { qps: 200, burst: 400 });
    await installCrd(client);
    await createNamespace(client, operatorNamespace);
    // Both replicas configure the webhook to call replica b, the one that survives: admission keeps working
    // across the failover, so what is tested is the reconciler's handover alone.
    const [aWebhook, aMetrics, bWebhook, bMetrics] = (await freePorts(4)) as [number, number, number, number];
    const webhookUrl = `https://127.0.0.1:${bWebhook}/inject`;
    a = new OperatorProcess(cp, {
      name: 'replica-a',
      webhookPort: aWebhook,
      metricsPort: aMetrics,
      webhookUrl,
    });
    b = new OperatorProcess(cp, {
      name: 'replica-b',
      webhookPort: bWebhook,
      metricsPort: bMetrics,
      webhookUrl,
    });
    a.start();
    await eventually('replica-a to lead', async () => (await leaseHolder()).startsWith('replica-a_'), {
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    b.start();
    for (const replica of [a, b]) await replica.waitReady();
    await createFleet(client, namespace, {
      prefix: 'svc',
      count: deployments,
      spec: { maxConcurrentRestarts, restartInterval: '0s' },
      timeoutMs: 180_000,
    });
  });

  after(async () => {
    await sampler?.stop();
    await Promise.all([a.stop(), b.stop()]);
    client.close();
    await cp.stop();
  });

  it('the new leader finishes the rollout without restarting anything twice', async (t) => {
    assert.match(await leaseHolder(), /^replica-a_/, 'replica-a leads when the rollout starts');
    const s = new RolloutSampler(client, namespace).start();
    sampler = s;
    const started = Date.now();
    await labelNamespace(client, namespace, { 'istio-injection': 'enabled' });
    await eventually(`${killAfter} Deployments restarted`, () => s.restarted >= killAfter, {
      timeoutMs: 180_000,
      intervalMs: 50,
    });

    const exit = await a.kill('SIGKILL');
    const killedAt = Date.now();
    assert.equal(exit.signal, 'SIGKILL');
    // What the first leader did, read once a write it had on the wire has landed: nothing it restarted may be
    // restarted again.
    await sleep(1000);
    const byFirstLeader = new Map(
      [...(await restartRecords(client, namespace))]
        .filter(([, r]) => r.restartedFor !== '')
        .map(([n, r]) => [n, r]),
    );
    t.diagnostic(
      `replica-a killed after ${byFirstLeader.size} restarts, ${secondsSince(started)} s into the rollout`,
    );

    const holder = await eventually(
      'replica-b to take the lease',
      async () => {
        const h = await leaseHolder();
        return h.startsWith('replica-b_') ? h : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    t.diagnostic(`lease taken by ${holder} ${secondsSince(killedAt)} s after the kill`);

    await waitConverged(client, namespace, deployments, 300_000);
    t.diagnostic(
      `converged ${secondsSince(started)} s after the label, ${secondsSince(killedAt)} s after the kill`,
    );
    await s.stop();

    const records = await restartRecords(client, namespace);
    assert.deepEqual(restartProblems(records, 'revision=default'), [], 'one restart per Deployment');
    for (const [name, before] of byFirstLeader) {
      assert.equal(
        records.get(name)?.restartedAt,
        before.restartedAt,
        `${name} kept the first leader's restart`,
      );
    }
    const restartedByB = b
      .records()
      .filter((r) => r.msg === 'restart triggered' && r.namespace === namespace)
      .map((r) => text(r.name));
    assert.deepEqual(
      restartedByB.filter((name) => byFirstLeader.has(name)),
      [],
      'replica-b restarted none of the workloads replica-a had restarted',
    );
    assert.equal(
      restartedByB.length + byFirstLeader.size,
      deployments,
      'the two leaders restarted every Deployment between them, once',
    );
    assert.deepEqual(s.restartedMoreThanOnce(), []);
    assert.ok(
      s.maxRolling <= maxConcurrentRestarts,
      `never more than ${maxConcurrentRestarts} rolling; saw ${s.maxRolling}: ${s.worst.join(', ')}`,
    );
    assert.equal(b.runs, 1, 'replica-b never exited');
    assert.ok(b.messages().includes('started leading'));
  });
});
