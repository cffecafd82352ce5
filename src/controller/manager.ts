// The operator process: every replica serves the webhook; only the leader writes (certificates, webhook
// configurations, rollout restarts and MeshInjection status).
//
//   every replica:  ConfigMap informer -> InjectorConfigSource -> admit -> WebhookServer (HTTPS)
//                   certificate Secret  -> CertificateWatcher   -> the server's certificate (swapped in memory)
//                   node informer (native sidecars: auto)
//   leader only:    CertificateController (the Secret), WebhookConfigController (the MWCs),
//                   NamespaceReconciler (restarts, status)
//
// The manager owns start-up order and shutdown order; each component owns its own informers and loops.
import { CertificateController, createCertificateMetrics, type CertificateMode } from './certificates.ts';
import { InjectorConfigSource, type ConfigMapNames } from './injector-config.ts';
import { nodesSupportNativeSidecars, type NativeSidecarMode } from './native-sidecars.ts';
import { NamespaceReconciler } from './namespace/reconciler.ts';
import { createWebhookConfigMetrics, WebhookConfigController } from './webhook-config.ts';
import type { FailurePolicy, ReinvocationPolicy, WebhookConfigOwner } from './webhook-config-desired.ts';
import { certificatePolicy } from '../certs/policy.ts';
import { CertificateWatcher } from '../certs/watcher.ts';
import type { InjectionPolicyConfig } from '../inject/decide.ts';
import { isJsonObject, type JsonObject } from '../inject/types.ts';
import { isNotFound, type KubeClient } from '../kube/client.ts';
import { KubeEventRecorder, type EventRecorder } from '../kube/events.ts';
import { httpListerWatcher, Informer } from '../kube/informer.ts';
import { LeaderElector, leaseLock } from '../kube/leader.ts';
import type { Logger } from '../observability/logger.ts';
import { createMetricsRegistry, createWebhookMetrics } from '../observability/metrics.ts';
import { injectorAdmit } from '../webhook/admit.ts';
import { WebhookServer, type ListenAddress } from '../webhook/server.ts';

export interface OperatorOptions {
  /** The operator's namespace: the certificate Secret, the Lease and the webhook Service live here. */
  readonly namespace: string;
  /** Where the injector and mesh ConfigMaps are read. */
  readonly configNamespace: string;
  readonly configMapNames: ConfigMapNames;
  readonly revisions: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  /** The webhook Service the MWCs point at; or `webhookUrl` for local runs. */
  readonly serviceName: string;
  readonly webhookUrl: string | undefined;
  readonly webhookListen: ListenAddress;
  readonly metricsListen: ListenAddress;
  readonly certSecret: string;
  readonly certMode: CertificateMode;
  readonly caValidityMs: number | undefined;
  readonly servingValidityMs: number | undefined;
  readonly failurePolicy: FailurePolicy;
  readonly timeoutSeconds: number;
  readonly reinvocationPolicy: ReinvocationPolicy;
  readonly nativeSidecars: NativeSidecarMode;
  readonly leaderElection: boolean;
  readonly leaseName: string;
  readonly clusterMaxConcurrentRestarts: number;
  /** Run the leader-only controllers at all (false: a webhook-only replica). */
  readonly controllers: boolean;
  /** The CRD (by name) that owns the MWCs, so uninstalling garbage-collects them; undefined for none. */
  readonly webhookOwnerCrd: string | undefined;
  /** How long to keep serving after SIGTERM before closing the webhook (endpoint removal lags). */
  readonly lameDuckMs: number;
}

/** What always leads: used when leader election is off (a single replica, or local runs). */
const alwaysLeader = { isLeader: (): boolean => true };

export class OperatorManager {
  readonly #client: KubeClient;
  readonly #log: Logger;
  readonly #options: OperatorOptions;
  readonly registry = createMetricsRegistry({ processMetrics: true });
  readonly #events: EventRecorder;
  readonly #configs: InjectorConfigSource;
  readonly #configMaps: Informer;
  readonly #nodes: Informer<string> | undefined;
  readonly #certificates: CertificateWatcher;
  readonly #server: WebhookServer;
  readonly #reconciler: NamespaceReconciler | undefined;
  readonly #elector: LeaderElector | undefined;
  readonly #stop = new AbortController();
  // Registered once: leadership can be gained and lost many times in one process.
  readonly #certificateMetrics = createCertificateMetrics(this.registry);
  readonly #webhookConfigMetrics = createWebhookConfigMetrics(this.registry);
  #leaderLoop: Promise<void> = Promise.resolve();

  constructor(client: KubeClient, logger: Logger, options: OperatorOptions) {
    this.#client = client;
    this.#log = logger;
    this.#options = options;
    this.#events = new KubeEventRecorder({ client, logger });

    this.#configs = new InjectorConfigSource({
      namespace: options.configNamespace,
      revisions: options.revisions,
      names: options.configMapNames,
      settings: {},
      logger,
      onInvalid: (problem) => {
        for (const name of problem.configMaps) {
          const [namespace = '', cmName = ''] = name.split('/');
          this.#events.record(
            { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: cmName },
            'Warning',
            'InvalidInjectorConfig',
            `rejected for revision ${problem.revision}, the last good config keeps serving: ${problem.message}`,
          );
        }
      },
    });
    this.#configMaps = new Informer({
      name: 'injector-configmaps',
      source: httpListerWatcher(client, {
        apiVersion: 'v1',
        resource: 'configmaps',
        namespace: options.configNamespace,
      }),
      logger,
    });
    const sync = (): void => {
      this.#configs.sync(this.#configMaps);
    };
    this.#configMaps.addHandler({ onAdd: sync, onUpdate: sync, onDelete: sync });

    this.#nodes =
      options.nativeSidecars === 'auto'
        ? new Informer<string>({
            name: 'nodes',
            source: httpListerWatcher(client, { apiVersion: 'v1', resource: 'nodes' }),
            logger,
            // Only the kubelet version is needed; a node object is otherwise large.
            transform: kubeletVersionOf,
          })
        : undefined;

    this.#certificates = new CertificateWatcher({
      namespace: options.namespace,
      name: options.certSecret,
      logger,
      client,
    });
    const webhookMetrics = createWebhookMetrics(this.registry);
    this.#server = new WebhookServer({
      admit: injectorAdmit({
        injectorFor: (revision) => this.#configs.injectorFor(revision),
        nativeSidecars: () => this.#nativeSidecars(),
      }),
      logger,
      registry: this.registry,
      metrics: webhookMetrics,
      certificateSource: this.#certificates,
      readiness: [
        this.#certificates.readiness,
        { name: 'injector-config', check: () => this.#configs.notReady() },
        {
          name: 'informers',
          check: () => (this.#configMaps.hasSynced() ? undefined : 'injector ConfigMaps not listed yet'),
        },
      ],
      listen: options.webhookListen,
      metricsListen: options.metricsListen,
    });

    if (options.controllers) {
      this.#elector = options.leaderElection
        ? new LeaderElector({
            lock: leaseLock(client, options.namespace, options.leaseName),
            logger,
            callbacks: {
              onStartedLeading: (signal) => this.#lead(signal),
              onNewLeader: (identity) => {
                logger.info({ leader: identity }, 'leader observed');
              },
            },
          })
        : undefined;
      this.#reconciler = new NamespaceReconciler({
        client,
        logger,
        registry: this.registry,
        // Acts only inside lead(): the elector's signal (or, without election, the process's) bounds its work.
        leader: this.#elector ?? alwaysLeader,
        policy: this.#policy(),
        clusterMaxConcurrentRestarts: options.clusterMaxConcurrentRestarts,
        events: this.#events,
      });
    } else {
      this.#elector = undefined;
      this.#reconciler = undefined;
    }
  }

  /** The webhook server's bound addresses (useful when listening on port 0). */
  get server(): WebhookServer {
    return this.#server;
  }

  /** Starts everything; resolves once the webhook is listening. */
  async start(): Promise<void> {
    this.#configMaps.start();
    this.#nodes?.start();
    this.#certificates.start();
    await this.#server.start();
    if (this.#reconciler !== undefined) void this.#checkCrdInstalled();
    // Every replica warms the reconciler's caches, so a new leader acts on a full view at once.
    if (this.#reconciler !== undefined)
      void this.#reconciler.start(this.#stop.signal).catch((err: unknown) => {
        this.#log.error({ err }, 'namespace reconciler caches failed to start');
      });
    if (this.#elector !== undefined) {
      this.#leaderLoop = this.#elector.run(this.#stop.signal).catch((err: unknown) => {
        this.#log.error({ err }, 'leader election ended with an error');
      });
    } else if (this.#options.controllers) {
      this.#leaderLoop = this.#lead(this.#stop.signal);
    }
    this.#log.info(
      { revisions: this.#options.revisions, leaderElection: this.#options.leaderElection },
      'mesh-injector operator started',
    );
  }

  /** Stops in reverse order: leader work first (releasing the lease), the webhook last (finishing reviews). */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#leaderLoop;
    await this.#reconciler?.stop();
    // Keep answering for a moment: endpoints that still route to this replica are updated asynchronously.
    await this.#server.stop({ lameDuckMs: this.#options.lameDuckMs });
    await Promise.all([this.#configMaps.stop(), this.#nodes?.stop(), this.#certificates.stop()]);
  }

  async #lead(signal: AbortSignal): Promise<void> {
    const options = this.#options;
    const owner = await this.#webhookOwner(signal);
    const certificates = new CertificateController({
      client: this.#client,
      namespace: options.namespace,
      secretName: options.certSecret,
      mode: options.certMode,
      policy: certificatePolicy({
        service: options.serviceName,
        namespace: options.namespace,
        ...(options.caValidityMs === undefined ? {} : { caValidityMs: options.caValidityMs }),
        ...(options.servingValidityMs === undefined ? {} : { servingValidityMs: options.servingValidityMs }),
      }),
      logger: this.#log,
      metrics: this.#certificateMetrics,
      events: this.#events,
    });
    const webhookConfigs = new WebhookConfigController({
      client: this.#client,
      spec: {
        revisions: options.revisions,
        tags: options.tags,
        operatorNamespace: options.namespace,
        target:
          options.webhookUrl === undefined
            ? { service: { name: options.serviceName, namespace: options.namespace } }
            : { url: options.webhookUrl },
        failurePolicy: options.failurePolicy,
        timeoutSeconds: options.timeoutSeconds,
        reinvocationPolicy: options.reinvocationPolicy,
        ...(owner === undefined ? {} : { owner }),
      },
      caBundle: this.#certificates,
      logger: this.#log,
      metrics: this.#webhookConfigMetrics,
      events: this.#events,
    });
    this.#log.info('leading: certificates, webhook configurations, namespaces');
    await Promise.all([
      certificates.run(signal),
      webhookConfigs.run(signal),
      this.#reconciler?.lead(signal) ?? Promise.resolve(),
    ]);
  }

  /** The owner for the MWCs: the CRD's uid is looked up, since an ownerReference must carry it. */
  async #webhookOwner(signal: AbortSignal): Promise<WebhookConfigOwner | undefined> {
    const name = this.#options.webhookOwnerCrd;
    if (name === undefined) return undefined;
    try {
      const crd = await this.#client.request({
        path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
        signal,
      });
      const metadata = isJsonObject(crd.metadata) ? crd.metadata : {};
      if (typeof metadata.uid !== 'string') return undefined;
      return {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        name,
        uid: metadata.uid,
      };
    } catch (err) {
      this.#log.warn(
        { crd: name, err: err instanceof Error ? err.message : String(err) },
        'cannot read the owner CRD; the MutatingWebhookConfigurations get no owner and survive an uninstall',
      );
      return undefined;
    }
  }

  /** Says plainly when the MeshInjection CRD is missing: the reconciler's cache cannot fill without it. */
  async #checkCrdInstalled(): Promise<void> {
    const name = 'meshinjections.injection.mesh-injector.dev';
    try {
      await this.#client.request({ path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}` });
    } catch (err) {
      if (isNotFound(err)) {
        this.#log.error(
          { crd: name },
          'the MeshInjection CRD is not installed (kubectl apply -k config/default, or -f crds/meshinjection.yaml); ' +
            'the webhook serves, but namespaces are not reconciled until it exists',
        );
      }
    }
  }

  #nativeSidecars(): boolean | undefined {
    switch (this.#options.nativeSidecars) {
      case 'true':
        return true;
      case 'false':
        return false;
      case 'auto':
        return this.#nodes === undefined ? false : nodesSupportNativeSidecars(this.#nodes.list());
    }
  }

  /** The default revision's policy and selectors, read live so a ConfigMap change reaches the classifier too. */
  #policy(): InjectionPolicyConfig {
    const configs = this.#configs;
    const current = (): InjectionPolicyConfig =>
      configs.injectorFor('default')?.settings.config ?? { policy: 'enabled' };
    return {
      get policy() {
        return current().policy;
      },
      get neverInjectSelector() {
        return current().neverInjectSelector;
      },
      get alwaysInjectSelector() {
        return current().alwaysInjectSelector;
      },
    };
  }
}

function kubeletVersionOf(node: JsonObject): string {
  const status = isJsonObject(node.status) ? node.status : {};
  const info = isJsonObject(status.nodeInfo) ? status.nodeInfo : {};
  return typeof info.kubeletVersion === 'string' ? info.kubeletVersion : '';
}
