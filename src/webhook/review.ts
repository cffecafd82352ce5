// The AdmissionReview codec: `admission.k8s.io/v1` and `v1beta1` requests in, replies out.
//
// Both versions carry the same JSON fields for everything the injector reads, so one decoder serves
// both and the reply is written in the version the request came in (the API server rejects a reply
// in another version). Decoding checks only the fields the webhook uses and names the first one
// that is missing or of the wrong type; other fields pass through unread, as they do for Go's
// decoder in istiod.
//
// A review that cannot be decoded still gets a well-formed AdmissionReview back with
// `allowed: false` and the reason, as istiod does. Unlike istiod, the reply keeps the request's
// apiVersion and uid whenever those two fields could be read, so the API server can match the
// refusal to its request instead of failing the call.
import type { JsonObject, JsonValue } from '../inject/types.ts';
import { isJsonObject } from '../inject/types.ts';
import type { AdmitResult, GroupVersionKind } from './types.ts';

export const ADMISSION_V1 = 'admission.k8s.io/v1';
export const ADMISSION_V1BETA1 = 'admission.k8s.io/v1beta1';
export type AdmissionApiVersion = typeof ADMISSION_V1 | typeof ADMISSION_V1BETA1;

/** The fields of an AdmissionReview's `request` that the webhook uses. */
export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly name: string;
  readonly namespace: string;
  readonly operation: string;
  readonly object: JsonObject;
  readonly dryRun: boolean;
}

export interface DecodedReview {
  readonly apiVersion: AdmissionApiVersion;
  readonly request: AdmissionRequest;
}

export type DecodeResult =
  | { readonly ok: true; readonly review: DecodedReview }
  | {
      readonly ok: false;
      /** Which field is missing or wrong, and why. */
      readonly error: string;
      /** What could be read of the envelope, so the refusal can still be addressed to its request. */
      readonly apiVersion?: AdmissionApiVersion;
      readonly uid?: string;
    };

/** Longest error text put into a reply; JSON parser messages quote the input. */
const MAX_ERROR_LENGTH = 1024;

/** Decodes a request body. Never throws. */
export function decodeAdmissionReview(body: string | Uint8Array): DecodeResult {
  const text =
    typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.length).toString();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return invalid(`body is not valid JSON: ${errorText(error)}`);
  }
  if (!isJsonObject(parsed)) return invalid(`the body must be a JSON object, got ${typeName(parsed)}`);

  const apiVersion = readApiVersion(own(parsed, 'apiVersion'));
  const salvage = { apiVersion: apiVersion.value, uid: salvageUid(parsed) };
  if (apiVersion.error !== undefined) return invalid(apiVersion.error, salvage);

  const kind = own(parsed, 'kind');
  if (kind !== 'AdmissionReview') {
    return invalid(`kind: want "AdmissionReview", got ${describe(kind)}`, salvage);
  }
  const request = own(parsed, 'request');
  if (request === undefined || request === null) return invalid('request is missing', salvage);
  if (!isJsonObject(request)) return invalid(`request: want an object, got ${typeName(request)}`, salvage);

  try {
    const decoded: AdmissionRequest = {
      uid: requiredString(request, 'uid', 'request.uid'),
      kind: readGroupVersionKind(own(request, 'kind')),
      name: optionalString(request, 'name', 'request.name'),
      namespace: optionalString(request, 'namespace', 'request.namespace'),
      operation: requiredString(request, 'operation', 'request.operation'),
      object: readObject(own(request, 'object')),
      dryRun: optionalBoolean(request, 'dryRun', 'request.dryRun'),
    };
    return { ok: true, review: { apiVersion: salvage.apiVersion ?? ADMISSION_V1, request: decoded } };
  } catch (error) {
    if (error instanceof FieldError) return invalid(error.message, salvage);
    throw error;
  }
}

/**
 * The reply to a review: `uid` copied from the request, `patchType: JSONPatch` and the patch base64
 * encoded when there is one, `status` with message and code for a refusal, warnings when given.
 * The request is never echoed back. Throws only if the patch cannot be serialised (see `encodePatch`).
 */
export function encodeAdmissionResponse(
  apiVersion: AdmissionApiVersion,
  uid: string,
  result: AdmitResult,
): string {
  const response: JsonObject = { uid, allowed: result.allowed };
  if (result.allowed) {
    if (result.patch !== undefined && result.patch.length > 0) {
      response.patchType = 'JSONPatch';
      response.patch = encodePatch(result.patch);
    }
    if (result.warnings !== undefined && result.warnings.length > 0) response.warnings = [...result.warnings];
  } else {
    const status: JsonObject = { message: result.message };
    if (result.code !== undefined) status.code = result.code;
    response.status = status;
  }
  return JSON.stringify({ apiVersion, kind: 'AdmissionReview', response });
}

/** The reply to a review that could not be decoded: addressed as well as the salvaged fields allow. */
export function encodeDecodeFailure(failure: Extract<DecodeResult, { ok: false }>): string {
  return encodeAdmissionResponse(failure.apiVersion ?? ADMISSION_V1, failure.uid ?? '', {
    allowed: false,
    message: failure.error,
    code: 400,
  });
}

/** A JSON patch as the AdmissionResponse carries it: the JSON text, base64 encoded. */
export function encodePatch(patch: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(patch)).toString('base64');
}

/** The inverse of `encodePatch`, for tests and for tools that read replies. */
export function decodePatch(base64: string): JsonValue {
  return JSON.parse(Buffer.from(base64, 'base64').toString()) as JsonValue;
}

class FieldError extends Error {}

function invalid(
  error: string,
  salvage: { apiVersion?: AdmissionApiVersion | undefined; uid?: string | undefined } = {},
): DecodeResult {
  const message = `invalid AdmissionReview: ${error}`;
  return {
    ok: false,
    error: message.length > MAX_ERROR_LENGTH ? `${message.slice(0, MAX_ERROR_LENGTH)}...` : message,
    ...(salvage.apiVersion === undefined ? {} : { apiVersion: salvage.apiVersion }),
    ...(salvage.uid === undefined ? {} : { uid: salvage.uid }),
  };
}

function readApiVersion(value: unknown): { value?: AdmissionApiVersion; error?: string } {
  if (value === ADMISSION_V1 || value === ADMISSION_V1BETA1) return { value };
  if (value === undefined || value === null) return { error: 'apiVersion is missing' };
  return { error: `apiVersion: want "${ADMISSION_V1}" or "${ADMISSION_V1BETA1}", got ${describe(value)}` };
}

function salvageUid(review: JsonObject): string | undefined {
  const request = own(review, 'request');
  if (!isJsonObject(request)) return undefined;
  const uid = own(request, 'uid');
  return typeof uid === 'string' && uid !== '' ? uid : undefined;
}

function readGroupVersionKind(value: unknown): GroupVersionKind {
  if (value === undefined || value === null) throw new FieldError('request.kind is missing');
  if (!isJsonObject(value)) throw new FieldError(`request.kind: want an object, got ${typeName(value)}`);
  return {
    group: optionalString(value, 'group', 'request.kind.group'),
    version: requiredString(value, 'version', 'request.kind.version'),
    kind: requiredString(value, 'kind', 'request.kind.kind'),
  };
}

function readObject(value: unknown): JsonObject {
  if (value === undefined || value === null) {
    throw new FieldError('request.object is missing: the webhook needs the object being admitted');
  }
  if (!isJsonObject(value)) throw new FieldError(`request.object: want an object, got ${typeName(value)}`);
  return value;
}

function requiredString(object: JsonObject, key: string, path: string): string {
  const value = own(object, key);
  if (value === undefined || value === null) throw new FieldError(`${path} is missing`);
  if (typeof value !== 'string') throw new FieldError(`${path}: want a string, got ${typeName(value)}`);
  if (value === '') throw new FieldError(`${path} is empty`);
  return value;
}

// JSON null reads as the zero value, as Go's decoder does for a string or bool field.
function optionalString(object: JsonObject, key: string, path: string): string {
  const value = own(object, key);
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new FieldError(`${path}: want a string, got ${typeName(value)}`);
  return value;
}

function optionalBoolean(object: JsonObject, key: string, path: string): boolean {
  const value = own(object, key);
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new FieldError(`${path}: want a boolean, got ${typeName(value)}`);
  return value;
}

// Own properties only: a body may carry keys like "constructor" or "__proto__" and nothing inherited
// may be mistaken for a field.
function own(object: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return typeof value;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}...` : value);
  return typeName(value);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
