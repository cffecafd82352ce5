// What a replica serves from the certificate Secret, in either mode (self-managed or cert-manager), and
// the stricter report external mode gives about a Secret it may not repair.
import type { ServingCertificate } from '../webhook/server.ts';
import { inspectBundle, inspectServing, publishableBundle } from './inspect.ts';
import { renewalTime } from './pem.ts';
import { DEFAULT_RENEW_BEFORE_FRACTION } from './policy.ts';
import { SecretKey, type SecretSnapshot } from './secret.ts';

export interface ServableMaterial {
  readonly certificate: ServingCertificate;
  /** The caBundle webhook configurations should publish: the usable CAs of ca.crt, PEM. */
  readonly caBundle: string;
  /** Epoch ms when the serving certificate expires. */
  readonly notAfter: number;
  /** Epoch ms when the CA the serving certificate chains to expires. */
  readonly issuerNotAfter: number;
  /** SHA-256 of the serving certificate, to tell a new certificate from the one already served. */
  readonly fingerprint: string;
}

export type ServableCheck =
  | { readonly ok: true; readonly value: ServableMaterial }
  | { readonly ok: false; readonly problem: string; readonly caBundle?: string };

/**
 * The certificate to serve from `secret` at `now`: parsable, its key matching, within its validity, and
 * chaining to a usable CA of ca.crt (otherwise the API server would refuse it). When it is not servable
 * the publishable caBundle is still reported, since trust can be published before a certificate is fixed.
 */
export function servableFromSecret(secret: SecretSnapshot, now: number): ServableCheck {
  const bundle = inspectBundle(secret.material.caBundle, now);
  const caBundle = publishableBundle(bundle);
  if (caBundle === undefined) {
    const why =
      secret.material.caBundle === undefined
        ? `${SecretKey.caBundle} is missing`
        : `${SecretKey.caBundle} holds no usable CA certificate${bundle.discarded.length > 0 ? ` (${bundle.discarded.join('; ')})` : ''}`;
    return { ok: false, problem: why };
  }
  const serving = inspectServing(secret.material, bundle, now);
  if (!serving.ok) return { ok: false, problem: serving.problem, caBundle };
  return {
    ok: true,
    value: {
      certificate: {
        cert: secret.material.servingCertificate ?? '',
        key: secret.material.servingKey ?? '',
        ca: caBundle,
      },
      caBundle,
      notAfter: serving.certificate.notAfter,
      issuerNotAfter: serving.issuer.notAfter,
      fingerprint: serving.certificate.fingerprint,
    },
  };
}

export interface ExternalSecretReport {
  readonly servable: ServableCheck;
  /** Not fatal, but worth a Warning event: names the Service needs are missing, renewal looks overdue. */
  readonly warnings: readonly string[];
}

/**
 * Checks a Secret provided by someone else (cert-manager) that the operator only reads. `dnsNames` are
 * the names the API server will use to reach the webhook; a certificate without them is reported.
 */
export function checkExternalSecret(
  ref: { readonly namespace: string; readonly name: string },
  secret: SecretSnapshot | undefined,
  now: number,
  dnsNames: readonly string[] = [],
): ExternalSecretReport {
  const where = `Secret ${ref.namespace}/${ref.name}`;
  if (secret === undefined) {
    return {
      servable: {
        ok: false,
        problem: `${where} does not exist; with external certificates the operator never creates it (create it with cert-manager, keys ${SecretKey.servingCertificate}, ${SecretKey.servingKey}, ${SecretKey.caBundle})`,
      },
      warnings: [],
    };
  }
  const missing = [SecretKey.servingCertificate, SecretKey.servingKey, SecretKey.caBundle].filter((key) => {
    const value =
      key === SecretKey.servingCertificate
        ? secret.material.servingCertificate
        : key === SecretKey.servingKey
          ? secret.material.servingKey
          : secret.material.caBundle;
    return value === undefined || value.trim() === '';
  });
  if (missing.length > 0) {
    return {
      servable: { ok: false, problem: `${where} lacks ${missing.join(', ')}` },
      warnings: [],
    };
  }
  const servable = servableFromSecret(secret, now);
  if (!servable.ok) {
    return { servable: { ...servable, problem: `${where}: ${servable.problem}` }, warnings: [] };
  }
  const warnings: string[] = [];
  const inspected = inspectServing(secret.material, inspectBundle(secret.material.caBundle, now), now);
  if (inspected.ok) {
    const absent = dnsNames.filter((name) => !inspected.certificate.dnsNames.includes(name));
    if (absent.length > 0) {
      warnings.push(`${where}: ${SecretKey.servingCertificate} does not name ${absent.join(', ')}`);
    }
    if (now >= renewalTime(inspected.certificate, DEFAULT_RENEW_BEFORE_FRACTION)) {
      warnings.push(
        `${where}: ${SecretKey.servingCertificate} expires ${new Date(inspected.certificate.notAfter).toISOString()} and has not been renewed`,
      );
    }
  }
  return { servable, warnings };
}
