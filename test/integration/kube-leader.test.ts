// Lease leader election against a real kube-apiserver, with two electors in one process.
// Timing is shortened (lease 4 s, renew deadline 3 s, retry 0.5 s) to keep the test quick; the
// exact timing rules are covered with a manual clock in test/unit/kube/leader.test.ts. Here the
// assertions are about who leads and in which order; the measured takeover times are printed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.ts';
import { LeaderElector, leaseLock, type LeaseLock } from '../../src/kube/leader.ts';
import { createLogger, parseLogLevel } from '../../src/observability/logger.ts';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.ts';

const logger = createLogger({ level: parseLogLevel(process.env.LOG_LEVEL, 'silent'), fd: 2 });
const namespace = 'leader-test';
const timing = { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 };

async function eventually(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A lock whose requests can be made to fail, as if this replica lost its network. */
function severable(lock: LeaseLock): LeaseLock & { down: boolean } {
  const cut = (): Promise<never> => Promise.reject(new Error('network unreachable (test)'));
  const wrapped = {
    description: lock.description,
    down: false,
    get: (signal: AbortSignal) => (wrapped.down ? cut() : lock.get(signal)),
    create: (...args: Parameters<LeaseLock['create']>) => (wrapped.down ? cut() : lock.create(...args)),
    update: (...args: Parameters<LeaseLock['update']>) => (wrapped.down ? cut() : lock.update(...args)),
  };
  return wrapped;
}

interface Candidate {
  readonly elector: LeaderElector;
  readonly lock: LeaseLock & { down: boolean };
  readonly stop: AbortController;
  readonly running: Promise<void>;
  /** `started <ms>` / `stopped <ms>` in wall time. */
  readonly history: { event: 'started' | 'stopped'; at: number }[];
}

function candidate(client: KubeClient, lease: string, identity: string): Candidate {
  const lock = severable(leaseLock(client, namespace, lease));
  const history: Candidate['history'] = [];
  const elector = new LeaderElector({
    ...timing,
    lock,
    identity,
    logger,
    callbacks: {
      onStartedLeading: () => {
        history.push({ event: 'started', at: Date.now() });
      },
      onStoppedLeading: () => {
        history.push({ event: 'stopped', at: Date.now() });
      },
    },
  });
  const stop = new AbortController();
  return { elector, lock, stop, running: elector.run(stop.signal), history };
}

describe('leader election against a real apiserver', { timeout: 180_000 }, () => {
  let cp: ControlPlane;
  let client: KubeClient;

  before(async () => {
    cp = await startControlPlane({ nodes: 0 });
    client = KubeClient.load({ kubeconfig: cp.kubeconfigPath });
    await client.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    });
  });

  after(async () => {
    client.close();
    await cp.stop();
  });

  it('one of two leads; after a clean stop the other takes over from the released lease', async (t) => {
    const a = candidate(client, 'clean-handover', 'replica-a');
    await eventually(() => a.elector.isLeader(), 'a leads');
    const b = candidate(client, 'clean-handover', 'replica-b');
    await eventually(() => b.elector.leader() === 'replica-a', 'b sees a as leader');
    await new Promise((resolve) => setTimeout(resolve, 4 * timing.retryPeriodMs));
    assert.equal(b.elector.isLeader(), false, 'b does not lead while a renews');

    const lease = await client
      .api(CoordinationV1Api)
      .readNamespacedLease({ name: 'clean-handover', namespace });
    assert.equal(lease.spec?.holderIdentity, 'replica-a');
    assert.equal(lease.spec.leaseDurationSeconds, 4);
    assert.ok(lease.spec.renewTime !== undefined, 'renewTime written in a format the apiserver accepts');

    a.stop.abort();
    await a.running;
    const stoppedAt = Date.now();
    await eventually(() => b.elector.isLeader(), 'b takes over');
    t.diagnostic(
      `takeover after a clean stop: ${Date.now() - stoppedAt} ms (lease ${timing.leaseDurationMs} ms)`,
    );
    const aStopped = a.history.find((h) => h.event === 'stopped')?.at ?? Infinity;
    const bStarted = b.history.find((h) => h.event === 'started')?.at ?? -Infinity;
    assert.ok(aStopped <= bStarted, 'a stopped before b started');
    const after = await client
      .api(CoordinationV1Api)
      .readNamespacedLease({ name: 'clean-handover', namespace });
    assert.equal(after.spec?.holderIdentity, 'replica-b');
    assert.equal(after.spec.leaseTransitions, 1);
    b.stop.abort();
    await b.running;
  });

  it('a leader cut off from the API stops at its renew deadline; the other takes over once the lease expires', async (t) => {
    const a = candidate(client, 'lost-lease', 'replica-a');
    await eventually(() => a.elector.isLeader(), 'a leads');
    const b = candidate(client, 'lost-lease', 'replica-b');
    await eventually(() => b.elector.leader() === 'replica-a', 'b sees a as leader');
    a.lock.down = true;
    const cutAt = Date.now();
    await eventually(() => !a.elector.isLeader(), 'a steps down');
    const aStepDown = Date.now() - cutAt;
    await eventually(() => b.elector.isLeader(), 'b takes over');
    const bTakeover = Date.now() - cutAt;
    t.diagnostic(`after the cut: a stepped down in ${aStepDown} ms, b led after ${bTakeover} ms`);
    const aStopped = a.history.find((h) => h.event === 'stopped')?.at ?? Infinity;
    const bStarted = b.history.find((h) => h.event === 'started')?.at ?? -Infinity;
    assert.ok(aStopped < bStarted, 'no two leaders at once: a stopped before b started');
    assert.equal(a.history.filter((h) => h.event === 'started').length, 1);

    // Back online, a campaigns again but does not take the lease from b.
    a.lock.down = false;
    await new Promise((resolve) => setTimeout(resolve, 4 * timing.retryPeriodMs));
    assert.equal(a.elector.isLeader(), false);
    assert.equal(a.elector.leader(), 'replica-b');
    a.stop.abort();
    b.stop.abort();
    await Promise.all([a.running, b.running]);
  });
});
