// The local control plane behaves like a real cluster: workloads roll, admission webhooks are called over
// real TLS, Leases and CRD status subresources work, RBAC applies to client-certificate users, and single
// components can be restarted and paused (what the reliability suite builds on).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';

import {
  AdmissionregistrationV1Api,
  ApiextensionsV1Api,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
} from '@kubernetes/client-node';
import {
  V1CustomResourceDefinition,
  V1Deployment,
  V1Lease,
  V1MicroTime,
  V1MutatingWebhookConfiguration,
  V1Namespace,
  V1Pod,
  V1RoleBinding,
} from '@kubernetes/client-node';

import { createCertificateAuthority, issueCertificate } from '../../src/certs/pki.ts';
import { isJsonObject } from '../../src/inject/types.ts';
import type { JsonObject } from '../../src/inject/types.ts';
import { fakeNode, startControlPlane } from '../controlplane/controlplane.ts';
import type { ControlPlane } from '../controlplane/controlplane.ts';
import { eventually, statusOf, toModel } from '../controlplane/helpers.ts';

const run = promisify(execFile);
const testTimeout = 120_000;

let cp: ControlPlane;
let core: CoreV1Api;
let apps: AppsV1Api;

async function createNamespace(name: string): Promise<string> {
  await core.createNamespace({
    body: toModel(V1Namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }),
  });
  // The ServiceAccount admission plugin rejects pods until the namespace's default service account exists.
  await eventually(`service account ${name}/default`, async () => {
    await core.readNamespacedServiceAccount({ name: 'default', namespace: name });
    return true;
  });
  return name;
}

function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

describe('control plane', { timeout: testTimeout }, () => {
  before(async () => {
    cp = await startControlPlane();
    core = cp.kubeConfig.makeApiClient(CoreV1Api);
    apps = cp.kubeConfig.makeApiClient(AppsV1Api);
    console.log(
      `control plane ${cp.kubernetesVersion} at ${cp.url} ready in ${cp.timings.total} ms`,
      cp.timings,
    );
  });

  after(async () => {
    await cp.stop();
  });

  it('serves the pinned version and has Ready kwok nodes reporting the kubelet version', async () => {
    const { stdout } = await run(cp.kubectlPath, [
      '--kubeconfig',
      cp.kubeconfigPath,
      'version',
      '-o',
      'json',
    ]);
    const version = JSON.parse(stdout) as { serverVersion?: { gitVersion?: string } };
    assert.equal(version.serverVersion?.gitVersion, cp.kubernetesVersion);
    const nodes = await core.listNode();
    assert.deepEqual(nodes.items.map((n) => n.metadata?.name).sort(), [...cp.nodeNames].sort());
    for (const node of nodes.items) {
      assert.ok(node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      assert.equal(node.status?.nodeInfo?.kubeletVersion, cp.kubernetesVersion);
    }
  });

  it('keeps a chosen kubelet version on an extra fake node', async () => {
    const objects = KubernetesObjectApi.makeApiClient(cp.kubeConfig);
    await objects.create(fakeNode('kwok-old-kubelet', 'v1.28.9'));
    try {
      const node = await eventually('node kwok-old-kubelet Ready', async () => {
        const n = await core.readNode({ name: 'kwok-old-kubelet' });
        return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true && n;
      });
      assert.equal(node.status?.nodeInfo?.kubeletVersion, 'v1.28.9');
    } finally {
      await core.deleteNode({ name: 'kwok-old-kubelet' });
    }
  });

  it('runs a 3-replica Deployment to 3 Ready pods and replaces them on a rollout restart', async () => {
    const namespace = await createNamespace('deploy-test');
    const labels = { app: 'web' };
    await apps.createNamespacedDeployment({
      namespace,
      body: toModel(V1Deployment, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace },
        spec: {
          replicas: 3,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] },
          },
        },
      }),
    });
    const readyPods = async (): Promise<V1Pod[]> => {
      const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
      return pods.items.filter((p) => p.metadata?.deletionTimestamp === undefined && isReady(p));
    };
    const first = await eventually('3 Ready pods', async () => {
      const pods = await readyPods();
      return pods.length === 3 && pods;
    });
    assert.ok(
      first.every((p) => cp.nodeNames.includes(p.spec?.nodeName ?? '')),
      'pods are scheduled on kwok nodes',
    );
    const firstUids = new Set(first.map((p) => p.metadata?.uid));

    // What `kubectl rollout restart` does.
    await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace,
        body: {
          spec: {
            template: {
              metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } },
            },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const second = await eventually(
      'rollout to 3 new Ready pods',
      async () => {
        const deployment = await apps.readNamespacedDeployment({ name: 'web', namespace });
        const status = deployment.status;
        const done =
          (status?.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 1) &&
          status?.updatedReplicas === 3 &&
          status.readyReplicas === 3 &&
          status.replicas === 3;
        if (!done) return false;
        const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
        return pods.items.length === 3 && pods.items.every(isReady) && pods.items;
      },
      { timeoutMs: 60_000 },
    );
    for (const pod of second) {
      assert.ok(!firstUids.has(pod.metadata?.uid), `pod ${pod.metadata?.name ?? ''} is new`);
      assert.ok(
        pod.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'],
        'new pods carry the restart stamp',
      );
    }
  });

  it('calls a MutatingWebhookConfiguration over TLS (clientConfig.url) and creates the patched pod', async () => {
    const namespace = await createNamespace('webhook-test');
    const ca = await createCertificateAuthority({ commonName: 'webhook-test-ca' });
    const serving = await issueCertificate(ca, {
      commonName: 'webhook',
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
    });
    const reviews: JsonObject[] = [];
    const server: Server = createServer(
      { cert: serving.certificatePem, key: serving.privateKeyPem },
      (req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (chunk: string) => (body += chunk));
        req.on('end', () => {
          const review: unknown = JSON.parse(body);
          assert.ok(isJsonObject(review) && isJsonObject(review.request));
          reviews.push(review);
          const patch = [
            { op: 'add', path: '/metadata/labels/injected-by', value: 'controlplane-test' },
            {
              op: 'add',
              path: '/spec/containers/-',
              value: { name: 'sidecar', image: 'registry.k8s.io/pause:3.10' },
            },
          ];
          res.setHeader('Content-Type', 'application/json');
          res.end(
            JSON.stringify({
              apiVersion: 'admission.k8s.io/v1',
              kind: 'AdmissionReview',
              response: {
                uid: review.request.uid,
                allowed: true,
                patchType: 'JSONPatch',
                patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
              },
            }),
          );
        });
      },
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const admission = cp.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
    const webhookName = 'controlplane-test';
    try {
      const { port } = server.address() as AddressInfo;
      await admission.createMutatingWebhookConfiguration({
        body: toModel(V1MutatingWebhookConfiguration, {
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'MutatingWebhookConfiguration',
          metadata: { name: webhookName },
          webhooks: [
            {
              name: 'pods.controlplane-test.mesh-injector.dev',
              clientConfig: {
                url: `https://127.0.0.1:${port}/mutate`,
                caBundle: Buffer.from(ca.certificatePem).toString('base64'),
              },
              rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
              admissionReviewVersions: ['v1'],
              sideEffects: 'None',
              failurePolicy: 'Fail',
              timeoutSeconds: 10,
            },
          ],
        }),
      });
      const pod = (name: string): V1Pod =>
        toModel(V1Pod, {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, namespace, labels: { app: 'hooked' } },
          spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] },
        });
      // The apiserver picks a new webhook configuration up asynchronously: probe with dry runs first.
      await eventually('the webhook to be in effect', async () => {
        const dry = await core.createNamespacedPod({ namespace, body: pod('probe'), dryRun: 'All' });
        return dry.metadata?.labels?.['injected-by'] === 'controlplane-test';
      });
      const created = await core.createNamespacedPod({ namespace, body: pod('hooked') });
      assert.equal(created.metadata?.labels?.['injected-by'], 'controlplane-test');
      assert.deepEqual(
        created.spec?.containers.map((c) => c.name),
        ['app', 'sidecar'],
      );
      const last = reviews.at(-1);
      assert.ok(last && isJsonObject(last.request));
      assert.equal(last.request.operation, 'CREATE');
      assert.equal(last.request.namespace, namespace);
      const running = await eventually('the patched pod Ready', async () => {
        const p = await core.readNamespacedPod({ name: 'hooked', namespace });
        return isReady(p) && p;
      });
      assert.equal(running.status?.containerStatuses?.length, 2);
    } finally {
      await admission.deleteMutatingWebhookConfiguration({ name: webhookName });
      server.close();
    }
  });

  it('creates and renews a Lease, rejecting a renewal from a stale resourceVersion', async () => {
    const coordination = cp.kubeConfig.makeApiClient(CoordinationV1Api);
    const namespace = 'default';
    // MicroTime fields must be V1MicroTime: a plain Date serializes with milliseconds, which the API
    // server rejects ("cannot parse .532Z as .000000"). Read back, client-node 2.0.1 leaves them as
    // strings despite the type, hence `new Date(...)` around them below.
    const now = new V1MicroTime();
    const lease = toModel(V1Lease, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'controlplane-test', namespace },
      spec: { holderIdentity: 'replica-a', leaseDurationSeconds: 15 },
    });
    lease.spec!.acquireTime = now;
    lease.spec!.renewTime = now;
    const created = await coordination.createNamespacedLease({ namespace, body: lease });
    assert.equal(created.spec?.holderIdentity, 'replica-a');
    assert.equal(new Date(created.spec.renewTime ?? 0).getTime(), now.getTime());
    const renewAt = new V1MicroTime(now.getTime() + 2000);
    created.spec.renewTime = renewAt;
    const renewed = await coordination.replaceNamespacedLease({
      name: 'controlplane-test',
      namespace,
      body: created,
    });
    assert.notEqual(renewed.metadata?.resourceVersion, created.metadata?.resourceVersion);
    assert.equal(new Date(renewed.spec?.renewTime ?? 0).getTime(), renewAt.getTime());
    // A second writer still holding the first version loses: leader election depends on this.
    created.spec.holderIdentity = 'replica-b';
    await assert.rejects(
      coordination.replaceNamespacedLease({ name: 'controlplane-test', namespace, body: created }),
      (error: unknown) => statusOf(error) === 409,
    );
  });

  it('installs a CRD and patches its status subresource', async () => {
    const extensions = cp.kubeConfig.makeApiClient(ApiextensionsV1Api);
    const custom = cp.kubeConfig.makeApiClient(CustomObjectsApi);
    const group = 'controlplane-test.mesh-injector.dev';
    const crdName = `widgets.${group}`;
    await extensions.createCustomResourceDefinition({
      body: toModel(V1CustomResourceDefinition, {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: crdName },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              subresources: { status: {} },
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: { type: 'object', properties: { size: { type: 'integer' } } },
                    status: { type: 'object', properties: { ready: { type: 'boolean' } } },
                  },
                },
              },
            },
          ],
        },
      }),
    });
    await eventually('the CRD Established', async () => {
      const crd = await extensions.readCustomResourceDefinition({ name: crdName });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    });
    const ref = { group, version: 'v1', namespace: 'default', plural: 'widgets' };
    // Discovery of a new CRD can lag its Established condition by a moment.
    await eventually('the Widget created', async () => {
      await custom.createNamespacedCustomObject({
        ...ref,
        body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 1 } },
      });
      return true;
    });
    const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const patched: unknown = await custom.patchNamespacedCustomObjectStatus(
      { ...ref, name: 'w1', body: { status: { ready: true } } },
      mergePatch,
    );
    assert.ok(isJsonObject(patched) && isJsonObject(patched.status) && isJsonObject(patched.metadata));
    assert.equal(patched.status.ready, true);
    assert.equal(patched.metadata.generation, 1, 'a status write does not bump the generation');
    // With the subresource on, the main endpoint ignores status.
    const viaMain: unknown = await custom.patchNamespacedCustomObject(
      { ...ref, name: 'w1', body: { spec: { size: 2 }, status: { ready: false } } },
      mergePatch,
    );
    assert.ok(isJsonObject(viaMain) && isJsonObject(viaMain.status) && isJsonObject(viaMain.metadata));
    assert.equal(viaMain.status.ready, true);
    assert.equal(viaMain.metadata.generation, 2);
  });

  it('authenticates client-certificate users and applies RBAC to them', async () => {
    const namespace = await createNamespace('rbac-test');
    const alice = await cp.createUser('alice', ['testers']);
    const aliceCore = alice.kubeConfig.makeApiClient(CoreV1Api);
    await assert.rejects(
      aliceCore.listNamespacedPod({ namespace }),
      (error: unknown) => statusOf(error) === 403,
    );
    const rbac = cp.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: toModel(V1RoleBinding, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'testers-view', namespace },
        // `view` is an aggregated role: this also shows the clusterrole-aggregation controller runs.
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'testers' }],
      }),
    });
    await eventually('alice can list pods', async () => {
      await aliceCore.listNamespacedPod({ namespace });
      return true;
    });
    await assert.rejects(
      aliceCore.listNamespacedPod({ namespace: 'default' }),
      (error: unknown) => statusOf(error) === 403,
    );
  });

  it('restarts the apiserver with its data, and pauses and resumes it', async () => {
    const apiServer = cp.component('kube-apiserver');
    await core.createNamespace({
      body: toModel(V1Namespace, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'survives-restart' },
      }),
    });
    const oldPid = apiServer.pid;
    await apiServer.stop({ signal: 'SIGKILL' });
    assert.equal(apiServer.running, false);
    await assert.rejects(core.readNamespace({ name: 'survives-restart' }));
    await apiServer.start();
    assert.notEqual(apiServer.pid, oldPid);
    const ns = await eventually('the namespace after the restart', () =>
      core.readNamespace({ name: 'survives-restart' }),
    );
    assert.equal(ns.metadata?.name, 'survives-restart');

    apiServer.pause();
    try {
      const { stderr } = await run(cp.kubectlPath, [
        '--kubeconfig',
        cp.kubeconfigPath,
        '--request-timeout=1s',
        'get',
        'namespace',
        'default',
      ]).catch((error: unknown) => error as { stderr: string });
      assert.match(stderr, /timeout|deadline|Client.Timeout/i, 'a paused apiserver answers nothing');
    } finally {
      apiServer.resume();
    }
    await eventually('the apiserver answers again', () => core.readNamespace({ name: 'default' }));
  });
});

describe('a control plane that cannot start', { timeout: testTimeout }, () => {
  it('names the component, shows its log, and leaves no process or directory behind', async () => {
    let message = '';
    await assert.rejects(
      startControlPlane({ nodes: 0, extraFlags: { 'kube-apiserver': ['--no-such-flag=1'] } }),
      (error: unknown) => {
        message = error instanceof Error ? error.message : String(error);
        return true;
      },
    );
    assert.match(
      message,
      /control plane did not start: kube-apiserver exited \(exit code 1\) while waiting for kube-apiserver healthy/,
    );
    assert.match(message, /--- kube-apiserver \(.*kube-apiserver\.log\) ---/);
    assert.match(message, /unknown flag: --no-such-flag/);
    const dir = /\((\/[^)]*)\/logs\/kube-apiserver\.log\)/.exec(message)?.[1];
    assert.ok(dir !== undefined, 'the report names the log file');
    assert.equal(existsSync(dir), false, 'the temporary directory is gone');
    const { stdout } = await run('ps', ['-eo', 'args']);
    assert.ok(!stdout.split('\n').some((line) => line.includes(dir)), 'no component of it still runs');
  });
});
