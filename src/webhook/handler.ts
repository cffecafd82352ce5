// What the /inject endpoint answers once the body is in memory, in istiod's order (reference
// istio-injector.md 1.2): an empty body is a 400, a Content-Type other than exactly
// `application/json` is a 415, and from there on every answer is a 200 carrying an AdmissionReview:
// an undecodable review, an injector that throws, returns nonsense or runs past the time limit all
// become `allowed: false` with the reason, in the request's apiVersion and with its uid.
//
// No sockets here: the server shell reads the body, enforces the size cap and writes the reply.
import type { Logger } from '../observability/logger.ts';
import type { ReviewOutcome } from '../observability/metrics.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../inject/types.ts';
import { parseInjectPath } from './path.ts';
import {
  decodeAdmissionReview,
  encodeAdmissionResponse,
  encodeDecodeFailure,
  type AdmissionApiVersion,
  type AdmissionRequest,
} from './review.ts';
import type { Admit, AdmitResult, JsonPatchOperation } from './types.ts';

export interface InjectRequest {
  /** The decoded URL path, e.g. `/inject/cluster/c1`. */
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

export interface InjectReply {
  readonly status: 200 | 400 | 415;
  readonly contentType: string;
  readonly body: string;
  readonly outcome: ReviewOutcome;
}

export interface InjectContext {
  readonly admit: Admit;
  readonly logger: Logger;
  /** Fires when the request's time limit is reached; the reply is then a timeout refusal. */
  readonly deadline: AbortSignal;
  /** The time limit, for the refusal message. */
  readonly timeLimitMs: number;
}

export const JSON_CONTENT_TYPE = 'application/json';
export const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';

/** A child logger made on first use. */
function lazyChild(parent: Logger | (() => Logger), bindings: () => Record<string, unknown>): () => Logger {
  let child: Logger | undefined;
  return () => (child ??= (typeof parent === 'function' ? parent() : parent).child(bindings()));
}

export async function answerInjectRequest(
  request: InjectRequest,
  context: InjectContext,
): Promise<InjectReply> {
  // Most reviews log nothing at the default level; pino serialises a child's bindings when the child is made.
  const log = lazyChild(context.logger, () => ({ path: request.path }));
  if (request.body.length === 0) {
    log().warn('rejected: no body found');
    return textReply(400, 'no body found');
  }
  if (request.contentType !== JSON_CONTENT_TYPE) {
    log().warn({ contentType: request.contentType }, 'rejected: Content-Type is not application/json');
    return textReply(415, 'invalid Content-Type, want `application/json`');
  }

  const decoded = decodeAdmissionReview(request.body);
  if (!decoded.ok) {
    log().error({ uid: decoded.uid }, decoded.error);
    return reviewReply(encodeDecodeFailure(decoded), 'invalid');
  }

  const { apiVersion, request: admission } = decoded.review;
  const podLog = lazyChild(log, () => ({ uid: admission.uid, ...podIdentity(admission) }));
  const { params, warnings } = parseInjectPath(request.path);
  for (const warning of warnings) podLog().warn(warning);

  const answer = await callAdmit(context, {
    uid: admission.uid,
    kind: admission.kind,
    namespace: admission.namespace,
    name: admission.name,
    operation: admission.operation,
    object: admission.object,
    dryRun: admission.dryRun,
    pathParams: params,
    signal: context.deadline,
  });

  switch (answer.kind) {
    case 'timeout': {
      const message = `sidecar injection did not finish within ${context.timeLimitMs} ms`;
      podLog().error(message);
      return refusal(apiVersion, admission.uid, { allowed: false, message, code: 504 }, 'timeout');
    }
    case 'threw': {
      podLog().error({ err: answer.error }, 'sidecar injection failed');
      return refusal(
        apiVersion,
        admission.uid,
        { allowed: false, message: `sidecar injection failed: ${errorText(answer.error)}`, code: 500 },
        'error',
      );
    }
    case 'returned':
      return encodeResult(
        apiVersion,
        admission.uid,
        answer.value,
        podLog,
        context.logger.isLevelEnabled('debug'),
      );
  }
}

function encodeResult(
  apiVersion: AdmissionApiVersion,
  uid: string,
  value: unknown,
  log: () => Logger,
  debug: boolean,
): InjectReply {
  let checked: AdmitResult | string;
  try {
    checked = checkAdmitResult(value);
  } catch (error) {
    checked = `reading it threw: ${errorText(error)}`;
  }
  if (typeof checked === 'string') {
    const message = `sidecar injection failed: the injector returned an invalid result: ${checked}`;
    log().error(message);
    return refusal(apiVersion, uid, { allowed: false, message, code: 500 }, 'error');
  }
  if (!checked.allowed) {
    log().warn({ reason: checked.message }, 'pod refused by the injector');
    return refusal(apiVersion, uid, checked, 'denied');
  }
  let body: string;
  try {
    body = encodeAdmissionResponse(apiVersion, uid, checked);
  } catch (error) {
    const message = `sidecar injection failed: the patch cannot be encoded: ${errorText(error)}`;
    log().error(message);
    return refusal(apiVersion, uid, { allowed: false, message, code: 500 }, 'error');
  }
  const operations = checked.patch?.length ?? 0;
  if (checked.skipped !== undefined) {
    if (debug) log().debug({ reason: checked.skipped }, 'injection skipped');
    return reviewReply(body, 'skipped');
  }
  if (operations > 0) {
    if (debug) log().debug({ operations }, 'injected');
    return reviewReply(body, 'injected');
  }
  if (debug) log().debug('allowed without changes');
  return reviewReply(body, 'allowed');
}

type AdmitAnswer =
  | { readonly kind: 'returned'; readonly value: unknown }
  | { readonly kind: 'threw'; readonly error: unknown }
  | { readonly kind: 'timeout' };

// The admit function runs against the deadline. A synchronous admit blocks the event loop and cannot
// be cut short; an asynchronous one that overruns is abandoned (its late answer is dropped) and told
// through `input.signal`.
async function callAdmit(context: InjectContext, input: Parameters<Admit>[0]): Promise<AdmitAnswer> {
  const { deadline } = context;
  if (deadline.aborted) return { kind: 'timeout' };
  let onAbort: (() => void) | undefined;
  const timedOut = new Promise<AdmitAnswer>((resolve) => {
    onAbort = () => {
      resolve({ kind: 'timeout' });
    };
    deadline.addEventListener('abort', onAbort, { once: true });
  });
  const admitted = new Promise<AdmitResult>((resolve) => {
    resolve(context.admit(input));
  }).then(
    (value): AdmitAnswer => ({ kind: 'returned', value }),
    (error: unknown): AdmitAnswer => ({ kind: 'threw', error }),
  );
  try {
    return await Promise.race([admitted, timedOut]);
  } finally {
    if (onAbort !== undefined) deadline.removeEventListener('abort', onAbort);
  }
}

const patchOps: ReadonlySet<string> = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);
const MAX_REFUSAL_CODE = 599;
const MIN_REFUSAL_CODE = 400;

/** The admit result if it has the promised shape, else what is wrong with it. */
export function checkAdmitResult(value: unknown): AdmitResult | string {
  if (typeof value !== 'object' || value === null) {
    return `want an object, got ${value === null ? 'null' : typeof value}`;
  }
  const result = value as Record<string, unknown>;
  if (result.allowed === false) {
    if (typeof result.message !== 'string') return 'a refusal needs a string message';
    if (
      result.code !== undefined &&
      (!Number.isInteger(result.code) ||
        (result.code as number) < MIN_REFUSAL_CODE ||
        (result.code as number) > MAX_REFUSAL_CODE)
    ) {
      const got = typeof result.code === 'number' ? String(result.code) : typeof result.code;
      return `code must be an HTTP error status (${MIN_REFUSAL_CODE}-${MAX_REFUSAL_CODE}), got ${got}`;
    }
    return value as AdmitResult;
  }
  if (result.allowed !== true) return 'allowed must be true or false';
  if (result.skipped !== undefined && typeof result.skipped !== 'string') return 'skipped must be a string';
  if (result.warnings !== undefined) {
    if (!Array.isArray(result.warnings) || !result.warnings.every((w) => typeof w === 'string')) {
      return 'warnings must be an array of strings';
    }
  }
  if (result.patch !== undefined) {
    if (!Array.isArray(result.patch)) return 'patch must be an array of JSON patch operations';
    const patch = result.patch as unknown[];
    for (let i = 0; i < patch.length; i++) {
      const problem = checkPatchOperation(patch[i]);
      if (problem !== undefined) return `patch[${i}]: ${problem}`;
    }
  }
  return value as AdmitResult;
}

function checkPatchOperation(value: unknown): string | undefined {
  if (!isJsonObject(value)) return 'want an object';
  const op = value as Partial<Record<keyof JsonPatchOperation, JsonValue>>;
  if (typeof op.op !== 'string' || !patchOps.has(op.op)) return `unknown op ${JSON.stringify(op.op ?? null)}`;
  if (typeof op.path !== 'string') return 'path must be a string';
  if ((op.op === 'move' || op.op === 'copy') && typeof op.from !== 'string') return `${op.op} needs a from`;
  if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && !('value' in value)) {
    return `${op.op} needs a value`;
  }
  return undefined;
}

/** Namespace, name and generateName of the admitted pod, for log lines. */
function podIdentity(request: AdmissionRequest): Record<string, string> {
  const identity: Record<string, string> = {};
  const metadata = ownField(request.object, 'metadata');
  const meta: JsonObject = isJsonObject(metadata) ? metadata : {};
  const namespace = stringField(meta, 'namespace') || request.namespace;
  const name = stringField(meta, 'name') || request.name;
  const generateName = stringField(meta, 'generateName');
  if (namespace !== '') identity.namespace = namespace;
  if (name !== '') identity.name = name;
  if (generateName !== '') identity.generateName = generateName;
  return identity;
}

function ownField(object: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** The field if it is a string, else "". */
function stringField(object: JsonObject, key: string): string {
  const value = ownField(object, key);
  return typeof value === 'string' ? value : '';
}

function refusal(
  apiVersion: AdmissionApiVersion,
  uid: string,
  result: Extract<AdmitResult, { allowed: false }>,
  outcome: ReviewOutcome,
): InjectReply {
  return reviewReply(encodeAdmissionResponse(apiVersion, uid, result), outcome);
}

function reviewReply(body: string, outcome: ReviewOutcome): InjectReply {
  return { status: 200, contentType: JSON_CONTENT_TYPE, body, outcome };
}

function textReply(status: 400 | 415, message: string): InjectReply {
  return { status, contentType: TEXT_CONTENT_TYPE, body: `${message}\n`, outcome: 'rejected' };
}

// Anything can be thrown, including objects whose conversion to text throws in turn.
function errorText(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'an unprintable value was thrown';
  }
}
