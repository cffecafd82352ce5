// The certificate planner: from the Secret as it is now, the caBundles the webhook configurations publish,
// and the time, decide the ONE next change to make. The controller applies it, the write comes back through
// the informer, and the planner runs again; a rotation is a sequence of such steps, each derived from
// cluster state alone, so a restart or a new leader picks up wherever the previous one stopped.
//
// A CA rotation never lets the API server meet a serving certificate it does not trust:
//   1. rotate-ca        a new CA joins the bundle (newest first); the serving certificate is untouched;
//   2. (wait)           until every managed webhook entry lists the new CA, plus a propagation delay;
//   3. issue-serving    the serving certificate is reissued by the new CA;
//   4. (wait)           a grace period, so every replica serves the new certificate;
//   5. prune-bundle     CAs the serving certificate no longer depends on leave the bundle.
// Broken material is repaired as gently as it allows: a bad serving certificate is reissued by the current
// CA (the bundle stays, nothing stops trusting us), and an unusable CA is replaced while every CA still
// usable stays in the bundle until the usual grace period has passed.
import { inspectMaterial, type SecretInspection } from './inspect.ts';
import { bundleFingerprints, renewalTime, type CertificateInfo } from './pem.ts';
import type { CertificatePolicy } from './policy.ts';
import { CertificateAnnotation, parseTimestamp, type SecretSnapshot } from './secret.ts';

export type CertificateStep =
  /** A new CA and a new serving certificate. */
  | 'generate'
  /** A new CA joins the bundle and becomes the signer; the serving certificate stays. */
  | 'rotate-ca'
  /** A new serving certificate from the current signer; the bundle stays. */
  | 'issue-serving'
  /** The bundle is rewritten to the CAs in `keepCas`. */
  | 'prune-bundle'
  | 'none';

export type CertificateReason =
  | 'secret-missing'
  | 'ca-invalid'
  | 'serving-invalid'
  | 'ca-expiring'
  | 'ca-rotation-requested'
  | 'bundle-invalid-entries'
  | 'waiting-for-trust'
  | 'switch-to-new-ca'
  | 'serving-expiring'
  | 'serving-names-changed'
  | 'old-ca-retired'
  | 'up-to-date';

export interface CertificatePlan {
  readonly step: CertificateStep;
  readonly reason: CertificateReason;
  /** For people: what is wrong or due, precisely. */
  readonly message: string;
  /** True when the step fixes damaged or mismatched material rather than following the schedule. */
  readonly repair: boolean;
  /**
   * generate / rotate-ca: the existing CAs (PEM) that stay in the bundle after the new one;
   * prune-bundle: the whole new bundle. Empty otherwise.
   */
  readonly keepCas: readonly string[];
  /** The `rotate-ca` request this step answers (to record as handled). */
  readonly answersRequest?: string;
  /** The earliest time the plan can change without any object changing (epoch ms); undefined: never. */
  readonly recheckAt?: number;
}

export interface CertificatePlanInput {
  /** The Secret, or undefined when it does not exist. */
  readonly secret: SecretSnapshot | undefined;
  /** The caBundle (PEM) of every webhook entry that must trust our serving certificate. */
  readonly webhookBundles: readonly string[];
  readonly now: number;
  readonly policy: CertificatePolicy;
}

export function planCertificates(input: CertificatePlanInput): CertificatePlan {
  const { secret, now, policy } = input;
  const request = pendingRotationRequest(secret);
  const answers = request === undefined ? {} : { answersRequest: request };
  if (secret === undefined || isEmpty(secret)) {
    return {
      step: 'generate',
      reason: 'secret-missing',
      message:
        secret === undefined
          ? 'the certificate Secret does not exist'
          : 'the certificate Secret holds none of its keys',
      repair: false,
      keepCas: [],
      ...answers,
    };
  }
  const inspection = inspectMaterial(secret.material, now);
  const { bundle, signer, serving } = inspection;
  const trustedPems = bundle.trusted.map((c) => c.pem);

  if (!signer.ok) {
    // Keep serving what we serve if it is sound: a new CA joins, and the usual switch follows.
    if (serving.ok) {
      return {
        step: 'rotate-ca',
        reason: 'ca-invalid',
        message: `the signing CA is unusable: ${signer.problem}; adding a new CA`,
        repair: true,
        keepCas: trustedPems,
        ...answers,
      };
    }
    return {
      step: 'generate',
      reason: 'ca-invalid',
      message: `the signing CA is unusable (${signer.problem}) and so is the serving certificate (${serving.problem})`,
      repair: true,
      keepCas: trustedPems,
      ...answers,
    };
  }
  const ca = signer.ca;

  if (!serving.ok) {
    return {
      step: 'issue-serving',
      reason: 'serving-invalid',
      message: `the serving certificate is unusable: ${serving.problem}`,
      repair: true,
      keepCas: [],
    };
  }
  const leaf = serving.certificate;

  if (request !== undefined || now >= renewalTime(ca, policy.renewBeforeFraction)) {
    return {
      step: 'rotate-ca',
      reason: request !== undefined ? 'ca-rotation-requested' : 'ca-expiring',
      message:
        request !== undefined
          ? `a CA rotation was requested (${CertificateAnnotation.rotateCa}: ${request})`
          : `CA "${ca.subject}" expires ${iso(ca.notAfter)}; less than ${percent(policy.renewBeforeFraction)} of its lifetime remains`,
      repair: false,
      keepCas: trustedPems,
      ...answers,
    };
  }

  if (bundle.discarded.length > 0) {
    return {
      step: 'prune-bundle',
      reason: 'bundle-invalid-entries',
      message: `dropping unusable bundle entries: ${bundle.discarded.join('; ')}`,
      repair: true,
      keepCas: [ca.pem, ...trustedPems.filter((pem) => pem !== ca.pem)],
    };
  }

  const recheck = new Recheck(now);
  recheck.at(renewalTime(ca, policy.renewBeforeFraction));
  recheck.at(leaf.notAfter);
  for (const trusted of bundle.trusted) recheck.at(trusted.notAfter);

  if (serving.issuer.fingerprint !== ca.fingerprint) {
    // A CA rotation is under way: the serving certificate still hangs off an older CA.
    const untrusting = webhooksNotTrusting(input.webhookBundles, ca);
    const startedAt = parseTimestamp(secret.annotations[CertificateAnnotation.caRotationStartedAt]) ?? 0;
    const propagatedAt = startedAt + policy.trustPropagationMs;
    if (untrusting > 0 || now < propagatedAt) {
      if (untrusting === 0) recheck.at(propagatedAt);
      return {
        step: 'none',
        reason: 'waiting-for-trust',
        message:
          untrusting > 0
            ? `waiting for ${untrusting} of ${input.webhookBundles.length} webhook entries to list the new CA "${ca.subject}" in their caBundle`
            : `${input.webhookBundles.length === 0 ? 'no webhook entry to wait for' : 'every webhook entry lists the new CA'}; switching once it has propagated (${iso(propagatedAt)})`,
        repair: false,
        keepCas: [],
        ...recheck.value(),
      };
    }
    return {
      step: 'issue-serving',
      reason: 'switch-to-new-ca',
      message: `every webhook entry trusts the new CA "${ca.subject}"; reissuing the serving certificate from it`,
      repair: false,
      keepCas: [],
    };
  }

  const leafRenewal = renewalTime(leaf, policy.renewBeforeFraction);
  if (now >= leafRenewal) {
    return {
      step: 'issue-serving',
      reason: 'serving-expiring',
      message: `the serving certificate expires ${iso(leaf.notAfter)}; less than ${percent(policy.renewBeforeFraction)} of its lifetime remains`,
      repair: false,
      keepCas: [],
    };
  }
  recheck.at(leafRenewal);
  const namesProblem = nameMismatch(leaf, policy);
  if (namesProblem !== undefined) {
    return {
      step: 'issue-serving',
      reason: 'serving-names-changed',
      message: `the serving certificate's names differ from the wanted ones: ${namesProblem}`,
      repair: false,
      keepCas: [],
    };
  }

  const retired = bundle.trusted.filter((c) => c.fingerprint !== ca.fingerprint);
  if (retired.length > 0) {
    const issuedAt = servingIssuedAt(secret, leaf);
    const pruneAt = issuedAt + policy.overlapGraceMs;
    if (now >= pruneAt) {
      return {
        step: 'prune-bundle',
        reason: 'old-ca-retired',
        message: `the serving certificate no longer depends on ${retired.map((c) => `"${c.subject}"`).join(', ')}; removing from the bundle`,
        repair: false,
        keepCas: [ca.pem],
      };
    }
    recheck.at(pruneAt);
  }

  return {
    step: 'none',
    reason: 'up-to-date',
    message: describeSteadyState(inspection, retired.length),
    repair: false,
    keepCas: [],
    ...recheck.value(),
  };
}

/** The rotate-ca request value that has not been acted on yet, if any. */
export function pendingRotationRequest(secret: SecretSnapshot | undefined): string | undefined {
  const requested = secret?.annotations[CertificateAnnotation.rotateCa];
  if (requested === undefined || requested === '') return undefined;
  return requested === secret?.annotations[CertificateAnnotation.rotateCaHandled] ? undefined : requested;
}

/** How many of `bundles` do not list `ca`. */
export function webhooksNotTrusting(bundles: readonly string[], ca: CertificateInfo): number {
  return bundles.filter((bundle) => !bundleFingerprints(bundle).has(ca.fingerprint)).length;
}

function servingIssuedAt(secret: SecretSnapshot, leaf: CertificateInfo): number {
  // Without the annotation (a hand-edited Secret), the certificate's own start is the best estimate.
  return parseTimestamp(secret.annotations[CertificateAnnotation.servingIssuedAt]) ?? leaf.notBefore;
}

function nameMismatch(leaf: CertificateInfo, policy: CertificatePolicy): string | undefined {
  const problems: string[] = [];
  const missingDns = policy.dnsNames.filter((n) => !leaf.dnsNames.includes(n));
  const extraDns = leaf.dnsNames.filter((n) => !policy.dnsNames.includes(n));
  const missingIp = policy.ipAddresses.filter((n) => !leaf.ipAddresses.includes(n));
  const extraIp = leaf.ipAddresses.filter((n) => !policy.ipAddresses.includes(n));
  if (missingDns.length + missingIp.length > 0)
    problems.push(`missing ${[...missingDns, ...missingIp].join(', ')}`);
  if (extraDns.length + extraIp.length > 0) problems.push(`unwanted ${[...extraDns, ...extraIp].join(', ')}`);
  return problems.length === 0 ? undefined : problems.join('; ');
}

function isEmpty(secret: SecretSnapshot): boolean {
  const m = secret.material;
  return [m.servingCertificate, m.servingKey, m.caBundle, m.caKey].every(
    (v) => v === undefined || v.trim() === '',
  );
}

function describeSteadyState(inspection: SecretInspection, retiring: number): string {
  const { serving } = inspection;
  const leaf = serving.ok ? `serving certificate valid until ${iso(serving.certificate.notAfter)}` : '';
  const extra = retiring > 0 ? `; ${retiring} older CA(s) kept for the overlap grace period` : '';
  return `certificates are current: ${leaf}${extra}`;
}

/** The earliest future instant among those offered. */
class Recheck {
  readonly #now: number;
  #earliest: number | undefined;

  constructor(now: number) {
    this.#now = now;
  }

  at(instant: number): void {
    if (!Number.isFinite(instant) || instant <= this.#now) return;
    if (this.#earliest === undefined || instant < this.#earliest) this.#earliest = instant;
  }

  value(): { recheckAt?: number } {
    return this.#earliest === undefined ? {} : { recheckAt: this.#earliest };
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}
