// The MeshInjection CRD in a real kube-apiserver (validation naming the field, defaults, status subresource,
// printer columns), and `mesh-injector check` against a cluster with a user that can only get and list.
import assert from 'node:assert/strict';
import { request, type RequestOptions } from 'node:https';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { checkCommand } from '../../src/cli/check.ts';
import { rolloutProgress, workloadView } from '../../src/controller/namespace/workload.ts';
import type { JsonObject } from '../../src/inject/types.ts';
import { apiStatus, KubeClient, resourcePath } from '../../src/kube/client.ts';
import { patchStatus } from '../../src/kube/patch.ts';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.ts';
import {
  create,
  createNamespace,
  eventually,
  field,
  installCrd,
  miRef,
  revisionWebhookConfiguration,
} from './operator-support.ts';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (b: Buffer) => out.push(b));
  stderr.on('data', (b: Buffer) => err.push(b));
  const code = await checkCommand.run(args, { stdin: new PassThrough(), stdout, stderr });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** A Deployment whose pods carry a sidecar of `revision` as if injected (no webhook involved). */
function fakeInjectedDeployment(namespace: string, name: string, revision: string | undefined): JsonObject {
  const annotations: JsonObject = {};
  const containers: JsonObject[] = [{ name: 'app', image: 'example.com/app:1' }];
  const initContainers: JsonObject[] = [];
  if (revision !== undefined) {
    annotations['sidecar.istio.io/status'] = JSON.stringify({
      initContainers: ['istio-init'],
      containers: ['istio-proxy'],
      volumes: null,
      imagePullSecrets: null,
      revision,
    });
    annotations['istio.io/rev'] = revision;
    containers.push({ name: 'istio-proxy', image: 'example.com/proxyv2:1' });
    initContainers.push({ name: 'istio-init', image: 'example.com/proxyv2:1' });
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations },
        spec: { terminationGracePeriodSeconds: 0, containers, initContainers },
      },
    },
  };
}

describe('MeshInjection CRD and mesh-injector check', () => {
  let cp: ControlPlane;
  let client: KubeClient;

  before(async () => {
    cp = await startControlPlane({ nodes: 1 });
    client = new KubeClient(cp.kubeConfig);
    await installCrd(client);
    await createNamespace(client, 'crd-test');
  });

  after(async () => {
    client.close();
    await cp.stop();
  });

  async function createMi(name: string, spec: JsonObject | undefined): Promise<JsonObject> {
    return create(
      client,
      {
        apiVersion: 'injection.mesh-injector.dev/v1alpha1',
        kind: 'MeshInjection',
        metadata: { name, namespace: 'crd-test' },
        ...(spec === undefined ? {} : { spec }),
      },
      'meshinjections',
    );
  }

  const invalid: [string, JsonObject, RegExp][] = [
    [
      'an unknown restartPolicy',
      { restartPolicy: 'Always' },
      /spec\.restartPolicy: Unsupported value: "Always"/,
    ],
    [
      'maxConcurrentRestarts 0',
      { maxConcurrentRestarts: 0 },
      /spec\.maxConcurrentRestarts: Invalid value: 0/,
    ],
    ['a restartInterval that is not a duration', { restartInterval: 'soon' }, /spec\.restartInterval/],
    [
      'an excluded workload of an unknown kind',
      { excludeWorkloads: [{ kind: 'Service', name: 'x' }] },
      /spec\.excludeWorkloads\[0\]\.kind/,
    ],
    [
      'an excluded workload without a name',
      { excludeWorkloads: [{ kind: 'Deployment' }] },
      /spec\.excludeWorkloads\[0\]\.name: Required/,
    ],
  ];
  for (const [name, spec, message] of invalid) {
    it(`rejects ${name}, naming the field`, async () => {
      await assert.rejects(
        createMi(`bad-${Math.random().toString(36).slice(2, 8)}`, spec),
        (err: unknown) => {
          const status = apiStatus(err);
          assert.equal(status?.code, 422);
          assert.match(status.message, message);
          return true;
        },
      );
    });
  }

  it('fills in every default', async () => {
    const created = await createMi('defaults', undefined);
    assert.deepEqual(created.spec, {
      restartPolicy: 'Rolling',
      maxConcurrentRestarts: 2,
      restartInterval: '10s',
      allowBarePodDeletion: false,
    });
    const partial = await createMi('partial', { restartPolicy: 'Manual', restartInterval: '1m30s' });
    assert.equal(field(partial, 'spec', 'restartPolicy'), 'Manual');
    assert.equal(field(partial, 'spec', 'restartInterval'), '1m30s');
    assert.equal(field(partial, 'spec', 'maxConcurrentRestarts'), 2);
  });

  it('keeps status in its subresource and shows it in the printer columns', async () => {
    await createMi('default', {});
    const ref = miRef('crd-test');
    // A write to the main resource cannot set status.
    await client.request({
      method: 'PATCH',
      path: resourcePath(ref),
      contentType: 'application/merge-patch+json',
      body: { status: { revision: 'sneaky' } },
    });
    assert.equal(field(await client.request({ path: resourcePath(ref) }), 'status', 'revision'), undefined);
    await patchStatus(client, ref, 'merge', {
      status: {
        enabled: true,
        revision: 'stable',
        injectedOfTotal: '8/10',
        counts: { total: 10, injected: 8, missing: 1, stale: 1, excluded: 0, restarting: 1 },
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'RestartsInProgress',
            message: 'x',
            lastTransitionTime: '2030-01-01T00:00:00Z',
          },
        ],
      },
    });
    assert.equal(
      field(await client.request({ path: resourcePath(ref) }), 'status', 'injectedOfTotal'),
      '8/10',
    );
    const res = await fetchTable(ref.namespace ?? '');
    const columns = (res.columnDefinitions as JsonObject[]).map((c) => c.name);
    assert.deepEqual(columns, [
      'Name',
      'Enabled',
      'Revision',
      'Injected',
      'Missing',
      'Stale',
      'Restarting',
      'Ready',
      'Age',
    ]);
    const row = (res.rows as JsonObject[]).find((r) => (r.cells as string[])[0] === 'default');
    assert.deepEqual((row?.cells as unknown[]).slice(1, 8), [true, 'stable', '8/10', 1, 1, 1, 'False']);
  });

  /** The list as `kubectl get` asks for it: a server-side Table built from the printer columns. */
  async function fetchTable(namespace: string): Promise<JsonObject> {
    const tls: RequestOptions = {};
    await cp.kubeConfig.applyToHTTPSOptions(tls);
    const path = resourcePath({
      apiVersion: 'injection.mesh-injector.dev/v1alpha1',
      resource: 'meshinjections',
      namespace,
    });
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(`${cp.url}${path}`),
        { ...tls, headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            resolve(JSON.parse(text) as JsonObject);
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  describe('mesh-injector check', () => {
    let viewerConfig: string;

    before(async () => {
      // The webhook never runs here: its object selector matches no pod, so pods keep what their templates say.
      const never = revisionWebhookConfiguration('stable', 'https://127.0.0.1:1/inject', '');
      for (const hook of never.webhooks as JsonObject[]) {
        hook.objectSelector = { matchLabels: { 'mesh-injector.test/never': 'true' } };
        hook.failurePolicy = 'Ignore';
        delete (hook.clientConfig as JsonObject).caBundle;
      }
      await create(client, never, 'mutatingwebhookconfigurations');
      await createNamespace(client, 'check-demo', { 'istio.io/rev': 'stable' });
      await createNamespace(client, 'check-clean', { 'istio.io/rev': 'stable' });
      await createNamespace(client, 'check-ghost', { 'istio.io/rev': 'ghost' });
      await createNamespace(client, 'check-unmanaged');
      for (const d of [
        fakeInjectedDeployment('check-demo', 'plain', undefined),
        fakeInjectedDeployment('check-demo', 'old', 'canary'),
        fakeInjectedDeployment('check-demo', 'good', 'stable'),
        fakeInjectedDeployment('check-clean', 'good', 'stable'),
        fakeInjectedDeployment('check-unmanaged', 'plain', undefined),
      ]) {
        await create(client, d, 'deployments');
      }
      const user = await cp.createUser('viewer');
      viewerConfig = user.kubeconfigPath;
      await create(
        client,
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: 'mesh-injector-check' },
          rules: [
            {
              apiGroups: [''],
              resources: ['namespaces', 'pods', 'replicationcontrollers', 'configmaps'],
              verbs: ['get', 'list'],
            },
            {
              apiGroups: ['apps'],
              resources: ['replicasets', 'deployments', 'statefulsets', 'daemonsets'],
              verbs: ['get', 'list'],
            },
            { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list'] },
            {
              apiGroups: ['admissionregistration.k8s.io'],
              resources: ['mutatingwebhookconfigurations'],
              verbs: ['get', 'list'],
            },
            {
              apiGroups: ['injection.mesh-injector.dev'],
              resources: ['meshinjections'],
              verbs: ['get', 'list'],
            },
          ],
        },
        'clusterroles',
      );
      await create(
        client,
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: 'mesh-injector-check' },
          roleRef: {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'ClusterRole',
            name: 'mesh-injector-check',
          },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'viewer' }],
        },
        'clusterrolebindings',
      );
      // Wait until every Deployment has its pod and, by the rule `check` itself applies, a finished rollout:
      // a pod Running before the deployment controller reports the rollout done would make `check` answer
      // "wait (RolloutInProgress)" instead of the action under test.
      await eventually(
        'all five Deployments running and rolled out',
        async () => {
          const list = await client.request({ path: '/apis/apps/v1/deployments' });
          // List items carry no kind or apiVersion; the view needs them to judge the rollout as a Deployment's.
          const deployments = (list.items as JsonObject[])
            .map((item) => workloadView({ ...item, apiVersion: 'apps/v1', kind: 'Deployment' }))
            .filter((d) => d.metadata.namespace.startsWith('check-'));
          return deployments.length === 5 && deployments.every((d) => rolloutProgress(d).complete);
        },
        { timeoutMs: 60_000 },
      );
    });

    it('the viewer can read but not write', async () => {
      const viewer = KubeClient.load({ kubeconfig: viewerConfig });
      try {
        await viewer.request({ path: '/api/v1/pods' });
        await assert.rejects(
          viewer.request({
            method: 'POST',
            path: '/api/v1/namespaces',
            body: { metadata: { name: 'nope' } },
          }),
          (err: unknown) => apiStatus(err)?.code === 403,
        );
      } finally {
        viewer.close();
      }
    });

    it('lists missing and stale pods with the action, exit code 1', async () => {
      const { code, stdout, stderr } = await run(['-n', 'check-demo', '--kubeconfig', viewerConfig]);
      assert.equal(stderr, '');
      assert.equal(code, 1);
      assert.match(stdout, /^NAMESPACE\s+REVISION\s+PODS\s+INJECTED\s+MISSING\s+STALE/m);
      assert.match(stdout, /^check-demo\s+stable\s+3\s+1\s+1\s+1\s+0$/m);
      assert.match(stdout, /Deployment old: restart now \(rollout restart\)/);
      // Restarts in a namespace start restartInterval (10s by default) apart: the second one waits.
      assert.match(stdout, /Deployment plain: wait \(WaitingForInterval\)/);
      assert.match(stdout, /0 missing and 1 stale of 1 pods; the restart would be for revision=stable/);
      assert.match(stdout, /pod old-[a-z0-9-]+: stale \(has sidecar canary, wants revision stable\)/);
      assert.match(stdout, /pod plain-[a-z0-9-]+: missing \(has no sidecar, wants revision stable\)/);
      assert.doesNotMatch(stdout, /Deployment good/);
    });

    it('prints JSON with -o json', async () => {
      const { code, stdout } = await run(['-n', 'check-demo', '-o', 'json', '--kubeconfig', viewerConfig]);
      assert.equal(code, 1);
      const report = JSON.parse(stdout) as { podsNeedingRestart: number; namespaces: JsonObject[] };
      assert.equal(report.podsNeedingRestart, 2);
      const [ns] = report.namespaces;
      assert.equal(ns?.revision, 'stable');
      const workloads = ns.workloads as JsonObject[];
      const old = workloads.find((w) => w.name === 'old');
      assert.equal(old?.state, 'Restarting');
      assert.equal(old.action, 'restart now (rollout restart)');
      assert.equal((old.pods as JsonObject[])[0]?.podRevision, 'canary');
      assert.equal(workloads.find((w) => w.name === 'good')?.state, 'Injected');
    });

    it('exits 0 when nothing needs a restart', async () => {
      const { code, stdout } = await run(['-n', 'check-clean', '--kubeconfig', viewerConfig]);
      assert.equal(code, 0);
      assert.match(stdout, /^check-clean\s+stable\s+1\s+1\s+0\s+0\s+0$/m);
    });

    it('-A reports every namespace the operator looks after, MISSING for an unserved revision', async () => {
      const { code, stdout } = await run(['-A', '--kubeconfig', viewerConfig]);
      assert.equal(code, 1);
      assert.match(stdout, /^check-ghost\s+MISSING\/ghost\s/m);
      assert.match(stdout, /check-ghost: no injector webhook selects the namespace/);
      assert.match(stdout, /^check-demo\s/m);
      assert.doesNotMatch(stdout, /check-unmanaged/);
    });

    it("classifies under the injector ConfigMap's policy, read with the viewer's credentials", async () => {
      await createNamespace(client, 'check-config');
      await create(
        client,
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'istio-sidecar-injector', namespace: 'check-config' },
          data: { config: 'policy: disabled\n' },
        },
        'configmaps',
      );
      const { code, stdout, stderr } = await run([
        '-n',
        'check-demo',
        '--config-namespace',
        'check-config',
        '--kubeconfig',
        viewerConfig,
      ]);
      assert.equal(stderr, '');
      assert.equal(code, 1);
      // Policy disabled: the pod without a sidecar lacks nothing; the sidecars are ones the webhook would not give.
      assert.doesNotMatch(stdout, /pod plain-[a-z0-9-]+: missing/);
      assert.match(stdout, /pod good-[a-z0-9-]+: stale \(has sidecar stable, wants no sidecar\)/);
    });

    it('reports a cluster it cannot read with exit code 3', async () => {
      const stranger = await cp.createUser('stranger');
      const { code, stderr } = await run(['-n', 'check-demo', '--kubeconfig', stranger.kubeconfigPath]);
      assert.equal(code, 3);
      assert.match(stderr, /namespace check-demo not found \(or not readable\)|cannot list/);
    });
  });
});
