// Pods as the reconciler caches them, and their classification.
//
// A cluster's pods are most of its objects, and a full pod is kilobytes; the cache keeps only what `classifyPod`
// and owner resolution read (labels, three annotations, container names, hostNetwork, owner, phase), so memory
// grows with the number of pods, not with their size.
import { Annotation } from '../../inject/annotations.ts';
import {
  classifyPod,
  type ClassifierConfig,
  type NamespaceInjection,
  type PodClassification,
} from '../../inject/decide.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../../inject/types.ts';
import type { OwnedObject } from '../../kube/owners.ts';
import { controllerReferences } from './workload.ts';

/** The only annotations the classifier reads; the rest (often large) are dropped from the cache. */
const annotationsRead: readonly string[] = [Annotation.inject, Annotation.status, Annotation.revision];

export interface PodView {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  /** The slim pod the classifier reads (metadata.labels/annotations, spec container names and hostNetwork). */
  readonly pod: JsonObject;
  /** The same pod as owner resolution reads it. */
  readonly owner: OwnedObject;
  readonly phase: string;
  /** metadata.deletionTimestamp is set: the pod is going away and is not counted. */
  readonly deleting: boolean;
  /** metadata.creationTimestamp in epoch ms (0 when unknown). */
  readonly createdAtMs: number;
}

function str(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

function names(list: JsonValue | undefined): JsonObject[] {
  if (!Array.isArray(list)) return [];
  return list.filter(isJsonObject).map((c) => ({ name: str(c.name) }));
}

function stringMap(value: JsonValue | undefined, keep?: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isJsonObject(value)) return out;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string' && (keep === undefined || keep.includes(key))) out[key] = v;
  }
  return out;
}

/** The pods informer's transform. */
export function podView(raw: JsonObject): PodView {
  const metadata = isJsonObject(raw.metadata) ? raw.metadata : {};
  const spec = isJsonObject(raw.spec) ? raw.spec : {};
  const status = isJsonObject(raw.status) ? raw.status : {};
  const name = str(metadata.name);
  const namespace = str(metadata.namespace);
  const uid = str(metadata.uid);
  const labels = stringMap(metadata.labels);
  const annotations = stringMap(metadata.annotations, annotationsRead);
  const owners = controllerReferences(metadata);
  const slimSpec: JsonObject = {
    containers: names(spec.containers),
    initContainers: names(spec.initContainers),
  };
  if (spec.hostNetwork === true) slimSpec.hostNetwork = true;
  const created = Date.parse(str(metadata.creationTimestamp));
  return {
    name,
    namespace,
    uid,
    pod: { metadata: { name, namespace, labels, annotations }, spec: slimSpec },
    owner: {
      metadata: {
        name,
        namespace,
        uid,
        labels,
        ...(owners === undefined ? {} : { ownerReferences: owners }),
      },
    },
    phase: str(status.phase),
    deleting: typeof metadata.deletionTimestamp === 'string',
    createdAtMs: Number.isNaN(created) ? 0 : created,
  };
}

/** Pods that count: not finished (Succeeded/Failed) and not being deleted. */
export function isCounted(pod: PodView): boolean {
  return !pod.deleting && pod.phase !== 'Succeeded' && pod.phase !== 'Failed';
}

export interface ClassifiedPod {
  readonly view: PodView;
  readonly classification: PodClassification;
}

export interface PodCounts {
  readonly total: number;
  readonly injected: number;
  readonly missing: number;
  readonly stale: number;
  readonly excluded: number;
}

/**
 * Classifications already made, by pod view. A view is replaced whenever its pod changes, so an entry holds as
 * long as the namespace's labels, the webhook configurations and the policy it was made under do: whoever keeps
 * one must drop it when any of those change.
 */
export type ClassificationCache = WeakMap<PodView, ClassifiedPod>;

/** Classifies every counted pod with the shared classifier (the webhook's own decision rules). */
export function classifyPods(
  pods: readonly PodView[],
  namespace: NamespaceInjection,
  config: ClassifierConfig,
  cache?: ClassificationCache,
): ClassifiedPod[] {
  const out: ClassifiedPod[] = [];
  for (const view of pods) {
    if (!isCounted(view)) continue;
    let classified = cache?.get(view);
    if (classified === undefined) {
      classified = { view, classification: classifyPod(view.pod, namespace, config) };
      cache?.set(view, classified);
    }
    out.push(classified);
  }
  return out;
}

export function countPods(pods: readonly ClassifiedPod[]): PodCounts {
  let injected = 0;
  let missing = 0;
  let stale = 0;
  let excluded = 0;
  for (const { classification } of pods) {
    if (classification.state === 'injected') injected++;
    else if (classification.state === 'missing') missing++;
    else if (classification.state === 'stale') stale++;
    else excluded++;
  }
  return { total: pods.length, injected, missing, stale, excluded };
}
