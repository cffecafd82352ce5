// Shared machinery of the reliability tier: workloads to roll, the checks every case ends with (converged, every pod
// injected, one restart per workload, pacing never exceeded), and the fault injectors the control plane does not
// have itself (etcd compaction, a TCP proxy that cuts the operator off from the API server). The operator process
// and the generic Kubernetes helpers live in test/support/ and are re-exported here for the cases.
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { dump, load } from 'js-yaml';

import type { ControlPlane } from '../controlplane/controlplane.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../../src/inject/types.ts';
import { isAlreadyExists, resourcePath, type KubeClient, type ResourceRef } from '../../src/kube/client.ts';
import {
  create,
  createMeshInjection,
  createNamespace,
  deployment,
  errorText,
  eventually,
  field,
  getMeshInjection,
  num,
  objects,
  text,
} from '../support/k8s.ts';

export * from '../support/k8s.ts';
export { metricSum, OperatorProcess, type ExitStatus } from '../support/operator-process.ts';

export const restartedForAnnotation = 'injection.mesh-injector.dev/restarted-for';
export const restartedAtAnnotation = 'injection.mesh-injector.dev/restarted-at';
export const templateRestartedAtAnnotation = 'kubectl.kubernetes.io/restartedAt';
export const sidecarStatusAnnotation = 'sidecar.istio.io/status';

export const deploymentsRef = (namespace: string): ResourceRef => ({
  apiVersion: 'apps/v1',
  resource: 'deployments',
  namespace,
});

// ---------------------------------------------------------------------------------------------------------------
// Small readers

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

export function secondsSince(startMs: number): number {
  return Math.round((Date.now() - startMs) / 100) / 10;
}

// ---------------------------------------------------------------------------------------------------------------
// Cluster setup

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

/** Zero-padded names, so lists sort the way they were created. */
export function names(prefix: string, count: number): string[] {
  const width = String(count - 1).length;
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(width, '0')}`);
}

/**
 * A namespace not yet in the mesh with `count` Deployments named `<prefix>-NN`, rolled out, and its MeshInjection
 * created with `spec` (the test's pacing) before any label.
 */
export async function createFleet(
  client: KubeClient,
  namespace: string,
  fleet: {
    readonly prefix: string;
    readonly count: number;
    readonly spec: JsonObject;
    readonly timeoutMs?: number;
  },
): Promise<void> {
  await createNamespace(client, namespace);
  await createMeshInjection(client, namespace, fleet.spec);
  await createAll(
    client,
    names(fleet.prefix, fleet.count).map((name) => deployment(namespace, name)),
  );
  await waitDeploymentsReady(client, namespace, fleet.count, fleet.timeoutMs);
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
        const mi = await getMeshInjection(client, namespace);
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
    const mi = await getMeshInjection(client, namespace);
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
