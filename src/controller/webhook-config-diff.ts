// Decides whether a live MutatingWebhookConfiguration must be written: it must when anything we set differs
// from what we want. "What we set" is the desired object itself: the live object may carry more (server
// defaults, fields and labels of other managers) and that is not drift; a field we send with another value,
// or an entry of ours that is missing or extra, is. Writing only on a real difference is what keeps the
// steady state write-free, and naming the difference is what the repair events and metrics report.
import { isJsonObject, type JsonObject, type JsonValue } from '../inject/types.ts';
import { isOurWebhookName } from './webhook-config-desired.ts';

export type DriftReason =
  /** The configuration does not exist. */
  | 'missing'
  /** An entry's caBundle differs (edited, emptied, or an older bundle). */
  | 'ca_bundle'
  /** An entry of ours is gone. */
  | 'webhook_missing'
  /** An entry of ours differs in something other than its caBundle. */
  | 'webhook_changed'
  /** An entry carries our name suffix but is not one we want (a removed tag, a hand-made copy). */
  | 'webhook_unexpected'
  /** Labels or owner references we set differ. */
  | 'metadata';

export interface Drift {
  readonly reason: DriftReason;
  /** Where and what, e.g. `webhooks[rev.object...].failurePolicy: want "Fail", have "Ignore"`. */
  readonly detail: string;
}

/** Every difference between `desired` and `live` that a write would fix; empty when none. */
export function diffWebhookConfiguration(desired: JsonObject, live: JsonObject | undefined): Drift[] {
  if (live === undefined) return [{ reason: 'missing', detail: 'the configuration does not exist' }];
  const drifts: Drift[] = [];
  const desiredMeta = objectAt(desired, 'metadata');
  const liveMeta = objectAt(live, 'metadata');
  const labels = firstDifference(desiredMeta.labels ?? {}, liveMeta.labels ?? {}, 'metadata.labels');
  if (labels !== undefined) drifts.push({ reason: 'metadata', detail: labels });
  const owners = ownerDifference(desiredMeta.ownerReferences, liveMeta.ownerReferences);
  if (owners !== undefined) drifts.push({ reason: 'metadata', detail: owners });

  const liveHooks = byName(live.webhooks);
  const desiredHooks = byName(desired.webhooks);
  for (const [name, want] of desiredHooks) {
    const have = liveHooks.get(name);
    if (have === undefined) {
      drifts.push({ reason: 'webhook_missing', detail: `webhook ${name} is missing` });
      continue;
    }
    const where = `webhooks[${name}]`;
    const wantBundle = caBundleOf(want);
    const haveBundle = caBundleOf(have);
    if (wantBundle !== haveBundle) {
      drifts.push({
        reason: 'ca_bundle',
        detail:
          haveBundle === undefined || haveBundle === ''
            ? `${where}.clientConfig.caBundle is empty`
            : `${where}.clientConfig.caBundle differs`,
      });
    }
    const changed = firstDifference(withoutCaBundle(want), withoutCaBundle(have), where);
    if (changed !== undefined) drifts.push({ reason: 'webhook_changed', detail: changed });
  }
  for (const name of liveHooks.keys()) {
    if (!desiredHooks.has(name) && isOurWebhookName(name)) {
      drifts.push({ reason: 'webhook_unexpected', detail: `webhook ${name} is not wanted` });
    }
  }
  return drifts;
}

/**
 * Where `live` fails to contain `desired` (every key of a desired object present and equal; arrays equal
 * in length and element by element), as `path: want X, have Y`; undefined when it contains it.
 */
export function firstDifference(
  desired: JsonValue,
  live: JsonValue | undefined,
  path: string,
): string | undefined {
  if (isJsonObject(desired)) {
    if (!isJsonObject(live)) return `${path}: want an object, have ${show(live)}`;
    for (const [key, value] of Object.entries(desired)) {
      const difference = firstDifference(value, live[key], `${path}.${key}`);
      if (difference !== undefined) return difference;
    }
    return undefined;
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) {
      return `${path}: want ${show(desired)}, have ${show(live)}`;
    }
    for (const [i, value] of desired.entries()) {
      const difference = firstDifference(value, live[i], `${path}[${i}]`);
      if (difference !== undefined) return difference;
    }
    return undefined;
  }
  return desired === live ? undefined : `${path}: want ${show(desired)}, have ${show(live)}`;
}

function ownerDifference(desired: JsonValue | undefined, live: JsonValue | undefined): string | undefined {
  if (!Array.isArray(desired)) return undefined;
  const liveOwners = Array.isArray(live) ? live.filter(isJsonObject) : [];
  for (const owner of desired.filter(isJsonObject)) {
    const match = liveOwners.find((o) => o.uid === owner.uid);
    if (match === undefined)
      return `metadata.ownerReferences: owner ${show(owner.kind)} ${show(owner.name)} is missing`;
    const difference = firstDifference(owner, match, `metadata.ownerReferences[${show(owner.uid)}]`);
    if (difference !== undefined) return difference;
  }
  return undefined;
}

function byName(list: JsonValue | undefined): Map<string, JsonObject> {
  const hooks = new Map<string, JsonObject>();
  if (!Array.isArray(list)) return hooks;
  for (const hook of list) {
    if (isJsonObject(hook) && typeof hook.name === 'string') hooks.set(hook.name, hook);
  }
  return hooks;
}

function caBundleOf(hook: JsonObject): string | undefined {
  const bundle = objectAt(hook, 'clientConfig').caBundle;
  return typeof bundle === 'string' ? bundle : undefined;
}

function withoutCaBundle(hook: JsonObject): JsonObject {
  const { caBundle: _caBundle, ...clientConfig } = objectAt(hook, 'clientConfig');
  return { ...hook, clientConfig };
}

function objectAt(obj: JsonObject, key: string): JsonObject {
  const value = obj[key];
  return isJsonObject(value) ? value : {};
}

function show(value: JsonValue | undefined): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
