// The certificate controller: the leader-only writer of the webhook's certificate Secret.
//
// Self-managed mode: each reconcile asks the planner (certs/planner.ts) for the one next step, from the
// Secret and the caBundles the managed webhook configurations publish, carries it out and writes the
// Secret (create, or update with its resourceVersion so a concurrent writer makes us re-read instead of
// overwrite). The write's watch event starts the next reconcile; time-driven steps (renewals, the end of
// a grace period) come from a requeue at the planner's recheck time. Nothing is kept in memory between
// reconciles, so a new leader continues a rotation exactly where the old one stopped.
//
// External mode (cert-manager): never writes. It checks the Secret and reports what is wrong through
// Events, logs and metrics; the webhook and the webhook configurations read the Secret as it is.
import { executeCertificatePlan } from '../certs/issue.ts';
import { inspectMaterial } from '../certs/inspect.ts';
import { planCertificates, type CertificatePlan } from '../certs/planner.ts';
import type { CertificatePolicy } from '../certs/policy.ts';
import { DEFAULT_SECRET_NAME, readSecret, secretForWrite, type SecretSnapshot } from '../certs/secret.ts';
import { checkExternalSecret } from '../certs/serving.ts';
import { isJsonObject, type JsonObject } from '../inject/types.ts';
import type { KubeClient } from '../kube/client.ts';
import { apiStatus, isAlreadyExists, isConflict, resourcePath } from '../kube/client.ts';
import { systemClock, type Clock } from '../kube/clock.ts';
import { discardEvents, type EventRecorder, type ObjectReference } from '../kube/events.ts';
import { Informer, httpListerWatcher, stripManagedFields, type ListerWatcher } from '../kube/informer.ts';
import type { RateLimiter } from '../kube/ratelimit.ts';
import { WorkQueue, runWorkers, type ReconcileResult } from '../kube/workqueue.ts';
import type { Logger } from '../observability/logger.ts';
import {
  createCounter,
  createGauge,
  type Counter,
  type Gauge,
  type Registry,
} from '../observability/metrics.ts';
import { MANAGED_BY, MANAGED_BY_LABEL, MWC_API_VERSION, isOurWebhookName } from './webhook-config-desired.ts';
import { webhookConfigRateLimiter } from './webhook-config.ts';

export type CertificateMode = 'self-managed' | 'external';

export interface CertificateMetrics {
  /** `mesh_injector_certificate_expiry_timestamp_seconds{certificate="serving"|"ca"}`. */
  readonly expiry: Gauge<'certificate'>;
  /** `mesh_injector_certificate_secret_valid`: 1 while the Secret holds a servable certificate. */
  readonly valid: Gauge;
  /** `mesh_injector_certificate_rotations_total{step,reason}`: Secret writes by planner step. */
  readonly rotations: Counter<'step' | 'reason'>;
  /** `mesh_injector_certificate_failures_total{reason}`. */
  readonly failures: Counter<'reason'>;
}

/** Creates the certificate metrics on `registry`, once per process. */
export function createCertificateMetrics(registry: Registry): CertificateMetrics {
  const failures = createCounter<'reason'>(registry, {
    name: 'mesh_injector_certificate_failures_total',
    help: 'Failed reconciles of the webhook certificate Secret, by reason.',
    labelNames: ['reason'],
  });
  for (const reason of ['conflict', 'write_error', 'invalid_secret']) failures.inc({ reason }, 0);
  return {
    expiry: createGauge<'certificate'>(registry, {
      name: 'mesh_injector_certificate_expiry_timestamp_seconds',
      help: 'When the webhook serving certificate and the CA it chains to expire (Unix seconds).',
      labelNames: ['certificate'],
    }),
    valid: createGauge(registry, {
      name: 'mesh_injector_certificate_secret_valid',
      help: '1 while the certificate Secret holds a servable certificate, else 0.',
    }),
    rotations: createCounter<'step' | 'reason'>(registry, {
      name: 'mesh_injector_certificate_rotations_total',
      help: 'Changes written to the certificate Secret, by planner step and reason.',
      labelNames: ['step', 'reason'],
    }),
    failures,
  };
}

export interface CertificateControllerOptions {
  readonly client: Pick<KubeClient, 'request' | 'stream'>;
  /** The operator namespace, where the Secret lives. */
  readonly namespace: string;
  /** Default `mesh-injector-webhook-tls`. */
  readonly secretName?: string;
  readonly mode: CertificateMode;
  readonly policy: CertificatePolicy;
  readonly logger: Logger;
  readonly metrics: CertificateMetrics;
  readonly events?: EventRecorder;
  /** Look at the Secret at least this often even when nothing is due; default 1 hour. */
  readonly maxRecheckMs?: number;
  readonly rateLimiter?: RateLimiter;
  readonly clock?: Clock;
  /** Ready-made list/watches (tests); default through `client`. */
  readonly secretSource?: ListerWatcher;
  readonly webhookSource?: ListerWatcher;
}

export class CertificateController {
  readonly #options: CertificateControllerOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #events: EventRecorder;
  readonly #namespace: string;
  readonly #name: string;
  readonly #maxRecheckMs: number;
  #lastWaiting: string | undefined;
  #lastExternalProblem: string | undefined;
  /** The resourceVersion of the Secret our last write replaced, until the cache moves past it. */
  #replaced: string | undefined;

  constructor(options: CertificateControllerOptions) {
    this.#options = options;
    this.#namespace = options.namespace;
    this.#name = options.secretName ?? DEFAULT_SECRET_NAME;
    this.#log = options.logger.child({
      controller: 'certificates',
      secret: `${this.#namespace}/${this.#name}`,
    });
    this.#clock = options.clock ?? systemClock;
    this.#events = options.events ?? discardEvents;
    this.#maxRecheckMs = options.maxRecheckMs ?? 60 * 60_000;
  }

  /** Runs until `signal` aborts (the lease is lost or the process stops). */
  async run(signal: AbortSignal): Promise<void> {
    const { client } = this.#options;
    const secrets = new Informer({
      name: 'certificate-secret-writer',
      source:
        this.#options.secretSource ??
        httpListerWatcher(
          client,
          { apiVersion: 'v1', resource: 'secrets', namespace: this.#namespace },
          { fieldSelector: `metadata.name=${this.#name}` },
        ),
      logger: this.#log,
      clock: this.#clock,
      transform: stripManagedFields,
    });
    const webhooks = new Informer({
      name: 'certificate-webhook-trust',
      source:
        this.#options.webhookSource ??
        httpListerWatcher(
          client,
          { apiVersion: MWC_API_VERSION, resource: 'mutatingwebhookconfigurations' },
          { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}` },
        ),
      logger: this.#log,
      clock: this.#clock,
      transform: stripManagedFields,
    });
    const queue = new WorkQueue({
      name: 'certificates',
      clock: this.#clock,
      rateLimiter: this.#options.rateLimiter ?? webhookConfigRateLimiter(this.#clock),
    });
    // One Secret, one key: every event on it or on a webhook configuration means "plan again".
    const enqueue = (): void => {
      queue.add(this.#name);
    };
    const handler = { onAdd: enqueue, onUpdate: enqueue, onDelete: enqueue };
    secrets.addHandler(handler);
    webhooks.addHandler(handler);
    secrets.start();
    webhooks.start();
    try {
      await Promise.all([secrets.waitForSync(signal), webhooks.waitForSync(signal)]);
      enqueue();
      await runWorkers(queue, () => this.#reconcile(secrets, webhooks), {
        logger: this.#log,
        signal,
        clock: this.#clock,
      });
    } catch (error) {
      if (!signal.aborted) throw error;
    } finally {
      queue.shutdown();
      await Promise.all([secrets.stop(), webhooks.stop()]);
    }
  }

  async #reconcile(secrets: Informer, webhooks: Informer): Promise<ReconcileResult | undefined> {
    const object = secrets.get(`${this.#namespace}/${this.#name}`);
    const snapshot = object === undefined ? undefined : readSecret(object);
    const now = this.#clock.now();
    this.#updateGauges(snapshot, now);
    if (this.#options.mode === 'external') return this.#reconcileExternal(snapshot, now);
    // Woken up (say, by a webhook configuration taking the new bundle) before the cache holds our last
    // write: planning from the older version would only repeat that write and conflict. Its watch
    // event is on its way and brings us back.
    if (snapshot?.resourceVersion !== undefined && snapshot.resourceVersion === this.#replaced)
      return undefined;
    this.#replaced = undefined;

    const plan = planCertificates({
      secret: snapshot,
      webhookBundles: webhookCaBundles(webhooks.list()),
      now,
      policy: this.#options.policy,
    });
    if (plan.step === 'none') {
      if (plan.reason === 'waiting-for-trust' && plan.message !== this.#lastWaiting) {
        this.#log.info({ reason: plan.reason }, plan.message);
      }
      this.#lastWaiting = plan.reason === 'waiting-for-trust' ? plan.message : undefined;
      return this.#recheck(plan.recheckAt, now);
    }
    const write = await executeCertificatePlan(plan, snapshot, this.#options.policy, now);
    if (write === undefined) return this.#recheck(plan.recheckAt, now);
    const body = secretForWrite({ namespace: this.#namespace, name: this.#name }, write, object);
    try {
      await this.#options.client.request(
        object === undefined
          ? {
              method: 'POST',
              path: resourcePath({ apiVersion: 'v1', resource: 'secrets', namespace: this.#namespace }),
              body,
            }
          : {
              method: 'PUT',
              path: resourcePath({
                apiVersion: 'v1',
                resource: 'secrets',
                namespace: this.#namespace,
                name: this.#name,
              }),
              body,
            },
      );
    } catch (error) {
      if (isConflict(error) || isAlreadyExists(error)) {
        // Someone wrote the Secret after our cache saw it; plan again from the newer version.
        this.#options.metrics.failures.inc({ reason: 'conflict' });
        this.#log.debug({ step: plan.step }, 'certificate Secret changed under us; re-planning');
        return { requeue: true };
      }
      this.#options.metrics.failures.inc({ reason: 'write_error' });
      this.#events.record(
        this.#reference(object),
        'Warning',
        'CertificateWriteFailed',
        `could not write the certificate Secret (${plan.step}: ${plan.reason}): ${apiStatus(error)?.message ?? String(error)}`,
      );
      throw error;
    }
    this.#replaced = snapshot?.resourceVersion;
    this.#options.metrics.rotations.inc({ step: plan.step, reason: plan.reason });
    const [type, reason] = eventFor(plan);
    this.#log.info({ step: plan.step, reason: plan.reason, repair: plan.repair }, plan.message);
    this.#events.record(this.#reference(object), type, reason, plan.message);
    // The watch event of this write brings the next reconcile, with the new resourceVersion.
    return undefined;
  }

  #reconcileExternal(snapshot: SecretSnapshot | undefined, now: number): ReconcileResult {
    const report = checkExternalSecret({ namespace: this.#namespace, name: this.#name }, snapshot, now, [
      this.#options.policy.servingCommonName,
    ]);
    const ref = this.#reference(undefined, snapshot);
    if (!report.servable.ok) {
      if (report.servable.problem !== this.#lastExternalProblem) {
        this.#lastExternalProblem = report.servable.problem;
        this.#options.metrics.failures.inc({ reason: 'invalid_secret' });
        this.#log.error({ problem: report.servable.problem }, 'external certificate Secret is not usable');
        this.#events.record(ref, 'Warning', 'ExternalCertificateInvalid', report.servable.problem);
      }
      return { requeueAfterMs: Math.min(this.#maxRecheckMs, 60_000) };
    }
    this.#lastExternalProblem = undefined;
    for (const warning of report.warnings) {
      this.#log.warn({ warning }, 'external certificate Secret');
      this.#events.record(ref, 'Warning', 'ExternalCertificateWarning', warning);
    }
    return this.#recheck(report.servable.value.notAfter, now);
  }

  #recheck(at: number | undefined, now: number): ReconcileResult {
    const delay =
      at === undefined ? this.#maxRecheckMs : Math.min(this.#maxRecheckMs, Math.max(at - now, 0) + 1_000);
    return { requeueAfterMs: delay };
  }

  #updateGauges(snapshot: SecretSnapshot | undefined, now: number): void {
    const { metrics } = this.#options;
    const serving = snapshot === undefined ? undefined : inspectMaterial(snapshot.material, now).serving;
    if (serving?.ok === true) {
      metrics.valid.set(1);
      metrics.expiry.set({ certificate: 'serving' }, Math.floor(serving.certificate.notAfter / 1000));
      metrics.expiry.set({ certificate: 'ca' }, Math.floor(serving.issuer.notAfter / 1000));
    } else {
      metrics.valid.set(0);
    }
  }

  #reference(object: JsonObject | undefined, snapshot?: SecretSnapshot): ObjectReference {
    const metadata = object !== undefined && isJsonObject(object.metadata) ? object.metadata : {};
    const uid = typeof metadata.uid === 'string' ? metadata.uid : snapshot?.uid;
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: this.#namespace,
      name: this.#name,
      ...(uid === undefined ? {} : { uid }),
    };
  }
}

/** The caBundle (PEM) of every webhook entry of ours in `configurations`; '' for an entry without one. */
export function webhookCaBundles(configurations: readonly JsonObject[]): string[] {
  const bundles: string[] = [];
  for (const configuration of configurations) {
    const webhooks = Array.isArray(configuration.webhooks) ? configuration.webhooks : [];
    for (const hook of webhooks) {
      if (!isJsonObject(hook) || typeof hook.name !== 'string' || !isOurWebhookName(hook.name)) continue;
      const clientConfig = isJsonObject(hook.clientConfig) ? hook.clientConfig : {};
      const encoded = typeof clientConfig.caBundle === 'string' ? clientConfig.caBundle : '';
      bundles.push(Buffer.from(encoded, 'base64').toString('utf8'));
    }
  }
  return bundles;
}

/** The Event type and reason for a written plan. */
export function eventFor(plan: CertificatePlan): ['Normal' | 'Warning', string] {
  if (plan.repair) {
    switch (plan.step) {
      case 'generate':
        return ['Warning', 'CertificatesRegenerated'];
      case 'rotate-ca':
        return ['Warning', 'CAReplaced'];
      case 'issue-serving':
        return ['Warning', 'ServingCertificateRepaired'];
      default:
        return ['Warning', 'CABundleRepaired'];
    }
  }
  switch (plan.reason) {
    case 'secret-missing':
      return ['Normal', 'CertificatesGenerated'];
    case 'ca-expiring':
    case 'ca-rotation-requested':
      return ['Normal', 'CARotationStarted'];
    case 'switch-to-new-ca':
      return ['Normal', 'ServingCertificateSwitched'];
    case 'old-ca-retired':
      return ['Normal', 'CARotationCompleted'];
    default:
      return ['Normal', 'ServingCertificateRenewed'];
  }
}
