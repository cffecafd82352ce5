// The project's one Kubernetes Event recorder (client-go's record.EventRecorder, reduced to what the
// operator needs). Controllers call `record(...)` and go on: it never throws, never waits for the API
// server, and never lets a flood of events become a flood of writes:
// - identical events (same object, type, reason and message) within the aggregation window bump the
//   count and lastTimestamp of the first one instead of creating another object (what `kubectl describe`
//   shows as "(x12 over 5m)");
// - each object has its own token bucket (client-go's spam filter: 25 at once, then one per 5 minutes),
//   so one object in a hot loop cannot crowd out the events of others; what exceeds it is dropped and
//   counted;
// - writes happen one at a time in the background, with a bounded backlog, paced by the recorder's own
//   write budget (20/s, burst 50 by default). Given a KubeClient, the recorder sends through a client of
//   its own on the same credentials, as controller-runtime's recorder does: the shared client's rate
//   limiter then belongs to the work that matters (restarts, status, leases), and a flood of events can
//   neither use it up nor queue in front of that work.
// Events are core/v1 (what `kubectl describe` and `kubectl get events` read), with the reporting
// component set; the API server serves them as events.k8s.io/v1 as well. Events about cluster-scoped
// objects go to the `default` namespace, as client-go does.
import { hostname } from 'node:os';
import { isJsonObject, type JsonObject } from '../inject/types.ts';
import type { Logger } from '../observability/logger.ts';
import { systemClock, type Clock } from './clock.ts';
import { isNotFound, KubeClient, resourcePath, type KubeRequester } from './client.ts';
import type { CounterLike } from './metrics.ts';
import { mergePatch } from './patch.ts';
import { TokenBucket } from './ratelimit.ts';

/** The object an event is about. */
export interface ObjectReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** Absent for cluster-scoped objects. */
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
}

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  /**
   * Records that `reason` happened to `regarding`. `reason` is short UpperCamelCase (`CertificateRotated`),
   * `message` says what and why for a person. Returns at once; failures are logged, never thrown.
   */
  record(regarding: ObjectReference, type: EventType, reason: string, message: string): void;
}

/** A recorder that records nothing (tests, commands that run without a cluster). */
export const discardEvents: EventRecorder = {
  record() {
    // Nothing to do by design.
  },
};

/** The reference to an object as the API returns it (apiVersion, kind, metadata). */
export function referenceTo(object: JsonObject): ObjectReference {
  const metadata = isJsonObject(object.metadata) ? object.metadata : {};
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' && value !== '' ? value : undefined;
  const namespace = text(metadata.namespace);
  const uid = text(metadata.uid);
  const resourceVersion = text(metadata.resourceVersion);
  return {
    apiVersion: text(object.apiVersion) ?? '',
    kind: text(object.kind) ?? '',
    name: text(metadata.name) ?? '',
    ...(namespace === undefined ? {} : { namespace }),
    ...(uid === undefined ? {} : { uid }),
    ...(resourceVersion === undefined ? {} : { resourceVersion }),
  };
}

export interface EventRecorderMetrics {
  /** Events not written, by `reason`: `rate_limited`, `backlog_full`. */
  readonly dropped?: CounterLike;
  /** Writes that failed, by `operation`: `create`, `update`. */
  readonly failed?: CounterLike;
}

export interface KubeEventRecorderOptions {
  readonly client: KubeRequester;
  readonly logger: Logger;
  /** reportingComponent and source.component; default `mesh-injector`. */
  readonly component?: string;
  /** reportingInstance and source.host; default the host name (the pod name in a cluster). */
  readonly instance?: string;
  /** Events one object may get in a burst; default 25. */
  readonly burstPerObject?: number;
  /** After a burst, one more event per object per this many ms; default 5 minutes. */
  readonly refillIntervalMs?: number;
  /** Identical events this close together are aggregated into one; default 10 minutes. */
  readonly aggregationWindowMs?: number;
  /** Objects and events remembered for rate limits and aggregation; default 4096. */
  readonly maxTracked?: number;
  /** Writes waiting to be sent before new events are dropped; default 1000. */
  readonly maxBacklog?: number;
  /** Event writes per second, across all objects (the recorder's own budget); default 20. */
  readonly writesPerSecond?: number;
  /** Event writes allowed at once after a quiet period; default 50. */
  readonly writeBurst?: number;
  readonly metrics?: EventRecorderMetrics;
  readonly clock?: Clock;
}

/** Longest message kept; longer ones are cut (events.k8s.io caps its note at 1 kB). */
const maxMessageLength = 1024;

interface Seen {
  readonly namespace: string;
  readonly name: string;
  count: number;
  lastAt: number;
}

interface PendingEvent {
  readonly key: string;
  readonly regarding: ObjectReference;
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
  readonly at: number;
}

export class KubeEventRecorder implements EventRecorder {
  readonly #client: KubeRequester;
  readonly #log: Logger;
  readonly #component: string;
  readonly #instance: string;
  readonly #burst: number;
  readonly #refillQps: number;
  readonly #windowMs: number;
  readonly #maxTracked: number;
  readonly #maxBacklog: number;
  readonly #metrics: EventRecorderMetrics;
  readonly #clock: Clock;
  /** The recorder's own write budget, so events cost the API server a bounded rate whatever happens. */
  readonly #writeBudget: TokenBucket;
  /** Per-object spam filter, oldest first (Map order) so the least recently used is evicted. */
  readonly #buckets = new Map<string, TokenBucket>();
  /** Events written recently, by identity, for aggregation. */
  readonly #seen = new Map<string, Seen>();
  #backlog = 0;
  #tail: Promise<void> = Promise.resolve();
  #sequence = 0;

  constructor(options: KubeEventRecorderOptions) {
    const writesPerSecond = options.writesPerSecond ?? 20;
    const writeBurst = options.writeBurst ?? 50;
    if (!(writesPerSecond > 0))
      throw new Error(`event recorder: writesPerSecond must be > 0, got ${writesPerSecond}`);
    if (!(writeBurst >= 1)) throw new Error(`event recorder: writeBurst must be >= 1, got ${writeBurst}`);
    this.#client =
      options.client instanceof KubeClient
        ? new KubeClient(options.client.kubeConfig, {
            // Never stricter than the recorder's own budget, which therefore alone decides the pace.
            qps: writesPerSecond,
            burst: writeBurst,
            userAgent: options.client.userAgent,
          })
        : options.client;
    this.#log = options.logger.child({ component: 'events' });
    this.#component = options.component ?? 'mesh-injector';
    this.#instance = options.instance ?? hostname();
    this.#burst = options.burstPerObject ?? 25;
    const refillMs = options.refillIntervalMs ?? 5 * 60_000;
    this.#windowMs = options.aggregationWindowMs ?? 10 * 60_000;
    this.#maxTracked = options.maxTracked ?? 4096;
    this.#maxBacklog = options.maxBacklog ?? 1000;
    this.#metrics = options.metrics ?? {};
    this.#clock = options.clock ?? systemClock;
    this.#writeBudget = new TokenBucket({ qps: writesPerSecond, burst: writeBurst, clock: this.#clock });
    if (!(this.#burst >= 1))
      throw new Error(`event recorder: burstPerObject must be >= 1, got ${this.#burst}`);
    if (!(refillMs > 0)) throw new Error(`event recorder: refillIntervalMs must be > 0, got ${refillMs}`);
    if (!(this.#maxTracked >= 1)) throw new Error(`event recorder: maxTracked must be >= 1`);
    this.#refillQps = 1000 / refillMs;
  }

  record(regarding: ObjectReference, type: EventType, reason: string, message: string): void {
    try {
      if (regarding.name === '' || regarding.kind === '') {
        this.#log.warn({ regarding, reason }, 'event about an object without kind or name; not recorded');
        return;
      }
      const objectKey = [
        regarding.apiVersion,
        regarding.kind,
        regarding.namespace ?? '',
        regarding.name,
      ].join('/');
      if (!this.#allow(objectKey)) {
        this.#metrics.dropped?.inc({ reason: 'rate_limited' });
        this.#log.debug({ regarding: objectKey, reason }, 'event dropped: too many for this object');
        return;
      }
      if (this.#backlog >= this.#maxBacklog) {
        this.#metrics.dropped?.inc({ reason: 'backlog_full' });
        this.#log.warn({ regarding: objectKey, reason }, 'event dropped: write backlog full');
        return;
      }
      const text =
        message.length > maxMessageLength ? `${message.slice(0, maxMessageLength - 3)}...` : message;
      const event: PendingEvent = {
        key: [objectKey, regarding.uid ?? '', type, reason, text].join('\u0000'),
        regarding,
        type,
        reason,
        message: text,
        at: this.#clock.now(),
      };
      this.#backlog++;
      this.#tail = this.#tail.then(async () => {
        try {
          await this.#writeBudget.take();
          await this.#write(event);
        } catch (error) {
          this.#log.warn({ err: error, regarding: objectKey, reason }, 'could not write event');
        } finally {
          this.#backlog--;
        }
      });
    } catch (error) {
      this.#log.error({ err: error, reason }, 'event recorder failed; event not recorded');
    }
  }

  /** Resolves once every event recorded so far has been written (or has failed). */
  flush(): Promise<void> {
    return this.#tail;
  }

  #allow(objectKey: string): boolean {
    let bucket = this.#buckets.get(objectKey);
    if (bucket === undefined) {
      bucket = new TokenBucket({ qps: this.#refillQps, burst: this.#burst, clock: this.#clock });
    } else {
      this.#buckets.delete(objectKey);
    }
    this.#buckets.set(objectKey, bucket);
    evictOldest(this.#buckets, this.#maxTracked);
    if (bucket.available() < 1) return false;
    bucket.reserve();
    return true;
  }

  async #write(event: PendingEvent): Promise<void> {
    const seen = this.#seen.get(event.key);
    if (seen !== undefined && event.at - seen.lastAt < this.#windowMs) {
      seen.count++;
      seen.lastAt = event.at;
      try {
        await mergePatch(
          this.#client,
          { apiVersion: 'v1', resource: 'events', namespace: seen.namespace, name: seen.name },
          { count: seen.count, lastTimestamp: timestamp(event.at) },
        );
        return;
      } catch (error) {
        // Events expire (one hour by default) or get deleted; then the next occurrence starts afresh.
        if (!isNotFound(error)) {
          this.#metrics.failed?.inc({ operation: 'update' });
          throw error;
        }
        this.#seen.delete(event.key);
      }
    }
    const namespace = event.regarding.namespace ?? 'default';
    const name = `${event.regarding.name}.${this.#uniqueSuffix(event.at)}`;
    try {
      await this.#client.request({
        method: 'POST',
        path: resourcePath({ apiVersion: 'v1', resource: 'events', namespace }),
        body: this.#eventObject(event, namespace, name),
      });
    } catch (error) {
      this.#metrics.failed?.inc({ operation: 'create' });
      throw error;
    }
    this.#seen.delete(event.key);
    this.#seen.set(event.key, { namespace, name, count: 1, lastAt: event.at });
    evictOldest(this.#seen, this.#maxTracked);
  }

  #eventObject(event: PendingEvent, namespace: string, name: string): JsonObject {
    const { regarding } = event;
    const involvedObject: JsonObject = {
      apiVersion: regarding.apiVersion,
      kind: regarding.kind,
      name: regarding.name,
    };
    if (regarding.namespace !== undefined) involvedObject.namespace = regarding.namespace;
    if (regarding.uid !== undefined) involvedObject.uid = regarding.uid;
    if (regarding.resourceVersion !== undefined) involvedObject.resourceVersion = regarding.resourceVersion;
    const at = timestamp(event.at);
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject,
      type: event.type,
      reason: event.reason,
      message: event.message,
      count: 1,
      firstTimestamp: at,
      lastTimestamp: at,
      source: { component: this.#component, host: this.#instance },
      reportingComponent: this.#component,
      reportingInstance: this.#instance,
    };
  }

  /** client-go names events `<object>.<unix nanos in hex>`; a sequence number keeps same-ms events apart. */
  #uniqueSuffix(at: number): string {
    this.#sequence = (this.#sequence + 1) % 1_000_000;
    return (BigInt(Math.floor(at)) * 1_000_000n + BigInt(this.#sequence)).toString(16);
  }
}

function evictOldest<K, V>(map: Map<K, V>, max: number): void {
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done === true) return;
    map.delete(oldest.value);
  }
}

function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
