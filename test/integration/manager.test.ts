// The operator as users run it: `mesh-injector operator` as its own process against a real control plane. It must
// create its certificate Secret and MutatingWebhookConfiguration, inject pods through the apiserver over TLS,
// roll a Deployment that predates the namespace label, report Converged, and stop cleanly on SIGTERM, handing
// the lease to a second replica.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.ts';
import { isJsonObject, type JsonObject } from '../../src/inject/types.ts';
import { KubeClient } from '../../src/kube/client.ts';
import {
  createNamespace,
  eventually,
  installCrd,
  kubectl,
  objects,
  operatorNamespace,
  text,
} from '../support/k8s.ts';
import { OperatorProcess, waitForWebhookCaBundle } from '../support/operator-process.ts';

async function get(client: KubeClient, path: string): Promise<JsonObject> {
  return client.request({ path });
}

function containerNames(pod: JsonObject): string[] {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  return [...objects(spec.initContainers), ...objects(spec.containers)].map((c) => text(c.name));
}

async function leaseHolder(client: KubeClient): Promise<string> {
  const lease = await get(
    client,
    `/apis/coordination.k8s.io/v1/namespaces/${operatorNamespace}/leases/mesh-injector-leader`,
  );
  const spec = isJsonObject(lease.spec) ? lease.spec : {};
  return typeof spec.holderIdentity === 'string' ? spec.holderIdentity : '';
}

describe('mesh-injector operator (a real process against a real control plane)', { timeout: 240_000 }, () => {
  let cp: ControlPlane;
  let client: KubeClient;
  const replicas: OperatorProcess[] = [];

  before(async () => {
    cp = await startControlPlane({ nodes: 2 });
    client = new KubeClient(cp.kubeConfig);
    await installCrd(client);
    await createNamespace(client, operatorNamespace);
    await createNamespace(client, 'shop');
    kubectl(cp, ['-n', 'shop', 'create', 'deployment', 'web', '--image=nginx', '--replicas=2']);
  });

  after(async () => {
    for (const replica of replicas) await replica.stop();
    client.close();
    await cp.stop();
  });

  it('sets up its certificate and webhook configuration, then rolls a pre-existing Deployment into the mesh', async () => {
    const a = await OperatorProcess.launch(cp, { name: 'replica-a' });
    replicas.push(a);
    const mwc = await waitForWebhookCaBundle(client, 60_000);
    const metadata = isJsonObject(mwc.metadata) ? mwc.metadata : {};
    const owners = Array.isArray(metadata.ownerReferences)
      ? metadata.ownerReferences.filter(isJsonObject)
      : [];
    assert.deepEqual(
      owners.map(
        (o) => `${typeof o.kind === 'string' ? o.kind : ''}/${typeof o.name === 'string' ? o.name : ''}`,
      ),
      ['CustomResourceDefinition/meshinjections.injection.mesh-injector.dev'],
      'the CRD owns the MWC, so an uninstall garbage-collects it',
    );
    const secret = await get(
      client,
      `/api/v1/namespaces/${operatorNamespace}/secrets/mesh-injector-webhook-tls`,
    );
    assert.equal(secret.type, 'kubernetes.io/tls');

    // Pods created before the label have no sidecar.
    const before = await get(client, '/api/v1/namespaces/shop/pods');
    const oldPods = (Array.isArray(before.items) ? before.items : []).filter(isJsonObject);
    assert.ok(oldPods.length > 0 && oldPods.every((p) => !containerNames(p).includes('istio-proxy')));

    kubectl(cp, ['label', 'namespace', 'shop', 'istio-injection=enabled']);
    const status = await eventually(
      'MeshInjection shop/default to report Converged with every pod injected',
      async () => {
        const mi = await get(
          client,
          '/apis/injection.mesh-injector.dev/v1alpha1/namespaces/shop/meshinjections/default',
        );
        const st = isJsonObject(mi.status) ? mi.status : {};
        const conditions = Array.isArray(st.conditions) ? st.conditions.filter(isJsonObject) : [];
        const converged = conditions.find((c) => c.type === 'Converged');
        return converged?.status === 'True' && st.injectedOfTotal === '2/2' ? st : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    assert.equal(status.revision, 'default');

    const pods = await get(client, '/api/v1/namespaces/shop/pods');
    const live = (Array.isArray(pods.items) ? pods.items : []).filter(
      (p): p is JsonObject =>
        isJsonObject(p) && !(isJsonObject(p.metadata) && p.metadata.deletionTimestamp !== undefined),
    );
    assert.equal(live.length, 2);
    for (const pod of live) {
      // The kwok nodes report kubelet v1.36, so --native-sidecars=auto renders the proxy as a native sidecar.
      assert.deepEqual(containerNames(pod), ['istio-init', 'istio-proxy', 'nginx']);
      const annotations =
        isJsonObject(pod.metadata) && isJsonObject(pod.metadata.annotations) ? pod.metadata.annotations : {};
      const status = annotations['sidecar.istio.io/status'];
      assert.match(typeof status === 'string' ? status : '', /"revision":"default"/);
    }
    const metrics = await a.metricsText();
    assert.match(metrics, /^sidecar_injection_requests_total [1-9]/m, 'the apiserver called the webhook');
  });

  it('hands the lease to the other replica when the leader stops', async () => {
    const a = replicas[0]!;
    const b = await OperatorProcess.launch(cp, { name: 'replica-b', webhookUrl: a.servingUrl });
    replicas.push(b);
    const holder = await leaseHolder(client);
    assert.match(holder, /^replica-a_/, 'the first replica still leads');

    const exit = await a.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, `replica-a exits cleanly on SIGTERM:\n${a.tail(2000)}`);
    const next = await eventually(
      'replica-b to take the lease',
      async () => {
        const h = await leaseHolder(client);
        return h.startsWith('replica-b_') ? h : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    assert.match(next, /^replica-b_/);
  });
});
