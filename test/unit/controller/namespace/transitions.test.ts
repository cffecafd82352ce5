import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  DecisionReason,
  WorkloadDecision,
  WorkloadState,
} from '../../../../src/controller/namespace/plan.ts';
import { reportedFromStatus, transitionEvents } from '../../../../src/controller/namespace/transitions.ts';

/** A decision as the planner makes it; only what transitionEvents reads is filled in. */
function decision(name: string, state: WorkloadState, reason: DecisionReason, missing = 1): WorkloadDecision {
  const counts = { total: missing, injected: 0, missing, stale: 0, excluded: 0 };
  return {
    group: { kind: 'Deployment', ref: { kind: 'Deployment', name }, counts },
    kind: 'Deployment',
    name,
    state,
    reason,
    message: `${name} is ${state}`,
    cause: undefined,
    lastRestart: undefined,
    action: undefined,
  } as unknown as WorkloadDecision;
}

const nothingReported = reportedFromStatus(undefined);

describe('transitionEvents', () => {
  it('reports a workload once when it enters Skipped or ManualActionRequired, not on every reconcile', () => {
    const decisions = [
      decision('web', 'Skipped', 'Excluded'),
      decision('db', 'ManualActionRequired', 'BarePod'),
      decision('api', 'Restarting', 'RestartInProgress'),
    ];
    const first = transitionEvents(nothingReported, decisions);
    assert.deepEqual(
      first.events.map((e) => [e.reason, e.type, e.regarding === 'workload' ? e.decision.name : '']),
      [
        ['RestartSkipped', 'Normal', 'web'],
        ['ManualRestartRequired', 'Warning', 'db'],
      ],
    );
    assert.equal(transitionEvents(first.reported, decisions).events.length, 0);
  });

  it('reports again when the reason changes, and after a workload left the state and came back', () => {
    const first = transitionEvents(nothingReported, [decision('web', 'Skipped', 'Excluded')]);
    const changed = transitionEvents(first.reported, [decision('web', 'Skipped', 'Paused')]);
    assert.deepEqual(
      changed.events.map((e) => e.message),
      ['Paused: web is Skipped'],
    );
    const left = transitionEvents(changed.reported, [decision('web', 'Injected', 'AllPodsInjected')]);
    assert.equal(left.events.length, 0);
    const back = transitionEvents(left.reported, [decision('web', 'Skipped', 'Paused')]);
    assert.equal(back.events.length, 1);
  });

  it('gives restartPolicy Never one event on the MeshInjection, none per workload', () => {
    const waiting = Array.from({ length: 500 }, (_, i) =>
      decision(`w${i}`, 'Skipped', 'RestartPolicyNever', 2),
    );
    const first = transitionEvents(nothingReported, waiting);
    assert.equal(first.events.length, 1);
    assert.deepEqual(
      first.events.map((e) => [e.regarding, e.reason]),
      [['meshInjection', 'RestartPolicyNever']],
    );
    assert.match(first.events[0]?.message ?? '', /^500 workloads \(1000 pods\) need a restart/);
    assert.equal(transitionEvents(first.reported, waiting).events.length, 0);
    // Once nothing waits, a later wait is news again.
    const cleared = transitionEvents(first.reported, []);
    assert.equal(cleared.reported.waitingUnderNever, false);
    assert.equal(transitionEvents(cleared.reported, waiting.slice(0, 1)).events.length, 1);
  });

  it('starts a new leader from the stored status rows, so nothing it already shows is reported twice', () => {
    const stored = {
      workloads: [
        { kind: 'Deployment', name: 'web', state: 'Skipped', reason: 'Excluded' },
        { kind: 'Deployment', name: 'old', state: 'Skipped', reason: 'RestartPolicyNever' },
        { kind: 'Deployment', name: 7, state: 'Skipped', reason: 'Excluded' },
        'not a row',
      ],
    };
    const reported = reportedFromStatus(stored);
    assert.equal(reported.waitingUnderNever, true);
    assert.deepEqual([...reported.workloads.keys()], ['Deployment/web', 'Deployment/old']);
    const { events } = transitionEvents(reported, [
      decision('web', 'Skipped', 'Excluded'),
      decision('old', 'Skipped', 'RestartPolicyNever'),
      decision('new', 'Skipped', 'Excluded'),
    ]);
    assert.deepEqual(
      events.map((e) => (e.regarding === 'workload' ? e.decision.name : e.reason)),
      ['new'],
    );
  });

  it('reads a status that is missing or malformed as nothing reported', () => {
    for (const stored of [undefined, null, 'text', { workloads: 'x' }, { workloads: [null] }]) {
      const reported = reportedFromStatus(stored);
      assert.equal(reported.workloads.size, 0);
      assert.equal(reported.waitingUnderNever, false);
    }
  });
});
