// The part of autocannon 9's programmatic API the webhook benchmark uses (the package ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';
  import type { ConnectionOptions } from 'node:tls';

  interface Histogram {
    readonly average: number;
    readonly mean: number;
    readonly min: number;
    readonly max: number;
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly p99_9: number;
    readonly total: number;
    readonly sent: number;
  }

  interface Result {
    readonly latency: Histogram;
    readonly requests: Histogram;
    readonly errors: number;
    readonly timeouts: number;
    readonly mismatches: number;
    readonly non2xx: number;
    readonly duration: number;
  }

  export interface RequestSpec {
    readonly method?: string;
    readonly path?: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
    readonly onResponse?: (status: number, body: string) => void;
    /** Called before each request; returns the request to send. */
    readonly setupRequest?: (request: RequestSpec) => RequestSpec;
  }

  interface Options {
    readonly url: string;
    readonly connections?: number;
    readonly pipelining?: number;
    /** Seconds. */
    readonly duration?: number;
    readonly overallRate?: number;
    /** Seconds. */
    readonly timeout?: number;
    readonly requests?: readonly RequestSpec[];
    readonly tlsOptions?: ConnectionOptions;
  }

  interface Instance extends EventEmitter, PromiseLike<Result> {
    stop(): void;
  }

  function autocannon(options: Options): Instance;
  export default autocannon;
}
