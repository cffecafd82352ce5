// The /inject decision once the body is in memory, without sockets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { JsonObject } from '../../../src/inject/types.ts';
import { answerInjectRequest, checkAdmitResult, type InjectReply } from '../../../src/webhook/handler.ts';
import type { Admit } from '../../../src/webhook/types.ts';
import { admissionReview, silentLogger } from './support.ts';

async function answer(admit: Admit, body = JSON.stringify(admissionReview()), deadline?: AbortSignal) {
  return answerInjectRequest(
    { path: '/inject', contentType: 'application/json', body: Buffer.from(body) },
    { admit, logger: silentLogger, deadline: deadline ?? new AbortController().signal, timeLimitMs: 1000 },
  );
}

function response(reply: InjectReply): JsonObject {
  assert.equal(reply.status, 200);
  return (JSON.parse(reply.body) as JsonObject).response as JsonObject;
}

describe('answerInjectRequest', () => {
  it('checks the body before the content type, as istiod does', async () => {
    const empty = await answerInjectRequest(
      { path: '/inject', contentType: 'text/plain', body: Buffer.alloc(0) },
      {
        admit: () => ({ allowed: true }),
        logger: silentLogger,
        deadline: new AbortController().signal,
        timeLimitMs: 1,
      },
    );
    assert.deepEqual([empty.status, empty.outcome], [400, 'rejected']);
  });

  it('classifies outcomes: injected, skipped, allowed, denied', async () => {
    const patch = [{ op: 'add' as const, path: '/metadata/labels/a', value: 'b' }];
    assert.equal((await answer(() => ({ allowed: true, patch }))).outcome, 'injected');
    assert.equal((await answer(() => ({ allowed: true, skipped: 'policy disabled' }))).outcome, 'skipped');
    assert.equal((await answer(() => ({ allowed: true, patch: [] }))).outcome, 'allowed');
    assert.equal((await answer(() => ({ allowed: false, message: 'no' }))).outcome, 'denied');
  });

  it('answers a patch that cannot be serialised with allowed:false', async () => {
    const reply = await answer(() => ({
      allowed: true,
      patch: [{ op: 'add', path: '/x', value: 10n as unknown as string }],
    }));
    assert.equal(reply.outcome, 'error');
    assert.match((response(reply).status as JsonObject).message as string, /the patch cannot be encoded/);
  });

  it('survives thrown values that are not errors, even unprintable ones', async () => {
    const unprintable: Admit = () => {
      throw Object.create(null) as Error;
    };
    const reply = await answer(unprintable);
    assert.equal(reply.outcome, 'error');
    assert.equal(
      (response(reply).status as JsonObject).message,
      'sidecar injection failed: an unprintable value was thrown',
    );
    const text: Admit = () => {
      throw 'just a string' as unknown as Error;
    };
    assert.equal(
      (response(await answer(text)).status as JsonObject).message,
      'sidecar injection failed: just a string',
    );
  });

  it('does not call the injector when the deadline has already passed', async () => {
    const controller = new AbortController();
    controller.abort();
    let called = false;
    const reply = await answer(
      () => {
        called = true;
        return { allowed: true };
      },
      undefined,
      controller.signal,
    );
    assert.equal(reply.outcome, 'timeout');
    assert.equal(called, false);
  });

  it('never reads inherited properties of a decoded pod when naming it in logs', async () => {
    const body =
      '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"version":"v1","kind":"Pod"},' +
      '"operation":"CREATE","object":{"metadata":{"__proto__":{"name":7},"constructor":"x"}}}}';
    assert.equal((await answer(() => ({ allowed: true }), body)).outcome, 'allowed');
  });
});

describe('checkAdmitResult', () => {
  it('accepts the promised shapes', () => {
    for (const good of [
      { allowed: true },
      { allowed: true, patch: [{ op: 'remove', path: '/a' }], warnings: ['w'], skipped: undefined },
      { allowed: true, patch: [{ op: 'move', from: '/a', path: '/b' }] },
      { allowed: false, message: 'no', code: 403 },
    ]) {
      assert.equal(typeof checkAdmitResult(good), 'object', JSON.stringify(good));
    }
  });

  it('says what is wrong with anything else', () => {
    const cases: [unknown, string][] = [
      [null, 'want an object, got null'],
      ['ok', 'want an object, got string'],
      [{}, 'allowed must be true or false'],
      [{ allowed: false }, 'a refusal needs a string message'],
      [{ allowed: false, message: 'm', code: 200 }, 'code must be an HTTP error status (400-599), got 200'],
      [
        { allowed: false, message: 'm', code: '403' },
        'code must be an HTTP error status (400-599), got string',
      ],
      [{ allowed: true, skipped: 1 }, 'skipped must be a string'],
      [{ allowed: true, warnings: 'w' }, 'warnings must be an array of strings'],
      [{ allowed: true, patch: {} }, 'patch must be an array of JSON patch operations'],
      [{ allowed: true, patch: [null] }, 'patch[0]: want an object'],
      [{ allowed: true, patch: [{ op: 'add', path: '/a' }] }, 'patch[0]: add needs a value'],
      [{ allowed: true, patch: [{ op: 'copy', path: '/a' }] }, 'patch[0]: copy needs a from'],
      [{ allowed: true, patch: [{ op: 'remove' }] }, 'patch[0]: path must be a string'],
      [{ allowed: true, patch: [{ path: '/a' }] }, 'patch[0]: unknown op null'],
    ];
    for (const [value, problem] of cases)
      assert.equal(checkAdmitResult(value), problem, JSON.stringify(value));
  });
});
