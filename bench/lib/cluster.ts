// What the cluster-scale benchmarks share: a control plane tuned for thousands of objects, with an audit log of
// everything the operator's user does; the operator as its own process (`mesh-injector operator`, as users run
// it); and the small tools to load the cluster and watch it converge.
//
// The operator authenticates as its own user (`mesh-injector`), so the API server's audit log attributes its
// requests to it alone: writes are counted on the server side, not only by the operator's own metrics.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../../test/controlplane/controlplane.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../../src/inject/types.ts';
import { KubeClient, isAlreadyExists } from '../../src/kube/client.ts';
import { httpListerWatcher, Informer } from '../../src/kube/informer.ts';
import { createLogger } from '../../src/observability/logger.ts';

export const root = new URL('../../', import.meta.url).pathname;
export const operatorNamespace = 'mesh-injector-system';
export const operatorUser = 'mesh-injector';
const mwcName = 'mesh-injector-sidecar-injector';

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
  const kubectl = (...args: string[]): string => {
    const run = spawnSync(cp.kubectlPath, [`--kubeconfig=${cp.kubeconfigPath}`, ...args], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    if (run.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${run.stderr}`);
    return run.stdout;
  };
  const operator = await cp.createUser(operatorUser, ['system:masters']);
  kubectl('apply', '-f', join(root, 'crds/meshinjection.yaml'));
  kubectl('wait', '--for=condition=Established', 'crd/meshinjections.injection.mesh-injector.dev');
  await ensureNamespace(admin, operatorNamespace);
  return {
    cp,
    admin,
    operatorKubeconfig: operator.kubeconfigPath,
    auditLogPath,
    kubectl,
    stop: async () => {
      await cp.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function ensureNamespace(
  client: KubeClient,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<void> {
  try {
    await client.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...labels } } },
    });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

/** Waits for the namespace's default ServiceAccount: pods are refused until it exists. */
export async function waitForServiceAccount(client: KubeClient, namespace: string): Promise<void> {
  await waitFor(`service account ${namespace}/default`, 60_000, async () => {
    try {
      await client.request({ path: `/api/v1/namespaces/${namespace}/serviceaccounts/default` });
      return true;
    } catch {
      return false;
    }
  });
}

export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
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

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

// ---- the operator process

export interface OperatorOptions {
  /** More flags for `mesh-injector operator`. */
  readonly args?: readonly string[];
  /** Flags for node itself, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
  /** The entry point; default the TypeScript source (src/cli/main.ts). */
  readonly entry?: string;
}

/** `mesh-injector operator` as its own process, with what the benchmarks read from it. */
export class OperatorProcess {
  readonly child: ChildProcess;
  readonly metricsUrl: string;
  #output = '';

  private constructor(child: ChildProcess, metricsPort: number) {
    this.child = child;
    this.metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const keep = (b: Buffer): void => {
      // The last 200 kB are enough to explain a failure.
      this.#output = (this.#output + b.toString()).slice(-200_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static async start(cluster: BenchCluster, options: OperatorOptions = {}): Promise<OperatorProcess> {
    const webhookPort = await freePort();
    const metricsPort = await freePort();
    const child = spawn(
      process.execPath,
      [
        ...(options.nodeArgs ?? []),
        options.entry ?? 'src/cli/main.ts',
        'operator',
        `--kubeconfig=${cluster.operatorKubeconfig}`,
        `--namespace=${operatorNamespace}`,
        `--webhook-url=https://127.0.0.1:${webhookPort}/inject`,
        `--webhook-address=127.0.0.1:${webhookPort}`,
        `--metrics-address=127.0.0.1:${metricsPort}`,
        '--lame-duck=0s',
        ...(options.args ?? []),
      ],
      { cwd: root, env: { ...process.env, POD_NAME: 'bench-operator' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const operator = new OperatorProcess(child, metricsPort);
    await operator.waitServing(cluster.admin);
    return operator;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('the operator process has no pid');
    return this.child.pid;
  }

  output(): string {
    return this.#output;
  }

  /** Until /readyz answers and the MutatingWebhookConfiguration carries a caBundle. */
  async waitServing(admin: KubeClient): Promise<void> {
    const readyz = this.metricsUrl.replace(/\/metrics$/, '/readyz');
    await waitFor('the operator to be ready', 120_000, async () => {
      if (this.child.exitCode !== null)
        throw new Error(`the operator exited (${this.child.exitCode}):\n${this.#output.slice(-3000)}`);
      try {
        return (await fetch(readyz)).ok;
      } catch {
        return false;
      }
    });
    await waitFor('the MutatingWebhookConfiguration with a caBundle', 120_000, async () => {
      try {
        const mwc = await admin.request({
          path: `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${mwcName}`,
        });
        const hooks = Array.isArray(mwc.webhooks) ? mwc.webhooks.filter(isJsonObject) : [];
        return (
          hooks.length > 0 &&
          hooks.every((h) => isJsonObject(h.clientConfig) && typeof h.clientConfig.caBundle === 'string')
        );
      } catch {
        return false;
      }
    });
  }

  /** user + system CPU seconds so far, from /proc. */
  cpuSeconds(): number {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at ") "; utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / 100;
  }

  /** Resident set size now, from /proc. */
  rssBytes(): number {
    return this.#procStatus('VmRSS');
  }

  /** The highest resident set size since the process started (the kernel's high-water mark). */
  peakRssBytes(): number {
    return this.#procStatus('VmHWM');
  }

  #procStatus(field: string): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
    if (kb === undefined) throw new Error(`/proc/${this.pid}/status has no ${field}`);
    return Number(kb) * 1024;
  }

  /** Every sample of the operator's /metrics, keyed by series (`name{labels}`). */
  async metrics(): Promise<Map<string, number>> {
    const text = await (await fetch(this.metricsUrl)).text();
    const series = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const space = line.lastIndexOf(' ');
      series.set(line.slice(0, space), Number(line.slice(space + 1)));
    }
    return series;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    await exited;
  }
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

function num(value: JsonValue | undefined): number {
  return typeof value === 'number' ? value : 0;
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

/** A Deployment of `replicas` pods shaped like a typical app: two containers, probes, resources. */
export function deploymentManifest(namespace: string, name: string, replicas: number): JsonObject {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
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
          terminationGracePeriodSeconds: 0,
        },
      },
    },
  };
}
