import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { JsonObject } from '../../../src/inject/types.ts';
import {
  ADMISSION_V1,
  ADMISSION_V1BETA1,
  decodeAdmissionReview,
  decodePatch,
  encodeAdmissionResponse,
  encodeDecodeFailure,
  encodePatch,
  type DecodeResult,
} from '../../../src/webhook/review.ts';
import type { JsonPatchOperation } from '../../../src/webhook/types.ts';
import { admissionReview, pod } from './support.ts';

function decode(value: unknown): DecodeResult {
  return decodeAdmissionReview(JSON.stringify(value));
}

function failure(result: DecodeResult): Extract<DecodeResult, { ok: false }> {
  if (result.ok) assert.fail('expected the review to be rejected');
  return result;
}

/** An admission review whose request has `key` replaced by `value` (or removed when undefined). */
function withRequestField(key: string, value: unknown): JsonObject {
  const review = admissionReview();
  const request: JsonObject = Object.fromEntries(
    Object.entries(review.request as JsonObject).filter(([name]) => name !== key),
  );
  if (value !== undefined) request[key] = value as JsonObject;
  return { ...review, request };
}

describe('decodeAdmissionReview', () => {
  it('reads the fields the webhook uses from an admission.k8s.io/v1 review', () => {
    const result = decode(admissionReview(ADMISSION_V1, { name: 'web-0', dryRun: true }));
    assert.ok(result.ok);
    assert.equal(result.review.apiVersion, ADMISSION_V1);
    assert.deepEqual(result.review.request, {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      name: 'web-0',
      namespace: 'shop',
      operation: 'CREATE',
      object: pod(),
      dryRun: true,
    });
  });

  it('reads admission.k8s.io/v1beta1 the same way and remembers the version', () => {
    const result = decode(admissionReview(ADMISSION_V1BETA1));
    assert.ok(result.ok);
    assert.equal(result.review.apiVersion, ADMISSION_V1BETA1);
    assert.equal(result.review.request.uid, '705ab4f5-6393-11e8-b7cc-42010a800002');
    assert.deepEqual(result.review.request.object, pod());
  });

  it('treats absent or null optional fields as their zero values, like Go', () => {
    const review = withRequestField('namespace', null);
    const request = review.request as JsonObject;
    delete request.dryRun;
    delete request.name;
    (request.kind as JsonObject).group = null;
    const result = decode(review);
    assert.ok(result.ok);
    assert.equal(result.review.request.namespace, '');
    assert.equal(result.review.request.name, '');
    assert.equal(result.review.request.dryRun, false);
    assert.equal(result.review.request.kind.group, '');
  });

  it('accepts bytes, including a view into a larger buffer', () => {
    const text = JSON.stringify(admissionReview());
    const backing = Buffer.from(`xxxx${text}yyyy`);
    const result = decodeAdmissionReview(backing.subarray(4, 4 + Buffer.byteLength(text)));
    assert.ok(result.ok);
    assert.equal(result.review.request.operation, 'CREATE');
  });

  it('decodes invalid UTF-8 with replacement characters instead of failing', () => {
    const text = JSON.stringify(admissionReview(ADMISSION_V1, { name: 'AAAA' }));
    const bytes = Buffer.from(text);
    const at = bytes.indexOf('AAAA');
    bytes[at] = 0xff;
    bytes[at + 1] = 0xc3;
    const result = decodeAdmissionReview(bytes);
    assert.ok(result.ok);
    assert.equal(result.review.request.name, '\ufffd\ufffdAA');
  });

  it('names a missing uid and still salvages the apiVersion', () => {
    const result = failure(decode(withRequestField('uid', undefined)));
    assert.equal(result.error, 'invalid AdmissionReview: request.uid is missing');
    assert.equal(result.apiVersion, ADMISSION_V1);
    assert.equal(result.uid, undefined);
  });

  it('names a uid of the wrong type or an empty uid', () => {
    assert.equal(
      failure(decode(withRequestField('uid', 42))).error,
      'invalid AdmissionReview: request.uid: want a string, got a number',
    );
    assert.equal(
      failure(decode(withRequestField('uid', ''))).error,
      'invalid AdmissionReview: request.uid is empty',
    );
  });

  it('rejects a review of the wrong kind, keeping its apiVersion and uid for the reply', () => {
    const result = failure(decode({ ...admissionReview(ADMISSION_V1BETA1), kind: 'Pod' }));
    assert.equal(result.error, 'invalid AdmissionReview: kind: want "AdmissionReview", got "Pod"');
    assert.equal(result.apiVersion, ADMISSION_V1BETA1);
    assert.equal(result.uid, '705ab4f5-6393-11e8-b7cc-42010a800002');
    const missingKind = admissionReview();
    delete missingKind.kind;
    assert.match(failure(decode(missingKind)).error, /kind: want "AdmissionReview", got nothing$/);
  });

  it('rejects unknown, missing and mistyped apiVersions', () => {
    const v2 = failure(decode({ ...admissionReview(), apiVersion: 'admission.k8s.io/v2' }));
    assert.equal(
      v2.error,
      'invalid AdmissionReview: apiVersion: want "admission.k8s.io/v1" or "admission.k8s.io/v1beta1", got "admission.k8s.io/v2"',
    );
    assert.equal(v2.apiVersion, undefined);
    assert.equal(v2.uid, '705ab4f5-6393-11e8-b7cc-42010a800002');
    const missing = admissionReview();
    delete missing.apiVersion;
    assert.equal(failure(decode(missing)).error, 'invalid AdmissionReview: apiVersion is missing');
    assert.match(failure(decode({ ...admissionReview(), apiVersion: 1 })).error, /got a number$/);
  });

  it('reports bad JSON and bodies that are not objects', () => {
    assert.match(
      failure(decodeAdmissionReview('{"apiVersion": ')).error,
      /^invalid AdmissionReview: body is not valid JSON: /,
    );
    assert.match(failure(decodeAdmissionReview('')).error, /body is not valid JSON/);
    assert.equal(
      failure(decodeAdmissionReview('[1,2]')).error,
      'invalid AdmissionReview: the body must be a JSON object, got an array',
    );
    assert.equal(
      failure(decodeAdmissionReview('null')).error,
      'invalid AdmissionReview: the body must be a JSON object, got null',
    );
    assert.equal(
      failure(decodeAdmissionReview('"review"')).error,
      'invalid AdmissionReview: the body must be a JSON object, got a string',
    );
  });

  it('names the request field that is missing or of the wrong type', () => {
    const cases: [string, unknown, string][] = [
      ['kind', undefined, 'request.kind is missing'],
      ['kind', 'Pod', 'request.kind: want an object, got a string'],
      ['kind', { group: '', kind: 'Pod' }, 'request.kind.version is missing'],
      ['kind', { group: 1, version: 'v1', kind: 'Pod' }, 'request.kind.group: want a string, got a number'],
      ['kind', { version: 'v1', kind: [] }, 'request.kind.kind: want a string, got an array'],
      ['operation', undefined, 'request.operation is missing'],
      ['operation', true, 'request.operation: want a string, got a boolean'],
      ['namespace', {}, 'request.namespace: want a string, got an object'],
      ['name', 7, 'request.name: want a string, got a number'],
      ['dryRun', 'false', 'request.dryRun: want a boolean, got a string'],
      ['object', undefined, 'request.object is missing: the webhook needs the object being admitted'],
      ['object', null, 'request.object is missing: the webhook needs the object being admitted'],
      ['object', [pod()], 'request.object: want an object, got an array'],
    ];
    for (const [key, value, error] of cases) {
      const result = failure(decode(withRequestField(key, value)));
      assert.equal(result.error, `invalid AdmissionReview: ${error}`, `${key} = ${JSON.stringify(value)}`);
      assert.equal(result.uid, '705ab4f5-6393-11e8-b7cc-42010a800002');
    }
  });

  it('reports a missing or non-object request', () => {
    const review = admissionReview();
    delete review.request;
    assert.equal(failure(decode(review)).error, 'invalid AdmissionReview: request is missing');
    assert.equal(
      failure(decode({ ...review, request: 'x' })).error,
      'invalid AdmissionReview: request: want an object, got a string',
    );
  });

  it('never takes a field from __proto__ or constructor keys', () => {
    const body =
      '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":' +
      '{"__proto__":{"uid":"from-proto","kind":{"version":"v1","kind":"Pod"}},"constructor":{"uid":"c"},' +
      '"kind":{"version":"v1","kind":"Pod"},"operation":"CREATE","object":{}}}';
    assert.equal(
      failure(decodeAdmissionReview(body)).error,
      'invalid AdmissionReview: request.uid is missing',
    );
    // Object.prototype itself is untouched by parsing such a body.
    assert.equal(Object.hasOwn(Object.prototype, 'uid'), false);
  });

  it('caps the length of an error message', () => {
    const hugeKind = 'K'.repeat(5000);
    const result = failure(decode({ ...admissionReview(), kind: hugeKind }));
    assert.ok(result.error.length < 1100, `error is ${result.error.length} characters`);
  });
});

describe('encodeAdmissionResponse', () => {
  const uid = 'abc-123';
  const patch: JsonPatchOperation[] = [
    { op: 'add', path: '/metadata/labels/injected', value: 'true' },
    { op: 'add', path: '/spec/containers/-', value: { name: 'istio-proxy', image: 'proxyv2' } },
  ];

  it('sends the patch base64 encoded with patchType JSONPatch, in the request version, without the request', () => {
    for (const apiVersion of [ADMISSION_V1, ADMISSION_V1BETA1] as const) {
      const reply = JSON.parse(
        encodeAdmissionResponse(apiVersion, uid, { allowed: true, patch }),
      ) as JsonObject;
      assert.deepEqual(Object.keys(reply).sort(), ['apiVersion', 'kind', 'response']);
      assert.equal(reply.apiVersion, apiVersion);
      assert.equal(reply.kind, 'AdmissionReview');
      const response = reply.response as JsonObject;
      assert.equal(response.uid, uid);
      assert.equal(response.allowed, true);
      assert.equal(response.patchType, 'JSONPatch');
      assert.equal(typeof response.patch, 'string');
      assert.deepEqual(decodePatch(response.patch as string), patch);
    }
  });

  it('round-trips patches through base64, unicode included', () => {
    const unicode: JsonPatchOperation[] = [
      { op: 'replace', path: '/metadata/annotations/note', value: 'grüße 🚀' },
    ];
    assert.deepEqual(decodePatch(encodePatch(unicode)), unicode);
    assert.equal(Buffer.from(encodePatch(unicode), 'base64').toString(), JSON.stringify(unicode));
  });

  it('omits patch and patchType when nothing changes', () => {
    for (const result of [{ allowed: true as const }, { allowed: true as const, patch: [] }]) {
      const response = (JSON.parse(encodeAdmissionResponse(ADMISSION_V1, uid, result)) as JsonObject)
        .response as JsonObject;
      assert.deepEqual(response, { uid, allowed: true });
    }
  });

  it('carries warnings', () => {
    const response = (
      JSON.parse(
        encodeAdmissionResponse(ADMISSION_V1, uid, {
          allowed: true,
          warnings: ['dnsPolicy is not ClusterFirst'],
        }),
      ) as JsonObject
    ).response as JsonObject;
    assert.deepEqual(response.warnings, ['dnsPolicy is not ClusterFirst']);
  });

  it('puts a refusal in status.message and status.code', () => {
    const response = (
      JSON.parse(
        encodeAdmissionResponse(ADMISSION_V1BETA1, uid, {
          allowed: false,
          message: 'bad annotation',
          code: 422,
        }),
      ) as JsonObject
    ).response as JsonObject;
    assert.deepEqual(response, { uid, allowed: false, status: { message: 'bad annotation', code: 422 } });
    const withoutCode = (
      JSON.parse(encodeAdmissionResponse(ADMISSION_V1, uid, { allowed: false, message: 'no' })) as JsonObject
    ).response as JsonObject;
    assert.deepEqual(withoutCode.status, { message: 'no' });
  });

  it('throws when the patch cannot be serialised', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() =>
      encodeAdmissionResponse(ADMISSION_V1, uid, {
        allowed: true,
        patch: [{ op: 'add', path: '/x', value: cyclic as JsonObject }],
      }),
    );
  });
});

describe('encodeDecodeFailure', () => {
  it('answers an undecodable review with allowed:false in the salvaged version and uid', () => {
    const result = failure(decode({ ...admissionReview(ADMISSION_V1BETA1), kind: 'Pod' }));
    const reply = JSON.parse(encodeDecodeFailure(result)) as JsonObject;
    assert.deepEqual(reply, {
      apiVersion: ADMISSION_V1BETA1,
      kind: 'AdmissionReview',
      response: {
        uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
        allowed: false,
        status: { message: result.error, code: 400 },
      },
    });
  });

  it('falls back to admission.k8s.io/v1 and an empty uid when nothing can be read', () => {
    const reply = JSON.parse(encodeDecodeFailure(failure(decodeAdmissionReview('garbage')))) as JsonObject;
    assert.equal(reply.apiVersion, ADMISSION_V1);
    assert.equal(reply.kind, 'AdmissionReview');
    const response = reply.response as JsonObject;
    assert.equal(response.uid, '');
    assert.equal(response.allowed, false);
    assert.match((response.status as JsonObject).message as string, /body is not valid JSON/);
  });
});
