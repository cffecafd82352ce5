import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/kube/clock.ts';
import {
  BucketLimiter,
  ItemExponentialLimiter,
  MaxOfLimiter,
  TokenBucket,
  defaultControllerRateLimiter,
} from '../../../src/kube/ratelimit.ts';

describe('ItemExponentialLimiter', () => {
  it('starts at 5 ms and doubles per retry of the same key', () => {
    const l = new ItemExponentialLimiter();
    assert.deepEqual(
      Array.from({ length: 5 }, () => l.when('a')),
      [5, 10, 20, 40, 80],
    );
    assert.equal(l.retries('a'), 5);
  });

  it('caps at 1000 s', () => {
    const l = new ItemExponentialLimiter();
    let last = 0;
    for (let i = 0; i < 40; i++) last = l.when('a');
    assert.equal(last, 1_000_000);
  });

  it('keeps keys independent and forgets on success', () => {
    const l = new ItemExponentialLimiter({ baseMs: 1, maxMs: 1000 });
    l.when('a');
    l.when('a');
    assert.equal(l.when('b'), 1);
    l.forget('a');
    assert.equal(l.retries('a'), 0);
    assert.equal(l.when('a'), 1);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then spaces calls at 1/qps', () => {
    const clock = new ManualClock(0);
    const bucket = new TokenBucket({ qps: 10, burst: 3, clock });
    assert.deepEqual([bucket.reserve(), bucket.reserve(), bucket.reserve()], [0, 0, 0]);
    assert.equal(Math.round(bucket.reserve()), 100);
    assert.equal(Math.round(bucket.reserve()), 200);
  });

  it('refills over time but never beyond the burst', async () => {
    const clock = new ManualClock(0);
    const bucket = new TokenBucket({ qps: 10, burst: 2, clock });
    bucket.reserve();
    bucket.reserve();
    await clock.advance(10_000);
    assert.equal(bucket.available(), 2);
  });

  it('take() waits for its reservation and gives up when aborted', async () => {
    const clock = new ManualClock(0);
    const bucket = new TokenBucket({ qps: 1, burst: 1, clock });
    assert.equal(await bucket.take(), true);
    let done: boolean | undefined;
    void bucket.take().then((r) => (done = r));
    await clock.advance(999);
    assert.equal(done, undefined);
    await clock.advance(1);
    assert.equal(done, true);
    const abort = new AbortController();
    const pending = bucket.take(abort.signal);
    abort.abort();
    assert.equal(await pending, false);
  });

  it('rejects a zero rate or burst', () => {
    assert.throws(() => new TokenBucket({ qps: 0, burst: 1 }), /qps/);
    assert.throws(() => new TokenBucket({ qps: 1, burst: 0 }), /burst/);
  });
});

describe('combined controller limiter', () => {
  it('takes the larger delay of per-key backoff and the overall bucket', () => {
    const clock = new ManualClock(0);
    const limiter = new MaxOfLimiter(
      new ItemExponentialLimiter({ baseMs: 5, maxMs: 1_000_000 }),
      new BucketLimiter(new TokenBucket({ qps: 10, burst: 2, clock })),
    );
    // Within the burst: per-key backoff decides.
    assert.equal(limiter.when('a'), 5);
    assert.equal(limiter.when('a'), 10);
    // Bucket exhausted: the bucket's 100 ms wins over a fresh key's 5 ms.
    assert.equal(Math.round(limiter.when('b')), 100);
    assert.equal(limiter.retries('a'), 2);
    limiter.forget('a');
    assert.equal(limiter.retries('a'), 0);
  });

  it('default: 100 different keys go at once, the 101st waits for the bucket', () => {
    const clock = new ManualClock(0);
    const limiter = defaultControllerRateLimiter(clock);
    for (let i = 0; i < 100; i++) assert.equal(limiter.when(`k${i}`), 5);
    assert.equal(Math.round(limiter.when('k100')), 100);
  });
});
