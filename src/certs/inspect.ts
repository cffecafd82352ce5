// What a Secret's certificate material is worth at a given moment: which CAs in ca.crt are usable, whether
// ca.key can sign, and whether tls.crt/tls.key can be served. Pure: the same material and time give the
// same answer, which is what lets the planner continue a rotation after a restart.
import {
  issuedBy,
  keyMatches,
  parseCertificate,
  parseCertificates,
  parsePrivateKey,
  splitPem,
  validAt,
  type CertificateInfo,
} from './pem.ts';
import { SecretKey, type CertificateMaterial } from './secret.ts';

export interface BundleInspection {
  /** Usable CA certificates (parsed, CA, within validity), without duplicates, in the bundle's order. */
  readonly trusted: readonly CertificateInfo[];
  /** CA certificates that parsed but are outside their validity window. */
  readonly expired: readonly CertificateInfo[];
  /** Why entries were left out of `trusted`; empty when the bundle is clean. */
  readonly discarded: readonly string[];
}

export function inspectBundle(text: string | undefined, now: number): BundleInspection {
  if (text === undefined || text.trim() === '') {
    return { trusted: [], expired: [], discarded: [] };
  }
  const { certificates, problems } = parseCertificates(text);
  const trusted: CertificateInfo[] = [];
  const expired: CertificateInfo[] = [];
  const discarded = problems.map((p) => `${SecretKey.caBundle}: ${p}`);
  const seen = new Set<string>();
  for (const certificate of certificates) {
    const what = `${SecretKey.caBundle}: "${certificate.subject}"`;
    if (seen.has(certificate.fingerprint)) {
      discarded.push(`${what} is listed twice`);
      continue;
    }
    seen.add(certificate.fingerprint);
    if (!certificate.isCertificateAuthority) {
      discarded.push(`${what} is not a CA certificate`);
    } else if (!validAt(certificate, now)) {
      expired.push(certificate);
      discarded.push(`${what} is outside its validity (${window(certificate)})`);
    } else {
      trusted.push(certificate);
    }
  }
  return { trusted, expired, discarded };
}

export type SignerInspection =
  { readonly ok: true; readonly ca: CertificateInfo } | { readonly ok: false; readonly problem: string };

/** The CA that signs new serving certificates: the usable bundle entry that ca.key belongs to. */
export function inspectSigner(material: CertificateMaterial, bundle: BundleInspection): SignerInspection {
  if (material.caKey === undefined || material.caKey.trim() === '') {
    return { ok: false, problem: `${SecretKey.caKey} is missing` };
  }
  const key = parsePrivateKey(material.caKey);
  if (!key.ok) return { ok: false, problem: `${SecretKey.caKey}: ${key.problem}` };
  // New certificates are signed with pki.ts, which takes ECDSA P-256 keys in PKCS#8 only.
  const isP256 =
    key.value.asymmetricKeyType === 'ec' && key.value.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  if (!isP256 || splitPem(material.caKey).blocks[0]?.type !== 'PRIVATE KEY') {
    return {
      ok: false,
      problem: `${SecretKey.caKey} is not an ECDSA P-256 key in PKCS#8 PEM ("PRIVATE KEY")`,
    };
  }
  const ca = bundle.trusted.find((c) => keyMatches(c, key.value));
  if (ca !== undefined) return { ok: true, ca };
  const expired = bundle.expired.find((c) => keyMatches(c, key.value));
  if (expired !== undefined) {
    return {
      ok: false,
      problem: `${SecretKey.caKey} belongs to CA "${expired.subject}", which is outside its validity (${window(expired)})`,
    };
  }
  if (bundle.trusted.length === 0) {
    const why = bundle.discarded.length > 0 ? `: ${bundle.discarded.join('; ')}` : '';
    return { ok: false, problem: `${SecretKey.caBundle} holds no usable CA certificate${why}` };
  }
  return {
    ok: false,
    problem: `${SecretKey.caKey} does not belong to any CA certificate in ${SecretKey.caBundle}`,
  };
}

export type ServingInspection =
  | {
      readonly ok: true;
      /** The leaf, the first certificate of tls.crt. */
      readonly certificate: CertificateInfo;
      /** The bundle CA the leaf chains to (directly or through the intermediates tls.crt carries). */
      readonly issuer: CertificateInfo;
    }
  | { readonly ok: false; readonly problem: string };

/** Whether tls.crt/tls.key can be served now and trusted by `bundle`. */
export function inspectServing(
  material: CertificateMaterial,
  bundle: BundleInspection,
  now: number,
): ServingInspection {
  const crt = SecretKey.servingCertificate;
  if (material.servingCertificate === undefined || material.servingCertificate.trim() === '') {
    return { ok: false, problem: `${crt} is missing` };
  }
  if (material.servingKey === undefined || material.servingKey.trim() === '') {
    return { ok: false, problem: `${SecretKey.servingKey} is missing` };
  }
  const blocks = splitPem(material.servingCertificate).blocks.filter((b) => b.type === 'CERTIFICATE');
  if (blocks.length === 0) return { ok: false, problem: `${crt} holds no PEM CERTIFICATE block` };
  const chain: CertificateInfo[] = [];
  for (const [i, block] of blocks.entries()) {
    const parsed = parseCertificate(block.text);
    if (!parsed.ok) return { ok: false, problem: `${crt} block ${i + 1}: ${parsed.problem}` };
    chain.push(parsed.value);
  }
  const leaf = chain[0]!;
  const key = parsePrivateKey(material.servingKey);
  if (!key.ok) return { ok: false, problem: `${SecretKey.servingKey}: ${key.problem}` };
  if (!keyMatches(leaf, key.value)) {
    return { ok: false, problem: `${SecretKey.servingKey} does not belong to ${crt} ("${leaf.subject}")` };
  }
  if (!validAt(leaf, now)) {
    return { ok: false, problem: `${crt} "${leaf.subject}" is outside its validity (${window(leaf)})` };
  }
  // Walk up the chain tls.crt carries until a link is signed by a CA the bundle trusts.
  for (let i = 0; i < chain.length; i++) {
    const link = chain[i]!;
    const issuer = bundle.trusted.find((ca) => issuedBy(link, ca));
    if (issuer !== undefined) return { ok: true, certificate: leaf, issuer };
    const next = chain[i + 1];
    if (next === undefined || !issuedBy(link, next) || !validAt(next, now)) break;
  }
  return {
    ok: false,
    problem: `${crt} "${leaf.subject}" is not signed by any usable CA in ${SecretKey.caBundle}`,
  };
}

export interface SecretInspection {
  readonly bundle: BundleInspection;
  readonly signer: SignerInspection;
  readonly serving: ServingInspection;
}

export function inspectMaterial(material: CertificateMaterial, now: number): SecretInspection {
  const bundle = inspectBundle(material.caBundle, now);
  return {
    bundle,
    signer: inspectSigner(material, bundle),
    serving: inspectServing(material, bundle, now),
  };
}

/** The bundle as webhook configurations should publish it: the usable CAs only, in order, PEM. */
export function publishableBundle(bundle: BundleInspection): string | undefined {
  return bundle.trusted.length === 0 ? undefined : bundle.trusted.map((c) => c.pem).join('');
}

function window(certificate: CertificateInfo): string {
  return `${new Date(certificate.notBefore).toISOString()} to ${new Date(certificate.notAfter).toISOString()}`;
}
