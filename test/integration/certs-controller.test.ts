// The certificate controller against a real kube-apiserver: the Secret it creates, repairs of a damaged
// Secret, a CA rotation that a second controller (a new leader) finishes from the Secret alone, and external
// (cert-manager) mode, where it only reads and reports.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspectMaterial } from '../../src/certs/inspect.ts';
import { parseCertificates } from '../../src/certs/pem.ts';
import { createCertificateAuthority, issueCertificate } from '../../src/certs/pki.ts';
import { certificatePolicy } from '../../src/certs/policy.ts';
import {
  CertificateAnnotation,
  readSecret,
  secretData,
  type SecretSnapshot,
} from '../../src/certs/secret.ts';
import { CertificateWatcher } from '../../src/certs/watcher.ts';
import {
  CertificateController,
  createCertificateMetrics,
  type CertificateMetrics,
  type CertificateMode,
} from '../../src/controller/certificates.ts';
import { isJsonObject, type JsonObject } from '../../src/inject/types.ts';
import { KubeClient, isNotFound, resourcePath } from '../../src/kube/client.ts';
import { KubeEventRecorder } from '../../src/kube/events.ts';
import { mergePatch } from '../../src/kube/patch.ts';
import { createLogger, parseLogLevel } from '../../src/observability/logger.ts';
import { createMetricsRegistry } from '../../src/observability/metrics.ts';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.ts';
import { eventually } from '../controlplane/helpers.ts';

const logger = createLogger({ level: parseLogLevel(process.env.LOG_LEVEL, 'silent'), fd: 2 });
const namespace = 'mesh-injector-system';
const policy = certificatePolicy({
  service: 'mesh-injector',
  namespace,
  trustPropagationMs: 3_000,
  overlapGraceMs: 1_000,
});

describe('certificate controller against a real API server', { timeout: 240_000 }, () => {
  let cp: ControlPlane;
  let client: KubeClient;
  let events: KubeEventRecorder;

  const secretRef = (name: string) => ({ apiVersion: 'v1', resource: 'secrets', namespace, name });

  async function getSecret(name: string): Promise<JsonObject | undefined> {
    try {
      return await client.request({ path: resourcePath(secretRef(name)) });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async function snapshot(name: string): Promise<SecretSnapshot | undefined> {
    const secret = await getSecret(name);
    return secret === undefined ? undefined : readSecret(secret);
  }

  async function eventReasons(name: string): Promise<string[]> {
    await events.flush();
    const list = await client.request({
      path: `/api/v1/namespaces/${namespace}/events`,
      query: { fieldSelector: `involvedObject.kind=Secret,involvedObject.name=${name}` },
    });
    const items = Array.isArray(list.items) ? list.items.filter(isJsonObject) : [];
    return items.map((e) => (typeof e.reason === 'string' ? e.reason : ''));
  }

  function startController(
    name: string,
    mode: CertificateMode,
    metrics: CertificateMetrics = createCertificateMetrics(createMetricsRegistry()),
  ): { stop: () => Promise<void>; metrics: CertificateMetrics } {
    const abort = new AbortController();
    const controller = new CertificateController({
      client,
      namespace,
      secretName: name,
      mode,
      policy,
      logger,
      metrics,
      events,
    });
    const run = controller.run(abort.signal);
    return {
      metrics,
      stop: async () => {
        abort.abort();
        await run;
      },
    };
  }

  function healthy(s: SecretSnapshot | undefined): boolean {
    if (s === undefined) return false;
    const inspection = inspectMaterial(s.material, Date.now());
    return inspection.signer.ok && inspection.serving.ok;
  }

  before(async () => {
    cp = await startControlPlane({ nodes: 0 });
    client = new KubeClient(cp.kubeConfig);
    events = new KubeEventRecorder({ client, logger });
    await client.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    });
  });

  after(async () => {
    await events.flush();
    client.close();
    await cp.stop();
  });

  it('creates the Secret with the documented layout and repairs damage to it', async () => {
    const name = 'self-managed-tls';
    const controller = startController(name, 'self-managed');
    try {
      const created = await eventually('the Secret', async () => {
        const s = await getSecret(name);
        return s !== undefined && healthy(readSecret(s)) ? s : undefined;
      });
      assert.equal(created.type, 'kubernetes.io/tls');
      assert.deepEqual(Object.keys(isJsonObject(created.data) ? created.data : {}).sort(), [
        'ca.crt',
        'ca.key',
        'tls.crt',
        'tls.key',
      ]);
      const first = readSecret(created);
      assert.ok(first.annotations[CertificateAnnotation.servingIssuedAt] !== undefined);
      assert.ok(first.annotations[CertificateAnnotation.caRotationStartedAt] !== undefined);
      assert.equal(
        ((isJsonObject(created.metadata) ? created.metadata.labels : {}) as JsonObject)[
          'app.kubernetes.io/managed-by'
        ],
        'mesh-injector',
      );
      assert.ok((await eventReasons(name)).includes('CertificatesGenerated'));
      assert.equal((await controller.metrics.valid.get()).values[0]?.value, 1);

      // Garbage in tls.crt: a new serving certificate from the same CA; the bundle is untouched.
      await mergePatch(client, secretRef(name), {
        data: { 'tls.crt': Buffer.from('garbage').toString('base64') },
      });
      const repaired = await eventually('the serving certificate to be reissued', async () => {
        const s = await snapshot(name);
        return s !== undefined &&
          healthy(s) &&
          s.material.servingCertificate !== first.material.servingCertificate
          ? s
          : undefined;
      });
      assert.equal(repaired.material.caBundle, first.material.caBundle);
      assert.ok((await eventReasons(name)).includes('ServingCertificateRepaired'));

      // A key that belongs to another certificate: reissued as well.
      const foreign = await createCertificateAuthority({ commonName: 'other' });
      await mergePatch(client, secretRef(name), { data: secretData({ servingKey: foreign.privateKeyPem }) });
      await eventually('the mismatched key to be replaced', async () => {
        const s = await snapshot(name);
        return s !== undefined && healthy(s) && s.material.servingKey !== foreign.privateKeyPem;
      });

      // ca.key gone: a new CA joins and takes over, the old one leaves after the switch and grace.
      await mergePatch(client, secretRef(name), { data: { 'ca.key': null } });
      await eventually(
        'the CA to be replaced and the rotation to finish',
        async () => {
          const s = await snapshot(name);
          const cas = parseCertificates(s?.material.caBundle ?? '').certificates;
          return healthy(s) && cas.length === 1 && cas[0]?.pem !== first.material.caBundle;
        },
        { timeoutMs: 30_000 },
      );
      const reasons = await eventReasons(name);
      for (const reason of ['CAReplaced', 'ServingCertificateSwitched', 'CARotationCompleted']) {
        assert.ok(reasons.includes(reason), `${reason} among ${reasons.join(', ')}`);
      }
      const rotations = await controller.metrics.rotations.get();
      assert.ok(rotations.values.some((v) => v.labels.reason === 'ca-invalid' && v.value === 1));
    } finally {
      await controller.stop();
    }
  });

  it('a new leader finishes a CA rotation the previous one started, from the Secret alone', async () => {
    const name = 'handover-tls';
    const leaderA = startController(name, 'self-managed');
    let original: SecretSnapshot;
    try {
      original = await eventually('the Secret', async () => {
        const s = await snapshot(name);
        return healthy(s) ? s : undefined;
      });
      await mergePatch(client, secretRef(name), {
        metadata: { annotations: { [CertificateAnnotation.rotateCa]: 'handover' } },
      });
      await eventually('the rotation to start', async () => {
        const s = await snapshot(name);
        return parseCertificates(s?.material.caBundle ?? '').certificates.length === 2;
      });
    } finally {
      // The lease is lost mid-rotation: the old CA is still in the bundle and still signs what we serve.
      await leaderA.stop();
    }
    const midway = await snapshot(name);
    assert.equal(midway?.material.servingCertificate, original.material.servingCertificate);

    const leaderB = startController(name, 'self-managed');
    try {
      const done = await eventually(
        'the new leader to finish the rotation',
        async () => {
          const s = await snapshot(name);
          const cas = parseCertificates(s?.material.caBundle ?? '').certificates;
          return healthy(s) &&
            cas.length === 1 &&
            s?.material.servingCertificate !== original.material.servingCertificate
            ? s
            : undefined;
        },
        { timeoutMs: 30_000 },
      );
      assert.notEqual(done.material.caBundle, original.material.caBundle);
      assert.equal(done.annotations[CertificateAnnotation.rotateCaHandled], 'handover');
      const bRotations = (await leaderB.metrics.rotations.get()).values.filter((v) => v.value > 0);
      assert.deepEqual(
        bRotations.map((v) => v.labels.reason).sort(),
        ['old-ca-retired', 'switch-to-new-ca'],
        'B did not start a second rotation; it switched and retired',
      );
    } finally {
      await leaderB.stop();
    }
  });

  it('external mode reads and reports, and never writes', async () => {
    const name = 'cert-manager-tls';
    const controller = startController(name, 'external');
    const watcher = new CertificateWatcher({ client, namespace, name, logger });
    watcher.start();
    try {
      await eventually('a report that the Secret is missing', async () =>
        (await eventReasons(name)).includes('ExternalCertificateInvalid'),
      );
      assert.equal(await getSecret(name), undefined, 'not created');
      assert.equal((await controller.metrics.valid.get()).values[0]?.value, 0);
      assert.equal(watcher.ready(), false);

      const ca = await createCertificateAuthority({ commonName: 'cert-manager-ca' });
      const leaf = await issueCertificate(ca, {
        commonName: 'mesh-injector.mesh-injector-system.svc',
        dnsNames: ['mesh-injector.mesh-injector-system.svc'],
        usage: 'server',
      });
      const written = await client.request({
        method: 'POST',
        path: resourcePath({ apiVersion: 'v1', resource: 'secrets', namespace }),
        body: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name, namespace },
          type: 'kubernetes.io/tls',
          data: secretData({
            servingCertificate: leaf.certificatePem,
            servingKey: leaf.privateKeyPem,
            caBundle: ca.certificatePem,
          }),
        },
      });
      await eventually('the watcher to serve the cert-manager certificate', () => watcher.ready());
      assert.equal(watcher.current()?.cert, leaf.certificatePem);
      assert.equal(watcher.caBundle(), ca.certificatePem);
      await eventually(
        'the controller to see it valid',
        async () => (await controller.metrics.valid.get()).values[0]?.value === 1,
      );

      // Broken by its owner: reported, not repaired; the watcher keeps the good certificate.
      await mergePatch(client, secretRef(name), {
        data: { 'tls.key': Buffer.from('oops').toString('base64') },
      });
      await eventually(
        'the controller to see it invalid',
        async () => (await controller.metrics.valid.get()).values[0]?.value === 0,
      );
      const after = readSecret((await getSecret(name))!);
      assert.equal(after.material.servingKey, 'oops', 'left as its owner wrote it');
      assert.equal(watcher.current()?.cert, leaf.certificatePem);
      const metadata = isJsonObject(written.metadata) ? written.metadata : {};
      assert.equal(after.annotations[CertificateAnnotation.servingIssuedAt], undefined);
      assert.ok(typeof metadata.resourceVersion === 'string');
    } finally {
      await watcher.stop();
      await controller.stop();
    }
  });
});
