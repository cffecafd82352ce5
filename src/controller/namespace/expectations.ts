// What the reconciler has just written but its caches may not show yet.
//
// Decisions come from cluster state, read through informer caches; a cache lags the API server by a watch event.
// Right after restarting a workload, the next reconcile (triggered by that very write) could still see the old
// object: it would count one restart fewer against the budget and could pick the same workload again. The patch
// itself is guarded by the cached resourceVersion, so a stale cache can never restart a workload twice; these
// expectations keep the *budget* honest in that window. They hold nothing that matters after a restart of the
// operator: a fresh cache has no lag to bridge.
import type { WorkloadView } from './workload.ts';

interface RestartExpectation {
  readonly cause: string;
  readonly at: string;
  readonly expiresAt: number;
}

/** How long an expectation is trusted without the cache confirming it; a lost watch event cannot pin it. */
const defaultTtlMs = 60_000;

export function workloadKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export class RestartExpectations {
  readonly #restarts = new Map<string, RestartExpectation>();
  readonly #deletions = new Map<string, number>();
  readonly #ttlMs: number;

  constructor(ttlMs = defaultTtlMs) {
    this.#ttlMs = ttlMs;
  }

  /** Records a restart written for workload `key` (see workloadKey). */
  expectRestart(key: string, cause: string, at: string, now: number): void {
    this.#restarts.set(key, { cause, at, expiresAt: now + this.#ttlMs });
  }

  /** Records that the pod with `uid` was deleted (and forgets deletions old enough to be out of every cache). */
  expectDeletion(uid: string, now: number): void {
    for (const [old, until] of this.#deletions) if (until <= now) this.#deletions.delete(old);
    this.#deletions.set(uid, now + this.#ttlMs);
  }

  /** Drops an expectation whose write failed. */
  forgetRestart(key: string): void {
    this.#restarts.delete(key);
  }

  forgetDeletion(uid: string): void {
    this.#deletions.delete(uid);
  }

  /**
   * The workload as it is after our write: the cached view if it already shows the restart (the expectation is
   * then dropped), else the view with our annotations and a generation the controller has not observed yet.
   */
  overlay(key: string, view: WorkloadView, now: number): WorkloadView {
    const expected = this.#restarts.get(key);
    if (expected === undefined) return view;
    if (view.restartedAt === expected.at || expected.expiresAt <= now) {
      this.#restarts.delete(key);
      return view;
    }
    return {
      ...view,
      restartedFor: expected.cause,
      restartedAt: expected.at,
      generation: Math.max(view.generation, view.status.observedGeneration) + 1,
    };
  }

  /** Keys of restarts not yet seen in the caches (for counting rollouts cluster-wide). */
  pendingRestarts(now: number): string[] {
    const keys: string[] = [];
    for (const [key, expected] of this.#restarts) {
      if (expected.expiresAt <= now) this.#restarts.delete(key);
      else keys.push(key);
    }
    return keys;
  }

  /** The cause and time of a restart not yet seen in the caches, if any. */
  pendingRestart(key: string, now: number): { cause: string; at: string } | undefined {
    const expected = this.#restarts.get(key);
    if (expected === undefined || expected.expiresAt <= now) return undefined;
    return { cause: expected.cause, at: expected.at };
  }

  /** Whether a pod the cache still shows was deleted by us moments ago. */
  isDeleted(uid: string, now: number): boolean {
    const until = this.#deletions.get(uid);
    if (until === undefined) return false;
    if (until <= now) {
      this.#deletions.delete(uid);
      return false;
    }
    return true;
  }

  /** Deletions still remembered (for tests of the sweep). */
  trackedDeletions(): number {
    return this.#deletions.size;
  }
}
