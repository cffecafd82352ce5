// Kubernetes strategic merge patch, applied to plain JSON against a patch schema (the Pod's by default).
//
// Semantics follow apimachinery's strategicpatch.StrategicMergeMapPatch, which Istio uses to lay each
// rendered template over the pod:
// - objects merge key by key; a `null` value deletes the key;
// - lists tagged `patchStrategy:"merge"` merge: items of objects by their merge key (a matched item is
//   merged recursively, an unmatched one is added), scalars as a de-duplicated union;
// - every other list, and every value whose type changes, is replaced by the patch's value;
// - order of a merged list: patch items keep the patch's order; original-only items keep theirs; when
//   the two are interleaved, a patch item not in the original goes before the remaining original items,
//   and a patch item that matched one goes where the original had it. (So template-only containers and
//   volumes land in front of the user's, and matched ones stay put.)
//
// Directives supported:
// - `$patch: replace` in an object (its other keys become the whole value) or as a list item (the list
//   becomes the patch's other items); `$patch: delete` in an object (it becomes `{}`) or as a list item
//   with the merge key (removes the matching items); `$patch: merge` in an object (the default, accepted
//   for symmetry). `$patch: merge` as a list item is rejected, as Kubernetes does.
// - `$retainKeys: [..]`: original keys not listed are cleared; a non-null patch key not listed is an error.
// - `$deleteFromPrimitiveList/<field>: [..]`: removes those values from a merged scalar list.
// - `$setElementOrder/<field>: [..]`: the final order of the listed items in a merged list.
// Any other key starting with `$` is rejected.
//
// Where apimachinery copies a patch value verbatim (the key is new, or the type changed) we apply the
// value to an empty one instead, so nulls and directives inside it are interpreted, never stored. Istio
// decodes the merged map back into a Go struct, which drops such nulls too, so pods come out the same.
// Two deliberate differences, both cases where Go would write garbage: deleting from a scalar list that
// is absent is a no-op (Go stores the deletion list as the value), and `$deleteFromPrimitiveList` or
// `$setElementOrder` on a field that is not a merged list is an error (Go replaces or panics).
// Fields missing from the schema (future API fields, CRD extras) behave like untagged ones.
//
// Speed (the injector merges every rendered template twice per pod): paths for error messages are not built
// while merging. A merge runs with `path` undefined; if it fails, it is run again with paths on, and that run
// throws the located error (merging is deterministic, so it fails at the same place). `strategicMergeSharing`
// also skips copies: it reuses what it leaves unchanged, and the parts of the patch that `reusableParts` found
// equal to what building them would give.
import { type JsonObject, type JsonPrimitive, type JsonValue, isJsonObject } from '../types.ts';
import { cloneJson, cloneObject, describeJson } from './json.ts';
import { type FieldPatchMeta, type PatchSchema, podSchema } from './schema.ts';

const PATCH_DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';
const SET_ELEMENT_ORDER = '$setElementOrder/';

/** A patch that cannot be applied: `path` locates the offending value, `reason` says why. */
export class StrategicMergeError extends Error {
  override readonly name = 'StrategicMergeError';
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string) {
    super(`strategic merge at ${path === '' ? 'the top level' : path}: ${reason}`);
    this.path = path;
    this.reason = reason;
  }
}

/**
 * Applies `patch` to `original` with strategic merge semantics for `schema` (default: `corev1.Pod`).
 * Neither input is modified, and the result shares no structure with them.
 */
export function strategicMerge(
  original: JsonObject,
  patch: JsonObject,
  schema: PatchSchema = podSchema,
): JsonObject {
  return mergeExplained(original, patch, schema, copying);
}

/**
 * Parts of a patch that a merge may use as they are: the objects and lists in which building onto nothing
 * changes nothing (no `$` directive, no null to delete, no merged list that de-duplicates or fails). Each one
 * is recorded with the schema (objects) or field metadata (lists) it was checked against, since one parsed
 * object (a YAML alias) can sit at two places of different types. Built by `reusableParts`.
 */
export interface ReusableParts {
  /** Every part is reusable where it sits (the usual case): nothing needs recording. */
  readonly whole: boolean;
  /** Otherwise, each reusable part with what it was checked against. */
  readonly checkedAs: ReadonlyMap<object, unknown>;
}

/**
 * Strategic merge for inputs that are never modified afterwards (the injector freezes them): the result reuses
 * the original's fields the patch does not touch, and the `reusable` parts of the patch, instead of copying
 * them. It equals what `strategicMerge` returns, key order included.
 */
export function strategicMergeSharing(
  original: JsonObject,
  patch: JsonObject,
  reusable: ReusableParts,
  schema: PatchSchema = podSchema,
): JsonObject {
  const sharing: Sharing = { share: true, whole: reusable.whole, reusable: reusable.checkedAs };
  // Onto nothing (the first template onto the template pod), a reusable patch is its own result.
  if (isEmpty(original) && reusedObject(patch, schema, sharing)) return patch;
  return mergeExplained(original, patch, schema, sharing);
}

function isEmpty(object: JsonObject): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return false;
  return true;
}

/** How a merge treats what it does not change: copies it, or (only for immutable inputs) reuses it. */
type Sharing =
  | { readonly share: false }
  | { readonly share: true; readonly whole: boolean; readonly reusable: ReadonlyMap<object, unknown> };

const copying: Sharing = { share: false };

function mergeExplained(original: JsonObject, patch: JsonObject, schema: PatchSchema, sharing: Sharing) {
  try {
    return mergeObject(original, patch, schema, sharing, undefined);
  } catch (error) {
    if (!(error instanceof StrategicMergeError)) throw error;
    // The same merge with paths on throws the same error, located.
    mergeObject(original, patch, schema, sharing, '');
    throw error;
  }
}

/**
 * A location for error messages; undefined while merging without paths (the first, fast attempt).
 * Errors thrown then carry an empty path and are never shown: the merge is run again with paths.
 */
type Path = string | undefined;

function fieldPath(path: Path, key: string): Path {
  if (path === undefined) return undefined;
  return path === '' ? key : `${path}.${key}`;
}

function itemPath(path: Path, mergeKey: string | undefined, item: JsonValue, index: number): Path {
  if (path === undefined) return undefined;
  if (mergeKey !== undefined && isJsonObject(item)) {
    const key = item[mergeKey];
    if (isScalar(key) && key !== null) return `${path}[${mergeKey}=${JSON.stringify(key)}]`;
  }
  return `${path}[${index}]`;
}

function indexPath(path: Path, index: number): Path {
  return path === undefined ? undefined : `${path}[${index}]`;
}

function fail(path: Path, reason: string): never {
  throw new StrategicMergeError(path ?? '', reason);
}

function isScalar(value: JsonValue | undefined): value is JsonPrimitive {
  return value === null || (value !== undefined && typeof value !== 'object');
}

// What an object or list without schema metadata is recorded with in ReusableParts.
const NO_SCHEMA = Symbol('no schema');
const NO_META = Symbol('no field metadata');

const NOTHING_RECORDED: ReadonlyMap<object, unknown> = new Map();

/**
 * Finds the parts of `patch` that `strategicMergeSharing` may reuse. A part below a directive or a null can still
 * be reusable on its own. Most patches are reusable as a whole, which one walk that records nothing shows (a merge
 * asks about a part only where the walk checked it, with the same schema).
 */
export function reusableParts(patch: JsonObject, schema: PatchSchema = podSchema): ReusableParts {
  if (reusableObject(patch, schema, undefined)) return { whole: true, checkedAs: NOTHING_RECORDED };
  const checkedAs = new Map<object, unknown>();
  reusableObject(patch, schema, checkedAs);
  return { whole: false, checkedAs };
}

/** Where reusable parts are recorded; without one, a walk stops at the first part that is not reusable. */
type Recorder = Map<object, unknown> | undefined;

function reusableObject(object: JsonObject, schema: PatchSchema | undefined, checkedAs: Recorder): boolean {
  let reusable = true;
  for (const key in object) {
    const value = object[key] as JsonValue;
    // A null deletes, a `$` key is a directive, and `__proto__` would set the prototype of a built copy.
    if (value === null || key.startsWith('$') || key === '__proto__') reusable = false;
    else if (typeof value === 'object' && !reusableValue(value, schema?.[key], checkedAs)) reusable = false;
    if (!reusable && checkedAs === undefined) return false;
  }
  if (reusable) checkedAs?.set(object, schema ?? NO_SCHEMA);
  return reusable;
}

function reusableValue(
  value: JsonObject | JsonValue[],
  meta: FieldPatchMeta | undefined,
  checkedAs: Recorder,
): boolean {
  if (!Array.isArray(value)) return reusableObject(value, meta?.schema, checkedAs);
  const reusable =
    meta?.strategy === 'merge'
      ? reusableMergedList(value, meta, checkedAs)
      : reusableAtomicList(value, meta?.schema, checkedAs);
  if (reusable) checkedAs?.set(value, meta ?? NO_META);
  return reusable;
}

/** An atomic list is built item by item, and its nulls are kept. */
function reusableAtomicList(
  list: readonly JsonValue[],
  schema: PatchSchema | undefined,
  checkedAs: Recorder,
): boolean {
  let reusable = true;
  for (const item of list) {
    if (item === null || typeof item !== 'object') continue;
    const itemReusable = Array.isArray(item)
      ? reusableAtomicList(item, schema, checkedAs)
      : reusableObject(item, schema, checkedAs);
    if (!itemReusable) reusable = false;
    if (!reusable && checkedAs === undefined) return false;
  }
  return reusable;
}

/**
 * A merged list built from nothing keeps its items in order only when they are all objects with distinct
 * scalar merge keys, or all distinct scalars of one type; anything else is merged, de-duplicated or refused.
 */
function reusableMergedList(list: readonly JsonValue[], meta: FieldPatchMeta, checkedAs: Recorder): boolean {
  const mergeKey = meta.mergeKey;
  // Lists are short (containers, env, volumes): looking keys up in an array beats allocating a set.
  const keys: JsonPrimitive[] = [];
  let kind: string | undefined;
  let reusable = true;
  for (const item of list) {
    if (item === null || Array.isArray(item)) return false;
    if (kind !== undefined && typeof item !== kind) return false;
    kind = typeof item;
    const key = typeof item === 'object' ? (mergeKey === undefined ? undefined : item[mergeKey]) : item;
    if (!isScalar(key)) return false;
    if (typeof item === 'object' && !reusableObject(item, meta.schema, checkedAs)) reusable = false;
    if (keys.includes(key)) reusable = false;
    keys.push(key);
    if (!reusable && checkedAs === undefined) return false;
  }
  return reusable;
}

/** Whether a merge may use this part of the patch itself where it would build a copy of it. */
function reusedObject(value: JsonObject, schema: PatchSchema | undefined, sharing: Sharing): boolean {
  return sharing.share && (sharing.whole || sharing.reusable.get(value) === (schema ?? NO_SCHEMA));
}

function reusedList(value: JsonValue[], meta: FieldPatchMeta | undefined, sharing: Sharing): boolean {
  return sharing.share && (sharing.whole || sharing.reusable.get(value) === (meta ?? NO_META));
}

function mergeObject(
  original: JsonObject,
  patch: JsonObject,
  schema: PatchSchema | undefined,
  sharing: Sharing,
  path: Path,
): JsonObject {
  const directive = patch[PATCH_DIRECTIVE];
  if (directive !== undefined) {
    if (directive === 'delete') return {};
    if (directive === 'replace') {
      return mergeObject({}, withoutKey(patch, PATCH_DIRECTIVE), schema, sharing, path);
    }
    if (directive !== 'merge') {
      fail(
        path,
        `unknown ${PATCH_DIRECTIVE} directive ${JSON.stringify(directive)} (want replace, delete or merge)`,
      );
    }
  }

  const retained = retainedKeys(patch, path);
  const kept = (key: string): JsonValue | undefined =>
    retained === undefined || retained.has(key) ? original[key] : undefined;
  const result: JsonObject = {};
  for (const key of Object.keys(original)) {
    const value = kept(key);
    if (value === undefined) continue;
    // A field the patch touches is rebuilt below (the merge copies as it goes); this keeps its place.
    result[key] =
      sharing.share || (Object.hasOwn(patch, key) && !key.startsWith('$')) ? value : cloneJson(value);
  }

  let orderedFields: Map<string, JsonValue> | undefined;
  let deletions: [field: string, values: JsonValue][] | undefined;
  for (const key of Object.keys(patch)) {
    if (!key.startsWith('$') || key === PATCH_DIRECTIVE || key === RETAIN_KEYS) continue;
    const value = patch[key] as JsonValue;
    if (key.startsWith(SET_ELEMENT_ORDER)) {
      (orderedFields ??= new Map()).set(key.slice(SET_ELEMENT_ORDER.length), value);
    } else if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      (deletions ??= []).push([key.slice(DELETE_FROM_PRIMITIVE_LIST.length), value]);
    } else fail(fieldPath(path, key), 'unsupported patch directive');
  }

  for (const key of Object.keys(patch)) {
    if (key.startsWith('$')) continue;
    const value = patch[key] as JsonValue;
    const meta = schema?.[key];
    const order = orderedFields?.get(key);
    if (order !== undefined) {
      orderedFields!.delete(key);
      const merged = mergeInOrder(kept(key), value, order, meta, sharing, fieldPath(path, key));
      if (merged !== undefined) result[key] = merged;
    } else if (value === null) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the patch names the key to drop
      delete result[key];
    } else {
      result[key] = mergeValue(kept(key), value, meta, sharing, path, key);
    }
  }
  // An order directive may reorder a list the patch does not otherwise touch.
  for (const [key, order] of orderedFields ?? []) {
    const at = fieldPath(path, key);
    const reordered = mergeInOrder(result[key], undefined, order, schema?.[key], sharing, at);
    if (reordered !== undefined) result[key] = reordered;
  }
  for (const [key, values] of deletions ?? []) {
    const current = result[key];
    const next = deleteFromPrimitiveList(current, values, schema?.[key], fieldPath(path, key));
    if (next !== undefined) result[key] = next;
  }
  return result;
}

function withoutKey(object: JsonObject, drop: string): JsonObject {
  const copy: JsonObject = {};
  for (const [key, value] of Object.entries(object)) if (key !== drop) copy[key] = value;
  return copy;
}

function retainedKeys(patch: JsonObject, path: Path): Set<string> | undefined {
  const list = patch[RETAIN_KEYS];
  if (list === undefined) return undefined;
  const at = fieldPath(path, RETAIN_KEYS);
  if (!Array.isArray(list)) fail(at, `must be a list of field names, got ${describeJson(list)}`);
  const retained = new Set<string>();
  for (const [index, name] of list.entries()) {
    if (typeof name !== 'string')
      fail(indexPath(at, index), `must be a field name, got ${describeJson(name)}`);
    retained.add(name);
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$') || value === null || retained.has(key)) continue;
    fail(fieldPath(path, key), `the patch sets this field but ${RETAIN_KEYS} omits it`);
  }
  return retained;
}

/** Merges a non-null patch value onto the current value of field `key` (undefined when absent). */
function mergeValue(
  current: JsonValue | undefined,
  patch: JsonValue,
  meta: FieldPatchMeta | undefined,
  sharing: Sharing,
  parentPath: Path,
  key: string,
): JsonValue {
  if (isJsonObject(patch)) {
    if (isJsonObject(current))
      return mergeObject(current, patch, meta?.schema, sharing, fieldPath(parentPath, key));
  } else if (Array.isArray(patch)) {
    if (Array.isArray(current) && meta?.strategy === 'merge') {
      return mergeList(current, patch, meta, sharing, fieldPath(parentPath, key));
    }
  } else {
    return patch;
  }
  return build(patch, meta, sharing, fieldPath(parentPath, key));
}

/** A patch value applied to nothing: directives and nulls inside it are resolved, not copied. */
function build(value: JsonValue, meta: FieldPatchMeta | undefined, sharing: Sharing, path: Path): JsonValue {
  if (value === null || typeof value !== 'object') return value;
  if (!Array.isArray(value)) return buildItem(value, meta?.schema, sharing, path);
  if (reusedList(value, meta, sharing)) return value;
  return meta?.strategy === 'merge'
    ? mergeList([], value, meta, sharing, path)
    : buildList(value, meta, sharing, path);
}

/** An atomic list from a patch: the patch's items, each built on its own. */
function buildList(
  items: JsonValue[],
  meta: FieldPatchMeta | undefined,
  sharing: Sharing,
  path: Path,
): JsonValue[] {
  const itemMeta = meta?.schema === undefined ? undefined : { schema: meta.schema };
  return items.map((item, index) => build(item, itemMeta, sharing, indexPath(path, index)));
}

type ItemKind = 'object' | 'scalar';

/** Kubernetes requires every item of a merged list (original and patch) to have the same type. */
function itemKind(original: readonly JsonValue[], patch: readonly JsonValue[], path: Path): ItemKind {
  let seen: string | undefined;
  for (const [side, items] of [
    ['original', original],
    ['patch', patch],
  ] as const) {
    for (let index = 0; index < items.length; index++) {
      const item = items[index] as JsonValue;
      if (item === null || Array.isArray(item)) {
        fail(
          indexPath(path, index),
          `${side} item is ${describeJson(item)}; a merged list holds objects or scalars`,
        );
      }
      const kind = typeof item;
      if (seen !== undefined && kind !== seen) {
        fail(
          indexPath(path, index),
          `${side} item is ${describeJson(item)} but earlier items are ${seen === 'object' ? 'objects' : `${seen}s`}`,
        );
      }
      seen = kind;
    }
  }
  return seen === 'object' ? 'object' : 'scalar';
}

function mergeList(
  original: readonly JsonValue[],
  patch: readonly JsonValue[],
  meta: FieldPatchMeta,
  sharing: Sharing,
  path: Path,
): JsonValue[] {
  if (original.length === 0 && patch.length === 0) return [];
  if (itemKind(original, patch, path) === 'scalar') {
    const union = [...new Set([...original, ...patch] as JsonPrimitive[])];
    return orderMergedItems(union, (item) => item, patch as JsonPrimitive[], original as JsonPrimitive[]);
  }
  const mergeKey = meta.mergeKey;
  if (mergeKey === undefined) {
    fail(path, 'cannot merge a list of objects: the schema gives it no merge key');
  }
  return mergeObjectList(
    original as JsonObject[],
    patch as JsonObject[],
    mergeKey,
    meta.schema,
    sharing,
    path,
  );
}

function mergeKeyOf(item: JsonObject, mergeKey: string, path: Path, side: string): JsonPrimitive {
  const key = item[mergeKey];
  if (key === undefined) fail(path, `${side} item has no merge key "${mergeKey}"`);
  if (!isScalar(key))
    fail(path, `${side} item's merge key "${mergeKey}" is ${describeJson(key)}, not a scalar`);
  return key;
}

/** An object built from the patch alone. */
function buildItem(
  item: JsonObject,
  schema: PatchSchema | undefined,
  sharing: Sharing,
  path: Path,
): JsonObject {
  if (reusedObject(item, schema, sharing)) return item;
  return mergeObject({}, item, schema, sharing, path);
}

function mergeObjectList(
  original: readonly JsonObject[],
  patch: readonly JsonObject[],
  mergeKey: string,
  schema: PatchSchema | undefined,
  sharing: Sharing,
  path: Path,
): JsonObject[] {
  let server = original.map((item, index) => ({
    key: mergeKeyOf(item, mergeKey, itemPath(path, mergeKey, item, index), 'original'),
    item,
  }));
  const plain: { key: JsonPrimitive; item: JsonObject; at: Path }[] = [];
  let replace = false;
  for (let index = 0; index < patch.length; index++) {
    const item = patch[index]!;
    const at = itemPath(path, mergeKey, item, index);
    const directive = item[PATCH_DIRECTIVE];
    if (directive === undefined) {
      plain.push({ key: mergeKeyOf(item, mergeKey, at, 'patch'), item, at });
    } else if (directive === 'delete') {
      const key = mergeKeyOf(item, mergeKey, at, `"${PATCH_DIRECTIVE}: delete"`);
      server = server.filter((entry) => entry.key !== key);
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      fail(at, `"${PATCH_DIRECTIVE}: merge" is not supported on list items`);
    } else {
      fail(at, `unknown ${PATCH_DIRECTIVE} directive ${JSON.stringify(directive)} (want replace or delete)`);
    }
  }
  if (replace) return plain.map(({ item, at }) => buildItem(item, schema, sharing, at));

  const merged = server.map((entry) => ({ key: entry.key, item: entry.item, fresh: false }));
  for (const { key, item, at } of plain) {
    const match = merged.find((entry) => entry.key === key);
    if (match === undefined) merged.push({ key, item: buildItem(item, schema, sharing, at), fresh: true });
    else {
      match.item = mergeObject(match.item, item, schema, sharing, at);
      match.fresh = true;
    }
  }
  const ordered = orderMergedItems(
    merged,
    (entry) => entry.key,
    plain.map((entry) => entry.key),
    server.map((entry) => entry.key),
  );
  return ordered.map((entry) => (entry.fresh || sharing.share ? entry.item : cloneObject(entry.item)));
}

/**
 * Orders a merged list the way apimachinery's normalizeElementOrder does. Items named in `patchOrder`
 * follow that order, the rest follow `serverOrder`; the two runs are then interleaved, taking the next
 * original-only item only while it sat before the next patch item in the original.
 */
function orderMergedItems<T>(
  merged: readonly T[],
  keyOf: (item: T) => JsonPrimitive,
  patchOrder: readonly JsonPrimitive[],
  serverOrder: readonly JsonPrimitive[],
): T[] {
  const patchIndex = firstIndexes(patchOrder);
  const serverIndex = firstIndexes(serverOrder);
  const byIndex = (index: Map<JsonPrimitive, number>) => (a: T, b: T) =>
    index.get(keyOf(a))! - index.get(keyOf(b))!;
  const fromPatch = merged.filter((item) => patchIndex.has(keyOf(item))).sort(byIndex(patchIndex));
  const serverOnly = merged.filter((item) => !patchIndex.has(keyOf(item))).sort(byIndex(serverIndex));

  const ordered: T[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length && j < fromPatch.length) {
    const serverAt = serverIndex.get(keyOf(serverOnly[i]!));
    const patchAt = serverIndex.get(keyOf(fromPatch[j]!));
    if (serverAt !== undefined && patchAt !== undefined && serverAt < patchAt) ordered.push(serverOnly[i++]!);
    else ordered.push(fromPatch[j++]!);
  }
  return ordered.concat(serverOnly.slice(i), fromPatch.slice(j));
}

function firstIndexes(keys: readonly JsonPrimitive[]): Map<JsonPrimitive, number> {
  const index = new Map<JsonPrimitive, number>();
  keys.forEach((key, at) => {
    if (!index.has(key)) index.set(key, at);
  });
  return index;
}

function requireMergedList(meta: FieldPatchMeta | undefined, path: Path, directive: string): FieldPatchMeta {
  if (meta?.strategy !== 'merge') {
    fail(path, `${directive} applies only to merged lists, and this field is not one`);
  }
  return meta;
}

/** The directive's key as the patch wrote it, for messages (`$setElementOrder/containers`). */
function directiveFor(prefix: string, path: Path): string {
  return path === undefined ? prefix : `${prefix}${path.slice(path.lastIndexOf('.') + 1)}`;
}

/** `$setElementOrder/<field>`: merge the field as usual, then put the listed items in the given order. */
function mergeInOrder(
  current: JsonValue | undefined,
  patch: JsonValue | undefined,
  order: JsonValue,
  meta: FieldPatchMeta | undefined,
  sharing: Sharing,
  path: Path,
): JsonValue | undefined {
  const directive = directiveFor(SET_ELEMENT_ORDER, path);
  const listMeta = requireMergedList(meta, path, directive);
  if (!Array.isArray(order)) fail(path, `${directive} must be a list, got ${describeJson(order)}`);
  if (current !== undefined && !Array.isArray(current)) {
    fail(path, `${directive} needs a list here, the original has ${describeJson(current)}`);
  }
  if (patch !== undefined && !Array.isArray(patch)) {
    fail(path, `${directive} needs a list here, the patch has ${describeJson(patch)}`);
  }
  if (current === undefined && patch === undefined) return undefined;
  const original = current ?? [];
  const merged = mergeList(original, patch ?? [], listMeta, sharing, path);

  const mergeKey = listMeta.mergeKey;
  const keyOf = (item: JsonValue, at: Path, side: string): JsonPrimitive => {
    if (mergeKey === undefined) {
      if (!isScalar(item)) fail(at, `${side} item is ${describeJson(item)}, not a scalar`);
      return item;
    }
    if (!isJsonObject(item)) fail(at, `${side} item is ${describeJson(item)}, not an object`);
    return mergeKeyOf(item, mergeKey, at, side);
  };
  const orderKeys = order.map((item, index) => keyOf(item, indexPath(path, index), directive));
  if (patch !== undefined) checkPatchFollowsOrder(patch, orderKeys, mergeKey, path, directive);
  const serverKeys = original.map((item, index) => keyOf(item, indexPath(path, index), 'original'));
  return orderMergedItems(merged, (item) => keyOf(item, path, 'merged'), orderKeys, serverKeys);
}

/** The patch's own items must appear in the order list, in the same relative order. */
function checkPatchFollowsOrder(
  patch: readonly JsonValue[],
  orderKeys: readonly JsonPrimitive[],
  mergeKey: string | undefined,
  path: Path,
  directive: string,
): void {
  let next = 0;
  for (const [index, item] of patch.entries()) {
    if (isJsonObject(item) && item[PATCH_DIRECTIVE] !== undefined) continue;
    const key = mergeKey === undefined ? (item as JsonPrimitive) : (item as JsonObject)[mergeKey];
    while (next < orderKeys.length && orderKeys[next] !== key) next++;
    if (next === orderKeys.length) {
      fail(
        indexPath(path, index),
        `patch item ${JSON.stringify(key)} is missing from ${directive} or out of its order`,
      );
    }
    next++;
  }
}

/** `$deleteFromPrimitiveList/<field>`: drop the listed values from a merged scalar list. */
function deleteFromPrimitiveList(
  current: JsonValue | undefined,
  values: JsonValue,
  meta: FieldPatchMeta | undefined,
  path: Path,
): JsonValue[] | undefined {
  const directive = directiveFor(DELETE_FROM_PRIMITIVE_LIST, path);
  requireMergedList(meta, path, directive);
  if (meta?.mergeKey !== undefined) {
    fail(path, `${directive} applies to lists of scalars; this list merges objects`);
  }
  if (!Array.isArray(values)) fail(path, `${directive} must be a list, got ${describeJson(values)}`);
  if (current === undefined) return undefined;
  if (!Array.isArray(current)) {
    fail(path, `${directive} needs a list here, the original has ${describeJson(current)}`);
  }
  const doomed = new Set(values);
  return current.filter((item) => !doomed.has(item)).map(cloneJson);
}
