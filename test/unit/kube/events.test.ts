import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import type { JsonObject, JsonValue } from '../../../src/inject/types.ts';
import type { KubeRequest, KubeRequester } from '../../../src/kube/client.ts';
import { ManualClock } from '../../../src/kube/clock.ts';
import {
  KubeEventRecorder,
  discardEvents,
  referenceTo,
  type ObjectReference,
} from '../../../src/kube/events.ts';
import type { MetricLabels } from '../../../src/kube/metrics.ts';
import { createLogger } from '../../../src/observability/logger.ts';

const logger = createLogger({ level: 'silent' });

/** The string at a JSON position (fails the test for anything else). */
function text(value: JsonValue | undefined): string {
  assert.equal(typeof value, 'string');
  return value as string;
}

class FakeApi implements KubeRequester {
  readonly requests: KubeRequest[] = [];
  /** Answers the next requests in order; then `{}`. */
  readonly answers: (JsonObject | Error)[] = [];

  request(req: KubeRequest): Promise<JsonObject> {
    this.requests.push(req);
    const answer = this.answers.shift() ?? {};
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }
}

class CountingMetric {
  readonly counts = new Map<string, number>();
  inc(labels: MetricLabels, value = 1): void {
    const key = JSON.stringify(labels);
    this.counts.set(key, (this.counts.get(key) ?? 0) + value);
  }
  get(labels: MetricLabels): number {
    return this.counts.get(JSON.stringify(labels)) ?? 0;
  }
}

function status(code: number, reason: string): ApiException<string> {
  return new ApiException(
    code,
    `HTTP ${code}`,
    JSON.stringify({ kind: 'Status', code, reason, message: reason }),
    {},
  );
}

const secret: ObjectReference = {
  apiVersion: 'v1',
  kind: 'Secret',
  namespace: 'ops',
  name: 'tls',
  uid: 'u-1',
};
const mwc: ObjectReference = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'MutatingWebhookConfiguration',
  name: 'mesh-injector-sidecar-injector',
};

function recorder(options: Partial<ConstructorParameters<typeof KubeEventRecorder>[0]> = {}) {
  const api = new FakeApi();
  const clock = new ManualClock(Date.UTC(2031, 0, 1));
  const dropped = new CountingMetric();
  const failed = new CountingMetric();
  const events = new KubeEventRecorder({
    client: api,
    logger,
    clock,
    instance: 'pod-a',
    metrics: { dropped, failed },
    ...options,
  });
  return { api, clock, events, dropped, failed };
}

describe('KubeEventRecorder', () => {
  it('creates a core/v1 Event naming the object, reason, message and reporter', async () => {
    const { api, events } = recorder();
    events.record(secret, 'Normal', 'CARotationStarted', 'a new CA joined the bundle');
    await events.flush();
    assert.equal(api.requests.length, 1);
    const req = api.requests[0]!;
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/api/v1/namespaces/ops/events');
    const body = req.body as JsonObject;
    const metadata = body.metadata as JsonObject;
    assert.match(text(metadata.name), /^tls\.[0-9a-f]+$/);
    assert.equal(metadata.namespace, 'ops');
    assert.deepEqual(body.involvedObject, {
      apiVersion: 'v1',
      kind: 'Secret',
      name: 'tls',
      namespace: 'ops',
      uid: 'u-1',
    });
    assert.equal(body.type, 'Normal');
    assert.equal(body.reason, 'CARotationStarted');
    assert.equal(body.message, 'a new CA joined the bundle');
    assert.equal(body.count, 1);
    assert.equal(body.firstTimestamp, '2031-01-01T00:00:00Z');
    assert.equal(body.reportingComponent, 'mesh-injector');
    assert.equal(body.reportingInstance, 'pod-a');
    assert.deepEqual(body.source, { component: 'mesh-injector', host: 'pod-a' });
  });

  it('puts events about cluster-scoped objects in the default namespace', async () => {
    const { api, events } = recorder();
    events.record(mwc, 'Warning', 'WebhookConfigurationRepaired', 'caBundle put back');
    await events.flush();
    assert.equal(api.requests[0]?.path, '/api/v1/namespaces/default/events');
    assert.equal(((api.requests[0].body as JsonObject).involvedObject as JsonObject).namespace, undefined);
  });

  it('aggregates identical events into a count bump, and starts afresh after the window', async () => {
    const { api, clock, events } = recorder({ aggregationWindowMs: 60_000 });
    events.record(secret, 'Warning', 'Broken', 'same words');
    await events.flush();
    await clock.advance(10_000);
    events.record(secret, 'Warning', 'Broken', 'same words');
    events.record(secret, 'Warning', 'Broken', 'same words');
    await events.flush();
    assert.equal(api.requests.length, 3);
    const name = ((api.requests[0]?.body as JsonObject).metadata as JsonObject).name;
    const bump = api.requests[2]!;
    assert.equal(bump.method, 'PATCH');
    assert.equal(bump.path, `/api/v1/namespaces/ops/events/${text(name)}`);
    assert.equal(bump.contentType, 'application/merge-patch+json');
    assert.deepEqual(bump.body, { count: 3, lastTimestamp: '2031-01-01T00:00:10Z' });

    events.record(secret, 'Warning', 'Broken', 'other words');
    await clock.advance(120_000);
    events.record(secret, 'Warning', 'Broken', 'same words');
    await events.flush();
    assert.deepEqual(
      api.requests.slice(3).map((r) => r.method),
      ['POST', 'POST'],
      'a different message, and the same one after the window, are new events',
    );
  });

  it('creates a new event when the aggregated one has expired from the API server', async () => {
    const { api, events } = recorder();
    events.record(secret, 'Normal', 'Same', 'again');
    await events.flush();
    api.answers.push(status(404, 'NotFound'));
    events.record(secret, 'Normal', 'Same', 'again');
    await events.flush();
    assert.deepEqual(
      api.requests.map((r) => r.method),
      ['POST', 'PATCH', 'POST'],
    );
    assert.equal((api.requests[2]?.body as JsonObject).count, 1);
  });

  it('limits each object to its burst, refills slowly, and leaves other objects alone', async () => {
    const { api, clock, events, dropped } = recorder({ burstPerObject: 3, refillIntervalMs: 60_000 });
    for (let i = 0; i < 5; i++) events.record(secret, 'Warning', 'Loop', `attempt ${i}`);
    events.record(mwc, 'Normal', 'Fine', 'another object');
    await events.flush();
    assert.equal(api.requests.length, 4, 'three for the Secret, one for the other object');
    assert.equal(dropped.get({ reason: 'rate_limited' }), 2);
    await clock.advance(60_000);
    events.record(secret, 'Warning', 'Loop', 'after refill');
    events.record(secret, 'Warning', 'Loop', 'too soon');
    await events.flush();
    assert.equal(api.requests.length, 5);
    assert.equal(dropped.get({ reason: 'rate_limited' }), 3);
  });

  it('never throws into the caller: failed writes are counted and later events still go out', async () => {
    const { api, events, failed } = recorder();
    api.answers.push(new Error('connection refused'));
    assert.doesNotThrow(() => {
      events.record(secret, 'Normal', 'First', 'lost');
    });
    events.record(secret, 'Normal', 'Second', 'kept');
    await events.flush();
    assert.equal(failed.get({ operation: 'create' }), 1);
    assert.equal(api.requests.length, 2);
    assert.equal((api.requests[1]?.body as JsonObject).reason, 'Second');
    assert.doesNotThrow(() => {
      events.record({ apiVersion: 'v1', kind: '', name: '' }, 'Normal', 'Nameless', 'ignored');
    });
  });

  it('drops events beyond the write backlog and cuts very long messages', async () => {
    const { api, events, dropped } = recorder({ maxBacklog: 2 });
    for (let i = 0; i < 4; i++) events.record(secret, 'Normal', `R${i}`, 'x'.repeat(5000));
    await events.flush();
    assert.equal(api.requests.length, 2);
    assert.equal(dropped.get({ reason: 'backlog_full' }), 2);
    const message = text((api.requests[0]?.body as JsonObject).message);
    assert.equal(message.length, 1024);
    assert.ok(message.endsWith('...'));
  });

  it('paces its writes by its own budget across objects: the burst at once, then the rate', async () => {
    const { api, clock, events } = recorder({ writesPerSecond: 2, writeBurst: 3 });
    for (let i = 0; i < 7; i++) {
      events.record({ ...secret, name: `s${i}`, uid: `u${i}` }, 'Normal', 'Rotated', `number ${i}`);
    }
    await clock.advance(0);
    assert.equal(api.requests.length, 3, 'the burst goes out at once');
    await clock.advance(500);
    assert.equal(api.requests.length, 4);
    await clock.advance(1500);
    assert.equal(api.requests.length, 7, 'then two a second');
    await events.flush();
  });

  it('refuses a write budget that is not positive', () => {
    assert.throws(() => recorder({ writesPerSecond: 0 }), /writesPerSecond must be > 0, got 0/);
    assert.throws(() => recorder({ writeBurst: 0.5 }), /writeBurst must be >= 1, got 0.5/);
  });

  it('builds references from API objects, and the discarding recorder does nothing', () => {
    assert.deepEqual(
      referenceTo({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'tls', namespace: 'ops', uid: 'u', resourceVersion: '7' },
      }),
      { apiVersion: 'v1', kind: 'Secret', name: 'tls', namespace: 'ops', uid: 'u', resourceVersion: '7' },
    );
    assert.doesNotThrow(() => {
      discardEvents.record(secret, 'Normal', 'X', 'y');
    });
  });
});
