// The namespace reconciler's I/O shell: informers in, writes out. Every decision is made by analyze.ts from what
// the caches hold; this file only gathers that state, carries out the plan, and writes the MeshInjection status.
//
// Lifecycle: `start()` fills the caches (every replica may do this, so a new leader starts warm); `lead(signal)`
// reconciles until the signal aborts (call it from the leader elector's onStartedLeading); `stop()` ends it all.
// Every write also checks `leader.isLeader()` first, so a replica that lost its lease stops writing at once.
//
// The level-based loop, keyed by namespace: any change to a namespace, its pods or workloads, its MeshInjection,
// or any injector MutatingWebhookConfiguration queues the namespace; the reconcile recomputes everything from the
// caches. While restarts roll it asks to be looked at again (requeueAfter), so pacing never depends on an event.
// A namespace that changes all the time (a burst of pods, a rollout of everything) is reconciled at most once per
// interval (pacer.ts): the work done per event stays bounded, and the state the burst leaves is reconciled at the
// end of the interval.
import { namespaceInjection, type InjectionPolicyConfig } from '../../inject/decide.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../../inject/types.ts';
import {
  apiStatus,
  isAbortError,
  isAlreadyExists,
  isConflict,
  isNotFound,
  resourcePath,
  type KubeClient,
  type ResourceRef,
} from '../../kube/client.ts';
import { systemClock, type Clock, type TimerHandle } from '../../kube/clock.ts';
import { KubeEventRecorder, type EventRecorder, type ObjectReference } from '../../kube/events.ts';
import {
  enqueueHandler,
  httpListerWatcher,
  Informer,
  stripManagedFields,
  type InformerHandler,
} from '../../kube/informer.ts';
import {
  classifyWorkload,
  type OwnerLookup,
  type WorkloadKind,
  type WorkloadRef,
} from '../../kube/owners.ts';
import { mergePatch, patchStatus, strategicMergePatch } from '../../kube/patch.ts';
import { splitKey } from '../../kube/store.ts';
import { runWorkers, WorkQueue, type ReconcileResult } from '../../kube/workqueue.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Registry } from '../../observability/metrics.ts';
import { IGNORED_NAMESPACES, labelsOf } from '../../inject/annotations.ts';
import { injectorWebhookConfig, type InjectorWebhookConfig } from '../revision.ts';
import { analyzeNamespace, inScope, type NamespaceAnalysis } from './analyze.ts';
import { mapConcurrently } from './concurrently.ts';
import { RestartExpectations, workloadKey } from './expectations.ts';
import {
  createNamespaceReconcilerMetrics,
  type NamespaceReconcilerMetrics,
  type RestartResult,
} from './metrics.ts';
import {
  FIELD_MANAGER,
  KUBECTL_RESTARTED_AT_ANNOTATION,
  MeshInjectionResource,
  RESTARTED_AT_ANNOTATION,
  RESTARTED_FOR_ANNOTATION,
} from './names.ts';
import { restartBudget, type RestartAction } from './plan.ts';
import { ReconcilePacer } from './pacer.ts';
import { podView, type ClassificationCache, type PodView } from './pods.ts';
import { computeStatus, statusChanged, statusJson, type MeshInjectionStatus } from './status.ts';
import {
  reportedFromStatus,
  transitionEvents,
  type PlannedEvent,
  type ReportedStates,
} from './transitions.ts';
import { workloadView, type WorkloadView } from './workload.ts';

/** Whether this replica currently leads (LeaderElector fits). */
export interface LeaderSignal {
  isLeader(): boolean;
}

export interface NamespaceReconcilerOptions {
  readonly client: KubeClient;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly leader: LeaderSignal;
  /** The injector's policy and selectors, so pods are classified as the webhook decides; default `enabled`. */
  readonly policy?: InjectionPolicyConfig;
  /** Namespaces never looked at; Istio's four by default. */
  readonly ignoredNamespaces?: readonly string[];
  /** Operator restarts rolling at once across the cluster; default 10. */
  readonly clusterMaxConcurrentRestarts?: number;
  /** Namespaces reconciled in parallel; default 2. */
  readonly workers?: number;
  /** How soon to look again while restarts roll or wait; default 5 s. */
  readonly pollMs?: number;
  /** Least time between two status writes of one namespace while things change; default 1 s. */
  readonly statusMinIntervalMs?: number;
  /**
   * Least time between the starts of two reconciles of one namespace while its events keep coming (more for a
   * namespace whose analysis is costly, see pacer.ts); a change after a quiet spell is reconciled at once.
   * Default 1 s.
   */
  readonly minReconcileIntervalMs?: number;
  /** Restart writes (patches, pod deletions) one reconcile has on the wire at once; default 8. */
  readonly restartWriteConcurrency?: number;
  /** Every namespace is reconciled again this often, events or not; default 10 min. */
  readonly resyncMs?: number;
  /** Default: a KubeEventRecorder on `client`. */
  readonly events?: EventRecorder;
  /** Default: created on `registry`. */
  readonly metrics?: NamespaceReconcilerMetrics;
  readonly fieldManager?: string;
  readonly clock?: Clock;
}

interface NamespaceView {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly terminating: boolean;
}

function namespaceView(raw: JsonObject): NamespaceView {
  const metadata = isJsonObject(raw.metadata) ? raw.metadata : {};
  const status = isJsonObject(raw.status) ? raw.status : {};
  return {
    name: typeof metadata.name === 'string' ? metadata.name : '',
    labels: labelsOf(raw),
    terminating: typeof metadata.deletionTimestamp === 'string' || status.phase === 'Terminating',
  };
}

/** MeshInjections keep only what the reconciler reads. */
function meshInjectionView(raw: JsonObject): JsonObject {
  const slim = stripManagedFields(raw);
  const { metadata, spec, status } = slim;
  const out: JsonObject = { metadata: metadata ?? {} };
  if (spec !== undefined) out.spec = spec;
  if (status !== undefined) out.status = status;
  return out;
}

const restartedIndex = 'restarted';
const workloadIndexers = {
  [restartedIndex]: (view: WorkloadView): readonly string[] =>
    view.restartedFor === undefined ? [] : ['yes'],
};

/** Workload kinds cached by informers: resource and API version. */
const cachedKinds = {
  Deployment: { apiVersion: 'apps/v1', resource: 'deployments' },
  StatefulSet: { apiVersion: 'apps/v1', resource: 'statefulsets' },
  DaemonSet: { apiVersion: 'apps/v1', resource: 'daemonsets' },
  ReplicaSet: { apiVersion: 'apps/v1', resource: 'replicasets' },
  ReplicationController: { apiVersion: 'v1', resource: 'replicationcontrollers' },
  Job: { apiVersion: 'batch/v1', resource: 'jobs' },
} as const;
type CachedKind = keyof typeof cachedKinds;

function isCachedKind(kind: WorkloadKind): kind is CachedKind {
  return Object.hasOwn(cachedKinds, kind);
}

const rolloutApi = { apiVersion: 'argoproj.io/v1alpha1', resource: 'rollouts' } as const;

function objectReference(ref: WorkloadRef): ObjectReference {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    name: ref.name,
    namespace: ref.namespace,
    ...(ref.uid === undefined ? {} : { uid: ref.uid }),
  };
}

function field(obj: JsonObject, ...path: string[]): JsonValue | undefined {
  let at: JsonValue | undefined = obj;
  for (const key of path) at = isJsonObject(at) ? at[key] : undefined;
  return at;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

class NotLeadingError extends Error {
  override readonly name = 'AbortError';
}

interface WrittenStatus {
  readonly status: MeshInjectionStatus;
  /** resourceVersion the write produced. */
  readonly produced: string;
  /** resourceVersions known to come before the write: a cache showing one of them has not caught up yet. */
  readonly older: ReadonlySet<string>;
  readonly at: number;
}

export class NamespaceReconciler {
  readonly #client: KubeClient;
  readonly #log: Logger;
  readonly #leader: LeaderSignal;
  readonly #policy: InjectionPolicyConfig;
  readonly #ignored: readonly string[];
  readonly #clusterMax: number;
  readonly #workers: number;
  readonly #pollMs: number;
  readonly #statusMinIntervalMs: number;
  readonly #resyncMs: number;
  readonly #restartWriteConcurrency: number;
  readonly #pacer: ReconcilePacer;
  readonly #events: EventRecorder;
  readonly #metrics: NamespaceReconcilerMetrics;
  readonly #fieldManager: string;
  readonly #clock: Clock;
  readonly #expectations = new RestartExpectations();
  readonly #written = new Map<string, WrittenStatus>();
  /** What each namespace's events last reported (transitions.ts). */
  readonly #reported = new Map<string, ReportedStates>();
  /** Pod classifications per namespace, valid for that namespace object and webhook configuration generation. */
  readonly #classifications = new Map<
    string,
    { readonly ns: NamespaceView; readonly webhooks: number; readonly cache: ClassificationCache }
  >();
  /** Bumped on every change to the injector webhook configurations (they decide the wanted revision). */
  #webhookGeneration = 0;
  readonly #namespaces: Informer<NamespaceView>;
  readonly #pods: Informer<PodView>;
  readonly #workloads: Readonly<Record<CachedKind, Informer<WorkloadView>>>;
  readonly #webhooks: Informer<InjectorWebhookConfig | null>;
  readonly #meshInjections: Informer;
  readonly #informers: readonly Informer<unknown>[];
  #queue: WorkQueue | undefined;
  #started: Promise<void> | undefined;
  #stopped = false;

  constructor(options: NamespaceReconcilerOptions) {
    this.#client = options.client;
    this.#log = options.logger.child({ controller: 'namespaces' });
    this.#leader = options.leader;
    this.#policy = options.policy ?? { policy: 'enabled' };
    this.#ignored = options.ignoredNamespaces ?? IGNORED_NAMESPACES;
    this.#clusterMax = options.clusterMaxConcurrentRestarts ?? 10;
    this.#workers = options.workers ?? 2;
    this.#pollMs = options.pollMs ?? 5000;
    this.#statusMinIntervalMs = options.statusMinIntervalMs ?? 1000;
    this.#resyncMs = options.resyncMs ?? 10 * 60_000;
    this.#restartWriteConcurrency = options.restartWriteConcurrency ?? 8;
    this.#pacer = new ReconcilePacer({ minIntervalMs: options.minReconcileIntervalMs ?? 1000 });
    this.#metrics = options.metrics ?? createNamespaceReconcilerMetrics(options.registry);
    this.#events =
      options.events ??
      new KubeEventRecorder({ client: options.client, logger: options.logger, component: FIELD_MANAGER });
    this.#fieldManager = options.fieldManager ?? FIELD_MANAGER;
    this.#clock = options.clock ?? systemClock;
    if (!(this.#clusterMax >= 1))
      throw new Error(`clusterMaxConcurrentRestarts must be >= 1, got ${this.#clusterMax}`);
    if (!Number.isInteger(this.#restartWriteConcurrency) || this.#restartWriteConcurrency < 1)
      throw new Error(
        `restartWriteConcurrency must be a positive integer, got ${this.#restartWriteConcurrency}`,
      );

    const informer = <T>(
      name: string,
      ref: ResourceRef,
      transform: (obj: JsonObject) => T,
      indexers = {},
    ): Informer<T> =>
      new Informer<T>({
        name,
        source: httpListerWatcher(this.#client, ref),
        logger: this.#log,
        transform,
        indexers,
        metrics: this.#metrics.informers,
        clock: this.#clock,
      });
    this.#namespaces = informer('namespaces', { apiVersion: 'v1', resource: 'namespaces' }, namespaceView);
    this.#pods = informer('pods', { apiVersion: 'v1', resource: 'pods' }, podView);
    const workloads = {} as Record<CachedKind, Informer<WorkloadView>>;
    for (const [kind, api] of Object.entries(cachedKinds) as [
      CachedKind,
      (typeof cachedKinds)[CachedKind],
    ][]) {
      workloads[kind] = informer<WorkloadView>(api.resource, api, workloadView, workloadIndexers);
    }
    this.#workloads = workloads;
    this.#webhooks = informer(
      'mutatingwebhookconfigurations',
      { apiVersion: 'admissionregistration.k8s.io/v1', resource: 'mutatingwebhookconfigurations' },
      (obj) => injectorWebhookConfig(obj) ?? null,
    );
    this.#meshInjections = informer(
      'meshinjections',
      { apiVersion: MeshInjectionResource.apiVersion, resource: MeshInjectionResource.resource },
      meshInjectionView,
    );
    this.#informers = [
      this.#namespaces,
      this.#pods,
      ...Object.values(this.#workloads),
      this.#webhooks,
      this.#meshInjections,
    ] as Informer<unknown>[];

    const queue = {
      add: (key: string) => {
        this.#enqueue(key);
      },
    };
    this.#namespaces.addHandler(enqueueHandler(queue));
    this.#pods.addHandler(enqueueHandler<PodView>(queue, (pod) => pod.namespace));
    for (const workloadInformer of Object.values(this.#workloads)) {
      workloadInformer.addHandler(enqueueHandler<WorkloadView>(queue, (view) => view.metadata.namespace));
    }
    this.#meshInjections.addHandler(
      enqueueHandler<JsonObject>(queue, (_obj, key) => splitKey(key).namespace),
    );
    const webhooksChanged = (): void => {
      this.#webhookGeneration++;
      this.#enqueueAll();
    };
    const everyNamespace: InformerHandler<InjectorWebhookConfig | null> = {
      onAdd: webhooksChanged,
      onUpdate: webhooksChanged,
      onDelete: webhooksChanged,
    };
    this.#webhooks.addHandler(everyNamespace);
  }

  /** Starts the informers and resolves once every cache is filled (rejects if `signal` aborts first). */
  start(signal?: AbortSignal): Promise<void> {
    if (this.#stopped) return Promise.reject(new Error('namespace reconciler was stopped; create a new one'));
    this.#started ??= (async () => {
      for (const inf of this.#informers) inf.start();
      await Promise.all(this.#informers.map((inf) => inf.waitForSync(signal)));
      this.#log.info('caches synced');
    })();
    return this.#started;
  }

  /**
   * Reconciles until `signal` aborts; call it when this replica becomes leader (starts the informers if needed).
   * Resolves when the in-flight reconciles have finished.
   */
  async lead(signal: AbortSignal): Promise<void> {
    await this.start(signal);
    if (signal.aborted || this.#stopped) return;
    const queue = new WorkQueue({ name: 'namespaces', metrics: this.#metrics.queue, clock: this.#clock });
    this.#queue = queue;
    // Another leader may have reported since this replica last led: start again from the stored statuses.
    this.#reported.clear();
    this.#enqueueAll();
    let resync: TimerHandle | undefined;
    const scheduleResync = (): void => {
      resync = this.#clock.setTimer(() => {
        this.#enqueueAll();
        scheduleResync();
      }, this.#resyncMs);
    };
    scheduleResync();
    this.#log.info('leading: reconciling namespaces');
    try {
      await runWorkers(queue, (key, s) => this.#reconcile(key, s), {
        logger: this.#log,
        concurrency: this.#workers,
        signal,
        metrics: this.#metrics.controller,
        clock: this.#clock,
      });
    } finally {
      resync?.cancel();
      queue.shutdown();
      if (this.#queue === queue) this.#queue = undefined;
      this.#log.info('stopped reconciling namespaces');
    }
  }

  /** Stops reconciling and the informers. Final. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#queue?.shutdown();
    await Promise.all(this.#informers.map((inf) => inf.stop()));
  }

  #enqueueAll(): void {
    for (const key of this.#namespaces.keys()) this.#enqueue(key);
  }

  /** Queues a namespace now, or at the end of its reconcile interval if one started moments ago. */
  #enqueue(namespace: string): void {
    const queue = this.#queue;
    if (queue === undefined) return;
    const delay = this.#pacer.delayMs(namespace, this.#clock.now());
    if (delay > 0) queue.addAfter(namespace, delay);
    else queue.add(namespace);
  }

  #classificationCache(ns: NamespaceView): ClassificationCache {
    const held = this.#classifications.get(ns.name);
    if (held !== undefined && held.ns === ns && held.webhooks === this.#webhookGeneration) return held.cache;
    const cache: ClassificationCache = new WeakMap();
    this.#classifications.set(ns.name, { ns, webhooks: this.#webhookGeneration, cache });
    return cache;
  }

  #checkLeading(signal: AbortSignal): void {
    if (signal.aborted || !this.#leader.isLeader()) throw new NotLeadingError('not leading; write skipped');
  }

  #webhookConfigs(): InjectorWebhookConfig[] {
    return this.#webhooks.list().filter((c): c is InjectorWebhookConfig => c !== null);
  }

  readonly #lookup: OwnerLookup = (ref) => {
    const kind = classifyWorkload(ref.apiVersion, ref.kind);
    return isCachedKind(kind) ? this.#workloads[kind].get(`${ref.namespace}/${ref.name}`) : undefined;
  };

  #cachedWorkload(kind: WorkloadKind, namespace: string, name: string): WorkloadView | undefined {
    return isCachedKind(kind) ? this.#workloads[kind].get(`${namespace}/${name}`) : undefined;
  }

  /** Operator-restarted workloads across the cluster, as they are after our latest writes. */
  #restartedWorkloads(now: number): WorkloadView[] {
    const views = new Map<string, WorkloadView>();
    for (const [kind, inf] of Object.entries(this.#workloads)) {
      for (const view of inf.byIndex(restartedIndex, 'yes')) {
        views.set(workloadKey(kind, view.metadata.namespace, view.metadata.name), view);
      }
    }
    for (const key of this.#expectations.pendingRestarts(now)) {
      if (views.has(key)) continue;
      const [kind = '', namespace = '', ...rest] = key.split('/');
      const view = this.#cachedWorkload(kind as WorkloadKind, namespace, rest.join('/'));
      if (view !== undefined) views.set(key, view);
    }
    return [...views.entries()].map(([key, view]) => this.#expectations.overlay(key, view, now));
  }

  #analyze(
    ns: NamespaceView,
    meshInjection: JsonObject | undefined,
    rollouts: ReadonlyMap<string, WorkloadView>,
  ): NamespaceAnalysis {
    const started = performance.now();
    const now = this.#clock.now();
    const restarted = this.#restartedWorkloads(now);
    const rolloutViews = [...rollouts.values()].map((v) =>
      this.#expectations.overlay(workloadKey('Rollout', ns.name, v.metadata.name), v, now),
    );
    const analysis = analyzeNamespace({
      namespace: ns.name,
      labels: ns.labels,
      webhookConfigs: this.#webhookConfigs(),
      meshInjection,
      pods: this.#pods.byNamespace(ns.name),
      lookup: this.#lookup,
      workload: (kind, name) => {
        const view = kind === 'Rollout' ? rollouts.get(name) : this.#cachedWorkload(kind, ns.name, name);
        return view === undefined
          ? undefined
          : this.#expectations.overlay(workloadKey(kind, ns.name, name), view, now);
      },
      budget: restartBudget([...restarted, ...rolloutViews], ns.name, this.#clusterMax),
      policy: this.#policy,
      ignoredNamespaces: this.#ignored,
      now,
      recentlyDeleted: (uid) => this.#expectations.isDeleted(uid, now),
      pollMs: this.#pollMs,
      classifications: this.#classificationCache(ns),
    });
    this.#pacer.measured(ns.name, performance.now() - started);
    return analysis;
  }

  async #reconcile(namespace: string, signal: AbortSignal): Promise<ReconcileResult | undefined> {
    if (!this.#leader.isLeader()) return undefined;
    const ns = this.#namespaces.get(namespace);
    if (ns === undefined || this.#ignored.includes(namespace)) {
      this.#forget(namespace);
      return undefined;
    }
    const miKey = `${namespace}/${MeshInjectionResource.name}`;
    let meshInjection = this.#meshInjections.get(miKey);
    if (!namespaceInjection(ns.labels).enabled && meshInjection === undefined) {
      this.#forget(namespace);
      return undefined;
    }
    if (ns.terminating) return undefined;
    this.#pacer.started(namespace, this.#clock.now());
    if (meshInjection === undefined) meshInjection = await this.#ensureMeshInjection(namespace, signal);

    let analysis = this.#analyze(ns, meshInjection, new Map());
    const rolloutNames = analysis.groups
      .filter((g) => g.kind === 'Rollout' && g.counts.missing + g.counts.stale > 0)
      .map((g) => g.ref.name);
    if (rolloutNames.length > 0) {
      analysis = this.#analyze(ns, meshInjection, await this.#fetchRollouts(namespace, rolloutNames, signal));
    }
    if (!inScope(analysis.resolution, meshInjection)) return undefined;

    // From planning to registering expectations nothing awaits: concurrent reconciles of other namespaces see
    // this one's restarts in the budget before any of them is sent.
    const now = this.#clock.now();
    for (const action of analysis.plan.actions) this.#expect(action, namespace, now);
    // The plan already holds the restarts to the budget; this only sends its writes side by side.
    const outcomes = await mapConcurrently(analysis.plan.actions, this.#restartWriteConcurrency, (action) =>
      this.#act(action, namespace, signal),
    );
    const actionErrors = outcomes.flatMap((o) => (o.error === undefined ? [] : [o.error]));
    const conflicts = outcomes.some((o) => o.conflict);

    const { counts } = analysis;
    this.#metrics.stalePods.set({ namespace, state: 'missing' }, counts.missing);
    this.#metrics.stalePods.set({ namespace, state: 'stale' }, counts.stale);

    const statusDelay = await this.#writeStatus(namespace, meshInjection, analysis, actionErrors, signal);
    this.#reportTransitions(namespace, meshInjection, analysis, signal);
    const delays = [analysis.plan.requeueAfterMs, statusDelay].filter((d): d is number => d !== undefined);
    if (conflicts) return { requeue: true };
    return delays.length === 0 ? undefined : { requeueAfterMs: Math.max(1, Math.min(...delays)) };
  }

  #forget(namespace: string): void {
    this.#written.delete(namespace);
    this.#reported.delete(namespace);
    this.#classifications.delete(namespace);
    this.#pacer.forget(namespace);
    this.#metrics.stalePods.remove({ namespace, state: 'missing' });
    this.#metrics.stalePods.remove({ namespace, state: 'stale' });
  }

  async #ensureMeshInjection(namespace: string, signal: AbortSignal): Promise<JsonObject> {
    this.#checkLeading(signal);
    const { apiVersion, kind, resource, name } = MeshInjectionResource;
    try {
      const created = await this.#client.request({
        method: 'POST',
        path: resourcePath({ apiVersion, resource, namespace }),
        query: { fieldManager: this.#fieldManager },
        body: { apiVersion, kind, metadata: { name, namespace }, spec: {} },
        signal,
      });
      this.#metrics.writes.inc({ resource, verb: 'create' });
      this.#log.info({ namespace }, 'created MeshInjection');
      return meshInjectionView(created);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      return meshInjectionView(
        await this.#client.request({ path: resourcePath({ apiVersion, resource, namespace, name }), signal }),
      );
    }
  }

  async #fetchRollouts(
    namespace: string,
    names: readonly string[],
    signal: AbortSignal,
  ): Promise<Map<string, WorkloadView>> {
    const out = new Map<string, WorkloadView>();
    for (const name of new Set(names)) {
      try {
        const raw = await this.#client.request({
          path: resourcePath({ ...rolloutApi, namespace, name }),
          signal,
        });
        out.set(name, workloadView(raw));
      } catch (err) {
        // No Argo Rollouts here, or no permission to read them: the workload stays Pending (WorkloadNotCached).
        if (!isNotFound(err) && apiStatus(err)?.code !== 403) throw err;
      }
    }
    return out;
  }

  #expect(action: RestartAction, namespace: string, now: number): void {
    if (action.type === 'rolloutRestart') {
      const { workload } = action;
      this.#expectations.expectRestart(
        workloadKey(workload.kind, namespace, workload.metadata.name),
        action.cause,
        action.at,
        now,
      );
    } else {
      this.#expectations.expectDeletion(action.pod.uid, now);
      if (action.mark !== undefined) {
        this.#expectations.expectRestart(
          workloadKey(action.mark.kind, namespace, action.mark.metadata.name),
          action.cause,
          action.at,
          now,
        );
      }
    }
  }

  #unexpect(action: RestartAction, namespace: string): void {
    const marked = action.type === 'rolloutRestart' ? action.workload : action.mark;
    if (marked !== undefined)
      this.#expectations.forgetRestart(workloadKey(marked.kind, namespace, marked.metadata.name));
    if (action.type === 'deletePod') this.#expectations.forgetDeletion(action.pod.uid);
  }

  /** Carries out one planned action; never throws for API refusals (they are reported in status). */
  async #act(
    action: RestartAction,
    namespace: string,
    signal: AbortSignal,
  ): Promise<{ error?: string; conflict: boolean }> {
    const target = action.type === 'rolloutRestart' ? action.workload : action.mark;
    const kind =
      action.type === 'rolloutRestart'
        ? action.workload.kind
        : (action.pod.owner.metadata?.ownerReferences?.[0]?.kind ?? 'Pod');
    try {
      this.#checkLeading(signal);
      if (target !== undefined) await this.#markRestarted(target, action, namespace, signal);
      if (action.type === 'deletePod') await this.#deletePod(action.pod, signal);
      const result: RestartResult = action.type === 'deletePod' ? 'pod_deleted' : 'triggered';
      this.#metrics.restarts.inc({ kind, result });
      this.#recordRestart(action, namespace);
      this.#log.info(
        {
          namespace,
          kind,
          name: target?.metadata.name ?? (action.type === 'deletePod' ? action.pod.name : ''),
          cause: action.cause,
          deletedPod: action.type === 'deletePod' ? action.pod.name : undefined,
        },
        'restart triggered',
      );
      return { conflict: false };
    } catch (err) {
      this.#unexpect(action, namespace);
      if (err instanceof NotLeadingError || isAbortError(err)) throw err;
      const name = target?.metadata.name ?? (action.type === 'deletePod' ? action.pod.name : '');
      if (isConflict(err) || isNotFound(err)) {
        // The cache was behind: the next reconcile decides again from the object as it is now.
        this.#metrics.restarts.inc({ kind, result: 'conflict' });
        this.#log.debug({ namespace, kind, name, err }, 'restart raced a change; will look again');
        return { conflict: true };
      }
      this.#metrics.restarts.inc({ kind, result: 'failed' });
      this.#log.warn({ namespace, kind, name, err }, 'restart failed');
      return { error: `${kind} ${name}: ${errorText(err)}`, conflict: false };
    }
  }

  /**
   * The restart write: our annotations on the workload's metadata and, for rolling kinds, the restart itself, in
   * one patch guarded by the cached resourceVersion. If the object changed since the cache saw it (including a
   * restart by another replica), the API server refuses with 409 and nothing is restarted twice.
   */
  async #markRestarted(
    view: WorkloadView,
    action: RestartAction,
    namespace: string,
    signal: AbortSignal,
  ): Promise<void> {
    const metadata: JsonObject = {
      resourceVersion: view.resourceVersion,
      annotations: { [RESTARTED_FOR_ANNOTATION]: action.cause, [RESTARTED_AT_ANNOTATION]: action.at },
    };
    const name = view.metadata.name;
    if (view.kind === 'Rollout') {
      await mergePatch(
        this.#client,
        { ...rolloutApi, namespace, name },
        { metadata, spec: { restartAt: action.at } },
        { fieldManager: this.#fieldManager, signal },
      );
      this.#metrics.writes.inc({ resource: rolloutApi.resource, verb: 'patch' });
      return;
    }
    if (!isCachedKind(view.kind)) throw new Error(`cannot restart a ${view.kind}`);
    const api = cachedKinds[view.kind];
    const body: JsonObject =
      action.type === 'rolloutRestart'
        ? {
            metadata,
            spec: {
              template: { metadata: { annotations: { [KUBECTL_RESTARTED_AT_ANNOTATION]: action.at } } },
            },
          }
        : { metadata };
    await strategicMergePatch(this.#client, { ...api, namespace, name }, body, {
      fieldManager: this.#fieldManager,
      signal,
    });
    this.#metrics.writes.inc({ resource: api.resource, verb: 'patch' });
  }

  async #deletePod(pod: PodView, signal: AbortSignal): Promise<void> {
    this.#checkLeading(signal);
    await this.#client.request({
      method: 'DELETE',
      path: resourcePath({ apiVersion: 'v1', resource: 'pods', namespace: pod.namespace, name: pod.name }),
      body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: pod.uid } },
      signal,
    });
    this.#metrics.writes.inc({ resource: 'pods', verb: 'delete' });
  }

  #recordRestart(action: RestartAction, namespace: string): void {
    if (action.type === 'rolloutRestart') {
      const { workload } = action;
      this.#events.record(
        objectReference({
          apiVersion: workload.apiVersion,
          kind: workload.kind,
          namespace,
          name: workload.metadata.name,
          ...(workload.metadata.uid === undefined ? {} : { uid: workload.metadata.uid }),
        }),
        'Normal',
        'RestartTriggered',
        `restarting for ${action.cause}: pods lack the wanted sidecar (rollout restart by mesh-injector)`,
      );
      return;
    }
    const regarding = action.pod.owner.metadata?.ownerReferences?.[0];
    this.#events.record(
      regarding === undefined
        ? { apiVersion: 'v1', kind: 'Pod', namespace, name: action.pod.name, uid: action.pod.uid }
        : objectReference({ ...regarding, namespace }),
      'Normal',
      'RestartTriggered',
      `deleted pod ${action.pod.name} for ${action.cause} so that it is recreated with the wanted sidecar`,
    );
  }

  /** Writes the status when it changed; returns a delay when a write was held back by the minimum interval. */
  async #writeStatus(
    namespace: string,
    meshInjection: JsonObject,
    analysis: NamespaceAnalysis,
    actionErrors: readonly string[],
    signal: AbortSignal,
  ): Promise<number | undefined> {
    const metadata = isJsonObject(meshInjection.metadata) ? meshInjection.metadata : {};
    const generation = typeof metadata.generation === 'number' ? metadata.generation : 0;
    const resourceVersion = typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : '';
    const now = this.#clock.now();
    const written = this.#written.get(namespace);
    // A cache that has not caught up with our last write shows the status from before it: compare with what we
    // wrote. Any other version (ours, or a newer one by someone else) is compared as it is.
    const lagging = written?.older.has(resourceVersion) === true;
    const stored: JsonValue | undefined = lagging ? statusJson(written.status) : meshInjection.status;
    const status = computeStatus(
      {
        generation,
        resolution: analysis.resolution,
        counts: analysis.counts,
        decisions: analysis.plan.decisions,
        restartPolicy: analysis.spec.spec.restartPolicy,
        specProblems: analysis.spec.problems,
        actionErrors,
        now,
      },
      stored,
    );
    if (!statusChanged(stored, status)) return undefined;
    if (written !== undefined && now - written.at < this.#statusMinIntervalMs) {
      return written.at + this.#statusMinIntervalMs - now;
    }
    this.#checkLeading(signal);
    const answer = await patchStatus(
      this.#client,
      {
        apiVersion: MeshInjectionResource.apiVersion,
        resource: MeshInjectionResource.resource,
        namespace,
        name: MeshInjectionResource.name,
      },
      'merge',
      { status: statusJson(status) },
      { fieldManager: this.#fieldManager, signal },
    );
    this.#metrics.writes.inc({ resource: MeshInjectionResource.resource, verb: 'patch_status' });
    const produced = field(answer, 'metadata', 'resourceVersion');
    const older = new Set(lagging ? written.older : []);
    older.add(resourceVersion);
    if (written !== undefined) older.add(written.produced);
    this.#written.set(namespace, {
      status,
      produced: typeof produced === 'string' ? produced : '',
      older,
      at: now,
    });
    return undefined;
  }

  /** Events for what changed since the namespace was last reported on (transitions.ts). */
  #reportTransitions(
    namespace: string,
    meshInjection: JsonObject,
    analysis: NamespaceAnalysis,
    signal: AbortSignal,
  ): void {
    if (signal.aborted || !this.#leader.isLeader()) return;
    const previous = this.#reported.get(namespace) ?? reportedFromStatus(meshInjection.status);
    const { events, reported } = transitionEvents(previous, analysis.plan.decisions);
    this.#reported.set(namespace, reported);
    for (const event of events) {
      this.#events.record(
        this.#eventTarget(event, namespace, meshInjection),
        event.type,
        event.reason,
        event.message,
      );
    }
  }

  #eventTarget(event: PlannedEvent, namespace: string, meshInjection: JsonObject): ObjectReference {
    if (event.regarding === 'workload') return objectReference({ ...event.decision.group.ref, namespace });
    const uid = field(meshInjection, 'metadata', 'uid');
    return {
      apiVersion: MeshInjectionResource.apiVersion,
      kind: MeshInjectionResource.kind,
      namespace,
      name: MeshInjectionResource.name,
      ...(typeof uid === 'string' ? { uid } : {}),
    };
  }
}
