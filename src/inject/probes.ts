// Probe rewriting: the kubelet's probes and lifecycle hooks are pointed at the istio-agent's status port, and
// the agent is told (env `ISTIO_KUBE_APP_PROBERS`) what the original probes were, so it can run them from inside
// the pod. Without this, mTLS or traffic capture would make the kubelet's own probes fail.
//
// The env value is read by the agent and compared byte for byte in Istio's goldens, so it is written the way
// Go's encoding/json writes it: map keys sorted, struct fields in declaration order, `<`, `>`, `&` escaped.
import { goJsonMarshal } from './funcs/gojson.ts';
import { Annotation, annotationsOf, ContainerName, ProxyEnv } from './annotations.ts';
import { isJsonObject, type JsonObject, type JsonValue } from './types.ts';
import { parseGoBool } from './validate.ts';

/** The agent URLs that stand in for a container's probes and lifecycle hooks. */
export interface ProberUrls {
  readonly readyz: string;
  readonly livez: string;
  readonly startupz: string;
  readonly prestopz: string;
  readonly poststartz: string;
}

export function proberUrls(containerName: string): ProberUrls {
  return {
    readyz: `/app-health/${containerName}/readyz`,
    livez: `/app-health/${containerName}/livez`,
    startupz: `/app-health/${containerName}/startupz`,
    prestopz: `/app-lifecycle/${containerName}/prestopz`,
    poststartz: `/app-lifecycle/${containerName}/poststartz`,
  };
}

function nonEmptyString(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

// An IntOrString as Go re-encodes it; anything else is not a port Go would have decoded.
function intOrString(value: JsonValue | undefined): number | string {
  return typeof value === 'number' || typeof value === 'string' ? value : 0;
}

function httpGetAction(action: JsonObject): JsonObject {
  const out: JsonObject = {};
  const path = nonEmptyString(action.path);
  if (path !== undefined) out.path = path;
  out.port = intOrString(action.port);
  const host = nonEmptyString(action.host);
  if (host !== undefined) out.host = host;
  const scheme = nonEmptyString(action.scheme);
  if (scheme !== undefined) out.scheme = scheme;
  if (Array.isArray(action.httpHeaders) && action.httpHeaders.length > 0) {
    out.httpHeaders = action.httpHeaders.map((h) =>
      isJsonObject(h)
        ? {
            name: typeof h.name === 'string' ? h.name : '',
            value: typeof h.value === 'string' ? h.value : '',
          }
        : { name: '', value: '' },
    );
  }
  return out;
}

function tcpSocketAction(action: JsonObject): JsonObject {
  const out: JsonObject = { port: intOrString(action.port) };
  const host = nonEmptyString(action.host);
  if (host !== undefined) out.host = host;
  return out;
}

function grpcAction(action: JsonObject): JsonObject {
  return {
    port: typeof action.port === 'number' ? action.port : 0,
    service: typeof action.service === 'string' ? action.service : null,
  };
}

/**
 * The agent's view of a probe or hook (Istio's `Prober`): exactly one handler, plus the timeout for probes.
 * Undefined for handlers the agent cannot run (exec, sleep) or a missing probe.
 */
function proberOf(handler: JsonValue | undefined, withTimeout: boolean): JsonObject | undefined {
  if (!isJsonObject(handler)) return undefined;
  let prober: JsonObject;
  if (isJsonObject(handler.httpGet)) prober = { httpGet: httpGetAction(handler.httpGet) };
  else if (isJsonObject(handler.tcpSocket)) prober = { tcpSocket: tcpSocketAction(handler.tcpSocket) };
  else if (withTimeout && isJsonObject(handler.grpc)) prober = { grpc: grpcAction(handler.grpc) };
  else return undefined;
  const timeout = handler.timeoutSeconds;
  if (withTimeout && typeof timeout === 'number' && timeout !== 0) prober.timeoutSeconds = timeout;
  return prober;
}

function namedPorts(container: JsonObject): Map<string, number> {
  const ports = new Map<string, number>();
  if (!Array.isArray(container.ports)) return ports;
  for (const p of container.ports) {
    if (
      isJsonObject(p) &&
      typeof p.name === 'string' &&
      p.name !== '' &&
      typeof p.containerPort === 'number'
    ) {
      ports.set(p.name, p.containerPort);
    }
  }
  return ports;
}

/**
 * Resolves a named port to its number (the agent only takes numbers). Drops the prober when the name is unknown,
 * or when it already targets the status port: that probe was rewritten by an earlier injection.
 */
function resolvePort(
  prober: JsonObject,
  ports: Map<string, number>,
  statusPort: number,
): JsonObject | undefined {
  if (prober.grpc !== undefined) return prober;
  const key = prober.httpGet !== undefined ? 'httpGet' : 'tcpSocket';
  const action = prober[key];
  if (!isJsonObject(action)) return undefined;
  if (typeof action.port === 'string') {
    const number = ports.get(action.port);
    if (number === undefined) return undefined;
    return { ...prober, [key]: { ...action, port: number } };
  }
  return action.port === statusPort ? undefined : prober;
}

function containersOf(pod: JsonObject, field: 'containers' | 'initContainers'): JsonObject[] {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const list = spec[field];
  return Array.isArray(list) ? list.filter(isJsonObject) : [];
}

function containerName(container: JsonObject): string {
  return typeof container.name === 'string' ? container.name : '';
}

function sortedKeys(map: Readonly<Record<string, JsonObject>>): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(map).sort()) out[key] = map[key] ?? null;
  return out;
}

/**
 * The `ISTIO_KUBE_APP_PROBERS` value for a pod: every readiness, liveness and startup probe and every preStop /
 * postStart hook of the init and app containers (not istio-proxy) that uses httpGet, tcpSocket or grpc, keyed by
 * the agent URL that replaces it. Empty string when there is nothing to take over.
 */
export function dumpAppProbers(pod: JsonObject, statusPort: number): string {
  const probers: Record<string, JsonObject> = {};
  for (const container of [...containersOf(pod, 'initContainers'), ...containersOf(pod, 'containers')]) {
    const name = containerName(container);
    if (name === ContainerName.proxy) continue;
    // Ports and URLs are worked out only for a container that has something to take over.
    let ports: Map<string, number> | undefined;
    let urls: ProberUrls | undefined;
    const lifecycle = isJsonObject(container.lifecycle) ? container.lifecycle : {};
    const candidates: readonly [keyof ProberUrls, JsonValue | undefined, boolean][] = [
      ['readyz', container.readinessProbe, true],
      ['livez', container.livenessProbe, true],
      ['startupz', container.startupProbe, true],
      ['prestopz', lifecycle.preStop, false],
      ['poststartz', lifecycle.postStart, false],
    ];
    for (const [url, handler, isProbe] of candidates) {
      const prober = proberOf(handler, isProbe);
      if (prober === undefined) continue;
      const resolved = resolvePort(prober, (ports ??= namedPorts(container)), statusPort);
      if (resolved !== undefined) probers[(urls ??= proberUrls(name))[url]] = resolved;
    }
  }
  return Object.keys(probers).length === 0 ? '' : goJsonMarshal(sortedKeys(probers), { keepKeyOrder: true });
}

function parseProbers(text: string): Record<string, JsonObject> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(parsed)) return undefined;
  const out: Record<string, JsonObject> = {};
  for (const [key, value] of Object.entries(parsed)) {
    // Re-encode through the prober shape, as Go's round trip through its struct would.
    const prober = proberOf(value, true);
    if (prober !== undefined) out[key] = prober;
  }
  return out;
}

/**
 * Adds `ISTIO_KUBE_APP_PROBERS` to the proxy's env. On re-injection (`previouslyInjected`) an existing value is
 * merged with the new one and the old entries win, because the pod's probes were already rewritten and the
 * originals survive only in the old value. Returns a new env list.
 */
export function mergeOrAppendProbers(
  previouslyInjected: boolean,
  env: readonly JsonValue[],
  probers: string,
): JsonValue[] {
  const entry = (value: string): JsonObject => ({ name: ProxyEnv.appProbers, value });
  if (!previouslyInjected) return [...env, entry(probers)];
  const index = env.findIndex((e) => isJsonObject(e) && e.name === ProxyEnv.appProbers);
  if (index < 0) return [...env, entry(probers)];
  const current = env[index];
  const existing = parseProbers(
    isJsonObject(current) && typeof current.value === 'string' ? current.value : '',
  );
  const incoming = parseProbers(probers);
  // An unreadable value is left alone rather than replaced with a guess.
  if (existing === undefined || incoming === undefined) return [...env];
  const merged = goJsonMarshal(sortedKeys({ ...incoming, ...existing }), { keepKeyOrder: true });
  return env.map((e, i) => (i === index ? entry(merged) : e));
}

/**
 * Whether probes are rewritten: the annotation `sidecar.istio.io/rewriteAppHTTPProbers` when it is a Go boolean,
 * else `values.sidecarInjectorWebhook.rewriteAppHTTPProbe` (true in Istio's chart).
 */
export function shouldRewriteAppProbers(
  annotations: Readonly<Record<string, string>>,
  valuesSetting = true,
): boolean {
  const value = annotations[Annotation.rewriteAppHTTPProbers];
  const parsed = value === undefined ? undefined : parseGoBool(value);
  return parsed ?? valuesSetting;
}

function httpGetOnStatusPort(original: JsonValue | undefined, url: string, statusPort: number): JsonObject {
  const action: JsonObject = isJsonObject(original) ? { ...original } : {};
  action.path = url;
  action.port = statusPort;
  // The kubelet talks plain HTTP to the agent; the agent uses HTTPS to the app.
  if (action.scheme === 'HTTPS') action.scheme = 'HTTP';
  return action;
}

function convertHandler(
  handler: JsonValue | undefined,
  url: string,
  statusPort: number,
  allowGrpc: boolean,
): JsonObject | undefined {
  if (!isJsonObject(handler)) return undefined;
  if (isJsonObject(handler.httpGet)) {
    return { ...handler, httpGet: httpGetOnStatusPort(handler.httpGet, url, statusPort) };
  }
  if (isJsonObject(handler.tcpSocket) || (allowGrpc && isJsonObject(handler.grpc))) {
    // The agent performs the TCP connect or gRPC health check; the kubelet only sees HTTP.
    const { tcpSocket: _tcp, grpc: _grpc, ...rest } = handler;
    return { ...rest, httpGet: httpGetOnStatusPort(undefined, url, statusPort) };
  }
  return undefined;
}

const probeFields = [
  ['readinessProbe', 'readyz'],
  ['livenessProbe', 'livez'],
  ['startupProbe', 'startupz'],
] as const;

/** The container with its probes and hooks rewritten; the container itself when none of them changes. */
function rewriteContainer(container: JsonObject, statusPort: number): JsonObject {
  const name = containerName(container);
  if (name === ContainerName.proxy) return container;
  let urls: ProberUrls | undefined;
  const urlsOf = (): ProberUrls => (urls ??= proberUrls(name));
  let out: JsonObject | undefined;
  for (const [field, url] of probeFields) {
    const handler = container[field];
    if (!convertible(handler, true)) continue;
    out ??= { ...container };
    out[field] = convertHandler(handler, urlsOf()[url], statusPort, true)!;
  }
  if (isJsonObject(container.lifecycle)) {
    const hooks = container.lifecycle;
    let lifecycle: JsonObject | undefined;
    if (convertible(hooks.preStop, false)) {
      lifecycle = { ...hooks };
      lifecycle.preStop = convertHandler(hooks.preStop, urlsOf().prestopz, statusPort, false)!;
    }
    if (convertible(hooks.postStart, false)) {
      lifecycle ??= { ...hooks };
      lifecycle.postStart = convertHandler(hooks.postStart, urlsOf().poststartz, statusPort, false)!;
    }
    if (lifecycle !== undefined) (out ??= { ...container }).lifecycle = lifecycle;
  }
  return out ?? container;
}

/** Whether convertHandler rewrites this handler (httpGet, tcpSocket, or for probes grpc). */
function convertible(handler: JsonValue | undefined, allowGrpc: boolean): handler is JsonObject {
  return (
    isJsonObject(handler) &&
    (isJsonObject(handler.httpGet) ||
      isJsonObject(handler.tcpSocket) ||
      (allowGrpc && isJsonObject(handler.grpc)))
  );
}

/**
 * Points every app probe and lifecycle hook (httpGet, tcpSocket, grpc) at `statusPort` under its agent URL,
 * keeping the other fields (timeouts, thresholds, headers); HTTPS becomes HTTP. exec probes are left alone.
 * Returns a new pod, which shares the containers that have nothing to rewrite.
 */
export function rewriteProbes(pod: JsonObject, statusPort: number): JsonObject {
  if (!isJsonObject(pod.spec)) return pod;
  const spec: JsonObject = { ...pod.spec };
  for (const field of ['initContainers', 'containers'] as const) {
    const list = spec[field];
    if (Array.isArray(list)) {
      spec[field] = list.map((c) => (isJsonObject(c) ? rewriteContainer(c, statusPort) : c));
    }
  }
  return { ...pod, spec };
}

/** The status port the agent listens on: the pod's `status.sidecar.istio.io/port`, else the mesh's. */
export function effectiveStatusPort(pod: JsonObject, meshStatusPort: number): number {
  const annotated = annotationsOf(pod)[Annotation.statusPort]?.trim();
  if (annotated === undefined || !/^[0-9]+$/.test(annotated)) return meshStatusPort;
  const port = Number(annotated);
  return port <= 65535 ? port : meshStatusPort;
}

/** Where the proxy container sits: `containers` first, then `initContainers` (native sidecars). */
export function findProxy(
  pod: JsonObject,
): { field: 'containers' | 'initContainers'; index: number } | undefined {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  for (const field of ['containers', 'initContainers'] as const) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    const index = list.findIndex((c) => isJsonObject(c) && containerName(c) === ContainerName.proxy);
    if (index >= 0) return { field, index };
  }
  return undefined;
}

/** The istio-proxy container, if the pod has one. */
export function proxyContainer(pod: JsonObject): JsonObject | undefined {
  const location = findProxy(pod);
  if (location === undefined || !isJsonObject(pod.spec)) return undefined;
  const list = pod.spec[location.field];
  const container = Array.isArray(list) ? list[location.index] : undefined;
  return isJsonObject(container) ? container : undefined;
}

/** Returns a copy of the pod with the proxy container replaced by `update(proxy)`; the pod itself when absent. */
export function updateProxy(pod: JsonObject, update: (proxy: JsonObject) => JsonObject): JsonObject {
  const location = findProxy(pod);
  if (location === undefined || !isJsonObject(pod.spec)) return pod;
  const list = pod.spec[location.field];
  if (!Array.isArray(list)) return pod;
  const updated = list.map((c, i) => (i === location.index && isJsonObject(c) ? update(c) : c));
  return { ...pod, spec: { ...pod.spec, [location.field]: updated } };
}

export interface ProbeRewriteOptions {
  /** The mesh's `defaultConfig.statusPort` (15020 by default); the pod annotation overrides it. */
  readonly statusPort: number;
  /** `values.sidecarInjectorWebhook.rewriteAppHTTPProbe`; true when not given. */
  readonly rewriteAppHTTPProbe?: boolean;
}

/**
 * Istio's `applyRewrite` step: when the pod has an istio-proxy container and rewriting is on, records the app
 * probes in the proxy's `ISTIO_KUBE_APP_PROBERS` and rewrites them to the status port. Returns a new pod.
 */
export function applyProbeRewrite(pod: JsonObject, options: ProbeRewriteOptions): JsonObject {
  if (findProxy(pod) === undefined) return pod;
  const annotations = annotationsOf(pod);
  if (!shouldRewriteAppProbers(annotations, options.rewriteAppHTTPProbe ?? true)) return pod;
  const statusPort = effectiveStatusPort(pod, options.statusPort);
  const probers = dumpAppProbers(pod, statusPort);
  let out = pod;
  if (probers !== '') {
    const previouslyInjected = Object.hasOwn(annotations, Annotation.status);
    out = updateProxy(out, (proxy) => ({
      ...proxy,
      env: mergeOrAppendProbers(previouslyInjected, Array.isArray(proxy.env) ? proxy.env : [], probers),
    }));
  }
  return rewriteProbes(out, statusPort);
}
