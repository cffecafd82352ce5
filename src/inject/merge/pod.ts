// Read access to the parts of a JSON pod the injection bookkeeping touches, plus the container names
// Istio treats specially. Writers work on their own deep copy, so nothing here mutates.
import { type JsonObject, isJsonObject } from '../types.ts';

export type ContainerListField = 'containers' | 'initContainers';

export function specOf(pod: JsonObject): JsonObject | undefined {
  const spec = pod.spec;
  return isJsonObject(spec) ? spec : undefined;
}

/** The objects in `spec.<field>`; anything else in the list is not a container and is skipped. */
export function containersOf(pod: JsonObject, field: ContainerListField): JsonObject[] {
  const list = specOf(pod)?.[field];
  return Array.isArray(list) ? list.filter(isJsonObject) : [];
}

export function containerName(container: JsonObject): string {
  return typeof container.name === 'string' ? container.name : '';
}

export function findContainer(list: readonly JsonObject[], name: string): JsonObject | undefined {
  return list.find((container) => containerName(container) === name);
}

/** Istio's FindContainerFromPod: regular containers first, then init containers. */
export function findContainerInPod(pod: JsonObject, name: string): JsonObject | undefined {
  return (
    findContainer(containersOf(pod, 'containers'), name) ??
    findContainer(containersOf(pod, 'initContainers'), name)
  );
}

export function annotationsOf(pod: JsonObject): JsonObject | undefined {
  const metadata = pod.metadata;
  if (!isJsonObject(metadata)) return undefined;
  return isJsonObject(metadata.annotations) ? metadata.annotations : undefined;
}

export function annotation(pod: JsonObject, key: string): string | undefined {
  const value = annotationsOf(pod)?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** The annotations object of a pod copy, created when missing (the copy is the caller's to edit). */
export function ensureAnnotations(pod: JsonObject): JsonObject {
  if (!isJsonObject(pod.metadata)) pod.metadata = {};
  const metadata = pod.metadata;
  if (!isJsonObject(metadata.annotations)) metadata.annotations = {};
  return metadata.annotations;
}
