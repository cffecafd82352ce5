// What the cluster-scale benchmarks share: a control plane tuned for thousands of objects, with an audit log of
// everything the operator's user does; the operator as its own process (`mesh-injector operator`, as users run
// it, through test/support/operator-process.ts); and the small tools to load the cluster and watch it converge.
//
// The operator authenticates as its own user (`mesh-injector`), so the API server's audit log attributes its
// requests to it alone: writes are counted on the server side, not only by the operator's own metrics.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../../test/controlplane/controlplane.ts';
import {
  appPodSpec,
  create,
  deployment,
  eventually,
  installCrd,
  kubectl,
  num,
  operatorNamespace,
} from '../../test/support/k8s.ts';
import {
  OperatorProcess,
  waitForWebhookCaBundle,
  type LaunchOptions,
} from '../../test/support/operator-process.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../../src/inject/types.ts';
import { KubeClient, isAlreadyExists } from '../../src/kube/client.ts';
import { httpListerWatcher, Informer } from '../../src/kube/informer.ts';
import { createLogger } from '../../src/observability/logger.ts';

export { createMeshInjection, waitForServiceAccount } from '../../test/support/k8s.ts';
export type { OperatorProcess } from '../../test/support/operator-process.ts';

export const operatorUser = 'mesh-injector';

export const quietLogger = createLogger({ level: 'warn', fd: 2 });

/** The admin user of the control plane's kubeconfig (what kubectl runs as in the benchmarks). */
export const adminUser = 'admin';

// Everything the operator's user does; of the admin's requests only Deployment patches (kubectl rollout restart,
// the convergence baseline), so the log stays small.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    users: [${operatorUser}]
  - level: Metadata
    users: [${adminUser}]
    verbs: [patch]
    resources: [{ group: apps, resources: [deployments] }]
  - level: None
`;

export interface BenchClusterOptions {
  readonly nodes: number;
  /** QPS of the controller-manager's and scheduler's clients; the defaults (20 and 50) would make a
   * thousand-Deployment rollout measure the controller-manager's throttle instead of the system. */
  readonly componentQps?: number;
}

export interface BenchCluster {
  readonly cp: ControlPlane;
  /** Cluster admin, client-side limit high enough not to be what is measured. */
  readonly admin: KubeClient;
  readonly operatorKubeconfig: string;
  readonly auditLogPath: string;
  kubectl(...args: string[]): string;
  stop(): Promise<void>;
}

export async function startBenchCluster(options: BenchClusterOptions): Promise<BenchCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-injector-bench-'));
  const policyPath = join(dir, 'audit-policy.yaml');
  const auditLogPath = join(dir, 'audit.log');
  writeFileSync(policyPath, auditPolicy);
  const qps = options.componentQps ?? 500;
  const cp = await startControlPlane({
    nodes: options.nodes,
    startTimeoutMs: 180_000,
    extraFlags: {
      'kube-apiserver': [
        `--audit-policy-file=${policyPath}`,
        `--audit-log-path=${auditLogPath}`,
        '--audit-log-format=json',
        '--audit-log-maxsize=0',
        '--max-requests-inflight=1000',
        '--max-mutating-requests-inflight=500',
      ],
      'kube-controller-manager': [
        `--kube-api-qps=${qps}`,
        `--kube-api-burst=${qps * 2}`,
        '--concurrent-deployment-syncs=25',
        '--concurrent-replicaset-syncs=25',
        '--concurrent-gc-syncs=50',
      ],
      'kube-scheduler': [`--kube-api-qps=${qps}`, `--kube-api-burst=${qps * 2}`],
    },
  });
  const admin = new KubeClient(cp.kubeConfig, {
    qps: 5000,
    burst: 5000,
    userAgent: 'mesh-injector-bench',
    requestTimeoutMs: 120_000,
  });
  const operator = await cp.createUser(operatorUser, ['system:masters']);
  await installCrd(admin);
  await ensureNamespace(admin, operatorNamespace);
  return {
    cp,
    admin,
    operatorKubeconfig: operator.kubeconfigPath,
    auditLogPath,
    kubectl: (...args) => kubectl(cp, args),
    stop: async () => {
      await cp.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a namespace unless it exists. Many are created before any is waited for (waitForServiceAccount), so
 * their ServiceAccounts are made meanwhile. */
export async function ensureNamespace(
  client: KubeClient,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<void> {
  try {
    await create(client, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...labels } } });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

/** `eventually` with the benchmarks' argument order (the timeout first, every wait being long). */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  intervalMs = 250,
): Promise<T> {
  return eventually(what, probe, { timeoutMs, intervalMs });
}

/** Runs `task` over `items` with at most `concurrency` at once; returns each item's duration in ms, in order. */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<number[]> {
  const durations = new Array<number>(items.length).fill(0);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      const started = performance.now();
      await task(items[index]!, index);
      durations[index] = performance.now() - started;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return durations;
}

// ---- the operator process

export type BenchOperatorOptions = Omit<LaunchOptions, 'name' | 'kubeconfigPath'>;

/** `mesh-injector operator` as the operator's user, once it is ready and its webhook configuration has a caBundle. */
export async function startOperator(
  cluster: BenchCluster,
  options: BenchOperatorOptions = {},
): Promise<OperatorProcess> {
  const operator = await OperatorProcess.launch(cluster.cp, {
    readyTimeoutMs: 120_000,
    ...options,
    name: 'bench-operator',
    kubeconfigPath: cluster.operatorKubeconfig,
  });
  try {
    await waitForWebhookCaBundle(cluster.admin, 120_000);
  } catch (err) {
    await operator.stop();
    throw err;
  }
  return operator;
}

/** Sum of every series of `name` whose labels contain each of `match` (e.g. `verb="patch"`). */
export function sumSeries(metrics: ReadonlyMap<string, number>, name: string, ...match: string[]): number {
  let total = 0;
  for (const [series, value] of metrics) {
    const bare = series.split('{')[0];
    if (bare === name && match.every((m) => series.includes(m))) total += value;
  }
  return total;
}

// ---- the audit log

export interface AuditEntry {
  readonly verb: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly userAgent: string;
  readonly code: number;
  /** When the request was received, ms since the epoch (microseconds in the fraction). */
  readonly at: number;
}

/** The operator user's requests in the audit log, received in [from, to) (ms since the epoch). */
export function operatorRequests(auditLogPath: string, from: number, to: number): AuditEntry[] {
  return auditedRequests(auditLogPath, operatorUser, from, to);
}

/** A user's audited requests, received in [from, to) (ms since the epoch). */
export function auditedRequests(
  auditLogPath: string,
  username: string,
  from: number,
  to: number,
): AuditEntry[] {
  let text: string;
  try {
    text = readFileSync(auditLogPath, 'utf8');
  } catch {
    return [];
  }
  const entries: AuditEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const event = JSON.parse(line) as JsonValue;
    if (!isJsonObject(event) || event.stage !== 'ResponseComplete') continue;
    const user = isJsonObject(event.user) ? event.user.username : undefined;
    if (user !== username) continue;
    const at = parseMicroTime(
      typeof event.requestReceivedTimestamp === 'string' ? event.requestReceivedTimestamp : '',
    );
    if (!(at >= from && at < to)) continue;
    const ref = isJsonObject(event.objectRef) ? event.objectRef : {};
    const status = isJsonObject(event.responseStatus) ? event.responseStatus : {};
    entries.push({
      verb: typeof event.verb === 'string' ? event.verb : '',
      resource: typeof ref.resource === 'string' ? ref.resource : '',
      subresource: typeof ref.subresource === 'string' ? ref.subresource : '',
      namespace: typeof ref.namespace === 'string' ? ref.namespace : '',
      userAgent: typeof event.userAgent === 'string' ? event.userAgent : '',
      code: typeof status.code === 'number' ? status.code : 0,
      at,
    });
  }
  return entries;
}

/** RFC 3339 with microseconds (audit timestamps) to ms since the epoch, keeping the microseconds as a fraction. */
function parseMicroTime(text: string): number {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(text);
  if (match === null) return Number.NaN;
  const fraction = Number(`0.${match[2] ?? '0'}`);
  return Date.parse(`${match[1] ?? ''}Z`) + fraction * 1000;
}

export const WRITE_VERBS: ReadonlySet<string> = new Set([
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
]);

/** Counts per `verb resource[/subresource]`, sorted by count. */
export function countRequests(entries: readonly AuditEntry[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const e of entries) {
    const key = `${e.verb} ${e.resource}${e.subresource === '' ? '' : `/${e.subresource}`}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
}

// ---- watching workloads

export interface DeploymentState {
  readonly namespace: string;
  readonly name: string;
  readonly replicas: number;
  /** The rollout the current spec asks for is complete: observed, every replica updated, available, no old ones. */
  readonly rolledOut: boolean;
  /** The operator's restart annotation (its restarted-at), if any. */
  readonly operatorRestartedAt: string | undefined;
  /** `kubectl rollout restart`'s pod template annotation, if any. */
  readonly kubectlRestartedAt: string | undefined;
}

export function deploymentState(raw: JsonObject): DeploymentState {
  const metadata = isJsonObject(raw.metadata) ? raw.metadata : {};
  const spec = isJsonObject(raw.spec) ? raw.spec : {};
  const status = isJsonObject(raw.status) ? raw.status : {};
  const annotations = isJsonObject(metadata.annotations) ? metadata.annotations : {};
  const template = isJsonObject(spec.template) ? spec.template : {};
  const templateMeta = isJsonObject(template.metadata) ? template.metadata : {};
  const templateAnnotations = isJsonObject(templateMeta.annotations) ? templateMeta.annotations : {};
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const rolledOut =
    num(status.observedGeneration) >= num(metadata.generation) &&
    num(status.updatedReplicas) === replicas &&
    num(status.availableReplicas) === replicas &&
    num(status.replicas) === replicas;
  const operatorRestartedAt = annotations['injection.mesh-injector.dev/restarted-at'];
  const kubectlRestartedAt = templateAnnotations['kubectl.kubernetes.io/restartedAt'];
  return {
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : '',
    name: typeof metadata.name === 'string' ? metadata.name : '',
    replicas,
    rolledOut,
    operatorRestartedAt: typeof operatorRestartedAt === 'string' ? operatorRestartedAt : undefined,
    kubectlRestartedAt: typeof kubectlRestartedAt === 'string' ? kubectlRestartedAt : undefined,
  };
}

/** An informer over every Deployment, slimmed to what the benchmarks read. */
export function deploymentInformer(client: KubeClient): Informer<DeploymentState> {
  return new Informer<DeploymentState>({
    name: 'bench-deployments',
    source: httpListerWatcher(client, { apiVersion: 'apps/v1', resource: 'deployments' }),
    logger: quietLogger,
    transform: deploymentState,
  });
}

export interface PodState {
  readonly namespace: string;
  readonly name: string;
  readonly running: boolean;
  readonly terminating: boolean;
  readonly injected: boolean;
}

export function podState(raw: JsonObject): PodState {
  const metadata = isJsonObject(raw.metadata) ? raw.metadata : {};
  const spec = isJsonObject(raw.spec) ? raw.spec : {};
  const status = isJsonObject(raw.status) ? raw.status : {};
  const containers = [
    ...(Array.isArray(spec.initContainers) ? spec.initContainers : []),
    ...(Array.isArray(spec.containers) ? spec.containers : []),
  ];
  return {
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : '',
    name: typeof metadata.name === 'string' ? metadata.name : '',
    running: status.phase === 'Running',
    terminating: typeof metadata.deletionTimestamp === 'string',
    injected: containers.some((c) => isJsonObject(c) && c.name === 'istio-proxy'),
  };
}

export function podInformer(client: KubeClient): Informer<PodState> {
  return new Informer<PodState>({
    name: 'bench-pods',
    source: httpListerWatcher(client, { apiVersion: 'v1', resource: 'pods' }),
    logger: quietLogger,
    transform: podState,
  });
}

/** A Deployment of `replicas` pods shaped like a typical app: two containers, probes, resources; the API server's
 * default rollout strategy. */
export function deploymentManifest(namespace: string, name: string, replicas: number): JsonObject {
  const podSpec = appPodSpec({
    containers: [
      {
        name: 'app',
        image: 'registry.example/app:1.0',
        ports: [{ containerPort: 8080, protocol: 'TCP' }],
        readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 10 },
        resources: { requests: { cpu: '10m', memory: '16Mi' } },
      },
      {
        name: 'log-shipper',
        image: 'registry.example/log-shipper:1.0',
        resources: { requests: { cpu: '5m', memory: '8Mi' } },
      },
    ],
  });
  return deployment(namespace, name, replicas, { podSpec, strategy: null });
}
