// The project's one X.509 toolbox: ECDSA P-256 certificate authorities and the certificates they sign.
//
// Everything here is a pure function of its inputs plus fresh randomness (keys, serials); nothing is
// written to disk and no global crypto provider is configured, so callers (the webhook's certificate
// manager, the test control plane) decide where PEM material lives and when it is rotated.
//
// Conventions follow what Kubernetes components expect from Go's crypto/x509:
// - keys are ECDSA P-256, private keys are exported as unencrypted PKCS#8 PEM ("PRIVATE KEY");
// - serials are 128 random bits, always positive (RFC 5280 4.1.2.2);
// - CAs carry a critical basicConstraints CA:TRUE and keyCertSign/cRLSign; leaves carry CA:FALSE,
//   digitalSignature and the extended key usages their role needs (ECDSA needs no keyEncipherment);
// - every certificate has a subjectKeyIdentifier; leaves point at their CA with authorityKeyIdentifier,
//   so chains still resolve while an old and a new CA with the same name are both trusted (rotation);
// - notBefore is backdated a little so that a peer whose clock runs slightly behind accepts a
//   certificate issued a moment ago.
import 'reflect-metadata';

import { webcrypto, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  PemConverter,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from '@peculiar/x509';
import type { Extension, JsonGeneralName } from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const subtle = webcrypto.subtle;
// Handed to every @peculiar/x509 call instead of configuring its global provider.
const cryptoProvider = webcrypto;

const keyAlgorithm: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const signingAlgorithm: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

const dayMs = 24 * 60 * 60 * 1000;

/** How far notBefore is moved into the past by default, to tolerate clock skew between peers. */
export const DEFAULT_BACKDATE_MS = 5 * 60 * 1000;
/** Default lifetime of a certificate authority: 10 years (like kubeadm's cluster CA). */
export const DEFAULT_CA_VALIDITY_MS = 3650 * dayMs;
/** Default lifetime of a leaf certificate: 1 year, never beyond its CA's notAfter. */
export const DEFAULT_LEAF_VALIDITY_MS = 365 * dayMs;

/** A certificate and its private key, both PEM encoded. */
export interface PemKeyPair {
  /** The certificate, PEM "CERTIFICATE". */
  readonly certificatePem: string;
  /** The certificate's private key, unencrypted PKCS#8 PEM "PRIVATE KEY". */
  readonly privateKeyPem: string;
}

/** A certificate issued by {@link issueCertificate} (or a CA's own certificate). */
export interface IssuedCertificate extends PemKeyPair {
  /** Serial number, lower-case hexadecimal without leading zero bytes. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** A certificate authority able to sign certificates. Build one with {@link createCertificateAuthority}
 * or {@link loadCertificateAuthority}; persist it as its two PEM strings. */
export interface CertificateAuthority extends IssuedCertificate {
  readonly commonName: string;
  /** The CA certificate, parsed; used as issuer name and authority key identifier of what it signs. */
  readonly certificate: X509Certificate;
  /** The CA's private key as a non-extractable WebCrypto key. */
  readonly signingKey: CryptoKey;
}

/** Validity of a new certificate. Give either absolute bounds or a lifetime; the defaults depend on the kind. */
export interface Validity {
  /** Start of validity. Default: now minus {@link DEFAULT_BACKDATE_MS}. */
  readonly notBefore?: Date;
  /** End of validity. Default: notBefore + validityMs (or the kind's default lifetime). */
  readonly notAfter?: Date;
  /** Lifetime from notBefore when notAfter is not given, in milliseconds. */
  readonly validityMs?: number;
  /** The current time, for deterministic tests. Default: `new Date()`. */
  readonly now?: Date;
}

export interface CertificateAuthorityOptions extends Validity {
  readonly commonName: string;
  readonly organizations?: readonly string[];
  /** basicConstraints pathLenConstraint; default 0 (the CA signs leaves only, no intermediates). */
  readonly pathLength?: number;
}

/** What a leaf certificate is for: `server` adds EKU serverAuth, `client` clientAuth, `both` both. */
export type CertificateUsage = 'server' | 'client' | 'both';

export interface CertificateOptions extends Validity {
  /** Subject CN. For Kubernetes client certificates this is the user name. */
  readonly commonName: string;
  /** Subject O entries. For Kubernetes client certificates these are the user's groups. */
  readonly organizations?: readonly string[];
  /** subjectAltName DNS names (a serving certificate is matched against these, never against the CN). */
  readonly dnsNames?: readonly string[];
  /** subjectAltName IP addresses, IPv4 or IPv6 literals. */
  readonly ipAddresses?: readonly string[];
  /** subjectAltName URIs (e.g. SPIFFE ids). */
  readonly uris?: readonly string[];
  readonly usage: CertificateUsage;
}

/** The parts of a certificate that rotation decisions and tests look at. */
export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly isCertificateAuthority: boolean;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  /** subjectKeyIdentifier, lower-case hex; a CA's value equals the authorityKeyId of what it signed. */
  readonly subjectKeyId: string | undefined;
  readonly authorityKeyId: string | undefined;
}

/** Creates a self-signed ECDSA P-256 certificate authority. */
export async function createCertificateAuthority(
  options: CertificateAuthorityOptions,
): Promise<CertificateAuthority> {
  requireNonEmpty(options.commonName, 'commonName');
  const pathLength = options.pathLength ?? 0;
  if (!Number.isInteger(pathLength) || pathLength < 0) {
    throw new Error(
      `certificate authority "${options.commonName}": pathLength must be a non-negative integer, got ${pathLength}`,
    );
  }
  const { notBefore, notAfter } = resolveValidity(
    options,
    DEFAULT_CA_VALIDITY_MS,
    `certificate authority "${options.commonName}"`,
  );
  const keys = await generateKeyPair();
  const certificate = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerialNumber(),
      name: distinguishedName(options.commonName, options.organizations ?? []),
      notBefore,
      notAfter,
      signingAlgorithm,
      keys,
      extensions: [
        new BasicConstraintsExtension(true, pathLength, true),
        new KeyUsagesExtension(
          KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign | KeyUsageFlags.digitalSignature,
          true,
        ),
        await SubjectKeyIdentifierExtension.create(keys.publicKey, false, cryptoProvider),
      ],
    },
    cryptoProvider,
  );
  const privateKeyPem = await exportPrivateKey(keys.privateKey);
  return loadCertificateAuthority({ certificatePem: certificate.toString('pem'), privateKeyPem });
}

/**
 * Rebuilds a certificate authority from its PEM certificate and PKCS#8 key (e.g. read back from a Secret).
 * Fails when the certificate is not a CA, the key is not ECDSA P-256, or the key does not belong to it.
 */
export async function loadCertificateAuthority(pem: PemKeyPair): Promise<CertificateAuthority> {
  const certificate = parseCertificatePem(pem.certificatePem, 'certificate authority');
  const basicConstraints = certificate.getExtension(BasicConstraintsExtension);
  if (!basicConstraints?.ca) {
    throw new Error(
      `certificate "${certificate.subject}" is not a certificate authority (basicConstraints CA is not true)`,
    );
  }
  const signingKey = await importPrivateKey(
    pem.privateKeyPem,
    `certificate authority "${certificate.subject}"`,
  );
  await assertKeyMatchesCertificate(signingKey, certificate);
  return {
    certificatePem: normalizePem(pem.certificatePem),
    privateKeyPem: normalizePem(pem.privateKeyPem),
    serialNumber: normalizeSerial(certificate.serialNumber),
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    commonName: commonNameOf(certificate),
    certificate,
    signingKey,
  };
}

/** Issues a leaf certificate with a fresh ECDSA P-256 key, signed by `ca`. */
export async function issueCertificate(
  ca: CertificateAuthority,
  options: CertificateOptions,
): Promise<IssuedCertificate> {
  const what = `certificate "${options.commonName}"`;
  requireNonEmpty(options.commonName, 'commonName');
  const subjectAltNames = alternativeNames(options, what);
  if ((options.usage === 'server' || options.usage === 'both') && subjectAltNames.length === 0) {
    throw new Error(`${what}: a server certificate needs at least one of dnsNames, ipAddresses or uris`);
  }
  const { notBefore, notAfter } = resolveValidity(options, DEFAULT_LEAF_VALIDITY_MS, what, ca.notAfter);
  const keys = await generateKeyPair();
  const extensions: Extension[] = [
    new BasicConstraintsExtension(false, undefined, true),
    new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
    new ExtendedKeyUsageExtension(extendedKeyUsages(options.usage), false),
    await SubjectKeyIdentifierExtension.create(keys.publicKey, false, cryptoProvider),
    await AuthorityKeyIdentifierExtension.create(ca.certificate, false, cryptoProvider),
  ];
  if (subjectAltNames.length > 0)
    extensions.push(new SubjectAlternativeNameExtension(subjectAltNames, false));
  const certificate = await X509CertificateGenerator.create(
    {
      serialNumber: randomSerialNumber(),
      subject: distinguishedName(options.commonName, options.organizations ?? []),
      issuer: ca.certificate.subjectName,
      notBefore,
      notAfter,
      signingAlgorithm,
      publicKey: keys.publicKey,
      signingKey: ca.signingKey,
      extensions,
    },
    cryptoProvider,
  );
  return {
    certificatePem: normalizePem(certificate.toString('pem')),
    privateKeyPem: await exportPrivateKey(keys.privateKey),
    serialNumber: normalizeSerial(certificate.serialNumber),
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
  };
}

/** A bare key pair without a certificate, e.g. the service-account token signing key of a kube-apiserver. */
export interface PemSigningKeyPair {
  /** Unencrypted PKCS#8 PEM "PRIVATE KEY". */
  readonly privateKeyPem: string;
  /** SubjectPublicKeyInfo PEM "PUBLIC KEY". */
  readonly publicKeyPem: string;
}

/** Generates an ECDSA P-256 key pair and returns both halves as PEM. */
export async function createSigningKeyPair(): Promise<PemSigningKeyPair> {
  const keys = await generateKeyPair();
  return {
    privateKeyPem: await exportPrivateKey(keys.privateKey),
    publicKeyPem: normalizePem(
      PemConverter.encode(await subtle.exportKey('spki', keys.publicKey), 'PUBLIC KEY'),
    ),
  };
}

/** Reads the fields that matter for trust and rotation from a PEM certificate. */
export function summarizeCertificate(certificatePem: string): CertificateSummary {
  const certificate = parseCertificatePem(certificatePem, 'certificate');
  const names = certificate.getExtension(SubjectAlternativeNameExtension)?.names.toJSON() ?? [];
  return {
    subject: certificate.subject,
    issuer: certificate.issuer,
    serialNumber: normalizeSerial(certificate.serialNumber),
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    isCertificateAuthority: certificate.getExtension(BasicConstraintsExtension)?.ca === true,
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => n.value),
    subjectKeyId: certificate.getExtension(SubjectKeyIdentifierExtension)?.keyId.toLowerCase(),
    authorityKeyId: certificate.getExtension(AuthorityKeyIdentifierExtension)?.keyId?.toLowerCase(),
  };
}

/**
 * True when `certificatePem` was signed by `caCertificatePem` and is inside its validity window at `at`.
 * Uses Node's own X.509 parser, independent of the generator above.
 */
export function isSignedBy(certificatePem: string, caCertificatePem: string, at: Date = new Date()): boolean {
  const leaf = new NodeX509Certificate(certificatePem);
  const ca = new NodeX509Certificate(caCertificatePem);
  const inWindow = new Date(leaf.validFrom) <= at && at <= new Date(leaf.validTo);
  return inWindow && leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
}

/** 16 random bytes with the top bit cleared and a non-zero first byte: positive and of fixed length. */
export function randomSerialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}

function resolveValidity(
  validity: Validity,
  defaultLifetimeMs: number,
  what: string,
  issuerNotAfter?: Date,
): { notBefore: Date; notAfter: Date } {
  const now = validity.now ?? new Date();
  const notBefore = validity.notBefore ?? new Date(now.getTime() - DEFAULT_BACKDATE_MS);
  if (validity.validityMs !== undefined && !(validity.validityMs > 0)) {
    throw new Error(`${what}: validityMs must be positive, got ${validity.validityMs}`);
  }
  let notAfter: Date;
  if (validity.notAfter !== undefined) {
    notAfter = validity.notAfter;
    if (issuerNotAfter !== undefined && notAfter > issuerNotAfter) {
      throw new Error(
        `${what}: notAfter ${notAfter.toISOString()} is later than its CA's notAfter ${issuerNotAfter.toISOString()}`,
      );
    }
  } else {
    notAfter = new Date(notBefore.getTime() + (validity.validityMs ?? defaultLifetimeMs));
    // A defaulted lifetime never outlives the CA: the certificate would stop verifying with it anyway.
    if (issuerNotAfter !== undefined && notAfter > issuerNotAfter) notAfter = issuerNotAfter;
  }
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) {
    throw new Error(`${what}: notBefore and notAfter must be valid dates`);
  }
  if (notAfter <= notBefore) {
    throw new Error(
      `${what}: notAfter ${notAfter.toISOString()} must be after notBefore ${notBefore.toISOString()}`,
    );
  }
  return { notBefore, notAfter };
}

function alternativeNames(options: CertificateOptions, what: string): JsonGeneralName[] {
  const names: JsonGeneralName[] = [];
  for (const dnsName of options.dnsNames ?? []) {
    if (
      !/^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(
        dnsName,
      )
    ) {
      throw new Error(`${what}: dnsNames entry "${dnsName}" is not a valid DNS name`);
    }
    names.push({ type: 'dns', value: dnsName });
  }
  for (const ip of options.ipAddresses ?? []) {
    if (isIP(ip) === 0) throw new Error(`${what}: ipAddresses entry "${ip}" is not an IPv4 or IPv6 address`);
    names.push({ type: 'ip', value: ip });
  }
  for (const uri of options.uris ?? []) {
    if (!URL.canParse(uri)) throw new Error(`${what}: uris entry "${uri}" is not an absolute URI`);
    names.push({ type: 'url', value: uri });
  }
  return names;
}

function extendedKeyUsages(usage: CertificateUsage): string[] {
  switch (usage) {
    case 'server':
      return [ExtendedKeyUsage.serverAuth];
    case 'client':
      return [ExtendedKeyUsage.clientAuth];
    case 'both':
      return [ExtendedKeyUsage.serverAuth, ExtendedKeyUsage.clientAuth];
  }
}

function distinguishedName(commonName: string, organizations: readonly string[]): Record<string, string[]>[] {
  for (const organization of organizations) requireNonEmpty(organization, 'organizations entry');
  const name: Record<string, string[]>[] = organizations.map((o) => ({ O: [o] }));
  name.push({ CN: [commonName] });
  return name;
}

function commonNameOf(certificate: X509Certificate): string {
  return certificate.subjectName.getField('CN')[0] ?? '';
}

async function generateKeyPair(): Promise<CryptoKeyPair> {
  return subtle.generateKey(keyAlgorithm, true, ['sign', 'verify']);
}

async function exportPrivateKey(key: CryptoKey): Promise<string> {
  return normalizePem(PemConverter.encode(await subtle.exportKey('pkcs8', key), 'PRIVATE KEY'));
}

async function importPrivateKey(privateKeyPem: string, what: string): Promise<CryptoKey> {
  let der: ArrayBuffer;
  try {
    const blocks = PemConverter.decodeWithHeaders(privateKeyPem);
    const block = blocks[0];
    if (block?.type !== 'PRIVATE KEY') {
      throw new Error(
        `expected a PEM "PRIVATE KEY" (PKCS#8) block, found ${block ? `"${block.type}"` : 'none'}`,
      );
    }
    der = block.rawData;
  } catch (error) {
    throw new Error(`${what}: private key: ${errorMessage(error)}`, { cause: error });
  }
  try {
    return await subtle.importKey('pkcs8', der, keyAlgorithm, false, ['sign']);
  } catch (error) {
    throw new Error(`${what}: private key is not an ECDSA P-256 PKCS#8 key: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

async function assertKeyMatchesCertificate(key: CryptoKey, certificate: X509Certificate): Promise<void> {
  const probe = new TextEncoder().encode('mesh-injector key check');
  const signature = await subtle.sign(signingAlgorithm, key, probe);
  const publicKey = (await certificate.publicKey.export(
    keyAlgorithm,
    ['verify'],
    cryptoProvider,
  )) as CryptoKey;
  if (!(await subtle.verify(signingAlgorithm, publicKey, signature, probe))) {
    throw new Error(
      `certificate authority "${certificate.subject}": the private key does not match the certificate`,
    );
  }
}

function parseCertificatePem(certificatePem: string, what: string): X509Certificate {
  try {
    return new X509Certificate(certificatePem);
  } catch (error) {
    throw new Error(`${what}: not a PEM certificate: ${errorMessage(error)}`, { cause: error });
  }
}

function normalizeSerial(hex: string): string {
  return hex.toLowerCase().replace(/^(00)+(?=.)/, '');
}

/** PEM files conventionally end with a newline; concatenating bundles (old CA + new CA) relies on it. */
function normalizePem(pem: string): string {
  return pem.trim() + '\n';
}

function requireNonEmpty(value: string, field: string): void {
  if (value.trim() === '') throw new Error(`${field} must not be empty`);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
