// Re-injection and user overrides: the bookkeeping around the template merge (Istio's stripPod,
// reinsertOverrides, the native-sidecar move in RunTemplate, reapplyOverwrittenContainers and
// adjustInitContainerUser).
//
// A user may declare a container the templates also render (typically their own `istio-proxy` with
// tweaked resources). The merge lets the template win, so afterwards the user's container is merged
// back on top, and saved in `proxy.istio.io/overrides` so that a later re-injection still knows what
// the user wrote once the injected parts are stripped.
import { ContainerName, Annotation } from './annotations.ts';
import { goJsonMarshal } from './funcs/gojson.ts';
import { cloneJson, cloneObject, describeJson } from './merge/json.ts';
import {
  annotation,
  annotationsOf,
  containerName,
  containersOf,
  ensureAnnotations,
  findContainer,
  findContainerInPod,
  specOf,
} from './merge/pod.ts';
import { strategicMerge } from './merge/strategic.ts';
import { type SidecarInjectionStatus, readInjectionStatus } from './status.ts';
import { type JsonObject, type JsonValue, isJsonObject } from './types.ts';

/** The image a user writes on their own istio-proxy to mean "keep the injected image". */
export const AUTO_IMAGE = 'auto';

/** The `proxy.istio.io/overrides` annotation is not the JSON Istio writes there. */
export class OverridesError extends Error {
  override readonly name = 'OverridesError';
  readonly reason: string;

  constructor(reason: string) {
    super(`invalid ${Annotation.proxyOverrides} annotation: ${reason}`);
    this.reason = reason;
  }
}

export interface ContainerOverrides {
  readonly containers: readonly JsonObject[];
  readonly initContainers: readonly JsonObject[];
}

/** Reads the overrides annotation (absent: no overrides). Throws OverridesError when it is malformed. */
export function readOverrides(pod: JsonObject): ContainerOverrides {
  const text = annotation(pod, Annotation.proxyOverrides);
  if (text === undefined) return { containers: [], initContainers: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new OverridesError(`not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (parsed === null) return { containers: [], initContainers: [] };
  if (!isJsonObject(parsed))
    throw new OverridesError(`want a JSON object, got ${describeJson(parsed as JsonValue)}`);
  const listOf = (field: 'containers' | 'initContainers'): JsonObject[] => {
    const list = parsed[field];
    if (list === undefined || list === null) return [];
    if (!Array.isArray(list))
      throw new OverridesError(`"${field}" is ${describeJson(list)}, want a list of containers`);
    return list.map((item, index) => {
      if (!isJsonObject(item))
        throw new OverridesError(`"${field}"[${index}] is ${describeJson(item)}, want a container`);
      return item;
    });
  };
  return { containers: listOf('containers'), initContainers: listOf('initContainers') };
}

export interface StripOptions {
  /** The mesh's status port (ProxyConfig statusPort, 15020 by default). */
  readonly statusPort: number;
}

/**
 * The pod as the templates should see it on re-injection: containers and init containers named in the
 * status annotation removed, the prometheus annotations cleared when they point at the status port
 * (injection set them), and the status annotation gone. A pod without a readable status annotation is
 * returned as it is (the same object: nothing here modifies a pod in place).
 */
export function stripPod(pod: JsonObject, options: StripOptions): JsonObject {
  const parsed = readInjectionStatus(pod);
  if (parsed?.ok !== true) return pod;
  const result = cloneObject(pod);
  const status = parsed.status;
  const spec = specOf(result);
  if (spec !== undefined) {
    for (const field of ['containers', 'initContainers'] as const) {
      const list = spec[field];
      const injected = new Set(status[field]);
      if (Array.isArray(list))
        spec[field] = list.filter((item) => !isJsonObject(item) || !injected.has(containerName(item)));
    }
  }
  const annotations = ensureAnnotations(result);
  const port = Object.keys(annotations).find((key) => sanitizeLabelName(key) === 'prometheus_io_port');
  if (port !== undefined && annotations[port] === String(options.statusPort)) {
    for (const key of Object.keys(annotations)) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- removing named annotations
      if (prometheusKeys.has(sanitizeLabelName(key))) delete annotations[key];
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- removing a named annotation
  delete annotations[Annotation.status];
  return result;
}

// Prometheus reads `prometheus.io/scrape`, `prometheus.io.scrape` and `prometheus-io/scrape` alike: it
// compares annotation names after turning every character outside [a-zA-Z0-9_] into `_`.
const prometheusKeys = new Set(['prometheus_io_scrape', 'prometheus_io_path', 'prometheus_io_port']);

function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

/**
 * Puts the containers saved in `proxy.istio.io/overrides` back where a pod lacks them by name, so that a
 * stripped pod shows the templates what the user originally wrote; a pod without saved containers is returned
 * as it is. Throws OverridesError when the annotation is malformed.
 */
export function reinsertOverrides(pod: JsonObject): JsonObject {
  const overrides = readOverrides(pod);
  if (overrides.containers.length === 0 && overrides.initContainers.length === 0) return pod;
  const result = cloneObject(pod);
  if (!isJsonObject(result.spec)) result.spec = {};
  const spec = result.spec;
  for (const field of ['containers', 'initContainers'] as const) {
    const present = containersOf(result, field);
    const missing = overrides[field].filter(
      (saved) => findContainer(present, containerName(saved)) === undefined,
    );
    if (missing.length === 0) continue;
    const list = Array.isArray(spec[field]) ? spec[field] : [];
    spec[field] = [...list, ...missing.map(cloneObject)];
  }
  return result;
}

/**
 * Native sidecars: when a template renders istio-proxy as an init container but the user declared their
 * own istio-proxy among the containers, the user's container moves to the end of the init containers so
 * the merge meets it there. (Istio does this only with native sidecars enabled; the caller decides.)
 * Returns the pod itself when nothing moves; otherwise a new pod sharing what did not change.
 */
export function moveUserProxyToInitContainers(mergedPod: JsonObject, templatePod: JsonObject): JsonObject {
  if (findContainer(containersOf(templatePod, 'initContainers'), ContainerName.proxy) === undefined)
    return mergedPod;
  const spec = specOf(mergedPod);
  const containers = spec?.containers;
  if (spec === undefined || !Array.isArray(containers)) return mergedPod;
  const at = containers.findIndex(
    (item) => isJsonObject(item) && containerName(item) === ContainerName.proxy,
  );
  if (at < 0) return mergedPod;
  // Copies only what changes: the pod, its spec and the two lists (the merge shares the rest).
  const initContainers = [
    ...(Array.isArray(spec.initContainers) ? spec.initContainers : []),
    containers[at]!,
  ];
  const rest = containers.filter((_, i) => i !== at);
  return { ...mergedPod, spec: { ...spec, containers: rest, initContainers } };
}

export interface ReapplyOptions {
  /** ProxyConfig interceptionMode (REDIRECT, TPROXY or NONE); the pod annotation can also ask for TPROXY. */
  readonly interceptionMode?: string;
}

/**
 * Merges the user's own version of every templated container back over the merged pod ("user overrides
 * win"), records them in `proxy.istio.io/overrides` on first injection, and aligns the init container's
 * user with a uid/gid the user set on istio-proxy.
 *
 * - `finalPod`: the original pod with all templates merged in;
 * - `originalPod`: the pod as received (not stripped);
 * - `templatePod`: the templates merged on their own, i.e. what was injected.
 *
 * The user's version comes from the overrides annotation, else from the original pod by name (an init
 * container may also be found among the containers). Image `auto` is dropped so the template's image
 * stays. A container the previous injection added (listed in the status annotation) is not the user's,
 * so it is skipped, unless the overrides annotation holds the user's version of it. Istio skips those
 * too, so on re-injection the new template overwrites what the user set (one reported case is
 * istio/istio#55691, a lost runAsUser); re-applying the saved version keeps re-injection idempotent.
 * Returns `finalPod` itself when there is nothing to re-apply, else a new pod. Throws OverridesError when the
 * overrides annotation is malformed.
 */
export function reapplyOverwrittenContainers(
  finalPod: JsonObject,
  originalPod: JsonObject,
  templatePod: JsonObject,
  options: ReapplyOptions = {},
): JsonObject {
  const saved = readOverrides(originalPod);
  const statusText = annotation(originalPod, Annotation.status);
  const alreadyInjected = statusText !== undefined;
  // Istio treats an unreadable status like an empty one here.
  const parsed = readInjectionStatus(originalPod);
  const previous: Pick<SidecarInjectionStatus, 'containers' | 'initContainers'> =
    parsed?.ok === true ? parsed.status : { containers: [], initContainers: [] };

  const overlays: Record<'containers' | 'initContainers', JsonObject[]> = {
    containers: [],
    initContainers: [],
  };
  for (const field of ['containers', 'initContainers'] as const) {
    for (const templated of containersOf(templatePod, field)) {
      const name = containerName(templated);
      const fromAnnotation = findContainer(saved[field], name);
      const users = previous[field].includes(name)
        ? fromAnnotation
        : (fromAnnotation ??
          (field === 'containers'
            ? findContainer(containersOf(originalPod, 'containers'), name)
            : findContainerInPod(originalPod, name)));
      if (users === undefined) continue;
      const overlay = cloneObject(users);
      if (overlay.image === AUTO_IMAGE) delete overlay.image;
      overlays[field].push(overlay);
    }
  }
  const userIds = userProxyIds(originalPod);
  // The common case, a pod that declares none of the templated containers, changes nothing here.
  if (overlays.containers.length === 0 && overlays.initContainers.length === 0 && userIds === undefined) {
    return finalPod;
  }

  let result = cloneObject(finalPod);
  for (const field of ['containers', 'initContainers'] as const) {
    for (const overlay of overlays[field]) result = strategicMerge(result, { spec: { [field]: [overlay] } });
  }
  if (!alreadyInjected && (overlays.containers.length > 0 || overlays.initContainers.length > 0)) {
    ensureAnnotations(result)[Annotation.proxyOverrides] = formatOverrides(overlays);
  }
  return userIds === undefined ? result : adjustInitContainerUser(result, userIds, options);
}

/** The overrides annotation text, shaped like Go's json.Marshal of Istio's ParsedContainers. */
export function formatOverrides(overrides: ContainerOverrides): string {
  const value: JsonObject = {};
  if (overrides.containers.length > 0) value.containers = overrides.containers.map(goContainerShape);
  if (overrides.initContainers.length > 0)
    value.initContainers = overrides.initContainers.map(goContainerShape);
  return goJsonMarshal(value, { keepKeyOrder: true });
}

// corev1.Container's fields in struct order. Go writes them in this order, leaves out empty optional
// values, and always writes `resources` (a struct, which omitempty never drops). Fields Go does not
// know are kept at the end; nested objects keep their own key order.
const containerFields = [
  'name',
  'image',
  'command',
  'args',
  'workingDir',
  'ports',
  'envFrom',
  'env',
  'resources',
  'resizePolicy',
  'restartPolicy',
  'restartPolicyRules',
  'volumeMounts',
  'volumeDevices',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'imagePullPolicy',
  'securityContext',
  'stdin',
  'stdinOnce',
  'tty',
];
const knownContainerFields = new Set(containerFields);

function isEmptyForGo(value: JsonValue): boolean {
  return (
    value === null ||
    value === '' ||
    value === false ||
    value === 0 ||
    (Array.isArray(value) && value.length === 0)
  );
}

function goContainerShape(container: JsonObject): JsonObject {
  const shaped: JsonObject = {};
  for (const field of containerFields) {
    const value = container[field];
    if (field === 'name') shaped.name = typeof value === 'string' ? value : '';
    else if (field === 'resources') shaped.resources = isJsonObject(value) ? cloneObject(value) : {};
    else if (value !== undefined && !isEmptyForGo(value)) shaped[field] = cloneJson(value);
  }
  for (const [field, value] of Object.entries(container)) {
    if (!knownContainerFields.has(field)) shaped[field] = cloneJson(value);
  }
  return shaped;
}

interface UserProxyIds {
  readonly runAsUser: JsonValue;
  readonly runAsGroup: JsonValue;
}

/** The runAsUser / runAsGroup the user set on their own istio-proxy (null for one not set), if any. */
function userProxyIds(originalPod: JsonObject): UserProxyIds | undefined {
  const user = findContainerInPod(originalPod, ContainerName.proxy);
  const userSecurity = user?.securityContext;
  if (!isJsonObject(userSecurity)) return undefined;
  const runAsUser = userSecurity.runAsUser ?? null;
  const runAsGroup = userSecurity.runAsGroup ?? null;
  if (runAsUser === null && runAsGroup === null) return undefined;
  return { runAsUser, runAsGroup };
}

/**
 * Edits `finalPod`, the caller's own copy. When the user's istio-proxy sets runAsUser or runAsGroup: in TPROXY mode the proxy must keep uid 0;
 * otherwise istio-validation runs as the same uid/gid as the proxy; and a non-zero uid replaces the value
 * after `-u` in the init container's args (iptables exempts that owner's traffic).
 */
function adjustInitContainerUser(
  finalPod: JsonObject,
  { runAsUser, runAsGroup }: UserProxyIds,
  options: ReapplyOptions,
): JsonObject {
  const inits = containersOf(finalPod, 'initContainers');
  const init = findContainer(inits, ContainerName.init) ?? findContainer(inits, ContainerName.validation);
  if (init === undefined) return finalPod;

  const tproxy =
    options.interceptionMode === 'TPROXY' ||
    annotationsOf(finalPod)?.[Annotation.interceptionMode] === 'TPROXY';
  if (tproxy && runAsUser !== null) {
    const proxy = findContainerInPod(finalPod, ContainerName.proxy);
    if (proxy !== undefined) {
      if (!isJsonObject(proxy.securityContext)) proxy.securityContext = {};
      proxy.securityContext.runAsUser = 0;
    }
  }
  if (!tproxy && containerName(init) === ContainerName.validation) {
    if (!isJsonObject(init.securityContext)) init.securityContext = {};
    const security = init.securityContext;
    if (runAsUser !== null) security.runAsUser = cloneJson(runAsUser);
    if (runAsGroup !== null) security.runAsGroup = cloneJson(runAsGroup);
  }
  if (typeof runAsUser !== 'number' || runAsUser === 0 || !Array.isArray(init.args)) return finalPod;
  const flag = init.args.indexOf('-u');
  if (flag >= 0 && flag + 1 < init.args.length) init.args[flag + 1] = String(runAsUser);
  return finalPod;
}
