// Which workload decisions deserve a Kubernetes Event, as a pure function of what was reported before.
//
// An Event marks a change a person may act on; a reconcile repeats its decisions many times a minute while pods
// come and go, so events are tied to transitions, not to reconciles:
// - a workload gets `RestartSkipped` or `ManualRestartRequired` when it enters that state, or its reason changes;
//   while it stays there, nothing more is said (its status row carries the details);
// - `restartPolicy: Never` is a choice about the whole namespace, so it gets one `RestartPolicyNever` event on the
//   MeshInjection when workloads start waiting under it, and none per workload: with Never the operator neither
//   restarts nor chases them, and a thousand identical events would only bury the ones that matter.
//
// What was reported lives in the reconciler's memory, keyed by workload, so nothing depends on how many rows the
// status can hold. A new leader starts from the stored status rows, which is where the previous one left off (at
// worst, workloads beyond the status's row limit are reported once more).
import { isJsonObject, type JsonValue } from '../../inject/types.ts';
import type { EventType } from '../../kube/events.ts';
import type { WorkloadDecision } from './plan.ts';

export interface ReportedStates {
  /** `state/reason` by `kind/name`, as last reported. */
  readonly workloads: ReadonlyMap<string, string>;
  /** Whether the namespace was last seen with workloads waiting under restartPolicy Never. */
  readonly waitingUnderNever: boolean;
}

export type PlannedEvent =
  | {
      readonly regarding: 'workload';
      readonly decision: WorkloadDecision;
      readonly type: EventType;
      readonly reason: 'RestartSkipped' | 'ManualRestartRequired';
      readonly message: string;
    }
  | {
      readonly regarding: 'meshInjection';
      readonly type: EventType;
      readonly reason: 'RestartPolicyNever';
      readonly message: string;
    };

function workloadId(kind: string, name: string): string {
  return `${kind}/${name}`;
}

function stateKey(state: string, reason: string): string {
  return `${state}/${reason}`;
}

/** What a stored MeshInjection status says was reported (its workload rows). */
export function reportedFromStatus(stored: JsonValue | undefined): ReportedStates {
  const workloads = new Map<string, string>();
  let waitingUnderNever = false;
  const rows = isJsonObject(stored) && Array.isArray(stored.workloads) ? stored.workloads : [];
  for (const row of rows) {
    if (!isJsonObject(row)) continue;
    const { kind, name, state, reason } = row;
    if (typeof kind !== 'string' || typeof name !== 'string') continue;
    if (typeof state !== 'string' || typeof reason !== 'string') continue;
    workloads.set(workloadId(kind, name), stateKey(state, reason));
    if (reason === 'RestartPolicyNever') waitingUnderNever = true;
  }
  return { workloads, waitingUnderNever };
}

/** The events `decisions` call for after `previous`, and what is reported once they are recorded. */
export function transitionEvents(
  previous: ReportedStates,
  decisions: readonly WorkloadDecision[],
): { readonly events: PlannedEvent[]; readonly reported: ReportedStates } {
  const events: PlannedEvent[] = [];
  const workloads = new Map<string, string>();
  let underNever = 0;
  let podsUnderNever = 0;
  for (const d of decisions) {
    const id = workloadId(d.kind, d.name);
    const now = stateKey(d.state, d.reason);
    workloads.set(id, now);
    if (d.reason === 'RestartPolicyNever') {
      underNever++;
      podsUnderNever += d.group.counts.missing + d.group.counts.stale;
      continue;
    }
    if (d.state !== 'Skipped' && d.state !== 'ManualActionRequired') continue;
    if (previous.workloads.get(id) === now) continue;
    events.push({
      regarding: 'workload',
      decision: d,
      type: d.reason === 'Excluded' ? 'Normal' : 'Warning',
      reason: d.state === 'Skipped' ? 'RestartSkipped' : 'ManualRestartRequired',
      message: `${d.reason}: ${d.message}`,
    });
  }
  const waitingUnderNever = underNever > 0;
  if (waitingUnderNever && !previous.waitingUnderNever) {
    events.push({
      regarding: 'meshInjection',
      type: 'Normal',
      reason: 'RestartPolicyNever',
      message:
        `${underNever} workloads (${podsUnderNever} pods) need a restart to get the wanted sidecar; ` +
        'restartPolicy is Never, so the operator leaves them as they are (see the status rows)',
    });
  }
  return { events, reported: { workloads, waitingUnderNever } };
}
