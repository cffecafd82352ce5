// Pod annotations + injector values + mesh settings -> the istio-iptables arguments of the init container.
//
// This mirrors the `istio-init` container of Istio's sidecar template (`files/injection-template.yaml`) flag for
// flag, including its quirks: an annotation that is present wins even when empty (`-x ""` then disables nothing,
// `-b ""` disables inbound capture), `-d` always starts with Envoy's own ports, and `-q`/`-o`/`-k`/`-c` appear only
// when something sets them.
import { CaptureAnnotation } from './annotations.ts';
import { isJsonObject, type JsonValue } from '../inject/types.ts';

/** The mesh-wide settings the template reads (MeshConfig and its default ProxyConfig). */
export interface MeshCaptureSettings {
  /** `MeshConfig.proxyListenPort`; 0 or absent means 15001. */
  readonly proxyListenPort?: number | undefined;
  /** `MeshConfig.proxyInboundListenPort`; 0 or absent means 15006. */
  readonly proxyInboundListenPort?: number | undefined;
  /** `ProxyConfig.interceptionMode`: `REDIRECT` (default), `TPROXY` or `NONE`. */
  readonly interceptionMode?: string | undefined;
  /** The proxy's uid (`.ProxyUID`, from OpenShift namespace ranges when there); 0 or absent means 1337. */
  readonly proxyUID?: number | undefined;
  /** `ProxyConfig.proxyMetadata`: becomes the init container's env (`ISTIO_META_DNS_CAPTURE`, `INVALID_DROP`, ...). */
  readonly proxyMetadata?: Readonly<Record<string, string>> | undefined;
}

export interface CaptureInput {
  /** The pod's annotations. */
  readonly annotations?: Readonly<Record<string, string>> | undefined;
  /**
   * The injector values (the `values` of the `istio-sidecar-injector` ConfigMap), read by their JSON keys. A key
   * that is absent (or null) takes the value Istio's chart ships.
   */
  readonly values?: JsonValue | undefined;
  readonly mesh?: MeshCaptureSettings | undefined;
}

export interface EnvVar {
  readonly name: string;
  readonly value: string;
}

/** The init container Istio's template would add for traffic capture. */
export interface InitContainerPlan {
  /** `istio-validation` under Istio CNI (it only checks the rules the plugin installed), else `istio-init`. */
  readonly name: 'istio-init' | 'istio-validation';
  /** `args[0]` is `istio-iptables`; the container has no `command`. */
  readonly args: readonly string[];
  readonly env: readonly EnvVar[];
}

export class CaptureInputError extends Error {
  override name = 'CaptureInputError';
}

/** The chart defaults for every value the init container reads. */
const CHART_DEFAULTS: Readonly<Record<string, JsonValue>> = {
  'global.proxy.includeIPRanges': '*',
  'global.proxy.excludeIPRanges': '',
  'global.proxy.includeInboundPorts': '*',
  'global.proxy.excludeInboundPorts': '',
  'global.proxy.includeOutboundPorts': '',
  'global.proxy.excludeOutboundPorts': '',
  'global.proxy.statusPort': 15020,
  'global.logging.level': 'default:info',
  'global.logAsJson': false,
  'global.proxy_init.forceApplyIptables': false,
  'global.nativeNftables': false,
  'pilot.cni.enabled': false,
};

/** Envoy's Prometheus port and health port are never captured inbound. */
const ENVOY_OWN_INBOUND_PORTS = '15090,15021';

/** The interception mode in effect: the pod annotation, else the mesh default, else REDIRECT. */
export function interceptionModeOf(input: CaptureInput): string {
  return (
    input.annotations?.[CaptureAnnotation.interceptionMode] ?? input.mesh?.interceptionMode ?? 'REDIRECT'
  );
}

/** The `istio-iptables` argument list (starting with `istio-iptables`) Istio's template would give the pod. */
export function captureArgs(input: CaptureInput): string[] {
  const annotations = input.annotations ?? {};
  const values = new ValueReader(input.values);
  const mesh = input.mesh ?? {};
  const annotationOr = (name: string, valuePath: string): string =>
    annotations[name] ?? values.text(valuePath);
  const mode = interceptionModeOf(input);

  const args = [
    'istio-iptables',
    ...['-p', String(positiveOr(mesh.proxyListenPort, 15001))],
    ...['-z', String(positiveOr(mesh.proxyInboundListenPort, 15006))],
    // TPROXY runs the proxy as root but marks its traffic by the fixed uid 1337.
    ...['-u', mode === 'TPROXY' ? '1337' : String(positiveOr(mesh.proxyUID, 1337))],
    ...['-m', mode],
    ...['-i', annotationOr(CaptureAnnotation.includeOutboundIPRanges, 'global.proxy.includeIPRanges')],
    ...['-x', annotationOr(CaptureAnnotation.excludeOutboundIPRanges, 'global.proxy.excludeIPRanges')],
    ...['-b', annotationOr(CaptureAnnotation.includeInboundPorts, 'global.proxy.includeInboundPorts')],
  ];

  const excluded = withStatusPort(
    annotationOr(CaptureAnnotation.statusPort, 'global.proxy.statusPort'),
    annotationOr(CaptureAnnotation.excludeInboundPorts, 'global.proxy.excludeInboundPorts'),
  );
  args.push('-d', excluded === '' ? ENVOY_OWN_INBOUND_PORTS : `${ENVOY_OWN_INBOUND_PORTS},${excluded}`);

  const optional = (flag: string, annotation: string, valuePath: string): void => {
    if (annotation in annotations || values.text(valuePath) !== '') {
      args.push(flag, annotationOr(annotation, valuePath));
    }
  };
  optional('-q', CaptureAnnotation.includeOutboundPorts, 'global.proxy.includeOutboundPorts');
  optional('-o', CaptureAnnotation.excludeOutboundPorts, 'global.proxy.excludeOutboundPorts');

  const reroute =
    annotations[CaptureAnnotation.rerouteVirtualInterfaces] ??
    annotations[CaptureAnnotation.kubevirtInterfaces];
  if (reroute !== undefined) args.push('-k', reroute);
  const excludeInterfaces = annotations[CaptureAnnotation.excludeInterfaces];
  if (excludeInterfaces !== undefined) args.push('-c', excludeInterfaces);

  args.push(`--log_output_level=${annotationOr(CaptureAnnotation.agentLogLevel, 'global.logging.level')}`);
  if (values.truthy('global.logAsJson')) args.push('--log_as_json');
  if (values.truthy('pilot.cni.enabled')) {
    args.push('--run-validation', '--skip-rule-apply');
  } else if (values.truthy('global.proxy_init.forceApplyIptables')) {
    args.push('--force-apply');
  }
  if (values.truthy('global.nativeNftables')) args.push('--native-nftables');
  return args;
}

/**
 * The capture init container for the pod, or `undefined` when the interception mode is `NONE` (Istio then adds
 * no init container at all).
 */
export function initContainerPlan(input: CaptureInput): InitContainerPlan | undefined {
  if (interceptionModeOf(input) === 'NONE') return undefined;
  const metadata = input.mesh?.proxyMetadata ?? {};
  // Go ranges over a map in key order.
  const env = Object.keys(metadata)
    .sort()
    .map((name) => ({ name, value: metadata[name] ?? '' }));
  return {
    name: new ValueReader(input.values).truthy('pilot.cni.enabled') ? 'istio-validation' : 'istio-init',
    args: captureArgs(input),
    env,
  };
}

function positiveOr(value: number | undefined, fallback: number): number {
  return value === undefined || value === 0 ? fallback : value;
}

/**
 * Adds the status port to the excluded inbound ports unless it is already there, as the template's
 * `excludeInboundPort` helper does (status port `0` or empty adds nothing).
 */
export function withStatusPort(statusPort: string, excludedInboundPorts: string): string {
  const port = statusPort.trim();
  if (port === '' || port === '0') return excludedInboundPorts;
  const entries = excludedInboundPorts.split(',');
  if (entries.includes(port)) return excludedInboundPorts;
  return [...entries.map((e) => e.trim()).filter((e) => e !== ''), port].join(',');
}

/** Reads dotted paths out of the values, falling back to the chart defaults. */
class ValueReader {
  private readonly root: JsonValue | undefined;

  constructor(root: JsonValue | undefined) {
    this.root = root;
  }

  private lookup(path: string): JsonValue | undefined {
    let node: JsonValue | undefined = this.root;
    for (const key of path.split('.')) {
      node = isJsonObject(node) ? node[key] : undefined;
    }
    return node ?? CHART_DEFAULTS[path];
  }

  /** The value as the template prints it (`{{ . }}`): Go formatting for numbers and booleans. */
  text(path: string): string {
    const value = this.lookup(path);
    if (value === undefined || value === null) return '';
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return formatGoFloat(value);
    if (typeof value === 'boolean') return String(value);
    throw new CaptureInputError(
      `values ${path}: expected a string or number, got ${Array.isArray(value) ? 'a list' : 'a map'}`,
    );
  }

  /** Go template truthiness: false, 0, "" and empty lists and maps are false. */
  truthy(path: string): boolean {
    const value = this.lookup(path);
    if (value === undefined || value === null) return false;
    if (Array.isArray(value)) return value.length > 0;
    if (isJsonObject(value)) return Object.keys(value).length > 0;
    return value !== false && value !== 0 && value !== '';
  }
}

/** How Go's `%v` prints a float64 (values JSON numbers are float64): `15020`, `1.5`, `1e+06`. */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  const magnitude = Math.abs(value);
  if (value === 0 || (magnitude >= 1e-4 && magnitude < 1e6)) return String(value);
  const [mantissa = '', exponent = ''] = value.toExponential().split('e');
  const sign = exponent.startsWith('-') ? '-' : '+';
  return `${mantissa}e${sign}${exponent.replace(/^[+-]/, '').padStart(2, '0')}`;
}
