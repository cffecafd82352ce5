// The project's one metrics setup. Every component registers its metrics on a Registry that the
// process creates once (`createMetricsRegistry`) and hands down; nothing here touches prom-client's
// global default registry, so tests and several servers in one process never collide.
//
// The webhook's metrics keep Istio's names and meanings (pkg/kube/inject/monitoring.go), so dashboards
// and alerts written for istiod's injector work unchanged. Other components add theirs through the
// same helpers.
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';

export type { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface MetricsRegistryOptions {
  /** Add prom-client's Node process metrics (CPU, memory, event loop lag, GC). Default false. */
  readonly processMetrics?: boolean;
  /** Labels added to every series of this registry (e.g. `{ revision: 'canary' }`). */
  readonly defaultLabels?: Readonly<Record<string, string>>;
}

export function createMetricsRegistry(options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.defaultLabels !== undefined) registry.setDefaultLabels({ ...options.defaultLabels });
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry });
  return registry;
}

/** A metric's name, help and label names; `registers` is always the registry passed alongside. */
type Config<C> = Omit<C, 'registers'>;

export function createCounter<L extends string = string>(
  registry: Registry,
  config: Config<CounterConfiguration<L>>,
): Counter<L> {
  return new Counter<L>({ ...config, registers: [registry] });
}

export function createGauge<L extends string = string>(
  registry: Registry,
  config: Config<GaugeConfiguration<L>>,
): Gauge<L> {
  return new Gauge<L>({ ...config, registers: [registry] });
}

export function createHistogram<L extends string = string>(
  registry: Registry,
  config: Config<HistogramConfiguration<L>>,
): Histogram<L> {
  return new Histogram<L>({ ...config, registers: [registry] });
}

/** The text a `/metrics` endpoint serves, with its content type (Prometheus text format 0.0.4). */
export async function renderMetrics(registry: Registry): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/**
 * Buckets of `sidecar_injection_time_seconds`: Istio's (.1 1 3 5 10 20 30 60) plus six below 100 ms.
 * An injection takes milliseconds, so with Istio's buckets alone every healthy request lands in the
 * first one and the histogram cannot show a regression until it is 10x worse. Istio's bounds are all
 * kept, so queries on their `le` values give the same answers as against istiod.
 */
export const INJECTION_TIME_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 1, 3, 5, 10, 20, 30, 60,
];

/** What happened to one request on an `/inject` path; the label of `mesh_injector_webhook_reviews_total`. */
export type ReviewOutcome =
  /** allowed with a patch */
  | 'injected'
  /** allowed without a patch because the policy said no (Istio's skip) */
  | 'skipped'
  /** allowed without a patch for another reason (nothing to change) */
  | 'allowed'
  /** the injector refused the pod (`allowed: false` from the admit function) */
  | 'denied'
  /** the review could not be decoded; answered `allowed: false` */
  | 'invalid'
  /** the admit function threw or returned something unusable; answered `allowed: false` */
  | 'error'
  /** the admit function did not answer within the time limit; answered `allowed: false` */
  | 'timeout'
  /** refused at the HTTP level: 400, 405, 408, 415 */
  | 'rejected';

export const REVIEW_OUTCOMES: readonly ReviewOutcome[] = [
  'injected',
  'skipped',
  'allowed',
  'denied',
  'invalid',
  'error',
  'timeout',
  'rejected',
];

/**
 * The webhook's metrics.
 *
 * The four Istio counters count exactly as istiod does (reference istio-injector.md 1.2 and 1.6):
 * - `requests`: every request on an /inject path;
 * - `success`: every request answered with an AdmissionReview (HTTP 200), including skips, denials,
 *   undecodable reviews and injection errors; it means "the webhook answered", not "a sidecar was added";
 * - `failure`: every error istiod's handleError counts: HTTP-level rejections (400, 405, 408, 415),
 *   undecodable reviews, admit errors and timeouts (an undecodable review counts as success and failure);
 *   denials returned by the admit function count here too, as Istio's injection errors do;
 * - `skip`: reviews the injector allowed without a patch because policy said no.
 * Following Istio exactly keeps ported dashboards and alerts honest; the unambiguous breakdown is
 * `reviews{outcome}`, which counts every request once.
 */
export interface WebhookMetrics {
  readonly requests: Counter;
  readonly success: Counter;
  readonly failure: Counter;
  readonly skip: Counter;
  readonly time: Histogram;
  readonly reviews: Counter<'outcome'>;
}

export function createWebhookMetrics(registry: Registry): WebhookMetrics {
  const reviews = createCounter<'outcome'>(registry, {
    name: 'mesh_injector_webhook_reviews_total',
    help: 'Requests on the injection webhook by outcome; each request is counted once.',
    labelNames: ['outcome'],
  });
  // Start every outcome at zero, so rate() and absent() work before the first occurrence.
  for (const outcome of REVIEW_OUTCOMES) reviews.inc({ outcome }, 0);
  return {
    requests: createCounter(registry, {
      name: 'sidecar_injection_requests_total',
      help: 'Total number of sidecar injection requests.',
    }),
    success: createCounter(registry, {
      name: 'sidecar_injection_success_total',
      help: 'Total number of successful sidecar injection requests (an AdmissionReview was answered).',
    }),
    failure: createCounter(registry, {
      name: 'sidecar_injection_failure_total',
      help: 'Total number of failed sidecar injection requests.',
    }),
    skip: createCounter(registry, {
      name: 'sidecar_injection_skip_total',
      help: 'Total number of skipped sidecar injection requests.',
    }),
    time: createHistogram(registry, {
      name: 'sidecar_injection_time_seconds',
      help: 'Total time taken for injection in seconds.',
      buckets: [...INJECTION_TIME_BUCKETS],
    }),
    reviews,
  };
}

/**
 * Counts one request on an /inject path, finished with `outcome` after `seconds`, into the Istio
 * counters (with their exact semantics, see `WebhookMetrics`) and the outcome breakdown.
 */
export function recordReviewOutcome(metrics: WebhookMetrics, outcome: ReviewOutcome, seconds: number): void {
  metrics.requests.inc();
  metrics.time.observe(seconds);
  metrics.reviews.inc({ outcome });
  // Every outcome except an HTTP-level rejection was answered with an AdmissionReview.
  if (outcome !== 'rejected') metrics.success.inc();
  if (outcome === 'skipped') metrics.skip.inc();
  if (
    outcome === 'rejected' ||
    outcome === 'invalid' ||
    outcome === 'error' ||
    outcome === 'timeout' ||
    outcome === 'denied'
  ) {
    metrics.failure.inc();
  }
}
