import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { ManualClock, settle } from '../../../src/kube/clock.ts';
import { Shutdown, type SignalSource } from '../../../src/kube/shutdown.ts';
import { createLogger } from '../../../src/observability/logger.ts';

const logger = createLogger({ level: 'silent' });

describe('Shutdown', () => {
  it('stops components in reverse registration order, one after the other', async () => {
    const s = new Shutdown({ logger, clock: new ManualClock(0) });
    const order: string[] = [];
    s.register('webhook', () => {
      order.push('webhook');
    });
    s.register('controllers', async () => {
      await settle(1);
      order.push('controllers');
    });
    s.register('leader', () => {
      order.push('leader');
    });
    const result = await s.shutdown('test');
    assert.deepEqual(order, ['leader', 'controllers', 'webhook']);
    assert.deepEqual(result, { stopped: ['leader', 'controllers', 'webhook'], failed: [], timedOut: [] });
  });

  it('runs once: a second call returns the same result without stopping again', async () => {
    const s = new Shutdown({ logger, clock: new ManualClock(0) });
    let calls = 0;
    s.register('x', () => {
      calls++;
    });
    const [a, b] = await Promise.all([s.shutdown(), s.shutdown()]);
    assert.equal(calls, 1);
    assert.equal(a, b);
  });

  it('reports a failing component and still stops the rest', async () => {
    const s = new Shutdown({ logger, clock: new ManualClock(0) });
    const order: string[] = [];
    s.register('first', () => {
      order.push('first');
    });
    s.register('broken', () => {
      throw new Error('cannot stop');
    });
    const result = await s.shutdown();
    assert.deepEqual(order, ['first']);
    assert.deepEqual(result.failed, ['broken']);
    assert.deepEqual(result.stopped, ['first']);
  });

  it('gives up at the deadline: the slow component and those after it are reported', async () => {
    const clock = new ManualClock(0);
    const s = new Shutdown({ logger, clock, deadlineMs: 1000 });
    let deadlineSignal: AbortSignal | undefined;
    let neverCalled = true;
    s.register('never reached', () => {
      neverCalled = false;
    });
    s.register('slow', (signal) => {
      deadlineSignal = signal;
      return new Promise(() => undefined);
    });
    s.register('fast', () => undefined);
    const pending = s.shutdown();
    await clock.advance(999);
    let finished = false;
    void pending.then(() => (finished = true));
    await settle();
    assert.equal(finished, false);
    await clock.advance(1);
    const result = await pending;
    assert.deepEqual(result, { stopped: ['fast'], failed: [], timedOut: ['slow', 'never reached'] });
    assert.equal(deadlineSignal?.aborted, true, 'the stop function saw the deadline');
    assert.equal(neverCalled, true);
  });

  it('aborts its signal when shutdown begins and refuses late registrations', async () => {
    const s = new Shutdown({ logger, clock: new ManualClock(0) });
    assert.equal(s.signal.aborted, false);
    const done = s.shutdown();
    assert.equal(s.signal.aborted, true);
    assert.throws(() => {
      s.register('late', () => undefined);
    }, /shutdown has begun/);
    await done;
  });

  it('handles SIGTERM by shutting down and exiting 0; a second signal exits 130 at once', async () => {
    const s = new Shutdown({ logger, clock: new ManualClock(0) });
    let release: () => void = () => undefined;
    s.register('slow', () => new Promise<void>((resolve) => (release = resolve)));
    const source = new EventEmitter() as EventEmitter & SignalSource;
    const exits: number[] = [];
    const remove = s.handleSignals(source, (code) => exits.push(code));
    source.emit('SIGTERM');
    await settle();
    assert.equal(s.signal.aborted, true);
    assert.deepEqual(exits, []);
    source.emit('SIGINT');
    assert.deepEqual(exits, [130]);
    release();
    await settle();
    assert.deepEqual(exits, [130, 0]);
    remove();
    assert.equal(source.listenerCount('SIGTERM') + source.listenerCount('SIGINT'), 0);
  });

  it('exits 1 when a component failed', async () => {
    const s = new Shutdown({ logger, clock: new ManualClock(0) });
    s.register('broken', () => Promise.reject(new Error('x')));
    const source = new EventEmitter() as EventEmitter & SignalSource;
    const exits: number[] = [];
    s.handleSignals(source, (code) => exits.push(code));
    source.emit('SIGINT');
    await settle();
    assert.deepEqual(exits, [1]);
  });

  it('rejects a non-positive deadline', () => {
    assert.throws(() => new Shutdown({ logger, deadlineMs: 0 }), /deadline/);
  });
});
