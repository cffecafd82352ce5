import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, settle } from '../../../src/kube/clock.ts';
import type { MetricLabels } from '../../../src/kube/metrics.ts';
import { ItemExponentialLimiter } from '../../../src/kube/ratelimit.ts';
import { WorkQueue, runWorkers, type ReconcileResult } from '../../../src/kube/workqueue.ts';
import { createLogger } from '../../../src/observability/logger.ts';

const logger = createLogger({ level: 'silent' });

function queue(clock = new ManualClock(0)): { q: WorkQueue; clock: ManualClock } {
  return {
    q: new WorkQueue({
      name: 'test',
      clock,
      rateLimiter: new ItemExponentialLimiter({ baseMs: 5, maxMs: 1000 }),
    }),
    clock,
  };
}

describe('WorkQueue', () => {
  it('hands keys out in FIFO order and de-duplicates queued keys', async () => {
    const { q } = queue();
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.length, 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(q.length, 0);
    assert.equal(q.processing, 2);
  });

  it('never hands a key to two workers: a re-add while processing waits for done', async () => {
    const { q } = queue();
    q.add('a');
    assert.equal(await q.get(), 'a');
    q.add('a');
    q.add('a');
    assert.equal(q.length, 0, 'not queued while a worker holds it');
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await settle();
    assert.equal(second, undefined);
    q.done('a');
    await settle();
    assert.equal(second, 'a', 'handed out again exactly once after done');
    assert.equal(q.length, 0);
  });

  it('a key done without re-add does not come back', async () => {
    const { q } = queue();
    q.add('a');
    await q.get();
    q.done('a');
    assert.equal(q.length, 0);
    assert.equal(q.processing, 0);
  });

  it('a blocked get() receives the next added key', async () => {
    const { q } = queue();
    const pending = q.get();
    q.add('x');
    assert.equal(await pending, 'x');
  });

  it('addAfter parks a key until its time and keeps the earliest time', async () => {
    const { q, clock } = queue();
    q.addAfter('a', 100);
    q.addAfter('a', 50);
    q.addAfter('a', 500);
    assert.equal(q.waiting, 1);
    await clock.advance(49);
    assert.equal(q.length, 0);
    await clock.advance(1);
    assert.equal(q.length, 1);
    assert.equal(q.waiting, 0);
    await clock.advance(1000);
    assert.equal(q.length, 1, 'the later requests were merged, not queued again');
  });

  it('addAfter with no delay adds at once', () => {
    const { q } = queue();
    q.addAfter('a', 0);
    assert.equal(q.length, 1);
  });

  it('addRateLimited backs off per key and forget resets it', async () => {
    const { q, clock } = queue();
    q.addRateLimited('a');
    assert.equal(clock.nextTimerDelay(), 5);
    await clock.advance(5);
    assert.equal(await q.get(), 'a');
    q.done('a');
    q.addRateLimited('a');
    assert.equal(clock.nextTimerDelay(), 10);
    assert.equal(q.retries('a'), 2);
    q.forget('a');
    assert.equal(q.retries('a'), 0);
  });

  it('shutdown releases blocked getters, drops parked keys and ignores new adds', async () => {
    const { q, clock } = queue();
    const pending = q.get();
    q.addAfter('later', 100);
    q.shutdown();
    assert.equal(await pending, undefined);
    assert.equal(q.waiting, 0);
    q.add('x');
    assert.equal(q.length, 0);
    assert.equal(await q.get(), undefined);
    await clock.advance(1000);
    assert.equal(q.length, 0);
  });

  it('shutdownWithDrain waits for keys being processed', async () => {
    const { q } = queue();
    q.add('a');
    await q.get();
    let drained = false;
    void q.shutdownWithDrain().then(() => (drained = true));
    await settle();
    assert.equal(drained, false);
    q.done('a');
    await settle();
    assert.equal(drained, true);
  });

  it('reports adds, retries and depth to the metric hooks', async () => {
    const calls: string[] = [];
    const counter = (name: string) => ({
      inc: (labels: MetricLabels) => calls.push(`${name}:${labels.name}`),
    });
    const depths: number[] = [];
    const q = new WorkQueue({
      name: 'm',
      clock: new ManualClock(0),
      metrics: {
        adds: counter('add'),
        retries: counter('retry'),
        depth: { set: (_labels, value) => depths.push(value) },
      },
    });
    q.add('a');
    q.add('a');
    q.addRateLimited('b');
    await q.get();
    assert.deepEqual(calls, ['add:m', 'retry:m']);
    assert.deepEqual(depths, [1, 0]);
  });
});

describe('runWorkers', () => {
  it('reconciles every key and forgets it on success', async () => {
    const { q } = queue();
    const seen: string[] = [];
    q.add('a');
    q.add('b');
    q.addRateLimited('c');
    const abort = new AbortController();
    const done = runWorkers(
      q,
      (key) => {
        seen.push(key);
        return Promise.resolve(undefined);
      },
      { logger, signal: abort.signal },
    );
    await settle();
    assert.deepEqual(seen, ['a', 'b']);
    abort.abort();
    await done;
    assert.equal(q.retries('a'), 0);
  });

  it('retries a throwing reconcile with growing backoff, never in a hot loop', async () => {
    const { q, clock } = queue();
    let calls = 0;
    q.add('bad');
    const abort = new AbortController();
    const done = runWorkers(
      q,
      () => {
        calls++;
        return Promise.reject(new Error('boom'));
      },
      { logger, signal: abort.signal, clock },
    );
    await settle();
    assert.equal(calls, 1);
    assert.equal(clock.nextTimerDelay(), 5);
    await clock.advance(5);
    assert.equal(calls, 2);
    assert.equal(clock.nextTimerDelay(), 10);
    await clock.advance(10);
    assert.equal(calls, 3);
    assert.equal(clock.nextTimerDelay(), 20);
    abort.abort();
    await done;
  });

  it('requeueAfterMs re-adds after that delay with the error backoff reset', async () => {
    const { q, clock } = queue();
    let calls = 0;
    q.add('k');
    const abort = new AbortController();
    const done = runWorkers(
      q,
      (): Promise<ReconcileResult> => {
        calls++;
        // The first attempt fails (a retry is recorded), later ones ask to come back in a minute.
        return calls === 1 ? Promise.reject(new Error('first')) : Promise.resolve({ requeueAfterMs: 60_000 });
      },
      { logger, signal: abort.signal, clock },
    );
    await settle();
    assert.equal(q.retries('k'), 1);
    await clock.advance(5);
    assert.equal(calls, 2);
    assert.equal(q.retries('k'), 0);
    await clock.advance(59_999);
    assert.equal(calls, 2);
    await clock.advance(1);
    assert.equal(calls, 3);
    abort.abort();
    await done;
  });

  it('requeue: true and requeueAfterMs: 0 go through the rate limiter', async () => {
    const { q, clock } = queue();
    const results: ReconcileResult[] = [{ requeue: true }, { requeueAfterMs: 0 }, {}];
    let calls = 0;
    q.add('k');
    const abort = new AbortController();
    const done = runWorkers(q, () => Promise.resolve(results[calls++]), {
      logger,
      signal: abort.signal,
      clock,
    });
    await settle();
    assert.equal(calls, 1);
    assert.equal(clock.nextTimerDelay(), 5);
    await clock.advance(5);
    assert.equal(calls, 2);
    assert.equal(clock.nextTimerDelay(), 10);
    await clock.advance(10);
    assert.equal(calls, 3);
    assert.equal(clock.pendingTimers(), 0);
    abort.abort();
    await done;
  });

  it('with several workers, one key is never reconciled concurrently', async () => {
    const { q } = queue();
    let inFlight = 0;
    let maxInFlightSameKey = 0;
    let calls = 0;
    const release: (() => void)[] = [];
    q.add('same');
    const abort = new AbortController();
    const done = runWorkers(
      q,
      async () => {
        calls++;
        inFlight++;
        maxInFlightSameKey = Math.max(maxInFlightSameKey, inFlight);
        await new Promise<void>((r) => release.push(r));
        inFlight--;
        return undefined;
      },
      { logger, signal: abort.signal, concurrency: 4 },
    );
    await settle();
    q.add('same');
    q.add('same');
    await settle();
    assert.equal(calls, 1);
    release.shift()?.();
    await settle();
    assert.equal(calls, 2, 'the re-adds collapse into one more reconcile');
    release.shift()?.();
    await settle();
    assert.equal(calls, 2);
    assert.equal(maxInFlightSameKey, 1);
    abort.abort();
    await done;
  });

  it('aborting the signal aborts in-flight reconciles and ends the workers', async () => {
    const { q } = queue();
    q.add('slow');
    let sawAbort = false;
    const abort = new AbortController();
    const done = runWorkers(
      q,
      (_key, signal) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            sawAbort = true;
            resolve(undefined);
          });
        }),
      { logger, signal: abort.signal, concurrency: 2 },
    );
    await settle();
    abort.abort();
    await done;
    assert.equal(sawAbort, true);
    assert.equal(q.shuttingDown, true);
  });

  it('counts reconcile results', async () => {
    const { q } = queue();
    const results: string[] = [];
    q.add('ok');
    q.add('bad');
    const abort = new AbortController();
    const done = runWorkers(
      q,
      (key) => (key === 'bad' ? Promise.reject(new Error('x')) : Promise.resolve(undefined)),
      {
        logger,
        signal: abort.signal,
        metrics: { reconciles: { inc: (labels) => results.push(`${labels.controller}:${labels.result}`) } },
      },
    );
    await settle();
    abort.abort();
    await done;
    assert.deepEqual(results, ['test:success', 'test:error']);
  });

  it('rejects a bad concurrency', async () => {
    const { q } = queue();
    await assert.rejects(
      runWorkers(q, () => Promise.resolve(undefined), { logger, concurrency: 0 }),
      /concurrency/,
    );
  });
});
