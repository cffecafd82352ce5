// A keyed work queue with client-go's semantics (util/workqueue), and the worker loop that drains it.
//
// - A key waits in the queue at most once: adding a queued key again does nothing.
// - A key is handed to one worker at a time. Adding it while a worker holds it marks it dirty; it
//   goes back in the queue when that worker calls `done`, so the latest state is always reconciled
//   once more and never concurrently.
// - `addAfter` parks a key until a delay passes (the earliest requested time wins);
//   `addRateLimited` asks the rate limiter for that delay; `forget` clears the key's backoff.
//
// Unlike client-go, `shutdown()` stops handing out keys at once instead of draining what is queued:
// the queue is fed from informer caches, so on the next start every key is enqueued again anyway,
// and a replica that lost its lease must stop acting immediately.
import type { Logger } from '../observability/logger.ts';
import { systemClock, type Clock, type TimerHandle } from './clock.ts';
import type { CounterLike, GaugeLike, HistogramLike } from './metrics.ts';
import { defaultControllerRateLimiter, type RateLimiter } from './ratelimit.ts';

export interface WorkQueueMetrics {
  /** Keys added (after de-duplication), by `name`. */
  readonly adds?: CounterLike;
  /** Rate-limited re-adds, by `name`. */
  readonly retries?: CounterLike;
  /** Keys waiting to be handed out, by `name`. */
  readonly depth?: GaugeLike;
}

export interface WorkQueueOptions {
  /** Shown in logs and metric labels. */
  readonly name: string;
  /** Default: client-go's controller limiter (5 ms..1000 s per key, max with 10 qps / burst 100). */
  readonly rateLimiter?: RateLimiter;
  readonly clock?: Clock;
  readonly metrics?: WorkQueueMetrics;
}

export class WorkQueue {
  readonly name: string;
  readonly #rateLimiter: RateLimiter;
  readonly #clock: Clock;
  readonly #metrics: WorkQueueMetrics;
  /** FIFO of keys ready to be handed out; every key here is also in #dirty. */
  #queue: string[] = [];
  #head = 0;
  /** Keys that need processing (queued, or re-added while being processed). */
  readonly #dirty = new Set<string>();
  /** Keys a worker holds. */
  readonly #processing = new Set<string>();
  /** Keys parked by addAfter, with when they become ready. */
  readonly #waiting = new Map<string, { readonly at: number; readonly timer: TimerHandle }>();
  /** Workers blocked in get(). */
  #getters: ((key: string | undefined) => void)[] = [];
  /** Resolved when the last processing key is done, for shutdownWithDrain. */
  #drained: (() => void)[] = [];
  #shuttingDown = false;

  constructor(options: WorkQueueOptions) {
    this.name = options.name;
    this.#clock = options.clock ?? systemClock;
    this.#rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter(this.#clock);
    this.#metrics = options.metrics ?? {};
  }

  /** Keys ready to be handed out (not counting those being processed or parked). */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  /** Keys a worker currently holds. */
  get processing(): number {
    return this.#processing.size;
  }

  /** Keys parked by addAfter / addRateLimited. */
  get waiting(): number {
    return this.#waiting.size;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    this.#metrics.adds?.inc({ name: this.name });
    if (this.#processing.has(key)) return;
    this.#push(key);
  }

  /** Adds `key` once `delayMs` has passed; a key already parked keeps the earlier of the two times. */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    const at = this.#clock.now() + delayMs;
    const parked = this.#waiting.get(key);
    if (parked !== undefined) {
      if (parked.at <= at) return;
      parked.timer.cancel();
    }
    const timer = this.#clock.setTimer(() => {
      this.#waiting.delete(key);
      this.add(key);
    }, delayMs);
    this.#waiting.set(key, { at, timer });
  }

  /** Adds `key` after the rate limiter's delay for it (a retry). */
  addRateLimited(key: string): void {
    if (this.#shuttingDown) return;
    this.#metrics.retries?.inc({ name: this.name });
    this.addAfter(key, this.#rateLimiter.when(key));
  }

  /** Clears `key`'s retry history, so its next failure starts from the smallest backoff. */
  forget(key: string): void {
    this.#rateLimiter.forget(key);
  }

  /** Retries recorded for `key` since it was last forgotten. */
  retries(key: string): number {
    return this.#rateLimiter.retries(key);
  }

  /**
   * The next key to process, waiting for one if the queue is empty. Resolves `undefined` once the
   * queue shuts down. The caller must call `done(key)` when finished with it.
   */
  get(): Promise<string | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    const key = this.#pop();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Marks `key` finished; if it was re-added meanwhile it goes back in the queue now. */
  done(key: string): void {
    if (!this.#processing.delete(key)) return;
    if (this.#dirty.has(key) && !this.#shuttingDown) this.#push(key);
    if (this.#processing.size === 0) {
      const drained = this.#drained;
      this.#drained = [];
      for (const resolve of drained) resolve();
    }
  }

  /** Stops handing out keys and accepting new ones; parked keys are dropped. */
  shutdown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const parked of this.#waiting.values()) parked.timer.cancel();
    this.#waiting.clear();
    this.#queue = [];
    this.#head = 0;
    const getters = this.#getters;
    this.#getters = [];
    for (const resolve of getters) resolve(undefined);
    this.#updateDepth();
  }

  /** Shuts down, then waits until every key a worker holds is done. */
  async shutdownWithDrain(): Promise<void> {
    this.shutdown();
    if (this.#processing.size === 0) return;
    await new Promise<void>((resolve) => this.#drained.push(resolve));
  }

  #push(key: string): void {
    const getter = this.#getters.shift();
    if (getter !== undefined) {
      this.#hand(key);
      getter(key);
      return;
    }
    this.#queue.push(key);
    this.#updateDepth();
  }

  #pop(): string | undefined {
    if (this.#head >= this.#queue.length) return undefined;
    const key = this.#queue[this.#head]!;
    this.#head++;
    // Compact now and then so a long-lived queue does not keep every key it ever held.
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    this.#hand(key);
    this.#updateDepth();
    return key;
  }

  #hand(key: string): void {
    this.#processing.add(key);
    this.#dirty.delete(key);
  }

  #updateDepth(): void {
    this.#metrics.depth?.set({ name: this.name }, this.length);
  }
}

export interface ReconcileResult {
  /** Process the key again after the rate limiter's delay (as after an error, but not logged as one). */
  readonly requeue?: boolean;
  /** Process the key again after this many ms; the key's error backoff is reset. */
  readonly requeueAfterMs?: number;
}

/**
 * Brings the world in line with one key. Resolves with what to do next, or throws to be retried
 * with backoff. `signal` aborts when the controller stops (e.g. the lease was lost).
 */
export type Reconciler = (key: string, signal: AbortSignal) => Promise<ReconcileResult | undefined>;

export interface ControllerMetrics {
  /** Reconciles by `controller` and `result` (success, error, requeue, requeue_after). */
  readonly reconciles?: CounterLike;
  /** Reconcile duration in seconds, by `controller`. */
  readonly duration?: HistogramLike;
}

export interface RunWorkersOptions {
  readonly logger: Logger;
  /** Parallel workers; default 1. */
  readonly concurrency?: number;
  /** Aborting it shuts the queue down and aborts in-flight reconciles. */
  readonly signal?: AbortSignal;
  readonly metrics?: ControllerMetrics;
  readonly clock?: Clock;
}

/**
 * Runs `concurrency` workers that take keys from `queue` and reconcile them, until the queue shuts
 * down (or `signal` aborts). Resolves when every worker has finished its current key.
 *
 * Outcomes, as controller-runtime: success -> forget; `requeueAfterMs` -> forget and addAfter;
 * `requeue` or a thrown error -> addRateLimited (errors are logged). A key can therefore never spin:
 * every retry passes through the rate limiter.
 */
export async function runWorkers(
  queue: WorkQueue,
  reconcile: Reconciler,
  options: RunWorkersOptions,
): Promise<void> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`worker concurrency must be a positive integer, got ${concurrency}`);
  }
  const clock = options.clock ?? systemClock;
  const log = options.logger.child({ controller: queue.name });
  const stop = new AbortController();
  const onAbort = (): void => {
    stop.abort(options.signal?.reason);
    queue.shutdown();
  };
  if (options.signal?.aborted === true) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const labels = { controller: queue.name };

  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const started = clock.now();
      let result: 'success' | 'error' | 'requeue' | 'requeue_after' = 'success';
      try {
        const outcome = await reconcile(key, stop.signal);
        if (outcome?.requeueAfterMs !== undefined && outcome.requeueAfterMs > 0) {
          result = 'requeue_after';
          queue.forget(key);
          queue.addAfter(key, outcome.requeueAfterMs);
        } else if (outcome?.requeue === true || outcome?.requeueAfterMs !== undefined) {
          result = 'requeue';
          queue.addRateLimited(key);
        } else {
          queue.forget(key);
        }
      } catch (err) {
        result = 'error';
        if (stop.signal.aborted) {
          log.debug({ key, err }, 'reconcile aborted by shutdown');
        } else {
          log.error({ key, err, retries: queue.retries(key) }, 'reconcile failed; retrying with backoff');
          queue.addRateLimited(key);
        }
      } finally {
        queue.done(key);
        options.metrics?.reconciles?.inc({ ...labels, result });
        options.metrics?.duration?.observe(labels, (clock.now() - started) / 1000);
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
