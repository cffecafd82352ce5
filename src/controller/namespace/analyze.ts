// One namespace, from cluster state to decisions: resolve the wanted revision, classify the pods, group them by
// owner, plan the restarts. The reconciler feeds it from informer caches and acts on the plan; `mesh-injector
// check` feeds it from list calls and prints the plan. Both therefore report exactly the same thing.
import { namespaceInjection, type InjectionPolicyConfig } from '../../inject/decide.ts';
import { isJsonObject, type JsonObject } from '../../inject/types.ts';
import type { OwnerLookup, WorkloadKind } from '../../kube/owners.ts';
import {
  resolveNamespaceRevision,
  revisionResolver,
  type InjectorWebhookConfig,
  type RevisionResolution,
} from '../revision.ts';
import {
  groupByOwner,
  planRestarts,
  type NamespacePlan,
  type RestartBudget,
  type WorkloadGroup,
} from './plan.ts';
import {
  classifyPods,
  countPods,
  type ClassificationCache,
  type ClassifiedPod,
  type PodCounts,
  type PodView,
} from './pods.ts';
import { parseMeshInjectionSpec, type ParsedSpec } from './spec.ts';
import type { WorkloadView } from './workload.ts';

export interface NamespaceSnapshot {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly webhookConfigs: readonly InjectorWebhookConfig[];
  /** The namespace's MeshInjection, if it has one (its spec drives the plan; absent means the defaults). */
  readonly meshInjection: JsonObject | undefined;
  /** Every pod of the namespace, counted or not. */
  readonly pods: readonly PodView[];
  readonly lookup: OwnerLookup;
  readonly workload: (kind: WorkloadKind, name: string) => WorkloadView | undefined;
  readonly budget: RestartBudget;
  /** The injector's policy and selectors (what the webhook decides with). */
  readonly policy: InjectionPolicyConfig;
  readonly ignoredNamespaces?: readonly string[];
  readonly now: number;
  /** Pods the caller deleted moments ago that its cache may still show. */
  readonly recentlyDeleted?: (uid: string) => boolean;
  readonly pollMs?: number;
  /**
   * Classifications from earlier analyses of this namespace under the same labels, webhook configurations and
   * policy (see ClassificationCache); filled as pods are classified.
   */
  readonly classifications?: ClassificationCache;
}

export interface NamespaceAnalysis {
  readonly resolution: RevisionResolution;
  readonly spec: ParsedSpec;
  readonly pods: readonly ClassifiedPod[];
  readonly counts: PodCounts;
  readonly groups: readonly WorkloadGroup[];
  readonly plan: NamespacePlan;
}

/** Whether the operator looks after a namespace: its labels ask for injection, or it has a MeshInjection. */
export function inScope(resolution: RevisionResolution, meshInjection: JsonObject | undefined): boolean {
  return resolution.enabled || meshInjection !== undefined;
}

export function analyzeNamespace(snapshot: NamespaceSnapshot): NamespaceAnalysis {
  const resolution = resolveNamespaceRevision(snapshot.labels, snapshot.webhookConfigs);
  const spec = parseMeshInjectionSpec(
    isJsonObject(snapshot.meshInjection) ? snapshot.meshInjection.spec : undefined,
  );
  const deleted = snapshot.recentlyDeleted ?? (() => false);
  const live = snapshot.pods.filter((p) => !deleted(p.uid));
  const going = snapshot.pods.filter((p) => p.deleting || deleted(p.uid));
  const pods = classifyPods(
    live,
    namespaceInjection(snapshot.labels),
    {
      ...snapshot.policy,
      resolveRevision: revisionResolver(resolution, snapshot.webhookConfigs),
      ...(snapshot.ignoredNamespaces === undefined ? {} : { ignoredNamespaces: snapshot.ignoredNamespaces }),
    },
    snapshot.classifications,
  );
  const groups = groupByOwner(pods, snapshot.lookup, going);
  const plan = planRestarts({
    groups,
    spec: spec.spec,
    injectorAvailable: resolution.revision !== undefined,
    workload: snapshot.workload,
    budget: snapshot.budget,
    now: snapshot.now,
    ...(snapshot.pollMs === undefined ? {} : { pollMs: snapshot.pollMs }),
  });
  return { resolution, spec, pods, counts: countPods(pods), groups, plan };
}
