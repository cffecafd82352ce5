// The workloads the reconciler restarts, reduced to what it reads (informer transforms keep only this), and the
// one question asked of them: has the current rollout finished? Progress is read the way `kubectl rollout status`
// reads it, so "rolling" here means what users see there.
import { isJsonObject, type JsonObject, type JsonValue } from '../../inject/types.ts';
import {
  classifyWorkload,
  type OwnedObject,
  type OwnerReference,
  type WorkloadKind,
} from '../../kube/owners.ts';
import { RESTARTED_AT_ANNOTATION, RESTARTED_FOR_ANNOTATION } from './names.ts';

export interface WorkloadStatusView {
  readonly observedGeneration: number;
  /** Deployment/StatefulSet/ReplicaSet: pods that exist (old and new). */
  readonly replicas: number;
  readonly updatedReplicas: number;
  readonly readyReplicas: number;
  readonly availableReplicas: number;
  /** StatefulSet revisions. */
  readonly currentRevision: string;
  readonly updateRevision: string;
  /** DaemonSet counters. */
  readonly desiredNumberScheduled: number;
  readonly updatedNumberScheduled: number;
  readonly numberAvailable: number;
  /** Deployment condition Progressing=False, reason ProgressDeadlineExceeded. */
  readonly progressDeadlineExceeded: boolean;
  /** Argo Rollout: status.phase and the restartAt it last completed. */
  readonly phase: string;
  readonly restartedAt: string;
}

export interface WorkloadView extends OwnedObject {
  readonly apiVersion: string;
  readonly kind: WorkloadKind;
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly uid?: string;
    readonly ownerReferences?: readonly OwnerReference[];
  };
  readonly generation: number;
  readonly resourceVersion: string;
  /** Our annotations: the cause and time of the operator's last restart, if any. */
  readonly restartedFor: string | undefined;
  readonly restartedAt: string | undefined;
  /** Deployment or Rollout `spec.paused`. */
  readonly paused: boolean;
  /** `spec.strategy.type` (Deployment) or `spec.updateStrategy.type` (StatefulSet, DaemonSet). */
  readonly updateStrategy: string;
  /** StatefulSet `spec.updateStrategy.rollingUpdate.partition`. */
  readonly partition: number;
  /** `spec.replicas`; 1 when unset, as the API server defaults it. */
  readonly replicas: number;
  /** Argo Rollout `spec.restartAt`. */
  readonly restartAt: string;
  readonly status: WorkloadStatusView;
}

function obj(value: JsonValue | undefined): JsonObject {
  return isJsonObject(value) ? value : {};
}

function num(value: JsonValue | undefined, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function str(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

/** The controller owner reference only: that is all owner resolution follows. */
export function controllerReferences(metadata: JsonObject): OwnerReference[] | undefined {
  const refs = Array.isArray(metadata.ownerReferences) ? metadata.ownerReferences : [];
  for (const ref of refs) {
    if (!isJsonObject(ref) || ref.controller !== true) continue;
    const out: OwnerReference = {
      apiVersion: str(ref.apiVersion),
      kind: str(ref.kind),
      name: str(ref.name),
      controller: true,
      ...(typeof ref.uid === 'string' ? { uid: ref.uid } : {}),
    };
    return [out];
  }
  return undefined;
}

function progressDeadlineExceeded(status: JsonObject): boolean {
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  return conditions.some(
    (c) =>
      isJsonObject(c) &&
      c.type === 'Progressing' &&
      c.status === 'False' &&
      c.reason === 'ProgressDeadlineExceeded',
  );
}

/** The informer transform for Deployments, StatefulSets, DaemonSets, ReplicaSets, RCs, Jobs and Rollouts. */
export function workloadView(raw: JsonObject): WorkloadView {
  const metadata = obj(raw.metadata);
  const annotations = obj(metadata.annotations);
  const spec = obj(raw.spec);
  const status = obj(raw.status);
  const strategy = obj(spec.strategy ?? spec.updateStrategy);
  const apiVersion = str(raw.apiVersion);
  const owners = controllerReferences(metadata);
  const restartedFor = annotations[RESTARTED_FOR_ANNOTATION];
  const restartedAt = annotations[RESTARTED_AT_ANNOTATION];
  return {
    apiVersion,
    kind: classifyWorkload(apiVersion, str(raw.kind)),
    metadata: {
      name: str(metadata.name),
      namespace: str(metadata.namespace),
      ...(typeof metadata.uid === 'string' ? { uid: metadata.uid } : {}),
      ...(owners === undefined ? {} : { ownerReferences: owners }),
    },
    generation: num(metadata.generation),
    resourceVersion: str(metadata.resourceVersion),
    restartedFor: typeof restartedFor === 'string' && restartedFor !== '' ? restartedFor : undefined,
    restartedAt: typeof restartedAt === 'string' && restartedAt !== '' ? restartedAt : undefined,
    paused: spec.paused === true,
    updateStrategy: str(strategy.type),
    partition: num(obj(strategy.rollingUpdate).partition),
    replicas: num(spec.replicas, 1),
    restartAt: str(spec.restartAt),
    status: {
      observedGeneration: num(status.observedGeneration),
      replicas: num(status.replicas),
      updatedReplicas: num(status.updatedReplicas),
      readyReplicas: num(status.readyReplicas),
      availableReplicas: num(status.availableReplicas),
      currentRevision: str(status.currentRevision),
      updateRevision: str(status.updateRevision),
      desiredNumberScheduled: num(status.desiredNumberScheduled),
      updatedNumberScheduled: num(status.updatedNumberScheduled),
      numberAvailable: num(status.numberAvailable),
      progressDeadlineExceeded: progressDeadlineExceeded(status),
      phase: str(status.phase),
      restartedAt: str(status.restartedAt),
    },
  };
}

export interface RolloutProgress {
  /** The latest change has been rolled out to every replica and they are available. */
  readonly complete: boolean;
  /** The rollout will not finish on its own (Deployment progress deadline exceeded). */
  readonly stuck: boolean;
  /** What is still outstanding, for status messages. */
  readonly detail: string;
}

const done: RolloutProgress = { complete: true, stuck: false, detail: 'rollout complete' };

function waiting(detail: string, stuck = false): RolloutProgress {
  return { complete: false, stuck, detail };
}

/** Whether the workload's rollout is finished, per kind, following `kubectl rollout status`. */
export function rolloutProgress(view: WorkloadView): RolloutProgress {
  const s = view.status;
  const generationSeen = s.observedGeneration >= view.generation;
  switch (view.kind) {
    case 'Deployment': {
      if (!generationSeen) return waiting('waiting for the deployment controller to see the change');
      if (s.progressDeadlineExceeded) return waiting('progress deadline exceeded', true);
      if (s.updatedReplicas < view.replicas)
        return waiting(`${s.updatedReplicas} of ${view.replicas} replicas updated`);
      if (s.replicas > s.updatedReplicas)
        return waiting(`${s.replicas - s.updatedReplicas} old replicas pending termination`);
      if (s.availableReplicas < s.updatedReplicas)
        return waiting(`${s.availableReplicas} of ${s.updatedReplicas} updated replicas available`);
      return done;
    }
    case 'StatefulSet': {
      if (!generationSeen) return waiting('waiting for the statefulset controller to see the change');
      if (s.readyReplicas < view.replicas)
        return waiting(`${s.readyReplicas} of ${view.replicas} pods ready`);
      if (view.updateStrategy !== 'OnDelete' && view.partition > 0) {
        const want = Math.max(0, view.replicas - view.partition);
        return s.updatedReplicas < want ? waiting(`${s.updatedReplicas} of ${want} pods updated`) : done;
      }
      if (s.updateRevision !== '' && s.currentRevision !== s.updateRevision) {
        return waiting(`${s.updatedReplicas} of ${view.replicas} pods updated`);
      }
      return done;
    }
    case 'DaemonSet': {
      if (!generationSeen) return waiting('waiting for the daemonset controller to see the change');
      if (s.updatedNumberScheduled < s.desiredNumberScheduled) {
        return waiting(`${s.updatedNumberScheduled} of ${s.desiredNumberScheduled} pods updated`);
      }
      if (s.numberAvailable < s.desiredNumberScheduled) {
        return waiting(`${s.numberAvailable} of ${s.desiredNumberScheduled} pods available`);
      }
      return done;
    }
    case 'ReplicaSet':
    case 'ReplicationController': {
      if (!generationSeen) return waiting('waiting for the controller to see the change');
      if (s.replicas !== view.replicas) return waiting(`${s.replicas} of ${view.replicas} pods exist`);
      if (s.readyReplicas < view.replicas)
        return waiting(`${s.readyReplicas} of ${view.replicas} pods ready`);
      return done;
    }
    case 'Rollout': {
      if (view.restartAt !== '' && s.restartedAt !== view.restartAt) return waiting('restart in progress');
      if (s.phase !== '' && s.phase !== 'Healthy') return waiting(`phase ${s.phase}`, s.phase === 'Degraded');
      return done;
    }
    default:
      return done;
  }
}
