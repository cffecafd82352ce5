import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubeClient } from '../../../src/kube/client.ts';
import { ManualClock, settle } from '../../../src/kube/clock.ts';
import {
  LeaderElector,
  defaultIdentity,
  formatMicroTime,
  leaseLock,
  leaseSpec,
  recordFromLease,
  validateLeaderTiming,
  type LeaderElectionRecord,
  type LeaseLock,
  type LeaseState,
} from '../../../src/kube/leader.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { apiError, json, recordingServer, status, writeKubeconfig, type RecordingServer } from './helpers.ts';

const logger = createLogger({ level: 'silent' });

/** One Lease in memory, with optimistic concurrency like the API server. */
class LeaseStore {
  state: LeaseState | undefined;
  #rv = 0;
  writes = 0;

  read(): LeaseState | undefined {
    return this.state;
  }

  write(record: LeaderElectionRecord, expectedRv: string | undefined): LeaseState {
    if (expectedRv === undefined && this.state !== undefined) throw apiError(409, 'AlreadyExists');
    if (expectedRv !== undefined && this.state?.resourceVersion !== expectedRv) {
      throw apiError(409, 'Conflict', 'the object has been modified');
    }
    this.writes++;
    this.state = { record, resourceVersion: String(++this.#rv) };
    return this.state;
  }
}

/** One replica's view of the store; `down` makes its requests fail, `hang` makes them wait until aborted. */
class FakeLock implements LeaseLock {
  readonly description = 'ns/lease';
  down = false;
  hang = false;
  readonly store: LeaseStore;

  constructor(store: LeaseStore) {
    this.store = store;
  }

  #call<T>(signal: AbortSignal, fn: () => T): Promise<T> {
    if (this.down) return Promise.reject(new Error('connect ECONNREFUSED'));
    if (this.hang) {
      return new Promise((_resolve, reject) => {
        signal.addEventListener(
          'abort',
          () => {
            reject(new DOMException('aborted', 'AbortError'));
          },
          {
            once: true,
          },
        );
      });
    }
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error('lock failed', { cause: err }));
    }
  }

  get(signal: AbortSignal): Promise<LeaseState | undefined> {
    return this.#call(signal, () => this.store.read());
  }

  create(record: LeaderElectionRecord, signal: AbortSignal): Promise<LeaseState> {
    return this.#call(signal, () => this.store.write(record, undefined));
  }

  update(record: LeaderElectionRecord, previous: LeaseState, signal: AbortSignal): Promise<LeaseState> {
    return this.#call(signal, () => this.store.write(record, previous.resourceVersion));
  }
}

interface Replica {
  readonly elector: LeaderElector;
  readonly lock: FakeLock;
  readonly stop: AbortController;
  readonly running: Promise<void>;
  readonly log: string[];
  readonly terms: AbortSignal[];
}

function replica(
  id: string,
  store: LeaseStore,
  clock: ManualClock,
  work?: (signal: AbortSignal) => Promise<void>,
): Replica {
  const lock = new FakeLock(store);
  const log: string[] = [];
  const terms: AbortSignal[] = [];
  const elector = new LeaderElector({
    lock,
    identity: id,
    logger,
    clock,
    random: () => 0,
    callbacks: {
      onStartedLeading: (signal) => {
        log.push(`start@${clock.now()}`);
        terms.push(signal);
        return work?.(signal);
      },
      onStoppedLeading: () => log.push(`stop@${clock.now()}`),
      onNewLeader: (leader) => log.push(`leader=${leader}`),
    },
  });
  const stop = new AbortController();
  return { elector, lock, stop, running: elector.run(stop.signal), log, terms };
}

describe('validateLeaderTiming', () => {
  it('accepts and returns the 15 s / 10 s / 2 s defaults', () => {
    assert.deepEqual(validateLeaderTiming(), {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
  });

  it('requires leaseDuration > renewDeadline', () => {
    assert.throws(
      () => validateLeaderTiming({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }),
      /leaseDuration \(10000 ms\) must be greater than renewDeadline \(10000 ms\)/,
    );
  });

  it('requires renewDeadline > retryPeriod * 1.2', () => {
    assert.throws(
      () => validateLeaderTiming({ renewDeadlineMs: 2_400, retryPeriodMs: 2_000 }),
      /renewDeadline \(2400 ms\) must be greater than retryPeriod\*1.2 \(2400 ms\)/,
    );
  });

  it('requires a positive retry period and a whole-second lease', () => {
    assert.throws(() => validateLeaderTiming({ retryPeriodMs: 0 }), /retryPeriod must be > 0/);
    assert.throws(() => validateLeaderTiming({ leaseDurationMs: 15_500 }), /whole seconds/);
  });

  it('the elector refuses bad timing and an empty identity', () => {
    const lock = new FakeLock(new LeaseStore());
    const callbacks = { onStartedLeading: () => undefined };
    assert.throws(
      () => new LeaderElector({ lock, logger, callbacks, leaseDurationMs: 5000 }),
      /greater than renewDeadline/,
    );
    assert.throws(() => new LeaderElector({ lock, logger, callbacks, identity: '' }), /identity/);
  });
});

describe('lease records', () => {
  it('formats MicroTime with six fractional digits', () => {
    assert.equal(formatMicroTime(Date.UTC(2030, 0, 2, 3, 4, 5, 678)), '2030-01-02T03:04:05.678000Z');
  });

  it('round-trips a record through a Lease spec', () => {
    const record = {
      holderIdentity: 'a_1',
      leaseDurationSeconds: 15,
      acquireTime: Date.UTC(2030, 0, 1),
      renewTime: Date.UTC(2030, 0, 1, 0, 0, 2),
      leaseTransitions: 3,
    };
    assert.deepEqual(recordFromLease({ spec: leaseSpec(record) }), record);
  });

  it('reads an empty or released lease as having no holder', () => {
    assert.deepEqual(recordFromLease({}), {
      holderIdentity: '',
      leaseDurationSeconds: 0,
      leaseTransitions: 0,
    });
  });

  it('identities are unique per call and start with the pod name', () => {
    const a = defaultIdentity({ POD_NAME: 'op-0' });
    const b = defaultIdentity({ POD_NAME: 'op-0' });
    assert.match(a, /^op-0_[0-9a-f]{10}$/);
    assert.notEqual(a, b);
  });
});

describe('LeaderElector', () => {
  it('creates the lease and leads at once when nobody holds it', async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    const store = new LeaseStore();
    const a = replica('a', store, clock);
    await settle();
    assert.equal(a.elector.isLeader(), true);
    assert.deepEqual(a.log, ['leader=a', `start@${clock.now()}`]);
    assert.equal(store.state?.record.holderIdentity, 'a');
    assert.equal(store.state.record.leaseDurationSeconds, 15);
    assert.equal(store.state.record.leaseTransitions, 0);
    a.stop.abort();
    await a.running;
  });

  it('renews every retry period, keeping acquireTime and the transition count', async () => {
    const clock = new ManualClock(0);
    const store = new LeaseStore();
    const a = replica('a', store, clock);
    await settle();
    const acquired = store.state?.record.acquireTime;
    await clock.advance(2000);
    assert.equal(store.state?.record.renewTime, 2000);
    await clock.advance(2000);
    assert.equal(store.state.record.renewTime, 4000);
    assert.equal(store.state.record.acquireTime, acquired);
    assert.equal(store.state.record.leaseTransitions, 0);
    a.stop.abort();
    await a.running;
  });

  it('a second replica does not lead while the first keeps renewing', async () => {
    const clock = new ManualClock(0);
    const store = new LeaseStore();
    const a = replica('a', store, clock);
    await settle();
    const b = replica('b', store, clock);
    await clock.advance(60_000);
    assert.equal(a.elector.isLeader(), true);
    assert.equal(b.elector.isLeader(), false);
    assert.equal(b.elector.leader(), 'a');
    assert.deepEqual(b.log, ['leader=a']);
    b.stop.abort();
    a.stop.abort();
    await Promise.all([a.running, b.running]);
  });

  it('a clean stop stops the work first, releases the lease, and the other takes over at its next poll', async () => {
    const clock = new ManualClock(0);
    const store = new LeaseStore();
    const order: string[] = [];
    const a = replica('a', store, clock, async (signal) => {
      await new Promise((resolve) => {
        signal.addEventListener('abort', resolve);
      });
      order.push(`work ended, holder=${store.state?.record.holderIdentity ?? ''}`);
    });
    await settle();
    const b = replica('b', store, clock);
    await clock.advance(4000);
    a.stop.abort();
    await a.running;
    order.push(`released, holder=${store.state?.record.holderIdentity ?? ''}`);
    assert.deepEqual(order, ['work ended, holder=a', 'released, holder=']);
    assert.equal(a.terms[0]?.aborted, true);
    assert.equal(store.state?.record.leaseDurationSeconds, 1);
    const releasedAt = clock.now();
    await clock.advance(2000 * 2.2);
    assert.equal(b.elector.isLeader(), true, 'took over within one jittered retry period');
    assert.ok(clock.now() - releasedAt < 15_000);
    assert.equal(store.state.record.holderIdentity, 'b');
    assert.equal(store.state.record.leaseTransitions, 1);
    assert.ok(b.log.includes('leader=b'));
    b.stop.abort();
    await b.running;
  });

  it('losing the API stops leading exactly at the renew deadline; the other waits out the lease', async () => {
    const clock = new ManualClock(0);
    const store = new LeaseStore();
    const a = replica('a', store, clock);
    await settle();
    const b = replica('b', store, clock);
    await clock.advance(2000); // a renewed at t=2000; b observed the lease at t=0 and at t=2000 polls
    const lastRenew = store.state?.record.renewTime ?? -1;
    assert.equal(lastRenew, 2000);
    a.lock.down = true;
    await clock.advance(lastRenew + 10_000 - 1 - clock.now());
    assert.equal(a.elector.isLeader(), true);
    assert.equal(a.terms[0]?.aborted, false);
    await clock.advance(1);
    assert.equal(a.elector.isLeader(), false, 'stopped at lastRenew + renewDeadline');
    assert.equal(a.terms[0].aborted, true);
    assert.equal(b.elector.isLeader(), false, 'the lease is not expired yet for b');
    await clock.advance(lastRenew + 15_000 + 2000 * 2.2 - clock.now());
    assert.equal(b.elector.isLeader(), true, 'b took over once the lease expired');
    a.stop.abort();
    b.stop.abort();
    await Promise.all([a.running, b.running]);
  });

  it('a renew request that hangs does not delay stepping down', async () => {
    const clock = new ManualClock(0);
    const store = new LeaseStore();
    const a = replica('a', store, clock);
    await settle();
    a.lock.hang = true;
    await clock.advance(10_000);
    assert.equal(a.elector.isLeader(), false);
    assert.deepEqual(a.log, ['leader=a', 'start@0', 'stop@10000']);
    a.lock.hang = false;
    a.stop.abort();
    await a.running;
  });

  it('steps down at once when another holder overwrote the lease', async () => {
    const clock = new ManualClock(0);
    const store = new LeaseStore();
    const a = replica('a', store, clock);
    await settle();
    const current = store.state;
    assert.ok(current !== undefined);
    store.write({ ...current.record, holderIdentity: 'intruder', renewTime: 1 }, current.resourceVersion);
    await clock.advance(2000);
    assert.equal(a.elector.isLeader(), false);
    assert.ok(a.log.includes('leader=intruder'));
    a.stop.abort();
    await a.running;
  });

  it('after losing the lease it campaigns again and leads a new term', async () => {
    const clock = new ManualClock(0);
    const store = new LeaseStore();
    const a = replica('a', store, clock);
    await settle();
    a.lock.down = true;
    await clock.advance(10_000);
    assert.equal(a.elector.isLeader(), false);
    a.lock.down = false;
    await clock.advance(2000 * 2.2);
    assert.equal(a.elector.isLeader(), true);
    assert.equal(a.terms.length, 2);
    assert.equal(a.terms[1]?.aborted, false);
    a.stop.abort();
    await a.running;
  });

  it('two replicas racing for a free lease: exactly one leads', async () => {
    const clock = new ManualClock(0);
    const store = new LeaseStore();
    const a = replica('a', store, clock);
    const b = replica('b', store, clock);
    await clock.advance(10_000);
    assert.equal([a, b].filter((r) => r.elector.isLeader()).length, 1);
    a.stop.abort();
    b.stop.abort();
    await Promise.all([a.running, b.running]);
  });

  it('a throwing onStartedLeading is contained and leadership goes on', async () => {
    const clock = new ManualClock(0);
    const store = new LeaseStore();
    const elector = new LeaderElector({
      lock: new FakeLock(store),
      identity: 'a',
      logger,
      clock,
      callbacks: {
        onStartedLeading: () => {
          throw new Error('bug');
        },
      },
    });
    const stop = new AbortController();
    const running = elector.run(stop.signal);
    await clock.advance(4000);
    assert.equal(elector.isLeader(), true);
    assert.equal(store.state?.record.renewTime, 4000);
    stop.abort();
    await running;
  });

  it('releases the lease even when its copy is one renewal behind the server (the reply was cut off)', async () => {
    const clock = new ManualClock(0);
    const store = new LeaseStore();
    const a = replica('a', store, clock);
    await settle();
    assert.equal(store.state?.record.holderIdentity, 'a');
    // A renewal the server saved but whose reply never arrived: same holder, newer resourceVersion.
    const state = store.state;
    store.write({ ...state.record, renewTime: clock.now() }, state.resourceVersion);
    a.stop.abort();
    await a.running;
    assert.equal(store.state.record.holderIdentity, '', 'released after re-reading the Lease');
  });

  it('without releaseOnCancel the lease is left to expire', async () => {
    const clock = new ManualClock(0);
    const store = new LeaseStore();
    const elector = new LeaderElector({
      lock: new FakeLock(store),
      identity: 'a',
      logger,
      clock,
      releaseOnCancel: false,
      callbacks: { onStartedLeading: () => undefined },
    });
    const stop = new AbortController();
    const running = elector.run(stop.signal);
    await settle();
    stop.abort();
    await running;
    assert.equal(store.state?.record.holderIdentity, 'a');
  });
});

describe('leaseLock over HTTP', () => {
  let server: RecordingServer;
  let client: KubeClient;

  before(async () => {
    server = await recordingServer((_req, res) => {
      json(res, 200, {});
    });
    client = KubeClient.load({ kubeconfig: writeKubeconfig(server.url), env: { HOME: '/nonexistent' } });
  });
  after(async () => {
    client.close();
    await server.close();
  });

  it('reads a missing lease as undefined', async () => {
    server.respond = (_req, res) => {
      json(res, 404, status(404, 'NotFound', 'leases "x" not found'));
    };
    const lock = leaseLock(client, 'ns', 'x');
    assert.equal(await lock.get(new AbortController().signal), undefined);
  });

  it('creates with POST and updates with PUT carrying the resourceVersion and foreign fields', async () => {
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'x', namespace: 'ns', resourceVersion: '5', labels: { team: 'mesh' } },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: '2030-01-01T00:00:00.000000Z' },
    };
    server.respond = (_req, res) => {
      json(res, 200, lease);
    };
    server.requests.length = 0;
    const lock = leaseLock(client, 'ns', 'x');
    const signal = new AbortController().signal;
    const record = {
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      renewTime: Date.UTC(2030, 0, 1),
      leaseTransitions: 0,
    };
    const created = await lock.create(record, signal);
    assert.equal(created.resourceVersion, '5');
    assert.equal(created.record.renewTime, Date.UTC(2030, 0, 1));
    await lock.update({ ...record, renewTime: Date.UTC(2030, 0, 1, 0, 0, 2) }, created, signal);
    const [post, put] = server.requests;
    assert.equal(post?.method, 'POST');
    assert.equal(post.url.pathname, '/apis/coordination.k8s.io/v1/namespaces/ns/leases');
    assert.equal(put?.method, 'PUT');
    assert.equal(put.url.pathname, '/apis/coordination.k8s.io/v1/namespaces/ns/leases/x');
    const body = JSON.parse(put.body) as {
      metadata: { resourceVersion: string; labels: unknown };
      spec: { renewTime: string };
    };
    assert.equal(body.metadata.resourceVersion, '5');
    assert.deepEqual(body.metadata.labels, { team: 'mesh' });
    assert.equal(body.spec.renewTime, '2030-01-01T00:00:02.000000Z');
  });
});
