// A CA rotation while pods are being created: the real API server calls our webhook by URL over TLS for
// every pod, while the certificate controller adds a new CA, the webhook configuration publishes both, the
// serving certificate switches to the new CA, and the old CA is retired. Not one admission may fail and
// every pod must come back mutated. The counts are reported as test diagnostics.
//
// The webhook server receives each new certificate a second late, as a replica whose watch lags would (or
// one reading a kubelet-refreshed volume, much later still). In one process everything else reacts to a
// Secret change within milliseconds, which would hide a rotation that swaps CA and certificate at once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspectMaterial } from '../../src/certs/inspect.ts';
import { parseCertificates } from '../../src/certs/pem.ts';
import { certificatePolicy } from '../../src/certs/policy.ts';
import { CertificateAnnotation, readSecret, type SecretSnapshot } from '../../src/certs/secret.ts';
import { CertificateWatcher } from '../../src/certs/watcher.ts';
import { CertificateController, createCertificateMetrics } from '../../src/controller/certificates.ts';
import { WebhookConfigController, createWebhookConfigMetrics } from '../../src/controller/webhook-config.ts';
import { isJsonObject } from '../../src/inject/types.ts';
import { KubeClient, apiStatus, resourcePath } from '../../src/kube/client.ts';
import { mergePatch } from '../../src/kube/patch.ts';
import { createLogger, parseLogLevel } from '../../src/observability/logger.ts';
import {
  createMetricsRegistry,
  createWebhookMetrics,
  type WebhookMetrics,
} from '../../src/observability/metrics.ts';
import { WebhookServer, type CertificateSource } from '../../src/webhook/server.ts';
import type { Admit } from '../../src/webhook/types.ts';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.ts';
import { eventually } from '../controlplane/helpers.ts';

const logger = createLogger({ level: parseLogLevel(process.env.LOG_LEVEL, 'silent'), fd: 2 });
const operatorNamespace = 'mesh-injector-system';
const secretName = 'mesh-injector-webhook-tls';
const loadNamespace = 'rotation-load';
const marker = 'test.mesh-injector.dev/admitted';
/** Pod creations wanted inside rotation windows (from the request to the old CA's removal). */
const wantedDuringRotation = 200;
const creators = 8;
/** How late the webhook server installs a new certificate. Must stay below the overlap grace period. */
const servingLagMs = 1_000;

const admit: Admit = (input) => {
  const metadata = input.object.metadata;
  const hasLabels = isJsonObject(metadata) && isJsonObject(metadata.labels);
  return {
    allowed: true,
    patch: hasLabels
      ? [{ op: 'add', path: `/metadata/labels/${marker.replace('/', '~1')}`, value: 'yes' }]
      : [{ op: 'add', path: '/metadata/labels', value: { [marker]: 'yes' } }],
  };
};

/** `source`, with every certificate handed over `lagMs` late. */
function lagging(source: CertificateSource, lagMs: number): CertificateSource {
  return {
    onChange(listener) {
      const timers = new Set<NodeJS.Timeout>();
      const stopSource = source.onChange((certificate) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          listener(certificate);
        }, lagMs);
        timers.add(timer);
      });
      return () => {
        stopSource();
        for (const timer of timers) clearTimeout(timer);
      };
    },
  };
}

interface LoadCounts {
  created: number;
  mutated: number;
  failed: number;
  duringRotation: number;
  failures: string[];
}

describe('CA rotation under admission load', { timeout: 300_000 }, () => {
  let cp: ControlPlane;
  let client: KubeClient;
  let watcher: CertificateWatcher;
  let server: WebhookServer;
  let webhookMetrics: WebhookMetrics;
  const stop = new AbortController();
  const runs: Promise<void>[] = [];

  const secretPath = resourcePath({
    apiVersion: 'v1',
    resource: 'secrets',
    namespace: operatorNamespace,
    name: secretName,
  });

  async function secret(): Promise<SecretSnapshot> {
    return readSecret(await client.request({ path: secretPath }));
  }

  async function webhookBundles(): Promise<string[]> {
    const mwc = await client.request({
      path: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/mesh-injector-sidecar-injector',
    });
    const hooks = Array.isArray(mwc.webhooks) ? mwc.webhooks.filter(isJsonObject) : [];
    return hooks.map((h) => {
      const clientConfig = isJsonObject(h.clientConfig) ? h.clientConfig : {};
      return typeof clientConfig.caBundle === 'string'
        ? Buffer.from(clientConfig.caBundle, 'base64').toString()
        : '';
    });
  }

  function fingerprints(bundle: string | undefined): string[] {
    return parseCertificates(bundle ?? '').certificates.map((c) => c.fingerprint);
  }

  before(async () => {
    cp = await startControlPlane({ nodes: 0 });
    client = new KubeClient(cp.kubeConfig, { qps: 500, burst: 500 });
    for (const [name, labels] of [
      [operatorNamespace, {}],
      [loadNamespace, { 'istio-injection': 'enabled' }],
    ] as const) {
      await client.request({
        method: 'POST',
        path: '/api/v1/namespaces',
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } },
      });
    }
    await eventually('the default service account of the load namespace', async () => {
      await client.request({ path: `/api/v1/namespaces/${loadNamespace}/serviceaccounts/default` });
      return true;
    });

    watcher = new CertificateWatcher({ client, namespace: operatorNamespace, name: secretName, logger });
    watcher.start();
    const registry = createMetricsRegistry();
    webhookMetrics = createWebhookMetrics(registry);
    server = new WebhookServer({
      admit,
      logger,
      registry,
      metrics: webhookMetrics,
      certificateSource: lagging(watcher, servingLagMs),
      listen: { host: '127.0.0.1', port: 0 },
      metricsListen: false,
    });
    const { webhook } = await server.start();
    const certificates = new CertificateController({
      client,
      namespace: operatorNamespace,
      secretName,
      mode: 'self-managed',
      // Short waits so a rotation completes in seconds: the new CA is used 2 s after every webhook
      // entry lists it, and the old one leaves the bundle 4 s after the switch.
      policy: certificatePolicy({
        service: 'mesh-injector',
        namespace: operatorNamespace,
        trustPropagationMs: 2_000,
        overlapGraceMs: 4_000,
      }),
      logger,
      metrics: createCertificateMetrics(registry),
    });
    const webhookConfig = new WebhookConfigController({
      client,
      spec: { operatorNamespace, target: { url: `https://127.0.0.1:${webhook.port}/inject` } },
      caBundle: watcher,
      logger,
      metrics: createWebhookConfigMetrics(registry),
    });
    runs.push(certificates.run(stop.signal), webhookConfig.run(stop.signal));
    await eventually(
      'a served certificate the webhook configuration trusts',
      async () => {
        if (!watcher.ready() || server.certificate === undefined) return false;
        const bundles = await webhookBundles();
        const ca = fingerprints(watcher.caBundle());
        return bundles.length === 4 && bundles.every((b) => fingerprints(b).join() === ca.join());
      },
      { timeoutMs: 60_000 },
    );
  });

  after(async () => {
    stop.abort();
    await Promise.allSettled(runs);
    await server.stop({ deadlineMs: 2000 });
    await watcher.stop();
    client.close();
    await cp.stop();
  });

  it(`admits every pod, mutated, through CA rotations covering at least ${wantedDuringRotation} creations`, async (t) => {
    const counts: LoadCounts = { created: 0, mutated: 0, failed: 0, duringRotation: 0, failures: [] };
    let rotating = false;
    let running = true;
    let sequence = 0;
    const createLoop = async (): Promise<void> => {
      while (running) {
        const name = `pod-${sequence++}`;
        const inRotation = rotating;
        try {
          const pod = await client.request({
            method: 'POST',
            path: `/api/v1/namespaces/${loadNamespace}/pods`,
            body: {
              apiVersion: 'v1',
              kind: 'Pod',
              metadata: { name, labels: { app: 'load' } },
              spec: { containers: [{ name: 'app', image: 'example.com/app:1' }] },
            },
          });
          counts.created++;
          if (inRotation && rotating) counts.duringRotation++;
          const labels =
            isJsonObject(pod.metadata) && isJsonObject(pod.metadata.labels) ? pod.metadata.labels : {};
          if (labels[marker] === 'yes') counts.mutated++;
        } catch (error) {
          counts.failed++;
          if (counts.failures.length < 5)
            counts.failures.push(`${name}: ${apiStatus(error)?.message ?? String(error)}`);
        }
      }
    };
    const load = Promise.all(Array.from({ length: creators }, () => createLoop()));

    const rotations: string[] = [];
    try {
      await eventually('some pods before the first rotation', () => counts.created >= 20, {
        timeoutMs: 60_000,
      });
      while (counts.duringRotation < wantedDuringRotation && rotations.length < 10) {
        const before = await secret();
        const oldCa = fingerprints(before.material.caBundle);
        assert.equal(oldCa.length, 1, 'one CA before a rotation');
        const request = `rotation-${rotations.length + 1}`;
        rotating = true;
        await mergePatch(
          client,
          { apiVersion: 'v1', resource: 'secrets', namespace: operatorNamespace, name: secretName },
          { metadata: { annotations: { [CertificateAnnotation.rotateCa]: request } } },
        );
        // Done when the bundle holds only a new CA, the served certificate chains to it, and every
        // webhook entry publishes exactly that bundle.
        await eventually(
          `CA rotation ${request} to complete`,
          async () => {
            const now = await secret();
            const cas = fingerprints(now.material.caBundle);
            if (cas.length !== 1 || cas[0] === oldCa[0]) return false;
            const served = server.certificate;
            if (served === undefined) return false;
            const inspection = inspectMaterial(
              {
                servingCertificate: served.cert,
                servingKey: served.key,
                caBundle: now.material.caBundle ?? '',
              },
              Date.now(),
            );
            if (!inspection.serving.ok) return false;
            const bundles = await webhookBundles();
            return bundles.every((b) => fingerprints(b).join() === cas.join());
          },
          { timeoutMs: 90_000, intervalMs: 200 },
        );
        rotating = false;
        rotations.push(request);
      }
    } finally {
      running = false;
      await load;
    }

    t.diagnostic(
      `rotations: ${rotations.length}; pods created: ${counts.created} (${counts.duringRotation} during rotation); ` +
        `mutated: ${counts.mutated}; failed admissions: ${counts.failed}`,
    );
    assert.deepEqual(counts.failures, [], 'no admission failed');
    assert.equal(counts.failed, 0);
    assert.equal(counts.mutated, counts.created, 'every pod came back mutated');
    assert.ok(
      counts.duringRotation >= wantedDuringRotation,
      `${counts.duringRotation} creations during rotations, want ${wantedDuringRotation}`,
    );
    const webhookFailures = (await webhookMetrics.failure.get()).values.reduce((sum, v) => sum + v.value, 0);
    assert.equal(webhookFailures, 0, 'the webhook counted no failure either');
    const served = server.certificate;
    assert.ok(served !== undefined);
    const finalBundle = (await secret()).material.caBundle ?? '';
    assert.ok(
      inspectMaterial(
        { servingCertificate: served.cert, servingKey: served.key, caBundle: finalBundle },
        Date.now(),
      ).serving.ok,
      'the server presents a certificate from the newest CA',
    );
  });
});
