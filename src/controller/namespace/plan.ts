// The reconciler's decisions, as pure functions of cluster state: which workload owns each pod that needs a new
// sidecar, and what to do about each workload now (restart it, wait, skip it, or ask a human).
//
// Everything a decision depends on is read from the objects themselves: the cause a workload was last restarted
// for is an annotation on it, a rollout in flight is its status, the namespace's last restart is the newest of
// those annotations. So a new leader, or a restarted operator, makes the same decisions as the one before it,
// and a cause that has been acted on is never acted on again (a restart that did not help is reported, not
// repeated: that is what turns a broken webhook into a status line instead of a restart storm).
//
// What a restart is, per top owner:
// - Deployment, StatefulSet, DaemonSet: what `kubectl rollout restart` does (a new pod template annotation), so
//   the workload's own update strategy paces its pods; Argo Rollout: `spec.restartAt`, Argo's own restart;
// - bare ReplicaSet or ReplicationController: editing the template replaces no pod, so the operator marks the
//   owner (same annotations) and deletes its pods one at a time, each only once the owner is back to full
//   readiness, and only pods created before the mark (a pod recreated without the sidecar means the restart did
//   not help). With restartPolicy Rolling only; this is pod deletion, not eviction, so PodDisruptionBudgets are
//   not consulted, which is why it goes one pod at a time;
// - Job and CronJob pods: never touched (a Job's template is immutable, and killing a run loses its work);
// - bare pods: never deleted, since nothing would recreate them, unless `allowBarePodDeletion` says otherwise;
// - pods of controllers this project does not know: reported, never touched.
import {
  topOwner,
  type OwnerLookup,
  type TopOwner,
  type WorkloadKind,
  type WorkloadRef,
} from '../../kube/owners.ts';
import { RESTARTED_FOR_ANNOTATION, revisionCause, UNINJECTED_CAUSE } from './names.ts';
import { countPods, type ClassifiedPod, type PodCounts, type PodView } from './pods.ts';
import type { MeshInjectionSpec } from './spec.ts';
import { rolloutProgress, type WorkloadView } from './workload.ts';

export type WorkloadState = 'Injected' | 'Pending' | 'Restarting' | 'Skipped' | 'ManualActionRequired';

export const WORKLOAD_STATES: readonly WorkloadState[] = [
  'Injected',
  'Pending',
  'Restarting',
  'Skipped',
  'ManualActionRequired',
];

/** Why a workload is in its state (the row's `reason`). */
export type DecisionReason =
  | 'AllPodsInjected'
  | 'RestartInProgress'
  | 'RestartPolicyManual'
  | 'RolloutInProgress'
  | 'WaitingForConcurrency'
  | 'WaitingForClusterConcurrency'
  | 'WaitingForInterval'
  | 'WorkloadNotCached'
  | 'RestartPolicyNever'
  | 'Excluded'
  | 'Paused'
  | 'OnDeleteStrategy'
  | 'Partitioned'
  | 'RolloutStuck'
  | 'RestartIneffective'
  | 'NoInjectorWebhook'
  | 'JobPods'
  | 'CronJobPods'
  | 'BarePod'
  | 'UnsupportedOwner';

/** Pods of one top owner. */
export interface WorkloadGroup {
  /** The owner's kind as this project knows it; `Other` for custom controllers (see `ref.kind`). */
  readonly kind: WorkloadKind;
  readonly ref: WorkloadRef;
  readonly resolution: TopOwner['resolution'];
  readonly pods: readonly ClassifiedPod[];
  readonly counts: PodCounts;
  /** Pods of this owner being deleted (not counted, but a sign a replacement is under way). */
  readonly terminating: number;
}

/** The kind shown in status rows: ours, or the owner's own for controllers we do not know. */
export function displayKind(group: Pick<WorkloadGroup, 'kind' | 'ref'>): string {
  return group.kind === 'Other' ? group.ref.kind : group.kind;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Groups classified pods by their top controller (Pod -> ReplicaSet -> Deployment, Job -> CronJob, ...), looking
 * owners up in the caller's caches. Groups come back sorted by kind and name, so plans are deterministic.
 */
export function groupByOwner(
  pods: readonly ClassifiedPod[],
  lookup: OwnerLookup,
  deleting: readonly PodView[] = [],
): WorkloadGroup[] {
  const groups = new Map<string, { top: TopOwner; pods: ClassifiedPod[]; terminating: number }>();
  const entry = (top: TopOwner): { top: TopOwner; pods: ClassifiedPod[]; terminating: number } => {
    const key = `${top.ref.kind}/${top.ref.name}`;
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { top, pods: [], terminating: 0 }));
    return group;
  };
  for (const pod of pods) entry(topOwner(pod.view.owner, lookup)).pods.push(pod);
  for (const pod of deleting) {
    const top = topOwner(pod.owner, lookup);
    const existing = groups.get(`${top.ref.kind}/${top.ref.name}`);
    if (existing !== undefined) existing.terminating++;
  }
  return [...groups.values()]
    .map((g): WorkloadGroup => ({
      kind: g.top.kind,
      ref: g.top.ref,
      resolution: g.top.resolution,
      pods: g.pods,
      counts: countPods(g.pods),
      terminating: g.terminating,
    }))
    .sort((a, b) => compareText(displayKind(a), displayKind(b)) || compareText(a.ref.name, b.ref.name));
}

/**
 * The cause a group's pods need a restart for: the wanted revision (`revision=<rev>`), or `uninjected` when their
 * sidecar is not wanted at all. Undefined when no pod needs one.
 */
export function restartCause(group: Pick<WorkloadGroup, 'pods'>): string | undefined {
  let cause: string | undefined;
  for (const { classification } of group.pods) {
    if (classification.state !== 'missing' && classification.state !== 'stale') continue;
    if (classification.wantedRevision !== undefined) return revisionCause(classification.wantedRevision);
    cause = UNINJECTED_CAUSE;
  }
  return cause;
}

export type RestartAction =
  | {
      /** `kubectl rollout restart` (Deployment, StatefulSet, DaemonSet) or `spec.restartAt` (Argo Rollout). */
      readonly type: 'rolloutRestart';
      readonly workload: WorkloadView;
      readonly cause: string;
      /** RFC 3339 time written to the annotations. */
      readonly at: string;
    }
  | {
      /** Delete one pod so its controller (bare ReplicaSet/RC) recreates it, or a bare pod the spec lets go. */
      readonly type: 'deletePod';
      readonly pod: PodView;
      readonly cause: string;
      readonly at: string;
      /** The owner to mark as restarted for `cause` first (the first pod of a ReplicaSet/RC restart). */
      readonly mark: WorkloadView | undefined;
    };

export interface WorkloadDecision {
  readonly group: WorkloadGroup;
  readonly kind: string;
  readonly name: string;
  readonly state: WorkloadState;
  readonly reason: DecisionReason;
  readonly message: string;
  readonly cause: string | undefined;
  /** When the operator last restarted this workload (its annotation), if ever. */
  readonly lastRestart: string | undefined;
  readonly action: RestartAction | undefined;
}

export interface RestartBudget {
  /** Restarts by the operator still rolling in this namespace. */
  readonly inFlight: number;
  /** The same, across the cluster. */
  readonly clusterInFlight: number;
  /** Cluster-wide cap (an operator option). */
  readonly clusterMax: number;
  /** When the newest restart in this namespace started (epoch ms), if any. */
  readonly lastStartMs: number | undefined;
}

export interface PlanInput {
  readonly groups: readonly WorkloadGroup[];
  readonly spec: MeshInjectionSpec;
  /** False when no injector webhook serves the namespace: a restart cannot bring a revision's sidecar. */
  readonly injectorAvailable: boolean;
  /** The cached workload an owner group refers to. */
  readonly workload: (kind: WorkloadKind, name: string) => WorkloadView | undefined;
  readonly budget: RestartBudget;
  readonly now: number;
  /** How soon to look again while something is rolling or waiting for a slot; default 5 s. */
  readonly pollMs?: number;
}

export interface NamespacePlan {
  /** One per group that has pods with or wanting a sidecar (groups of excluded pods only are left out). */
  readonly decisions: readonly WorkloadDecision[];
  readonly actions: readonly RestartAction[];
  /** Look at the namespace again after this long, even without events (undefined: events suffice). */
  readonly requeueAfterMs: number | undefined;
  /** Restarts started by this plan. */
  readonly started: number;
}

/** Kinds restarted by rolling the workload itself. */
const rollingKinds: ReadonlySet<WorkloadKind> = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Rollout',
]);
/** Kinds restarted by deleting their pods one at a time (editing their template replaces nothing). */
const podDeletingKinds: ReadonlySet<WorkloadKind> = new Set(['ReplicaSet', 'ReplicationController']);

/** Whether the operator's last restart of this workload is still rolling (stuck ones count: they hold a slot). */
export function restartInFlight(view: WorkloadView): boolean {
  return view.restartedFor !== undefined && !rolloutProgress(view).complete;
}

/** Epoch ms of the newest operator restart among `views`, if any. */
export function lastRestartMs(views: Iterable<WorkloadView>): number | undefined {
  let last: number | undefined;
  for (const view of views) {
    if (view.restartedAt === undefined) continue;
    const at = Date.parse(view.restartedAt);
    if (!Number.isNaN(at) && (last === undefined || at > last)) last = at;
  }
  return last;
}

/**
 * The budget as the cluster shows it: operator restarts still rolling, here and everywhere, and the newest start in
 * `namespace`. Only top-level workloads count (a Deployment's ReplicaSets inherit its annotations).
 */
export function restartBudget(
  views: Iterable<WorkloadView>,
  namespace: string,
  clusterMax: number,
): RestartBudget {
  let inFlight = 0;
  let clusterInFlight = 0;
  const here: WorkloadView[] = [];
  for (const view of views) {
    if (view.metadata.ownerReferences !== undefined && view.metadata.ownerReferences.length > 0) continue;
    const local = view.metadata.namespace === namespace;
    if (local) here.push(view);
    if (!restartInFlight(view)) continue;
    clusterInFlight++;
    if (local) inFlight++;
  }
  return { inFlight, clusterInFlight, clusterMax, lastStartMs: lastRestartMs(here) };
}

function isExcluded(spec: MeshInjectionSpec, kind: string, name: string): boolean {
  return spec.excludeWorkloads.some((w) => w.kind === kind && w.name === name);
}

function describeNeed(counts: PodCounts): string {
  const parts: string[] = [];
  if (counts.missing > 0) parts.push(`${counts.missing} missing`);
  if (counts.stale > 0) parts.push(`${counts.stale} stale`);
  return `${parts.join(', ')} of ${counts.total} pods`;
}

function needing(group: WorkloadGroup): PodView[] {
  return group.pods
    .filter((p) => p.classification.state === 'missing' || p.classification.state === 'stale')
    .map((p) => p.view)
    .sort((a, b) => a.createdAtMs - b.createdAtMs || compareText(a.name, b.name));
}

/**
 * Decides, for every group, what happens now. Restarts are started in group order while the budget allows: at
 * most `spec.maxConcurrentRestarts` operator restarts rolling in the namespace and `clusterMax` in the cluster,
 * and `spec.restartIntervalMs` between two starts in the namespace.
 */
export function planRestarts(input: PlanInput): NamespacePlan {
  const { spec, now } = input;
  const pollMs = input.pollMs ?? 5000;
  const at = new Date(now).toISOString();
  let inFlight = input.budget.inFlight;
  let clusterInFlight = input.budget.clusterInFlight;
  let lastStart = input.budget.lastStartMs;
  let requeue: number | undefined;
  let started = 0;
  const poll = (ms: number): void => {
    requeue = requeue === undefined ? ms : Math.min(requeue, ms);
  };
  const decisions: WorkloadDecision[] = [];
  const actions: RestartAction[] = [];

  /** Whether a restart may start now; records why not (and when to look again) otherwise. */
  const budgetRefusal = (): { reason: DecisionReason; message: string } | undefined => {
    if (inFlight >= spec.maxConcurrentRestarts) {
      poll(pollMs);
      return {
        reason: 'WaitingForConcurrency',
        message: `waiting: maxConcurrentRestarts (${spec.maxConcurrentRestarts}) restarts are rolling in the namespace`,
      };
    }
    if (clusterInFlight >= input.budget.clusterMax) {
      poll(pollMs);
      return {
        reason: 'WaitingForClusterConcurrency',
        message: `waiting: the cluster-wide limit of ${input.budget.clusterMax} rolling restarts is reached`,
      };
    }
    if (lastStart !== undefined && now - lastStart < spec.restartIntervalMs) {
      poll(lastStart + spec.restartIntervalMs - now);
      return {
        reason: 'WaitingForInterval',
        message: `waiting: restarts in this namespace start at least ${spec.restartIntervalMs / 1000}s apart`,
      };
    }
    return undefined;
  };
  const claim = (action: RestartAction): void => {
    actions.push(action);
    inFlight++;
    clusterInFlight++;
    lastStart = now;
    started++;
    poll(pollMs);
  };

  for (const group of input.groups) {
    const { counts } = group;
    const kind = displayKind(group);
    const name = group.ref.name;
    if (counts.injected + counts.missing + counts.stale === 0) continue;
    const view =
      rollingKinds.has(group.kind) || podDeletingKinds.has(group.kind)
        ? input.workload(group.kind, name)
        : undefined;
    const cause = restartCause(group);
    const decide = (
      state: WorkloadState,
      reason: DecisionReason,
      message: string,
      action?: RestartAction,
    ): void => {
      // A restart started now is not in the cached object yet; a pod deletion continuing one keeps its time.
      const lastRestart =
        action !== undefined && (action.type === 'rolloutRestart' || action.mark !== undefined)
          ? action.at
          : view?.restartedAt;
      decisions.push({ group, kind, name, state, reason, message, cause, lastRestart, action });
    };

    if (cause === undefined) {
      decide('Injected', 'AllPodsInjected', `all ${counts.injected} pods carry the wanted sidecar`);
      continue;
    }
    const need = describeNeed(counts);
    if (spec.restartPolicy === 'Never') {
      decide('Skipped', 'RestartPolicyNever', `${need} need a restart; restartPolicy is Never`);
      continue;
    }
    if (isExcluded(spec, kind, name)) {
      decide('Skipped', 'Excluded', `${need} need a restart; the workload is in excludeWorkloads`);
      continue;
    }
    if (group.kind === 'Job') {
      decide(
        'ManualActionRequired',
        'JobPods',
        `${need} belong to a Job, whose pods cannot be restarted safely; re-run the Job to get the sidecar`,
      );
      continue;
    }
    if (group.kind === 'CronJob') {
      decide(
        'ManualActionRequired',
        'CronJobPods',
        `${need} belong to a CronJob run; the next scheduled run gets the sidecar, or re-run it`,
      );
      continue;
    }
    if (group.kind === 'Pod') {
      const [pod] = needing(group);
      if (!spec.allowBarePodDeletion || pod === undefined) {
        decide(
          'ManualActionRequired',
          'BarePod',
          'no controller owns this pod, so nothing would recreate it; recreate it yourself ' +
            '(or set allowBarePodDeletion to have it deleted)',
        );
      } else if (spec.restartPolicy === 'Manual') {
        decide('Pending', 'RestartPolicyManual', `${need} need a restart; restartPolicy is Manual`);
      } else {
        const refusal = budgetRefusal();
        if (refusal !== undefined) decide('Pending', refusal.reason, refusal.message);
        else {
          const action: RestartAction = { type: 'deletePod', pod, cause, at, mark: undefined };
          claim(action);
          decide('Restarting', 'RestartInProgress', 'deleting the bare pod (allowBarePodDeletion)', action);
        }
      }
      continue;
    }
    if (!rollingKinds.has(group.kind) && !podDeletingKinds.has(group.kind)) {
      decide(
        'ManualActionRequired',
        'UnsupportedOwner',
        `${need} are owned by ${group.ref.kind} ${name}, a controller the operator cannot restart; restart it yourself`,
      );
      continue;
    }
    if (cause !== UNINJECTED_CAUSE && !input.injectorAvailable) {
      decide(
        'Skipped',
        'NoInjectorWebhook',
        `${need} need a sidecar, but no injector webhook serves the namespace, so a restart would not add it`,
      );
      continue;
    }
    if (view === undefined) {
      poll(pollMs);
      decide('Pending', 'WorkloadNotCached', `${need} need a restart; waiting to see ${kind} ${name}`);
      continue;
    }

    const progress = rolloutProgress(view);
    const deletesPods = podDeletingKinds.has(group.kind);
    if (view.restartedFor === cause) {
      const since = `restarted for ${cause} at ${view.restartedAt ?? 'an unknown time'}`;
      if (progress.stuck) {
        decide('Skipped', 'RolloutStuck', `${since}, but the rollout is stuck (${progress.detail})`);
        continue;
      }
      if (!progress.complete || (deletesPods && group.terminating > 0)) {
        poll(pollMs);
        decide('Restarting', 'RestartInProgress', `${since}; rollout in progress`);
        continue;
      }
      if (deletesPods) {
        // creationTimestamp has whole seconds: a pod from the second of the mark may be a replacement, so it is
        // not taken for an old one (at worst it is reported instead of deleted).
        const restartedAt = Math.floor(Date.parse(view.restartedAt ?? '') / 1000) * 1000;
        const [older] = needing(group).filter(
          (p) => Number.isNaN(restartedAt) || p.createdAtMs < restartedAt,
        );
        if (older !== undefined) {
          const action: RestartAction = { type: 'deletePod', pod: older, cause, at, mark: undefined };
          actions.push(action);
          poll(pollMs);
          decide('Restarting', 'RestartInProgress', `${since}; replacing its pods one at a time`, action);
          continue;
        }
      }
      decide(
        'Skipped',
        'RestartIneffective',
        `${since}, yet ${need} still need one; fix the cause (is the injector webhook reachable?), then remove ` +
          `the ${RESTARTED_FOR_ANNOTATION} annotation to allow another restart`,
      );
      continue;
    }

    if (spec.restartPolicy === 'Manual') {
      decide('Pending', 'RestartPolicyManual', `${need} need a restart; restartPolicy is Manual`);
      continue;
    }
    if (view.paused) {
      decide('Skipped', 'Paused', `${need} need a restart, but the ${kind} is paused`);
      continue;
    }
    if ((group.kind === 'StatefulSet' || group.kind === 'DaemonSet') && view.updateStrategy === 'OnDelete') {
      decide(
        'Skipped',
        'OnDeleteStrategy',
        `${need} need a restart, but the ${kind} uses the OnDelete update strategy: delete its pods to replace them`,
      );
      continue;
    }
    if (group.kind === 'StatefulSet' && view.partition > 0) {
      decide(
        'Skipped',
        'Partitioned',
        `${need} need a restart, but the StatefulSet's rolling update is partitioned at ${view.partition}`,
      );
      continue;
    }
    if (progress.stuck) {
      decide(
        'Skipped',
        'RolloutStuck',
        `${need} need a restart, but its current rollout is stuck (${progress.detail})`,
      );
      continue;
    }
    if (!progress.complete) {
      poll(pollMs);
      decide(
        'Pending',
        'RolloutInProgress',
        `${need} need a restart; waiting for the current rollout to finish`,
      );
      continue;
    }
    const refusal = budgetRefusal();
    if (refusal !== undefined) {
      decide('Pending', refusal.reason, `${need} need a restart; ${refusal.message}`);
      continue;
    }
    let action: RestartAction;
    if (deletesPods) {
      const [oldest] = needing(group);
      if (oldest === undefined) continue;
      action = { type: 'deletePod', pod: oldest, cause, at, mark: view };
    } else {
      action = { type: 'rolloutRestart', workload: view, cause, at };
    }
    claim(action);
    decide('Restarting', 'RestartInProgress', `restarted for ${cause} at ${at}; rollout in progress`, action);
  }
  return { decisions, actions, requeueAfterMs: requeue, started };
}
