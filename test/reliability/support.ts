// Shared machinery of the reliability tier: the operator as its own process (killed, frozen and restarted at will),
// workloads to roll, the checks every case ends with (converged, every pod injected, one restart per workload,
// pacing never exceeded), and the fault injectors the control plane does not have itself (etcd compaction, a TCP
// proxy that cuts the operator off from the API server).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { dump, load } from 'js-yaml';

import type { ControlPlane } from '../controlplane/controlplane.ts';
import { eventually } from '../controlplane/helpers.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../../src/inject/types.ts';
import {
  isAlreadyExists,
  resourceForKind,
  resourcePath,
  type KubeClient,
  type ResourceRef,
} from '../../src/kube/client.ts';
import { mergePatch } from '../../src/kube/patch.ts';

export { eventually };

const root = join(import.meta.dirname, '..', '..');
export const operatorNamespace = 'mesh-injector-system';
export const restartedForAnnotation = 'injection.mesh-injector.dev/restarted-for';
export const restartedAtAnnotation = 'injection.mesh-injector.dev/restarted-at';
export const templateRestartedAtAnnotation = 'kubectl.kubernetes.io/restartedAt';
export const sidecarStatusAnnotation = 'sidecar.istio.io/status';

export const miRef = (namespace: string): ResourceRef => ({
  apiVersion: 'injection.mesh-injector.dev/v1alpha1',
  resource: 'meshinjections',
  namespace,
  name: 'default',
});
export const deploymentsRef = (namespace: string): ResourceRef => ({
  apiVersion: 'apps/v1',
  resource: 'deployments',
  namespace,
});

// ---------------------------------------------------------------------------------------------------------------
// Small readers

/** A nested field of a JSON value, undefined as soon as a step is missing. */
export function field(value: JsonValue | undefined, ...path: string[]): JsonValue | undefined {
  let at = value;
  for (const key of path) {
    if (!isJsonObject(at)) return undefined;
    at = Object.hasOwn(at, key) ? at[key] : undefined;
  }
  return at;
}

export function text(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

export function num(value: JsonValue | undefined): number {
  return typeof value === 'number' ? value : 0;
}

export function objects(value: JsonValue | undefined): JsonObject[] {
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

export function nameOf(obj: JsonObject): string {
  return text(field(obj, 'metadata', 'name'));
}

export function annotationsOf(obj: JsonObject): JsonObject {
  const annotations = field(obj, 'metadata', 'annotations');
  return isJsonObject(annotations) ? annotations : {};
}

export function labelsOf(obj: JsonObject): JsonObject {
  const labels = field(obj, 'metadata', 'labels');
  return isJsonObject(labels) ? labels : {};
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A deterministic generator (mulberry32), so a failing run can be repeated from its printed seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of a randomised case: MESH_INJECTOR_RELIABILITY_SEED when set (to replay a run), else fresh. */
export function caseSeed(): number {
  const given = process.env.MESH_INJECTOR_RELIABILITY_SEED;
  if (given !== undefined && given !== '') {
    const seed = Number(given);
    if (!Number.isInteger(seed))
      throw new Error(`MESH_INJECTOR_RELIABILITY_SEED must be an integer, got ${given}`);
    return seed;
  }
  return Math.floor(Math.random() * 2 ** 31);
}

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

export function secondsSince(startMs: number): number {
  return Math.round((Date.now() - startMs) / 100) / 10;
}

// ---------------------------------------------------------------------------------------------------------------
// The operator process

export interface OperatorProcessOptions {
  /** POD_NAME, the prefix of its leader identity. */
  readonly name: string;
  readonly webhookPort: number;
  readonly metricsPort: number;
  /** Where the MWC points; default this replica's own webhook. */
  readonly webhookUrl?: string;
  /** Default the control plane's admin kubeconfig. */
  readonly kubeconfigPath?: string;
  readonly leaderElect?: boolean;
  readonly extraArgs?: readonly string[];
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const liveOperators = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * `mesh-injector operator` as users run it, restartable: every run appends to the same output, so assertions (and
 * failure reports) see the whole story. The process dies with the test process.
 */
export class OperatorProcess {
  readonly options: OperatorProcessOptions;
  readonly #cp: ControlPlane;
  #child: ChildProcess | undefined;
  #exited: Promise<ExitInfo> = Promise.resolve({ code: null, signal: null });
  #output = '';
  #runs = 0;
  /** Everything the process printed, also on disk (kept with the control plane's files when asked to). */
  readonly logPath: string;

  constructor(cp: ControlPlane, options: OperatorProcessOptions) {
    this.#cp = cp;
    this.options = options;
    this.logPath = join(cp.dir, 'logs', `operator-${options.name}.log`);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', () => {
        for (const child of liveOperators) child.kill('SIGKILL');
      });
    }
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get runs(): number {
    return this.#runs;
  }

  get metricsUrl(): string {
    return `http://127.0.0.1:${this.options.metricsPort}`;
  }

  start(): void {
    if (this.#child !== undefined) throw new Error(`operator ${this.options.name} is already running`);
    const o = this.options;
    const args = [
      'src/cli/main.ts',
      'operator',
      `--kubeconfig=${o.kubeconfigPath ?? this.#cp.kubeconfigPath}`,
      `--namespace=${operatorNamespace}`,
      `--webhook-url=${o.webhookUrl ?? `https://127.0.0.1:${o.webhookPort}/inject`}`,
      `--webhook-address=127.0.0.1:${o.webhookPort}`,
      `--metrics-address=127.0.0.1:${o.metricsPort}`,
      `--leader-elect=${(o.leaderElect ?? true) ? 'true' : 'false'}`,
      '--lame-duck=0s',
      '--log-level=info',
      ...(o.extraArgs ?? []),
    ];
    this.#runs += 1;
    this.#append(`\n=== ${o.name} run ${this.#runs} at ${new Date().toISOString()}\n`);
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, POD_NAME: o.name },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const append = (b: Buffer): void => {
      this.#append(b.toString());
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    liveOperators.add(child);
    this.#child = child;
    this.#exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        liveOperators.delete(child);
        if (this.#child === child) this.#child = undefined;
        this.#append(
          `=== ${o.name} run ${this.#runs} exited: code ${String(code)} signal ${String(signal)}\n`,
        );
        resolve({ code, signal });
      });
    });
  }

  #append(chunk: string): void {
    this.#output += chunk;
    try {
      appendFileSync(this.logPath, chunk);
    } catch {
      // The control plane's directory is gone (stopped): memory keeps the output.
    }
  }

  /** Resolves with how the current run ended (at once when not running). */
  get exited(): Promise<ExitInfo> {
    return this.#exited;
  }

  /** Sends `signal` and waits for the exit. */
  async kill(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<ExitInfo> {
    const child = this.#child;
    if (child === undefined) return this.#exited;
    const exited = this.#exited;
    child.kill(signal);
    return exited;
  }

  /** SIGTERM, then SIGKILL if the process has not exited within `graceMs` (a cleanup must never hang). */
  async stop(graceMs = 10_000): Promise<ExitInfo> {
    const child = this.#child;
    if (child === undefined) return this.#exited;
    const exited = this.#exited;
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGSTOP: the process keeps its sockets and answers nothing. */
  pause(): void {
    this.#child?.kill('SIGSTOP');
  }

  resume(): void {
    this.#child?.kill('SIGCONT');
  }

  output(): string {
    return this.#output;
  }

  tail(chars = 4000): string {
    return this.#output.slice(-chars);
  }

  /** Every JSON log record so far. */
  records(): JsonObject[] {
    const out: JsonObject[] = [];
    for (const line of this.#output.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const record = JSON.parse(line) as JsonValue;
        if (isJsonObject(record)) out.push(record);
      } catch {
        // A line cut by a kill: not a record.
      }
    }
    return out;
  }

  /** The `msg` of every JSON log record so far. */
  messages(): string[] {
    return this.records().map((r) => text(r.msg));
  }

  /** GET /healthz on the metrics port: the status, or undefined when nothing answered within `timeoutMs`. */
  async healthz(timeoutMs = 3000): Promise<number | undefined> {
    try {
      const res = await fetch(`${this.metricsUrl}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
      await res.text();
      return res.status;
    } catch {
      return undefined;
    }
  }

  async metrics(): Promise<string> {
    const res = await fetch(`${this.metricsUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
    return res.text();
  }
}

/** Sum of the samples of `name` whose labels include every pair in `labels` (Prometheus text format). */
export function metricSum(
  exposition: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  let total = 0;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (match === null || match[1] !== name) continue;
    const present = new Map<string, string>();
    for (const pair of (match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      present.set(pair[1] ?? '', pair[2] ?? '');
    }
    if (Object.entries(labels).every(([k, v]) => present.get(k) === v)) total += Number(match[4]);
  }
  return total;
}

// ---------------------------------------------------------------------------------------------------------------
// Cluster setup

export function kubectl(cp: ControlPlane, ...args: string[]): string {
  const run = spawnSync(cp.kubectlPath, [`--kubeconfig=${cp.kubeconfigPath}`, ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

/** Installs the MeshInjection CRD from crds/ and waits until it is served. */
export async function installCrd(cp: ControlPlane, client: KubeClient): Promise<void> {
  kubectl(cp, 'apply', '-f', join(root, 'crds', 'meshinjection.yaml'));
  kubectl(cp, 'wait', '--for=condition=Established', 'crd/meshinjections.injection.mesh-injector.dev');
  await eventually('meshinjections to be listable', () =>
    client.request({
      path: resourcePath({ apiVersion: 'injection.mesh-injector.dev/v1alpha1', resource: 'meshinjections' }),
    }),
  );
}

/** The admin kubeconfig with another server address (a proxy in front of the API server). */
export function kubeconfigVia(cp: ControlPlane, server: string, fileName: string): string {
  const config = load(readFileSync(cp.kubeconfigPath, 'utf8')) as JsonObject;
  for (const cluster of objects(config.clusters)) {
    if (isJsonObject(cluster.cluster)) cluster.cluster.server = server;
  }
  const path = join(cp.dir, fileName);
  writeFileSync(path, dump(config), { mode: 0o600 });
  return path;
}

export async function create(client: KubeClient, obj: JsonObject): Promise<JsonObject> {
  const apiVersion = text(obj.apiVersion);
  const kind = text(obj.kind);
  const namespace = text(field(obj, 'metadata', 'namespace'));
  const resource = resourceForKind(kind);
  return client.request({
    method: 'POST',
    path: resourcePath({ apiVersion, resource, ...(namespace === '' ? {} : { namespace }) }),
    body: obj,
  });
}

/** Creates `objs` a few at a time (an AlreadyExists is fine: setup may be re-run by a retry). */
export async function createAll(
  client: KubeClient,
  objs: readonly JsonObject[],
  parallel = 10,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < objs.length) {
      const obj = objs[next++]!;
      try {
        await create(client, obj);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, objs.length) }, worker));
}

export async function createNamespace(
  client: KubeClient,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<void> {
  await create(client, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...labels } } });
  // Pods are refused until the namespace's default ServiceAccount exists.
  await eventually(`service account ${name}/default`, () =>
    client.request({ path: `/api/v1/namespaces/${name}/serviceaccounts/default` }),
  );
}

/** Sets (string) or removes (null) namespace labels. */
export async function labelNamespace(
  client: KubeClient,
  name: string,
  labels: Readonly<Record<string, string | null>>,
): Promise<void> {
  await mergePatch(
    client,
    { apiVersion: 'v1', resource: 'namespaces', name },
    { metadata: { labels: { ...labels } } },
  );
}

/** The MeshInjection of `namespace`, created by the test before the label so the spec (pacing) is ours. */
export async function createMeshInjection(
  client: KubeClient,
  namespace: string,
  spec: JsonObject,
): Promise<void> {
  await client.request({
    method: 'POST',
    path: resourcePath({ apiVersion: miRef(namespace).apiVersion, resource: 'meshinjections', namespace }),
    body: {
      apiVersion: 'injection.mesh-injector.dev/v1alpha1',
      kind: 'MeshInjection',
      metadata: { name: 'default', namespace },
      spec,
    },
  });
}

export function deployment(namespace: string, name: string, replicas = 1): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [{ name: 'app', image: 'example.com/app:1' }],
        },
      },
    },
  };
}

/** Zero-padded names, so lists sort the way they were created. */
export function names(prefix: string, count: number): string[] {
  const width = String(count - 1).length;
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(width, '0')}`);
}

/** Whether `kubectl rollout status` would call this Deployment's rollout finished (written apart from the
 * operator's own reading of it, so the suite does not check the code with itself). */
export function deploymentRolledOut(d: JsonObject): boolean {
  const want = typeof field(d, 'spec', 'replicas') === 'number' ? num(field(d, 'spec', 'replicas')) : 1;
  const generation = num(field(d, 'metadata', 'generation'));
  const observed = num(field(d, 'status', 'observedGeneration'));
  const replicas = num(field(d, 'status', 'replicas'));
  const updated = num(field(d, 'status', 'updatedReplicas'));
  const available = num(field(d, 'status', 'availableReplicas'));
  return observed >= generation && updated >= want && replicas <= updated && available >= updated;
}

export async function listDeployments(client: KubeClient, namespace: string): Promise<JsonObject[]> {
  return objects((await client.request({ path: resourcePath(deploymentsRef(namespace)) })).items);
}

/** Waits until every Deployment of `namespace` (and there are `count`) has rolled out. */
export async function waitDeploymentsReady(
  client: KubeClient,
  namespace: string,
  count: number,
  timeoutMs = 120_000,
): Promise<void> {
  let last = 'nothing listed yet';
  try {
    await eventually(
      `${count} Deployments in ${namespace} rolled out`,
      async () => {
        const all = await listDeployments(client, namespace);
        const ready = all.filter(deploymentRolledOut).length;
        last = `${ready} of ${all.length} rolled out`;
        return all.length === count && ready === count;
      },
      { timeoutMs, intervalMs: 500 },
    );
  } catch (err) {
    throw new Error(`${errorText(err)}; last seen: ${last}`, { cause: err });
  }
}

/** Pods of `namespace` that are not being deleted. */
export async function livePods(client: KubeClient, namespace: string): Promise<JsonObject[]> {
  const list = await client.request({ path: `/api/v1/namespaces/${namespace}/pods` });
  return objects(list.items).filter(
    (p) =>
      field(p, 'metadata', 'deletionTimestamp') === undefined &&
      text(field(p, 'status', 'phase')) !== 'Succeeded',
  );
}

export function containerNames(pod: JsonObject): string[] {
  return [...objects(field(pod, 'spec', 'initContainers')), ...objects(field(pod, 'spec', 'containers'))].map(
    (c) => text(c.name),
  );
}

/** Injected the way users check it: the status annotation, the revision label and the proxy container. */
export function isInjected(pod: JsonObject, revision = 'default'): boolean {
  return (
    typeof annotationsOf(pod)[sidecarStatusAnnotation] === 'string' &&
    labelsOf(pod)['istio.io/rev'] === revision &&
    containerNames(pod).includes('istio-proxy')
  );
}

export async function readMeshInjection(
  client: KubeClient,
  namespace: string,
): Promise<JsonObject | undefined> {
  try {
    return await client.request({ path: resourcePath(miRef(namespace)) });
  } catch {
    return undefined;
  }
}

export function condition(mi: JsonObject | undefined, type: string): JsonObject | undefined {
  return objects(field(mi, 'status', 'conditions')).find((c) => c.type === type);
}

/**
 * Waits for the outcome every case ends with: MeshInjection Converged, `pods` live pods, every one injected, and
 * the status counting exactly those. Returns the status.
 */
export async function waitConverged(
  client: KubeClient,
  namespace: string,
  pods: number,
  timeoutMs: number,
): Promise<JsonObject> {
  let last = '';
  try {
    return await eventually(
      `${namespace}: Converged with ${pods}/${pods} pods injected`,
      async () => {
        const mi = await readMeshInjection(client, namespace);
        const status = field(mi, 'status');
        const converged = condition(mi, 'Converged');
        const live = await livePods(client, namespace);
        const injected = live.filter((p) => isInjected(p)).length;
        last =
          `Converged=${text(converged?.status)} (${text(converged?.reason)}: ${text(converged?.message)}), ` +
          `status ${text(field(status, 'injectedOfTotal'))}, live pods ${injected}/${live.length} injected`;
        return converged?.status === 'True' &&
          text(field(status, 'injectedOfTotal')) === `${pods}/${pods}` &&
          live.length === pods &&
          injected === pods &&
          isJsonObject(status)
          ? status
          : undefined;
      },
      { timeoutMs, intervalMs: 1000 },
    );
  } catch (err) {
    throw new Error(`${errorText(err)}; last seen: ${last}\n${await describeNamespace(client, namespace)}`, {
      cause: err,
    });
  }
}

/** What a failure report needs about a namespace: the status rows, each Deployment's rollout and its pods. */
export async function describeNamespace(client: KubeClient, namespace: string): Promise<string> {
  try {
    const lines: string[] = [];
    const mi = await readMeshInjection(client, namespace);
    for (const c of objects(field(mi, 'status', 'conditions'))) {
      lines.push(`condition ${text(c.type)}=${text(c.status)} ${text(c.reason)}: ${text(c.message)}`);
    }
    for (const row of objects(field(mi, 'status', 'workloads'))) {
      lines.push(
        `row ${text(row.kind)}/${text(row.name)} ${text(row.state)} ${text(row.reason)}: ${text(row.message)}`,
      );
    }
    for (const d of await listDeployments(client, namespace)) {
      const s = field(d, 'status');
      lines.push(
        `deployment ${nameOf(d)} restarted-for=${text(annotationsOf(d)[restartedForAnnotation])} ` +
          `gen ${num(field(d, 'metadata', 'generation'))}/${num(field(s, 'observedGeneration'))} ` +
          `replicas ${num(field(s, 'replicas'))} updated ${num(field(s, 'updatedReplicas'))} ` +
          `available ${num(field(s, 'availableReplicas'))}`,
      );
    }
    const pods = await client.request({ path: `/api/v1/namespaces/${namespace}/pods` });
    for (const p of objects(pods.items)) {
      lines.push(
        `pod ${nameOf(p)} phase ${text(field(p, 'status', 'phase'))} injected ${isInjected(p)} ` +
          `deleting ${field(p, 'metadata', 'deletionTimestamp') !== undefined}`,
      );
    }
    return lines.join('\n');
  } catch (err) {
    return `(could not describe ${namespace}: ${errorText(err)})`;
  }
}

export interface RestartRecord {
  readonly restartedFor: string;
  readonly restartedAt: string;
  readonly templateRestartedAt: string;
  /** ReplicaSets the Deployment owns: 1 before any restart, 2 after exactly one. */
  readonly replicaSets: number;
  /** `deployment.kubernetes.io/revision`. */
  readonly revision: string;
}

/** What the cluster says about each Deployment's restarts. */
export async function restartRecords(
  client: KubeClient,
  namespace: string,
): Promise<Map<string, RestartRecord>> {
  const [deployments, replicaSets] = await Promise.all([
    listDeployments(client, namespace),
    client.request({ path: `/apis/apps/v1/namespaces/${namespace}/replicasets` }),
  ]);
  const owned = new Map<string, number>();
  for (const rs of objects(replicaSets.items)) {
    for (const ref of objects(field(rs, 'metadata', 'ownerReferences'))) {
      if (ref.kind === 'Deployment' && ref.controller === true) {
        owned.set(text(ref.name), (owned.get(text(ref.name)) ?? 0) + 1);
      }
    }
  }
  const out = new Map<string, RestartRecord>();
  for (const d of deployments) {
    const annotations = annotationsOf(d);
    const template = field(d, 'spec', 'template', 'metadata', 'annotations');
    out.set(nameOf(d), {
      restartedFor: text(annotations[restartedForAnnotation]),
      restartedAt: text(annotations[restartedAtAnnotation]),
      templateRestartedAt: text(field(template, templateRestartedAtAnnotation)),
      replicaSets: owned.get(nameOf(d)) ?? 0,
      revision: text(annotations['deployment.kubernetes.io/revision']),
    });
  }
  return out;
}

/** Deployments whose history is not exactly one restart for `cause`, described; empty when all are right. */
export function restartProblems(records: ReadonlyMap<string, RestartRecord>, cause: string): string[] {
  const problems: string[] = [];
  for (const [name, r] of records) {
    if (r.restartedFor !== cause)
      problems.push(`${name}: restarted-for "${r.restartedFor}", want "${cause}"`);
    if (r.replicaSets !== 2) problems.push(`${name}: ${r.replicaSets} ReplicaSets, want 2 (one restart)`);
    if (r.revision !== '2') problems.push(`${name}: deployment revision ${r.revision}, want 2`);
    if (r.templateRestartedAt === '' || r.templateRestartedAt !== r.restartedAt) {
      problems.push(
        `${name}: template restartedAt "${r.templateRestartedAt}" vs restarted-at "${r.restartedAt}"`,
      );
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Watching a rollout from outside

/**
 * Samples a namespace's Deployments continuously while a rollout runs: how many of the operator's restarts roll at
 * once (rollout incomplete, our restart annotation present), and every distinct restart time each Deployment ever
 * carried. One list per sample, so each sample is a consistent snapshot.
 */
export class RolloutSampler {
  readonly #client: KubeClient;
  readonly #namespace: string;
  readonly #intervalMs: number;
  #stopped = false;
  #loop: Promise<void> = Promise.resolve();
  samples = 0;
  errors = 0;
  maxRolling = 0;
  /** The rolling set at the worst moment, for the failure message. */
  worst: string[] = [];
  /** Restarted Deployments in the last sample. */
  restarted = 0;
  readonly restartTimes = new Map<string, Set<string>>();

  constructor(client: KubeClient, namespace: string, intervalMs = 150) {
    this.#client = client;
    this.#namespace = namespace;
    this.#intervalMs = intervalMs;
  }

  start(): this {
    this.#loop = (async () => {
      while (!this.#stopped) {
        await this.sample();
        await sleep(this.#intervalMs);
      }
    })();
    return this;
  }

  async sample(): Promise<void> {
    let deployments: JsonObject[];
    try {
      deployments = await listDeployments(this.#client, this.#namespace);
    } catch {
      // The API server may be down on purpose; the next sample tries again.
      this.errors++;
      return;
    }
    this.samples++;
    const rolling: string[] = [];
    let restarted = 0;
    for (const d of deployments) {
      const annotations = annotationsOf(d);
      const cause = text(annotations[restartedForAnnotation]);
      if (cause === '') continue;
      restarted++;
      const at = text(annotations[restartedAtAnnotation]);
      const name = nameOf(d);
      const seen = this.restartTimes.get(name) ?? new Set<string>();
      seen.add(at);
      this.restartTimes.set(name, seen);
      if (!deploymentRolledOut(d)) rolling.push(name);
    }
    this.restarted = restarted;
    if (rolling.length > this.maxRolling) {
      this.maxRolling = rolling.length;
      this.worst = rolling;
    }
  }

  /** Deployments seen with more than one restart time. */
  restartedMoreThanOnce(): string[] {
    return [...this.restartTimes]
      .filter(([, times]) => times.size > 1)
      .map(([name, times]) => `${name}: ${[...times].join(', ')}`);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Fault injectors

/** The etcd client URL of the control plane (from its command line). */
export function etcdUrl(cp: ControlPlane): string {
  const flag = cp.component('etcd').args.find((a) => a.startsWith('--listen-client-urls='));
  if (flag === undefined) throw new Error('etcd has no --listen-client-urls flag');
  return flag.slice('--listen-client-urls='.length).split(',')[0]!;
}

/**
 * Compacts etcd's history up to its current revision through the v3 HTTP/JSON gateway, as the API server's own
 * periodic compaction does: any watch from an older resourceVersion that reaches etcd then fails with 410 Gone.
 * Returns the revision compacted at.
 */
export async function compactEtcd(cp: ControlPlane): Promise<number> {
  const url = etcdUrl(cp);
  const range = await fetch(`${url}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: Buffer.from('/registry/namespaces/default').toString('base64') }),
  });
  if (!range.ok) throw new Error(`etcd range: HTTP ${range.status}: ${await range.text()}`);
  const revision = Number(field((await range.json()) as JsonValue, 'header', 'revision'));
  if (!Number.isInteger(revision) || revision < 1) throw new Error(`etcd range: no header.revision`);
  const compaction = await fetch(`${url}/v3/kv/compaction`, {
    method: 'POST',
    body: JSON.stringify({ revision: String(revision), physical: true }),
  });
  if (!compaction.ok)
    throw new Error(`etcd compaction: HTTP ${compaction.status}: ${await compaction.text()}`);
  return revision;
}

/**
 * A TCP proxy in front of the API server, for one client: `cut()` drops every connection and refuses new ones (the
 * client is partitioned from the API server while the rest of the cluster works on), `heal()` lets it through again.
 * TLS passes through untouched, so the client still verifies the API server.
 */
export class ApiServerProxy {
  readonly #server: Server;
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  #cut = false;
  refused = 0;

  private constructor(server: Server, target: { host: string; port: number }) {
    this.#server = server;
    this.#target = target;
  }

  static async start(apiServerUrl: string): Promise<ApiServerProxy> {
    const url = new URL(apiServerUrl);
    const server = createServer();
    const proxy = new ApiServerProxy(server, { host: url.hostname, port: Number(url.port) });
    server.on('connection', (socket) => {
      proxy.#accept(socket);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return proxy;
  }

  get url(): string {
    return `https://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  #accept(client: Socket): void {
    if (this.#cut) {
      this.refused++;
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.#target.port, this.#target.host);
    for (const s of [client, upstream]) {
      this.#sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => {
        this.#sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Resets every open connection and refuses new ones until heal(). */
  cut(): void {
    this.#cut = true;
    for (const s of this.#sockets) s.resetAndDestroy();
    this.#sockets.clear();
  }

  heal(): void {
    this.#cut = false;
  }

  async close(): Promise<void> {
    this.cut();
    this.#server.close();
    await once(this.#server, 'close');
  }
}
