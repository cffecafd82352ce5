// Exponential backoff with jitter, for loops that retry after failures (watch restarts, lease
// acquisition, conflict retries). Jitter keeps replicas that failed together from retrying together.

export interface BackoffOptions {
  /** First delay. */
  readonly initialMs: number;
  /** Largest delay before jitter. */
  readonly maxMs: number;
  /** Growth per failure; default 2. */
  readonly factor?: number;
  /** Up to this fraction of the delay is added at random; default 0.1 (client-go's wait.Jitter style). */
  readonly jitter?: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  readonly random?: () => number;
}

export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #failures = 0;

  constructor(options: BackoffOptions) {
    const factor = options.factor ?? 2;
    const jitter = options.jitter ?? 0.1;
    if (!(options.initialMs > 0)) throw new Error(`backoff initialMs must be > 0, got ${options.initialMs}`);
    if (!(options.maxMs >= options.initialMs)) {
      throw new Error(`backoff maxMs (${options.maxMs}) must be >= initialMs (${options.initialMs})`);
    }
    if (!(factor >= 1)) throw new Error(`backoff factor must be >= 1, got ${factor}`);
    if (!(jitter >= 0)) throw new Error(`backoff jitter must be >= 0, got ${jitter}`);
    this.#initialMs = options.initialMs;
    this.#maxMs = options.maxMs;
    this.#factor = factor;
    this.#jitter = jitter;
    this.#random = options.random ?? Math.random;
  }

  /** Failures seen since the last reset. */
  get failures(): number {
    return this.#failures;
  }

  /** The delay to wait after one more failure. */
  next(): number {
    const base = Math.min(this.#maxMs, this.#initialMs * this.#factor ** this.#failures);
    this.#failures++;
    return base + base * this.#jitter * this.#random();
  }

  reset(): void {
    this.#failures = 0;
  }
}
