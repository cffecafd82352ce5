import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapConcurrently } from '../../../../src/controller/namespace/concurrently.ts';
import { ReconcilePacer } from '../../../../src/controller/namespace/pacer.ts';

describe('ReconcilePacer', () => {
  it('lets a change after a quiet spell through at once, and parks one within the interval', () => {
    const pacer = new ReconcilePacer({ minIntervalMs: 1000 });
    assert.equal(pacer.delayMs('a', 0), 0, 'never reconciled');
    pacer.started('a', 10_000);
    assert.equal(pacer.delayMs('a', 10_000), 1000);
    assert.equal(pacer.delayMs('a', 10_400), 600);
    assert.equal(pacer.delayMs('a', 11_000), 0);
    assert.equal(pacer.delayMs('b', 10_400), 0, 'namespaces are paced apart');
  });

  it('stretches the interval with what the analysis costs, up to its cap', () => {
    const pacer = new ReconcilePacer({ minIntervalMs: 1000, costFactor: 20, maxIntervalMs: 5000 });
    pacer.started('a', 0);
    pacer.measured('a', 120);
    assert.equal(pacer.intervalMs('a'), 2400);
    assert.equal(pacer.delayMs('a', 400), 2000);
    pacer.measured('a', 10_000);
    assert.equal(pacer.intervalMs('a'), 5000);
    // The cost measured last time carries over to the next start, until measured again.
    pacer.started('a', 100_000);
    assert.equal(pacer.delayMs('a', 100_000), 5000);
  });

  it('ignores a measurement for a namespace that never started, and forgets one on request', () => {
    const pacer = new ReconcilePacer({ minIntervalMs: 500 });
    pacer.measured('ghost', 1000);
    assert.equal(pacer.size, 0);
    pacer.started('a', 0);
    assert.equal(pacer.size, 1);
    pacer.forget('a');
    assert.equal(pacer.size, 0);
    assert.equal(pacer.delayMs('a', 1), 0);
  });

  it('refuses a negative interval or cost factor', () => {
    assert.throws(() => new ReconcilePacer({ minIntervalMs: -1 }), /minimum reconcile interval must be >= 0/);
    assert.throws(() => new ReconcilePacer({ minIntervalMs: 0, costFactor: Number.NaN }), /cost factor/);
  });
});

describe('mapConcurrently', () => {
  it('keeps the items order in its results and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapConcurrently([5, 1, 4, 2, 3, 0], 2, async (n, i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, n));
      running--;
      return `${i}:${n}`;
    });
    assert.deepEqual(results, ['0:5', '1:1', '2:4', '3:2', '4:3', '5:0']);
    assert.equal(peak, 2);
  });

  it('runs every task even when one fails, then rejects with the first failure', async () => {
    const ran: number[] = [];
    await assert.rejects(
      mapConcurrently([0, 1, 2, 3], 2, async (n) => {
        ran.push(n);
        await Promise.resolve();
        if (n === 1) throw new Error('first');
        if (n === 3) throw new Error('second');
        return n;
      }),
      /^Error: first$/,
    );
    assert.deepEqual(ran.sort(), [0, 1, 2, 3]);
  });

  it('resolves an empty list and refuses a limit that is not a positive integer', async () => {
    assert.deepEqual(await mapConcurrently([], 3, () => Promise.resolve(1)), []);
    await assert.rejects(
      mapConcurrently([1], 0, () => Promise.resolve(1)),
      /positive integer, got 0/,
    );
    await assert.rejects(
      mapConcurrently([1], 1.5, () => Promise.resolve(1)),
      /positive integer/,
    );
  });
});
