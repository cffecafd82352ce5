// The webhook server over real HTTPS on 127.0.0.1: every status code, health and readiness, metrics,
// the time limit, graceful shutdown and certificate hot swap.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent, request as httpsRequest } from 'node:https';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { describe, it } from 'node:test';

import type { JsonObject } from '../../../src/inject/types.ts';
import { decodePatch } from '../../../src/webhook/review.ts';
import {
  requestPath,
  routeRequest,
  type CertificateSource,
  type ServingCertificate,
} from '../../../src/webhook/server.ts';
import type { AdmissionInput, Admit, JsonPatchOperation } from '../../../src/webhook/types.ts';
import {
  admissionReview,
  captureLogger,
  createTestPki,
  deferred,
  metricValue,
  pod,
  send,
  sendPlain,
  startServer,
  type Reply,
  type RunningServer,
} from './support.ts';

const pki = await createTestPki();

const labelPatch: JsonPatchOperation[] = [{ op: 'add', path: '/metadata/labels/sidecar', value: 'yes' }];
const injectLabel: Admit = () => ({ allowed: true, patch: labelPatch });

async function withServer(
  options: Parameters<typeof startServer>[1],
  body: (running: RunningServer) => Promise<void>,
): Promise<void> {
  const running = await startServer(pki, options);
  try {
    await body(running);
  } finally {
    await running.close();
  }
}

function reviewBody(apiVersion?: string, request?: JsonObject, object?: JsonObject): string {
  return JSON.stringify(admissionReview(apiVersion, request, object));
}

function responseOf(reply: Reply): JsonObject {
  assert.equal(reply.status, 200, reply.text);
  assert.equal(reply.headers['content-type'], 'application/json');
  const review = JSON.parse(reply.text) as JsonObject;
  assert.equal(review.kind, 'AdmissionReview');
  assert.equal(review.request, undefined, 'the request is never echoed');
  return review.response as JsonObject;
}

async function scrape(running: RunningServer): Promise<string> {
  const reply = await sendPlain(running, '/metrics');
  assert.equal(reply.status, 200);
  return reply.text;
}

describe('routing', () => {
  it('sends /inject and /inject/... to the injector on the webhook listener only', () => {
    assert.deepEqual(routeRequest('POST', '/inject', 'webhook'), { kind: 'route', route: 'inject' });
    assert.deepEqual(routeRequest('POST', '/inject/cluster/c1', 'webhook'), {
      kind: 'route',
      route: 'inject',
    });
    assert.deepEqual(routeRequest('POST', '/injector', 'webhook'), { kind: 'notFound' });
    assert.deepEqual(routeRequest('POST', '/inject', 'metrics'), { kind: 'notFound' });
    assert.deepEqual(routeRequest('GET', '/metrics', 'webhook'), { kind: 'notFound' });
    assert.deepEqual(routeRequest('GET', '/metrics', 'metrics'), { kind: 'route', route: 'metrics' });
    assert.deepEqual(routeRequest('HEAD', '/healthz', 'webhook'), { kind: 'route', route: 'healthz' });
    assert.deepEqual(routeRequest('PUT', '/inject', 'webhook'), {
      kind: 'methodNotAllowed',
      route: 'inject',
      allow: 'POST',
    });
    assert.deepEqual(routeRequest('POST', '/readyz', 'metrics'), {
      kind: 'methodNotAllowed',
      route: 'readyz',
      allow: 'GET, HEAD',
    });
  });

  it('decodes request targets like Go, without query or fragment', () => {
    assert.equal(requestPath('/inject/cluster/c1?timeout=10s'), '/inject/cluster/c1');
    assert.equal(requestPath('/inject%2Fnet%2Fn1'), '/inject/net/n1');
    assert.equal(requestPath('https://istiod.istio-system.svc:443/inject/net/n1'), '/inject/net/n1');
    assert.equal(requestPath('/inject/%zz'), undefined);
    assert.equal(requestPath('*'), undefined);
    assert.equal(requestPath(''), undefined);
  });
});

describe('POST /inject', () => {
  it('answers a v1 review with the patch, in v1, with the request uid', async () => {
    await withServer({ admit: injectLabel }, async (running) => {
      const review = JSON.parse(
        (await send(running, { body: reviewBody('admission.k8s.io/v1', { uid: 'uid-v1' }) })).text,
      ) as JsonObject;
      assert.equal(review.apiVersion, 'admission.k8s.io/v1');
      const response = review.response as JsonObject;
      assert.equal(response.uid, 'uid-v1');
      assert.equal(response.allowed, true);
      assert.equal(response.patchType, 'JSONPatch');
      assert.deepEqual(decodePatch(response.patch as string), labelPatch);
    });
  });

  it('answers a v1beta1 review in v1beta1', async () => {
    await withServer({ admit: injectLabel }, async (running) => {
      const reply = await send(running, {
        body: reviewBody('admission.k8s.io/v1beta1', { uid: 'uid-beta' }),
      });
      const review = JSON.parse(reply.text) as JsonObject;
      assert.equal(review.apiVersion, 'admission.k8s.io/v1beta1');
      assert.equal((review.response as JsonObject).uid, 'uid-beta');
      assert.deepEqual(decodePatch((review.response as JsonObject).patch as string), labelPatch);
    });
  });

  it('hands the injector the decoded request and the path parameters', async () => {
    const seen: AdmissionInput[] = [];
    const admit: Admit = (input) => {
      seen.push(input);
      return { allowed: true };
    };
    await withServer({ admit }, async (running) => {
      const reply = await send(running, {
        path: '/inject/cluster/east/net/vpc--slash--2?timeout=10s',
        body: reviewBody(undefined, { dryRun: true, namespace: 'shop' }),
      });
      assert.deepEqual(responseOf(reply), { uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true });
    });
    assert.equal(seen.length, 1);
    const input = seen[0]!;
    assert.deepEqual({ ...input.pathParams }, { ISTIO_META_CLUSTER_ID: 'east', ISTIO_META_NETWORK: 'vpc/2' });
    assert.equal(input.dryRun, true);
    assert.equal(input.namespace, 'shop');
    assert.equal(input.operation, 'CREATE');
    assert.deepEqual(input.kind, { group: '', version: 'v1', kind: 'Pod' });
    assert.deepEqual(input.object, pod());
    assert.equal(input.signal.aborted, false);
  });

  it('passes refusals through with their message and code', async () => {
    const admit: Admit = () => ({
      allowed: false,
      message: 'invalid annotation sidecar.istio.io/x',
      code: 422,
    });
    await withServer({ admit }, async (running) => {
      const response = responseOf(await send(running, { body: reviewBody() }));
      assert.equal(response.allowed, false);
      assert.deepEqual(response.status, { message: 'invalid annotation sidecar.istio.io/x', code: 422 });
      assert.equal(response.patch, undefined);
    });
  });

  it('sends warnings back', async () => {
    const admit: Admit = () => ({ allowed: true, patch: labelPatch, warnings: ['dnsPolicy is None'] });
    await withServer({ admit }, async (running) => {
      assert.deepEqual(responseOf(await send(running, { body: reviewBody() })).warnings, [
        'dnsPolicy is None',
      ]);
    });
  });

  it('carries a large patch intact', async () => {
    const big: JsonPatchOperation[] = Array.from({ length: 2000 }, (_, i) => ({
      op: 'add',
      path: `/metadata/annotations/note-${i}`,
      value: 'x'.repeat(1500),
    }));
    await withServer({ admit: () => ({ allowed: true, patch: big }) }, async (running) => {
      const response = responseOf(await send(running, { body: reviewBody() }));
      assert.ok((response.patch as string).length > 3_000_000);
      assert.deepEqual(decodePatch(response.patch as string), big);
    });
  });

  it('answers 400 for an empty body', async () => {
    await withServer({ admit: injectLabel }, async (running) => {
      const reply = await send(running, { body: '' });
      assert.equal(reply.status, 400);
      assert.equal(reply.text, 'no body found\n');
    });
  });

  it('lets a client still uploading read its 400 before the connection closes (no reset overtakes it)', async () => {
    // The client keeps writing after the refusal; closed at once, the server's socket would answer that data
    // with a reset, which can reach the client before the reply does.
    const upload = (running: RunningServer, declareLength: boolean): Promise<number> =>
      new Promise((resolve, reject) => {
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const times = 64;
        let answered = false;
        const request = httpsRequest(
          {
            host: '127.0.0.1',
            port: running.port,
            method: 'POST',
            path: '/inject',
            headers: {
              'Content-Type': 'application/json',
              ...(declareLength ? { 'Content-Length': String(chunk.length * times) } : {}),
            },
            agent: false,
            ca: pki.ca.certificatePem,
          },
          (response) => {
            answered = true;
            response.resume();
            response.on('end', () => {
              resolve(response.statusCode ?? 0);
            });
          },
        );
        request.on('error', (error) => {
          if (!answered) reject(error);
        });
        let sent = 0;
        const writeMore = (): void => {
          while (sent < times && !answered) {
            sent++;
            if (!request.write(chunk)) {
              request.once('drain', writeMore);
              return;
            }
          }
          if (!answered) request.end();
        };
        writeMore();
      });
    await withServer({ admit: injectLabel, maxBodyBytes: 4096 }, async (running) => {
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push(await upload(running, i % 2 === 0));
      assert.deepEqual(statuses, new Array<number>(40).fill(400));
      assert.equal(responseOf(await send(running, { body: reviewBody() })).allowed, true);
    });
  });

  it('answers 400 for a body over the cap, announced or chunked, and stays up', async () => {
    await withServer({ admit: injectLabel, maxBodyBytes: 4096 }, async (running) => {
      const announced = await send(running, { body: Buffer.alloc(5000, 0x20) });
      assert.equal(announced.status, 400);
      assert.equal(announced.text, 'request body too large: limit is 4096 bytes\n');
      assert.equal(announced.headers.connection, 'close');
      const chunked = await new Promise<number>((resolve, reject) => {
        const request = httpsRequest(
          {
            host: '127.0.0.1',
            port: running.port,
            method: 'POST',
            path: '/inject',
            headers: { 'Content-Type': 'application/json' },
            agent: running.agent,
          },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        request.on('error', reject);
        for (let i = 0; i < 8; i++) request.write(Buffer.alloc(1000, 0x20));
        request.end();
      });
      assert.equal(chunked, 400);
      assert.equal(responseOf(await send(running, { body: reviewBody() })).allowed, true);
    });
  });

  it('accepts a body just under the default 6 MiB cap and refuses one just over it', async () => {
    await withServer({ admit: () => ({ allowed: true }) }, async (running) => {
      const review = reviewBody();
      const padding = 6 * 1024 * 1024 - Buffer.byteLength(review);
      const exact = Buffer.concat([Buffer.from(review), Buffer.alloc(padding, 0x20)]);
      assert.equal(responseOf(await send(running, { body: exact })).allowed, true);
      const over = Buffer.concat([exact, Buffer.from(' ')]);
      assert.equal((await send(running, { body: over })).status, 400);
    });
  });

  it('answers 415 unless Content-Type is exactly application/json', async () => {
    await withServer({ admit: injectLabel }, async (running) => {
      const variants: Record<string, string>[] = [
        { 'Content-Type': 'application/json; charset=utf-8' },
        { 'Content-Type': 'application/yaml' },
        {},
      ];
      for (const headers of variants) {
        const reply = await send(running, { headers, body: reviewBody() });
        assert.equal(reply.status, 415, JSON.stringify(headers));
        assert.equal(reply.text, 'invalid Content-Type, want `application/json`\n');
      }
    });
  });

  it('answers 405 with Allow for other methods, and 404 for unknown paths', async () => {
    await withServer({ admit: injectLabel }, async (running) => {
      const get = await send(running, { method: 'GET' });
      assert.equal(get.status, 405);
      assert.equal(get.headers.allow, 'POST');
      const postHealth = await send(running, { path: '/healthz', body: '{}' });
      assert.equal(postHealth.status, 405);
      assert.equal(postHealth.headers.allow, 'GET, HEAD');
      assert.equal((await send(running, { path: '/mutate' })).status, 404);
      assert.equal((await send(running, { path: '/metrics', method: 'GET' })).status, 404);
      assert.equal((await sendPlain(running, '/inject', 'POST')).status, 404);
      assert.equal((await send(running, { path: '/inject/%zz' })).status, 400);
    });
  });

  it('answers an undecodable review with 200 and allowed:false', async () => {
    await withServer({ admit: injectLabel }, async (running) => {
      const garbage = responseOf(await send(running, { body: '\u0000\u0001 not json' }));
      assert.equal(garbage.allowed, false);
      assert.equal(garbage.uid, '');
      assert.match((garbage.status as JsonObject).message as string, /body is not valid JSON/);
      const noUid = await send(running, {
        body: JSON.stringify({ ...admissionReview('admission.k8s.io/v1beta1'), kind: 'Deployment' }),
      });
      const review = JSON.parse(noUid.text) as JsonObject;
      assert.equal(review.apiVersion, 'admission.k8s.io/v1beta1');
      assert.equal((review.response as JsonObject).allowed, false);
      assert.equal((review.response as JsonObject).uid, '705ab4f5-6393-11e8-b7cc-42010a800002');
    });
  });

  it('answers allowed:false when the injector throws, synchronously or not', async () => {
    const throwers: Admit[] = [
      () => {
        throw new Error('template "sidecar" failed: boom');
      },
      () => Promise.reject(new Error('template "sidecar" failed: boom')),
    ];
    for (const admit of throwers) {
      await withServer({ admit }, async (running) => {
        const response = responseOf(await send(running, { body: reviewBody() }));
        assert.equal(response.allowed, false);
        assert.deepEqual(response.status, {
          message: 'sidecar injection failed: template "sidecar" failed: boom',
          code: 500,
        });
      });
    }
  });

  it('answers allowed:false when the injector returns something that is not a result', async () => {
    const bad = [
      undefined,
      { allowed: 'yes' },
      { allowed: true, patch: [{ op: 'frobnicate', path: '/' }] },
      { allowed: false },
    ];
    for (const value of bad) {
      await withServer({ admit: () => value as never }, async (running) => {
        const response = responseOf(await send(running, { body: reviewBody() }));
        assert.equal(response.allowed, false, JSON.stringify(value));
        assert.match(
          (response.status as JsonObject).message as string,
          /^sidecar injection failed: the injector returned an invalid result: /,
        );
      });
    }
  });

  it('answers allowed:false with a timeout message when the injector does not finish in time', async () => {
    let signal: AbortSignal | undefined;
    const hang: Admit = (input) => {
      signal = input.signal;
      return new Promise(() => undefined);
    };
    await withServer({ admit: hang, timeLimitMs: 200 }, async (running) => {
      const response = responseOf(await send(running, { body: reviewBody() }));
      assert.equal(response.allowed, false);
      assert.equal(response.uid, '705ab4f5-6393-11e8-b7cc-42010a800002');
      assert.deepEqual(response.status, {
        message: 'sidecar injection did not finish within 200 ms',
        code: 504,
      });
      assert.equal(signal?.aborted, true, 'the injector is told to stop');
      assert.equal(running.server.inFlight, 0);
      const text = await scrape(running);
      assert.equal(metricValue(text, 'mesh_injector_webhook_reviews_total', 'outcome="timeout"'), 1);
      assert.equal(metricValue(text, 'sidecar_injection_failure_total'), 1);
    });
  });

  it('answers 408 and closes when the body does not arrive in time', async () => {
    await withServer({ admit: injectLabel, timeLimitMs: 200 }, async (running) => {
      const reply = await new Promise<Reply>((resolve, reject) => {
        const request = httpsRequest(
          {
            host: '127.0.0.1',
            port: running.port,
            method: 'POST',
            path: '/inject',
            headers: { 'Content-Type': 'application/json', 'Content-Length': '1000' },
            agent: running.agent,
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => {
              resolve({
                status: response.statusCode ?? 0,
                headers: response.headers,
                text: Buffer.concat(chunks).toString(),
              });
              request.destroy();
            });
          },
        );
        request.on('error', reject);
        request.write('{"apiVersion":');
      });
      assert.equal(reply.status, 408);
      assert.equal(reply.headers.connection, 'close');
      assert.equal(reply.text, 'request body not received within 200 ms\n');
    });
  });

  it('survives a client that disconnects halfway through the body', async () => {
    await withServer({ admit: injectLabel }, async (running) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: running.port, ca: pki.ca.certificatePem });
      await once(socket, 'secureConnect');
      socket.write(
        'POST /inject HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"a":',
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(responseOf(await send(running, { body: reviewBody() })).allowed, true);
      const text = await scrape(running);
      assert.equal(metricValue(text, 'mesh_injector_webhook_reviews_total', 'outcome="rejected"'), 1);
      assert.equal(running.server.inFlight, 0);
    });
  });

  it('logs failures with the pod namespace, name, generateName and the review uid', async () => {
    const { logger, lines } = captureLogger('info');
    const admit: Admit = () => {
      throw new Error('render failed');
    };
    const object = pod({ metadata: { generateName: 'api-5f9c-', namespace: 'payments' } });
    await withServer({ admit, logger }, async (running) => {
      await send(running, { body: reviewBody(undefined, { uid: 'uid-log', namespace: 'payments' }, object) });
    });
    const failure = lines.find((line) => line.msg === 'sidecar injection failed');
    assert.ok(failure, JSON.stringify(lines));
    assert.equal(failure.uid, 'uid-log');
    assert.equal(failure.namespace, 'payments');
    assert.equal(failure.generateName, 'api-5f9c-');
    assert.equal(failure.path, '/inject');
    assert.equal(failure.level, 50);
    assert.ok(!JSON.stringify(lines).includes('nginx:1.27'), 'the pod itself is not logged');
  });
});

describe('health, readiness and metrics', () => {
  it('serves /healthz on both listeners', async () => {
    await withServer({ admit: injectLabel }, async (running) => {
      const secure = await send(running, { path: '/healthz', method: 'GET' });
      assert.equal(secure.status, 200);
      assert.equal(secure.text, 'ok\n');
      assert.equal((await sendPlain(running, '/healthz')).status, 200);
      assert.equal((await sendPlain(running, '/healthz', 'HEAD')).status, 200);
    });
  });

  it('is ready only when the readiness checks pass', async () => {
    let configLoaded = false;
    const readiness = [
      { name: 'config', check: () => (configLoaded ? undefined : 'injector config not loaded') },
    ];
    await withServer({ admit: injectLabel, readiness }, async (running) => {
      const before = await sendPlain(running, '/readyz');
      assert.equal(before.status, 503);
      assert.match(before.text, /\[\+\]certificate ok\n/);
      assert.match(before.text, /\[-\]config failed: injector config not loaded\n/);
      configLoaded = true;
      const after = await send(running, { path: '/readyz', method: 'GET' });
      assert.equal(after.status, 200);
      assert.match(after.text, /readyz check passed\n$/);
    });
  });

  it('is not ready without a certificate, and becomes ready once one is set', async () => {
    await withServer({ admit: injectLabel, certificate: undefined }, async (running) => {
      const before = await sendPlain(running, '/readyz');
      assert.equal(before.status, 503);
      assert.match(before.text, /\[-\]certificate failed: no serving certificate loaded/);
      running.server.setCertificate(await pki.issue());
      assert.equal((await sendPlain(running, '/readyz')).status, 200);
      assert.equal(responseOf(await send(running, { body: reviewBody() })).allowed, true);
    });
  });

  it('reports a throwing readiness check as not ready', async () => {
    const readiness = [
      {
        name: 'broken',
        check: (): string | undefined => {
          throw new Error('nope');
        },
      },
    ];
    await withServer({ admit: injectLabel, readiness }, async (running) => {
      const reply = await sendPlain(running, '/readyz');
      assert.equal(reply.status, 503);
      assert.match(reply.text, /\[-\]broken failed: the check threw: nope/);
    });
  });

  it('counts requests, successes, failures and skips as istiod does', async () => {
    const admit: Admit = (input) => {
      if (input.name === 'skip-me') return { allowed: true, skipped: 'sidecar.istio.io/inject is "false"' };
      if (input.name === 'deny-me') return { allowed: false, message: 'bad annotation' };
      return { allowed: true, patch: labelPatch };
    };
    await withServer({ admit }, async (running) => {
      await send(running, { body: reviewBody() }); // injected
      await send(running, { body: reviewBody() }); // injected
      await send(running, { body: reviewBody(undefined, { name: 'skip-me' }) }); // skipped
      await send(running, { body: reviewBody(undefined, { name: 'deny-me' }) }); // denied
      await send(running, { body: 'not json' }); // invalid
      await send(running, { body: reviewBody(), headers: { 'Content-Type': 'text/plain' } }); // 415
      await send(running, { body: '' }); // 400
      await send(running, { method: 'GET' }); // 405
      const text = await scrape(running);
      assert.equal(metricValue(text, 'sidecar_injection_requests_total'), 8);
      assert.equal(metricValue(text, 'sidecar_injection_success_total'), 5);
      assert.equal(metricValue(text, 'sidecar_injection_failure_total'), 5);
      assert.equal(metricValue(text, 'sidecar_injection_skip_total'), 1);
      assert.equal(metricValue(text, 'sidecar_injection_time_seconds_count'), 8);
      assert.equal(metricValue(text, 'mesh_injector_webhook_reviews_total', 'outcome="injected"'), 2);
      assert.equal(metricValue(text, 'mesh_injector_webhook_reviews_total', 'outcome="skipped"'), 1);
      assert.equal(metricValue(text, 'mesh_injector_webhook_reviews_total', 'outcome="denied"'), 1);
      assert.equal(metricValue(text, 'mesh_injector_webhook_reviews_total', 'outcome="invalid"'), 1);
      assert.equal(metricValue(text, 'mesh_injector_webhook_reviews_total', 'outcome="rejected"'), 3);
      // Health and metrics requests are not injection requests.
      assert.equal(metricValue(await scrape(running), 'sidecar_injection_requests_total'), 8);
    });
  });
});

describe('graceful stop', () => {
  it('finishes a review in flight, then refuses new connections', async () => {
    const entered = deferred();
    const release = deferred();
    const admit: Admit = async () => {
      entered.resolve();
      await release.promise;
      return { allowed: true, patch: labelPatch };
    };
    const running = await startServer(pki, { admit });
    const inFlight = send(running, { body: reviewBody() });
    await entered.promise;
    assert.equal(running.server.inFlight, 1);
    const stopped = running.server.stop({ deadlineMs: 5000 });
    // The listener is closed at once: a new connection is refused while the review is still running.
    await assert.rejects(
      send(running, { path: '/healthz', method: 'GET', agent: new Agent({ ca: pki.ca.certificatePem }) }),
      /ECONNREFUSED/,
    );
    release.resolve();
    const reply = await inFlight;
    assert.equal(responseOf(reply).allowed, true);
    assert.equal(reply.headers.connection, 'close');
    assert.deepEqual(await stopped, { abandoned: 0 });
    assert.equal(running.server.inFlight, 0);
    running.agent.destroy();
  });

  it('closes idle keep-alive connections instead of waiting for their timeout', async () => {
    const running = await startServer(pki, { admit: injectLabel, keepAliveTimeoutMs: 600_000 });
    await send(running, { body: reviewBody() });
    const sockets = Object.values(running.agent.freeSockets).flat();
    assert.equal(sockets.length, 1, 'one idle keep-alive socket');
    const socketClosed = once(sockets[0]!, 'close');
    assert.deepEqual(await running.server.stop({ deadlineMs: 60_000 }), { abandoned: 0 });
    await socketClosed;
    running.agent.destroy();
  });

  it('cuts reviews still running at the deadline and reports them', async () => {
    const entered = deferred();
    const admit: Admit = () => {
      entered.resolve();
      return new Promise(() => undefined);
    };
    const running = await startServer(pki, { admit, timeLimitMs: 60_000 });
    const inFlight = send(running, { body: reviewBody() });
    await entered.promise;
    assert.deepEqual(await running.server.stop({ deadlineMs: 100 }), { abandoned: 1 });
    await assert.rejects(inFlight, /socket hang up|ECONNRESET/);
    running.agent.destroy();
  });

  it('goes unready and asks clients to close while it still serves (beginStop)', async () => {
    await withServer({ admit: injectLabel }, async (running) => {
      assert.equal((await sendPlain(running, '/readyz')).status, 200);
      running.server.beginStop();
      const readyz = await sendPlain(running, '/readyz');
      assert.equal(readyz.status, 503);
      assert.match(readyz.text, /\[-\]shutdown failed: the server is stopping/);
      assert.equal((await sendPlain(running, '/healthz')).status, 200, 'still alive');
      const reply = await send(running, { body: reviewBody() });
      assert.equal(responseOf(reply).allowed, true, 'still injecting');
      assert.equal(reply.headers.connection, 'close');
    });
  });

  it('serves through a lame-duck period before closing the listeners', async () => {
    const running = await startServer(pki, { admit: injectLabel });
    const stopped = running.server.stop({ lameDuckMs: 200, deadlineMs: 5000 });
    const readyz = await sendPlain(running, '/readyz');
    assert.equal(readyz.status, 503);
    assert.deepEqual(await stopped, { abandoned: 0 });
    await assert.rejects(sendPlain(running, '/healthz'), /ECONNREFUSED/);
    running.agent.destroy();
  });
});

describe('certificates', () => {
  async function servedSerial(port: number, options: { maxVersion?: 'TLSv1.1' } = {}): Promise<string> {
    const socket: TLSSocket = tlsConnect({
      host: '127.0.0.1',
      port,
      ca: pki.ca.certificatePem,
      servername: 'localhost',
      ...options,
    });
    try {
      await once(socket, 'secureConnect');
      return socket.getPeerCertificate().serialNumber.toLowerCase();
    } finally {
      socket.destroy();
    }
  }

  function serialOfSocket(socket: unknown): string {
    return (socket as TLSSocket).getPeerCertificate().serialNumber.toLowerCase();
  }

  it('serves TLS 1.2 or newer only', async () => {
    await withServer({ admit: injectLabel }, async (running) => {
      await assert.rejects(servedSerial(running.port, { maxVersion: 'TLSv1.1' }));
      const socket = tlsConnect({
        host: '127.0.0.1',
        port: running.port,
        ca: pki.ca.certificatePem,
        maxVersion: 'TLSv1.2',
      });
      await once(socket, 'secureConnect');
      assert.equal(socket.getProtocol(), 'TLSv1.2');
      socket.destroy();
    });
  });

  it('swaps the certificate for new handshakes without dropping open connections', async () => {
    const first = await pki.issue();
    const second = await pki.issue();
    await withServer({ admit: injectLabel, certificate: first }, async (running) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: pki.ca.certificatePem });
      const before = await send(running, { body: reviewBody(), agent });
      assert.equal(before.status, 200);
      const [openSocket] = Object.values(agent.freeSockets).flat();
      assert.ok(openSocket);
      assert.equal(serialOfSocket(openSocket), first.serialNumber);
      assert.equal(await servedSerial(running.port), first.serialNumber);

      running.server.setCertificate(second);

      assert.equal(
        await servedSerial(running.port),
        second.serialNumber,
        'new handshakes get the new certificate',
      );
      // The connection opened before the swap is still the agent's, still works, still on the old certificate.
      const after = await send(running, { body: reviewBody(), agent });
      assert.equal(responseOf(after).allowed, true);
      const [stillOpen] = Object.values(agent.freeSockets).flat();
      assert.equal(stillOpen, openSocket, 'the same connection was reused');
      assert.equal(serialOfSocket(stillOpen), first.serialNumber);
      assert.equal(running.server.certificate, second);
      agent.destroy();
    });
  });

  it('takes certificates from a source and keeps the current one when a new one is bad', async () => {
    const first = await pki.issue();
    const second = await pki.issue();
    const third = await pki.issue();
    let push: ((certificate: ServingCertificate) => void) | undefined;
    let unsubscribed = false;
    const certificateSource: CertificateSource = {
      onChange(listener) {
        push = listener;
        return () => {
          unsubscribed = true;
        };
      },
    };
    const { logger, lines } = captureLogger('info');
    await withServer(
      { admit: injectLabel, certificate: first, certificateSource, logger },
      async (running) => {
        assert.ok(push);
        push(second);
        assert.equal(await servedSerial(running.port), second.serialNumber);
        // A key that does not belong to the certificate is refused; the second certificate keeps serving.
        push({ key: third.key, cert: first.cert });
        assert.equal(await servedSerial(running.port), second.serialNumber);
        assert.ok(
          lines.some(
            (line) => line.msg === 'rejected a new serving certificate; the current one keeps serving',
          ),
        );
        assert.throws(() => {
          running.server.setCertificate({ key: 'not a key', cert: 'not a certificate' });
        });
        assert.equal(await servedSerial(running.port), second.serialNumber);
      },
    );
    assert.equal(unsubscribed, true, 'stop unsubscribes from the source');
  });
});
