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
  return mergeObject(original, patch, schema, '');
}

function fieldPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function itemPath(path: string, mergeKey: string | undefined, item: JsonValue, index: number): string {
  if (mergeKey !== undefined && isJsonObject(item)) {
    const key = item[mergeKey];
    if (isScalar(key) && key !== null) return `${path}[${mergeKey}=${JSON.stringify(key)}]`;
  }
  return `${path}[${index}]`;
}

function isScalar(value: JsonValue | undefined): value is JsonPrimitive {
  return value === null || (value !== undefined && typeof value !== 'object');
}

function mergeObject(
  original: JsonObject,
  patch: JsonObject,
  schema: PatchSchema | undefined,
  path: string,
): JsonObject {
  const directive = patch[PATCH_DIRECTIVE];
  if (directive !== undefined) {
    if (directive === 'delete') return {};
    if (directive === 'replace') return mergeObject({}, withoutKey(patch, PATCH_DIRECTIVE), schema, path);
    if (directive !== 'merge') {
      throw new StrategicMergeError(
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
    result[key] = Object.hasOwn(patch, key) && !key.startsWith('$') ? value : cloneJson(value);
  }

  const orderedFields = new Map<string, JsonValue>();
  const deletions: [field: string, values: JsonValue][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) {
      if (key === PATCH_DIRECTIVE || key === RETAIN_KEYS) continue;
      if (key.startsWith(SET_ELEMENT_ORDER)) orderedFields.set(key.slice(SET_ELEMENT_ORDER.length), value);
      else if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
        deletions.push([key.slice(DELETE_FROM_PRIMITIVE_LIST.length), value]);
      } else throw new StrategicMergeError(fieldPath(path, key), 'unsupported patch directive');
    }
  }

  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    const meta = schema?.[key];
    const at = fieldPath(path, key);
    const order = orderedFields.get(key);
    if (order !== undefined) {
      orderedFields.delete(key);
      const merged = mergeInOrder(kept(key), value, order, meta, at);
      if (merged !== undefined) result[key] = merged;
    } else if (value === null) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the patch names the key to drop
      delete result[key];
    } else {
      result[key] = mergeValue(kept(key), value, meta, at);
    }
  }
  // An order directive may reorder a list the patch does not otherwise touch.
  for (const [key, order] of orderedFields) {
    const reordered = mergeInOrder(result[key], undefined, order, schema?.[key], fieldPath(path, key));
    if (reordered !== undefined) result[key] = reordered;
  }
  for (const [key, values] of deletions) {
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

function retainedKeys(patch: JsonObject, path: string): Set<string> | undefined {
  const list = patch[RETAIN_KEYS];
  if (list === undefined) return undefined;
  const at = fieldPath(path, RETAIN_KEYS);
  if (!Array.isArray(list))
    throw new StrategicMergeError(at, `must be a list of field names, got ${describeJson(list)}`);
  const retained = new Set<string>();
  for (const [index, name] of list.entries()) {
    if (typeof name !== 'string') {
      throw new StrategicMergeError(`${at}[${index}]`, `must be a field name, got ${describeJson(name)}`);
    }
    retained.add(name);
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$') || value === null || retained.has(key)) continue;
    throw new StrategicMergeError(
      fieldPath(path, key),
      `the patch sets this field but ${RETAIN_KEYS} omits it`,
    );
  }
  return retained;
}

/** Merges a non-null patch value onto the current value of a field (undefined when absent). */
function mergeValue(
  current: JsonValue | undefined,
  patch: JsonValue,
  meta: FieldPatchMeta | undefined,
  path: string,
): JsonValue {
  if (isJsonObject(current) && isJsonObject(patch)) return mergeObject(current, patch, meta?.schema, path);
  if (Array.isArray(current) && Array.isArray(patch)) {
    return meta?.strategy === 'merge' ? mergeList(current, patch, meta, path) : buildList(patch, meta, path);
  }
  return build(patch, meta, path);
}

/** A patch value applied to nothing: directives and nulls inside it are resolved, not copied. */
function build(value: JsonValue, meta: FieldPatchMeta | undefined, path: string): JsonValue {
  if (isJsonObject(value)) return mergeObject({}, value, meta?.schema, path);
  if (Array.isArray(value)) {
    return meta?.strategy === 'merge' ? mergeList([], value, meta, path) : buildList(value, meta, path);
  }
  return value;
}

/** An atomic list from a patch: the patch's items, each built on its own. */
function buildList(items: JsonValue[], meta: FieldPatchMeta | undefined, path: string): JsonValue[] {
  const itemMeta = meta?.schema === undefined ? undefined : { schema: meta.schema };
  return items.map((item, index) => build(item, itemMeta, `${path}[${index}]`));
}

type ItemKind = 'object' | 'scalar';

/** Kubernetes requires every item of a merged list (original and patch) to have the same type. */
function itemKind(original: readonly JsonValue[], patch: readonly JsonValue[], path: string): ItemKind {
  let seen: string | undefined;
  for (const [side, items] of [
    ['original', original],
    ['patch', patch],
  ] as const) {
    for (const [index, item] of items.entries()) {
      if (item === null || Array.isArray(item)) {
        throw new StrategicMergeError(
          `${path}[${index}]`,
          `${side} item is ${describeJson(item)}; a merged list holds objects or scalars`,
        );
      }
      const kind = typeof item;
      if (seen !== undefined && kind !== seen) {
        throw new StrategicMergeError(
          `${path}[${index}]`,
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
  path: string,
): JsonValue[] {
  if (original.length === 0 && patch.length === 0) return [];
  if (itemKind(original, patch, path) === 'scalar') {
    const union = [...new Set([...original, ...patch] as JsonPrimitive[])];
    return orderMergedItems(union, (item) => item, patch as JsonPrimitive[], original as JsonPrimitive[]);
  }
  const mergeKey = meta.mergeKey;
  if (mergeKey === undefined) {
    throw new StrategicMergeError(path, 'cannot merge a list of objects: the schema gives it no merge key');
  }
  return mergeObjectList(original as JsonObject[], patch as JsonObject[], mergeKey, meta.schema, path);
}

function mergeKeyOf(item: JsonObject, mergeKey: string, path: string, side: string): JsonPrimitive {
  const key = item[mergeKey];
  if (key === undefined) {
    throw new StrategicMergeError(path, `${side} item has no merge key "${mergeKey}"`);
  }
  if (!isScalar(key)) {
    throw new StrategicMergeError(
      path,
      `${side} item's merge key "${mergeKey}" is ${describeJson(key)}, not a scalar`,
    );
  }
  return key;
}

function mergeObjectList(
  original: readonly JsonObject[],
  patch: readonly JsonObject[],
  mergeKey: string,
  schema: PatchSchema | undefined,
  path: string,
): JsonObject[] {
  let server = original.map((item, index) => ({
    key: mergeKeyOf(item, mergeKey, itemPath(path, mergeKey, item, index), 'original'),
    item,
  }));
  const plain: { key: JsonPrimitive; item: JsonObject; at: string }[] = [];
  let replace = false;
  for (const [index, item] of patch.entries()) {
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
      throw new StrategicMergeError(at, `"${PATCH_DIRECTIVE}: merge" is not supported on list items`);
    } else {
      throw new StrategicMergeError(
        at,
        `unknown ${PATCH_DIRECTIVE} directive ${JSON.stringify(directive)} (want replace or delete)`,
      );
    }
  }
  if (replace) return plain.map(({ item, at }) => mergeObject({}, item, schema, at));

  const merged = server.map((entry) => ({ key: entry.key, item: entry.item, fresh: false }));
  for (const { key, item, at } of plain) {
    const match = merged.find((entry) => entry.key === key);
    if (match === undefined) merged.push({ key, item: mergeObject({}, item, schema, at), fresh: true });
    else {
      match.item = mergeObject(match.item, item, schema, at);
      match.fresh = true;
    }
  }
  const ordered = orderMergedItems(
    merged,
    (entry) => entry.key,
    plain.map((entry) => entry.key),
    server.map((entry) => entry.key),
  );
  return ordered.map((entry) => (entry.fresh ? entry.item : cloneObject(entry.item)));
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

function requireMergedList(
  meta: FieldPatchMeta | undefined,
  path: string,
  directive: string,
): FieldPatchMeta {
  if (meta?.strategy !== 'merge') {
    throw new StrategicMergeError(
      path,
      `${directive} applies only to merged lists, and this field is not one`,
    );
  }
  return meta;
}

/** `$setElementOrder/<field>`: merge the field as usual, then put the listed items in the given order. */
function mergeInOrder(
  current: JsonValue | undefined,
  patch: JsonValue | undefined,
  order: JsonValue,
  meta: FieldPatchMeta | undefined,
  path: string,
): JsonValue | undefined {
  const directive = `${SET_ELEMENT_ORDER}${path.slice(path.lastIndexOf('.') + 1)}`;
  const listMeta = requireMergedList(meta, path, directive);
  if (!Array.isArray(order))
    throw new StrategicMergeError(path, `${directive} must be a list, got ${describeJson(order)}`);
  if (current !== undefined && !Array.isArray(current)) {
    throw new StrategicMergeError(
      path,
      `${directive} needs a list here, the original has ${describeJson(current)}`,
    );
  }
  if (patch !== undefined && !Array.isArray(patch)) {
    throw new StrategicMergeError(
      path,
      `${directive} needs a list here, the patch has ${describeJson(patch)}`,
    );
  }
  if (current === undefined && patch === undefined) return undefined;
  const original = current ?? [];
  const merged = mergeList(original, patch ?? [], listMeta, path);

  const mergeKey = listMeta.mergeKey;
  const keyOf = (item: JsonValue, at: string, side: string): JsonPrimitive => {
    if (mergeKey === undefined) {
      if (!isScalar(item))
        throw new StrategicMergeError(at, `${side} item is ${describeJson(item)}, not a scalar`);
      return item;
    }
    if (!isJsonObject(item))
      throw new StrategicMergeError(at, `${side} item is ${describeJson(item)}, not an object`);
    return mergeKeyOf(item, mergeKey, at, side);
  };
  const orderKeys = order.map((item, index) => keyOf(item, `${path}[${index}]`, directive));
  if (patch !== undefined) checkPatchFollowsOrder(patch, orderKeys, mergeKey, path, directive);
  const serverKeys = original.map((item, index) => keyOf(item, `${path}[${index}]`, 'original'));
  return orderMergedItems(merged, (item) => keyOf(item, path, 'merged'), orderKeys, serverKeys);
}

/** The patch's own items must appear in the order list, in the same relative order. */
function checkPatchFollowsOrder(
  patch: readonly JsonValue[],
  orderKeys: readonly JsonPrimitive[],
  mergeKey: string | undefined,
  path: string,
  directive: string,
): void {
  let next = 0;
  for (const [index, item] of patch.entries()) {
    if (isJsonObject(item) && item[PATCH_DIRECTIVE] !== undefined) continue;
    const key = mergeKey === undefined ? (item as JsonPrimitive) : (item as JsonObject)[mergeKey];
    while (next < orderKeys.length && orderKeys[next] !== key) next++;
    if (next === orderKeys.length) {
      throw new StrategicMergeError(
        `${path}[${index}]`,
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
  path: string,
): JsonValue[] | undefined {
  const directive = `${DELETE_FROM_PRIMITIVE_LIST}${path.slice(path.lastIndexOf('.') + 1)}`;
  requireMergedList(meta, path, directive);
  if (meta?.mergeKey !== undefined) {
    throw new StrategicMergeError(path, `${directive} applies to lists of scalars; this list merges objects`);
  }
  if (!Array.isArray(values)) {
    throw new StrategicMergeError(path, `${directive} must be a list, got ${describeJson(values)}`);
  }
  if (current === undefined) return undefined;
  if (!Array.isArray(current)) {
    throw new StrategicMergeError(
      path,
      `${directive} needs a list here, the original has ${describeJson(current)}`,
    );
  }
  const doomed = new Set(values);
  return current.filter((item) => !doomed.has(item)).map(cloneJson);
}
