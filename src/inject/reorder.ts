// Container order after the merge (Istio's reorderPod).
//
// The merge puts template containers in front of the user's. This fixes the order that matters:
// - istio-proxy goes last among containers, so `kubectl exec`/`logs` default to the application; with
//   holdApplicationUntilProxyStarts it goes first, because the kubelet starts containers in order and
//   the proxy's postStart hook then holds the application back until Envoy is ready;
// - native sidecars (istio-proxy among init containers): istio-init, istio-validation, the containers
//   named to run before the proxy, istio-proxy, enable-core-dump, then the user's init containers;
// - otherwise istio-validation first (it must block every user container), and istio-init then
//   enable-core-dump last, so user init containers still have a network before iptables captures it.
import { ContainerName, Annotation } from './annotations.ts';
import { annotation, containerName, specOf } from './merge/pod.ts';
import type { JsonObject, JsonValue } from './types.ts';

export interface ReorderOptions {
  /** From the pod's `proxy.istio.io/config` applied over the mesh default, or the values' global.proxy. */
  readonly holdApplicationUntilProxyStarts: boolean;
  /** istiod's INIT_CONTAINER_BEFORE_PROXY setting (comma-separated); the pod annotation adds to it. */
  readonly initContainersBeforeProxy?: string;
}

/**
 * Returns a pod with its containers and init containers in injection order: a new pod, new spec and new lists,
 * sharing the containers and every other field with the input (which is never modified).
 */
export function reorderPod(pod: JsonObject, options: ReorderOptions): JsonObject {
  const podSpec = specOf(pod);
  if (podSpec === undefined) return { ...pod };
  const spec = { ...podSpec };
  const result = { ...pod, spec };

  if (Array.isArray(spec.containers)) {
    spec.containers = move(
      spec.containers,
      ContainerName.proxy,
      options.holdApplicationUntilProxyStarts ? 'first' : 'last',
    );
  }
  if (!Array.isArray(spec.initContainers)) return result;
  let inits: JsonValue[] = spec.initContainers;
  if (inits.some((item) => nameOf(item) === ContainerName.proxy)) {
    // Each move to the front lands before the previous ones, so the calls run back to front.
    inits = move(inits, ContainerName.enableCoreDump, 'first');
    inits = move(inits, ContainerName.proxy, 'first');
    const beforeProxy = containersBeforeProxy(
      options.initContainersBeforeProxy,
      annotation(pod, Annotation.initContainersBeforeProxy),
    );
    for (const name of beforeProxy.reverse()) inits = move(inits, name, 'first');
    inits = move(inits, ContainerName.validation, 'first');
    inits = move(inits, ContainerName.init, 'first');
  } else {
    inits = move(inits, ContainerName.validation, 'first');
    inits = move(inits, ContainerName.init, 'last');
    inits = move(inits, ContainerName.enableCoreDump, 'last');
  }
  spec.initContainers = inits;
  return result;
}

/**
 * The setting, then the annotation, split on commas without trimming and de-duplicated, as Istio
 * does: a name written with a space after the comma matches no container.
 */
function containersBeforeProxy(setting: string | undefined, fromAnnotation: string | undefined): string[] {
  let joined = setting ?? '';
  if (fromAnnotation !== undefined && fromAnnotation !== '') joined = `${joined},${fromAnnotation}`;
  return joined === '' ? [] : [...new Set(joined.split(','))];
}

function nameOf(item: JsonValue): string | undefined {
  return item !== null && typeof item === 'object' && !Array.isArray(item) ? containerName(item) : undefined;
}

/**
 * Istio's modifyContainers: every container with that name leaves its place, and one (the last) is put
 * at the front or the back. Without such a container the list is returned as it is.
 */
function move(list: JsonValue[], name: string, to: 'first' | 'last'): JsonValue[] {
  const others = list.filter((item) => nameOf(item) !== name);
  if (others.length === list.length) return list;
  const moved = list.findLast((item) => nameOf(item) === name)!;
  return to === 'first' ? [moved, ...others] : [...others, moved];
}
