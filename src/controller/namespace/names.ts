// Names the namespace reconciler writes or reads: our API group's resource, our annotations, kubectl's.

/** The MeshInjection resource (one per namespace, always named `default`). */
export const MeshInjectionResource = {
  apiVersion: 'injection.mesh-injector.dev/v1alpha1',
  kind: 'MeshInjection',
  resource: 'meshinjections',
  name: 'default',
} as const;

/**
 * On a workload's metadata: the cause the operator last restarted it for (`revision=<rev>`, or `uninjected` for
 * removing sidecars nobody wants). Written in the same patch as the restart itself, so the cluster, not the
 * operator's memory, records that this cause has been acted on.
 */
export const RESTARTED_FOR_ANNOTATION = 'injection.mesh-injector.dev/restarted-for';
/** On a workload's metadata: when the operator last restarted it (RFC 3339, milliseconds). */
export const RESTARTED_AT_ANNOTATION = 'injection.mesh-injector.dev/restarted-at';
/** The pod template annotation `kubectl rollout restart` sets; changing it rolls the workload. */
export const KUBECTL_RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

/** managedFields owner of every write, and the Event source. */
export const FIELD_MANAGER = 'mesh-injector';

/** The cause of restarting pods whose sidecar is not wanted at all (the namespace opted out). */
export const UNINJECTED_CAUSE = 'uninjected';

/** The cause of restarting pods so that they get revision `revision`'s sidecar. */
export function revisionCause(revision: string): string {
  return `revision=${revision}`;
}
