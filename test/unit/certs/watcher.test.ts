import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CertificateWatcher } from '../../../src/certs/watcher.ts';
import type { JsonObject } from '../../../src/inject/types.ts';
import type { ListerWatcher, WatchEvent } from '../../../src/kube/informer.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import type { ServingCertificate } from '../../../src/webhook/server.ts';
import { issuedPair, secretObject } from './support.ts';

const logger = createLogger({ level: 'silent' });

/** A list/watch of one Secret that the test drives by hand. */
class SecretFeed implements ListerWatcher {
  readonly #initial: JsonObject[];
  #emit: ((event: WatchEvent) => void) | undefined;
  #version = 10;

  constructor(initial: JsonObject[]) {
    this.#initial = initial.map((s) => this.#versioned(s));
  }

  list(): Promise<{ items: JsonObject[]; resourceVersion: string }> {
    return Promise.resolve({ items: this.#initial, resourceVersion: String(this.#version) });
  }

  watch(request: { signal: AbortSignal; onEvent: (event: WatchEvent) => void }): Promise<void> {
    this.#emit = request.onEvent;
    return new Promise((resolve) => {
      request.signal.addEventListener('abort', () => {
        resolve();
      });
    });
  }

  get open(): boolean {
    return this.#emit !== undefined;
  }

  send(type: 'ADDED' | 'MODIFIED' | 'DELETED', secret: JsonObject): void {
    assert.ok(this.#emit !== undefined, 'the watch is open');
    this.#emit({ type, object: this.#versioned(secret) });
  }

  #versioned(secret: JsonObject): JsonObject {
    this.#version++;
    const metadata = { ...(secret.metadata as JsonObject), resourceVersion: String(this.#version) };
    return { ...secret, metadata };
  }
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(condition(), 'condition reached');
}

const now = Date.now();

describe('CertificateWatcher', () => {
  it('is unready until the Secret holds a servable certificate, then hands it to listeners', async () => {
    const feed = new SecretFeed([]);
    const watcher = new CertificateWatcher({ namespace: 'ops', name: 'tls', logger, source: feed });
    const received: ServingCertificate[] = [];
    const bundles: string[] = [];
    watcher.onChange((c) => received.push(c));
    watcher.onCaBundleChange((b) => bundles.push(b));
    watcher.start();
    try {
      await watcher.waitForSync();
      await until(() => feed.open);
      assert.equal(watcher.ready(), false);
      assert.match(watcher.readiness.check() ?? '', /Secret ops\/tls has not been read yet/);
      assert.equal(watcher.caBundle(), undefined);

      const pair = await issuedPair({ now });
      feed.send('ADDED', secretObject(pair.material));
      await until(() => received.length === 1);
      assert.equal(received[0]?.cert, pair.material.servingCertificate);
      assert.equal(received[0]?.key, pair.material.servingKey);
      assert.equal(watcher.ready(), true);
      assert.equal(watcher.readiness.check(), undefined);
      assert.deepEqual(bundles, [pair.caPem]);

      // The same certificate again (an annotation changed): no new hand-over.
      feed.send('MODIFIED', secretObject(pair.material, { note: 'touched' }));
      assert.equal(received.length, 1);

      // A late subscriber gets the current certificate at once.
      const late: ServingCertificate[] = [];
      watcher.onChange((c) => late.push(c));
      assert.equal(late.length, 1);
    } finally {
      await watcher.stop();
    }
  });

  it('keeps serving the last good certificate when the Secret turns bad or disappears', async () => {
    const pair = await issuedPair({ now });
    const feed = new SecretFeed([secretObject(pair.material)]);
    const watcher = new CertificateWatcher({ namespace: 'ops', name: 'tls', logger, source: feed });
    const received: ServingCertificate[] = [];
    watcher.onChange((c) => received.push(c));
    watcher.start();
    try {
      await watcher.waitForSync();
      await until(() => feed.open);
      assert.equal(received.length, 1);

      feed.send('MODIFIED', secretObject({ ...pair.material, servingCertificate: 'garbage' }));
      assert.equal(received.length, 1, 'nothing handed over');
      assert.equal(watcher.current()?.cert, pair.material.servingCertificate);
      assert.equal(watcher.ready(), true, 'still ready: the certificate in memory is valid');

      feed.send('DELETED', secretObject(pair.material));
      assert.equal(watcher.current()?.cert, pair.material.servingCertificate);
      assert.equal(watcher.caBundle(), pair.caPem, 'the published bundle stays too');

      const next = await issuedPair({ now });
      feed.send('ADDED', secretObject(next.material));
      await until(() => received.length === 2);
      assert.equal(received[1]?.cert, next.material.servingCertificate);
      assert.equal(watcher.caBundle(), next.caPem);
    } finally {
      await watcher.stop();
    }
  });

  it('a listener that throws does not stop the others', async () => {
    const pair = await issuedPair({ now });
    const feed = new SecretFeed([secretObject(pair.material)]);
    const watcher = new CertificateWatcher({ namespace: 'ops', name: 'tls', logger, source: feed });
    let calls = 0;
    watcher.onChange(() => {
      throw new Error('bad listener');
    });
    const stop = watcher.onChange(() => calls++);
    watcher.start();
    try {
      await watcher.waitForSync();
      await until(() => feed.open);
      assert.equal(calls, 1);
      stop();
      const next = await issuedPair({ now });
      feed.send('MODIFIED', secretObject(next.material));
      assert.equal(calls, 1, 'an unsubscribed listener gets nothing');
    } finally {
      await watcher.stop();
    }
  });

  it('needs a client or a source', () => {
    assert.throws(
      () => new CertificateWatcher({ namespace: 'ops', name: 'tls', logger }),
      /give a client or a source/,
    );
  });
});
