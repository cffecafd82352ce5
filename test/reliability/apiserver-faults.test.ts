// The control plane fails under the operator while it rolls a namespace into the mesh: the kube-apiserver is
// SIGKILLed and started again, etcd is restarted, the kube-apiserver is frozen (SIGSTOP) for 60 s. Each time the
// operator process must stay up and answer /healthz, log its reconnects, and finish the rollout afterwards: the
// namespace Converged, every pod injected, every Deployment restarted exactly once and never more than the
// namespace's maxConcurrentRestarts rolling at once.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.ts';
import { KubeClient } from '../../src/kube/client.ts';
import {
  createFleet,
  createNamespace,
  eventually,
  installCrd,
  labelNamespace,
  labelsOf,
  OperatorProcess,
  operatorNamespace,
  restartProblems,
  restartRecords,
  RolloutSampler,
  secondsSince,
  waitConverged,
} from './support.ts';

const deploymentsPerNamespace = 4;
const maxConcurrentRestarts = 1;
const freezeMs = 60_000;

describe('kube-apiserver and etcd faults in the middle of a rollout', { timeout: 12 * 60_000 }, () => {
  let cp: ControlPlane;
  let client: KubeClient;
  let operator: OperatorProcess;
  const samplers: RolloutSampler[] = [];

  before(async () => {
    cp = await startControlPlane({
      nodes: 2,
      // A frozen API server stops every node heartbeat; past the grace period the node controller marks the nodes
      // NotReady and their pods unready. Real kubelets would report their pods ready again, kwok does not, so the
      // Deployments would never finish rolling: a simulator artifact, kept out of the way.
      extraFlags: { 'kube-controller-manager': ['--node-monitor-grace-period=5m'] },
    });
    client = new KubeClient(cp.kubeConfig, { qps: 200, burst: 400, requestTimeoutMs: 10_000 });
    await installCrd(client);
    await createNamespace(client, operatorNamespace);
    operator = await OperatorProcess.launch(cp, { name: 'operator' });
  });

  after(async () => {
    await Promise.all(samplers.map((s) => s.stop()));
    await operator.stop();
    client.close();
    await cp.stop();
  });

  /**
   * A namespace of Deployments created before its label, paced one restart at a time so the rollout lasts long
   * enough to break something in the middle of it. Returns the sampler watching it, once the rollout has started.
   */
  async function startRollout(namespace: string): Promise<RolloutSampler> {
    await createFleet(client, namespace, {
      prefix: 'web',
      count: deploymentsPerNamespace,
      spec: { maxConcurrentRestarts, restartInterval: '3s' },
    });
    const sampler = new RolloutSampler(client, namespace).start();
    samplers.push(sampler);
    await labelNamespace(client, namespace, { 'istio-injection': 'enabled' });
    await eventually('the first restart', () => sampler.restarted >= 1, { timeoutMs: 60_000 });
    return sampler;
  }

  /** The outcome after a fault: converged, injected, one restart each, pacing held, the operator still the same
   * process. */
  async function assertRecovered(t: TestContext, namespace: string, sampler: RolloutSampler): Promise<void> {
    const started = Date.now();
    await waitConverged(client, namespace, deploymentsPerNamespace, 180_000);
    t.diagnostic(`${namespace}: converged ${secondsSince(started)} s after the fault ended`);
    await sampler.stop();
    const problems = restartProblems(await restartRecords(client, namespace), 'revision=default');
    assert.deepEqual(problems, [], 'every Deployment restarted exactly once');
    assert.deepEqual(sampler.restartedMoreThanOnce(), []);
    assert.ok(
      sampler.maxRolling <= maxConcurrentRestarts,
      `at most ${maxConcurrentRestarts} restart rolling at once; saw ${sampler.maxRolling}: ${sampler.worst.join(', ')}`,
    );
    assert.ok(sampler.samples > 10, `the sampler watched the rollout (${sampler.samples} samples)`);
    assert.equal(operator.running, true, `the operator is still running:\n${operator.tail()}`);
    assert.equal(operator.runs, 1, 'the operator never exited');
  }

  /** Probes /healthz every `everyMs` for `forMs`; returns the statuses (undefined: no answer in 3 s). */
  async function probeHealthz(forMs: number, everyMs: number): Promise<(number | undefined)[]> {
    const statuses: (number | undefined)[] = [];
    const until = Date.now() + forMs;
    while (Date.now() < until) {
      statuses.push(await operator.healthz());
      await sleep(everyMs);
    }
    return statuses;
  }

  it('kube-apiserver SIGKILLed mid-rollout, down for 10 s, then started again', async (t) => {
    const sampler = await startRollout('apiserver-killed');
    const before = operator.messages().length;
    const apiserver = cp.component('kube-apiserver');
    await apiserver.stop({ signal: 'SIGKILL' });
    const health = await probeHealthz(10_000, 1000);
    await apiserver.start();
    assert.deepEqual(
      health.filter((s) => s !== 200),
      [],
      `/healthz answered 200 throughout the outage: ${health.join(',')}`,
    );
    const during = operator.messages().slice(before);
    assert.ok(
      during.includes('list/watch failed; retrying after backoff'),
      `the informers report the lost connection and retry:\n${operator.tail()}`,
    );
    await assertRecovered(t, 'apiserver-killed', sampler);
  });

  it('etcd restarted mid-rollout', async (t) => {
    const sampler = await startRollout('etcd-restarted');
    await cp.component('etcd').restart({ signal: 'SIGKILL' });
    // The API server stays up; its requests fail until its etcd client has reconnected.
    const ns = await eventually(
      'the API server to serve again',
      () => client.request({ path: '/api/v1/namespaces/etcd-restarted' }),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    assert.equal(labelsOf(ns)['istio-injection'], 'enabled', 'the cluster state survived the restart');
    assert.equal(await operator.healthz(), 200);
    await assertRecovered(t, 'etcd-restarted', sampler);
  });

  it('kube-apiserver frozen (SIGSTOP) for 60 s mid-rollout, then resumed', async (t) => {
    const sampler = await startRollout('apiserver-frozen');
    const before = operator.messages().length;
    const apiserver = cp.component('kube-apiserver');
    apiserver.pause();
    let health: (number | undefined)[];
    try {
      health = await probeHealthz(freezeMs, 5000);
    } finally {
      apiserver.resume();
    }
    assert.deepEqual(
      health.filter((s) => s !== 200),
      [],
      `/healthz answered 200 throughout the freeze: ${health.join(',')}`,
    );
    await assertRecovered(t, 'apiserver-frozen', sampler);
    const after = operator.messages().slice(before);
    t.diagnostic(`operator log during and after the freeze: ${[...new Set(after)].join(' | ')}`);
    assert.ok(
      after.includes('lost the lease; stopped leading') && after.includes('started leading'),
      `the leader noticed it could not renew during the freeze and led again afterwards:\n${operator.tail()}`,
    );
  });
});
