// Keeps the operator's MutatingWebhookConfigurations as webhook-config-desired.ts describes them, with the
// caBundle the certificate Secret publishes. Leader-only.
//
// Level-based like any controller: every event on a configuration labelled managed-by=mesh-injector, every
// caBundle change, and a periodic resync enqueue its name; the reconcile compares the cached object with
// the desired one and writes only when they differ (webhook-config-diff.ts), so the steady state costs no
// writes and drift (an edited or emptied caBundle, a deleted or changed entry, a deleted configuration)
// is put back as soon as the watch reports it.
//
// Writes are server-side apply with our field manager and force: like cert-manager's cainjector, we take
// back fields someone else changed instead of failing on the conflict. Configurations for revisions and
// tags no longer wanted are deleted (with a uid precondition, so a re-created one is never hit).
//
// Loop guards: the rate-limited queue paces retries (100 ms doubling to 1 min per name); and if our own
// write comes back still differing (server and diff disagree), we do not write again for that version.
import { createHash } from 'node:crypto';
import type { CaBundleSource } from '../certs/watcher.ts';
import { isJsonObject, type JsonObject } from '../inject/types.ts';
import type { KubeClient } from '../kube/client.ts';
import { apiStatus, isConflict, isNotFound, resourcePath } from '../kube/client.ts';
import { systemClock, type Clock } from '../kube/clock.ts';
import { discardEvents, type EventRecorder, type ObjectReference } from '../kube/events.ts';
import { Informer, httpListerWatcher, stripManagedFields, type ListerWatcher } from '../kube/informer.ts';
import { applyObject } from '../kube/patch.ts';
import {
  BucketLimiter,
  ItemExponentialLimiter,
  MaxOfLimiter,
  TokenBucket,
  type RateLimiter,
} from '../kube/ratelimit.ts';
import { WorkQueue, runWorkers, type ReconcileResult } from '../kube/workqueue.ts';
import type { Logger } from '../observability/logger.ts';
import { createCounter, type Counter, type Registry } from '../observability/metrics.ts';
import { diffWebhookConfiguration, type Drift, type DriftReason } from './webhook-config-diff.ts';
import {
  MANAGED_BY,
  MANAGED_BY_LABEL,
  MWC_API_VERSION,
  MWC_KIND,
  TAG_CONFIG_PREFIX,
  WEBHOOK_CONFIG_NAME,
  planWebhookConfigurations,
  webhookConfigurationObject,
  type PlannedWebhookConfiguration,
  type WebhookConfigSpec,
} from './webhook-config-desired.ts';

export const FIELD_MANAGER = 'mesh-injector';
const RESOURCE = 'mutatingwebhookconfigurations';

export interface WebhookConfigMetrics {
  /** `mesh_injector_webhook_config_repairs_total{reason}`: drift put back, by what had drifted. */
  readonly repairs: Counter<'reason'>;
  /** `mesh_injector_webhook_config_writes_total{operation}`: create, update, repair, delete. */
  readonly writes: Counter<'operation'>;
  /** `mesh_injector_webhook_config_failures_total{reason}`. */
  readonly failures: Counter<'reason'>;
}

const repairReasons: readonly DriftReason[] = [
  'missing',
  'ca_bundle',
  'webhook_missing',
  'webhook_changed',
  'webhook_unexpected',
  'metadata',
];
const failureReasons = ['conflict', 'apply_error', 'delete_error', 'not_converged', 'ca_bundle_unavailable'];

/** Creates the controller's metrics on `registry` (once per process: controllers come and go with the lease). */
export function createWebhookConfigMetrics(registry: Registry): WebhookConfigMetrics {
  const repairs = createCounter<'reason'>(registry, {
    name: 'mesh_injector_webhook_config_repairs_total',
    help: 'Drift in the MutatingWebhookConfigurations put back, by what had drifted.',
    labelNames: ['reason'],
  });
  const writes = createCounter<'operation'>(registry, {
    name: 'mesh_injector_webhook_config_writes_total',
    help: 'Writes to the MutatingWebhookConfigurations, by operation.',
    labelNames: ['operation'],
  });
  const failures = createCounter<'reason'>(registry, {
    name: 'mesh_injector_webhook_config_failures_total',
    help: 'Failed or refused reconciles of the MutatingWebhookConfigurations, by reason.',
    labelNames: ['reason'],
  });
  for (const reason of repairReasons) repairs.inc({ reason }, 0);
  for (const operation of ['create', 'update', 'repair', 'delete']) writes.inc({ operation }, 0);
  for (const reason of failureReasons) failures.inc({ reason }, 0);
  return { repairs, writes, failures };
}

export interface WebhookConfigControllerOptions {
  readonly client: Pick<KubeClient, 'request' | 'stream'>;
  readonly spec: WebhookConfigSpec;
  readonly caBundle: CaBundleSource;
  readonly logger: Logger;
  readonly metrics: WebhookConfigMetrics;
  readonly events?: EventRecorder;
  /** Default `mesh-injector`. */
  readonly fieldManager?: string;
  /** Every configuration is compared again this often even without events; default 10 minutes. */
  readonly resyncMs?: number;
  readonly rateLimiter?: RateLimiter;
  readonly clock?: Clock;
  /** A ready-made list/watch of the configurations (tests); default through `client`. */
  readonly source?: ListerWatcher;
}

interface Written {
  /** The version of the live object our write replaced ('' when it created it). */
  readonly seenVersion: string;
  /** The version our write produced. */
  readonly resourceVersion: string;
  readonly hash: string;
}

/** The retry pacing of istiod's webhook patcher: fast first retries, then at most once a minute. */
export function webhookConfigRateLimiter(clock: Clock = systemClock): RateLimiter {
  return new MaxOfLimiter(
    new ItemExponentialLimiter({ baseMs: 100, maxMs: 60_000 }),
    new BucketLimiter(new TokenBucket({ qps: 10, burst: 100, clock })),
  );
}

export class WebhookConfigController {
  readonly #options: WebhookConfigControllerOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #events: EventRecorder;
  readonly #fieldManager: string;
  readonly #resyncMs: number;
  readonly #planned: ReadonlyMap<string, PlannedWebhookConfiguration>;
  /** Per name, the hash of the desired object last seen in place: a later difference is drift. */
  readonly #converged = new Map<string, string>();
  /** Per name, our last write's result, for the loop guard. */
  readonly #written = new Map<string, Written>();
  #warnedNoBundle = false;

  constructor(options: WebhookConfigControllerOptions) {
    this.#options = options;
    this.#log = options.logger.child({ controller: 'webhook-config' });
    this.#clock = options.clock ?? systemClock;
    this.#events = options.events ?? discardEvents;
    this.#fieldManager = options.fieldManager ?? FIELD_MANAGER;
    this.#resyncMs = options.resyncMs ?? 10 * 60_000;
    // Validates the spec now: a bad flag fails at start-up, not at the first reconcile.
    this.#planned = new Map(planWebhookConfigurations(options.spec).map((p) => [p.name, p]));
  }

  /** The configuration names this controller keeps. */
  get names(): readonly string[] {
    return [...this.#planned.keys()];
  }

  /** Runs until `signal` aborts (the lease is lost or the process stops). */
  async run(signal: AbortSignal): Promise<void> {
    const source =
      this.#options.source ??
      httpListerWatcher(
        this.#options.client,
        { apiVersion: MWC_API_VERSION, resource: RESOURCE },
        { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}` },
      );
    const informer = new Informer({
      name: 'webhook-configurations',
      source,
      logger: this.#log,
      clock: this.#clock,
      transform: stripManagedFields,
    });
    const queue = new WorkQueue({
      name: 'webhook-config',
      clock: this.#clock,
      rateLimiter: this.#options.rateLimiter ?? webhookConfigRateLimiter(this.#clock),
    });
    const enqueueWanted = (): void => {
      for (const name of this.#planned.keys()) queue.add(name);
    };
    // One enqueue per event: a second one would hand the key out again before the cache holds our write.
    const enqueue = (_obj: JsonObject, key: string): void => {
      queue.add(key);
    };
    informer.addHandler({
      onAdd: enqueue,
      onUpdate: (_old, obj, key) => {
        enqueue(obj, key);
      },
      onDelete: enqueue,
    });
    const stopBundle = this.#options.caBundle.onCaBundleChange(enqueueWanted);
    informer.start();
    try {
      await informer.waitForSync(signal);
      enqueueWanted();
      this.#log.info({ configurations: this.names }, 'keeping webhook configurations');
      await runWorkers(queue, (name, workSignal) => this.#reconcile(name, informer, workSignal), {
        logger: this.#log,
        signal,
        clock: this.#clock,
      });
    } catch (error) {
      if (!signal.aborted) throw error;
    } finally {
      stopBundle();
      queue.shutdown();
      await informer.stop();
    }
  }

  async #reconcile(
    name: string,
    informer: Informer,
    signal: AbortSignal,
  ): Promise<ReconcileResult | undefined> {
    const live = informer.get(name);
    const planned = this.#planned.get(name);
    if (planned === undefined) {
      if (live !== undefined && isOurConfigurationName(name)) await this.#delete(live, signal);
      return undefined;
    }
    if (
      live !== undefined &&
      isJsonObject(live.metadata) &&
      typeof live.metadata.deletionTimestamp === 'string'
    ) {
      return undefined; // Being deleted; its DELETED event brings us back to create it anew.
    }
    const caBundle = this.#options.caBundle.caBundle();
    if (caBundle === undefined) {
      // A configuration without our CA would make every admission fail TLS (or, with Ignore, skip
      // injection silently). Wait: the bundle's arrival enqueues every name.
      if (!this.#warnedNoBundle) {
        this.#warnedNoBundle = true;
        this.#options.metrics.failures.inc({ reason: 'ca_bundle_unavailable' });
        this.#log.warn(
          'no caBundle yet (the certificate Secret is missing or invalid); not writing webhook configurations',
        );
      }
      return undefined;
    }
    this.#warnedNoBundle = false;
    const desired = webhookConfigurationObject(this.#options.spec, planned, caBundle);
    const hash = hashOf(desired);
    const drifts = diffWebhookConfiguration(desired, live);
    if (drifts.length === 0) {
      this.#converged.set(name, hash);
      return { requeueAfterMs: this.#resyncMs };
    }
    const liveVersion = resourceVersionOf(live);
    const written = this.#written.get(name);
    if (written !== undefined && written.hash === hash) {
      // Our own write came back still differing: the server keeps something else, and writing the
      // same again would loop. Or the cache has not caught up with a write we made from this very
      // version yet: its watch event will bring us back.
      if (liveVersion === written.resourceVersion) return { requeueAfterMs: this.#resyncMs };
      if (liveVersion !== '' && liveVersion === written.seenVersion) return undefined;
    }
    const operation =
      this.#converged.get(name) === hash ? 'repair' : live === undefined ? 'create' : 'update';
    let result: JsonObject;
    try {
      result = await applyObject(this.#options.client, desired, {
        fieldManager: this.#fieldManager,
        force: true,
        resource: RESOURCE,
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      if (isConflict(error)) {
        this.#options.metrics.failures.inc({ reason: 'conflict' });
        return { requeue: true };
      }
      this.#options.metrics.failures.inc({ reason: 'apply_error' });
      this.#events.record(
        reference(name, live),
        'Warning',
        'WebhookConfigurationFailed',
        `could not write ${name}: ${apiStatus(error)?.message ?? String(error)}`,
      );
      throw error;
    }
    this.#written.set(name, { seenVersion: liveVersion, resourceVersion: resourceVersionOf(result), hash });
    this.#converged.set(name, hash);
    this.#options.metrics.writes.inc({ operation });
    this.#report(operation, name, result, drifts, liveVersion);
    const left = diffWebhookConfiguration(desired, result);
    if (left.length > 0) {
      // The server keeps something other than what we send: writing again would not help and would loop.
      this.#options.metrics.failures.inc({ reason: 'not_converged' });
      this.#events.record(
        reference(name, result),
        'Warning',
        'WebhookConfigurationNotConverged',
        `the API server keeps a value other than the one written: ${left.map((d) => d.detail).join('; ')}`,
      );
      this.#log.error(
        { name, differences: left.map((d) => d.detail) },
        'webhook configuration differs from the desired one right after our write; not retrying this version',
      );
    }
    return { requeueAfterMs: this.#resyncMs };
  }

  #report(
    operation: 'create' | 'update' | 'repair',
    name: string,
    result: JsonObject,
    drifts: readonly Drift[],
    seenVersion: string,
  ): void {
    const details = drifts.map((d) => d.detail).join('; ');
    const ref = reference(name, result);
    if (operation === 'repair') {
      for (const reason of new Set(drifts.map((d) => d.reason)))
        this.#options.metrics.repairs.inc({ reason });
      this.#log.warn(
        { name, drift: drifts, seenVersion, writtenVersion: resourceVersionOf(result) },
        'webhook configuration had drifted; put back',
      );
      this.#events.record(ref, 'Warning', 'WebhookConfigurationRepaired', `put back after drift: ${details}`);
    } else if (operation === 'create') {
      this.#log.info({ name }, 'webhook configuration created');
      this.#events.record(ref, 'Normal', 'WebhookConfigurationCreated', `created ${name}`);
    } else {
      this.#log.info({ name, changes: drifts }, 'webhook configuration updated');
      this.#events.record(ref, 'Normal', 'WebhookConfigurationUpdated', `updated: ${details}`);
    }
  }

  async #delete(live: JsonObject, signal: AbortSignal): Promise<void> {
    const ref = reference('', live);
    try {
      await this.#options.client.request({
        method: 'DELETE',
        path: resourcePath({ apiVersion: MWC_API_VERSION, resource: RESOURCE, name: ref.name }),
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          ...(ref.uid === undefined ? {} : { preconditions: { uid: ref.uid } }),
        },
        signal,
      });
    } catch (error) {
      if (isNotFound(error)) return;
      if (signal.aborted) throw error;
      const conflicted = isConflict(error);
      this.#options.metrics.failures.inc({ reason: conflicted ? 'conflict' : 'delete_error' });
      if (!conflicted) {
        this.#events.record(
          ref,
          'Warning',
          'WebhookConfigurationFailed',
          `could not delete ${ref.name}: ${apiStatus(error)?.message ?? String(error)}`,
        );
      }
      throw error;
    }
    this.#converged.delete(ref.name);
    this.#written.delete(ref.name);
    this.#options.metrics.writes.inc({ operation: 'delete' });
    this.#log.info({ name: ref.name }, 'deleted a webhook configuration no revision or tag asks for');
    this.#events.record(
      ref,
      'Normal',
      'WebhookConfigurationDeleted',
      `deleted ${ref.name}: no configured revision or tag uses it`,
    );
  }
}

/** True for names this controller creates (and may therefore delete). */
export function isOurConfigurationName(name: string): boolean {
  return (
    name === WEBHOOK_CONFIG_NAME ||
    name.startsWith(`${WEBHOOK_CONFIG_NAME}-`) ||
    name.startsWith(TAG_CONFIG_PREFIX)
  );
}

function reference(name: string, object: JsonObject | undefined): ObjectReference {
  const metadata = object !== undefined && isJsonObject(object.metadata) ? object.metadata : {};
  const uid = typeof metadata.uid === 'string' ? metadata.uid : undefined;
  return {
    apiVersion: MWC_API_VERSION,
    kind: MWC_KIND,
    name: typeof metadata.name === 'string' ? metadata.name : name,
    ...(uid === undefined ? {} : { uid }),
  };
}

function resourceVersionOf(object: JsonObject | undefined): string {
  const metadata = object !== undefined && isJsonObject(object.metadata) ? object.metadata : {};
  return typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : '';
}

function hashOf(object: JsonObject): string {
  return createHash('sha256').update(JSON.stringify(object)).digest('hex');
}
