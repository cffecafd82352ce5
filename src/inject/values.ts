// The injector `values`: the slice of Helm values Istio's `istio-sidecar-injector` ConfigMap carries under
// `values`, which templates read as `.Values` by their JSON keys.
//
// The project ships its own defaults (the seeds' resource figures, Istio's chart layout). A user's values are
// laid over them, so a partial values file still renders the default template; keys the user sets always win.
import { ConfigError, mergeProto } from './mesh.ts';
import { isJsonObject, type JsonObject, type JsonValue } from './types.ts';
import { parseYaml } from './yaml.ts';

/** The project's default values, in the Istio chart's layout. */
export function defaultValues(): JsonObject {
  return {
    revision: '',
    global: {
      hub: 'docker.io/istio',
      tag: '1.28.1',
      variant: '',
      imagePullPolicy: 'IfNotPresent',
      imagePullSecrets: [],
      istioNamespace: 'istio-system',
      caAddress: '',
      pilotCertProvider: 'istiod',
      meshID: '',
      network: '',
      multiCluster: { clusterName: '' },
      logAsJson: false,
      logging: { level: 'default:info' },
      sds: { token: { aud: 'istio-ca' } },
      proxy: {
        image: 'proxyv2',
        autoInject: 'enabled',
        clusterDomain: 'cluster.local',
        statusPort: 15020,
        includeIPRanges: '*',
        excludeIPRanges: '',
        includeInboundPorts: '*',
        excludeInboundPorts: '',
        includeOutboundPorts: '',
        excludeOutboundPorts: '',
        logLevel: 'warning',
        componentLogLevel: 'misc:error',
        privileged: false,
        holdApplicationUntilProxyStarts: false,
        readinessInitialDelaySeconds: 1,
        readinessPeriodSeconds: 2,
        readinessFailureThreshold: 30,
        startupProbe: { enabled: false, failureThreshold: 600 },
        resources: {
          requests: { cpu: '10m', memory: '40Mi' },
          limits: { cpu: '2', memory: '1Gi' },
        },
      },
      proxy_init: {
        image: 'proxyv2',
        forceApplyIptables: false,
      },
    },
    sidecarInjectorWebhook: {
      rewriteAppHTTPProbe: true,
      nativeSidecar: false,
    },
    pilot: { cni: { enabled: false, provider: 'default' } },
  };
}

/**
 * Reads values: JSON or YAML, either the values map itself or an `istio-sidecar-injector` ConfigMap manifest
 * holding it under `data.values`. The result is the project defaults with the given values laid over them.
 */
export function parseValues(text: string, source: string): JsonObject {
  const document = parseYaml(text, source);
  if (document === undefined) return defaultValues();
  if (!isJsonObject(document)) throw new ConfigError(source, '', 'the values must be a JSON or YAML map');
  let values: JsonObject = document;
  if (document.kind === 'ConfigMap') {
    const data = document.data;
    const raw = isJsonObject(data) ? data.values : undefined;
    if (typeof raw !== 'string') {
      throw new ConfigError(source, 'data.values', 'the ConfigMap has no values under data.values');
    }
    const inner = parseYaml(raw, `${source} (data.values)`);
    if (inner === undefined) return defaultValues();
    if (!isJsonObject(inner)) throw new ConfigError(source, 'data.values', 'the values must be a JSON map');
    values = inner;
  }
  return mergeProto(defaultValues(), values);
}

/** Reads `path` (dot-separated JSON keys) from the values; `undefined` when any step is missing. */
export function valueAt(values: JsonObject, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = values;
  for (const key of path.split('.')) {
    if (!isJsonObject(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

/** A boolean value, accepting Helm's habit of writing booleans as strings. */
export function boolValue(values: JsonObject, path: string, fallback: boolean): boolean {
  const v = valueAt(values, path);
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return fallback;
}

/** A string value; numbers are printed the way Helm renders them. */
export function stringValue(values: JsonObject, path: string, fallback: string): string {
  const v = valueAt(values, path);
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return fallback;
}
