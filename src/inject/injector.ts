// The injection engine: one pipeline behind the webhook and `kube-inject`, so the same input gives the same pod.
//
//   decide -> validate annotations -> strip (re-injection) -> select templates -> render -> strategic merge
//   -> user overrides -> post-process (cluster/network, prometheus, probes, metadata, order) -> JSON patch
//
// Every step is a pure function of the pod and the config, in Istio's order (pkg/kube/inject), so re-injecting an
// injected pod gives the same pod. Templates are parsed once, when the injector is created; a config that does
// not parse never becomes an injector.
import jsonpatch, { type Operation } from 'fast-json-patch';
import { parse, TemplateError, type FuncMap, type Template } from '../template/index.ts';
import { Annotation, IGNORED_NAMESPACES, Label, annotationsOf, labelsOf } from './annotations.ts';
import type { InjectorConfig } from './config.ts';
import { injectRequired, type InjectionDecision } from './decide.ts';
import { deploymentMetaFromPod, type DeploymentMeta } from './deploy-meta.ts';
import { injectionFuncMap, unsupportedFunctionReason } from './funcs/index.ts';
import { cloneObject } from './merge/json.ts';
import { mergeTemplates, TemplateMergeError, type RenderedTemplate } from './merge/templates.ts';
import { ConfigError, effectiveProxyConfig } from './mesh.ts';
import { reapplyOverwrittenContainers, reinsertOverrides, stripPod } from './overrides.ts';
import { applyProbeRewrite, updateProxy } from './probes.ts';
import { applyPrometheusMerge, applySecurePrometheusAnnotation } from './prometheus.ts';
import { canonicalizePodQuantities } from './quantity.ts';
import { reorderPod } from './reorder.ts';
import { compileLabelSelector, LabelSelectorError } from './selector.ts';
import { statusAnnotationFor } from './status.ts';
import { isJsonObject, type JsonObject, type JsonValue } from './types.ts';
import { checkAnnotations } from './validate.ts';
import { boolValue, stringValue } from './values.ts';
import { inboundTrafficPolicyMode, proxyImages } from './view/images.ts';
import { templateData } from './view/data.ts';
import { YamlError, parseYaml } from './yaml.ts';

/** Everything the injector is configured with; see `loadInjectorSettings` for reading it from files. */
export interface InjectorSettings {
  readonly config: InjectorConfig;
  readonly values: JsonObject;
  readonly mesh: JsonObject;
  /** The injecting revision: "" for the default revision (kube-inject), or e.g. `default`, `canary`. */
  readonly revision: string;
  /** Render the proxy as a native sidecar (init container with restartPolicy Always) unless a pod says no. */
  readonly nativeSidecars: boolean;
  /** istiod's COMPLIANCE_POLICY (e.g. `fips-140-3`), exposed to templates as `.CompliancePolicy`. */
  readonly compliancePolicy?: string;
  /** Namespaces never injected; Istio's four by default. */
  readonly ignoredNamespaces?: readonly string[];
  /** What the template function `env` sees (never the process environment, so output is deterministic). */
  readonly templateEnv?: Readonly<Record<string, string>>;
  /** Names the config in error messages (a file or a ConfigMap). */
  readonly source?: string;
}

/** Which decision rules apply: the webhook's (policy and selectors) or kube-inject's (opt-out only). */
export type DecisionMode = 'webhook' | 'kube-inject';

export interface InjectRequest {
  /** The pod as received: an AdmissionReview object, or `{metadata, spec}` of a workload's pod template. */
  readonly pod: JsonObject;
  /** The namespace the pod is created in (the AdmissionRequest's); may be "" offline. */
  readonly namespace: string;
  /** The workload the pod belongs to; derived from the pod's owner references when absent. */
  readonly workload?: DeploymentMeta;
  /** Extra proxy env from the webhook path (`/inject/cluster/c1/net/n1` -> ISTIO_META_CLUSTER_ID, ...). */
  readonly proxyEnvs?: Readonly<Record<string, string>>;
  /** Native sidecars for this pod (the webhook's node-version detection); default: the settings' value. */
  readonly nativeSidecars?: boolean;
  readonly mode: DecisionMode;
}

/** The result of an injection. It is frozen: the same result may be handed to every replica of a workload. */
export type InjectResult =
  | { readonly kind: 'skipped'; readonly decision: InjectionDecision }
  | {
      readonly kind: 'injected';
      readonly decision: InjectionDecision;
      /** The injected pod. */
      readonly pod: JsonObject;
      /** RFC 6902 operations turning the received pod into the injected one (managedFields untouched). */
      readonly patch: Operation[];
      /** Things worth telling the user that did not stop injection. */
      readonly warnings: readonly string[];
    };

/** Injection failed for this pod: the message is what the API server returns to the user. */
export class InjectionError extends Error {
  override readonly name = 'InjectionError';
}

const defaultTemplatesAnnotation = Annotation.injectTemplates;

function compileTemplates(settings: InjectorSettings, funcs: FuncMap): ReadonlyMap<string, Template> {
  const source = settings.source ?? 'injector config';
  const compiled = new Map<string, Template>();
  for (const [name, text] of Object.entries(settings.config.templates)) {
    try {
      compiled.set(name, parse(name, text, { funcs }));
    } catch (err) {
      if (err instanceof TemplateError)
        throw new ConfigError(source, `templates.${name}`, explainParseError(err));
      throw err;
    }
  }
  return compiled;
}

/** A parse error, plus why when the template calls a sprig function this project leaves out on purpose. */
function explainParseError(err: TemplateError): string {
  const undefinedFunction = /function "([^"]+)" not defined/.exec(err.message)?.[1];
  const reason = undefinedFunction === undefined ? undefined : unsupportedFunctionReason(undefinedFunction);
  return reason === undefined ? err.message : `${err.message} (mesh-injector does not provide it: ${reason})`;
}

function checkTemplateReferences(settings: InjectorSettings, templates: ReadonlyMap<string, Template>): void {
  const source = settings.source ?? 'injector config';
  const known = (name: string): boolean =>
    templates.has(name) || Object.hasOwn(settings.config.aliases, name);
  settings.config.defaultTemplates.forEach((name, i) => {
    if (!known(name)) {
      throw new ConfigError(source, `defaultTemplates[${i}]`, `no template or alias named "${name}"`);
    }
  });
  for (const [alias, names] of Object.entries(settings.config.aliases)) {
    names.forEach((name, i) => {
      if (!templates.has(name)) {
        throw new ConfigError(
          source,
          `aliases.${alias}[${i}]`,
          `no template named "${name}" (aliases do not nest)`,
        );
      }
    });
  }
  const selectorLists = [
    ['neverInjectSelector', settings.config.neverInjectSelector],
    ['alwaysInjectSelector', settings.config.alwaysInjectSelector],
  ] as const;
  for (const [field, selectors] of selectorLists) {
    selectors.forEach((selector, i) => {
      try {
        compileLabelSelector(selector, `${field}[${i}]`);
      } catch (err) {
        if (err instanceof LabelSelectorError) throw new ConfigError(source, '', err.message);
        throw err;
      }
    });
  }
}

/** Rendered outputs and results remembered per injector: enough for the workloads rolling at once in a large cluster. */
const parsedOutputCacheSize = 256;
const resultCacheSize = 256;

/** Reads a least-recently-used map (a Map keeps insertion order, so re-inserting marks the entry as fresh). */
function lruGet<V>(cache: Map<string, V>, key: string): V | undefined {
  const value = cache.get(key);
  if (value !== undefined) {
    cache.delete(key);
    cache.set(key, value);
  }
  return value;
}

function lruSet<V>(cache: Map<string, V>, key: string, value: V, limit: number): void {
  cache.set(key, value);
  if (cache.size > limit) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
}

/**
 * A least-recently-used cache that keeps a value only for a key offered before. The replicas of a workload send
 * one request many times: the second is remembered and the rest are lookups. A request seen once (a pod unlike
 * any other) leaves only its key behind: keeping its whole result until it fell out of the cache made every
 * young-generation collection copy it, a fifth of the time of an injection when every pod differs.
 */
class RepeatCache<V> {
  readonly #values = new Map<string, V>();
  readonly #seen = new Map<string, true>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get(key: string): V | undefined {
    return lruGet(this.#values, key);
  }

  offer(key: string, value: V): void {
    if (this.#seen.delete(key)) lruSet(this.#values, key, value, this.#limit);
    else lruSet(this.#seen, key, true, this.#limit);
  }
}

/** Freezes a JSON tree; a frozen object's subtree is taken to be frozen already (shared parts are). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    // Indexes and keys instead of Object.values: no array to allocate for each of the hundreds of objects.
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) deepFreeze(value[i] as unknown);
    } else {
      for (const key in value) deepFreeze(value[key]);
    }
  }
  return value;
}

function numberOr(value: JsonValue | undefined, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

/** A configured, ready injector. Create one per config; `inject` is pure and safe to call concurrently. */
export class Injector {
  readonly settings: InjectorSettings;
  readonly #templates: ReadonlyMap<string, Template>;
  readonly #parsedOutputs = new RepeatCache<unknown>(parsedOutputCacheSize);
  readonly #results = new RepeatCache<InjectResult>(resultCacheSize);

  /** Parses every template and checks the config; throws ConfigError naming the template and position. */
  constructor(settings: InjectorSettings) {
    const funcs = injectionFuncMap({ env: settings.templateEnv ?? {} });
    this.#templates = compileTemplates(settings, funcs);
    checkTemplateReferences(settings, this.#templates);
    this.settings = settings;
  }

  /** Whether the pod would be injected, and why, under the given rules. */
  decide(pod: JsonObject, namespace: string, mode: DecisionMode): InjectionDecision {
    const ignoredNamespaces = this.settings.ignoredNamespaces ?? IGNORED_NAMESPACES;
    // kube-inject honours only the pod's own opt-out and the hard exclusions, as istioctl does.
    const policy = mode === 'webhook' ? this.settings.config : { policy: 'enabled' };
    return injectRequired(pod, policy, { ignoredNamespaces, namespace });
  }

  /** Injects one pod; throws InjectionError (bad annotations, template errors) with a user-facing message. */
  inject(request: InjectRequest): InjectResult {
    const decision = this.decide(request.pod, request.namespace, request.mode);
    if (!decision.inject) return { kind: 'skipped', decision };
    // Injection is a pure function of the request (templates cannot read clocks, randomness or the process
    // environment), and the replicas of a workload arrive as identical requests: a scale-up of 50 pods is two
    // injections and 48 lookups (see RepeatCache).
    const key = JSON.stringify([
      request.pod,
      request.namespace,
      request.workload ?? null,
      request.proxyEnvs ?? null,
      request.nativeSidecars ?? null,
      request.mode,
    ]);
    const cached = this.#results.get(key);
    if (cached !== undefined) return cached;
    let result: InjectResult;
    try {
      result = deepFreeze({ kind: 'injected', decision, ...this.#run(request) });
    } catch (err) {
      throw asInjectionError(err);
    }
    this.#results.offer(key, result);
    return result;
  }

  #run(request: InjectRequest): { pod: JsonObject; patch: Operation[]; warnings: string[] } {
    const { settings } = this;
    const warnings: string[] = [];
    // The patch must never touch managedFields, so they are left out of both sides of the diff.
    const original = withoutManagedFields(request.pod);
    // At admission the API server has already put the request's namespace on the pod, so the webhook fills it
    // in as istiod does. A workload's pod template carries none, and kube-inject must not write one into it.
    if (request.mode === 'webhook' && namespaceOf(original) === '' && request.namespace !== '') {
      setNamespace(original, request.namespace);
    }
    // From here on the pipeline shares parts of this pod (and of the parsed templates) instead of copying them:
    // every step copies what it changes. Frozen, a step that writes in place fails loudly instead of corrupting
    // the patch; the result is frozen at the end anyway.
    deepFreeze(original);
    const annotations = annotationsOf(original);
    checkAnnotations(annotations);
    const dnsPolicy = isJsonObject(original.spec) ? original.spec.dnsPolicy : undefined;
    if (typeof dnsPolicy === 'string' && dnsPolicy !== '' && dnsPolicy !== 'ClusterFirst') {
      warnings.push(`dnsPolicy ${dnsPolicy} will cause the proxy's DNS capture to misbehave`);
    }

    const proxyConfig = effectiveProxyConfig(settings.mesh, annotations[Annotation.proxyConfig]);
    const meshProxy = isJsonObject(settings.mesh.defaultConfig) ? settings.mesh.defaultConfig : {};
    const statusPort = numberOr(meshProxy.statusPort, 15020);
    const workload = request.workload ?? deploymentMetaFromPod(original, request.namespace);
    const proxyEnvs = clusterAndNetworkEnvs(settings.values, request.proxyEnvs ?? {}, labelsOf(original));

    const stripped = reinsertOverrides(stripPod(original, { statusPort }));
    const { proxyImage, proxyInitImage } = proxyImages(settings.values, proxyConfig, annotations);
    const data = templateData({
      pod: stripped,
      deploymentMeta: { name: workload.name, namespace: workload.namespace },
      typeMeta: { kind: workload.kind, apiVersion: workload.apiVersion },
      values: settings.values,
      mesh: settings.mesh,
      proxyConfig,
      revision: settings.revision,
      proxyImage,
      proxyInitImage,
      proxyUID: 1337n,
      proxyGID: 1337n,
      nativeSidecars: request.nativeSidecars ?? settings.nativeSidecars,
      inboundTrafficPolicyMode: inboundTrafficPolicyMode(settings.mesh),
      compliancePolicy: settings.compliancePolicy ?? '',
    });

    const rendered: RenderedTemplate[] = this.#selectTemplates(annotations).map(([name, template]) => ({
      name,
      output: this.#parseRendered(name, template.execute(data)),
    }));
    const { mergedPod, templatePod } = mergeTemplates(original, rendered);
    const interceptionMode =
      typeof proxyConfig.interceptionMode === 'string' ? proxyConfig.interceptionMode : '';
    let pod = reapplyOverwrittenContainers(mergedPod, original, templatePod, { interceptionMode });

    // Post-processing, in Istio's order.
    pod = overwriteProxyEnvs(pod, proxyEnvs);
    pod = applyPrometheusMerge(pod, statusPort, meshBool(settings.mesh, 'enablePrometheusMerge'));
    pod = applySecurePrometheusAnnotation(pod);
    pod = applyProbeRewrite(pod, {
      statusPort,
      rewriteAppHTTPProbe: boolValue(settings.values, 'sidecarInjectorWebhook.rewriteAppHTTPProbe', true),
    });
    pod = this.#applyMetadata(pod, templatePod, proxyEnvs);
    const hold =
      proxyConfig.holdApplicationUntilProxyStarts === true ||
      boolValue(settings.values, 'global.proxy.holdApplicationUntilProxyStarts', false);
    pod = reorderPod(pod, { holdApplicationUntilProxyStarts: hold });
    // Quantities as the API server stores them (`2000m` -> "2", `1024Mi` -> 1Gi), as istiod's Go round trip
    // writes them: otherwise a reinvoked webhook would patch the stored "2" back to the template's `2000m`.
    pod = canonicalizePodQuantities(pod);

    const patch = valuesFromPod(jsonpatch.compare(original, pod), pod);
    return { pod, patch, warnings };
  }

  /**
   * Parses a template's output. The pods of one workload render the same text (their pod template is the same), so
   * the parsed fragment is remembered by text: replicas skip the YAML parser, which is a third of an injection.
   * Fragments are deep-frozen, so sharing them between injections cannot leak a change from one pod to the next.
   */
  #parseRendered(name: string, text: string): unknown {
    // Keyed by the text alone (the value parsed from a text does not depend on which template rendered it): a
    // key built by concatenation would be one more copy of every rendered text to hash and keep.
    const cached = this.#parsedOutputs.get(text);
    if (cached !== undefined) return cached;
    const parsed = deepFreeze(parseYaml(text, `output of template "${name}"`));
    this.#parsedOutputs.offer(text, parsed);
    return parsed;
  }

  #selectTemplates(annotations: Readonly<Record<string, string>>): [string, Template][] {
    const requested = annotations[defaultTemplatesAnnotation];
    const names =
      requested === undefined
        ? this.settings.config.defaultTemplates
        : requested
            .split(',')
            .map((n) => n.trim())
            .filter((n) => n !== '');
    const expanded = names.flatMap((name) => this.settings.config.aliases[name] ?? [name]);
    return expanded.map((name) => {
      const template = this.#templates.get(name);
      if (template === undefined) {
        const have = [...this.#templates.keys()].sort().join(', ');
        throw new InjectionError(`requested template "${name}" not found; have ${have}`);
      }
      return [name, template];
    });
  }

  #applyMetadata(
    pod: JsonObject,
    templatePod: JsonObject,
    proxyEnvs: Readonly<Record<string, string>>,
  ): JsonObject {
    const metadata: JsonObject = isJsonObject(pod.metadata) ? { ...pod.metadata } : {};
    const annotations: JsonObject = isJsonObject(metadata.annotations) ? { ...metadata.annotations } : {};
    const labels: JsonObject = isJsonObject(metadata.labels) ? { ...metadata.labels } : {};
    metadata.annotations = annotations;
    metadata.labels = labels;
    const revision = this.settings.revision === '' ? 'default' : this.settings.revision;
    annotations[Annotation.status] = statusAnnotationFor(templatePod, revision);
    // The label lets `kubectl get pods -l istio.io/rev=...` find what a revision injected. A label the user set
    // (an object-level opt-in, possibly naming a revision tag) is theirs and is never overwritten.
    if (!Object.hasOwn(labels, Label.revision)) labels[Label.revision] = revision;
    const network = proxyEnvs[networkEnv];
    if (network !== undefined && network !== '') labels[Label.network] = network;
    for (const [key, value] of Object.entries(this.settings.config.injectedAnnotations))
      annotations[key] = value;
    return { ...pod, metadata };
  }
}

const clusterEnv = 'ISTIO_META_CLUSTER_ID';
const networkEnv = 'ISTIO_META_NETWORK';

/**
 * Istio's cluster/network resolution: the values give the defaults, the webhook path overrides them, and for the
 * network the pod's `topology.istio.io/network` label wins. Other path parameters pass through as env vars.
 */
export function clusterAndNetworkEnvs(
  values: JsonObject,
  pathEnvs: Readonly<Record<string, string>>,
  podLabels: Readonly<Record<string, string>>,
): Record<string, string> {
  const envs: Record<string, string> = { ...pathEnvs };
  const cluster = pathEnvs[clusterEnv] ?? stringValue(values, 'global.multiCluster.clusterName', '');
  const network =
    podLabels[Label.network] ?? pathEnvs[networkEnv] ?? stringValue(values, 'global.network', '');
  if (cluster !== '') envs[clusterEnv] = cluster;
  else Reflect.deleteProperty(envs, clusterEnv);
  if (network !== '') envs[networkEnv] = network;
  else Reflect.deleteProperty(envs, networkEnv);
  return envs;
}

/**
 * Sets the proxy's env entries named in `envs`: an entry the template rendered keeps its place and takes the new
 * value; the others are appended at the end, sorted by name. Istio removes and re-appends them all, which is not
 * stable: on re-injection the template puts them back in the middle, the merge places the entries appended after
 * them (ISTIO_KUBE_APP_PROBERS) next to them, and a reinvoked webhook reorders the env of a pod it had injected.
 */
function overwriteProxyEnvs(pod: JsonObject, envs: Readonly<Record<string, string>>): JsonObject {
  const names = Object.keys(envs).sort();
  if (names.length === 0) return pod;
  return updateProxy(pod, (proxy) => {
    const env = Array.isArray(proxy.env) ? proxy.env : [];
    const present = new Set<string>();
    const updated = env.map((e) => {
      if (!isJsonObject(e) || typeof e.name !== 'string' || !Object.hasOwn(envs, e.name)) return e;
      present.add(e.name);
      return { name: e.name, value: envs[e.name]! };
    });
    const appended = names.filter((name) => !present.has(name)).map((name) => ({ name, value: envs[name]! }));
    return { ...proxy, env: [...updated, ...appended] };
  });
}

function meshBool(mesh: JsonObject, field: string): boolean | undefined {
  const value = mesh[field];
  return typeof value === 'boolean' ? value : undefined;
}

/**
 * fast-json-patch deep-copies every object it puts in an operation. The result is frozen, so the operations can
 * hold the equal parts of the injected pod itself: the copies then die young instead of doubling what a cached
 * result keeps alive (which every garbage collection has to copy) and what has to be frozen.
 */
function valuesFromPod(patch: Operation[], pod: JsonObject): Operation[] {
  for (const operation of patch) {
    if (operation.op !== 'add' && operation.op !== 'replace') continue;
    if (typeof operation.value !== 'object' || operation.value === null) continue;
    const shared = valueAt(pod, operation.path);
    if (shared !== undefined) operation.value = shared;
  }
  return patch;
}

/** The value at an RFC 6901 pointer, or undefined when there is none. */
function valueAt(root: JsonValue, pointer: string): JsonValue | undefined {
  let node: JsonValue | undefined = root;
  for (let start = 1; start <= pointer.length;) {
    let end = pointer.indexOf('/', start);
    if (end < 0) end = pointer.length;
    const token = pointer.slice(start, end);
    const key = token.includes('~') ? token.replaceAll('~1', '/').replaceAll('~0', '~') : token;
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    if (Array.isArray(node) && key === 'length') return undefined;
    node = (node as Record<string, JsonValue>)[key];
    start = end + 1;
  }
  return node;
}

function withoutManagedFields(pod: JsonObject): JsonObject {
  const copy = cloneObject(pod);
  if (isJsonObject(copy.metadata)) Reflect.deleteProperty(copy.metadata, 'managedFields');
  return copy;
}

function namespaceOf(pod: JsonObject): string {
  return isJsonObject(pod.metadata) && typeof pod.metadata.namespace === 'string'
    ? pod.metadata.namespace
    : '';
}

function setNamespace(pod: JsonObject, namespace: string): void {
  if (!isJsonObject(pod.metadata)) pod.metadata = {};
  pod.metadata.namespace = namespace;
}

function asInjectionError(err: unknown): Error {
  if (err instanceof InjectionError) return err;
  if (err instanceof TemplateError || err instanceof TemplateMergeError || err instanceof YamlError) {
    return new InjectionError(err.message, { cause: err });
  }
  if (err instanceof Error && err.name !== 'TypeError' && err.name !== 'RangeError') {
    // Domain errors (annotation validation, prometheus ports, overrides, config) carry user-facing messages.
    return new InjectionError(err.message, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}
