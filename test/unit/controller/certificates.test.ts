import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { inspectMaterial } from '../../../src/certs/inspect.ts';
import type { CertificatePlan } from '../../../src/certs/planner.ts';
import { readSecret } from '../../../src/certs/secret.ts';
import {
  CertificateController,
  createCertificateMetrics,
  eventFor,
  webhookCaBundles,
} from '../../../src/controller/certificates.ts';
import { isJsonObject, type JsonObject } from '../../../src/inject/types.ts';
import type { KubeRequest } from '../../../src/kube/client.ts';
import type { EventRecorder, EventType, ObjectReference } from '../../../src/kube/events.ts';
import type { ListerWatcher, WatchEvent } from '../../../src/kube/informer.ts';
import { ItemExponentialLimiter } from '../../../src/kube/ratelimit.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { createMetricsRegistry } from '../../../src/observability/metrics.ts';
import { policy, ref, secretObject } from '../certs/support.ts';

const logger = createLogger({ level: 'silent' });

function conflict(reason: 'Conflict' | 'AlreadyExists'): ApiException<string> {
  return new ApiException(409, 'HTTP 409', JSON.stringify({ kind: 'Status', code: 409, reason }), {});
}

/** One Secret behind a list/watch and PUT/POST, with optimistic concurrency like the API server's. */
class FakeSecretApi implements ListerWatcher {
  secret: JsonObject | undefined;
  readonly writes: string[] = [];
  /** Answer this many next writes with 409 Conflict, as if someone else had written first. */
  conflictsLeft = 0;
  #version = 1;
  #emit: ((event: WatchEvent) => void) | undefined;

  constructor(secret?: JsonObject) {
    this.secret = secret === undefined ? undefined : this.#stamp(secret);
  }

  list(): Promise<{ items: JsonObject[]; resourceVersion: string }> {
    return Promise.resolve({
      items: this.secret === undefined ? [] : [this.secret],
      resourceVersion: String(this.#version),
    });
  }

  watch(request: { signal: AbortSignal; onEvent: (event: WatchEvent) => void }): Promise<void> {
    this.#emit = request.onEvent;
    return new Promise((resolve) => {
      request.signal.addEventListener('abort', () => {
        resolve();
      });
    });
  }

  request(req: KubeRequest): Promise<JsonObject> {
    this.writes.push(req.method ?? 'GET');
    const body = req.body as JsonObject;
    if (this.conflictsLeft > 0) {
      this.conflictsLeft--;
      return Promise.reject(conflict('Conflict'));
    }
    if (req.method === 'POST' && this.secret !== undefined) return Promise.reject(conflict('AlreadyExists'));
    if (req.method === 'PUT') {
      const sent = isJsonObject(body.metadata) ? body.metadata.resourceVersion : undefined;
      const current = isJsonObject(this.secret?.metadata) ? this.secret.metadata.resourceVersion : undefined;
      if (sent !== current) return Promise.reject(conflict('Conflict'));
    }
    const type = this.secret === undefined ? 'ADDED' : 'MODIFIED';
    this.secret = this.#stamp(body);
    this.#emit?.({ type, object: this.secret });
    return Promise.resolve(this.secret);
  }

  stream(): Promise<never> {
    return Promise.reject(new Error('not used: the controller gets its list/watches from the test'));
  }

  #stamp(secret: JsonObject): JsonObject {
    this.#version++;
    const metadata = {
      ...(isJsonObject(secret.metadata) ? secret.metadata : {}),
      resourceVersion: String(this.#version),
    };
    return { ...secret, metadata };
  }
}

const noWebhooks: ListerWatcher = {
  list: () => Promise.resolve({ items: [], resourceVersion: '1' }),
  watch: ({ signal }) =>
    new Promise((resolve) => {
      signal.addEventListener('abort', () => {
        resolve();
      });
    }),
};

class RecordedEvents implements EventRecorder {
  readonly reasons: string[] = [];
  record(_regarding: ObjectReference, type: EventType, reason: string): void {
    this.reasons.push(`${type}/${reason}`);
  }
}

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function run(api: FakeSecretApi, events: EventRecorder, mode: 'self-managed' | 'external' = 'self-managed') {
  const metrics = createCertificateMetrics(createMetricsRegistry());
  const abort = new AbortController();
  const controller = new CertificateController({
    client: api,
    namespace: ref.namespace,
    secretName: ref.name,
    mode,
    policy,
    logger,
    metrics,
    events,
    secretSource: api,
    webhookSource: noWebhooks,
    rateLimiter: new ItemExponentialLimiter({ baseMs: 5, maxMs: 50 }),
  });
  const done = controller.run(abort.signal);
  return {
    metrics,
    stop: async () => {
      abort.abort();
      await done;
    },
  };
}

function healthy(secret: JsonObject | undefined): boolean {
  if (secret === undefined) return false;
  const inspection = inspectMaterial(readSecret(secret).material, Date.now());
  return inspection.signer.ok && inspection.serving.ok;
}

describe('CertificateController', () => {
  it('creates the Secret, then leaves a healthy Secret alone', async () => {
    const api = new FakeSecretApi();
    const events = new RecordedEvents();
    const controller = run(api, events);
    try {
      await until('a healthy Secret', () => healthy(api.secret));
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(api.writes, ['POST'], 'one write, then nothing');
      assert.deepEqual(events.reasons, ['Normal/CertificatesGenerated']);
    } finally {
      await controller.stop();
    }
  });

  it('re-reads and retries after a write conflict instead of overwriting', async () => {
    const api = new FakeSecretApi(secretObject({ servingCertificate: 'garbage' }));
    api.conflictsLeft = 2;
    const events = new RecordedEvents();
    const controller = run(api, events);
    try {
      await until('a repaired Secret', () => healthy(api.secret));
      assert.deepEqual(api.writes, ['PUT', 'PUT', 'PUT'], 'two refused writes, then one that lands');
      const failures = await controller.metrics.failures.get();
      assert.equal(failures.values.find((v) => v.labels.reason === 'conflict')?.value, 2);
      assert.deepEqual(events.reasons, ['Warning/CertificatesRegenerated']);
    } finally {
      await controller.stop();
    }
  });

  it('external mode never writes, and says why the Secret is unusable', async () => {
    const api = new FakeSecretApi(secretObject({ servingCertificate: 'garbage' }));
    const events = new RecordedEvents();
    const controller = run(api, events, 'external');
    try {
      await until('a report', () => events.reasons.length > 0);
      assert.deepEqual(events.reasons, ['Warning/ExternalCertificateInvalid']);
      assert.deepEqual(api.writes, []);
      assert.equal((await controller.metrics.valid.get()).values[0]?.value, 0);
    } finally {
      await controller.stop();
    }
  });
});

describe('certificate controller helpers', () => {
  it('reads the caBundle of our webhook entries only, empty when absent', () => {
    const configurations: JsonObject[] = [
      {
        webhooks: [
          {
            name: 'rev.namespace.sidecar-injector.mesh-injector.dev',
            clientConfig: { caBundle: Buffer.from('A').toString('base64') },
          },
          { name: 'object.sidecar-injector.mesh-injector.dev', clientConfig: {} },
          {
            name: 'namespace.sidecar-injector.istio.io',
            clientConfig: { caBundle: Buffer.from('B').toString('base64') },
          },
        ],
      },
    ];
    assert.deepEqual(webhookCaBundles(configurations), ['A', '']);
  });

  it('maps planner steps to Event types and reasons', () => {
    const plan = (
      step: CertificatePlan['step'],
      reason: CertificatePlan['reason'],
      repair: boolean,
    ): CertificatePlan => ({
      step,
      reason,
      repair,
      message: '',
      keepCas: [],
    });
    assert.deepEqual(eventFor(plan('rotate-ca', 'ca-expiring', false)), ['Normal', 'CARotationStarted']);
    assert.deepEqual(eventFor(plan('issue-serving', 'switch-to-new-ca', false)), [
      'Normal',
      'ServingCertificateSwitched',
    ]);
    assert.deepEqual(eventFor(plan('prune-bundle', 'old-ca-retired', false)), [
      'Normal',
      'CARotationCompleted',
    ]);
    assert.deepEqual(eventFor(plan('issue-serving', 'serving-invalid', true)), [
      'Warning',
      'ServingCertificateRepaired',
    ]);
    assert.deepEqual(eventFor(plan('prune-bundle', 'bundle-invalid-entries', true)), [
      'Warning',
      'CABundleRepaired',
    ]);
  });
});
