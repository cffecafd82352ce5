// The Secret that holds the webhook's certificates, and how its data maps to certificate material.
//
// Layout (type kubernetes.io/tls, in the operator namespace, default name mesh-injector-webhook-tls):
//   tls.crt   the serving certificate (leaf first; a chain may follow)
//   tls.key   its private key
//   ca.crt    the caBundle: every CA still trusted, newest first; the webhook configurations publish it
//   ca.key    the key of the CA that signs new serving certificates (self-managed mode only)
// Annotations carry the little rotation state that the certificates themselves cannot tell, so that any
// replica that becomes leader continues a rotation from the Secret alone:
//   certs.mesh-injector.dev/ca-rotation-started-at   when the newest CA entered the bundle (RFC 3339)
//   certs.mesh-injector.dev/serving-issued-at        when tls.crt was last written (RFC 3339)
//   certs.mesh-injector.dev/rotate-ca                set by a person or a tool to ask for a CA rotation
//   certs.mesh-injector.dev/rotate-ca-handled        the rotate-ca value the operator has acted on
// The same Secret shape is what cert-manager writes (tls.crt, tls.key, ca.crt), so external mode reads it
// unchanged.
import { isJsonObject, type JsonObject } from '../inject/types.ts';

export const DEFAULT_SECRET_NAME = 'mesh-injector-webhook-tls';
export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

export const SecretKey = {
  servingCertificate: 'tls.crt',
  servingKey: 'tls.key',
  caBundle: 'ca.crt',
  caKey: 'ca.key',
} as const;

export const CertificateAnnotation = {
  caRotationStartedAt: 'certs.mesh-injector.dev/ca-rotation-started-at',
  servingIssuedAt: 'certs.mesh-injector.dev/serving-issued-at',
  rotateCa: 'certs.mesh-injector.dev/rotate-ca',
  rotateCaHandled: 'certs.mesh-injector.dev/rotate-ca-handled',
} as const;

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'mesh-injector';

/** The decoded PEM texts of the Secret; a key that is absent stays undefined. */
export interface CertificateMaterial {
  readonly servingCertificate?: string;
  readonly servingKey?: string;
  readonly caBundle?: string;
  readonly caKey?: string;
}

/** What the certificate code reads from the Secret object. */
export interface SecretSnapshot {
  readonly material: CertificateMaterial;
  readonly annotations: Readonly<Record<string, string>>;
  readonly resourceVersion?: string;
  readonly uid?: string;
  readonly type?: string;
}

/** Reads a Secret object (as the API returns it, data base64-encoded). */
export function readSecret(secret: JsonObject): SecretSnapshot {
  const metadata = isJsonObject(secret.metadata) ? secret.metadata : {};
  const data = isJsonObject(secret.data) ? secret.data : {};
  const decode = (key: string): string | undefined => {
    const value = data[key];
    return typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : undefined;
  };
  const material: CertificateMaterial = {
    ...defined('servingCertificate', decode(SecretKey.servingCertificate)),
    ...defined('servingKey', decode(SecretKey.servingKey)),
    ...defined('caBundle', decode(SecretKey.caBundle)),
    ...defined('caKey', decode(SecretKey.caKey)),
  };
  const annotations: Record<string, string> = {};
  if (isJsonObject(metadata.annotations)) {
    for (const [key, value] of Object.entries(metadata.annotations)) {
      if (typeof value === 'string') annotations[key] = value;
    }
  }
  return {
    material,
    annotations,
    ...defined('resourceVersion', stringOrUndefined(metadata.resourceVersion)),
    ...defined('uid', stringOrUndefined(metadata.uid)),
    ...defined('type', stringOrUndefined(secret.type)),
  };
}

/** The Secret's `data` for `material` (base64, keys in the layout's order). */
export function secretData(material: CertificateMaterial): JsonObject {
  const data: JsonObject = {};
  const put = (key: string, value: string | undefined): void => {
    if (value !== undefined) data[key] = Buffer.from(value, 'utf8').toString('base64');
  };
  put(SecretKey.servingCertificate, material.servingCertificate);
  put(SecretKey.servingKey, material.servingKey);
  put(SecretKey.caBundle, material.caBundle);
  put(SecretKey.caKey, material.caKey);
  return data;
}

/** Annotation changes: a string sets the annotation, null removes it. */
export type AnnotationChanges = Readonly<Record<string, string | null>>;

export interface SecretWrite {
  readonly material: CertificateMaterial;
  readonly annotations: AnnotationChanges;
}

/**
 * The Secret to send: `existing` (the object as read, for an update with its resourceVersion) with our
 * data keys replaced and annotations changed, or a new Secret when there is none. Keys and annotations
 * others put on the Secret are kept; the type of an existing Secret is kept (it is immutable).
 */
export function secretForWrite(
  ref: { readonly namespace: string; readonly name: string },
  write: SecretWrite,
  existing: JsonObject | undefined,
): JsonObject {
  const metadata = existing !== undefined && isJsonObject(existing.metadata) ? { ...existing.metadata } : {};
  const annotations: JsonObject = {};
  const previous = isJsonObject(metadata.annotations) ? metadata.annotations : {};
  for (const [key, value] of Object.entries(previous)) {
    if (!(key in write.annotations)) annotations[key] = value;
  }
  for (const [key, value] of Object.entries(write.annotations)) {
    if (value !== null) annotations[key] = value;
  }
  const labels: JsonObject = isJsonObject(metadata.labels) ? { ...metadata.labels } : {};
  if (existing === undefined) labels[MANAGED_BY_LABEL] = MANAGED_BY;
  // Keys others put in the Secret stay; ours are replaced (ca.key goes when the material has none).
  const ours: ReadonlySet<string> = new Set(Object.values(SecretKey));
  const data: JsonObject = {};
  const previousData = existing !== undefined && isJsonObject(existing.data) ? existing.data : {};
  for (const [key, value] of Object.entries(previousData)) {
    if (!ours.has(key)) data[key] = value;
  }
  Object.assign(data, secretData(write.material));
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      ...metadata,
      name: ref.name,
      namespace: ref.namespace,
      labels,
      annotations,
    },
    type: existing !== undefined && typeof existing.type === 'string' ? existing.type : TLS_SECRET_TYPE,
    data,
  };
}

/** RFC 3339 with second precision, the form Kubernetes itself writes timestamps in. */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Epoch ms of an RFC 3339 annotation value, or undefined when absent or unreadable. */
export function parseTimestamp(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
