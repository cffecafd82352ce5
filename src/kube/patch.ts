// The one place patches are sent from. Every patch names its type, and the type decides the
// Content-Type header: client-node's generated clients send `application/json-patch+json` unless
// told otherwise, so a merge-style body silently becomes an invalid JSON Patch (415/422).
//
// Types (Kubernetes API conventions):
// - `strategic`: strategic merge patch; built-in kinds only (the API server rejects it for CRDs);
// - `merge`: RFC 7386 JSON merge patch (lists replaced whole; `null` deletes a key);
// - `json`: RFC 6902 operations, with `test` for preconditions;
// - `apply`: server-side apply of a full intent object, owned by `fieldManager`.
import { PatchStrategy, setHeaderOptions, type ConfigurationOptions } from '@kubernetes/client-node';
import type { JsonObject, JsonPatchOperation, JsonValue } from '../inject/types.ts';
import { Backoff } from './backoff.ts';
import { sleep, systemClock, type Clock } from './clock.ts';
import {
  isConflict,
  isFieldManagerConflict,
  resourceForKind,
  resourcePath,
  type KubeRequester,
  type ResourceRef,
} from './client.ts';

export type PatchType = 'strategic' | 'merge' | 'json' | 'apply';

export const patchContentTypes: Readonly<Record<PatchType, string>> = {
  strategic: PatchStrategy.StrategicMergePatch,
  merge: PatchStrategy.MergePatch,
  json: PatchStrategy.JsonPatch,
  apply: PatchStrategy.ServerSideApply,
};

/** Options for a typed client's patch call, setting the content type of `type`. */
export function patchContentType(type: PatchType): ConfigurationOptions {
  return setHeaderOptions('Content-Type', patchContentTypes[type]);
}

export type { JsonPatchOperation } from '../inject/types.ts';

export interface ConflictRetry {
  /** Attempts in all, the first included; default 5. */
  readonly attempts?: number;
  /** Wait before the second attempt; default 10 ms, doubling, with 10% jitter. */
  readonly initialMs?: number;
  /** Longest wait; default 1 s. */
  readonly maxMs?: number;
  readonly clock?: Clock;
}

export interface PatchOptions {
  /** Required for `apply`; recommended for every write so managedFields say who changed what. */
  readonly fieldManager?: string;
  /** `apply` only: take over fields other managers own. */
  readonly force?: boolean;
  readonly dryRun?: boolean;
  readonly fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  /**
   * Retry on a 409 conflict. Only useful when the body is a function that recomputes the patch from
   * fresh state (e.g. a JSON Patch with a `test` on resourceVersion); a field-manager conflict from
   * `apply` is never retried (the same apply would fail the same way).
   */
  readonly retryOnConflict?: ConflictRetry | boolean;
  readonly signal?: AbortSignal;
}

type PatchBody<T extends PatchType> = T extends 'json' ? readonly JsonPatchOperation[] : JsonObject;

/** A patch body, or a function that builds it (called again before every retry). */
export type PatchSource<T extends PatchType> = PatchBody<T> | (() => PatchBody<T> | Promise<PatchBody<T>>);

/**
 * Calls `attempt` and, while it fails with an optimistic-concurrency conflict, calls it again after a
 * short backoff (client-go's retry.RetryOnConflict). Other errors, and the last conflict, are thrown.
 */
export async function retryOnConflict<T>(
  attempt: () => Promise<T>,
  options: ConflictRetry & { readonly signal?: AbortSignal } = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new Error(`retryOnConflict attempts must be a positive integer, got ${attempts}`);
  }
  const clock = options.clock ?? systemClock;
  const backoff = new Backoff({ initialMs: options.initialMs ?? 10, maxMs: options.maxMs ?? 1000 });
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= attempts || !isConflict(err) || isFieldManagerConflict(err)) throw err;
      if (!(await sleep(clock, backoff.next(), options.signal))) throw err;
    }
  }
}

/** Sends a patch of `type` to the object `ref` names (set `ref.subresource` for status, scale...). */
export async function patchResource<T extends PatchType>(
  client: KubeRequester,
  ref: ResourceRef,
  type: T,
  source: PatchSource<T>,
  options: PatchOptions = {},
): Promise<JsonObject> {
  if (ref.name === undefined || ref.name === '') {
    throw new Error(`patch ${ref.resource}: a name is required`);
  }
  if (type === 'apply' && (options.fieldManager === undefined || options.fieldManager === '')) {
    throw new Error(`server-side apply of ${ref.resource}/${ref.name} needs a fieldManager`);
  }
  if (options.force === true && type !== 'apply') {
    throw new Error(`force is only valid for server-side apply, not a ${type} patch`);
  }
  const path = resourcePath(ref);
  const send = async (): Promise<JsonObject> => {
    const body = typeof source === 'function' ? await source() : source;
    return client.request({
      method: 'PATCH',
      path,
      query: {
        fieldManager: options.fieldManager,
        force: type === 'apply' ? options.force : undefined,
        dryRun: options.dryRun === true ? 'All' : undefined,
        fieldValidation: options.fieldValidation,
      },
      body: body as JsonValue,
      contentType: patchContentTypes[type],
      signal: options.signal,
    });
  };
  const retry = options.retryOnConflict;
  if (retry === undefined || retry === false) return send();
  return retryOnConflict(send, { ...(retry === true ? {} : retry), signal: options.signal });
}

export function strategicMergePatch(
  client: KubeRequester,
  ref: ResourceRef,
  patch: PatchSource<'strategic'>,
  options?: PatchOptions,
): Promise<JsonObject> {
  return patchResource(client, ref, 'strategic', patch, options);
}

export function mergePatch(
  client: KubeRequester,
  ref: ResourceRef,
  patch: PatchSource<'merge'>,
  options?: PatchOptions,
): Promise<JsonObject> {
  return patchResource(client, ref, 'merge', patch, options);
}

export function jsonPatch(
  client: KubeRequester,
  ref: ResourceRef,
  operations: PatchSource<'json'>,
  options?: PatchOptions,
): Promise<JsonObject> {
  return patchResource(client, ref, 'json', operations, options);
}

function metadataOf(obj: JsonObject): { name: string; namespace: string | undefined } {
  const metadata = obj.metadata;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new Error('server-side apply: the object has no metadata');
  }
  const name = metadata.name;
  const namespace = metadata.namespace;
  if (typeof name !== 'string' || name === '')
    throw new Error('server-side apply: metadata.name is required');
  return { name, namespace: typeof namespace === 'string' && namespace !== '' ? namespace : undefined };
}

export interface ApplyOptions extends Omit<PatchOptions, 'fieldManager' | 'retryOnConflict'> {
  readonly fieldManager: string;
  /** Plural resource name; default from the object's kind for kinds this project knows. */
  readonly resource?: string;
  /** Apply to a subresource, e.g. `status` (send only the fields this manager owns there). */
  readonly subresource?: string;
}

/**
 * Server-side apply of `obj` (a full intent: apiVersion, kind, metadata.name[, namespace] and the
 * fields this manager owns). Fields it stops sending are removed if no other manager owns them.
 */
export async function applyObject(
  client: KubeRequester,
  obj: JsonObject,
  options: ApplyOptions,
): Promise<JsonObject> {
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    throw new Error('server-side apply: the object needs apiVersion and kind');
  }
  const { name, namespace } = metadataOf(obj);
  const ref: ResourceRef = {
    apiVersion,
    resource: options.resource ?? resourceForKind(kind),
    name,
    ...(namespace === undefined ? {} : { namespace }),
    ...(options.subresource === undefined ? {} : { subresource: options.subresource }),
  };
  return patchResource(client, ref, 'apply', obj, options);
}

/**
 * Patches the `status` subresource (custom resources with `subresources.status`, or built-ins).
 * Writes to the main resource ignore status on such kinds, and status writes ignore everything else.
 */
export function patchStatus<T extends 'merge' | 'json' | 'apply'>(
  client: KubeRequester,
  ref: Omit<ResourceRef, 'subresource'>,
  type: T,
  patch: PatchSource<T>,
  options?: PatchOptions,
): Promise<JsonObject> {
  return patchResource(client, { ...ref, subresource: 'status' }, type, patch, options);
}
