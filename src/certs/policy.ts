// What the webhook's certificates should look like and when they are replaced.
import { isIP } from 'node:net';

import { DEFAULT_CA_VALIDITY_MS, DEFAULT_LEAF_VALIDITY_MS } from './pki.ts';
import { normalizeIp } from './pem.ts';

/** Replace a certificate when this fraction of its lifetime remains (istiod's and cert-manager's habit). */
export const DEFAULT_RENEW_BEFORE_FRACTION = 0.2;
/**
 * How long after a new CA entered the bundle the serving certificate may switch to it, once every managed
 * webhook configuration lists it. The configurations are read from our cache; every kube-apiserver also
 * reads them through its own informer, and this gives the slowest one time to catch up.
 */
export const DEFAULT_TRUST_PROPAGATION_MS = 30_000;
/**
 * How long an old CA stays in the bundle after the serving certificate stopped depending on it, so that
 * every replica has swapped to the new serving certificate (each reads the Secret through its own watch).
 */
export const DEFAULT_OVERLAP_GRACE_MS = 5 * 60_000;

export interface CertificatePolicy {
  readonly caValidityMs: number;
  readonly servingValidityMs: number;
  /** Renew when this fraction of a certificate's lifetime remains, in (0, 1). */
  readonly renewBeforeFraction: number;
  readonly caCommonName: string;
  readonly servingCommonName: string;
  /** subjectAltName DNS names of the serving certificate. */
  readonly dnsNames: readonly string[];
  /** subjectAltName IP addresses of the serving certificate. */
  readonly ipAddresses: readonly string[];
  readonly trustPropagationMs: number;
  readonly overlapGraceMs: number;
}

export interface CertificatePolicyOptions {
  /** The webhook Service's name. */
  readonly service: string;
  /** The operator namespace (the Service's). */
  readonly namespace: string;
  /** Add `localhost` and `127.0.0.1` for local runs and tests that reach the webhook by URL; default true. */
  readonly localNames?: boolean;
  /** More DNS names or IP addresses for the serving certificate. */
  readonly extraNames?: readonly string[];
  readonly caValidityMs?: number;
  readonly servingValidityMs?: number;
  readonly renewBeforeFraction?: number;
  readonly trustPropagationMs?: number;
  readonly overlapGraceMs?: number;
  readonly caCommonName?: string;
}

/** The names a Service is reached by inside the cluster, most specific first. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
    service,
    `${service}.${namespace}`,
  ];
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Builds and checks a policy; throws naming the option that is wrong. */
export function certificatePolicy(options: CertificatePolicyOptions): CertificatePolicy {
  for (const [field, value] of [
    ['service', options.service],
    ['namespace', options.namespace],
  ] as const) {
    if (!dnsLabel.test(value) || value.length > 63) {
      throw new Error(`certificate policy: ${field} "${value}" is not a valid DNS label`);
    }
  }
  const positiveMs = (field: string, value: number | undefined, fallback: number): number => {
    const ms = value ?? fallback;
    if (!Number.isFinite(ms) || ms <= 0)
      throw new Error(`certificate policy: ${field} must be positive, got ${ms}`);
    return ms;
  };
  const nonNegativeMs = (field: string, value: number | undefined, fallback: number): number => {
    const ms = value ?? fallback;
    if (!Number.isFinite(ms) || ms < 0)
      throw new Error(`certificate policy: ${field} must not be negative, got ${ms}`);
    return ms;
  };
  const fraction = options.renewBeforeFraction ?? DEFAULT_RENEW_BEFORE_FRACTION;
  if (!(fraction > 0 && fraction < 1)) {
    throw new Error(`certificate policy: renewBeforeFraction must be between 0 and 1, got ${fraction}`);
  }
  const names = [
    ...serviceDnsNames(options.service, options.namespace),
    ...(options.localNames === false ? [] : ['localhost', '127.0.0.1']),
    ...(options.extraNames ?? []),
  ];
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const name of names) {
    if (isIP(name) !== 0) {
      const ip = normalizeIp(name);
      if (!ipAddresses.includes(ip)) ipAddresses.push(ip);
    } else if (!dnsNames.includes(name)) {
      dnsNames.push(name);
    }
  }
  return {
    caValidityMs: positiveMs('caValidityMs', options.caValidityMs, DEFAULT_CA_VALIDITY_MS),
    servingValidityMs: positiveMs('servingValidityMs', options.servingValidityMs, DEFAULT_LEAF_VALIDITY_MS),
    renewBeforeFraction: fraction,
    caCommonName: options.caCommonName ?? 'mesh-injector-webhook-ca',
    servingCommonName: `${options.service}.${options.namespace}.svc`,
    dnsNames,
    ipAddresses,
    trustPropagationMs: nonNegativeMs(
      'trustPropagationMs',
      options.trustPropagationMs,
      DEFAULT_TRUST_PROPAGATION_MS,
    ),
    overlapGraceMs: nonNegativeMs('overlapGraceMs', options.overlapGraceMs, DEFAULT_OVERLAP_GRACE_MS),
  };
}
