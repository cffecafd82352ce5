// The project's one Kubernetes client setup.
//
// `loadKubeConfig` finds credentials the way kubectl does (explicit file, KUBECONFIG, ~/.kube/config,
// then the pod's service account) and fails with a precise message instead of silently falling back
// to http://localhost:8080 as client-node's loadFromDefault does.
//
// `KubeClient` offers two ways to talk to the API server, both sharing one user agent and one
// client-side token bucket:
// - `api(CoreV1Api)` etc.: client-node's generated, typed clients;
// - `request` / `stream`: plain JSON over node:http(s) with keep-alive connections, for the runtime
//   itself (informers, patches, leases). Objects stay plain JSON (no Date conversion by the model
//   serializer, unknown fields kept), any resource path works (CRDs, subresources), and the
//   content type is always the caller's.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  ApiException,
  KubeConfig,
  ServerConfiguration,
  createConfiguration,
  type ApiConstructor,
  type ApiType,
  type Middleware,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { isJsonObject, type JsonObject, type JsonValue } from '../inject/types.ts';
import { version } from '../version.ts';
import { systemClock, type Clock } from './clock.ts';
import { TokenBucket } from './ratelimit.ts';

const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeConfigSource {
  /** A kubeconfig file; wins over everything else. */
  readonly kubeconfig?: string;
  /** A context to use instead of the file's current-context. */
  readonly context?: string;
  /** Environment to read KUBECONFIG, HOME and KUBERNETES_SERVICE_HOST from; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Prefix for the service-account files (tests); default none. */
  readonly inClusterRoot?: string;
}

function loadFile(kc: KubeConfig, file: string): void {
  try {
    kc.loadFromFile(file);
  } catch (err) {
    throw new Error(`cannot load kubeconfig ${file}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/** Merges `extra` into `kc` with kubectl's rule for KUBECONFIG lists: the first file to name an entry wins. */
function mergeFirstWins(kc: KubeConfig, extra: KubeConfig): void {
  for (const cluster of extra.clusters) if (kc.getCluster(cluster.name) === null) kc.addCluster(cluster);
  for (const user of extra.users) if (kc.getUser(user.name) === null) kc.addUser(user);
  for (const ctx of extra.contexts) if (kc.getContextObject(ctx.name) === null) kc.addContext(ctx);
  if (kc.currentContext === '' && extra.currentContext !== '') kc.currentContext = extra.currentContext;
}

/**
 * Loads credentials: `kubeconfig` if given, else the files in KUBECONFIG (merged, first wins), else
 * ~/.kube/config, else the in-cluster service account. Then applies `context`. Throws with what was
 * tried when nothing fits.
 */
export function loadKubeConfig(source: KubeConfigSource = {}): KubeConfig {
  const env = source.env ?? process.env;
  const kc = new KubeConfig();
  let origin: string;
  const envFiles = (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '');
  const home = env.HOME ?? homedir();
  const homeFile = join(home, '.kube', 'config');
  const root = source.inClusterRoot ?? '';
  if (source.kubeconfig !== undefined && source.kubeconfig !== '') {
    origin = source.kubeconfig;
    loadFile(kc, source.kubeconfig);
  } else if (envFiles.length > 0) {
    const present = envFiles.filter((f) => existsSync(f));
    if (present.length === 0)
      throw new Error(`KUBECONFIG names no existing file: ${envFiles.join(delimiter)}`);
    origin = `KUBECONFIG (${present.join(delimiter)})`;
    loadFile(kc, present[0]!);
    for (const file of present.slice(1)) {
      const extra = new KubeConfig();
      loadFile(extra, file);
      mergeFirstWins(kc, extra);
    }
  } else if (existsSync(homeFile)) {
    origin = homeFile;
    loadFile(kc, homeFile);
  } else if ((env.KUBERNETES_SERVICE_HOST ?? '') !== '' && existsSync(`${root}${serviceAccountDir}/token`)) {
    origin = 'in-cluster service account';
    kc.loadFromCluster(root);
  } else {
    throw new Error(
      'no Kubernetes credentials found: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, ' +
        'or run in a pod with a service account token',
    );
  }

  if (source.context !== undefined && source.context !== '') {
    if (kc.getContextObject(source.context) === null) {
      const known = kc.contexts.map((c) => c.name).join(', ');
      throw new Error(`${origin}: no context "${source.context}" (known: ${known === '' ? 'none' : known})`);
    }
    kc.setCurrentContext(source.context);
  }
  if (kc.getCurrentCluster() === null) {
    throw new Error(
      `${origin}: current context "${kc.currentContext}" does not name a cluster defined in the file`,
    );
  }
  return kc;
}

export interface KubeClientOptions {
  /** Sustained requests per second to the API server; default 50. */
  readonly qps?: number;
  /** Requests allowed at once after a quiet period; default 100. */
  readonly burst?: number;
  /** Default `mesh-injector/<version>`. */
  readonly userAgent?: string;
  /** Limit for one non-streaming request; default 60 s. */
  readonly requestTimeoutMs?: number;
  readonly clock?: Clock;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface KubeRequest {
  readonly method?: HttpMethod;
  /** Path below the server URL, e.g. `/api/v1/namespaces/default/pods`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Sent as JSON. */
  readonly body?: JsonValue;
  /** Content type of the body; default `application/json`. */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** Overrides the client's request timeout (non-streaming requests only). */
  readonly timeoutMs?: number;
}

/** What the runtime modules need from a client; tests substitute their own. */
export interface KubeRequester {
  request(req: KubeRequest): Promise<JsonObject>;
}

export function defaultUserAgent(): string {
  return `mesh-injector/${version}`;
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

async function readText(res: http.IncomingMessage): Promise<string> {
  res.setEncoding('utf8');
  let text = '';
  for await (const chunk of res) text += chunk as string;
  return text;
}

/** The error for a non-2xx answer: client-node's ApiException, with the body kept as the raw string. */
async function responseError(
  method: string,
  path: string,
  res: http.IncomingMessage,
): Promise<ApiException<string>> {
  const body = await readText(res).catch(() => '');
  const code = res.statusCode ?? 0;
  return new ApiException<string>(code, `${method} ${path}: HTTP ${code}`, body, flattenHeaders(res.headers));
}

export class KubeClient implements KubeRequester {
  readonly kubeConfig: KubeConfig;
  readonly userAgent: string;
  /** The API server URL, without a trailing slash. */
  readonly server: string;
  readonly #bucket: TokenBucket;
  readonly #timeoutMs: number;
  readonly #apis = new Map<unknown, unknown>();
  readonly #agents = new Map<string, http.Agent>();

  constructor(kubeConfig: KubeConfig, options: KubeClientOptions = {}) {
    const cluster = kubeConfig.getCurrentCluster();
    if (cluster === null)
      throw new Error(`kubeconfig context "${kubeConfig.currentContext}" names no cluster`);
    this.kubeConfig = kubeConfig;
    this.server = cluster.server.replace(/\/+$/, '');
    this.userAgent = options.userAgent ?? defaultUserAgent();
    this.#timeoutMs = options.requestTimeoutMs ?? 60_000;
    this.#bucket = new TokenBucket({
      qps: options.qps ?? 50,
      burst: options.burst ?? 100,
      clock: options.clock ?? systemClock,
    });
  }

  /** Loads credentials (see loadKubeConfig) and builds a client. */
  static load(source: KubeConfigSource = {}, options: KubeClientOptions = {}): KubeClient {
    return new KubeClient(loadKubeConfig(source), options);
  }

  /** The namespace of the current context, if it names one (in a pod: the pod's namespace). */
  get namespace(): string | undefined {
    const ns = this.kubeConfig.getContextObject(this.kubeConfig.currentContext)?.namespace?.trim();
    return ns === undefined || ns === '' ? undefined : ns;
  }

  /**
   * A typed client (CoreV1Api, AppsV1Api, ...) that sends this client's user agent and waits for its
   * token bucket. One instance per class. For PATCH calls pass `patchContentType(...)` from patch.ts
   * as the options argument: the generated code otherwise sends JSON Patch.
   */
  api<T extends ApiType>(ctor: ApiConstructor<T>): T {
    const cached = this.#apis.get(ctor);
    if (cached !== undefined) return cached as T;
    const limiter: Middleware = {
      pre: async (ctx: RequestContext) => {
        await this.#bucket.take();
        ctx.setHeaderParam('User-Agent', this.userAgent);
        return ctx;
      },
      post: (ctx: ResponseContext) => Promise.resolve(ctx),
    };
    const api = new ctor(
      createConfiguration({
        baseServer: new ServerConfiguration(this.server, {}),
        authMethods: { default: this.kubeConfig },
        promiseMiddleware: [limiter],
      }),
    );
    this.#apis.set(ctor, api);
    return api;
  }

  /** Sends one request and returns the JSON answer; a non-2xx answer throws an ApiException. */
  async request(req: KubeRequest): Promise<JsonObject> {
    const timeout = AbortSignal.timeout(req.timeoutMs ?? this.#timeoutMs);
    const signal = req.signal === undefined ? timeout : AbortSignal.any([req.signal, timeout]);
    const res = await this.#send(req, signal);
    const method = req.method ?? 'GET';
    if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) > 299)
      throw await responseError(method, req.path, res);
    const text = await readText(res);
    if (text.trim() === '') return {};
    const parsed = JSON.parse(text) as JsonValue;
    if (!isJsonObject(parsed)) throw new Error(`${method} ${req.path}: expected a JSON object in the answer`);
    return parsed;
  }

  /**
   * Opens a streaming GET (a watch) and returns the response once the status is 200; the caller
   * reads it and ends it by aborting `req.signal`. A non-200 answer throws an ApiException.
   */
  async stream(req: KubeRequest): Promise<http.IncomingMessage> {
    const res = await this.#send(req, req.signal);
    if (res.statusCode !== 200) throw await responseError(req.method ?? 'GET', req.path, res);
    return res;
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }

  async #send(req: KubeRequest, signal: AbortSignal | undefined): Promise<http.IncomingMessage> {
    const method = req.method ?? 'GET';
    const url = new URL(this.server + req.path);
    for (const [name, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers: http.OutgoingHttpHeaders = { Accept: 'application/json', 'User-Agent': this.userAgent };
    if (payload !== undefined) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    const options: https.RequestOptions = { method, headers };
    await this.kubeConfig.applyToHTTPSOptions(options);
    options.agent = this.#agentFor(url, options);
    if (!(await this.#bucket.take(signal))) throw abortError(signal);
    const transport = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const outgoing = transport.request(url, { ...options, signal }, resolve);
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
  }

  /**
   * A keep-alive agent per distinct TLS identity. client-node's own agent (kept when a proxy is
   * configured) does not keep connections alive, so every request would pay a TLS handshake.
   */
  #agentFor(url: URL, options: https.RequestOptions): http.Agent | undefined {
    if (this.kubeConfig.getCurrentCluster()?.proxyUrl !== undefined) {
      return options.agent instanceof http.Agent ? options.agent : undefined;
    }
    const tls = {
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      pfx: options.pfx,
      passphrase: options.passphrase,
      rejectUnauthorized: options.rejectUnauthorized,
      servername: options.servername,
    };
    const hash = createHash('sha256').update(url.protocol);
    for (const value of Object.values(tls)) hash.update(fingerprint(value)).update('|');
    const key = hash.digest('hex');
    let agent = this.#agents.get(key);
    if (agent === undefined) {
      const common = { keepAlive: true, keepAliveMsecs: 30_000 };
      agent = url.protocol === 'http:' ? new http.Agent(common) : new https.Agent({ ...common, ...tls });
      this.#agents.set(key, agent);
    }
    return agent;
  }
}

/** A stable text form of a TLS option (string, Buffer, or lists of them) for the agent cache key. */
function fingerprint(value: unknown): string {
  if (value === undefined) return '-';
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(fingerprint).join(',');
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number')
    return String(value);
  return JSON.stringify(value);
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  return new DOMException('The operation was aborted', 'AbortError');
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

export interface ApiStatus {
  /** HTTP status code. */
  readonly code: number;
  /** The Status reason (NotFound, Conflict, AlreadyExists, Expired, Gone, Invalid, ...), or '' if none. */
  readonly reason: string;
  readonly message: string;
  /** The Status `details` (causes, retryAfterSeconds, ...), if any. */
  readonly details?: JsonObject;
}

function parseBody(body: unknown): JsonObject | undefined {
  if (isJsonObject(body)) return body;
  if (typeof body !== 'string' || body === '') return undefined;
  try {
    const parsed = JSON.parse(body) as JsonValue;
    return isJsonObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function isApiException(err: unknown): err is ApiException<unknown> {
  if (err instanceof ApiException) return true;
  // A second copy of client-node (or a hand-made error) still carries the same shape.
  return (
    err instanceof Error &&
    typeof (err as { code?: unknown }).code === 'number' &&
    'body' in err &&
    'headers' in err
  );
}

/** The Kubernetes Status carried by an API error, or undefined for anything else (network, abort...). */
export function apiStatus(err: unknown): ApiStatus | undefined {
  if (!isApiException(err)) return undefined;
  const status = parseBody(err.body);
  const code = typeof status?.code === 'number' && status.code > 0 ? status.code : err.code;
  const reason = typeof status?.reason === 'string' ? status.reason : '';
  const message =
    typeof status?.message === 'string'
      ? status.message
      : typeof err.body === 'string' && err.body !== ''
        ? err.body.slice(0, 500)
        : `HTTP ${err.code}`;
  const details = status?.details;
  return isJsonObject(details) ? { code, reason, message, details } : { code, reason, message };
}

export function isNotFound(err: unknown): boolean {
  return apiStatus(err)?.code === 404;
}

/** An optimistic-concurrency conflict (409 other than AlreadyExists): re-read and try again. */
export function isConflict(err: unknown): boolean {
  const status = apiStatus(err);
  return status?.code === 409 && status.reason !== 'AlreadyExists';
}

export function isAlreadyExists(err: unknown): boolean {
  const status = apiStatus(err);
  return status?.code === 409 && status.reason === 'AlreadyExists';
}

/** 410: a resourceVersion or continue token too old for the server; list again from scratch. */
export function isGone(err: unknown): boolean {
  return apiStatus(err)?.code === 410;
}

/** A server-side apply conflict with another field manager: retrying the same apply cannot succeed. */
export function isFieldManagerConflict(err: unknown): boolean {
  const status = apiStatus(err);
  if (status?.code !== 409) return false;
  const causes = status.details?.causes;
  // A StatusCause's type travels in its `reason` field on the wire.
  return Array.isArray(causes) && causes.some((c) => isJsonObject(c) && c.reason === 'FieldManagerConflict');
}

export interface ResourceRef {
  /** `v1`, `apps/v1`, `injection.mesh-injector.dev/v1alpha1`, ... */
  readonly apiVersion: string;
  /** The plural resource name: `pods`, `deployments`, `meshinjections`. */
  readonly resource: string;
  /** Omit for cluster-scoped resources (and for listing across all namespaces). */
  readonly namespace?: string;
  /** Omit to address the collection. */
  readonly name?: string;
  /** `status`, `scale`, ... (needs `name`). */
  readonly subresource?: string;
}

const segment = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** The REST path of a resource, collection or subresource. */
export function resourcePath(ref: ResourceRef): string {
  const { apiVersion, resource, namespace, name, subresource } = ref;
  if (!/^([a-z0-9.-]+\/)?v[0-9]+([a-z]+[0-9]+)?$/.test(apiVersion)) {
    throw new Error(`resource path: invalid apiVersion "${apiVersion}"`);
  }
  if (!segment.test(resource))
    throw new Error(`resource path: invalid resource "${resource}" (want a plural like "pods")`);
  if (subresource !== undefined && (name === undefined || name === '')) {
    throw new Error(`resource path: subresource "${subresource}" of ${resource} needs a name`);
  }
  let path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  if (namespace !== undefined && namespace !== '') path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${resource}`;
  if (name !== undefined && name !== '') path += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) path += `/${encodeURIComponent(subresource)}`;
  return path;
}

/** Plural resource names of the kinds this project touches; anything else must name its resource. */
const knownResources: Readonly<Record<string, string>> = {
  Pod: 'pods',
  Namespace: 'namespaces',
  ConfigMap: 'configmaps',
  Secret: 'secrets',
  Service: 'services',
  ServiceAccount: 'serviceaccounts',
  Event: 'events',
  ReplicationController: 'replicationcontrollers',
  Deployment: 'deployments',
  ReplicaSet: 'replicasets',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  Job: 'jobs',
  CronJob: 'cronjobs',
  Lease: 'leases',
  MutatingWebhookConfiguration: 'mutatingwebhookconfigurations',
  ValidatingWebhookConfiguration: 'validatingwebhookconfigurations',
  CustomResourceDefinition: 'customresourcedefinitions',
  Role: 'roles',
  RoleBinding: 'rolebindings',
  ClusterRole: 'clusterroles',
  ClusterRoleBinding: 'clusterrolebindings',
  Rollout: 'rollouts',
  MeshInjection: 'meshinjections',
};

/** The plural resource for a kind this project knows; throws for others (pluralisation is irregular). */
export function resourceForKind(kind: string): string {
  const resource = knownResources[kind];
  if (resource === undefined)
    throw new Error(`no known resource for kind "${kind}": pass the plural resource name`);
  return resource;
}
