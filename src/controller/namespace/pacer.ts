// How often one namespace is analysed while its events pour in.
//
// Every pod, workload or MeshInjection change queues its namespace, and each reconcile re-reads the whole
// namespace from the caches. During a burst (a Deployment scaled to hundreds of pods, a rollout of every workload)
// reconciling on each event would cost O(pods) per event, O(pods²) per burst, on the event loop that also answers
// the webhook. The reconcile is level-based, so nothing is lost by looking less often: an event that arrives within
// the interval after a reconcile started parks the namespace until the interval is over (the work queue keeps one
// parked entry per key, however many events arrive), and that later reconcile sees the state the burst left.
// An event after a quiet spell is reconciled at once, so a lone change pays no delay.
//
// The interval grows with what the namespace's analysis costs (`costFactor` times its synchronous time), which
// bounds the share of a core one busy namespace can take to about 1/costFactor whatever its size.

export interface ReconcilePacerOptions {
  /** Least time between the starts of two reconciles of one namespace while events keep coming. */
  readonly minIntervalMs: number;
  /** The interval is at least this many times the namespace's last analysis time; default 20. */
  readonly costFactor?: number;
  /** Upper bound of the cost-based interval; default 10 s. */
  readonly maxIntervalMs?: number;
}

interface LastReconcile {
  readonly startedAt: number;
  readonly busyMs: number;
}

export class ReconcilePacer {
  readonly #minMs: number;
  readonly #factor: number;
  readonly #maxMs: number;
  readonly #last = new Map<string, LastReconcile>();

  constructor(options: ReconcilePacerOptions) {
    this.#minMs = options.minIntervalMs;
    this.#factor = options.costFactor ?? 20;
    this.#maxMs = Math.max(options.maxIntervalMs ?? 10_000, this.#minMs);
    if (!(this.#minMs >= 0)) throw new Error(`minimum reconcile interval must be >= 0, got ${this.#minMs}`);
    if (!(this.#factor >= 0)) throw new Error(`reconcile cost factor must be >= 0, got ${this.#factor}`);
  }

  /** Records that a reconcile of `key` started at `now`; `busyMs` is what its analysis took, once known. */
  started(key: string, now: number): void {
    this.#last.set(key, { startedAt: now, busyMs: this.#last.get(key)?.busyMs ?? 0 });
  }

  /** Records the synchronous time the latest analysis of `key` took. */
  measured(key: string, busyMs: number): void {
    const last = this.#last.get(key);
    if (last !== undefined) this.#last.set(key, { startedAt: last.startedAt, busyMs });
  }

  /** The interval `key` is held to now. */
  intervalMs(key: string): number {
    const busyMs = this.#last.get(key)?.busyMs ?? 0;
    return Math.max(this.#minMs, Math.min(this.#maxMs, this.#factor * busyMs));
  }

  /** How long a change of `key` seen at `now` should wait before its reconcile; 0 means at once. */
  delayMs(key: string, now: number): number {
    const last = this.#last.get(key);
    if (last === undefined) return 0;
    return Math.max(0, last.startedAt + this.intervalMs(key) - now);
  }

  forget(key: string): void {
    this.#last.delete(key);
  }

  /** Namespaces remembered (for tests). */
  get size(): number {
    return this.#last.size;
  }
}
