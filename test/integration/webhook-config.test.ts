// The webhook configuration against a real kube-apiserver: the MutatingWebhookConfigurations are created with
// the caBundle of the certificate Secret, drift is put back, the API server really calls our webhook over TLS
// (by URL) for the pods the selectors pick and only for them, and failurePolicy does what it says when the
// webhook is gone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { certificatePolicy } from '../../src/certs/policy.ts';
import { CertificateWatcher } from '../../src/certs/watcher.ts';
import { CertificateController, createCertificateMetrics } from '../../src/controller/certificates.ts';
import {
  WebhookConfigController,
  createWebhookConfigMetrics,
  type WebhookConfigMetrics,
} from '../../src/controller/webhook-config.ts';
import type { WebhookConfigSpec } from '../../src/controller/webhook-config-desired.ts';
import { isJsonObject, type JsonObject } from '../../src/inject/types.ts';
import { KubeClient, apiStatus, isNotFound, resourcePath } from '../../src/kube/client.ts';
import { KubeEventRecorder } from '../../src/kube/events.ts';
import { jsonPatch } from '../../src/kube/patch.ts';
import { createLogger, parseLogLevel } from '../../src/observability/logger.ts';
import { createMetricsRegistry, createWebhookMetrics } from '../../src/observability/metrics.ts';
import { WebhookServer } from '../../src/webhook/server.ts';
import type { Admit } from '../../src/webhook/types.ts';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.ts';
import { eventually } from '../controlplane/helpers.ts';

const logger = createLogger({ level: parseLogLevel(process.env.LOG_LEVEL, 'silent'), fd: 2 });
const operatorNamespace = 'mesh-injector-system';
const secretName = 'mesh-injector-webhook-tls';
const mainConfig = 'mesh-injector-sidecar-injector';
const canaryConfig = 'mesh-injector-sidecar-injector-canary';
const injectedBy = 'test.mesh-injector.dev/injected-by';

/** Labels the pod with the revision whose webhook path it came in on (`/inject/rev/<rev>` gives REV). */
const admit: Admit = (input) => {
  const revision = input.pathParams.REV ?? 'default';
  const metadata = input.object.metadata;
  const hasLabels = isJsonObject(metadata) && isJsonObject(metadata.labels);
  return {
    allowed: true,
    patch: hasLabels
      ? [{ op: 'add', path: `/metadata/labels/${injectedBy.replace('/', '~1')}`, value: revision }]
      : [{ op: 'add', path: '/metadata/labels', value: { [injectedBy]: revision } }],
  };
};

function field(obj: JsonObject | undefined, ...path: (string | number)[]): unknown {
  let current: unknown = obj;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[String(key)];
  }
  return current;
}

function hooksOf(mwc: JsonObject | undefined): JsonObject[] {
  const hooks = field(mwc, 'webhooks');
  return Array.isArray(hooks) ? hooks.filter(isJsonObject) : [];
}

async function counterValue(
  metrics: WebhookConfigMetrics,
  key: keyof WebhookConfigMetrics,
  label: string,
): Promise<number> {
  const metric = await metrics[key].get();
  return metric.values
    .filter((v) => Object.values(v.labels).includes(label))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('webhook configuration upkeep and admission over TLS', { timeout: 240_000 }, () => {
  let cp: ControlPlane;
  let client: KubeClient;
  let watcher: CertificateWatcher;
  let server: WebhookServer;
  let webhookUrl: string;
  let events: KubeEventRecorder;
  let configMetrics: WebhookConfigMetrics;
  let stopControllers: AbortController;
  let runs: Promise<void>[] = [];

  const mwcPath = (name: string): string =>
    resourcePath({
      apiVersion: 'admissionregistration.k8s.io/v1',
      resource: 'mutatingwebhookconfigurations',
      name,
    });

  async function getMwc(name: string): Promise<JsonObject | undefined> {
    try {
      return await client.request({ path: mwcPath(name) });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async function expectedBundle(): Promise<string> {
    const secret = await client.request({
      path: resourcePath({
        apiVersion: 'v1',
        resource: 'secrets',
        namespace: operatorNamespace,
        name: secretName,
      }),
    });
    const data = field(secret, 'data', 'ca.crt');
    assert.equal(typeof data, 'string');
    return data as string;
  }

  async function createNamespace(name: string, labels: Record<string, string> = {}): Promise<void> {
    await client.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } },
    });
    // The ServiceAccount admission plugin refuses pods until the namespace's default account exists.
    await eventually(`default service account in ${name}`, async () => {
      try {
        await client.request({ path: `/api/v1/namespaces/${name}/serviceaccounts/default` });
        return true;
      } catch {
        return false;
      }
    });
  }

  async function createPod(
    namespace: string,
    name: string,
    labels: Record<string, string> = {},
  ): Promise<JsonObject> {
    return client.request({
      method: 'POST',
      path: `/api/v1/namespaces/${namespace}/pods`,
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, labels },
        spec: { containers: [{ name: 'app', image: 'example.com/app:1' }] },
      },
    });
  }

  function startWebhookConfig(spec: Partial<WebhookConfigSpec>, metrics: WebhookConfigMetrics): void {
    const controller = new WebhookConfigController({
      client,
      spec: {
        operatorNamespace,
        revisions: ['default', 'canary'],
        target: { url: webhookUrl },
        ...spec,
      },
      caBundle: watcher,
      logger,
      metrics,
      events,
    });
    runs.push(controller.run(stopControllers.signal));
  }

  before(async () => {
    cp = await startControlPlane({ nodes: 0 });
    client = new KubeClient(cp.kubeConfig);
    events = new KubeEventRecorder({ client, logger });
    await createNamespace(operatorNamespace, { 'istio-injection': 'enabled' });

    watcher = new CertificateWatcher({ client, namespace: operatorNamespace, name: secretName, logger });
    watcher.start();
    const registry = createMetricsRegistry();
    server = new WebhookServer({
      admit,
      logger,
      registry,
      metrics: createWebhookMetrics(registry),
      certificateSource: watcher,
      readiness: [watcher.readiness],
      listen: { host: '127.0.0.1', port: 0 },
      metricsListen: false,
    });
    const { webhook } = await server.start();
    webhookUrl = `https://127.0.0.1:${webhook.port}/inject`;

    stopControllers = new AbortController();
    const certificates = new CertificateController({
      client,
      namespace: operatorNamespace,
      secretName,
      mode: 'self-managed',
      policy: certificatePolicy({ service: 'mesh-injector', namespace: operatorNamespace }),
      logger,
      metrics: createCertificateMetrics(registry),
      events,
    });
    runs.push(certificates.run(stopControllers.signal));
    configMetrics = createWebhookConfigMetrics(registry);
    startWebhookConfig({}, configMetrics);
    await eventually('a servable certificate', () => watcher.ready(), { timeoutMs: 60_000 });
  });

  after(async () => {
    stopControllers.abort();
    await Promise.allSettled(runs);
    await server.stop({ deadlineMs: 1000 });
    await watcher.stop();
    await events.flush();
    client.close();
    await cp.stop();
  });

  it('creates one configuration per revision, every entry carrying the Secret CA as caBundle', async () => {
    const bundle = await expectedBundle();
    for (const [name, entries] of [
      [mainConfig, 4],
      [canaryConfig, 2],
    ] as const) {
      const mwc = await eventually(`${name} with its caBundle`, async () => {
        const live = await getMwc(name);
        const hooks = hooksOf(live);
        return hooks.length === entries && hooks.every((h) => field(h, 'clientConfig', 'caBundle') === bundle)
          ? live
          : undefined;
      });
      assert.equal(field(mwc, 'metadata', 'labels', 'app.kubernetes.io/managed-by'), 'mesh-injector');
      const managers = field(mwc, 'metadata', 'managedFields');
      assert.ok(
        Array.isArray(managers) &&
          managers.some((m) => field(m as JsonObject, 'manager') === 'mesh-injector'),
      );
    }
    assert.equal(
      field(hooksOf(await getMwc(canaryConfig))[0], 'clientConfig', 'url'),
      `${webhookUrl}/rev/canary`,
    );
  });

  it('the API server calls the webhook over TLS for selected pods only, on the right revision path', async () => {
    await createNamespace('inject-on', { 'istio-injection': 'enabled' });
    await createNamespace('inject-off');
    await createNamespace('inject-canary', { 'istio.io/rev': 'canary' });
    await eventually(
      'the webhook configurations to be in place',
      async () => hooksOf(await getMwc(canaryConfig)).length === 2,
    );

    const injected = await createPod('inject-on', 'app');
    assert.equal(field(injected, 'metadata', 'labels', injectedBy), 'default');
    const canary = await createPod('inject-canary', 'app');
    assert.equal(field(canary, 'metadata', 'labels', injectedBy), 'canary');
    const objectOptIn = await createPod('inject-off', 'opted-in', { 'sidecar.istio.io/inject': 'true' });
    assert.equal(field(objectOptIn, 'metadata', 'labels', injectedBy), 'default');

    const plain = await createPod('inject-off', 'app');
    assert.equal(
      field(plain, 'metadata', 'labels', injectedBy),
      undefined,
      'unlabelled namespace: not called',
    );
    const optedOut = await createPod('inject-on', 'opted-out', { 'sidecar.istio.io/inject': 'false' });
    assert.equal(field(optedOut, 'metadata', 'labels', injectedBy), undefined, 'label opt-out: not called');
    const own = await createPod(operatorNamespace, 'operator');
    assert.equal(field(own, 'metadata', 'labels', injectedBy), undefined, 'operator namespace: never called');
  });

  /** The controller counts a repair once its write has returned, which can be after the repaired object shows. */
  async function repairsCounted(reason: string, atLeast: number): Promise<void> {
    await eventually(`${atLeast} ${reason} repairs counted`, async () =>
      (await counterValue(configMetrics, 'repairs', reason)) >= atLeast ? true : undefined,
    );
  }

  it('puts back an edited caBundle, an emptied one, a deleted entry and a changed entry', async () => {
    const bundle = await expectedBundle();
    const ref = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      resource: 'mutatingwebhookconfigurations',
      name: mainConfig,
    };
    const repairsBefore = await counterValue(configMetrics, 'repairs', 'ca_bundle');
    const someoneElses = Buffer.from(cp.certificateAuthority.certificatePem).toString('base64');

    const tampers: [string, Parameters<typeof jsonPatch>[2]][] = [
      [
        'edited caBundle',
        [{ op: 'replace', path: '/webhooks/0/clientConfig/caBundle', value: someoneElses }],
      ],
      ['emptied caBundle', [{ op: 'remove', path: '/webhooks/1/clientConfig/caBundle' }]],
      ['deleted entry', [{ op: 'remove', path: '/webhooks/3' }]],
      ['changed failurePolicy', [{ op: 'replace', path: '/webhooks/2/failurePolicy', value: 'Ignore' }]],
    ];
    for (const [what, patch] of tampers) {
      const intact = hooksOf(await getMwc(mainConfig));
      const tampered = await jsonPatch(client, ref, patch, { fieldManager: 'someone-else' });
      assert.notDeepEqual(hooksOf(tampered), intact, `the ${what} took effect`);
      await eventually(`the ${what} to be put back`, async () => {
        const hooks = hooksOf(await getMwc(mainConfig));
        return (
          hooks.length === 4 &&
          hooks.every(
            (h) => field(h, 'clientConfig', 'caBundle') === bundle && field(h, 'failurePolicy') === 'Fail',
          )
        );
      });
    }
    await repairsCounted('ca_bundle', repairsBefore + 2);
    await repairsCounted('webhook_missing', 1);
    await repairsCounted('webhook_changed', 1);
    await events.flush();
    const list = await client.request({
      path: '/api/v1/namespaces/default/events',
      query: { fieldSelector: `involvedObject.name=${mainConfig}` },
    });
    const reasons = (field(list, 'items') as JsonObject[]).map((e) =>
      typeof e.reason === 'string' ? e.reason : '',
    );
    assert.ok(reasons.includes('WebhookConfigurationRepaired'), `events: ${reasons.join(', ')}`);
  });

  it('re-creates a deleted configuration, and writes nothing while nothing changes', async () => {
    const before = await getMwc(mainConfig);
    await client.request({ method: 'DELETE', path: mwcPath(mainConfig) });
    const recreated = await eventually('the configuration to be re-created', async () => {
      const live = await getMwc(mainConfig);
      return live !== undefined && field(live, 'metadata', 'uid') !== field(before, 'metadata', 'uid')
        ? live
        : undefined;
    });
    assert.equal(hooksOf(recreated).length, 4);
    await repairsCounted('missing', 1);

    // Steady state: the informer sees our own writes come back and finds nothing to do.
    await eventually('the write counters to settle', async () => {
      const first = await counterValue(configMetrics, 'writes', 'update');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return (await counterValue(configMetrics, 'writes', 'update')) === first;
    });
    const version = field(await getMwc(mainConfig), 'metadata', 'resourceVersion');
    const writes =
      (await counterValue(configMetrics, 'writes', 'repair')) +
      (await counterValue(configMetrics, 'writes', 'update'));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(
      field(await getMwc(mainConfig), 'metadata', 'resourceVersion'),
      version,
      'no write in steady state',
    );
    assert.equal(
      (await counterValue(configMetrics, 'writes', 'repair')) +
        (await counterValue(configMetrics, 'writes', 'update')),
      writes,
    );
  });

  it('failurePolicy Fail rejects pods when the webhook is down; Ignore admits them unmutated', async () => {
    await server.stop({ deadlineMs: 1000 });
    const rejected = await createPod('inject-on', 'while-down').then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(rejected !== undefined, 'the pod was refused');
    assert.match(apiStatus(rejected)?.message ?? '', /failed calling webhook/);
    const unselected = await createPod('inject-off', 'while-down');
    assert.equal(
      field(unselected, 'metadata', 'name'),
      'while-down',
      'pods the selectors skip are unaffected',
    );

    // Reconfigure: the default revision only, failing open.
    stopControllers.abort();
    await Promise.allSettled(runs);
    runs = [];
    stopControllers = new AbortController();
    startWebhookConfig(
      { revisions: ['default'], failurePolicy: 'Ignore' },
      createWebhookConfigMetrics(createMetricsRegistry()),
    );
    await eventually('failurePolicy Ignore and the canary configuration gone', async () => {
      const hooks = hooksOf(await getMwc(mainConfig));
      return (
        hooks.length === 4 &&
        hooks.every((h) => field(h, 'failurePolicy') === 'Ignore') &&
        (await getMwc(canaryConfig)) === undefined
      );
    });
    const admitted = await createPod('inject-on', 'ignored');
    assert.equal(field(admitted, 'metadata', 'labels', injectedBy), undefined, 'admitted without mutation');
  });
});
