// Shared helpers for the certificate tests: a Secret that evolves through planner steps the way the
// controller writes it, and quick ways to make PEM material.
import type { JsonObject } from '../../../src/inject/types.ts';
import { executeCertificatePlan } from '../../../src/certs/issue.ts';
import { createCertificateAuthority, issueCertificate } from '../../../src/certs/pki.ts';
import type { CertificatePlan } from '../../../src/certs/planner.ts';
import type { CertificatePolicy } from '../../../src/certs/policy.ts';
import { certificatePolicy } from '../../../src/certs/policy.ts';
import {
  readSecret,
  secretData,
  secretForWrite,
  type CertificateMaterial,
  type SecretSnapshot,
} from '../../../src/certs/secret.ts';

export const ref = { namespace: 'mesh-injector-system', name: 'mesh-injector-webhook-tls' } as const;

export const policy: CertificatePolicy = certificatePolicy({
  service: 'mesh-injector',
  namespace: 'mesh-injector-system',
});

export const dayMs = 24 * 60 * 60 * 1000;
export const yearMs = 365 * dayMs;

/** The Secret object after the controller carried out `plan` on `current` at `now`. */
export async function applyPlan(
  plan: CertificatePlan,
  current: JsonObject | undefined,
  now: number,
  withPolicy: CertificatePolicy = policy,
): Promise<JsonObject> {
  const snapshot = current === undefined ? undefined : readSecret(current);
  const write = await executeCertificatePlan(plan, snapshot, withPolicy, now);
  if (write === undefined) throw new Error(`plan ${plan.step} wrote nothing`);
  return secretForWrite(ref, write, current);
}

/** A Secret object holding `material` and `annotations`. */
export function secretObject(
  material: CertificateMaterial,
  annotations: Record<string, string> = {},
): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: ref.name, namespace: ref.namespace, annotations },
    type: 'kubernetes.io/tls',
    data: secretData(material),
  };
}

export function snapshotOf(secret: JsonObject): SecretSnapshot {
  return readSecret(secret);
}

/** A CA and a serving certificate it signed, as cert-manager would leave them. */
export async function issuedPair(options: {
  readonly now: number;
  readonly dnsNames?: readonly string[];
  readonly caValidityMs?: number;
  readonly servingValidityMs?: number;
}): Promise<{ material: CertificateMaterial; caPem: string; caKeyPem: string }> {
  const ca = await createCertificateAuthority({
    commonName: 'test-ca',
    now: new Date(options.now),
    validityMs: options.caValidityMs ?? 10 * yearMs,
  });
  const leaf = await issueCertificate(ca, {
    commonName: 'mesh-injector.mesh-injector-system.svc',
    dnsNames: options.dnsNames ?? ['mesh-injector.mesh-injector-system.svc'],
    usage: 'server',
    now: new Date(options.now),
    validityMs: options.servingValidityMs ?? yearMs,
  });
  return {
    material: {
      servingCertificate: leaf.certificatePem,
      servingKey: leaf.privateKeyPem,
      caBundle: ca.certificatePem,
    },
    caPem: ca.certificatePem,
    caKeyPem: ca.privateKeyPem,
  };
}
