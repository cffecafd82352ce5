// Patch metadata for strategic merge: which lists merge by key, and what type each nested field has.
//
// Kubernetes keeps this in Go struct tags (`patchStrategy:"merge" patchMergeKey:"name"` in
// k8s.io/api/core/v1/types.go and apimachinery's ObjectMeta). We only need the fields that lead to a
// list with a strategy: every other list is atomic (replaced whole) and every other object is merged
// key by key, which is also what a field missing from the table gets. Checked against k8s.io/api v0.36.

/** Patch metadata of one field. An absent entry means: objects merge per key, lists are replaced. */
export interface FieldPatchMeta {
  /** `merge`: the list is merged with the original instead of replacing it. */
  readonly strategy?: 'merge';
  /** For merged lists of objects, the field identifying an item. Merged scalar lists have none. */
  readonly mergeKey?: string;
  /** Carries `retainKeys` in the Go tag. It only shapes patches a client computes, not how one is applied. */
  readonly retainKeys?: boolean;
  /** Schema of the field's value (an object) or of each item (a list of objects). */
  readonly schema?: PatchSchema;
}

/** The fields of one object type that need metadata. */
export type PatchSchema = Readonly<Partial<Record<string, FieldPatchMeta>>>;

const mergeBy = (mergeKey: string, schema?: PatchSchema): FieldPatchMeta =>
  schema === undefined ? { strategy: 'merge', mergeKey } : { strategy: 'merge', mergeKey, schema };

export const objectMetaSchema: PatchSchema = {
  ownerReferences: mergeBy('uid'),
  finalizers: { strategy: 'merge' },
};

// Container and EphemeralContainer(Common) carry the same tags.
export const containerSchema: PatchSchema = {
  ports: mergeBy('containerPort'),
  env: mergeBy('name'),
  volumeMounts: mergeBy('mountPath'),
  volumeDevices: mergeBy('devicePath'),
};

export const podSpecSchema: PatchSchema = {
  volumes: { ...mergeBy('name'), retainKeys: true },
  initContainers: mergeBy('name', containerSchema),
  containers: mergeBy('name', containerSchema),
  ephemeralContainers: mergeBy('name', containerSchema),
  imagePullSecrets: mergeBy('name'),
  hostAliases: mergeBy('ip'),
  topologySpreadConstraints: mergeBy('topologyKey'),
  schedulingGates: mergeBy('name'),
  resourceClaims: { ...mergeBy('name'), retainKeys: true },
};

const containerStatusSchema: PatchSchema = {
  volumeMounts: mergeBy('mountPath'),
  allocatedResourcesStatus: mergeBy('name'),
};

export const podStatusSchema: PatchSchema = {
  conditions: mergeBy('type'),
  hostIPs: mergeBy('ip'),
  podIPs: mergeBy('ip'),
  resourceClaimStatuses: { ...mergeBy('name'), retainKeys: true },
  // The status lists themselves are atomic; the item schema matters only for values built from a patch.
  initContainerStatuses: { schema: containerStatusSchema },
  containerStatuses: { schema: containerStatusSchema },
  ephemeralContainerStatuses: { schema: containerStatusSchema },
};

/** The `corev1.Pod` schema Istio merges its templates against. */
export const podSchema: PatchSchema = {
  metadata: { schema: objectMetaSchema },
  spec: { schema: podSpecSchema },
  status: { schema: podStatusSchema },
};
