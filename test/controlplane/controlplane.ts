// A real Kubernetes control plane for tests, benchmarks and the demo: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok (fake nodes whose pods become Running/Ready), built
// from Go modules by build.ts and run as local processes on loopback ports with generated certificates.
//
//   const cp = await startControlPlane();
//   try { ...cp.kubeConfig.makeApiClient(CoreV1Api)... } finally { await cp.stop(); }
//
// Environment:
//   MESH_INJECTOR_CONTROLPLANE_LOGS=1   copy every component's output to stderr (always kept in <dir>/logs)
//   MESH_INJECTOR_CONTROLPLANE_KEEP=1   keep the temporary directory (certs, kubeconfigs, logs) after stop()
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { CoreV1Api, KubeConfig, KubernetesObjectApi, V1ObjectMeta } from '@kubernetes/client-node';
import type { KubernetesObject, V1Node } from '@kubernetes/client-node';
import { dump } from 'js-yaml';

import { createCertificateAuthority, createSigningKeyPair, issueCertificate } from '../../src/certs/pki.ts';
import type { CertificateAuthority, IssuedCertificate } from '../../src/certs/pki.ts';
import type { JsonObject } from '../../src/inject/types.ts';
import { ensureControlPlaneBinaries } from './build.ts';
import { componentNames, defaultArgs, kwokNodeAnnotation, layoutFor, mergeFlags, pkiFiles } from './flags.ts';
import type { ComponentName, Layout, Ports } from './flags.ts';
import { describeExit, guardStateDir, SupervisedProcess } from './process.ts';
import type { ExitStatus, StopOptions } from './process.ts';

export type { ComponentName } from './flags.ts';

export const attachLogsEnv = 'MESH_INJECTOR_CONTROLPLANE_LOGS';
export const keepDirEnv = 'MESH_INJECTOR_CONTROLPLANE_KEEP';

export interface ControlPlaneOptions {
  /** Number of kwok nodes; default 3. 0 starts no nodes (and does not wait for one). */
  readonly nodes?: number;
  /** status.nodeInfo.kubeletVersion of the fake nodes; default the control plane's Kubernetes version. */
  readonly kubeletVersion?: string;
  /** Extra flags per component, `--name=value`; a flag the defaults have replaces the default. */
  readonly extraFlags?: Partial<Record<ComponentName, readonly string[]>>;
  /** Copy component output to stderr; default from MESH_INJECTOR_CONTROLPLANE_LOGS. */
  readonly attachLogs?: boolean;
  /** Keep the temporary directory after stop(); default from MESH_INJECTOR_CONTROLPLANE_KEEP. */
  readonly keepDir?: boolean;
  /** Give up starting after this long (binaries already built); default 60 s. */
  readonly startTimeoutMs?: number;
  /** Install SIGINT/SIGTERM/SIGHUP hooks that kill the components and then let the signal end the
   * process. Default true; a program with its own signal handling (cluster.ts) passes false. */
  readonly handleSignals?: boolean;
  /** Where build progress goes if the binaries need building; default console.log. */
  readonly buildLog?: (line: string) => void;
}

export interface ComponentHandle {
  readonly name: ComponentName;
  readonly pid: number | undefined;
  readonly running: boolean;
  readonly logPath: string;
  readonly lastExit: ExitStatus | undefined;
  /** The full command line of the next start. */
  readonly args: readonly string[];
  /** Ends the component (SIGTERM, SIGKILL after the grace period; or SIGKILL at once). */
  stop(options?: StopOptions): Promise<void>;
  /** Starts it again with the same ports, certificates and data; waits until it is healthy by default. */
  start(options?: { readonly waitReady?: boolean }): Promise<void>;
  restart(options?: StopOptions): Promise<void>;
  /** SIGSTOP: the process stays, its sockets stay open, nothing answers. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Resolves once the component reports healthy. */
  waitReady(timeoutMs?: number): Promise<void>;
  logTail(lines?: number): string;
}

export interface UserCredentials {
  readonly kubeConfig: KubeConfig;
  readonly kubeconfigPath: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

export interface StartupTimings {
  /** Milliseconds from startControlPlane() (after the binary check) to each milestone. */
  readonly certificates: number;
  readonly etcd: number;
  readonly apiServer: number;
  readonly nodesReady: number;
  readonly total: number;
}

export interface ControlPlane {
  /** https://127.0.0.1:<port> of the kube-apiserver. */
  readonly url: string;
  /** Admin (system:masters) kubeconfig file. */
  readonly kubeconfigPath: string;
  /** The same admin credentials, loaded. */
  readonly kubeConfig: KubeConfig;
  /** The CA that signed the apiserver's serving certificate and every client certificate. */
  readonly certificateAuthority: CertificateAuthority;
  readonly kubernetesVersion: string;
  /** Temporary directory with pki/, logs/, etcd data and kubeconfigs. */
  readonly dir: string;
  readonly binDir: string;
  readonly kubectlPath: string;
  readonly nodeNames: readonly string[];
  readonly timings: StartupTimings;
  component(name: ComponentName): ComponentHandle;
  /** A client for a user authenticated by a client certificate (CN = name, O = groups), for RBAC tests. */
  createUser(name: string, groups?: readonly string[]): Promise<UserCredentials>;
  /** The end of every component's log, for failure reports. */
  logTails(lines?: number): string;
  /** Ends every component and removes the temporary directory (unless kept). Safe to call twice. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const clusterName = 'mesh-injector-test';

/** Starts a control plane and waits until the apiserver is ready, the controllers and the scheduler are
 * healthy, every fake node is Ready and the default service account exists. */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binaries = await ensureControlPlaneBinaries(options.buildLog ? { log: options.buildLog } : {});
  const started = performance.now();
  const since = (): number => Math.round(performance.now() - started);
  const nodeCount = options.nodes ?? 3;
  if (!Number.isInteger(nodeCount) || nodeCount < 0)
    throw new Error(`nodes must be a non-negative integer, got ${nodeCount}`);
  const attachLogs = options.attachLogs ?? isSet(process.env[attachLogsEnv]);
  const keepDir = options.keepDir ?? isSet(process.env[keepDirEnv]);
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;

  const dir = mkdtempSync(join(tmpdir(), 'mesh-injector-cp-'));
  const guard = guardStateDir(dir, { removeOnExit: !keepDir, handleSignals: options.handleSignals ?? true });
  const components = new Map<ComponentName, Component>();
  let stopping: Promise<void> | undefined;

  const stopInOrder = async (): Promise<void> => {
    // Clients before the apiserver before etcd, so nothing logs errors about a vanished dependency.
    for (const name of [...componentNames].reverse()) {
      await components.get(name)?.process.stop({ graceMs: 5000 });
    }
    guard.release();
    if (!keepDir) rmSync(dir, { recursive: true, force: true });
  };
  // Every caller (test cleanup, asyncDispose, a failed start) waits for the same single stop.
  const stopAll = (): Promise<void> => (stopping ??= stopInOrder());

  try {
    const ports = await freePorts(6);
    const layout = layoutFor(dir, binaries.binDir, binaries.kwokStagesPath, {
      etcdClient: ports[0]!,
      etcdPeer: ports[1]!,
      apiServer: ports[2]!,
      controllerManager: ports[3]!,
      scheduler: ports[4]!,
      kwok: ports[5]!,
    } satisfies Ports);
    for (const sub of [layout.pkiDir, layout.logsDir, layout.etcdDataDir, layout.kwokHome])
      mkdirSync(sub, { recursive: true });
    const url = `https://127.0.0.1:${layout.ports.apiServer}`;
    const ca = await writeCertificates(layout, url);
    const certificates = since();

    for (const name of componentNames) {
      components.set(
        name,
        new Component(name, layout, ca.certificatePem, options.extraFlags?.[name] ?? [], attachLogs),
      );
    }
    const component = (name: ComponentName): Component => components.get(name)!;

    await component('etcd').start(deadline);
    const etcdReady = since();
    await component('kube-apiserver').start(deadline);
    const apiServerReady = since();

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(pkiFiles(layout).adminKubeconfig);
    const kubeletVersion = options.kubeletVersion ?? binaries.versions.kubernetes;
    const nodeNames = Array.from({ length: nodeCount }, (_, i) => `kwok-node-${i}`);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    // The generic client takes plain objects; the typed one wants client-node's model class instances.
    const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    await Promise.all([
      component('kube-controller-manager').start(deadline),
      component('kube-scheduler').start(deadline),
      component('kwok').start(deadline),
      ...nodeNames.map((name) => objects.create(fakeNode(name, kubeletVersion))),
    ]);
    await waitUntil(deadline, 'every kwok node Ready and schedulable', components, async () => {
      const nodes = await core.listNode();
      return nodeNames.every((name) => isNodeSchedulable(nodes.items.find((n) => n.metadata?.name === name)));
    });
    const nodesReady = since();
    // Pods are refused until their namespace's default service account exists (ServiceAccount admission).
    await waitUntil(deadline, 'service account default/default', components, async () => {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
      return true;
    });
    const timings: StartupTimings = {
      certificates,
      etcd: etcdReady,
      apiServer: apiServerReady,
      nodesReady,
      total: since(),
    };

    const handles = new Map<ComponentName, ComponentHandle>();
    for (const [name, c] of components) handles.set(name, c.handle());
    const controlPlane: ControlPlane = {
      url,
      kubeconfigPath: pkiFiles(layout).adminKubeconfig,
      kubeConfig,
      certificateAuthority: ca,
      kubernetesVersion: binaries.versions.kubernetes,
      dir,
      binDir: binaries.binDir,
      kubectlPath: join(binaries.binDir, 'kubectl'),
      nodeNames,
      timings,
      component: (name) => handles.get(name)!,
      createUser: async (name, groups = []) => {
        const cert = await issueCertificate(ca, { commonName: name, organizations: groups, usage: 'client' });
        const path = join(dir, `user-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.kubeconfig`);
        writeFileSync(path, kubeconfigYaml(url, ca.certificatePem, name, cert), { mode: 0o600 });
        const userConfig = new KubeConfig();
        userConfig.loadFromFile(path);
        return {
          kubeConfig: userConfig,
          kubeconfigPath: path,
          certificatePem: cert.certificatePem,
          privateKeyPem: cert.privateKeyPem,
        };
      },
      logTails: (lines = 30) => logTails(components, lines),
      stop: stopAll,
      [Symbol.asyncDispose]: stopAll,
    };
    return controlPlane;
  } catch (error) {
    const report = logTails(components, 25);
    await stopAll();
    const where = keepDir ? `; files kept in ${dir}` : '';
    throw new Error(`control plane did not start: ${errorMessage(error)}${where}\n${report}`, {
      cause: error,
    });
  }
}

/** One component: its process, its health check and its command line. */
class Component {
  readonly name: ComponentName;
  readonly process: SupervisedProcess;
  readonly #layout: Layout;
  readonly #caPem: string;

  constructor(
    name: ComponentName,
    layout: Layout,
    caPem: string,
    extraFlags: readonly string[],
    attach: boolean,
  ) {
    this.name = name;
    this.#layout = layout;
    this.#caPem = caPem;
    const env = name === 'kwok' ? { ...process.env, HOME: layout.kwokHome } : process.env;
    this.process = new SupervisedProcess(
      {
        name,
        command: join(layout.binDir, name),
        args: mergeFlags(defaultArgs(name, layout), extraFlags),
        // kwok would otherwise read ~/.kwok/kwok.yaml of whoever runs the tests.
        cwd: layout.dir,
        env,
        logPath: join(layout.logsDir, `${name}.log`),
        attachOutput: attach,
      },
      layout.dir,
    );
  }

  /** Starts the process and waits for its health endpoint, failing early if the process exits. */
  async start(deadline: number): Promise<void> {
    this.process.start();
    await this.waitReady(deadline);
  }

  async waitReady(deadline: number): Promise<void> {
    const check = this.#healthCheck();
    await waitUntil(deadline, `${this.name} healthy`, new Map([[this.name, this]]), check);
  }

  #healthCheck(): () => Promise<boolean> {
    const { ports } = this.#layout;
    const https = (port: number, path: string) => async () =>
      (await httpGet(`https://127.0.0.1:${port}${path}`, this.#caPem)) === 200;
    switch (this.name) {
      case 'etcd':
        return async () => (await httpGet(`http://127.0.0.1:${ports.etcdClient}/health`)) === 200;
      case 'kube-apiserver':
        return https(ports.apiServer, '/readyz');
      case 'kube-controller-manager':
        return https(ports.controllerManager, '/healthz');
      case 'kube-scheduler':
        return https(ports.scheduler, '/healthz');
      case 'kwok':
        return async () => (await httpGet(`http://127.0.0.1:${ports.kwok}/healthz`)) === 200;
    }
  }

  handle(): ComponentHandle {
    const proc = this.process;
    return {
      name: this.name,
      get pid() {
        return proc.pid;
      },
      get running() {
        return proc.running;
      },
      get lastExit() {
        return proc.lastExit;
      },
      logPath: proc.spec.logPath,
      args: proc.spec.args,
      stop: async (options) => {
        await proc.stop(options);
      },
      start: async (options) => {
        proc.start();
        if (options?.waitReady !== false) await this.waitReady(Date.now() + 60_000);
      },
      restart: async (options) => {
        await proc.stop(options);
        proc.start();
        await this.waitReady(Date.now() + 60_000);
      },
      pause: () => {
        proc.signal('SIGSTOP');
      },
      resume: () => {
        proc.signal('SIGCONT');
      },
      waitReady: (timeoutMs = 60_000) => this.waitReady(Date.now() + timeoutMs),
      logTail: (lines) => proc.logTail(lines),
    };
  }
}

/** Polls `check` every 100 ms until it is true; fails at the deadline or as soon as a watched component exits. */
async function waitUntil(
  deadline: number,
  what: string,
  watched: ReadonlyMap<ComponentName, Component>,
  check: () => Promise<boolean>,
): Promise<void> {
  let lastError: string;
  for (;;) {
    for (const c of watched.values()) {
      const exit = c.process.lastExit;
      if (!c.process.running && exit !== undefined) {
        throw new Error(`${c.name} exited (${describeExit(exit)}) while waiting for ${what}`);
      }
    }
    try {
      if (await check()) return;
      lastError = '';
    } catch (error) {
      lastError = `; last error: ${errorMessage(error)}`;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError}`);
    await sleep(100);
  }
}

/** Issues every certificate and key the components need and writes them with the kubeconfigs. */
async function writeCertificates(layout: Layout, url: string): Promise<CertificateAuthority> {
  const f = pkiFiles(layout);
  const ca = await createCertificateAuthority({
    commonName: `${clusterName}-ca`,
    organizations: ['mesh-injector'],
  });
  const loopback = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };
  const [
    apiServer,
    kcmServing,
    schedulerServing,
    admin,
    kcmClient,
    schedulerClient,
    kwokClient,
    serviceAccount,
  ] = await Promise.all([
    issueCertificate(ca, {
      commonName: 'kube-apiserver',
      dnsNames: [
        'localhost',
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        'kubernetes.default.svc.cluster.local',
      ],
      ipAddresses: ['127.0.0.1', '10.96.0.1'],
      usage: 'server',
    }),
    issueCertificate(ca, { commonName: 'kube-controller-manager', ...loopback, usage: 'server' }),
    issueCertificate(ca, { commonName: 'kube-scheduler', ...loopback, usage: 'server' }),
    issueCertificate(ca, { commonName: 'admin', organizations: ['system:masters'], usage: 'client' }),
    issueCertificate(ca, { commonName: 'system:kube-controller-manager', usage: 'client' }),
    issueCertificate(ca, { commonName: 'system:kube-scheduler', usage: 'client' }),
    // kwok plays every node's kubelet and edits pod status across namespaces: cluster admin, as kwokctl does.
    issueCertificate(ca, { commonName: 'kwok', organizations: ['system:masters'], usage: 'client' }),
    createSigningKeyPair(),
  ]);
  const secret = { mode: 0o600 } as const;
  writeFileSync(f.caCert, ca.certificatePem);
  writeFileSync(f.apiServerCert, apiServer.certificatePem);
  writeFileSync(f.apiServerKey, apiServer.privateKeyPem, secret);
  writeFileSync(f.controllerManagerCert, kcmServing.certificatePem);
  writeFileSync(f.controllerManagerKey, kcmServing.privateKeyPem, secret);
  writeFileSync(f.schedulerCert, schedulerServing.certificatePem);
  writeFileSync(f.schedulerKey, schedulerServing.privateKeyPem, secret);
  writeFileSync(f.serviceAccountKey, serviceAccount.privateKeyPem, secret);
  writeFileSync(f.serviceAccountPublicKey, serviceAccount.publicKeyPem);
  writeFileSync(f.adminKubeconfig, kubeconfigYaml(url, ca.certificatePem, 'admin', admin), secret);
  writeFileSync(
    f.controllerManagerKubeconfig,
    kubeconfigYaml(url, ca.certificatePem, 'kube-controller-manager', kcmClient),
    secret,
  );
  writeFileSync(
    f.schedulerKubeconfig,
    kubeconfigYaml(url, ca.certificatePem, 'kube-scheduler', schedulerClient),
    secret,
  );
  writeFileSync(f.kwokKubeconfig, kubeconfigYaml(url, ca.certificatePem, 'kwok', kwokClient), secret);
  return ca;
}

export function kubeconfigYaml(url: string, caPem: string, user: string, cert: IssuedCertificate): string {
  const b64 = (text: string): string => Buffer.from(text).toString('base64');
  return dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: clusterName, cluster: { server: url, 'certificate-authority-data': b64(caPem) } }],
    users: [
      {
        name: user,
        user: {
          'client-certificate-data': b64(cert.certificatePem),
          'client-key-data': b64(cert.privateKeyPem),
        },
      },
    ],
    contexts: [
      { name: `${user}@${clusterName}`, context: { cluster: clusterName, user, namespace: 'default' } },
    ],
    'current-context': `${user}@${clusterName}`,
  });
}

/** A Node for kwok to manage. The status is kept on create, so kwok's stages keep our nodeInfo
 * (in particular kubeletVersion, which decides whether native sidecars are available). */
export function fakeNode(name: string, kubeletVersion: string): KubernetesObject & { status: JsonObject } {
  const metadata = new V1ObjectMeta();
  metadata.name = name;
  metadata.annotations = { [kwokNodeAnnotation]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' };
  metadata.labels = {
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    'node-role.kubernetes.io/agent': '',
    type: 'kwok',
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata,
    status: {
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion,
        kubeProxyVersion: kubeletVersion,
        containerRuntimeVersion: 'kwok',
        kernelVersion: 'kwok',
        osImage: 'kwok',
        bootID: '',
        machineID: '',
        systemUUID: '',
      },
    },
  };
}

/** Ready, and the not-ready taint the API server adds at creation has been lifted again. */
function isNodeSchedulable(node: V1Node | undefined): boolean {
  const ready = node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
  const tainted = node?.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/not-ready') === true;
  return ready && !tainted;
}

/** Asks the kernel for `count` distinct free loopback ports (all held open until every one is known). */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(
      servers.map(async (server) => {
        server.listen(0, '127.0.0.1');
        await once(server, 'listening');
        return (server.address() as AddressInfo).port;
      }),
    );
  } finally {
    for (const server of servers) server.close();
  }
}

/** GET returning the status code; HTTPS verifies the server against `caPem`. */
function httpGet(url: string, caPem?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const options = { timeout: 2000, ...(caPem === undefined ? {} : { ca: caPem }) };
    const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, options, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function logTails(components: ReadonlyMap<ComponentName, Component>, lines: number): string {
  return [...components.values()]
    .filter((c) => c.process.lastExit !== undefined || c.process.running)
    .map((c) => `--- ${c.name} (${c.process.spec.logPath}) ---\n${c.process.logTail(lines)}`)
    .join('\n');
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
