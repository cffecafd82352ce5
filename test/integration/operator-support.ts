// Shared setup for the operator's integration tests: the MeshInjection CRD, a real injecting webhook (WebhookServer
// + Injector per revision) reached by the kube-apiserver over TLS through MutatingWebhookConfigurations shaped like
// Istio's, workload manifests, and a namespace reconciler to start and stop.
import { createCertificateAuthority, issueCertificate } from '../../src/certs/pki.ts';
import {
  NamespaceReconciler,
  type NamespaceReconcilerOptions,
} from '../../src/controller/namespace/reconciler.ts';
import { Injector } from '../../src/inject/injector.ts';
import { loadInjectorSettings } from '../../src/inject/settings.ts';
import { isJsonObject, type JsonObject } from '../../src/inject/types.ts';
import { KubeClient, resourcePath, type ResourceRef } from '../../src/kube/client.ts';
import { createLogger, parseLogLevel, type Logger } from '../../src/observability/logger.ts';
import {
  createMetricsRegistry,
  createWebhookMetrics,
  type Registry,
} from '../../src/observability/metrics.ts';
import { injectorAdmit } from '../../src/webhook/admit.ts';
import { WebhookServer } from '../../src/webhook/server.ts';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.ts';
import { appPodSpec as podSpec, create, field, installCrd } from '../support/k8s.ts';

// The generic helpers (create, createNamespace, deployment, field, installCrd, miRef, ...) are test/support's.
export * from '../support/k8s.ts';

export const logger: Logger = createLogger({ level: parseLogLevel(process.env.LOG_LEVEL, 'silent'), fd: 2 });

/** An MWC for one revision, shaped like Istio's: namespace-label and object-label entries, URL client config. */
export function revisionWebhookConfiguration(revision: string, url: string, caBundle: string): JsonObject {
  const common = {
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    failurePolicy: 'Fail',
    timeoutSeconds: 10,
    reinvocationPolicy: 'Never',
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    clientConfig: { url: `${url}/rev/${revision}`, caBundle },
  };
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: {
      name: `mesh-injector-${revision}`,
      labels: { 'istio.io/rev': revision, app: 'sidecar-injector' },
    },
    webhooks: [
      {
        ...common,
        name: 'rev.namespace.sidecar-injector.istio.io',
        namespaceSelector: {
          matchExpressions: [
            { key: 'istio.io/rev', operator: 'In', values: [revision] },
            { key: 'istio-injection', operator: 'DoesNotExist' },
          ],
        },
        objectSelector: {
          matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] }],
        },
      },
      {
        ...common,
        name: 'rev.object.sidecar-injector.istio.io',
        namespaceSelector: {
          matchExpressions: [
            { key: 'istio.io/rev', operator: 'DoesNotExist' },
            { key: 'istio-injection', operator: 'DoesNotExist' },
          ],
        },
        objectSelector: {
          matchExpressions: [
            { key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] },
            { key: 'istio.io/rev', operator: 'In', values: [revision] },
          ],
        },
      },
    ],
  };
}

export interface InjectionEnvironment {
  readonly cp: ControlPlane;
  readonly client: KubeClient;
  readonly webhookUrl: string;
  stop(): Promise<void>;
}

/**
 * A control plane with kwok nodes, the CRD, and a webhook injecting `revisions` (each with the project's default
 * config) behind one MWC per revision.
 */
export async function startInjectionEnvironment(
  revisions: readonly string[],
  nodes = 2,
): Promise<InjectionEnvironment> {
  const cp = await startControlPlane({ nodes });
  const client = new KubeClient(cp.kubeConfig, { qps: 200, burst: 400 });
  try {
    await installCrd(client);
    const ca = await createCertificateAuthority({ commonName: 'operator-test-ca' });
    const leaf = await issueCertificate(ca, {
      commonName: 'webhook',
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
    });
    const injectors = new Map(revisions.map((r) => [r, new Injector(loadInjectorSettings({ revision: r }))]));
    const registry = createMetricsRegistry();
    const server = new WebhookServer({
      admit: injectorAdmit({ injectorFor: (revision) => injectors.get(revision) }),
      logger,
      registry,
      metrics: createWebhookMetrics(registry),
      certificate: { key: leaf.privateKeyPem, cert: leaf.certificatePem, ca: ca.certificatePem },
      listen: { host: '127.0.0.1', port: 0 },
      metricsListen: false,
    });
    const { webhook } = await server.start();
    const webhookUrl = `https://127.0.0.1:${webhook.port}/inject`;
    const caBundle = Buffer.from(ca.certificatePem).toString('base64');
    for (const revision of revisions) {
      await create(
        client,
        revisionWebhookConfiguration(revision, webhookUrl, caBundle),
        'mutatingwebhookconfigurations',
      );
    }
    return {
      cp,
      client,
      webhookUrl,
      async stop() {
        await server.stop({ deadlineMs: 1000 });
        client.close();
        await cp.stop();
      },
    };
  } catch (err) {
    client.close();
    await cp.stop();
    throw err;
  }
}

export function replicaSet(namespace: string, name: string, replicas = 1): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: podSpec() },
    },
  };
}

export function statefulSet(namespace: string, name: string, replicas = 2): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace },
    spec: {
      replicas,
      serviceName: name,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: podSpec() },
    },
  };
}

export function daemonSet(namespace: string, name: string): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: podSpec() },
    },
  };
}

/**
 * A Job whose pod stays Pending: kwok completes Job pods at once, and a finished pod is not counted, so the pod is
 * pinned to a node that does not exist to keep it there, waiting for a sidecar it will never get.
 */
export function pendingJob(namespace: string, name: string): JsonObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: { app: name } },
        spec: podSpec({
          restartPolicy: 'Never',
          nodeSelector: { 'mesh-injector.test/no-such-node': 'true' },
        }),
      },
    },
  };
}

export function barePod(namespace: string, name: string): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: name } },
    spec: podSpec(),
  };
}

export interface RunningReconciler {
  readonly reconciler: NamespaceReconciler;
  readonly registry: Registry;
  /** Writes the reconciler made (its metric), by `resource/verb`. */
  writes(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

/** Starts a reconciler that always leads (leader election is tested on its own). */
export async function startReconciler(
  client: KubeClient,
  options: Partial<NamespaceReconcilerOptions> = {},
): Promise<RunningReconciler> {
  const registry = createMetricsRegistry();
  const reconciler = new NamespaceReconciler({
    client,
    logger,
    registry,
    leader: { isLeader: () => true },
    pollMs: 500,
    statusMinIntervalMs: 200,
    ...options,
  });
  const stop = new AbortController();
  await reconciler.start(stop.signal);
  const leading = reconciler.lead(stop.signal);
  return {
    reconciler,
    registry,
    async writes() {
      const metric = await registry.getSingleMetric('mesh_injector_namespace_reconciler_writes_total')?.get();
      const out: Record<string, number> = {};
      for (const v of metric?.values ?? [])
        out[`${String(v.labels.resource)}/${String(v.labels.verb)}`] = v.value;
      return out;
    },
    async stop() {
      stop.abort();
      await leading;
      await reconciler.stop();
    },
  };
}

export async function list(client: KubeClient, ref: ResourceRef): Promise<JsonObject[]> {
  return (await listAt(client, ref)).items;
}

/**
 * Lists `ref`, at exactly `resourceVersion` when given. etcd revisions are global, so lists of different resources
 * at one resourceVersion form a consistent snapshot of the cluster.
 */
export async function listAt(
  client: KubeClient,
  ref: ResourceRef,
  resourceVersion?: string,
): Promise<{ items: JsonObject[]; resourceVersion: string }> {
  const body = await client.request({
    path: resourcePath(ref),
    query: resourceVersion === undefined ? {} : { resourceVersion, resourceVersionMatch: 'Exact' },
  });
  const rv = field(body, 'metadata', 'resourceVersion');
  return {
    items: Array.isArray(body.items) ? body.items.filter(isJsonObject) : [],
    resourceVersion: typeof rv === 'string' ? rv : '',
  };
}

export function conditionStatus(mi: JsonObject | undefined, type: string): string | undefined {
  const conditions = field(mi, 'status', 'conditions');
  if (!Array.isArray(conditions)) return undefined;
  const found = conditions.find((c) => field(c, 'type') === type);
  const status = field(found, 'status');
  return typeof status === 'string' ? status : undefined;
}
