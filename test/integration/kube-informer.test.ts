// The informer against a real kube-apiserver: list + watch, and recovery from cut connections,
// server-ended watches, a stalled stream (watchdog), and 410 Gone both in-stream and as an HTTP answer.
//
// Faults are injected by a small HTTP proxy in front of the apiserver (the informer's client talks
// plain HTTP to the proxy; the proxy talks TLS with the admin client certificate to the apiserver).
// It can cut every open connection, refuse watches with 503, answer the next watch with HTTP 410,
// write an in-stream ERROR 410 event into open watches, or hold watch streams silent.
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import type { JsonObject } from '../../src/inject/types.ts';
import { KubeClient, isGone, resourcePath } from '../../src/kube/client.ts';
import {
  Informer,
  enqueueHandler,
  httpListerWatcher,
  type InformerOptions,
} from '../../src/kube/informer.ts';
import type { MetricLabels } from '../../src/kube/metrics.ts';
import { mergePatch } from '../../src/kube/patch.ts';
import { WorkQueue, runWorkers } from '../../src/kube/workqueue.ts';
import { createLogger, parseLogLevel } from '../../src/observability/logger.ts';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.ts';

const logger = createLogger({ level: parseLogLevel(process.env.LOG_LEVEL, 'silent'), fd: 2 });
const namespace = 'informer-test';

async function eventually(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function statusBody(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
}

interface FaultProxy {
  readonly url: string;
  readonly counts: { lists: number; watches: number };
  /** Answer new watch requests with 503. */
  refuseWatches: boolean;
  /** Answer this many next watch requests with HTTP 410. */
  goneWatches: number;
  /** Forward new watch requests but relay nothing back and never end them. */
  stallWatches: boolean;
  /** Destroys every open connection, as a network failure would. */
  cutAll(): void;
  /** Writes an ERROR 410 event into every open watch and ends it, as the apiserver does for expired versions. */
  injectGone(): void;
  close(): Promise<void>;
}

interface OpenWatch {
  readonly res: http.ServerResponse;
  readonly upstream: http.ClientRequest;
  upRes?: http.IncomingMessage;
}

async function startFaultProxy(cp: ControlPlane): Promise<FaultProxy> {
  const tls: https.RequestOptions = {};
  await cp.kubeConfig.applyToHTTPSOptions(tls);
  const target = new URL(cp.url);
  const agent = new https.Agent({ ca: tls.ca, cert: tls.cert, key: tls.key, keepAlive: true });
  const sockets = new Set<Socket>();
  const watches = new Set<OpenWatch>();

  const proxy: FaultProxy = {
    url: '',
    counts: { lists: 0, watches: 0 },
    refuseWatches: false,
    goneWatches: 0,
    stallWatches: false,
    cutAll() {
      for (const socket of sockets) socket.destroy();
      for (const w of watches) w.upstream.destroy();
      watches.clear();
    },
    injectGone() {
      for (const w of watches) {
        if (w.upRes !== undefined) w.upRes.unpipe(w.res);
        w.res.end(
          `\n{"type":"ERROR","object":${statusBody(410, 'Expired', 'too old resource version (injected)')}}\n`,
        );
        w.upstream.destroy();
      }
      watches.clear();
    },
    close: () =>
      new Promise((resolve) => {
        proxy.cutAll();
        agent.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const isWatch = url.searchParams.get('watch') === 'true';
    if (isWatch) proxy.counts.watches++;
    else if (req.method === 'GET') proxy.counts.lists++;
    if (isWatch && proxy.refuseWatches) {
      res.writeHead(503, { 'Content-Type': 'application/json' });
      res.end(statusBody(503, 'ServiceUnavailable', 'refused by the fault proxy'));
      return;
    }
    if (isWatch && proxy.goneWatches > 0) {
      proxy.goneWatches--;
      res.writeHead(410, { 'Content-Type': 'application/json' });
      res.end(statusBody(410, 'Expired', 'too old resource version (injected)'));
      return;
    }
    const stall = isWatch && proxy.stallWatches;
    const headers = { ...req.headers, host: target.host };
    const upstream = https.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers, agent },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        if (stall) {
          res.flushHeaders();
          upRes.resume(); // swallow everything; the client hears nothing more
          return;
        }
        upRes.pipe(res);
        if (entry !== undefined) entry.upRes = upRes;
      },
    );
    upstream.on('error', () => res.destroy());
    const entry: OpenWatch | undefined = isWatch ? { res, upstream } : undefined;
    if (entry !== undefined) {
      watches.add(entry);
      res.on('close', () => {
        watches.delete(entry);
        upstream.destroy();
      });
    }
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, { url: `http://127.0.0.1:${port}` });
}

/** A client that reaches the apiserver through `proxy` (which adds the credentials). */
function clientVia(proxy: FaultProxy): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'proxy', server: proxy.url, skipTLSVerify: true }],
    users: [{ name: 'anonymous' }],
    contexts: [{ name: 'proxy', cluster: 'proxy', user: 'anonymous' }],
    currentContext: 'proxy',
  });
  return new KubeClient(kc);
}

function podManifest(name: string, labels: Record<string, string> = {}): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: 'informer-test', ...labels } },
    spec: { containers: [{ name: 'c', image: 'registry.example/app:1' }] },
  };
}

interface Recorded {
  readonly events: string[];
  readonly restarts: string[];
}

function podInformer(
  client: KubeClient,
  extra: Partial<InformerOptions<JsonObject>> = {},
): { informer: Informer; rec: Recorded } {
  const rec: Recorded = { events: [], restarts: [] };
  const informer = new Informer<JsonObject>({
    name: 'pods',
    source: httpListerWatcher(
      client,
      { apiVersion: 'v1', resource: 'pods', namespace },
      { labelSelector: 'app=informer-test' },
    ),
    logger,
    backoff: { initialMs: 100, maxMs: 1000 },
    metrics: { restarts: { inc: (l: MetricLabels) => rec.restarts.push(l.reason ?? '') } },
    ...extra,
  });
  const label = (obj: JsonObject): string => {
    const labels = (obj.metadata as JsonObject | undefined)?.labels as JsonObject | undefined;
    return typeof labels?.step === 'string' ? labels.step : '-';
  };
  informer.addHandler({
    onAdd: (obj, key) => rec.events.push(`add ${key}`),
    onUpdate: (old, obj, key) => rec.events.push(`update ${key} ${label(old)}->${label(obj)}`),
    onDelete: (_obj, key) => rec.events.push(`delete ${key}`),
  });
  return { informer, rec };
}

describe('informer against a real apiserver', { timeout: 240_000 }, () => {
  let cp: ControlPlane;
  let admin: KubeClient;
  let proxy: FaultProxy;
  const pods = resourcePath({ apiVersion: 'v1', resource: 'pods', namespace });

  const createPod = (name: string): Promise<JsonObject> =>
    admin.request({ method: 'POST', path: pods, body: podManifest(name) });
  const deletePod = (name: string): Promise<JsonObject> =>
    admin.request({ method: 'DELETE', path: `${pods}/${name}`, query: { gracePeriodSeconds: 0 } });

  before(async () => {
    cp = await startControlPlane({
      nodes: 0,
      extraFlags: { 'kube-apiserver': ['--etcd-compaction-interval=2s', '--watch-cache-sizes=configmaps#0'] },
    });
    admin = KubeClient.load({ kubeconfig: cp.kubeconfigPath });
    await admin.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    });
    proxy = await startFaultProxy(cp);
  });

  after(async () => {
    await proxy.close();
    admin.close();
    await cp.stop();
  });

  it('lists existing pods, then sees adds, updates (old and new) and deletes', async () => {
    await createPod('listed-a');
    await createPod('listed-b');
    const { informer, rec } = podInformer(admin);
    informer.start();
    try {
      await informer.waitForSync();
      assert.deepEqual(rec.events.sort(), [`add ${namespace}/listed-a`, `add ${namespace}/listed-b`]);
      rec.events.length = 0;
      await createPod('watched');
      await eventually(() => informer.get(`${namespace}/watched`) !== undefined, 'watched pod cached');
      await mergePatch(
        admin,
        { apiVersion: 'v1', resource: 'pods', namespace, name: 'watched' },
        { metadata: { labels: { step: 'two' } } },
      );
      await eventually(
        () => rec.events.includes(`update ${namespace}/watched -->two`),
        'update seen with old and new',
      );
      await deletePod('watched');
      await eventually(() => informer.get(`${namespace}/watched`) === undefined, 'deleted pod dropped');
      // The scheduler also writes status to these node-less pods, so other updates may come in between.
      const watched = rec.events.filter((e) => e.includes('/watched') && !/ (\S+)->\1$/.test(e));
      assert.deepEqual(watched, [
        `add ${namespace}/watched`,
        `update ${namespace}/watched -->two`,
        `delete ${namespace}/watched`,
      ]);
      assert.ok(!rec.events.some((e) => e.startsWith('delete') && e.includes('listed')));
      assert.equal(informer.byNamespace(namespace).length, 2);
    } finally {
      await informer.stop();
    }
  });

  it('resumes from its resourceVersion after the connection is cut (no relist)', async () => {
    const client = clientVia(proxy);
    const { informer, rec } = podInformer(client);
    const before = { ...proxy.counts };
    informer.start();
    try {
      await informer.waitForSync();
      await eventually(() => proxy.counts.watches > before.watches, 'watch open');
      proxy.cutAll();
      await createPod('after-cut');
      await eventually(
        () => informer.get(`${namespace}/after-cut`) !== undefined,
        'pod created after the cut seen',
      );
      assert.equal(proxy.counts.lists - before.lists, 1, 'listed once');
      assert.ok(proxy.counts.watches - before.watches >= 2, 'watched again');
      assert.deepEqual(rec.restarts, ['error']);
    } finally {
      await informer.stop();
      client.close();
    }
  });

  it('relists after an in-stream ERROR 410 and carries on watching', async () => {
    const client = clientVia(proxy);
    const { informer, rec } = podInformer(client);
    const before = { ...proxy.counts };
    informer.start();
    try {
      await informer.waitForSync();
      await eventually(() => proxy.counts.watches > before.watches, 'watch open');
      proxy.injectGone();
      await eventually(() => proxy.counts.lists - before.lists === 2, 'relisted');
      await createPod('after-gone');
      await eventually(
        () => informer.get(`${namespace}/after-gone`) !== undefined,
        'pod created after the relist seen',
      );
      assert.ok(rec.restarts.includes('gone'));
    } finally {
      await informer.stop();
      client.close();
    }
  });

  it('after an outage ending in HTTP 410, the relist reports what was missed', async () => {
    const client = clientVia(proxy);
    await createPod('doomed');
    const { informer, rec } = podInformer(client);
    informer.start();
    try {
      await informer.waitForSync();
      assert.ok(informer.get(`${namespace}/doomed`) !== undefined);
      proxy.refuseWatches = true;
      proxy.cutAll();
      await eventually(() => rec.restarts.filter((r) => r === 'error').length >= 2, 'watch retries refused');
      await deletePod('doomed');
      await createPod('born-offline');
      rec.events.length = 0;
      proxy.goneWatches = 1;
      proxy.refuseWatches = false;
      await eventually(
        () => informer.get(`${namespace}/born-offline`) !== undefined,
        'relist found the new pod',
      );
      assert.equal(informer.get(`${namespace}/doomed`), undefined);
      assert.ok(rec.events.includes(`delete ${namespace}/doomed`), 'the missed delete was reported');
      assert.ok(rec.events.includes(`add ${namespace}/born-offline`));
      assert.ok(rec.restarts.includes('gone'));
    } finally {
      proxy.refuseWatches = false;
      await informer.stop();
      client.close();
    }
  });

  it('re-watches when the server ends watches at timeoutSeconds, without relisting', async (t) => {
    const client = clientVia(proxy);
    const { informer, rec } = podInformer(client, { minWatchTimeoutSeconds: 1 });
    const before = { ...proxy.counts };
    informer.start();
    try {
      await informer.waitForSync();
      await eventually(() => proxy.counts.watches - before.watches >= 3, 'three watches');
      assert.equal(proxy.counts.lists - before.lists, 1);
      assert.deepEqual(rec.restarts, [], 'a server timeout is not a restart');
      await createPod('after-timeouts');
      await eventually(() => informer.get(`${namespace}/after-timeouts`) !== undefined, 'still watching');
      t.diagnostic(`watch requests: ${proxy.counts.watches - before.watches}`);
    } finally {
      await informer.stop();
      client.close();
    }
  });

  it('the watchdog abandons a silent stream and re-watches', async () => {
    const client = clientVia(proxy);
    const { informer, rec } = podInformer(client, { minWatchTimeoutSeconds: 1, watchdogMarginMs: 500 });
    informer.start();
    try {
      await informer.waitForSync();
      proxy.stallWatches = true;
      proxy.cutAll();
      await eventually(() => rec.restarts.includes('watchdog'), 'watchdog fired');
      proxy.stallWatches = false;
      await createPod('after-stall');
      await eventually(() => informer.get(`${namespace}/after-stall`) !== undefined, 'watching again');
    } finally {
      proxy.stallWatches = false;
      await informer.stop();
      client.close();
    }
  });

  it('relists when the real apiserver answers 410 for a compacted resourceVersion', async () => {
    // This file's apiserver compacts etcd every 2 s and serves configmaps without a watch cache, so a
    // watch from an old resourceVersion reaches etcd and fails with a genuine 410 Expired.
    const configmaps = resourcePath({ apiVersion: 'v1', resource: 'configmaps', namespace });
    const create = (name: string): Promise<JsonObject> =>
      admin.request({
        method: 'POST',
        path: configmaps,
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name, namespace, labels: { era: 'compaction' } },
        },
      });
    const anchor = await create('anchor');
    const staleVersion = (anchor.metadata as { resourceVersion: string }).resourceVersion;
    const real = httpListerWatcher(
      admin,
      { apiVersion: 'v1', resource: 'configmaps', namespace },
      { labelSelector: 'era=compaction' },
    );
    let compacted = false;
    for (let i = 0; !compacted; i++) {
      assert.ok(i < 60, 'etcd never compacted past the anchor');
      await create(`filler-${i}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      try {
        await real.watch({
          resourceVersion: staleVersion,
          timeoutSeconds: 1,
          signal: AbortSignal.timeout(5000),
          onEvent: (e) => {
            if (e.type === 'ERROR' && e.object.code === 410) compacted = true;
          },
        });
      } catch (err) {
        compacted = isGone(err);
      }
    }
    // An informer whose first list claims the stale version: its first watch meets the real 410.
    let lists = 0;
    const restarts: string[] = [];
    const informer = new Informer<JsonObject>({
      name: 'configmaps',
      source: {
        list: async (req) => {
          const page = await real.list(req);
          return ++lists === 1 ? { ...page, resourceVersion: staleVersion } : page;
        },
        watch: (req) => real.watch(req),
      },
      logger,
      metrics: { restarts: { inc: (l: MetricLabels) => restarts.push(l.reason ?? '') } },
    });
    informer.start();
    try {
      await informer.waitForSync();
      await eventually(() => lists === 2, 'relisted after the real 410');
      assert.deepEqual(restarts, ['gone']);
      await create('after-relist');
      await eventually(
        () => informer.get(`${namespace}/after-relist`) !== undefined,
        'watching from the fresh version',
      );
    } finally {
      await informer.stop();
    }
  });

  it('drives a controller: informer -> work queue -> reconcile -> patch, without hot-looping', async () => {
    const configmaps = resourcePath({ apiVersion: 'v1', resource: 'configmaps', namespace });
    for (const name of ['cm-1', 'cm-2', 'cm-3']) {
      await admin.request({
        method: 'POST',
        path: configmaps,
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name, namespace, labels: { stamp: 'wanted' } },
        },
      });
    }
    const informer = new Informer<JsonObject>({
      name: 'configmaps',
      source: httpListerWatcher(
        admin,
        { apiVersion: 'v1', resource: 'configmaps', namespace },
        { labelSelector: 'stamp=wanted' },
      ),
      logger,
    });
    const queue = new WorkQueue({ name: 'stamper' });
    informer.addHandler(enqueueHandler(queue));
    const stop = new AbortController();
    let reconciles = 0;
    let patches = 0;
    informer.start();
    const workers = runWorkers(
      queue,
      async (key, signal) => {
        reconciles++;
        const cm = informer.get(key);
        const annotations = (cm?.metadata as JsonObject | undefined)?.annotations as JsonObject | undefined;
        if (cm === undefined || annotations?.stamped === 'yes') return undefined;
        const [ns, name] = key.split('/');
        patches++;
        await mergePatch(
          admin,
          { apiVersion: 'v1', resource: 'configmaps', namespace: ns, name },
          { metadata: { annotations: { stamped: 'yes' } } },
          { fieldManager: 'mesh-injector-test', signal },
        );
        return undefined;
      },
      { logger, signal: stop.signal, concurrency: 2 },
    );
    try {
      await informer.waitForSync();
      const stamped = (): number =>
        informer
          .list()
          .filter(
            (cm) => ((cm.metadata as JsonObject).annotations as JsonObject | undefined)?.stamped === 'yes',
          ).length;
      await eventually(() => stamped() === 3, 'all three stamped');
      await eventually(() => queue.length === 0 && queue.processing === 0, 'queue idle');
      assert.equal(patches, 3, 'one write per object');
      // One reconcile per add, plus at most two for each object's own update (the watch event may land
      // while the key is still being processed, which defers one more pass until done).
      assert.ok(reconciles <= 9, `reconciles ${reconciles}`);
      const settled = reconciles;
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(reconciles, settled, 'nothing reconciles once the world is right');
    } finally {
      stop.abort();
      await workers;
      await informer.stop();
    }
  });
});
