// A shared informer: list + watch one resource into an in-memory store and tell handlers what
// changed (client-go's tools/cache Reflector + SharedIndexInformer, reduced to what a controller
// needs).
//
// Why not client-node's ListWatch: it stops for good on any error other than 410, resurrects after
// stop() (the abort surfaces as an error), never asks for bookmarks or a server timeout, and lists
// through the typed serializer. This one:
// - lists in pages, then watches from the list's resourceVersion with `allowWatchBookmarks` and a
//   jittered `timeoutSeconds` (5-10 min, as client-go), so the server ends idle watches cleanly;
// - runs a watchdog: no event or bookmark for timeoutSeconds + margin means the connection is dead
//   (half-open TCP); it aborts and re-watches;
// - on 410 Gone (HTTP or an in-stream ERROR event) relists from scratch; the store is diffed, so
//   objects deleted meanwhile are reported as deletes;
// - on any other error backs off exponentially with jitter (1 s -> 30 s by default) and resumes from
//   the last resourceVersion seen; it never stops on its own, and stop() is final;
// - runs handlers inside try/catch: a throwing handler is logged and counted, never breaks the stream;
// - applies `transform` before storing, so large objects (pods) can be cached with only the fields a
//   controller reads.
import { ApiException } from '@kubernetes/client-node';
import { isJsonObject, type JsonObject, type JsonValue } from '../inject/types.ts';
import type { Logger } from '../observability/logger.ts';
import { Backoff } from './backoff.ts';
import { sleep, systemClock, type Clock } from './clock.ts';
import { apiStatus, isGone, resourcePath, type KubeClient, type ResourceRef } from './client.ts';
import type { CounterLike, GaugeLike } from './metrics.ts';
import { objectKey, Store, type IndexFunc } from './store.ts';
import type { WorkQueue } from './workqueue.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  readonly type: WatchEventType;
  readonly object: JsonObject;
}

export interface ListPage {
  readonly items: readonly JsonObject[];
  readonly resourceVersion: string;
  /** Set when more pages follow. */
  readonly continueToken?: string;
}

export interface ListRequest {
  readonly limit: number;
  readonly continueToken?: string;
  readonly signal: AbortSignal;
}

export interface WatchRequest {
  readonly resourceVersion: string;
  readonly timeoutSeconds: number;
  readonly signal: AbortSignal;
  /** Called for every event in order; if it throws, the watch ends with that error. */
  readonly onEvent: (event: WatchEvent) => void;
}

/** Where an informer gets its data; `httpListerWatcher` talks to the API server, tests fake it. */
export interface ListerWatcher {
  list(request: ListRequest): Promise<ListPage>;
  /** Resolves when the server ends the stream; rejects on errors (an ApiException for HTTP ones). */
  watch(request: WatchRequest): Promise<void>;
}

export interface Selectors {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

const eventTypes: ReadonlySet<string> = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/** Parses one line of a watch stream. */
export function parseWatchLine(line: string): WatchEvent {
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(line) as JsonValue;
  } catch {
    throw new Error(`watch stream: not JSON: ${line.slice(0, 200)}`);
  }
  if (!isJsonObject(parsed) || typeof parsed.type !== 'string' || !eventTypes.has(parsed.type)) {
    throw new Error(`watch stream: not a watch event: ${line.slice(0, 200)}`);
  }
  if (!isJsonObject(parsed.object)) throw new Error(`watch stream: ${parsed.type} event without an object`);
  return { type: parsed.type as WatchEventType, object: parsed.object };
}

/** The error an in-stream ERROR event stands for (its object is a Status), shaped like an HTTP one. */
export function watchEventError(status: JsonObject): ApiException<string> {
  const code = typeof status.code === 'number' ? status.code : 500;
  const message = typeof status.message === 'string' ? status.message : 'watch error event';
  return new ApiException<string>(code, `watch ERROR event: ${message}`, JSON.stringify(status), {});
}

/** Lists and watches `collection` (a ResourceRef without a name) through `client`. */
export function httpListerWatcher(
  client: Pick<KubeClient, 'request' | 'stream'>,
  collection: ResourceRef,
  selectors: Selectors = {},
): ListerWatcher {
  if (collection.name !== undefined)
    throw new Error(`an informer watches a collection, not ${collection.name}`);
  const path = resourcePath(collection);
  return {
    async list({ limit, continueToken, signal }) {
      const body = await client.request({
        path,
        query: { limit, continue: continueToken, ...selectors },
        signal,
        timeoutMs: 120_000,
      });
      const metadata = isJsonObject(body.metadata) ? body.metadata : {};
      const items = Array.isArray(body.items) ? body.items.filter(isJsonObject) : [];
      // List items carry no apiVersion/kind; watch events do. Fill them in so both look the same.
      const listKind = typeof body.kind === 'string' ? body.kind : '';
      const kind = listKind.endsWith('List') ? listKind.slice(0, -4) : undefined;
      const apiVersion = typeof body.apiVersion === 'string' ? body.apiVersion : undefined;
      const filled =
        kind === undefined || apiVersion === undefined
          ? items
          : items.map((item) => (item.kind === undefined ? { apiVersion, kind, ...item } : item));
      const cont =
        typeof metadata.continue === 'string' && metadata.continue !== '' ? metadata.continue : undefined;
      return {
        items: filled,
        resourceVersion: typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : '',
        ...(cont === undefined ? {} : { continueToken: cont }),
      };
    },

    async watch({ resourceVersion, timeoutSeconds, signal, onEvent }) {
      const res = await client.stream({
        path,
        query: {
          watch: 'true',
          allowWatchBookmarks: 'true',
          resourceVersion,
          timeoutSeconds,
          ...selectors,
        },
        signal,
      });
      res.setEncoding('utf8');
      let pending = '';
      try {
        for await (const chunk of res) {
          pending += chunk as string;
          let newline = pending.indexOf('\n');
          while (newline >= 0) {
            const line = pending.slice(0, newline).trim();
            pending = pending.slice(newline + 1);
            if (line !== '') onEvent(parseWatchLine(line));
            newline = pending.indexOf('\n');
          }
        }
        if (pending.trim() !== '') onEvent(parseWatchLine(pending.trim()));
      } catch (err) {
        // Aborting tears the socket down, which the response reports as a generic 'aborted' error.
        if (signal.aborted)
          throw Object.assign(new DOMException('watch aborted', 'AbortError'), { cause: err });
        throw err;
      } finally {
        res.destroy();
      }
    },
  };
}

export interface InformerHandler<T> {
  onAdd?(obj: T, key: string): void;
  onUpdate?(oldObj: T, newObj: T, key: string): void;
  /** `obj` is the last state: the one in the DELETED event, or the cached one when a relist found it gone. */
  onDelete?(obj: T, key: string): void;
}

export interface InformerMetrics {
  /** Watch events received, by `informer` and `type`. */
  readonly events?: CounterLike;
  /** Full lists, by `informer`. */
  readonly lists?: CounterLike;
  /** Watch restarts other than the normal server timeout, by `informer` and `reason` (error, gone, watchdog). */
  readonly restarts?: CounterLike;
  /** Handler, transform or index errors, by `informer`. */
  readonly handlerErrors?: CounterLike;
  /** Objects in the store, by `informer`. */
  readonly objects?: GaugeLike;
}

export interface InformerOptions<T> {
  /** For logs and metric labels, e.g. `pods`. */
  readonly name: string;
  readonly source: ListerWatcher;
  readonly logger: Logger;
  /** Shapes each object before it is stored and handed to handlers (drop fields to save memory). */
  readonly transform?: (obj: JsonObject) => T;
  readonly indexers?: Readonly<Record<string, IndexFunc<T>>>;
  /** Objects per list page; default 500. */
  readonly pageSize?: number;
  /** Watches ask the server to end after a random time in [min, 2*min] seconds; default min 300. */
  readonly minWatchTimeoutSeconds?: number;
  /** The watchdog fires after timeoutSeconds plus this much silence; default 30 s. */
  readonly watchdogMarginMs?: number;
  /** Backoff after errors; default 1 s doubling to 30 s. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  readonly metrics?: InformerMetrics;
  readonly clock?: Clock;
  readonly random?: () => number;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

interface Meta {
  readonly key: string;
  readonly namespace: string;
  readonly resourceVersion: string;
}

function metaOf(obj: JsonObject): Meta {
  const metadata = isJsonObject(obj.metadata) ? obj.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
  if (name === '') throw new Error('object without metadata.name');
  return {
    key: objectKey({ namespace, name }),
    namespace,
    resourceVersion: typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : '',
  };
}

function resourceVersionOf(obj: JsonObject): string {
  const metadata = obj.metadata;
  return isJsonObject(metadata) && typeof metadata.resourceVersion === 'string'
    ? metadata.resourceVersion
    : '';
}

/** Reads `signal.aborted` afresh (TypeScript would otherwise keep a narrowing from before an await). */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

/** A watch that ended without error and without a single event this quickly counts as a failure. */
const minHealthyWatchMs = 1000;

export class Informer<T = JsonObject> {
  readonly name: string;
  readonly #source: ListerWatcher;
  readonly #log: Logger;
  readonly #transform: (obj: JsonObject) => T;
  readonly #store: Store<T>;
  readonly #pageSize: number;
  readonly #minTimeout: number;
  readonly #marginMs: number;
  readonly #backoff: Backoff;
  readonly #metrics: InformerMetrics;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #labels: Readonly<Record<string, string>>;
  #handlers: InformerHandler<T>[] = [];
  #waiters: Waiter[] = [];
  #synced = false;
  #resourceVersion = '';
  #state: 'new' | 'running' | 'stopped' = 'new';
  readonly #abort = new AbortController();
  #loop: Promise<void> = Promise.resolve();

  constructor(options: InformerOptions<T>) {
    this.name = options.name;
    this.#source = options.source;
    this.#log = options.logger.child({ informer: options.name });
    this.#transform = options.transform ?? ((obj: JsonObject) => obj as T);
    this.#store = new Store<T>(options.indexers);
    this.#pageSize = options.pageSize ?? 500;
    this.#minTimeout = options.minWatchTimeoutSeconds ?? 300;
    this.#marginMs = options.watchdogMarginMs ?? 30_000;
    this.#random = options.random ?? Math.random;
    this.#backoff = new Backoff({
      initialMs: options.backoff?.initialMs ?? 1000,
      maxMs: options.backoff?.maxMs ?? 30_000,
      jitter: 0.2,
      random: this.#random,
    });
    this.#metrics = options.metrics ?? {};
    this.#clock = options.clock ?? systemClock;
    this.#labels = { informer: options.name };
    if (!(this.#pageSize >= 1)) throw new Error(`informer ${this.name}: pageSize must be >= 1`);
    if (!(this.#minTimeout >= 1))
      throw new Error(`informer ${this.name}: minWatchTimeoutSeconds must be >= 1`);
  }

  /** Starts listing and watching in the background. An informer runs once: start after stop throws. */
  start(): void {
    if (this.#state === 'running') return;
    if (this.#state === 'stopped') throw new Error(`informer ${this.name} was stopped; create a new one`);
    this.#state = 'running';
    this.#loop = this.#run(this.#abort.signal).catch((err: unknown) => {
      // #run handles its own errors; reaching here is a bug, but it must not become an unhandled rejection.
      this.#log.error({ err }, 'informer loop crashed');
    });
  }

  /** Stops the watch and waits for the loop to end. Handlers get no more calls afterwards. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return this.#loop;
    this.#state = 'stopped';
    this.#abort.abort();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(new Error(`informer ${this.name} stopped before it synced`));
    await this.#loop;
  }

  /** True once the first full list is in the store. */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves once synced; rejects if the informer stops first or `signal` aborts. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced) return Promise.resolve();
    if (this.#state === 'stopped') return Promise.reject(new Error(`informer ${this.name} is stopped`));
    if (signal?.aborted === true)
      return Promise.reject(new Error(`waiting for informer ${this.name} was aborted`));
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`waiting for informer ${this.name} was aborted`));
      };
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      this.#waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Registers a handler. Objects already cached are replayed to it as adds, so a handler added late
   * sees the same world as one added before start. Returns a function that removes it.
   */
  addHandler(handler: InformerHandler<T>): () => void {
    this.#handlers.push(handler);
    for (const key of this.#store.keys()) {
      const obj = this.#store.get(key);
      if (obj !== undefined) this.#call('add', key, () => handler.onAdd?.(obj, key));
    }
    return () => {
      this.#handlers = this.#handlers.filter((h) => h !== handler);
    };
  }

  get(key: string): T | undefined {
    return this.#store.get(key);
  }

  list(): T[] {
    return this.#store.list();
  }

  keys(): string[] {
    return this.#store.keys();
  }

  byIndex(index: string, value: string): T[] {
    return this.#store.byIndex(index, value);
  }

  byNamespace(namespace: string): T[] {
    return this.#store.byNamespace(namespace);
  }

  /** The resourceVersion of the last list or event applied. */
  lastSyncResourceVersion(): string {
    return this.#resourceVersion;
  }

  async #run(signal: AbortSignal): Promise<void> {
    let needList = true;
    let goneStreak = 0;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.#listAll(signal);
          needList = false;
          if (isAborted(signal)) break;
        }
        const started = this.#clock.now();
        const { events, watchdog } = await this.#watchOnce(signal);
        if (watchdog) {
          this.#metrics.restarts?.inc({ ...this.#labels, reason: 'watchdog' });
          this.#log.warn(
            { resourceVersion: this.#resourceVersion },
            'watch silent past its timeout; re-watching',
          );
        }
        goneStreak = 0;
        if (events > 0 || this.#clock.now() - started >= minHealthyWatchMs) {
          this.#backoff.reset();
        } else if (!watchdog) {
          // Ended at once with nothing: something between us and the server closes watches. Slow down.
          await sleep(this.#clock, this.#backoff.next(), signal);
        }
      } catch (err) {
        if (isAborted(signal)) break;
        if (isGone(err)) {
          needList = true;
          this.#metrics.restarts?.inc({ ...this.#labels, reason: 'gone' });
          this.#log.info(
            { resourceVersion: this.#resourceVersion, reason: apiStatus(err)?.message },
            'resourceVersion too old; relisting',
          );
          // The first 410 relists at once; repeated ones back off like any error.
          if (goneStreak++ > 0) await sleep(this.#clock, this.#backoff.next(), signal);
          continue;
        }
        const delayMs = this.#backoff.next();
        this.#metrics.restarts?.inc({ ...this.#labels, reason: 'error' });
        this.#log.warn(
          {
            err,
            phase: needList ? 'list' : 'watch',
            delayMs: Math.round(delayMs),
            failures: this.#backoff.failures,
          },
          'list/watch failed; retrying after backoff',
        );
        await sleep(this.#clock, delayMs, signal);
      }
    }
  }

  async #listAll(signal: AbortSignal): Promise<void> {
    const fresh = new Map<string, { obj: T; meta: Meta }>();
    let continueToken: string | undefined;
    let resourceVersion: string;
    do {
      const page = await this.#source.list({
        limit: this.#pageSize,
        signal,
        ...(continueToken === undefined ? {} : { continueToken }),
      });
      for (const raw of page.items) {
        const item = this.#shape(raw);
        if (item !== undefined) fresh.set(item.meta.key, item);
      }
      resourceVersion = page.resourceVersion;
      continueToken = page.continueToken;
    } while (continueToken !== undefined && !signal.aborted);
    if (signal.aborted) return;
    this.#metrics.lists?.inc(this.#labels);
    this.#replace(fresh);
    this.#resourceVersion = resourceVersion;
    this.#log.debug({ objects: fresh.size, resourceVersion }, 'listed');
    if (!this.#synced) {
      this.#synced = true;
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const w of waiters) w.resolve();
    }
  }

  /** Makes the store equal to `fresh`, reporting adds, changes (by resourceVersion) and deletes. */
  #replace(fresh: ReadonlyMap<string, { obj: T; meta: Meta }>): void {
    for (const key of this.#store.keys()) {
      if (fresh.has(key)) continue;
      const old = this.#store.delete(key);
      if (old !== undefined) this.#dispatch('delete', key, old, old);
    }
    for (const [key, { obj, meta }] of fresh) {
      const oldVersion = this.#store.resourceVersionOf(key);
      if (oldVersion !== undefined && oldVersion === meta.resourceVersion && meta.resourceVersion !== '')
        continue;
      this.#put(key, obj, meta);
    }
    this.#metrics.objects?.set(this.#labels, this.#store.size);
  }

  async #watchOnce(signal: AbortSignal): Promise<{ events: number; watchdog: boolean }> {
    const timeoutSeconds = Math.floor(this.#minTimeout * (1 + this.#random()));
    const idleMs = timeoutSeconds * 1000 + this.#marginMs;
    const watchAbort = new AbortController();
    let events = 0;
    const arm = () =>
      this.#clock.setTimer(() => {
        watchAbort.abort(new DOMException('watch watchdog fired', 'TimeoutError'));
      }, idleMs);
    let timer = arm();
    try {
      await this.#source.watch({
        resourceVersion: this.#resourceVersion,
        timeoutSeconds,
        signal: AbortSignal.any([signal, watchAbort.signal]),
        onEvent: (event) => {
          timer.cancel();
          timer = arm();
          events++;
          this.#apply(event);
        },
      });
    } catch (err) {
      // The watchdog's abort surfaces as an AbortError from the stream: that is a restart, not a failure.
      if (watchAbort.signal.aborted && !isAborted(signal)) return { events, watchdog: true };
      throw err;
    } finally {
      timer.cancel();
    }
    return { events, watchdog: false };
  }

  #apply(event: WatchEvent): void {
    this.#metrics.events?.inc({ ...this.#labels, type: event.type });
    if (event.type === 'ERROR') throw watchEventError(event.object);
    const resourceVersion = resourceVersionOf(event.object);
    if (event.type !== 'BOOKMARK') {
      const item = this.#shape(event.object);
      if (item !== undefined) {
        if (event.type === 'DELETED') {
          const old = this.#store.delete(item.meta.key);
          this.#dispatch('delete', item.meta.key, old ?? item.obj, item.obj);
        } else {
          this.#put(item.meta.key, item.obj, item.meta);
        }
        this.#metrics.objects?.set(this.#labels, this.#store.size);
      }
    }
    if (resourceVersion !== '') this.#resourceVersion = resourceVersion;
  }

  /** Transforms a raw object; a bad object is logged and skipped, never fatal to the stream. */
  #shape(raw: JsonObject): { obj: T; meta: Meta } | undefined {
    try {
      const meta = metaOf(raw);
      return { obj: this.#transform(raw), meta };
    } catch (err) {
      this.#metrics.handlerErrors?.inc(this.#labels);
      this.#log.error({ err }, 'cannot cache object; skipped');
      return undefined;
    }
  }

  #put(key: string, obj: T, meta: Meta): void {
    let old: T | undefined;
    try {
      old = this.#store.set(key, obj, meta.namespace, meta.resourceVersion);
    } catch (err) {
      this.#metrics.handlerErrors?.inc(this.#labels);
      this.#log.error({ err, key }, 'index function failed; object not cached');
      return;
    }
    if (old === undefined) this.#dispatch('add', key, obj, obj);
    else this.#dispatch('update', key, old, obj);
  }

  #dispatch(kind: 'add' | 'update' | 'delete', key: string, old: T, obj: T): void {
    for (const handler of this.#handlers) {
      this.#call(kind, key, () => {
        if (kind === 'add') handler.onAdd?.(obj, key);
        else if (kind === 'update') handler.onUpdate?.(old, obj, key);
        else handler.onDelete?.(obj, key);
      });
    }
  }

  #call(kind: string, key: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#metrics.handlerErrors?.inc(this.#labels);
      this.#log.error({ err, key, event: kind }, 'informer handler threw; continuing');
    }
  }
}

/**
 * Handlers that only enqueue keys (the controller pattern: decide later, from the cache). `keysOf`
 * maps an object to the keys to enqueue (e.g. a pod to its namespace); default: the object's key.
 */
export function enqueueHandler<T>(
  queue: Pick<WorkQueue, 'add'>,
  keysOf: (obj: T, key: string) => string | readonly string[] | undefined = (_obj, key) => key,
): InformerHandler<T> {
  const keysFor = (obj: T, key: string): readonly string[] => {
    const keys = keysOf(obj, key);
    return keys === undefined ? [] : typeof keys === 'string' ? [keys] : keys;
  };
  const enqueue = (obj: T, key: string): void => {
    for (const k of keysFor(obj, key)) queue.add(k);
  };
  return {
    onAdd: enqueue,
    // Old and new usually map to the same keys; adding a key twice would wake an idle worker for the first add
    // and mark the key dirty with the second, so the same change would be reconciled twice.
    onUpdate: (oldObj, newObj, key) => {
      for (const k of new Set([...keysFor(oldObj, key), ...keysFor(newObj, key)])) queue.add(k);
    },
    onDelete: enqueue,
  };
}

/** A transform that drops `metadata.managedFields`, usually the largest part of a cached object. */
export function stripManagedFields(obj: JsonObject): JsonObject {
  const metadata = obj.metadata;
  if (!isJsonObject(metadata) || !('managedFields' in metadata)) return obj;
  const { managedFields: _dropped, ...rest } = metadata;
  return { ...obj, metadata: rest };
}
