// Prometheus metrics merging: the pod's `prometheus.io/*` scrape annotations are pointed at the istio-agent, which
// scrapes the app itself (the targets it was given in env `ISTIO_PROMETHEUS_ANNOTATIONS`) and serves the app's,
// Envoy's and its own metrics together. Without it, a Prometheus outside the mesh could not scrape an app that
// requires mTLS.
//
// Annotation keys are compared the way Prometheus turns them into label names (every character outside
// `[A-Za-z0-9_]` becomes `_`), so `prometheus.io/port`, `prometheus-io/port` and `prometheus_io_port` are one key.
import { Annotation, annotationsOf, ProxyEnv } from './annotations.ts';
import { goJsonMarshal } from './funcs/gojson.ts';
import { proxyContainer, updateProxy } from './probes.ts';
import { isJsonObject, type JsonObject, type JsonValue } from './types.ts';
import { parseGoBool } from './validate.ts';

/** Raised when the pod's scrape configuration cannot be merged; injection must fail with this message. */
export class PrometheusScrapeError extends Error {
  override readonly name = 'PrometheusScrapeError';
}

/** Prometheus' label-name sanitising, which decides which annotation spellings count as the same key. */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}

const scrapeKey = sanitizeLabelName(Annotation.prometheusScrape);
const portKey = sanitizeLabelName(Annotation.prometheusPort);
const pathKey = sanitizeLabelName(Annotation.prometheusPath);
const targetsKey = sanitizeLabelName(Annotation.prometheusScrapeTargets);
const mergedKeys = new Set([scrapeKey, portKey, pathKey, targetsKey]);

/** Ports the sidecar owns: scraping them would read Istio's own endpoints or loop back into the agent. */
export const ISTIO_RESERVED_PORTS: Readonly<Record<number, string>> = {
  15000: 'Envoy admin',
  15001: 'outbound capture',
  15004: 'debug',
  15006: 'inbound capture',
  15008: 'HBONE tunnel',
  15020: 'agent status and merged metrics',
  15021: 'health check',
  15053: 'DNS proxy',
  15090: 'Envoy metrics, already merged',
};

export interface ScrapeTarget {
  readonly port: string;
  readonly path: string;
}

/** What the agent is told to scrape; field order is the agent's struct order (it is JSON-encoded as is). */
export interface ScrapeConfiguration {
  readonly scrape: string;
  readonly path: string;
  readonly port: string;
  readonly targets?: readonly ScrapeTarget[];
}

/**
 * The annotation values under each Prometheus label name, in the sorted order of their keys, so that when a pod
 * carries two spellings of one key the same one wins every time. Built once per pod: each step below asks for
 * several names.
 */
type ValuesByLabelName = ReadonlyMap<string, readonly string[]>;

function valuesByLabelName(annotations: Readonly<Record<string, string>>): ValuesByLabelName {
  const byName = new Map<string, string[]>();
  for (const key of Object.keys(annotations).sort()) {
    const name = sanitizeLabelName(key);
    const values = byName.get(name);
    if (values === undefined) byName.set(name, [annotations[key] ?? '']);
    else values.push(annotations[key] ?? '');
  }
  return byName;
}

/** `false` only when a scrape annotation says so (as a Go boolean); absent means scrape. */
function scrapeWanted(byName: ValuesByLabelName): boolean {
  for (const value of byName.get(scrapeKey) ?? []) {
    const parsed = parseGoBool(value);
    if (parsed !== undefined) return parsed;
  }
  return true;
}

/** The pod's `prometheus.istio.io/merge-metrics`, else the mesh's `enablePrometheusMerge`, else true. */
export function prometheusMergeEnabled(
  annotations: Readonly<Record<string, string>>,
  meshEnablePrometheusMerge: boolean | undefined,
): boolean {
  const value = annotations[Annotation.prometheusMergeMetrics];
  const parsed = value === undefined ? undefined : parseGoBool(value);
  return parsed ?? meshEnablePrometheusMerge ?? true;
}

/**
 * Parses `prometheus.istio.io/scrape-targets`: comma-separated `port:path` entries, each trimmed; empty entries
 * are skipped and an empty path means `/metrics`. An entry without a port is an error.
 */
export function parseScrapeTargets(raw: string): ScrapeTarget[] {
  const targets: ScrapeTarget[] = [];
  for (const rawEntry of raw.split(',')) {
    const entry = rawEntry.trim();
    if (entry === '') continue;
    const colon = entry.indexOf(':');
    const port = (colon < 0 ? entry : entry.slice(0, colon)).trim();
    const path = colon < 0 ? '' : entry.slice(colon + 1).trim();
    if (port === '') throw new PrometheusScrapeError(`scrape target '${entry}' has no port`);
    targets.push({ port, path: path === '' ? '/metrics' : path });
  }
  return targets;
}

/** The scrape configuration the pod's annotations describe (empty strings for what they leave out). */
export function scrapeConfiguration(annotations: Readonly<Record<string, string>>): ScrapeConfiguration {
  return configurationOf(valuesByLabelName(annotations));
}

function configurationOf(byName: ValuesByLabelName): ScrapeConfiguration {
  const last = (key: string): string => byName.get(key)?.at(-1) ?? '';
  const rawTargets = byName.get(targetsKey)?.at(-1);
  const targets = rawTargets === undefined ? [] : parseScrapeTargets(rawTargets);
  const base = { scrape: last(scrapeKey), path: last(pathKey), port: last(portKey) };
  return targets.length > 0 ? { ...base, targets } : base;
}

function isEmpty(config: ScrapeConfiguration): boolean {
  return config.scrape === '' && config.path === '' && config.port === '' && config.targets === undefined;
}

// The agent refuses to start with these, so injection refuses first, with a message naming the port.
function checkPorts(config: ScrapeConfiguration, statusPort: number): void {
  const ports = config.targets?.map((t) => t.port) ?? (config.port === '' ? [] : [config.port]);
  for (const text of ports) {
    const port = /^[0-9]+$/.test(text) ? Number(text) : NaN;
    const where = `invalid prometheus scrape configuration: port '${text}'`;
    if (!(port >= 1 && port <= 65535))
      throw new PrometheusScrapeError(`${where} is not a port number (1-65535)`);
    if (port === statusPort) {
      throw new PrometheusScrapeError(`${where} is the agent's status port; scraping it would loop`);
    }
    const reserved = ISTIO_RESERVED_PORTS[port];
    if (reserved !== undefined) {
      throw new PrometheusScrapeError(`${where} is reserved by Istio (${reserved})`);
    }
  }
}

function withAnnotations(pod: JsonObject, annotations: Record<string, string>): JsonObject {
  const metadata = isJsonObject(pod.metadata) ? pod.metadata : {};
  return { ...pod, metadata: { ...metadata, annotations } };
}

function appendEnv(proxy: JsonObject, name: string, value: string): JsonObject {
  const env: JsonValue[] = Array.isArray(proxy.env) ? [...proxy.env] : [];
  env.push({ name, value });
  return { ...proxy, env };
}

/**
 * Istio's `applyPrometheusMerge`. When the pod wants scraping and merging is enabled, moves its scrape settings
 * into the proxy's `ISTIO_PROMETHEUS_ANNOTATIONS`, removes every spelling of the scrape annotations, and points
 * `prometheus.io/{port,path,scrape}` at the agent (`statusPort`, `/stats/prometheus`, `true`). A pod whose port
 * annotation already names `statusPort` was merged before and is returned unchanged. Throws
 * `PrometheusScrapeError` for a target the agent would refuse. Returns a new pod.
 */
export function applyPrometheusMerge(
  pod: JsonObject,
  statusPort: number,
  meshEnablePrometheusMerge?: boolean,
): JsonObject {
  const annotations = annotationsOf(pod);
  const byName = valuesByLabelName(annotations);
  if (!scrapeWanted(byName) || !prometheusMergeEnabled(annotations, meshEnablePrometheusMerge)) return pod;
  const target = String(statusPort);
  const currentPort = byName.get(portKey)?.[0];
  if (currentPort === target) return pod;

  const config = configurationOf(byName);
  checkPorts(config, statusPort);
  let out = pod;
  if (!isEmpty(config)) {
    const encoded: JsonObject = { scrape: config.scrape, path: config.path, port: config.port };
    if (config.targets !== undefined) {
      encoded.targets = config.targets.map((t) => ({ port: t.port, path: t.path }));
    }
    out = updateProxy(out, (proxy) =>
      appendEnv(proxy, ProxyEnv.prometheusAnnotations, goJsonMarshal(encoded, { keepKeyOrder: true })),
    );
  }
  const rewritten: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations)) {
    if (!mergedKeys.has(sanitizeLabelName(key))) rewritten[key] = value;
  }
  rewritten[Annotation.prometheusPort] = target;
  rewritten[Annotation.prometheusPath] = '/stats/prometheus';
  rewritten[Annotation.prometheusScrape] = 'true';
  return withAnnotations(out, rewritten);
}

/**
 * Istio's `applySecurePrometheusAnnotation`: when the proxy serves merged metrics over mTLS
 * (env `ENVOY_SECURE_MERGED_METRICS_PORT`, set and not "0"), advertises that port in
 * `prometheus.istio.io/secure-port`, unless the pod already sets it. Returns a new pod.
 */
export function applySecurePrometheusAnnotation(pod: JsonObject): JsonObject {
  const annotations = annotationsOf(pod);
  if (Object.hasOwn(annotations, Annotation.prometheusSecurePort)) return pod;
  const env = proxyContainer(pod)?.env;
  const entry = Array.isArray(env)
    ? env.find((e) => isJsonObject(e) && e.name === ProxyEnv.secureMergedMetricsPort)
    : undefined;
  const securePort = isJsonObject(entry) && typeof entry.value === 'string' ? entry.value : '';
  if (securePort === '' || securePort === '0') return pod;
  return withAnnotations(pod, { ...annotations, [Annotation.prometheusSecurePort]: securePort });
}
