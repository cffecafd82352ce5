// The namespace reconciler's metrics. Per-workload facts go to Events and the MeshInjection status, not to
// labels: series are per namespace at most, so cardinality stays bounded by the namespaces opted in. Names carry
// `namespace` so that other controllers registering on the same registry never collide with them.
import {
  createCounter,
  createGauge,
  type Counter,
  type Gauge,
  type Registry,
} from '../../observability/metrics.ts';
import type { ControllerMetrics, WorkQueueMetrics } from '../../kube/workqueue.ts';
import type { InformerMetrics } from '../../kube/informer.ts';

/** What happened to one restart the plan asked for. */
export type RestartResult = 'triggered' | 'conflict' | 'failed' | 'pod_deleted';

export interface NamespaceReconcilerMetrics {
  readonly controller: ControllerMetrics;
  readonly queue: WorkQueueMetrics;
  readonly informers: InformerMetrics;
  /** Restarts by `kind` and `result`. */
  readonly restarts: Counter<'kind' | 'result'>;
  /** Pods missing a sidecar or carrying a stale one, by `namespace` and `state` (missing, stale). */
  readonly stalePods: Gauge<'namespace' | 'state'>;
  /** Writes to the API server by `resource` and `verb`; reads are served from caches. */
  readonly writes: Counter<'resource' | 'verb'>;
}

export function createNamespaceReconcilerMetrics(registry: Registry): NamespaceReconcilerMetrics {
  const reconciles = createCounter<'controller' | 'result'>(registry, {
    name: 'mesh_injector_namespace_reconciles_total',
    help: 'Namespace reconciles by result (success, error, requeue, requeue_after).',
    labelNames: ['controller', 'result'],
  });
  const depth = createGauge<'name'>(registry, {
    name: 'mesh_injector_namespace_workqueue_depth',
    help: 'Keys waiting in a work queue.',
    labelNames: ['name'],
  });
  const adds = createCounter<'name'>(registry, {
    name: 'mesh_injector_namespace_workqueue_adds_total',
    help: 'Keys added to a work queue (after de-duplication).',
    labelNames: ['name'],
  });
  const retries = createCounter<'name'>(registry, {
    name: 'mesh_injector_namespace_workqueue_retries_total',
    help: 'Keys re-added to a work queue after a failure.',
    labelNames: ['name'],
  });
  const informerEvents = createCounter<'informer' | 'type'>(registry, {
    name: 'mesh_injector_namespace_informer_events_total',
    help: 'Watch events received by informer and type.',
    labelNames: ['informer', 'type'],
  });
  const informerRestarts = createCounter<'informer' | 'reason'>(registry, {
    name: 'mesh_injector_namespace_informer_restarts_total',
    help: 'Watch restarts other than server timeouts, by informer and reason.',
    labelNames: ['informer', 'reason'],
  });
  const informerObjects = createGauge<'informer'>(registry, {
    name: 'mesh_injector_namespace_informer_objects',
    help: 'Objects cached by informer.',
    labelNames: ['informer'],
  });
  return {
    controller: { reconciles },
    queue: { depth, adds, retries },
    informers: { events: informerEvents, restarts: informerRestarts, objects: informerObjects },
    restarts: createCounter<'kind' | 'result'>(registry, {
      name: 'mesh_injector_restarts_total',
      help: 'Workload restarts the operator attempted, by workload kind and result.',
      labelNames: ['kind', 'result'],
    }),
    stalePods: createGauge<'namespace' | 'state'>(registry, {
      name: 'mesh_injector_stale_pods',
      help: 'Pods in opted-in namespaces missing the wanted sidecar (state=missing) or carrying another (state=stale).',
      labelNames: ['namespace', 'state'],
    }),
    writes: createCounter<'resource' | 'verb'>(registry, {
      name: 'mesh_injector_namespace_reconciler_writes_total',
      help: 'API writes made by the namespace reconciler, by resource and verb.',
      labelNames: ['resource', 'verb'],
    }),
  };
}
