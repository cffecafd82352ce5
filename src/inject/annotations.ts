// Istio's names for the annotations, labels, env vars and containers the injector reads or writes.
//
// Users arrive with manifests written for Istio, so every name here is Istio's, spelt exactly as Istio spells it.
// Keeping them in one place means a typo is a compile error rather than a silently ignored annotation.
import { CaptureAnnotation } from '../iptables/annotations.ts';
import { isJsonObject, type JsonObject } from './types.ts';

/** Pod annotations (`sidecar.istio.io/*` and friends). */
export const Annotation = {
  /** The traffic capture annotations, as the iptables module names them. */
  ...CaptureAnnotation,
  /** Pod opt-in/out (`"true"`/`"false"`); the label of the same name takes precedence. */
  inject: 'sidecar.istio.io/inject',
  /** Proof of injection: JSON naming what was injected and by which revision. */
  status: 'sidecar.istio.io/status',
  /** Comma-separated template names to render instead of the config's `defaultTemplates`. */
  injectTemplates: 'inject.istio.io/templates',
  readinessInitialDelaySeconds: 'readiness.status.sidecar.istio.io/initialDelaySeconds',
  readinessPeriodSeconds: 'readiness.status.sidecar.istio.io/periodSeconds',
  readinessFailureThreshold: 'readiness.status.sidecar.istio.io/failureThreshold',
  readinessApplicationPorts: 'readiness.status.sidecar.istio.io/applicationPorts',
  proxyConfig: 'proxy.istio.io/config',
  proxyOverrides: 'proxy.istio.io/overrides',
  proxyCPU: 'sidecar.istio.io/proxyCPU',
  proxyMemory: 'sidecar.istio.io/proxyMemory',
  proxyCPULimit: 'sidecar.istio.io/proxyCPULimit',
  proxyMemoryLimit: 'sidecar.istio.io/proxyMemoryLimit',
  proxyImageType: 'sidecar.istio.io/proxyImageType',
  /** Comma-separated init containers that must run before a native istio-proxy. */
  initContainersBeforeProxy: 'sidecar.istio.io/init-containers-before-proxy',
  nativeSidecar: 'sidecar.istio.io/nativeSidecar',
  rewriteAppHTTPProbers: 'sidecar.istio.io/rewriteAppHTTPProbers',
  prometheusMergeMetrics: 'prometheus.istio.io/merge-metrics',
  prometheusScrapeTargets: 'prometheus.istio.io/scrape-targets',
  prometheusSecurePort: 'prometheus.istio.io/secure-port',
  prometheusScrape: 'prometheus.io/scrape',
  prometheusPort: 'prometheus.io/port',
  prometheusPath: 'prometheus.io/path',
  /** Set by the injection template; also read as the pod's revision. */
  revision: 'istio.io/rev',
  defaultContainer: 'kubectl.kubernetes.io/default-container',
  defaultLogsContainer: 'kubectl.kubernetes.io/default-logs-container',
} as const;

/** Pod and namespace labels. */
export const Label = {
  /** Pod opt-in/out; wins over the annotation of the same name. */
  inject: 'sidecar.istio.io/inject',
  /** On a namespace: which revision injects it. On a pod: object-level opt-in, or the injecting revision. */
  revision: 'istio.io/rev',
  /** Namespace opt-in: `enabled` (default revision) or `disabled`. */
  namespaceInjection: 'istio-injection',
  network: 'topology.istio.io/network',
  /** The label kube-apiserver sets on every namespace; the MWC matches on it. */
  namespaceName: 'kubernetes.io/metadata.name',
} as const;

/** Env vars on the istio-proxy container that post-processing writes or reads. */
export const ProxyEnv = {
  appProbers: 'ISTIO_KUBE_APP_PROBERS',
  prometheusAnnotations: 'ISTIO_PROMETHEUS_ANNOTATIONS',
  secureMergedMetricsPort: 'ENVOY_SECURE_MERGED_METRICS_PORT',
  clusterId: 'ISTIO_META_CLUSTER_ID',
  network: 'ISTIO_META_NETWORK',
} as const;

/** Names of the containers the injection adds. */
export const ContainerName = {
  proxy: 'istio-proxy',
  init: 'istio-init',
  validation: 'istio-validation',
  enableCoreDump: 'enable-core-dump',
} as const;

/** The exact values the pod-level `sidecar.istio.io/inject` label/annotation understands (lowercase only). */
export const PodInjectValue = { enabled: 'true', disabled: 'false' } as const;

/** Values of the namespace label `istio-injection`. Only `enabled` opts in; every other value opts out. */
export const NamespaceInjectionValue = { enabled: 'enabled', disabled: 'disabled' } as const;

/** The revision name of the control plane installed without a revision. */
export const DEFAULT_REVISION = 'default';

/** Namespaces the webhook never injects, whatever their labels say (Istio's `IgnoredNamespaces`). */
export const IGNORED_NAMESPACES: readonly string[] = [
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'local-path-storage',
];

/** The agent's status port when neither the annotation nor the mesh config names one. */
export const DEFAULT_STATUS_PORT = 15020;

function stringEntries(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isJsonObject(value)) return out;
  for (const [key, v] of Object.entries(value)) {
    // Kubernetes only allows strings here; anything else cannot have come from the API server.
    if (typeof v === 'string') out[key] = v;
  }
  return out;
}

/** The `metadata.labels` of an object (pod, namespace, template) as a string map; empty when absent. */
export function labelsOf(object: JsonObject): Record<string, string> {
  return isJsonObject(object.metadata) ? stringEntries(object.metadata.labels) : {};
}

/** The `metadata.annotations` of an object as a string map; empty when absent. */
export function annotationsOf(object: JsonObject): Record<string, string> {
  return isJsonObject(object.metadata) ? stringEntries(object.metadata.annotations) : {};
}
