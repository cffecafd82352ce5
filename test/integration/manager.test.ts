// The operator as users run it: `mesh-injector operator` as its own process against a real control plane. It must
// create its certificate Secret and MutatingWebhookConfiguration, inject pods through the apiserver over TLS,
// roll a Deployment that predates the namespace label, report Converged, and stop cleanly on SIGTERM, handing
// the lease to a second replica.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.ts';
import { eventually } from '../controlplane/helpers.ts';
import { isJsonObject, type JsonObject } from '../../src/inject/types.ts';
import { KubeClient } from '../../src/kube/client.ts';

const root = new URL('../../', import.meta.url).pathname;
const operatorNamespace = 'mesh-injector-system';

interface Replica {
  readonly name: string;
  readonly child: ChildProcess;
  readonly output: () => string;
}

function startReplica(
  cp: ControlPlane,
  name: string,
  webhookPort: number,
  metricsPort: number,
  url: string,
): Replica {
  const child = spawn(
    process.execPath,
    [
      'src/cli/main.ts',
      'operator',
      `--kubeconfig=${cp.kubeconfigPath}`,
      `--namespace=${operatorNamespace}`,
      `--webhook-url=${url}`,
      `--webhook-address=127.0.0.1:${webhookPort}`,
      `--metrics-address=127.0.0.1:${metricsPort}`,
      '--lame-duck=0s',
      '--log-level=info',
    ],
    { cwd: root, env: { ...process.env, POD_NAME: name }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  return { name, child, output: () => output };
}

async function stopReplica(replica: Replica): Promise<number | null> {
  if (replica.child.exitCode !== null) return replica.child.exitCode;
  const exited = once(replica.child, 'exit');
  replica.child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return code;
}

function kubectl(cp: ControlPlane, ...args: string[]): string {
  const run = spawnSync(cp.kubectlPath, [`--kubeconfig=${cp.kubeconfigPath}`, ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

async function get(client: KubeClient, path: string): Promise<JsonObject> {
  return client.request({ path });
}

function containerNames(pod: JsonObject): string[] {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const all = [
    ...(Array.isArray(spec.initContainers) ? spec.initContainers : []),
    ...(Array.isArray(spec.containers) ? spec.containers : []),
  ];
  return all.map((c) => (isJsonObject(c) && typeof c.name === 'string' ? c.name : ''));
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
  const replicas: Replica[] = [];

  before(async () => {
    cp = await startControlPlane({ nodes: 2 });
    client = new KubeClient(cp.kubeConfig);
    kubectl(cp, 'apply', '-f', 'crds/meshinjection.yaml');
    kubectl(cp, 'create', 'namespace', operatorNamespace);
    kubectl(cp, 'create', 'namespace', 'shop');
    kubectl(cp, '-n', 'shop', 'create', 'deployment', 'web', '--image=nginx', '--replicas=2');
  });

  after(async () => {
    for (const replica of replicas) await stopReplica(replica);
    await cp.stop();
  });

  it('sets up its certificate and webhook configuration, then rolls a pre-existing Deployment into the mesh', async () => {
    const a = startReplica(cp, 'replica-a', 19543, 19580, 'https://127.0.0.1:19543/inject');
    replicas.push(a);
    const mwc = await eventually(
      'the MutatingWebhookConfiguration with a caBundle',
      async () => {
        const object = await get(
          client,
          '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/mesh-injector-sidecar-injector',
        );
        const webhooks = Array.isArray(object.webhooks) ? object.webhooks.filter(isJsonObject) : [];
        const bundles = webhooks.map((w) =>
          isJsonObject(w.clientConfig) ? w.clientConfig.caBundle : undefined,
        );
        return webhooks.length > 0 && bundles.every((b) => typeof b === 'string' && b !== '')
          ? object
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
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

    kubectl(cp, 'label', 'namespace', 'shop', 'istio-injection=enabled');
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
    const metrics = await fetch('http://127.0.0.1:19580/metrics').then((r) => r.text());
    assert.match(metrics, /^sidecar_injection_requests_total [1-9]/m, 'the apiserver called the webhook');
  });

  it('hands the lease to the other replica when the leader stops', async () => {
    const a = replicas[0]!;
    const b = startReplica(cp, 'replica-b', 19643, 19680, 'https://127.0.0.1:19543/inject');
    replicas.push(b);
    await eventually('replica-b to serve', async () => (await fetch('http://127.0.0.1:19680/healthz')).ok, {
      timeoutMs: 30_000,
    });
    const holder = await leaseHolder(client);
    assert.match(holder, /^replica-a_/, 'the first replica still leads');

    const code = await stopReplica(a);
    assert.equal(code, 0, `replica-a exits cleanly on SIGTERM:\n${a.output().slice(-2000)}`);
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
