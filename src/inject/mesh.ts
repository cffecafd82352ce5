// The mesh config (Istio's `istio` ConfigMap, key `mesh`) and the ProxyConfig it carries as `defaultConfig`.
//
// Users point us at the mesh config their cluster already has, so it is read in Istio's own shape (proto JSON
// names, durations as strings, enums by name) and laid over Istio's defaults, as istiod does. Only the fields
// the injector reads are type-checked; every other field is kept as written, so a template can still read it.
import { isJsonObject, type JsonObject, type JsonValue } from './types.ts';
import { parseYaml } from './yaml.ts';

export type InterceptionMode = 'REDIRECT' | 'TPROXY' | 'NONE';
export const interceptionModes: readonly InterceptionMode[] = ['REDIRECT', 'TPROXY', 'NONE'];

/** A config error: which source, which field, and why. Nothing is applied when one is raised. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly source: string;
  readonly field: string;

  constructor(source: string, field: string, reason: string) {
    super(field === '' ? `${source}: ${reason}` : `${source}: ${field}: ${reason}`);
    this.source = source;
    this.field = field;
  }
}

/** Istio's `DefaultProxyConfig()` for the fields that have a non-zero default. */
export function defaultProxyConfig(): JsonObject {
  return {
    configPath: './etc/istio/proxy',
    binaryPath: '/usr/local/bin/envoy',
    serviceCluster: 'istio-proxy',
    drainDuration: '45s',
    terminationDrainDuration: '5s',
    discoveryAddress: 'istiod.istio-system.svc:15012',
    proxyAdminPort: 15000,
    controlPlaneAuthPolicy: 'MUTUAL_TLS',
    statNameLength: 189,
    statusPort: 15020,
    interceptionMode: 'REDIRECT',
    tracing: { zipkin: { address: 'zipkin.istio-system:9411' } },
  };
}

/** Istio's `DefaultMeshConfig()` for the fields the injector and its templates read. */
export function defaultMeshConfig(): JsonObject {
  return {
    proxyListenPort: 15001,
    proxyInboundListenPort: 15006,
    connectTimeout: '10s',
    protocolDetectionTimeout: '0s',
    ingressClass: 'istio',
    ingressService: 'istio-ingressgateway',
    ingressControllerMode: 'STRICT',
    enableTracing: true,
    accessLogFile: '',
    trustDomain: 'cluster.local',
    trustDomainAliases: [],
    rootNamespace: 'istio-system',
    enablePrometheusMerge: true,
    inboundTrafficPolicy: { mode: 'PASSTHROUGH' },
    outboundTrafficPolicy: { mode: 'ALLOW_ANY' },
    dnsRefreshRate: '60s',
    defaultServiceExportTo: ['*'],
    defaultVirtualServiceExportTo: ['*'],
    defaultDestinationRuleExportTo: ['*'],
    localityLbSetting: { enabled: true },
    defaultConfig: defaultProxyConfig(),
  };
}

/**
 * Lays `overlay` over `base` the way proto merging does for these messages: nested messages and maps merge
 * field by field, lists and scalars replace, an explicit `null` clears the field.
 */
export function mergeProto(base: JsonObject, overlay: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    if (value === null) {
      // Own-property delete is safe even for keys such as `__proto__` in a JSON-parsed object.
      Reflect.deleteProperty(out, key);
      continue;
    }
    const current = out[key];
    out[key] = isJsonObject(current) && isJsonObject(value) ? mergeProto(current, value) : value;
  }
  return out;
}

function checkPort(source: string, field: string, value: JsonValue | undefined): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) {
    throw new ConfigError(source, field, `want a port number 0-65535, got ${JSON.stringify(value)}`);
  }
}

function checkBool(source: string, field: string, value: JsonValue | undefined): void {
  if (value === undefined) return;
  if (typeof value !== 'boolean') {
    throw new ConfigError(source, field, `want true or false, got ${JSON.stringify(value)}`);
  }
}

function checkEnum(
  source: string,
  field: string,
  value: JsonValue | undefined,
  allowed: readonly string[],
): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new ConfigError(source, field, `want one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
}

function checkString(source: string, field: string, value: JsonValue | undefined): void {
  if (value === undefined) return;
  if (typeof value !== 'string')
    throw new ConfigError(source, field, `want a string, got ${JSON.stringify(value)}`);
}

function checkStringMap(source: string, field: string, value: JsonValue | undefined): void {
  if (value === undefined) return;
  if (!isJsonObject(value)) throw new ConfigError(source, field, 'want a map of strings');
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      throw new ConfigError(source, `${field}.${k}`, `want a string, got ${JSON.stringify(v)}`);
    }
  }
}

/** Type-checks the ProxyConfig fields the injector reads; `prefix` names where the config sits. */
export function validateProxyConfig(source: string, prefix: string, config: JsonObject): void {
  const at = (f: string): string => (prefix === '' ? f : `${prefix}.${f}`);
  checkPort(source, at('statusPort'), config.statusPort);
  checkPort(source, at('proxyAdminPort'), config.proxyAdminPort);
  checkEnum(source, at('interceptionMode'), config.interceptionMode, interceptionModes);
  checkString(source, at('discoveryAddress'), config.discoveryAddress);
  checkStringMap(source, at('proxyMetadata'), config.proxyMetadata);
  const hold = config.holdApplicationUntilProxyStarts;
  checkBool(source, at('holdApplicationUntilProxyStarts'), hold);
  const image = config.image;
  if (image !== undefined && !isJsonObject(image)) throw new ConfigError(source, at('image'), 'want a map');
  if (isJsonObject(image)) checkString(source, at('image.imageType'), image.imageType);
}

function validateMeshConfig(source: string, mesh: JsonObject): void {
  checkPort(source, 'proxyListenPort', mesh.proxyListenPort);
  checkPort(source, 'proxyInboundListenPort', mesh.proxyInboundListenPort);
  checkString(source, 'trustDomain', mesh.trustDomain);
  checkBool(source, 'enablePrometheusMerge', mesh.enablePrometheusMerge);
  const inbound = mesh.inboundTrafficPolicy;
  if (inbound !== undefined && !isJsonObject(inbound)) {
    throw new ConfigError(source, 'inboundTrafficPolicy', 'want a map');
  }
  if (isJsonObject(inbound)) {
    checkEnum(source, 'inboundTrafficPolicy.mode', inbound.mode, ['PASSTHROUGH', 'LOCALHOST']);
  }
  const proxy = mesh.defaultConfig;
  if (!isJsonObject(proxy)) throw new ConfigError(source, 'defaultConfig', 'want a map');
  validateProxyConfig(source, 'defaultConfig', proxy);
}

/**
 * Reads a mesh config: either the mesh YAML itself or an `istio` ConfigMap manifest holding it under
 * `data.mesh`. The result is Istio's defaults with the given fields laid over them.
 */
export function parseMeshConfig(text: string, source: string): JsonObject {
  const document = parseYaml(text, source);
  if (document === undefined) return defaultMeshConfig();
  if (!isJsonObject(document)) throw new ConfigError(source, '', 'the mesh config must be a YAML map');
  let meshDocument: JsonObject = document;
  if (document.kind === 'ConfigMap') {
    const data = document.data;
    const mesh = isJsonObject(data) ? data.mesh : undefined;
    if (typeof mesh !== 'string') {
      throw new ConfigError(source, 'data.mesh', 'the ConfigMap has no mesh config under data.mesh');
    }
    const inner = parseYaml(mesh, `${source} (data.mesh)`);
    if (inner === undefined) return defaultMeshConfig();
    if (!isJsonObject(inner))
      throw new ConfigError(source, 'data.mesh', 'the mesh config must be a YAML map');
    meshDocument = inner;
  }
  const merged = mergeProto(defaultMeshConfig(), meshDocument);
  validateMeshConfig(source, merged);
  return merged;
}

/**
 * The ProxyConfig a pod gets: the mesh's `defaultConfig` with the pod's `proxy.istio.io/config` annotation (YAML
 * or JSON ProxyConfig) laid over it. A malformed annotation is a ConfigError naming the annotation.
 */
export function effectiveProxyConfig(mesh: JsonObject, podAnnotation: string | undefined): JsonObject {
  const base = isJsonObject(mesh.defaultConfig) ? mesh.defaultConfig : defaultProxyConfig();
  if (podAnnotation === undefined || podAnnotation.trim() === '') return base;
  const source = 'annotation proxy.istio.io/config';
  const overlay = parseYaml(podAnnotation, source);
  if (!isJsonObject(overlay)) throw new ConfigError(source, '', 'want a ProxyConfig map');
  validateProxyConfig(source, '', overlay);
  return mergeProto(base, overlay);
}
