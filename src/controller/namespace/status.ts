// MeshInjection status: computed from the plan, compared with what is stored, written only when it differs.
//
// Conditions follow metav1.Condition: `lastTransitionTime` moves only when a condition's status flips, and
// messages hold no clock-dependent text, so a namespace at rest computes exactly the status it already has and
// the reconciler writes nothing.
import type { RevisionResolution } from '../revision.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../../inject/types.ts';
import type { DecisionReason, WorkloadDecision, WorkloadState } from './plan.ts';
import type { PodCounts } from './pods.ts';
import type { RestartPolicy } from './spec.ts';

export type ConditionType = 'Ready' | 'Converged' | 'Progressing' | 'Degraded';
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  readonly type: ConditionType;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedGeneration: number;
}

export interface WorkloadRow {
  readonly kind: string;
  readonly name: string;
  readonly pods: number;
  readonly injected: number;
  readonly state: WorkloadState;
  readonly reason: string;
  readonly message: string;
  readonly lastRestart?: string;
}

export interface StatusCounts extends PodCounts {
  /** Workloads per state. */
  readonly restarting: number;
  readonly pending: number;
  readonly skipped: number;
  readonly manualActionRequired: number;
}

export interface MeshInjectionStatus {
  readonly observedGeneration: number;
  readonly enabled: boolean;
  readonly revision: string;
  readonly revisionSource: string;
  readonly injectedOfTotal: string;
  readonly counts: StatusCounts;
  readonly workloads: readonly WorkloadRow[];
  readonly workloadsOmitted: number;
  readonly conditions: readonly Condition[];
}

export interface StatusInput {
  /** metadata.generation of the MeshInjection. */
  readonly generation: number;
  readonly resolution: RevisionResolution;
  readonly counts: PodCounts;
  readonly decisions: readonly WorkloadDecision[];
  readonly restartPolicy: RestartPolicy;
  /** Spec fields that could not be used (see parseMeshInjectionSpec). */
  readonly specProblems: readonly string[];
  /** Restarts or deletions the API server refused in this reconcile. */
  readonly actionErrors: readonly string[];
  readonly now: number;
  /** Most workload rows kept; default 500. */
  readonly maxRows?: number;
}

/** Waiting reasons under which the operator itself will act later (Progressing). */
const operatorWaits: ReadonlySet<DecisionReason> = new Set([
  'RolloutInProgress',
  'WaitingForConcurrency',
  'WaitingForClusterConcurrency',
  'WaitingForInterval',
  'WorkloadNotCached',
]);
/** Skips the user asked for: reported, but not a degradation. */
const chosenSkips: ReadonlySet<DecisionReason> = new Set(['RestartPolicyNever', 'Excluded']);

const stateOrder: Readonly<Record<WorkloadState, number>> = {
  ManualActionRequired: 0,
  Skipped: 1,
  Restarting: 2,
  Pending: 3,
  Injected: 4,
};

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `Kind name, Kind name and 3 more`: a bounded list for condition messages. */
export function nameList(decisions: readonly WorkloadDecision[], limit = 5): string {
  const shown = decisions.slice(0, limit).map((d) => `${d.kind} ${d.name}`);
  const rest = decisions.length - shown.length;
  return rest > 0 ? `${shown.join(', ')} and ${rest} more` : shown.join(', ');
}

function rowOf(d: WorkloadDecision): WorkloadRow {
  const row: WorkloadRow = {
    kind: d.kind,
    name: d.name,
    pods: d.group.counts.total,
    injected: d.group.counts.injected,
    state: d.state,
    reason: d.reason,
    message: d.message,
  };
  return d.lastRestart === undefined ? row : { ...row, lastRestart: d.lastRestart };
}

interface ConditionDraft {
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

/** The conditions stored in a status, by type (anything unreadable is ignored). */
export function previousConditions(status: JsonValue | undefined): Map<string, JsonObject> {
  const out = new Map<string, JsonObject>();
  if (!isJsonObject(status) || !Array.isArray(status.conditions)) return out;
  for (const c of status.conditions) if (isJsonObject(c) && typeof c.type === 'string') out.set(c.type, c);
  return out;
}

function condition(
  type: ConditionType,
  draft: ConditionDraft,
  previous: ReadonlyMap<string, JsonObject>,
  generation: number,
  now: number,
): Condition {
  const before = previous.get(type);
  const keep =
    before !== undefined && before.status === draft.status && typeof before.lastTransitionTime === 'string';
  return {
    type,
    ...draft,
    lastTransitionTime: keep ? (before.lastTransitionTime as string) : formatTime(now),
    observedGeneration: generation,
  };
}

/** RFC 3339 at second resolution, as metav1.Time serialises. */
export function formatTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The status for `input`, keeping each condition's lastTransitionTime from `previous` while its status holds. */
export function computeStatus(input: StatusInput, previous: JsonValue | undefined): MeshInjectionStatus {
  const { counts, decisions, resolution } = input;
  const by = (state: WorkloadState): WorkloadDecision[] => decisions.filter((d) => d.state === state);
  const restarting = by('Restarting');
  const pending = by('Pending');
  const skipped = by('Skipped');
  const manual = by('ManualActionRequired');
  const operatorPending = pending.filter((d) => operatorWaits.has(d.reason));
  const problemSkips = skipped.filter((d) => !chosenSkips.has(d.reason));
  const needing = counts.missing + counts.stale;
  const revision = resolution.revision ?? '';

  const converged: ConditionDraft =
    needing === 0
      ? {
          status: 'True',
          reason: 'AllPodsCurrent',
          message: resolution.enabled
            ? `all ${counts.injected} pods that want a sidecar carry revision ${revision || (resolution.requested ?? '')}`
            : 'injection is off and no pod carries a sidecar',
        }
      : {
          status: 'False',
          reason: 'PodsNeedRestart',
          message: `${counts.missing} pods missing a sidecar and ${counts.stale} with a stale one, of ${counts.total}`,
        };

  const progressing: ConditionDraft =
    restarting.length > 0
      ? { status: 'True', reason: 'RestartsInProgress', message: `restarting ${nameList(restarting)}` }
      : operatorPending.length > 0
        ? {
            status: 'True',
            reason: 'RestartsPending',
            message: `waiting to restart ${nameList(operatorPending)}`,
          }
        : {
            status: 'False',
            reason: 'NoRestartsPlanned',
            message: 'the operator has no restart to start or finish',
          };

  const problems: { reason: string; message: string }[] = [];
  if (input.specProblems.length > 0)
    problems.push({ reason: 'InvalidSpec', message: input.specProblems.join('; ') });
  if (resolution.enabled && resolution.problem !== undefined) {
    problems.push({ reason: resolution.problem, message: resolution.message });
  }
  if (input.actionErrors.length > 0) {
    problems.push({ reason: 'RestartFailed', message: input.actionErrors.slice(0, 5).join('; ') });
  }
  const ineffective = problemSkips.filter((d) => d.reason === 'RestartIneffective');
  if (ineffective.length > 0) {
    problems.push({
      reason: 'RestartIneffective',
      message: `restarted, yet pods still lack the wanted sidecar: ${nameList(ineffective)}`,
    });
  }
  const otherSkips = problemSkips.filter((d) => d.reason !== 'RestartIneffective');
  if (otherSkips.length > 0) {
    const list = otherSkips.slice(0, 5).map((d) => `${d.kind} ${d.name} (${d.reason})`);
    const more = otherSkips.length > 5 ? ` and ${otherSkips.length - 5} more` : '';
    problems.push({ reason: 'RestartsSkipped', message: `cannot restart ${list.join(', ')}${more}` });
  }
  if (manual.length > 0) {
    problems.push({
      reason: 'ManualActionRequired',
      message: `restart by hand: ${nameList(manual)}`,
    });
  }
  const degraded: ConditionDraft =
    problems.length > 0
      ? {
          status: 'True',
          reason: problems[0]?.reason ?? 'Degraded',
          message: problems.map((p) => p.message).join('; '),
        }
      : { status: 'False', reason: 'NoProblems', message: 'nothing needs a human' };

  let ready: ConditionDraft;
  if (converged.status === 'True' && degraded.status === 'False') {
    ready = { status: 'True', reason: 'Converged', message: converged.message };
  } else if (degraded.status === 'True') {
    ready = { status: 'False', reason: degraded.reason, message: degraded.message };
  } else if (progressing.status === 'True') {
    ready = { status: 'False', reason: progressing.reason, message: progressing.message };
  } else {
    const reason =
      input.restartPolicy === 'Never'
        ? 'RestartPolicyNever'
        : input.restartPolicy === 'Manual'
          ? 'RestartPolicyManual'
          : skipped.length > 0
            ? 'WorkloadsExcluded'
            : 'PodsNeedRestart';
    ready = { status: 'False', reason, message: converged.message };
  }

  const prev = previousConditions(previous);
  const cond = (type: ConditionType, draft: ConditionDraft): Condition =>
    condition(type, draft, prev, input.generation, input.now);

  const maxRows = input.maxRows ?? 500;
  const rows = [...decisions]
    .sort(
      (a, b) =>
        stateOrder[a.state] - stateOrder[b.state] ||
        compareText(a.kind, b.kind) ||
        compareText(a.name, b.name),
    )
    .map(rowOf);
  return {
    observedGeneration: input.generation,
    enabled: resolution.enabled,
    revision,
    revisionSource: resolution.message,
    injectedOfTotal: `${counts.injected}/${counts.injected + needing}`,
    counts: {
      ...counts,
      restarting: restarting.length,
      pending: pending.length,
      skipped: skipped.length,
      manualActionRequired: manual.length,
    },
    workloads: rows.slice(0, maxRows),
    workloadsOmitted: Math.max(0, rows.length - maxRows),
    conditions: [
      cond('Ready', ready),
      cond('Converged', converged),
      cond('Progressing', progressing),
      cond('Degraded', degraded),
    ],
  };
}

/** The status as JSON, ready to send. */
export function statusJson(status: MeshInjectionStatus): JsonObject {
  return JSON.parse(JSON.stringify(status)) as JsonObject;
}

/** JSON text with object keys sorted; keys whose value is undefined are left out, as JSON.stringify does. */
function canonical(value: JsonValue | undefined): string {
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value).sort();
    const parts: string[] = [];
    for (const k of keys) {
      const v = value[k];
      if (v !== undefined) parts.push(`${JSON.stringify(k)}:${canonical(v)}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Canonical texts of stored statuses, by object: a cached MeshInjection keeps its status object until the object
 * changes, so every reconcile in between compares against the text made the first time.
 */
const storedTexts = new WeakMap<object, string>();

function storedText(stored: JsonValue | undefined): string {
  if (stored === undefined || stored === null || typeof stored !== 'object') return canonical(stored ?? null);
  let text = storedTexts.get(stored);
  if (text === undefined) storedTexts.set(stored, (text = canonical(stored)));
  return text;
}

/** The status as canonical JSON text (what statusChanged compares). */
export function statusText(status: MeshInjectionStatus): string {
  // The status is plain data (strings, numbers, booleans, arrays, objects): no round trip through JSON needed.
  return canonical(status as unknown as JsonObject);
}

/**
 * Whether `next` differs from the stored status. Key order is ignored (the API server re-encodes objects with
 * sorted keys); anything else, down to a message, counts as a change.
 */
export function statusChanged(stored: JsonValue | undefined, next: MeshInjectionStatus): boolean {
  return storedText(stored) !== statusText(next);
}

/** The condition of `type` in a stored status, if present. */
export function storedCondition(status: JsonValue | undefined, type: ConditionType): JsonObject | undefined {
  return previousConditions(status).get(type);
}
