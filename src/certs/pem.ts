// Reading PEM material that came from somewhere we do not control (a Secret anyone with RBAC can edit, a
// cert-manager issuer, a caBundle someone pasted into a webhook configuration).
//
// Everything here is synchronous and uses Node's own X.509 parser, so the planner that decides rotations
// stays a pure function. Parse failures are returned as precise messages rather than thrown: a Secret with
// one bad block must still tell the planner which parts are usable.
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';

export interface PemBlock {
  /** The label after BEGIN, e.g. `CERTIFICATE`, `PRIVATE KEY`. */
  readonly type: string;
  /** The whole block, BEGIN to END line, ending in a newline. */
  readonly text: string;
}

export interface PemSplit {
  readonly blocks: readonly PemBlock[];
  /** True when something other than whitespace sits outside the blocks (truncation, pasted junk). */
  readonly hasJunk: boolean;
}

const blockPattern = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** Splits PEM text into its blocks, in order. */
export function splitPem(text: string): PemSplit {
  const blocks: PemBlock[] = [];
  let outside = '';
  let last = 0;
  for (const match of text.matchAll(blockPattern)) {
    outside += text.slice(last, match.index);
    last = match.index + match[0].length;
    blocks.push({ type: match[1]!, text: `${match[0].trim()}\n` });
  }
  outside += text.slice(last);
  return { blocks, hasJunk: outside.trim() !== '' };
}

/** A parsed certificate with the facts rotation decisions use. */
export interface CertificateInfo {
  /** The certificate alone, PEM, ending in a newline. */
  readonly pem: string;
  /** SHA-256 of the DER encoding, lower-case hex without separators: identity for de-duplication. */
  readonly fingerprint: string;
  readonly subject: string;
  /** Epoch ms. */
  readonly notBefore: number;
  /** Epoch ms. */
  readonly notAfter: number;
  readonly isCertificateAuthority: boolean;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly x509: X509Certificate;
}

export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/** Parses one PEM certificate block (its text). */
export function parseCertificate(pem: string): Parsed<CertificateInfo> {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(pem);
  } catch (error) {
    return { ok: false, problem: `not a parsable X.509 certificate (${errorText(error)})` };
  }
  const { dnsNames, ipAddresses } = subjectAltNames(x509.subjectAltName);
  return {
    ok: true,
    value: {
      pem: `${pem.trim()}\n`,
      fingerprint: createHash('sha256').update(x509.raw).digest('hex'),
      subject: x509.subject.replaceAll('\n', ', '),
      notBefore: Date.parse(x509.validFrom),
      notAfter: Date.parse(x509.validTo),
      isCertificateAuthority: x509.ca,
      dnsNames,
      ipAddresses,
      x509,
    },
  };
}

/** Every CERTIFICATE block of `text`, parsed; other block types and junk are reported as problems. */
export function parseCertificates(text: string): {
  readonly certificates: readonly CertificateInfo[];
  readonly problems: readonly string[];
} {
  const { blocks, hasJunk } = splitPem(text);
  const certificates: CertificateInfo[] = [];
  const problems: string[] = [];
  if (hasJunk) problems.push('text outside PEM blocks');
  blocks.forEach((block, i) => {
    if (block.type !== 'CERTIFICATE') {
      problems.push(`block ${i + 1} is a "${block.type}", not a CERTIFICATE`);
      return;
    }
    const parsed = parseCertificate(block.text);
    if (parsed.ok) certificates.push(parsed.value);
    else problems.push(`block ${i + 1}: ${parsed.problem}`);
  });
  if (blocks.length === 0 && !hasJunk) problems.push('no PEM block');
  return { certificates, problems };
}

/** Parses a PEM private key (PKCS#8, SEC1 or PKCS#1). */
export function parsePrivateKey(pem: string): Parsed<KeyObject> {
  const { blocks } = splitPem(pem);
  const keyBlock = blocks.find((b) => b.type.endsWith('PRIVATE KEY'));
  if (keyBlock === undefined) return { ok: false, problem: 'no PEM "PRIVATE KEY" block' };
  try {
    return { ok: true, value: createPrivateKey(keyBlock.text) };
  } catch (error) {
    return { ok: false, problem: `not a parsable private key (${errorText(error)})` };
  }
}

/** True when `key` is the private half of `certificate`'s public key. */
export function keyMatches(certificate: CertificateInfo, key: KeyObject): boolean {
  try {
    return certificate.x509.checkPrivateKey(key);
  } catch {
    return false;
  }
}

/** True when `ca` issued `certificate` and its signature verifies with `ca`'s key. */
export function issuedBy(certificate: CertificateInfo, ca: CertificateInfo): boolean {
  try {
    return certificate.x509.checkIssued(ca.x509) && certificate.x509.verify(ca.x509.publicKey);
  } catch {
    return false;
  }
}

/** True when `at` (epoch ms) lies within the certificate's validity window. */
export function validAt(certificate: CertificateInfo, at: number): boolean {
  return certificate.notBefore <= at && at <= certificate.notAfter;
}

/** The moment a certificate should be replaced: when `fraction` of its lifetime remains. */
export function renewalTime(certificate: CertificateInfo, fraction: number): number {
  const lifetime = certificate.notAfter - certificate.notBefore;
  return certificate.notAfter - lifetime * fraction;
}

/** The fingerprints of every certificate a caBundle text holds (unparsable blocks contribute nothing). */
export function bundleFingerprints(bundle: string): ReadonlySet<string> {
  return new Set(parseCertificates(bundle).certificates.map((c) => c.fingerprint));
}

/** Node prints subjectAltName as `DNS:a, DNS:b, IP Address:127.0.0.1`. */
function subjectAltNames(text: string | undefined): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const entry of (text ?? '').split(/,\s*/)) {
    if (entry.startsWith('DNS:')) dnsNames.push(entry.slice(4));
    else if (entry.startsWith('IP Address:')) ipAddresses.push(normalizeIp(entry.slice(11)));
  }
  return { dnsNames, ipAddresses };
}

/** Node prints IPv6 SANs in full, upper-case (`0:0:0:0:0:0:0:1`); compare them in the URL-canonical form. */
export function normalizeIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip.toLowerCase();
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
