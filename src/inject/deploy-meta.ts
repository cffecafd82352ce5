// The workload a pod belongs to, as Istio's templates see it (`.DeploymentMeta` and `.TypeMeta`).
//
// At admission time the pod usually has no name yet, only a generateName and the ownerReference its controller
// set, so the workload is inferred from naming conventions rather than looked up: this must work offline
// (kube-inject) and without API calls on the webhook's hot path. The rules are Istio's `GetDeployMetaFromPod`.
import { labelsOf } from './annotations.ts';
import { isJsonObject, type JsonObject } from './types.ts';

export interface DeploymentMeta {
  readonly name: string;
  readonly namespace: string;
  readonly kind: string;
  readonly apiVersion: string;
}

// A Job created by a CronJob is named `<cronjob>-<scheduled time in minutes>`: 8 to 10 digits.
const cronJobSpawn = /^(.+)-\d{8,10}$/;

function text(object: JsonObject, key: string): string {
  const value = object[key];
  return typeof value === 'string' ? value : '';
}

function controllerOf(metadata: JsonObject): JsonObject | undefined {
  const refs = metadata.ownerReferences;
  if (!Array.isArray(refs)) return undefined;
  return refs.find((ref): ref is JsonObject => isJsonObject(ref) && ref.controller === true);
}

function withoutSuffix(name: string, suffix: string): string {
  return name.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
}

/**
 * Infers the pod's workload. A pod without generateName is its own workload (`Pod`, `v1`). Otherwise the
 * controller ownerReference names it, refined by convention: a ReplicaSet carrying the pod's
 * `pod-template-hash` is a Deployment's, one carrying `rollouts-pod-template-hash` an Argo Rollout's, a
 * ReplicationController with a `deploymentconfig` label an OpenShift DeploymentConfig's, and a Job named
 * `<x>-<8 to 10 digits>` a CronJob's. `namespace` is used when the pod has none (as in an AdmissionRequest).
 */
export function deploymentMetaFromPod(pod: JsonObject, namespace = ''): DeploymentMeta {
  const metadata = isJsonObject(pod.metadata) ? pod.metadata : {};
  const podName = text(metadata, 'name');
  const meta = {
    name: podName,
    namespace: text(metadata, 'namespace') || namespace,
    kind: 'Pod',
    apiVersion: 'v1',
  };
  const controller = text(metadata, 'generateName') !== '' ? controllerOf(metadata) : undefined;
  if (controller !== undefined) {
    const labels = labelsOf(pod);
    const ownerName = text(controller, 'name');
    meta.kind = text(controller, 'kind');
    meta.apiVersion = text(controller, 'apiVersion');
    meta.name = ownerName;
    const templateHash = labels['pod-template-hash'] ?? '';
    const rolloutHash = labels['rollouts-pod-template-hash'] ?? '';
    const deploymentConfig = labels.deploymentconfig ?? '';
    if (meta.kind === 'ReplicaSet' && templateHash !== '' && ownerName.endsWith(templateHash)) {
      meta.name = withoutSuffix(ownerName, `-${templateHash}`);
      meta.kind = 'Deployment';
    } else if (meta.kind === 'ReplicaSet' && rolloutHash !== '' && ownerName.endsWith(rolloutHash)) {
      meta.name = withoutSuffix(ownerName, `-${rolloutHash}`);
      meta.kind = 'Rollout';
      // Istio reports the bare version here; templates that print it expect exactly this.
      meta.apiVersion = 'v1alpha1';
    } else if (meta.kind === 'ReplicationController' && deploymentConfig !== '') {
      meta.name = deploymentConfig;
      meta.kind = 'DeploymentConfig';
    } else if (meta.kind === 'Job') {
      const spawned = cronJobSpawn.exec(ownerName);
      if (spawned?.[1] !== undefined) {
        meta.name = spawned[1];
        meta.kind = 'CronJob';
        // A pod cannot tell which CronJob version made its Job; batch/v1 is the only one still served.
        meta.apiVersion = 'batch/v1';
      }
    }
  }
  if (meta.name === '') meta.name = podName;
  return meta;
}
