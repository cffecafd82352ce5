// Builders for the namespace reconciler's unit tests: pods, workloads and owner lookups as the API returns them.
import { podView, type PodView } from '../../../../src/controller/namespace/pods.ts';
import { workloadView, type WorkloadView } from '../../../../src/controller/namespace/workload.ts';
import type { JsonObject } from '../../../../src/inject/types.ts';
import { classifyWorkload, type OwnerLookup } from '../../../../src/kube/owners.ts';

export const NS = 'demo';

export interface OwnerSpec {
  readonly kind: string;
  readonly name: string;
  readonly apiVersion?: string;
}

const apiVersions: Readonly<Record<string, string>> = {
  Deployment: 'apps/v1',
  ReplicaSet: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  ReplicationController: 'v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
  Rollout: 'argoproj.io/v1alpha1',
};

export function ownerRef(owner: OwnerSpec): JsonObject {
  return {
    apiVersion: owner.apiVersion ?? apiVersions[owner.kind] ?? 'example.com/v1',
    kind: owner.kind,
    name: owner.name,
    uid: `uid-${owner.kind}-${owner.name}`,
    controller: true,
  };
}

export interface PodOptions {
  readonly namespace?: string;
  readonly owner?: OwnerSpec;
  /** The revision whose sidecar the pod carries; undefined for none. */
  readonly sidecar?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly hostNetwork?: boolean;
  readonly phase?: string;
  readonly deleting?: boolean;
  /** creationTimestamp, epoch ms. */
  readonly createdAt?: number;
}

export function rawPod(name: string, options: PodOptions = {}): JsonObject {
  const annotations: JsonObject = {
    'kubectl.kubernetes.io/last-applied-configuration': '{"big":"blob"}',
    ...options.annotations,
  };
  const containers: JsonObject[] = [{ name: 'app', image: 'app:1' }];
  const initContainers: JsonObject[] = [];
  if (options.sidecar !== undefined) {
    annotations['sidecar.istio.io/status'] = JSON.stringify({
      initContainers: ['istio-init'],
      containers: ['istio-proxy'],
      volumes: ['istio-envoy'],
      imagePullSecrets: null,
      revision: options.sidecar,
    });
    annotations['istio.io/rev'] = options.sidecar;
    containers.push({ name: 'istio-proxy', image: 'proxyv2' });
    initContainers.push({ name: 'istio-init', image: 'proxyv2' });
  }
  const labels: JsonObject = { app: name, ...options.labels };
  if (options.sidecar !== undefined) labels['istio.io/rev'] = options.sidecar;
  const metadata: JsonObject = {
    name,
    namespace: options.namespace ?? NS,
    uid: `uid-pod-${name}`,
    labels,
    annotations,
    creationTimestamp: new Date(options.createdAt ?? Date.UTC(2030, 0, 1)).toISOString(),
  };
  if (options.owner !== undefined) metadata.ownerReferences = [ownerRef(options.owner)];
  if (options.deleting === true) metadata.deletionTimestamp = '2030-01-01T00:00:00Z';
  const spec: JsonObject = { containers, initContainers };
  if (options.hostNetwork === true) spec.hostNetwork = true;
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec, status: { phase: options.phase ?? 'Running' } };
}

export function pod(name: string, options: PodOptions = {}): PodView {
  return podView(rawPod(name, options));
}

export interface WorkloadOptions {
  readonly namespace?: string;
  readonly owner?: OwnerSpec;
  readonly replicas?: number;
  readonly generation?: number;
  readonly status?: JsonObject;
  readonly paused?: boolean;
  readonly strategy?: JsonObject;
  readonly restartedFor?: string;
  readonly restartedAt?: string;
  readonly restartAt?: string;
}

/** A workload whose rollout is complete unless `status` says otherwise. */
export function rawWorkload(kind: string, name: string, options: WorkloadOptions = {}): JsonObject {
  const replicas = options.replicas ?? 1;
  const generation = options.generation ?? 1;
  const annotations: JsonObject = {};
  if (options.restartedFor !== undefined)
    annotations['injection.mesh-injector.dev/restarted-for'] = options.restartedFor;
  if (options.restartedAt !== undefined)
    annotations['injection.mesh-injector.dev/restarted-at'] = options.restartedAt;
  const metadata: JsonObject = {
    name,
    namespace: options.namespace ?? NS,
    uid: `uid-${kind}-${name}`,
    generation,
    resourceVersion: '100',
    annotations,
  };
  if (options.owner !== undefined) metadata.ownerReferences = [ownerRef(options.owner)];
  const spec: JsonObject = { replicas };
  if (options.paused === true) spec.paused = true;
  if (options.restartAt !== undefined) spec.restartAt = options.restartAt;
  if (options.strategy !== undefined) {
    if (kind === 'Deployment') spec.strategy = options.strategy;
    else spec.updateStrategy = options.strategy;
  }
  const complete: JsonObject = {
    observedGeneration: generation,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    currentRevision: 'r1',
    updateRevision: 'r1',
    desiredNumberScheduled: replicas,
    updatedNumberScheduled: replicas,
    numberAvailable: replicas,
  };
  return {
    apiVersion: apiVersions[kind] ?? 'example.com/v1',
    kind,
    metadata,
    spec,
    status: { ...complete, ...options.status },
  };
}

export function workload(kind: string, name: string, options: WorkloadOptions = {}): WorkloadView {
  return workloadView(rawWorkload(kind, name, options));
}

/** An owner lookup and workload getter over a fixed set of views. */
export function cache(views: readonly WorkloadView[]): {
  lookup: OwnerLookup;
  get: (kind: string, name: string) => WorkloadView | undefined;
} {
  const byKey = new Map(views.map((v) => [`${v.kind}/${v.metadata.namespace}/${v.metadata.name}`, v]));
  return {
    lookup: (ref) => byKey.get(`${classifyWorkload(ref.apiVersion, ref.kind)}/${ref.namespace}/${ref.name}`),
    get: (kind, name) => byKey.get(`${kind}/${NS}/${name}`),
  };
}
