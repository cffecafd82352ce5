// Command lines of the control-plane components, as pure functions of where things are. Kept apart from
// the process handling so the flags can be read (and tested) in one place.
import { join } from 'node:path';

export type ComponentName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

/** Start order; stopping goes the other way. */
export const componentNames: readonly ComponentName[] = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
];

export interface Ports {
  readonly etcdClient: number;
  readonly etcdPeer: number;
  readonly apiServer: number;
  readonly controllerManager: number;
  readonly scheduler: number;
  readonly kwok: number;
}

/** Where one control plane keeps its files: everything under one temporary directory. */
export interface Layout {
  readonly dir: string;
  readonly pkiDir: string;
  readonly logsDir: string;
  readonly etcdDataDir: string;
  readonly kwokHome: string;
  readonly binDir: string;
  readonly kwokStagesPath: string;
  readonly ports: Ports;
}

export function layoutFor(dir: string, binDir: string, kwokStagesPath: string, ports: Ports): Layout {
  return {
    dir,
    pkiDir: join(dir, 'pki'),
    logsDir: join(dir, 'logs'),
    etcdDataDir: join(dir, 'etcd'),
    kwokHome: join(dir, 'kwok-home'),
    binDir,
    kwokStagesPath,
    ports,
  };
}

/** Files the components read, by role. */
export function pkiFiles(layout: Layout) {
  const p = (name: string): string => join(layout.pkiDir, name);
  return {
    caCert: p('ca.crt'),
    apiServerCert: p('apiserver.crt'),
    apiServerKey: p('apiserver.key'),
    serviceAccountKey: p('sa.key'),
    serviceAccountPublicKey: p('sa.pub'),
    controllerManagerCert: p('kube-controller-manager-serving.crt'),
    controllerManagerKey: p('kube-controller-manager-serving.key'),
    schedulerCert: p('kube-scheduler-serving.crt'),
    schedulerKey: p('kube-scheduler-serving.key'),
    adminKubeconfig: join(layout.dir, 'admin.kubeconfig'),
    controllerManagerKubeconfig: join(layout.dir, 'kube-controller-manager.kubeconfig'),
    schedulerKubeconfig: join(layout.dir, 'kube-scheduler.kubeconfig'),
    kwokKubeconfig: join(layout.dir, 'kwok.kubeconfig'),
  } as const;
}

export const serviceClusterIpRange = '10.96.0.0/16';
export const podCidr = '10.244.0.0/16';
/** Nodes carrying this annotation are the ones kwok manages (and pretends to be the kubelet of). */
export const kwokNodeAnnotation = 'kwok.x-k8s.io/node';

/** Controllers the tests rely on: workloads and their garbage, namespaces, service accounts and their
 * tokens, RBAC aggregation (admin/edit/view), endpoints, disruption budgets and pod GC, and node
 * lifecycle, which lifts the node.kubernetes.io/not-ready taint the TaintNodesByCondition admission
 * plugin puts on every new node (without it nothing is ever scheduled). Taint-based eviction stays off. */
export const controllerManagerControllers: readonly string[] = [
  'node-lifecycle-controller',
  'deployment-controller',
  'replicaset-controller',
  'statefulset-controller',
  'daemonset-controller',
  'job-controller',
  'cronjob-controller',
  'ttl-after-finished-controller',
  'garbage-collector-controller',
  'namespace-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
  'clusterrole-aggregation-controller',
  'endpoints-controller',
  'endpointslice-controller',
  'disruption-controller',
  'pod-garbage-collector-controller',
];

export function etcdArgs(layout: Layout): string[] {
  const client = `http://127.0.0.1:${layout.ports.etcdClient}`;
  const peer = `http://127.0.0.1:${layout.ports.etcdPeer}`;
  return [
    '--name=default',
    `--data-dir=${layout.etcdDataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    // Test data is thrown away: skipping fsync makes etcd (and so every write) much faster.
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];
}

export function apiServerArgs(layout: Layout): string[] {
  const f = pkiFiles(layout);
  return [
    '--advertise-address=127.0.0.1',
    '--bind-address=127.0.0.1',
    `--secure-port=${layout.ports.apiServer}`,
    `--etcd-servers=http://127.0.0.1:${layout.ports.etcdClient}`,
    `--cert-dir=${layout.pkiDir}`,
    `--tls-cert-file=${f.apiServerCert}`,
    `--tls-private-key-file=${f.apiServerKey}`,
    `--client-ca-file=${f.caCert}`,
    '--authorization-mode=RBAC',
    // The default admission chain (NamespaceLifecycle, ServiceAccount, ..., MutatingAdmissionWebhook,
    // ValidatingAdmissionWebhook, ...) stays on; naming the webhooks documents that the tests need them.
    '--enable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook',
    '--allow-privileged=true',
    `--service-cluster-ip-range=${serviceClusterIpRange}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${f.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${f.serviceAccountKey}`,
    // 127.0.0.1 is not a valid Endpoints address; without this the apiserver keeps failing to publish itself.
    '--endpoint-reconciler-type=none',
    '--profiling=false',
  ];
}

function componentServingArgs(port: number, cert: string, key: string, kubeconfig: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--tls-cert-file=${cert}`,
    `--tls-private-key-file=${key}`,
    '--leader-elect=false',
  ];
}

export function controllerManagerArgs(layout: Layout): string[] {
  const f = pkiFiles(layout);
  return [
    ...componentServingArgs(
      layout.ports.controllerManager,
      f.controllerManagerCert,
      f.controllerManagerKey,
      f.controllerManagerKubeconfig,
    ),
    `--controllers=${controllerManagerControllers.join(',')}`,
    // Each controller acts as its own service account, so RBAC is exercised the way a real cluster does.
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${f.serviceAccountKey}`,
    `--root-ca-file=${f.caCert}`,
    '--cluster-name=mesh-injector-test',
  ];
}

export function schedulerArgs(layout: Layout): string[] {
  const f = pkiFiles(layout);
  return componentServingArgs(layout.ports.scheduler, f.schedulerCert, f.schedulerKey, f.schedulerKubeconfig);
}

export function kwokArgs(layout: Layout): string[] {
  const f = pkiFiles(layout);
  return [
    `--kubeconfig=${f.kwokKubeconfig}`,
    `--config=${layout.kwokStagesPath}`,
    '--manage-all-nodes=false',
    `--manage-nodes-with-annotation-selector=${kwokNodeAnnotation}=fake`,
    '--disregard-status-with-annotation-selector=kwok.x-k8s.io/status=custom',
    `--cidr=${podCidr}`,
    '--node-ip=10.240.0.1',
    // Nodes renew a Lease in kube-node-lease like kubelets do (the heartbeat-with-lease stage needs it).
    '--node-lease-duration-seconds=40',
    `--server-address=127.0.0.1:${layout.ports.kwok}`,
  ];
}

/** Default arguments of a component, before the caller's extra flags. */
export function defaultArgs(name: ComponentName, layout: Layout): string[] {
  switch (name) {
    case 'etcd':
      return etcdArgs(layout);
    case 'kube-apiserver':
      return apiServerArgs(layout);
    case 'kube-controller-manager':
      return controllerManagerArgs(layout);
    case 'kube-scheduler':
      return schedulerArgs(layout);
    case 'kwok':
      return kwokArgs(layout);
  }
}

/**
 * Applies extra flags over defaults: a `--name=value` (or bare `--name`) replaces every default flag of
 * the same name, in place; flags the defaults do not have are appended. Repeating a flag in `extra` keeps
 * every repetition (for list flags that accumulate).
 */
export function mergeFlags(defaults: readonly string[], extra: readonly string[]): string[] {
  const nameOf = (flag: string): string => {
    if (!flag.startsWith('-'))
      throw new Error(`extra flag ${JSON.stringify(flag)} must look like --name=value`);
    const eq = flag.indexOf('=');
    return eq === -1 ? flag : flag.slice(0, eq);
  };
  const overrides = new Map<string, string[]>();
  for (const flag of extra) {
    const name = nameOf(flag);
    overrides.set(name, [...(overrides.get(name) ?? []), flag]);
  }
  const result: string[] = [];
  const placed = new Set<string>();
  for (const flag of defaults) {
    const name = nameOf(flag);
    const replacement = overrides.get(name);
    if (replacement === undefined) {
      result.push(flag);
    } else if (!placed.has(name)) {
      result.push(...replacement);
      placed.add(name);
    }
  }
  for (const flag of extra) if (!placed.has(nameOf(flag))) result.push(flag);
  return result;
}
