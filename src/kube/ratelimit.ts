// Rate limiters with client-go's semantics (k8s.io/client-go/util/workqueue, golang.org/x/time/rate).
//
// A `RateLimiter` answers "how long should this key wait before its next retry". The controller
// default is the larger of a per-key exponential backoff (one broken object backs off alone) and
// an overall token bucket (a storm of failures cannot exceed a fixed retry rate).
import { sleep, systemClock, type Clock } from './clock.ts';

export interface RateLimiter {
  /** Records one more retry of `key` and returns how long it should wait, in ms. */
  when(key: string): number;
  /** Clears the history of `key` (it succeeded). */
  forget(key: string): void;
  /** Retries recorded for `key` since it was last forgotten. */
  retries(key: string): number;
}

export interface ExponentialOptions {
  /** Delay of the first retry; default 5 ms. */
  readonly baseMs?: number;
  /** Largest delay; default 1000 s. */
  readonly maxMs?: number;
}

/** Per-key backoff: base * 2^retries, capped. */
export class ItemExponentialLimiter implements RateLimiter {
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #failures = new Map<string, number>();

  constructor(options: ExponentialOptions = {}) {
    this.#baseMs = options.baseMs ?? 5;
    this.#maxMs = options.maxMs ?? 1_000_000;
    if (!(this.#baseMs > 0)) throw new Error(`baseMs must be > 0, got ${this.#baseMs}`);
    if (!(this.#maxMs >= this.#baseMs)) {
      throw new Error(`maxMs (${this.#maxMs}) must be >= baseMs (${this.#baseMs})`);
    }
  }

  when(key: string): number {
    const exp = this.#failures.get(key) ?? 0;
    this.#failures.set(key, exp + 1);
    return Math.min(this.#maxMs, this.#baseMs * 2 ** exp);
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  retries(key: string): number {
    return this.#failures.get(key) ?? 0;
  }
}

export interface TokenBucketOptions {
  /** Tokens added per second. */
  readonly qps: number;
  /** Bucket size: how many calls may go at once after a quiet period. */
  readonly burst: number;
  readonly clock?: Clock;
}

/**
 * A token bucket that hands out reservations: taking a token when none is left succeeds at once but
 * returns how long the caller must wait for it, so callers queue up in order (x/time/rate Reserve).
 */
export class TokenBucket {
  readonly #qps: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.qps > 0)) throw new Error(`qps must be > 0, got ${options.qps}`);
    if (!(options.burst >= 1)) throw new Error(`burst must be >= 1, got ${options.burst}`);
    this.#qps = options.qps;
    this.#burst = options.burst;
    this.#clock = options.clock ?? systemClock;
    this.#tokens = options.burst;
    this.#last = this.#clock.now();
  }

  /** Takes one token and returns the wait before it may be used (0 when one was available). */
  reserve(): number {
    this.#refill();
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#qps) * 1000;
  }

  /** Tokens available now (negative when reservations are queued). */
  available(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Reserves a token and waits for it. Resolves false if `signal` aborted first. */
  async take(signal?: AbortSignal): Promise<boolean> {
    const delay = this.reserve();
    if (delay <= 0) return signal?.aborted !== true;
    return sleep(this.#clock, delay, signal);
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsed = Math.max(0, now - this.#last);
    this.#last = now;
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed / 1000) * this.#qps);
  }
}

/** A token bucket as a RateLimiter: every key shares the one bucket; retries are not tracked. */
export class BucketLimiter implements RateLimiter {
  readonly #bucket: TokenBucket;

  constructor(bucket: TokenBucket) {
    this.#bucket = bucket;
  }

  when(_key: string): number {
    return this.#bucket.reserve();
  }

  forget(_key: string): void {
    // The bucket is shared; one key succeeding returns nothing to it.
  }

  retries(_key: string): number {
    return 0;
  }
}

/** The slowest of several limiters wins; every limiter records the retry. */
export class MaxOfLimiter implements RateLimiter {
  readonly #limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    if (limiters.length === 0) throw new Error('MaxOfLimiter needs at least one limiter');
    this.#limiters = limiters;
  }

  when(key: string): number {
    let delay = 0;
    for (const limiter of this.#limiters) delay = Math.max(delay, limiter.when(key));
    return delay;
  }

  forget(key: string): void {
    for (const limiter of this.#limiters) limiter.forget(key);
  }

  retries(key: string): number {
    let retries = 0;
    for (const limiter of this.#limiters) retries = Math.max(retries, limiter.retries(key));
    return retries;
  }
}

/**
 * client-go's DefaultControllerRateLimiter: per-key 5 ms doubling to 1000 s, and overall 10 retries
 * per second with a burst of 100.
 */
export function defaultControllerRateLimiter(clock: Clock = systemClock): RateLimiter {
  return new MaxOfLimiter(
    new ItemExponentialLimiter({ baseMs: 5, maxMs: 1_000_000 }),
    new BucketLimiter(new TokenBucket({ qps: 10, burst: 100, clock })),
  );
}
