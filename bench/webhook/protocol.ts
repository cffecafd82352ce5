// Messages between bench/webhook.ts and its two children (the server and the load generator), over the IPC
// channel of child_process.fork. Kept in one place so the three scripts agree on them.

export type ServerRequest = { readonly type: 'usage' } | { readonly type: 'stop' };

export type ServerMessage =
  | { readonly type: 'ready'; readonly port: number; readonly caPem: string }
  | {
      readonly type: 'usage';
      /** user + system CPU time of the server process since it started. */
      readonly cpuMicros: number;
      readonly rssBytes: number;
      readonly maxRssBytes: number;
      readonly heapUsedBytes: number;
      /** Since the previous usage message: garbage collection pauses and event loop delay, in ms. */
      readonly gcPauseMsTotal: number;
      readonly gcPauseMsMax: number;
      readonly eventLoopDelayMsP99: number;
      readonly eventLoopDelayMsMax: number;
    };

/** One load phase. `paced`: open loop at `rate` reviews/s; `autocannon`: autocannon, closed loop unless `rate`. */
export interface LoadPlan {
  readonly tool: 'paced' | 'autocannon';
  /** `replicas`: the same pod every time (a ReplicaSet scaling up: the injector's result cache answers);
   * `distinct`: every pod differs (a label the template prints is unique per request: nothing is cached). */
  readonly stream: 'replicas' | 'distinct';
  readonly url: string;
  readonly caPem: string;
  readonly body: string;
  /** The request uid every reply must carry. */
  readonly uid: string;
  readonly seconds: number;
  /** Offered reviews/s; 0 = as fast as the connections allow (autocannon only). */
  readonly rate: number;
  readonly connections: number;
}

/** What one phase measured, from the client's side. */
export interface LoadReport {
  readonly tool: LoadPlan['tool'];
  readonly stream: LoadPlan['stream'];
  readonly offeredRate: number;
  readonly connections: number;
  readonly seconds: number;
  /** Requests sent and responses received in the measured window. */
  readonly sent: number;
  readonly completed: number;
  /** Responses that were a 200 with an allowed AdmissionReview for our uid, carrying a JSONPatch. */
  readonly verified: number;
  readonly non200: number;
  readonly badReviews: number;
  /** Socket errors and timeouts. */
  readonly errors: number;
  /** The first few problems, verbatim, for the report. */
  readonly problems: readonly string[];
  readonly achievedRate: number;
  /** Latency in ms: for `paced`, from the moment the request was due (queueing included), sub-millisecond. */
  readonly latencyMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly p999: number;
    readonly max: number;
    readonly mean: number;
  };
  /** CPU time of the load generator per completed request: what the server's neighbour took from the machine. */
  readonly clientCpuMicrosPerRequest: number;
  /** autocannon's own latency histogram (whole milliseconds), when it ran. */
  readonly autocannonLatencyMs?: { readonly p50: number; readonly p99: number; readonly p999: number };
}

export type LoadMessage =
  | { readonly type: 'report'; readonly report: LoadReport }
  | { readonly type: 'error'; readonly message: string };
