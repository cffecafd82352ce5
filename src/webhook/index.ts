// The admission webhook: HTTPS server, AdmissionReview codec and the Admit contract the injector fills.
export { WebhookServer, routeRequest, requestPath, DEFAULT_TIME_LIMIT_MS } from './server.ts';
export type {
  CertificateSource,
  ListenAddress,
  ReadinessCheck,
  ServingCertificate,
  StopOptions,
  StopReport,
  WebhookServerAddresses,
  WebhookServerOptions,
} from './server.ts';
export { DEFAULT_MAX_BODY_BYTES } from './body.ts';
export { answerInjectRequest, checkAdmitResult } from './handler.ts';
export type { InjectContext, InjectReply, InjectRequest } from './handler.ts';
export { parseInjectPath } from './path.ts';
export type { InjectPathParams } from './path.ts';
export {
  ADMISSION_V1,
  ADMISSION_V1BETA1,
  decodeAdmissionReview,
  decodePatch,
  encodeAdmissionResponse,
  encodeDecodeFailure,
  encodePatch,
} from './review.ts';
export type { AdmissionApiVersion, AdmissionRequest, DecodedReview, DecodeResult } from './review.ts';
export type {
  AdmissionInput,
  Admit,
  AdmitAllowed,
  AdmitDenied,
  AdmitResult,
  GroupVersionKind,
  JsonPatchOperation,
} from './types.ts';
