// The webhook's certificates: the Secret layout, the pure rotation planner and its executor, the checks of
// externally provided (cert-manager) Secrets, and the watcher every replica serves from. The leader-only
// writer is controller/certificates.ts.
export {
  DEFAULT_OVERLAP_GRACE_MS,
  DEFAULT_RENEW_BEFORE_FRACTION,
  DEFAULT_TRUST_PROPAGATION_MS,
  certificatePolicy,
  serviceDnsNames,
} from './policy.ts';
export type { CertificatePolicy, CertificatePolicyOptions } from './policy.ts';
export {
  CertificateAnnotation,
  DEFAULT_SECRET_NAME,
  SecretKey,
  TLS_SECRET_TYPE,
  readSecret,
  secretData,
  secretForWrite,
} from './secret.ts';
export type { CertificateMaterial, SecretSnapshot, SecretWrite } from './secret.ts';
export { inspectMaterial, publishableBundle } from './inspect.ts';
export type { SecretInspection } from './inspect.ts';
export { planCertificates, pendingRotationRequest } from './planner.ts';
export type { CertificatePlan, CertificatePlanInput, CertificateReason, CertificateStep } from './planner.ts';
export { executeCertificatePlan } from './issue.ts';
export { checkExternalSecret, servableFromSecret } from './serving.ts';
export type { ExternalSecretReport, ServableCheck, ServableMaterial } from './serving.ts';
export { CertificateWatcher } from './watcher.ts';
export type { CaBundleSource, CertificateWatcherOptions } from './watcher.ts';
