import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from '../../../src/kube/backoff.ts';
import { ManualClock, sleep } from '../../../src/kube/clock.ts';

describe('ManualClock', () => {
  it('fires timers in time order and only when due', async () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimer(() => fired.push('b'), 20);
    clock.setTimer(() => fired.push('a'), 10);
    clock.setTimer(() => fired.push('c'), 30);
    await clock.advance(25);
    assert.deepEqual(fired, ['a', 'b']);
    assert.equal(clock.now(), 25);
    assert.equal(clock.nextTimerDelay(), 5);
    await clock.advance(5);
    assert.deepEqual(fired, ['a', 'b', 'c']);
    assert.equal(clock.pendingTimers(), 0);
  });

  it('does not fire cancelled timers', async () => {
    const clock = new ManualClock(0);
    let fired = false;
    const handle = clock.setTimer(() => (fired = true), 10);
    handle.cancel();
    await clock.advance(100);
    assert.equal(fired, false);
  });

  it('fires timers that fired timers schedule within the same advance', async () => {
    const clock = new ManualClock(0);
    const at: number[] = [];
    clock.setTimer(() => {
      at.push(clock.now());
      clock.setTimer(() => at.push(clock.now()), 10);
    }, 10);
    await clock.advance(50);
    assert.deepEqual(at, [10, 20]);
  });
});

describe('sleep', () => {
  it('resolves true after the delay', async () => {
    const clock = new ManualClock(0);
    let result: boolean | undefined;
    void sleep(clock, 100).then((r) => (result = r));
    await clock.advance(99);
    assert.equal(result, undefined);
    await clock.advance(1);
    assert.equal(result, true);
  });

  it('resolves false at once when aborted, and cancels its timer', async () => {
    const clock = new ManualClock(0);
    const abort = new AbortController();
    const pending = sleep(clock, 1000, abort.signal);
    abort.abort();
    assert.equal(await pending, false);
    assert.equal(clock.pendingTimers(), 0);
    assert.equal(await sleep(clock, 10, abort.signal), false);
  });
});

describe('Backoff', () => {
  it('doubles from the initial delay up to the cap without jitter', () => {
    const b = new Backoff({ initialMs: 1000, maxMs: 30_000, jitter: 0 });
    const delays = Array.from({ length: 7 }, () => b.next());
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    assert.equal(b.failures, 7);
    b.reset();
    assert.equal(b.next(), 1000);
  });

  it('adds at most the jitter fraction', () => {
    const b = new Backoff({ initialMs: 1000, maxMs: 30_000, jitter: 0.5, random: () => 0.999 });
    const d = b.next();
    assert.ok(d > 1000 && d < 1500, `delay ${d}`);
  });

  it('stays finite after very many failures', () => {
    const b = new Backoff({ initialMs: 1, maxMs: 50, jitter: 0 });
    for (let i = 0; i < 5000; i++) b.next();
    assert.equal(b.next(), 50);
  });

  it('rejects nonsense options', () => {
    assert.throws(() => new Backoff({ initialMs: 0, maxMs: 10 }), /initialMs/);
    assert.throws(() => new Backoff({ initialMs: 10, maxMs: 5 }), /maxMs/);
    assert.throws(() => new Backoff({ initialMs: 1, maxMs: 5, factor: 0.5 }), /factor/);
  });
});
