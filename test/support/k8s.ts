// Kubernetes objects and API calls shared by the integration and reliability tests, the benchmarks and the demo:
// one builder or helper for each thing, so that a fix (a wait for the ServiceAccount pods need, a field read that
// ignores inherited properties) reaches every caller at once.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';

import { load } from 'js-yaml';

import { eventually, type EventuallyOptions } from '../controlplane/helpers.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../../src/inject/types.ts';
import {
  isAlreadyExists,
  resourceForKind,
  resourcePath,
  type KubeClient,
  type ResourceRef,
} from '../../src/kube/client.ts';
import { mergePatch } from '../../src/kube/patch.ts';

export { eventually, type EventuallyOptions };

export const repoRoot = join(import.meta.dirname, '..', '..');
/** Where the operator keeps its certificate Secret and Lease in every test, benchmark and the demo. */
export const operatorNamespace = 'mesh-injector-system';

const meshInjectionApiVersion = 'injection.mesh-injector.dev/v1alpha1';
const crdPath = join(repoRoot, 'crds', 'meshinjection.yaml');

// ---------------------------------------------------------------------------------------------------------------
// Reading JSON objects

/** A nested field of a JSON value, undefined as soon as a step is missing (own properties only: `__proto__` and
 * `constructor` are data here, never the prototype). */
export function field(value: JsonValue | undefined, ...path: string[]): JsonValue | undefined {
  let at = value;
  for (const key of path) {
    if (!isJsonObject(at)) return undefined;
    at = Object.hasOwn(at, key) ? at[key] : undefined;
  }
  return at;
}

/** The value when it is a string, else ''. */
export function text(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

/** The value when it is a number, else 0. */
export function num(value: JsonValue | undefined): number {
  return typeof value === 'number' ? value : 0;
}

/** The objects of a JSON array (anything else: none). */
export function objects(value: JsonValue | undefined): JsonObject[] {
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// ---------------------------------------------------------------------------------------------------------------
// Local ports and kubectl

/** `count` distinct loopback ports nobody listens on right now: each stays bound until all are known, so the
 * kernel cannot hand out one twice, and all are released before this returns. */
export async function freePorts(count: number): Promise<number[]> {
  const held: Server[] = [];
  try {
    while (held.length < count) {
      const server = createServer().listen(0, '127.0.0.1');
      held.push(server);
      await once(server, 'listening');
    }
    return held.map((server) => (server.address() as AddressInfo).port);
  } finally {
    await Promise.all(held.map((server) => new Promise((closed) => server.close(closed))));
  }
}

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('freePorts(1) returned no port');
  return port;
}

/** What kubectl needs of a control plane. */
export interface KubectlTarget {
  readonly kubectlPath: string;
  readonly kubeconfigPath: string;
}

/** Runs the control plane's kubectl as its admin; stdout, or an error with kubectl's stderr. */
export function kubectl(cp: KubectlTarget, args: readonly string[], input?: string): string {
  const run = spawnSync(cp.kubectlPath, [`--kubeconfig=${cp.kubeconfigPath}`, ...args], {
    encoding: 'utf8',
    // `get -o json` of thousands of objects (the benchmarks) is far beyond the 1 MiB default.
    maxBuffer: 256 * 1024 * 1024,
    ...(input === undefined ? {} : { input }),
  });
  if (run.status !== 0) {
    const why = run.error?.message ?? (run.signal === null ? `exit ${String(run.status)}` : run.signal);
    throw new Error(`kubectl ${args.join(' ')} failed (${why}):\n${run.stderr}`);
  }
  return run.stdout;
}

// ---------------------------------------------------------------------------------------------------------------
// API helpers

/** The MeshInjection the operator keeps in `namespace` (always named `default`). */
export const miRef = (namespace: string): ResourceRef => ({
  apiVersion: meshInjectionApiVersion,
  resource: 'meshinjections',
  namespace,
  name: 'default',
});

/** POSTs `obj` to its collection; `resource` is needed only for kinds src/kube/client.ts does not know. */
export async function create(client: KubeClient, obj: JsonObject, resource?: string): Promise<JsonObject> {
  const apiVersion = text(obj.apiVersion) || 'v1';
  const namespace = text(field(obj, 'metadata', 'namespace'));
  return client.request({
    method: 'POST',
    path: resourcePath({
      apiVersion,
      resource: resource ?? resourceForKind(text(obj.kind)),
      ...(namespace === '' ? {} : { namespace }),
    }),
    body: obj,
  });
}

/** Waits for the namespace's default ServiceAccount: the API server refuses pods until it exists. */
export async function waitForServiceAccount(
  client: KubeClient,
  namespace: string,
  timeoutMs = 60_000,
): Promise<void> {
  await eventually(
    `service account ${namespace}/default`,
    () => client.request({ path: `/api/v1/namespaces/${namespace}/serviceaccounts/default` }),
    { timeoutMs, intervalMs: 100 },
  );
}

/** Creates a namespace and waits until pods can be created in it. */
export async function createNamespace(
  client: KubeClient,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<void> {
  await create(client, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...labels } } });
  await waitForServiceAccount(client, name);
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

/** Creates the MeshInjection CRD from crds/ (kept if it exists) and waits until the API server serves it. */
export async function installCrd(client: KubeClient): Promise<JsonObject> {
  const crd = load(readFileSync(crdPath, 'utf8')) as JsonObject;
  const name = field(crd, 'metadata', 'name');
  if (typeof name !== 'string') throw new Error(`${crdPath}: no metadata.name`);
  const ref: ResourceRef = { apiVersion: 'apiextensions.k8s.io/v1', resource: 'customresourcedefinitions' };
  try {
    await client.request({ method: 'POST', path: resourcePath(ref), body: crd });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  await eventually('the MeshInjection CRD to be established', async () => {
    const live = await client.request({ path: resourcePath({ ...ref, name }) });
    return objects(field(live, 'status', 'conditions')).some(
      (c) => c.type === 'Established' && c.status === 'True',
    );
  });
  // Discovery lags establishment a little; a list proves the resource is served.
  await eventually('meshinjections to be listable', () =>
    client.request({
      path: resourcePath({ apiVersion: meshInjectionApiVersion, resource: 'meshinjections' }),
    }),
  );
  return crd;
}

/** Creates the MeshInjection of `namespace` with `spec`, e.g. before the label so that the pacing is the test's. */
export async function createMeshInjection(
  client: KubeClient,
  namespace: string,
  spec: JsonObject,
): Promise<JsonObject> {
  return create(client, {
    apiVersion: meshInjectionApiVersion,
    kind: 'MeshInjection',
    metadata: { name: 'default', namespace },
    spec,
  });
}

/** The MeshInjection of `namespace`, or undefined when there is none (or the API server did not answer). */
export async function getMeshInjection(
  client: KubeClient,
  namespace: string,
): Promise<JsonObject | undefined> {
  try {
    return await client.request({ path: resourcePath(miRef(namespace)) });
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Workloads

/** A pod spec kwok runs at once: one container, no grace period on deletion (rollouts do not wait). */
export function appPodSpec(extra: JsonObject = {}): JsonObject {
  return {
    terminationGracePeriodSeconds: 0,
    containers: [{ name: 'app', image: 'example.com/app:1' }],
    ...extra,
  };
}

export interface DeploymentShape {
  /** Default appPodSpec(). */
  readonly podSpec?: JsonObject;
  /** spec.strategy; default one surge pod and none unavailable, so a rollout never dips below its replicas.
   * null leaves it to the API server's default (25% surge, 25% unavailable). */
  readonly strategy?: JsonObject | null;
}

/** A Deployment of `replicas` pods labelled `app: <name>`. */
export function deployment(
  namespace: string,
  name: string,
  replicas = 1,
  shape: DeploymentShape = {},
): JsonObject {
  const strategy =
    shape.strategy === undefined
      ? { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }
      : shape.strategy;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      ...(strategy === null ? {} : { strategy }),
      template: { metadata: { labels: { app: name } }, spec: shape.podSpec ?? appPodSpec() },
    },
  };
}
