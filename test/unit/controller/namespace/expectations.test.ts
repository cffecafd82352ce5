import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RestartExpectations, workloadKey } from '../../../../src/controller/namespace/expectations.ts';
import { restartInFlight } from '../../../../src/controller/namespace/plan.ts';
import { workload } from './fixtures.ts';

const NOW = Date.UTC(2030, 0, 1);
const key = workloadKey('Deployment', 'demo', 'web');

describe('RestartExpectations', () => {
  it('shows a restart the cache has not seen yet as rolling', () => {
    const e = new RestartExpectations(60_000);
    e.expectRestart(key, 'revision=stable', '2030-01-01T00:00:00.000Z', NOW);
    const cached = workload('Deployment', 'web');
    const seen = e.overlay(key, cached, NOW + 10);
    assert.equal(seen.restartedFor, 'revision=stable');
    assert.equal(restartInFlight(seen), true);
    assert.deepEqual(e.pendingRestarts(NOW + 10), [key]);
    assert.deepEqual(e.pendingRestart(key, NOW + 10), {
      cause: 'revision=stable',
      at: '2030-01-01T00:00:00.000Z',
    });
  });

  it('steps aside once the cache shows the write', () => {
    const e = new RestartExpectations(60_000);
    e.expectRestart(key, 'revision=stable', '2030-01-01T00:00:00.000Z', NOW);
    const caught = workload('Deployment', 'web', {
      restartedFor: 'revision=stable',
      restartedAt: '2030-01-01T00:00:00.000Z',
    });
    assert.equal(e.overlay(key, caught, NOW + 10), caught);
    assert.deepEqual(e.pendingRestarts(NOW + 10), []);
  });

  it('expires, so a lost watch event cannot pin a slot', () => {
    const e = new RestartExpectations(1000);
    e.expectRestart(key, 'revision=stable', '2030-01-01T00:00:00.000Z', NOW);
    const cached = workload('Deployment', 'web');
    assert.equal(e.overlay(key, cached, NOW + 1000), cached);
    assert.deepEqual(e.pendingRestarts(NOW + 1000), []);
  });

  it('forgets a restart whose write failed', () => {
    const e = new RestartExpectations();
    e.expectRestart(key, 'revision=stable', 'x', NOW);
    e.forgetRestart(key);
    assert.equal(e.pendingRestart(key, NOW), undefined);
  });

  it('tracks pod deletions until they expire', () => {
    const e = new RestartExpectations(1000);
    e.expectDeletion('uid-1', NOW);
    assert.equal(e.isDeleted('uid-1', NOW + 10), true);
    assert.equal(e.isDeleted('uid-1', NOW + 1000), false);
    e.expectDeletion('uid-3', NOW);
    e.forgetDeletion('uid-3');
    assert.equal(e.isDeleted('uid-3', NOW), false);
  });

  it('forgets old deletions when recording new ones', () => {
    const e = new RestartExpectations(1000);
    e.expectDeletion('uid-old', NOW);
    e.expectDeletion('uid-new', NOW + 5000);
    assert.equal(e.trackedDeletions(), 1);
  });
});
