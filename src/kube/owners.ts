// Which workload owns a pod: follow controller owner references upward through cached objects
// (Pod -> ReplicaSet -> Deployment, Pod -> Job -> CronJob, Pod -> ReplicaSet -> Argo Rollout, ...).
//
// `topOwner` is pure: the caller passes a lookup over its informer caches, so the same function
// serves the operator (live caches) and tests (a map). Only controller references count, as in
// kubectl and the garbage collector: a plain owner reference does not make a pod "managed".

export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid?: string;
  readonly controller?: boolean;
}

/** The parts of an object that owner resolution reads; V1Pod, V1ReplicaSet etc. all fit. */
export interface OwnedObject {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly ownerReferences?: readonly OwnerReference[];
  };
}

export interface WorkloadRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
}

/** Finds an owner in the caller's caches; undefined when it is not (or no longer) there. */
export type OwnerLookup = (ref: WorkloadRef) => OwnedObject | undefined;

export type WorkloadKind =
  | 'Deployment'
  | 'StatefulSet'
  | 'DaemonSet'
  | 'ReplicaSet'
  | 'ReplicationController'
  | 'Job'
  | 'CronJob'
  | 'Rollout'
  | 'Pod'
  | 'Other';

export interface TopOwner {
  /** The top-most controller found (the pod itself for a bare pod). */
  readonly ref: WorkloadRef;
  /** `ref` classified; `Other` for controllers this project does not know (custom operators). */
  readonly kind: WorkloadKind;
  /** The controllers from the pod's own up to `ref`, in that order; empty for a bare pod. */
  readonly chain: readonly WorkloadRef[];
  /**
   * How `ref` was reached: `resolved` (every hop found in the caches), `inferred` (the ReplicaSet was
   * missing and its Deployment/Rollout was derived from the pod-template-hash naming convention), or
   * `partial` (a hop was missing or stale, so `ref` may not be the real top).
   */
  readonly resolution: 'resolved' | 'inferred' | 'partial';
}

/** Controllers deeper than this are treated as a loop in corrupt data. */
const maxDepth = 10;

export function controllerOf(obj: OwnedObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function classifyWorkload(apiVersion: string, kind: string): WorkloadKind {
  switch (`${apiGroup(apiVersion)}/${kind}`) {
    case 'apps/Deployment':
    case 'extensions/Deployment':
      return 'Deployment';
    case 'apps/StatefulSet':
      return 'StatefulSet';
    case 'apps/DaemonSet':
    case 'extensions/DaemonSet':
      return 'DaemonSet';
    case 'apps/ReplicaSet':
    case 'extensions/ReplicaSet':
      return 'ReplicaSet';
    case '/ReplicationController':
      return 'ReplicationController';
    case 'batch/Job':
      return 'Job';
    case 'batch/CronJob':
      return 'CronJob';
    case 'argoproj.io/Rollout':
      return 'Rollout';
    case '/Pod':
      return 'Pod';
    default:
      return 'Other';
  }
}

function refTo(owner: OwnerReference, namespace: string): WorkloadRef {
  const ref = { apiVersion: owner.apiVersion, kind: owner.kind, namespace, name: owner.name };
  return owner.uid === undefined ? ref : { ...ref, uid: owner.uid };
}

function refKey(ref: WorkloadRef): string {
  return `${ref.apiVersion}/${ref.kind}/${ref.name}`;
}

/**
 * When a pod's ReplicaSet is not in the cache, the Deployment (or Argo Rollout) that made it can
 * still be named: both controllers name a ReplicaSet `<owner>-<pod-template-hash>` and stamp the
 * hash on its pods. Istio derives deployment names for telemetry the same way.
 */
function inferReplicaSetOwner(pod: OwnedObject, rs: WorkloadRef): WorkloadRef | undefined {
  const labels = pod.metadata?.labels ?? {};
  const candidates: readonly [string, string, string][] = [
    ['pod-template-hash', 'apps/v1', 'Deployment'],
    ['rollouts-pod-template-hash', 'argoproj.io/v1alpha1', 'Rollout'],
  ];
  for (const [label, apiVersion, kind] of candidates) {
    const hash = labels[label];
    if (hash === undefined || hash === '') continue;
    const suffix = `-${hash}`;
    if (rs.name.length > suffix.length && rs.name.endsWith(suffix)) {
      return { apiVersion, kind, namespace: rs.namespace, name: rs.name.slice(0, -suffix.length) };
    }
  }
  return undefined;
}

export function topOwner(pod: OwnedObject, lookup: OwnerLookup): TopOwner {
  const namespace = pod.metadata?.namespace ?? '';
  const first = controllerOf(pod);
  if (first === undefined) {
    const name = pod.metadata?.name ?? '';
    const uid = pod.metadata?.uid;
    const self = { apiVersion: 'v1', kind: 'Pod', namespace, name };
    return {
      ref: uid === undefined ? self : { ...self, uid },
      kind: 'Pod',
      chain: [],
      resolution: 'resolved',
    };
  }

  const chain: WorkloadRef[] = [refTo(first, namespace)];
  const seen = new Set([refKey(chain[0]!)]);
  let current = chain[0]!;
  let resolution: TopOwner['resolution'] = 'resolved';
  for (;;) {
    const obj = lookup(current);
    const stale =
      obj?.metadata?.uid !== undefined && current.uid !== undefined && obj.metadata.uid !== current.uid;
    if (obj === undefined || stale) {
      const inferred =
        chain.length === 1 && !stale && classifyWorkload(current.apiVersion, current.kind) === 'ReplicaSet'
          ? inferReplicaSetOwner(pod, current)
          : undefined;
      if (inferred !== undefined) {
        chain.push(inferred);
        current = inferred;
        resolution = 'inferred';
      } else {
        resolution = 'partial';
      }
      break;
    }
    const next = controllerOf(obj);
    if (next === undefined) break;
    const nextRef = refTo(next, namespace);
    if (seen.has(refKey(nextRef)) || chain.length >= maxDepth) {
      resolution = 'partial';
      break;
    }
    seen.add(refKey(nextRef));
    chain.push(nextRef);
    current = nextRef;
  }
  return { ref: current, kind: classifyWorkload(current.apiVersion, current.kind), chain, resolution };
}
