// The `sidecar.istio.io/status` annotation: the record of what an injection added to a pod.
//
// It is written from the template pod (everything the templates rendered, before merging with the
// user's pod), and read back on re-injection to know which containers to strip. The text matches
// Istio's getInjectionStatus byte for byte: Go's json.Marshal of a struct, so fixed key order, `null`
// for an empty list, and Go's string escaping. Reading follows Go's json.Unmarshal into that struct:
// unknown keys (such as the `version` older releases wrote) are ignored, keys match case-insensitively,
// and a value of the wrong type fails the whole parse.
import { Annotation } from './annotations.ts';
import { goJsonMarshal } from './funcs/gojson.ts';
import { describeJson } from './merge/json.ts';
import { containerName, containersOf, specOf } from './merge/pod.ts';
import { type JsonObject, type JsonValue, isJsonObject } from './types.ts';

export const DEFAULT_REVISION = 'default';

export interface SidecarInjectionStatus {
  readonly initContainers: readonly string[];
  readonly containers: readonly string[];
  readonly volumes: readonly string[];
  readonly imagePullSecrets: readonly string[];
  readonly revision: string;
}

const listFields = ['initContainers', 'containers', 'volumes', 'imagePullSecrets'] as const;
type ListField = (typeof listFields)[number];

/** What the templates injected, read from the template pod. An empty revision means the default one. */
export function injectionStatusOf(templatePod: JsonObject, revision?: string): SidecarInjectionStatus {
  const namesIn = (field: 'volumes' | 'imagePullSecrets'): string[] => {
    const list = specOf(templatePod)?.[field];
    return Array.isArray(list) ? list.filter(isJsonObject).map(containerName) : [];
  };
  return {
    initContainers: containersOf(templatePod, 'initContainers').map(containerName),
    containers: containersOf(templatePod, 'containers').map(containerName),
    volumes: namesIn('volumes'),
    imagePullSecrets: namesIn('imagePullSecrets'),
    revision: revision === undefined || revision === '' ? DEFAULT_REVISION : revision,
  };
}

/** The annotation text: compact JSON, Istio's key order, `null` for empty lists. */
export function formatInjectionStatus(status: SidecarInjectionStatus): string {
  const value: JsonObject = {};
  for (const field of listFields) value[field] = status[field].length === 0 ? null : [...status[field]];
  value.revision = status.revision;
  return goJsonMarshal(value, { keepKeyOrder: true });
}

/** The annotation value for a template pod, as Istio's applyMetadata sets it. */
export function statusAnnotationFor(templatePod: JsonObject, revision?: string): string {
  return formatInjectionStatus(injectionStatusOf(templatePod, revision));
}

/** Why an annotation value could not be read as an injection status. */
export class InjectionStatusError extends Error {
  override readonly name = 'InjectionStatusError';
  readonly value: string;
  readonly reason: string;

  constructor(value: string, reason: string) {
    super(`invalid ${Annotation.status} annotation: ${reason}`);
    this.value = value;
    this.reason = reason;
  }
}

export type InjectionStatusParse =
  | { readonly ok: true; readonly status: SidecarInjectionStatus }
  | { readonly ok: false; readonly error: InjectionStatusError };

/**
 * Reads an annotation value. A JSON `null` reads as an empty status (Go leaves the struct untouched);
 * a missing `revision` reads as "" (releases before revisions wrote none).
 */
export function parseInjectionStatus(value: string): InjectionStatusParse {
  const fail = (reason: string): InjectionStatusParse => ({
    ok: false,
    error: new InjectionStatusError(value, reason),
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    return fail(`not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const lists: Record<ListField, string[]> = {
    initContainers: [],
    containers: [],
    volumes: [],
    imagePullSecrets: [],
  };
  let revision = '';
  if (parsed === null) return { ok: true, status: { ...lists, revision } };
  if (!isJsonObject(parsed)) return fail(`want a JSON object, got ${describeJson(parsed as JsonValue)}`);

  for (const [key, item] of Object.entries(parsed)) {
    const folded = key.toLowerCase();
    if (folded === 'revision') {
      if (item !== null && typeof item !== 'string')
        return fail(`"${key}" is ${describeJson(item)}, want a string`);
      revision = item ?? '';
      continue;
    }
    const field = listFields.find((name) => name.toLowerCase() === folded);
    if (field === undefined) continue;
    if (item === null) {
      lists[field] = [];
      continue;
    }
    if (!Array.isArray(item)) return fail(`"${key}" is ${describeJson(item)}, want a list of names`);
    const names: string[] = [];
    for (const [index, name] of item.entries()) {
      if (typeof name !== 'string') return fail(`"${key}"[${index}] is ${describeJson(name)}, want a name`);
      names.push(name);
    }
    lists[field] = names;
  }
  return { ok: true, status: { ...lists, revision } };
}

/** The pod's injection status: undefined when it has no status annotation. */
export function readInjectionStatus(pod: JsonObject): InjectionStatusParse | undefined {
  const metadata = pod.metadata;
  const annotations = isJsonObject(metadata) ? metadata.annotations : undefined;
  const value = isJsonObject(annotations) ? annotations[Annotation.status] : undefined;
  return typeof value === 'string' ? parseInjectionStatus(value) : undefined;
}
