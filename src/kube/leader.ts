// Leader election on a coordination.k8s.io/v1 Lease (client-go's tools/leaderelection).
//
// One replica holds the Lease and renews it every retry period. Others poll it; they take it over
// only when its record has not changed for a whole lease duration *by their own clock* (the time
// they first saw the current record), so clock skew between nodes cannot shorten a lease.
// Writes use the Lease's resourceVersion: of two replicas racing for an expired lease one gets a
// 409 and tries again at its next poll.
//
// The leader stops leading AT ONCE when it has not renewed for `renewDeadline`: the signal given to
// onStartedLeading aborts on a timer, even while a renew request is still in flight. Because
// renewDeadline < leaseDuration, the old leader has stopped before anyone else may start.
// On a clean shutdown the leader first stops its work, then releases the Lease (empty holder, 1 s
// duration) so another replica takes over at its next poll instead of after a full lease duration.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { isJsonObject, type JsonObject } from '../inject/types.ts';
import type { Logger } from '../observability/logger.ts';
import { sleep, systemClock, type Clock } from './clock.ts';
import {
  isAbortError,
  isAlreadyExists,
  isConflict,
  isNotFound,
  resourcePath,
  type KubeRequester,
} from './client.ts';

export interface LeaderElectionRecord {
  /** '' when released. */
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  /** Epoch ms. */
  readonly acquireTime?: number;
  /** Epoch ms. */
  readonly renewTime?: number;
  readonly leaseTransitions: number;
}

export interface LeaseState {
  readonly record: LeaderElectionRecord;
  readonly resourceVersion: string;
  /** The whole object as read, so an update keeps fields this code does not manage. */
  readonly object?: JsonObject;
}

/** Storage of the election record; `leaseLock` is the real one, tests use an in-memory fake. */
export interface LeaseLock {
  /** `namespace/name`, for logs. */
  readonly description: string;
  get(signal: AbortSignal): Promise<LeaseState | undefined>;
  /** Throws AlreadyExists if someone created it first. */
  create(record: LeaderElectionRecord, signal: AbortSignal): Promise<LeaseState>;
  /** Throws Conflict if the lease changed since `previous` was read. */
  update(record: LeaderElectionRecord, previous: LeaseState, signal: AbortSignal): Promise<LeaseState>;
}

/** Lease times are MicroTime: RFC 3339 with exactly six fractional digits. */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function recordFromLease(lease: JsonObject): LeaderElectionRecord {
  const spec = isJsonObject(lease.spec) ? lease.spec : {};
  const acquireTime = parseTime(spec.acquireTime);
  const renewTime = parseTime(spec.renewTime);
  return {
    holderIdentity: typeof spec.holderIdentity === 'string' ? spec.holderIdentity : '',
    leaseDurationSeconds: typeof spec.leaseDurationSeconds === 'number' ? spec.leaseDurationSeconds : 0,
    leaseTransitions: typeof spec.leaseTransitions === 'number' ? spec.leaseTransitions : 0,
    ...(acquireTime === undefined ? {} : { acquireTime }),
    ...(renewTime === undefined ? {} : { renewTime }),
  };
}

export function leaseSpec(record: LeaderElectionRecord): JsonObject {
  const spec: JsonObject = {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    leaseTransitions: record.leaseTransitions,
  };
  if (record.acquireTime !== undefined) spec.acquireTime = formatMicroTime(record.acquireTime);
  if (record.renewTime !== undefined) spec.renewTime = formatMicroTime(record.renewTime);
  return spec;
}

function stateOf(lease: JsonObject): LeaseState {
  const metadata = isJsonObject(lease.metadata) ? lease.metadata : {};
  const resourceVersion = typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : '';
  return { record: recordFromLease(lease), resourceVersion, object: lease };
}

/** A LeaseLock on the Lease `namespace/name`, through plain JSON requests. */
export function leaseLock(client: KubeRequester, namespace: string, name: string): LeaseLock {
  const collection = resourcePath({ apiVersion: 'coordination.k8s.io/v1', resource: 'leases', namespace });
  const item = resourcePath({ apiVersion: 'coordination.k8s.io/v1', resource: 'leases', namespace, name });
  return {
    description: `${namespace}/${name}`,
    async get(signal) {
      try {
        return stateOf(await client.request({ path: item, signal }));
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async create(record, signal) {
      const body: JsonObject = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec: leaseSpec(record),
      };
      return stateOf(await client.request({ method: 'POST', path: collection, body, signal }));
    },
    async update(record, previous, signal) {
      const base = previous.object ?? { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' };
      const oldMeta = isJsonObject(base.metadata) ? base.metadata : {};
      const body: JsonObject = {
        ...base,
        metadata: { ...oldMeta, name, namespace, resourceVersion: previous.resourceVersion },
        spec: leaseSpec(record),
      };
      return stateOf(await client.request({ method: 'PUT', path: item, body, signal }));
    },
  };
}

export interface LeaderTiming {
  /** How long a lease stays valid without renewal; default 15 s. */
  readonly leaseDurationMs?: number;
  /** How long the leader keeps leading without a successful renewal; default 10 s. */
  readonly renewDeadlineMs?: number;
  /** Interval between attempts to acquire or renew; default 2 s. */
  readonly retryPeriodMs?: number;
}

/** client-go's jitter factor for acquisition polls; the renew deadline must leave room for it. */
const jitterFactor = 1.2;

/** Checks leaseDuration > renewDeadline > retryPeriod * 1.2 > 0 (client-go's rules); returns the values. */
export function validateLeaderTiming(timing: LeaderTiming = {}): Required<LeaderTiming> {
  const leaseDurationMs = timing.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = timing.renewDeadlineMs ?? 10_000;
  const retryPeriodMs = timing.retryPeriodMs ?? 2_000;
  if (!(retryPeriodMs > 0))
    throw new Error(`leader election: retryPeriod must be > 0, got ${retryPeriodMs} ms`);
  if (!(leaseDurationMs >= 1000) || leaseDurationMs % 1000 !== 0) {
    throw new Error(`leader election: leaseDuration must be whole seconds >= 1 s, got ${leaseDurationMs} ms`);
  }
  if (!(leaseDurationMs > renewDeadlineMs)) {
    throw new Error(
      `leader election: leaseDuration (${leaseDurationMs} ms) must be greater than renewDeadline (${renewDeadlineMs} ms)`,
    );
  }
  if (!(renewDeadlineMs > retryPeriodMs * jitterFactor)) {
    throw new Error(
      `leader election: renewDeadline (${renewDeadlineMs} ms) must be greater than retryPeriod*${jitterFactor} ` +
        `(${retryPeriodMs * jitterFactor} ms)`,
    );
  }
  return { leaseDurationMs, renewDeadlineMs, retryPeriodMs };
}

/** `<pod name or host name>_<random>`: unique even when a pod restarts with the same name. */
export function defaultIdentity(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.POD_NAME !== undefined && env.POD_NAME !== '' ? env.POD_NAME : hostname();
  return `${base}_${randomBytes(5).toString('hex')}`;
}

export interface LeaderCallbacks {
  /** Start leader-only work; stop it when `signal` aborts. May return a promise that ends with the work. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once leading has stopped (lease lost, or shutdown). */
  onStoppedLeading?(): void;
  /** Called when the observed leader changes (also when it becomes this replica). */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectorOptions extends LeaderTiming {
  readonly lock: LeaseLock;
  /** Unique per replica; default defaultIdentity(). */
  readonly identity?: string;
  readonly callbacks: LeaderCallbacks;
  readonly logger: Logger;
  /** Release the lease on a clean shutdown; default true. */
  readonly releaseOnCancel?: boolean;
  readonly clock?: Clock;
  readonly random?: () => number;
}

type Attempt = 'leading' | 'held-by-other' | 'failed';

export class LeaderElector {
  readonly identity: string;
  readonly #lock: LeaseLock;
  readonly #timing: Required<LeaderTiming>;
  readonly #callbacks: LeaderCallbacks;
  readonly #log: Logger;
  readonly #release: boolean;
  readonly #clock: Clock;
  readonly #random: () => number;
  #observed: LeaseState | undefined;
  /** Local time at which #observed's record was first seen. */
  #observedAt = 0;
  #reportedLeader = '';
  #leading = false;

  constructor(options: LeaderElectorOptions) {
    this.#timing = validateLeaderTiming(options);
    this.identity = options.identity ?? defaultIdentity();
    if (this.identity === '') throw new Error('leader election: identity must not be empty');
    this.#lock = options.lock;
    this.#callbacks = options.callbacks;
    this.#log = options.logger.child({ lease: options.lock.description, identity: this.identity });
    this.#release = options.releaseOnCancel ?? true;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
  }

  isLeader(): boolean {
    return this.#leading;
  }

  /** The holder last seen on the lease ('' if none). */
  leader(): string {
    return this.#observed?.record.holderIdentity ?? '';
  }

  /**
   * Campaigns until `signal` aborts: acquire, lead while renewals succeed, and after losing the
   * lease go back to campaigning. Resolves after the final release.
   */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (!(await this.#acquire(signal))) break;
      await this.#lead(signal);
    }
  }

  async #acquire(signal: AbortSignal): Promise<boolean> {
    this.#log.info('campaigning for leadership');
    for (;;) {
      if (signal.aborted) return false;
      if ((await this.#tryAcquireOrRenew(signal)) === 'leading') return true;
      const wait = this.#timing.retryPeriodMs * (1 + this.#random() * jitterFactor);
      if (!(await sleep(this.#clock, wait, signal))) return false;
    }
  }

  async #lead(signal: AbortSignal): Promise<void> {
    const term = new AbortController();
    const lost = new AbortController();
    const stopLeading = (): void => {
      if (term.signal.aborted) return;
      term.abort();
      this.#leading = false;
      this.#guard('onStoppedLeading', () => this.#callbacks.onStoppedLeading?.());
    };
    let deadline = this.#clock.setTimer(() => {
      lost.abort();
      stopLeading();
    }, this.#timing.renewDeadlineMs);

    this.#leading = true;
    this.#log.info('started leading');
    let work: Promise<void> = Promise.resolve();
    try {
      const started = this.#callbacks.onStartedLeading(term.signal);
      if (started instanceof Promise) work = started;
    } catch (err) {
      this.#log.error({ err }, 'onStartedLeading threw');
    }
    work = work.catch((err: unknown) => {
      this.#log.error({ err }, 'leader work failed');
    });

    const stop = AbortSignal.any([signal, lost.signal]);
    while (!stop.aborted) {
      if (!(await sleep(this.#clock, this.#timing.retryPeriodMs, stop))) break;
      const attemptStarted = this.#clock.now();
      const result = await this.#tryAcquireOrRenew(stop);
      if (result === 'leading') {
        deadline.cancel();
        const remaining = attemptStarted + this.#timing.renewDeadlineMs - this.#clock.now();
        deadline = this.#clock.setTimer(() => {
          lost.abort();
          stopLeading();
        }, remaining);
      } else if (result === 'held-by-other') {
        lost.abort();
      }
    }
    deadline.cancel();
    const clean = signal.aborted && !lost.signal.aborted;
    if (!clean) this.#log.warn('lost the lease; stopped leading');
    stopLeading();
    if (clean) {
      // Let the leader-only work finish before another replica may start it, then hand over.
      await Promise.race([work, sleep(this.#clock, this.#timing.renewDeadlineMs)]);
      if (this.#release) await this.#releaseLease();
    }
  }

  async #tryAcquireOrRenew(signal: AbortSignal): Promise<Attempt> {
    const now = this.#clock.now();
    const mine: LeaderElectionRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: this.#timing.leaseDurationMs / 1000,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    };
    try {
      const current = await this.#lock.get(signal);
      if (current === undefined) {
        this.#observe(await this.#lock.create(mine, signal), this.#clock.now());
        return 'leading';
      }
      this.#observe(current, now);
      const { record } = current;
      const expiresAt = this.#observedAt + record.leaseDurationSeconds * 1000;
      if (record.holderIdentity !== '' && record.holderIdentity !== this.identity && expiresAt > now) {
        return 'held-by-other';
      }
      const renewing = record.holderIdentity === this.identity;
      const next: LeaderElectionRecord = renewing
        ? { ...mine, acquireTime: record.acquireTime ?? now, leaseTransitions: record.leaseTransitions }
        : { ...mine, leaseTransitions: record.leaseTransitions + 1 };
      this.#observe(await this.#lock.update(next, current, signal), this.#clock.now());
      return 'leading';
    } catch (err) {
      if (isAbortError(err) || signal.aborted) return 'failed';
      if (isConflict(err) || isAlreadyExists(err)) {
        this.#log.debug({ err }, 'lease changed under us; will retry');
      } else {
        this.#log.warn({ err }, 'cannot read or write the lease');
      }
      return 'failed';
    }
  }

  #observe(state: LeaseState, now: number): void {
    const before = this.#observed?.record;
    const after = state.record;
    if (before?.holderIdentity !== after.holderIdentity || before.renewTime !== after.renewTime) {
      this.#observedAt = now;
    }
    this.#observed = state;
    if (after.holderIdentity !== '' && after.holderIdentity !== this.#reportedLeader) {
      this.#reportedLeader = after.holderIdentity;
      this.#log.info({ leader: after.holderIdentity }, 'new leader observed');
      this.#guard('onNewLeader', () => this.#callbacks.onNewLeader?.(after.holderIdentity));
    }
  }

  async #releaseLease(): Promise<void> {
    const observed = this.#observed;
    if (observed?.record.holderIdentity !== this.identity) return;
    const now = this.#clock.now();
    const released: LeaderElectionRecord = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: observed.record.leaseTransitions,
    };
    const signal = AbortSignal.timeout(5000);
    try {
      this.#observe(await this.#lock.update(released, observed, signal), now);
      this.#log.info('released the lease');
      return;
    } catch (err) {
      // A renewal the server saved but whose reply shutdown cut off leaves our copy one version behind: read the
      // Lease again and release it if it is still ours.
      if (!isConflict(err)) {
        this.#log.warn({ err }, 'could not release the lease; others take over when it expires');
        return;
      }
    }
    try {
      const current = await this.#lock.get(signal);
      if (current?.record.holderIdentity !== this.identity) return;
      this.#observe(await this.#lock.update(released, current, signal), now);
      this.#log.info('released the lease (after re-reading it)');
    } catch (err) {
      this.#log.warn({ err }, 'could not release the lease; others take over when it expires');
    }
  }

  #guard(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error({ err }, `${name} threw`);
    }
  }
}
