// Every replica's view of the certificate Secret: a watch on that one Secret, read through the API and
// never through a mounted volume (kubelet refreshes Secret volumes with a lag of a minute or more, during
// which a freshly published caBundle and the served certificate disagree; see controller-anchors 3.5).
//
// It feeds two consumers:
// - the webhook server (as its CertificateSource): each new servable certificate is handed over and the
//   server swaps it in memory; a broken or deleted Secret never takes a working certificate away;
// - the webhook-configuration controller (as its CaBundleSource): the CAs to publish as caBundle.
import type { JsonObject } from '../inject/types.ts';
import type { Logger } from '../observability/logger.ts';
import type { KubeClient } from '../kube/client.ts';
import { systemClock, type Clock } from '../kube/clock.ts';
import { Informer, httpListerWatcher, type ListerWatcher } from '../kube/informer.ts';
import type { CertificateSource, ReadinessCheck, ServingCertificate } from '../webhook/server.ts';
import { readSecret } from './secret.ts';
import { servableFromSecret, type ServableMaterial } from './serving.ts';

/** Where the caBundle for webhook configurations comes from. */
export interface CaBundleSource {
  /** The PEM bundle to publish, or undefined while none is known. */
  caBundle(): string | undefined;
  /** Calls `listener` after every change of the bundle; returns a function that stops the calls. */
  onCaBundleChange(listener: (caBundle: string) => void): () => void;
}

export interface CertificateWatcherOptions {
  readonly namespace: string;
  readonly name: string;
  readonly logger: Logger;
  /** Reads the Secret through the API; give this or `source`. */
  readonly client?: Pick<KubeClient, 'request' | 'stream'>;
  /** A ready-made list/watch of the Secret (tests). */
  readonly source?: ListerWatcher;
  readonly clock?: Clock;
}

export class CertificateWatcher implements CertificateSource, CaBundleSource {
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #informer: Informer;
  readonly #where: string;
  readonly #listeners = new Set<(certificate: ServingCertificate) => void>();
  readonly #bundleListeners = new Set<(caBundle: string) => void>();
  #current: ServableMaterial | undefined;
  #caBundle: string | undefined;
  #problem: string;
  #lastLoggedProblem: string | undefined;

  constructor(options: CertificateWatcherOptions) {
    this.#log = options.logger.child({ component: 'certificate-watcher' });
    this.#clock = options.clock ?? systemClock;
    this.#where = `Secret ${options.namespace}/${options.name}`;
    this.#problem = `${this.#where} has not been read yet`;
    const source =
      options.source ??
      (options.client === undefined
        ? undefined
        : httpListerWatcher(
            options.client,
            { apiVersion: 'v1', resource: 'secrets', namespace: options.namespace },
            { fieldSelector: `metadata.name=${options.name}` },
          ));
    if (source === undefined) throw new Error('certificate watcher: give a client or a source');
    this.#informer = new Informer({
      name: 'certificate-secret',
      source,
      logger: options.logger,
      clock: this.#clock,
    });
    this.#informer.addHandler({
      onAdd: (secret) => {
        this.#observe(secret);
      },
      onUpdate: (_old, secret) => {
        this.#observe(secret);
      },
      onDelete: () => {
        this.#problem = `${this.#where} was deleted`;
        this.#log.warn(
          { servingCertificate: this.#current !== undefined },
          'certificate Secret deleted; keeping the certificate in memory until a new one is written',
        );
      },
    });
  }

  start(): void {
    this.#informer.start();
  }

  stop(): Promise<void> {
    return this.#informer.stop();
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    return this.#informer.waitForSync(signal);
  }

  /** The certificate being served, if a valid one was ever loaded. */
  current(): ServingCertificate | undefined {
    return this.#current?.certificate;
  }

  /** Why no certificate can be served, or undefined when one can. */
  problem(): string | undefined {
    if (this.#current === undefined) return this.#problem;
    if (this.#clock.now() > this.#current.notAfter) {
      return `the serving certificate expired at ${new Date(this.#current.notAfter).toISOString()} and ${this.#where} offers no valid replacement (${this.#problem})`;
    }
    return undefined;
  }

  ready(): boolean {
    return this.problem() === undefined;
  }

  /** For the webhook server's /readyz: unready until a valid certificate is loaded. */
  readonly readiness: ReadinessCheck = {
    name: 'certificate-secret',
    check: () => this.problem(),
  };

  /** CertificateSource: `listener` gets the current certificate at once (if any), then every new one. */
  onChange(listener: (certificate: ServingCertificate) => void): () => void {
    this.#listeners.add(listener);
    if (this.#current !== undefined) this.#call(listener, this.#current.certificate);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  caBundle(): string | undefined {
    return this.#caBundle;
  }

  onCaBundleChange(listener: (caBundle: string) => void): () => void {
    this.#bundleListeners.add(listener);
    return () => {
      this.#bundleListeners.delete(listener);
    };
  }

  #observe(object: JsonObject): void {
    const check = servableFromSecret(readSecret(object), this.#clock.now());
    const caBundle = check.ok ? check.value.caBundle : check.caBundle;
    if (caBundle !== undefined && caBundle !== this.#caBundle) {
      this.#caBundle = caBundle;
      for (const listener of this.#bundleListeners) this.#call(listener, caBundle);
    }
    if (!check.ok) {
      this.#problem = `${this.#where}: ${check.problem}`;
      if (this.#problem !== this.#lastLoggedProblem) {
        this.#lastLoggedProblem = this.#problem;
        this.#log.warn(
          { problem: this.#problem, servingCertificate: this.#current !== undefined },
          'certificate Secret holds no servable certificate; keeping the current one',
        );
      }
      return;
    }
    this.#lastLoggedProblem = undefined;
    const next = check.value;
    const previous = this.#current;
    if (
      previous?.certificate.cert === next.certificate.cert &&
      previous.certificate.key === next.certificate.key
    ) {
      this.#current = next;
      return;
    }
    this.#current = next;
    this.#log.info(
      { notAfter: new Date(next.notAfter).toISOString(), fingerprint: next.fingerprint },
      'new serving certificate read from the Secret',
    );
    for (const listener of this.#listeners) this.#call(listener, next.certificate);
  }

  #call<T>(listener: (value: T) => void, value: T): void {
    try {
      listener(value);
    } catch (error) {
      this.#log.error({ err: error }, 'a certificate listener threw; continuing');
    }
  }
}
