import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isJsonObject, type JsonObject } from '../../../src/inject/types.ts';
import { KubeClient, isGone } from '../../../src/kube/client.ts';
import { ManualClock, settle } from '../../../src/kube/clock.ts';
import {
  Informer,
  enqueueHandler,
  httpListerWatcher,
  parseWatchLine,
  stripManagedFields,
  type InformerHandler,
  type ListPage,
  type ListRequest,
  type ListerWatcher,
  type WatchEvent,
  type WatchRequest,
} from '../../../src/kube/informer.ts';
import type { MetricLabels } from '../../../src/kube/metrics.ts';
import { WorkQueue } from '../../../src/kube/workqueue.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { apiError, json, recordingServer, status, writeKubeconfig, type RecordingServer } from './helpers.ts';

const logger = createLogger({ level: 'silent' });

function pod(name: string, rv: string, namespace = 'a', extra: JsonObject = {}): JsonObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, resourceVersion: rv }, ...extra };
}

interface ActiveWatch {
  readonly request: WatchRequest;
  send(type: WatchEvent['type'], object: JsonObject): void;
  end(): void;
  fail(err: unknown): void;
}

/** A ListerWatcher under the test's control: lists answer from `listing`, watches stay open until told. */
class FakeSource implements ListerWatcher {
  readonly lists: ListRequest[] = [];
  readonly watches: ActiveWatch[] = [];
  listing: (req: ListRequest) => ListPage | Error;

  constructor(items: JsonObject[], resourceVersion: string) {
    this.listing = () => ({ items, resourceVersion });
  }

  get current(): ActiveWatch {
    const w = this.watches.at(-1);
    assert.ok(w !== undefined, 'no watch was opened');
    return w;
  }

  list(req: ListRequest): Promise<ListPage> {
    this.lists.push(req);
    const out = this.listing(req);
    return out instanceof Error ? Promise.reject(out) : Promise.resolve(out);
  }

  watch(request: WatchRequest): Promise<void> {
    return new Promise((resolve, reject) => {
      let open = true;
      const close = (err?: unknown): void => {
        if (!open) return;
        open = false;
        if (err === undefined) resolve();
        else reject(err instanceof Error ? err : new Error('watch failed', { cause: err }));
      };
      const onAbort = (): void => {
        close(new DOMException('aborted', 'AbortError'));
      };
      if (request.signal.aborted) onAbort();
      else request.signal.addEventListener('abort', onAbort, { once: true });
      this.watches.push({
        request,
        send: (type, object) => {
          if (!open) throw new Error('watch is closed');
          try {
            request.onEvent({ type, object });
          } catch (err) {
            close(err);
          }
        },
        end: () => {
          close();
        },
        fail: (err) => {
          close(err);
        },
      });
    });
  }
}

/** The string at obj[a][b], or '?' (test data is trusted; this keeps the types honest). */
function stringAt(obj: JsonObject, a: string, b: string): string {
  const inner = obj[a];
  if (!isJsonObject(inner)) return '?';
  const value = inner[b];
  return typeof value === 'string' ? value : '?';
}

interface Recorder<T> extends InformerHandler<T> {
  readonly events: string[];
}

function recorder(
  describeObj: (obj: JsonObject) => string = (o) => stringAt(o, 'metadata', 'resourceVersion'),
): Recorder<JsonObject> {
  const events: string[] = [];
  return {
    events,
    onAdd: (obj, key) => events.push(`add ${key} ${describeObj(obj)}`),
    onUpdate: (old, obj, key) => events.push(`update ${key} ${describeObj(old)}->${describeObj(obj)}`),
    onDelete: (obj, key) => events.push(`delete ${key} ${describeObj(obj)}`),
  };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    await settle(1);
  }
  assert.fail(`never happened: ${what}`);
}

function setup(items: JsonObject[] = [pod('p1', '1')], rv = '10') {
  const clock = new ManualClock(0);
  const source = new FakeSource(items, rv);
  const informer = new Informer({ name: 'pods', source, logger, clock, random: () => 0 });
  const rec = recorder();
  informer.addHandler(rec);
  return { clock, source, informer, rec };
}

describe('Informer', () => {
  it('lists, syncs, then watches from the list resourceVersion with a 5-10 min timeout', async () => {
    const { source, informer, rec } = setup([pod('p1', '1'), pod('p2', '2', 'b')], '10');
    assert.equal(informer.hasSynced(), false);
    informer.start();
    await informer.waitForSync();
    assert.equal(informer.hasSynced(), true);
    assert.deepEqual(rec.events.sort(), ['add a/p1 1', 'add b/p2 2']);
    await until(() => source.watches.length === 1, 'watch opened');
    assert.equal(source.current.request.resourceVersion, '10');
    assert.ok(source.current.request.timeoutSeconds >= 300 && source.current.request.timeoutSeconds <= 600);
    assert.equal(source.lists[0]?.limit, 500);
    assert.deepEqual(informer.keys().sort(), ['a/p1', 'b/p2']);
    assert.equal(informer.byNamespace('b').length, 1);
    await informer.stop();
  });

  it('applies watch events to the store and reports old and new objects', async () => {
    const { source, informer, rec } = setup();
    informer.start();
    await until(() => source.watches.length === 1, 'watch opened');
    rec.events.length = 0;
    source.current.send('ADDED', pod('p2', '11'));
    source.current.send('MODIFIED', pod('p1', '12'));
    source.current.send('BOOKMARK', { kind: 'Pod', metadata: { resourceVersion: '15' } });
    source.current.send('DELETED', pod('p2', '16'));
    assert.deepEqual(rec.events, ['add a/p2 11', 'update a/p1 1->12', 'delete a/p2 16']);
    assert.deepEqual(informer.keys(), ['a/p1']);
    assert.equal(informer.lastSyncResourceVersion(), '16');
    await informer.stop();
  });

  it('reads every page of a paginated list before syncing', async () => {
    const { source, informer } = setup();
    source.listing = (req) =>
      req.continueToken === undefined
        ? { items: [pod('p1', '1')], resourceVersion: '20', continueToken: 'page2' }
        : { items: [pod('p2', '2')], resourceVersion: '20' };
    informer.start();
    await informer.waitForSync();
    assert.deepEqual(informer.keys().sort(), ['a/p1', 'a/p2']);
    assert.deepEqual(
      source.lists.map((l) => l.continueToken),
      [undefined, 'page2'],
    );
    await informer.stop();
  });

  it('relists on an in-stream 410 ERROR and reports what changed meanwhile', async () => {
    const { source, informer, rec } = setup([pod('keep', '1'), pod('change', '2'), pod('gone', '3')], '10');
    const restarts: string[] = [];
    const metered = new Informer({
      name: 'pods',
      source,
      logger,
      clock: new ManualClock(0),
      metrics: { restarts: { inc: (l: MetricLabels) => restarts.push(l.reason ?? '') } },
    });
    metered.addHandler(rec);
    metered.start();
    await until(() => source.watches.length === 1, 'watch opened');
    rec.events.length = 0;
    source.listing = () => ({
      items: [pod('keep', '1'), pod('change', '5'), pod('new', '6')],
      resourceVersion: '30',
    });
    source.current.send('ERROR', status(410, 'Expired', 'too old resource version: 10 (25)') as JsonObject);
    await until(() => source.watches.length === 2, 're-watch after relist');
    assert.deepEqual(rec.events.sort(), ['add a/new 6', 'delete a/gone 3', 'update a/change 2->5']);
    assert.equal(source.lists.length, 2);
    assert.equal(source.current.request.resourceVersion, '30');
    assert.deepEqual(restarts, ['gone']);
    await metered.stop();
    await informer.stop();
  });

  it('relists on an HTTP 410 from the watch request', async () => {
    const { source, informer } = setup();
    informer.start();
    await until(() => source.watches.length === 1, 'watch opened');
    source.current.fail(apiError(410, 'Gone'));
    await until(() => source.lists.length === 2 && source.watches.length === 2, 'relisted and re-watched');
    await informer.stop();
  });

  it('backs off after other errors and resumes from the last resourceVersion without relisting', async () => {
    const { clock, source, informer } = setup();
    informer.start();
    await until(() => source.watches.length === 1, 'watch opened');
    source.current.send('MODIFIED', pod('p1', '12'));
    source.current.fail(apiError(500, 'InternalError'));
    await settle();
    assert.equal(source.watches.length, 1, 'waits before retrying');
    assert.equal(clock.nextTimerDelay(), 1000);
    await clock.advance(1000);
    await until(() => source.watches.length === 2, 're-watched');
    assert.equal(source.current.request.resourceVersion, '12');
    assert.equal(source.lists.length, 1);
    source.current.fail(new Error('ECONNRESET'));
    await settle();
    assert.equal(clock.nextTimerDelay(), 2000, 'the backoff grows');
    await informer.stop();
  });

  it('keeps retrying a failing list with backoff and never gives up', async () => {
    const { clock, source, informer } = setup();
    let failures = 3;
    source.listing = () =>
      failures-- > 0 ? new Error('connection refused') : { items: [pod('p', '1')], resourceVersion: '5' };
    informer.start();
    for (const delay of [1000, 2000, 4000]) {
      await until(() => clock.nextTimerDelay() === delay, `backoff ${delay}`);
      await clock.advance(delay);
    }
    await informer.waitForSync();
    assert.equal(source.lists.length, 4);
    await informer.stop();
  });

  it('aborts a silent watch after timeoutSeconds plus the margin and re-watches', async () => {
    const { clock, source, informer } = setup();
    informer.start();
    await until(() => source.watches.length === 1, 'watch opened');
    const idle = source.current.request.timeoutSeconds * 1000 + 30_000;
    await clock.advance(idle - 1);
    assert.equal(source.current.request.signal.aborted, false);
    await clock.advance(1);
    await until(() => source.watches.length === 2, 're-watched after the watchdog');
    assert.equal(source.watches[0]?.request.signal.aborted, true);
    assert.equal(source.lists.length, 1, 'no relist for a watchdog restart');
    await informer.stop();
  });

  it('events reset the watchdog', async () => {
    const { clock, source, informer } = setup();
    informer.start();
    await until(() => source.watches.length === 1, 'watch opened');
    const idle = source.current.request.timeoutSeconds * 1000 + 30_000;
    await clock.advance(idle - 10);
    source.current.send('BOOKMARK', { metadata: { resourceVersion: '11' } });
    await clock.advance(idle - 10);
    assert.equal(source.watches.length, 1);
    await informer.stop();
  });

  it('re-watches at once when the server ends a watch normally', async () => {
    const { clock, source, informer } = setup();
    informer.start();
    await until(() => source.watches.length === 1, 'watch opened');
    source.current.send('BOOKMARK', { metadata: { resourceVersion: '11' } });
    source.current.end();
    await until(() => source.watches.length === 2, 're-watched');
    assert.equal(source.current.request.resourceVersion, '11');
    assert.equal(clock.pendingTimers(), 1, 'only the new watchdog');
    await informer.stop();
  });

  it('backs off when watches keep ending at once without events (no hot loop)', async () => {
    const { clock, source, informer } = setup();
    informer.start();
    await until(() => source.watches.length === 1, 'watch opened');
    source.current.end();
    await settle();
    assert.equal(source.watches.length, 1);
    assert.equal(clock.nextTimerDelay(), 1000);
    await informer.stop();
  });

  it('a throwing handler is contained: other handlers run and the stream goes on', async () => {
    const errors: string[] = [];
    const clock = new ManualClock(0);
    const source = new FakeSource([pod('p1', '1')], '10');
    const informer = new Informer({
      name: 'pods',
      source,
      logger,
      clock,
      metrics: { handlerErrors: { inc: (l: MetricLabels) => errors.push(l.informer ?? '') } },
    });
    informer.addHandler({
      onAdd: () => {
        throw new Error('handler bug');
      },
    });
    const rec = recorder();
    informer.addHandler(rec);
    informer.start();
    await until(() => source.watches.length === 1, 'watch opened');
    source.current.send('ADDED', pod('p2', '11'));
    source.current.send('ADDED', pod('p3', '12'));
    assert.deepEqual(rec.events, ['add a/p1 1', 'add a/p2 11', 'add a/p3 12']);
    assert.equal(errors.length, 3);
    assert.equal(source.watches.length, 1, 'the watch was not interrupted');
    await informer.stop();
  });

  it('transforms before storing; keys and the namespace index survive a transform that drops metadata', async () => {
    const source = new FakeSource([pod('p1', '1', 'a', { spec: { nodeName: 'n1', containers: [] } })], '10');
    const informer = new Informer<{ node: string }>({
      name: 'pods',
      source,
      logger,
      clock: new ManualClock(0),
      transform: (obj) => ({ node: stringAt(obj, 'spec', 'nodeName') }),
      indexers: { node: (p) => [p.node] },
    });
    informer.start();
    await informer.waitForSync();
    assert.deepEqual(informer.get('a/p1'), { node: 'n1' });
    assert.deepEqual(informer.byNamespace('a'), [{ node: 'n1' }]);
    assert.deepEqual(informer.byIndex('node', 'n1'), [{ node: 'n1' }]);
    await informer.stop();
  });

  it('skips an object the transform cannot handle and keeps the rest', async () => {
    const source = new FakeSource([pod('good', '1', 'a', { spec: {} }), pod('bad', '2')], '10');
    const informer = new Informer<JsonObject>({
      name: 'pods',
      source,
      logger,
      clock: new ManualClock(0),
      transform: (obj) => {
        if (obj.spec === undefined) throw new Error('no spec');
        return obj;
      },
    });
    informer.start();
    await informer.waitForSync();
    assert.deepEqual(informer.keys(), ['a/good']);
    await informer.stop();
  });

  it('replays cached objects to a handler added after sync', async () => {
    const { informer } = setup([pod('p1', '1'), pod('p2', '2')]);
    informer.start();
    await informer.waitForSync();
    const late = recorder();
    const remove = informer.addHandler(late);
    assert.deepEqual(late.events.sort(), ['add a/p1 1', 'add a/p2 2']);
    remove();
    await informer.stop();
  });

  it('stop() ends the watch, calls no handler afterwards, and is final', async () => {
    const { source, informer, rec } = setup();
    informer.start();
    await until(() => source.watches.length === 1, 'watch opened');
    const watch = source.current;
    await informer.stop();
    assert.equal(watch.request.signal.aborted, true);
    rec.events.length = 0;
    assert.throws(() => {
      watch.send('ADDED', pod('late', '99'));
    }, /closed/);
    await settle();
    assert.deepEqual(rec.events, []);
    assert.equal(source.watches.length, 1, 'no resurrection after stop');
    assert.throws(() => {
      informer.start();
    }, /was stopped/);
    await informer.stop();
  });

  it('waitForSync rejects when stopped first or aborted', async () => {
    const { source, informer } = setup();
    source.listing = () => new Error('down');
    informer.start();
    const abort = new AbortController();
    const aborted = informer.waitForSync(abort.signal);
    abort.abort();
    await assert.rejects(aborted, /aborted/);
    const pending = informer.waitForSync();
    await informer.stop();
    await assert.rejects(pending, /stopped before it synced/);
  });

  it('rejects nonsense options', () => {
    const source = new FakeSource([], '1');
    assert.throws(() => new Informer({ name: 'x', source, logger, pageSize: 0 }), /pageSize/);
  });
});

describe('informer helpers', () => {
  it('enqueueHandler enqueues keys, mapped keys, and both keys of an update', () => {
    const q = new WorkQueue({ name: 't', clock: new ManualClock(0) });
    const direct = enqueueHandler<JsonObject>(q);
    direct.onAdd?.(pod('p', '1'), 'a/p');
    const byNamespace = enqueueHandler<JsonObject>(q, (_obj, key) => key.split('/')[0]);
    byNamespace.onDelete?.(pod('p', '1'), 'b/p');
    const none = enqueueHandler<JsonObject>(q, () => undefined);
    none.onAdd?.(pod('p', '1'), 'c/p');
    const many = enqueueHandler<JsonObject>(q, () => ['x', 'y']);
    many.onUpdate?.(pod('p', '1'), pod('p', '2'), 'd/p');
    assert.equal(q.length, 4);
  });

  it('stripManagedFields drops only managedFields', () => {
    const obj = { kind: 'Pod', metadata: { name: 'p', managedFields: [{ manager: 'x' }] } };
    assert.deepEqual(stripManagedFields(obj), { kind: 'Pod', metadata: { name: 'p' } });
    const plain = { kind: 'Pod', metadata: { name: 'p' } };
    assert.equal(stripManagedFields(plain), plain);
  });

  it('parseWatchLine accepts events and rejects anything else precisely', () => {
    assert.deepEqual(parseWatchLine('{"type":"ADDED","object":{"kind":"Pod"}}'), {
      type: 'ADDED',
      object: { kind: 'Pod' },
    });
    assert.throws(() => parseWatchLine('{"type":"ADDED"'), /not JSON/);
    assert.throws(() => parseWatchLine('{"type":"NOPE","object":{}}'), /not a watch event/);
    assert.throws(() => parseWatchLine('{"type":"DELETED","object":3}'), /DELETED event without an object/);
  });
});

describe('httpListerWatcher', () => {
  let server: RecordingServer;
  let client: KubeClient;

  before(async () => {
    server = await recordingServer((_req, res) => {
      json(res, 200, {});
    });
    client = KubeClient.load({ kubeconfig: writeKubeconfig(server.url), env: { HOME: '/nonexistent' } });
  });
  after(async () => {
    client.close();
    await server.close();
  });

  it('lists with limit, continue and selectors, and fills in apiVersion/kind of items', async () => {
    server.respond = (_req, res) => {
      json(res, 200, {
        apiVersion: 'v1',
        kind: 'PodList',
        metadata: { resourceVersion: '42', continue: 'next' },
        items: [{ metadata: { name: 'p', namespace: 'a' } }],
      });
    };
    server.requests.length = 0;
    const lw = httpListerWatcher(
      client,
      { apiVersion: 'v1', resource: 'pods' },
      { labelSelector: 'app=web', fieldSelector: 'spec.nodeName=n1' },
    );
    const page = await lw.list({ limit: 50, continueToken: 'tok', signal: new AbortController().signal });
    assert.deepEqual(page, {
      items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'a' } }],
      resourceVersion: '42',
      continueToken: 'next',
    });
    const q = server.requests[0]?.url.searchParams;
    assert.equal(server.requests[0]?.url.pathname, '/api/v1/pods');
    assert.deepEqual(
      [q?.get('limit'), q?.get('continue'), q?.get('labelSelector'), q?.get('fieldSelector')],
      ['50', 'tok', 'app=web', 'spec.nodeName=n1'],
    );
  });

  it('watches with bookmarks, timeout and resourceVersion, and parses events split across chunks', async () => {
    server.respond = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n{"type":"MODI');
      setImmediate(() => {
        res.write('FIED","object":{"metadata":{"name":"a"}}}\n');
        res.end('{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}}');
      });
    };
    server.requests.length = 0;
    const lw = httpListerWatcher(client, { apiVersion: 'apps/v1', resource: 'deployments', namespace: 'a' });
    const events: string[] = [];
    await lw.watch({
      resourceVersion: '7',
      timeoutSeconds: 321,
      signal: new AbortController().signal,
      onEvent: (e) => events.push(e.type),
    });
    assert.deepEqual(events, ['ADDED', 'MODIFIED', 'BOOKMARK']);
    const q = server.requests[0]?.url.searchParams;
    assert.equal(server.requests[0]?.url.pathname, '/apis/apps/v1/namespaces/a/deployments');
    assert.deepEqual(
      [q?.get('watch'), q?.get('allowWatchBookmarks'), q?.get('resourceVersion'), q?.get('timeoutSeconds')],
      ['true', 'true', '7', '321'],
    );
  });

  it('a watch request answered 410 rejects with a Gone error', async () => {
    server.respond = (_req, res) => {
      json(res, 410, status(410, 'Expired', 'too old'));
    };
    const lw = httpListerWatcher(client, { apiVersion: 'v1', resource: 'pods' });
    await assert.rejects(
      lw.watch({
        resourceVersion: '1',
        timeoutSeconds: 300,
        signal: new AbortController().signal,
        onEvent: () => undefined,
      }),
      (err) => isGone(err),
    );
  });

  it('aborting ends an open watch', async () => {
    server.respond = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"1"}}}\n');
    };
    const lw = httpListerWatcher(client, { apiVersion: 'v1', resource: 'pods' });
    const abort = new AbortController();
    const watching = lw.watch({
      resourceVersion: '1',
      timeoutSeconds: 300,
      signal: abort.signal,
      onEvent: () => {
        abort.abort();
      },
    });
    await assert.rejects(watching, (err: unknown) => err instanceof Error && err.name === 'AbortError');
  });

  it('refuses to watch a single object', () => {
    assert.throws(
      () => httpListerWatcher(client, { apiVersion: 'v1', resource: 'pods', namespace: 'a', name: 'p' }),
      /collection/,
    );
  });
});

describe('enqueueHandler on updates', () => {
  it('adds a key once when old and new map to it, so an idle worker reconciles the change once', async () => {
    const q = new WorkQueue({ name: 't', clock: new ManualClock(0) });
    const pending = q.get(); // an idle worker waiting for work
    enqueueHandler<JsonObject>(q).onUpdate?.(pod('p', '1'), pod('p', '2'), 'a/p');
    const item = await pending;
    assert.equal(item, 'a/p');
    q.done('a/p');
    assert.equal(q.length, 0, 'no second reconcile of the same change');
  });

  it('adds both keys when an update moves an object between keys', () => {
    const q = new WorkQueue({ name: 't', clock: new ManualClock(0) });
    const byLabel = enqueueHandler<JsonObject>(
      q,
      (obj) => (obj.metadata as { resourceVersion: string }).resourceVersion,
    );
    byLabel.onUpdate?.(pod('p', '1'), pod('p', '2'), 'a/p');
    assert.equal(q.length, 2);
  });
});
