// Carries out a certificate plan: the new Secret material and annotations for a step. Keys are generated
// here (fresh randomness), so this is the one non-deterministic part of the certificate logic; everything
// it decides was decided by the planner.
import { inspectMaterial } from './inspect.ts';
import {
  createCertificateAuthority,
  issueCertificate,
  loadCertificateAuthority,
  type CertificateAuthority,
  type IssuedCertificate,
} from './pki.ts';
import type { CertificatePlan } from './planner.ts';
import type { CertificatePolicy } from './policy.ts';
import {
  CertificateAnnotation,
  formatTimestamp,
  type CertificateMaterial,
  type SecretSnapshot,
  type SecretWrite,
} from './secret.ts';

/**
 * The write that performs `plan` on `secret` at `now`; undefined for `none`. Throws when the plan does
 * not fit the material (it was made from another version of the Secret), naming what is missing.
 */
export async function executeCertificatePlan(
  plan: CertificatePlan,
  secret: SecretSnapshot | undefined,
  policy: CertificatePolicy,
  now: number,
): Promise<SecretWrite | undefined> {
  const material: CertificateMaterial = secret?.material ?? {};
  const annotations: Record<string, string | null> = {};
  if (plan.answersRequest !== undefined)
    annotations[CertificateAnnotation.rotateCaHandled] = plan.answersRequest;
  switch (plan.step) {
    case 'none':
      return undefined;
    case 'generate': {
      const ca = await newCertificateAuthority(policy, now);
      const serving = await newServingCertificate(ca, policy, now);
      annotations[CertificateAnnotation.caRotationStartedAt] = formatTimestamp(now);
      annotations[CertificateAnnotation.servingIssuedAt] = formatTimestamp(now);
      return {
        material: {
          servingCertificate: serving.certificatePem,
          servingKey: serving.privateKeyPem,
          caBundle: joinBundle([ca.certificatePem, ...plan.keepCas]),
          caKey: ca.privateKeyPem,
        },
        annotations,
      };
    }
    case 'rotate-ca': {
      const ca = await newCertificateAuthority(policy, now);
      annotations[CertificateAnnotation.caRotationStartedAt] = formatTimestamp(now);
      return {
        material: {
          ...material,
          caBundle: joinBundle([ca.certificatePem, ...plan.keepCas]),
          caKey: ca.privateKeyPem,
        },
        annotations,
      };
    }
    case 'issue-serving': {
      const signer = inspectMaterial(material, now).signer;
      if (!signer.ok) throw new Error(`cannot issue a serving certificate: ${signer.problem}`);
      const ca = await loadCertificateAuthority({
        certificatePem: signer.ca.pem,
        privateKeyPem: material.caKey ?? '',
      });
      const serving = await newServingCertificate(ca, policy, now);
      annotations[CertificateAnnotation.servingIssuedAt] = formatTimestamp(now);
      return {
        material: {
          ...material,
          servingCertificate: serving.certificatePem,
          servingKey: serving.privateKeyPem,
        },
        annotations,
      };
    }
    case 'prune-bundle':
      if (plan.keepCas.length === 0) throw new Error('refusing to write an empty caBundle');
      return { material: { ...material, caBundle: joinBundle(plan.keepCas) }, annotations };
  }
}

function newCertificateAuthority(policy: CertificatePolicy, now: number): Promise<CertificateAuthority> {
  // The issue time in the name tells the CAs of a rotation apart in logs and `openssl x509` output.
  return createCertificateAuthority({
    commonName: `${policy.caCommonName}-${Math.floor(now / 1000)}`,
    organizations: ['mesh-injector'],
    validityMs: policy.caValidityMs,
    now: new Date(now),
  });
}

function newServingCertificate(
  ca: CertificateAuthority,
  policy: CertificatePolicy,
  now: number,
): Promise<IssuedCertificate> {
  return issueCertificate(ca, {
    commonName: policy.servingCommonName,
    dnsNames: policy.dnsNames,
    ipAddresses: policy.ipAddresses,
    usage: 'server',
    validityMs: policy.servingValidityMs,
    now: new Date(now),
  });
}

function joinBundle(pems: readonly string[]): string {
  const seen = new Set<string>();
  let bundle = '';
  for (const pem of pems) {
    const text = `${pem.trim()}\n`;
    if (seen.has(text)) continue;
    seen.add(text);
    bundle += text;
  }
  return bundle;
}
