// Every patch type through src/kube/patch.ts against a real kube-apiserver: strategic merge, JSON
// merge, JSON patch, server-side apply (with field-manager conflicts), the status subresource of a
// custom resource, and conflict retries.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api } from '@kubernetes/client-node';
import type { JsonObject } from '../../src/inject/types.ts';
import {
  KubeClient,
  apiStatus,
  isConflict,
  isFieldManagerConflict,
  resourcePath,
  type ResourceRef,
} from '../../src/kube/client.ts';
import {
  applyObject,
  jsonPatch,
  mergePatch,
  patchContentType,
  patchStatus,
  strategicMergePatch,
} from '../../src/kube/patch.ts';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.ts';

const namespace = 'patch-test';

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function field(obj: JsonObject, ...path: string[]): unknown {
  let current: unknown = obj;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = Array.isArray(current) ? current[Number(key)] : (current as JsonObject)[key];
  }
  return current;
}

const widgetCrd: JsonObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.test.mesh-injector.dev' },
  spec: {
    group: 'test.mesh-injector.dev',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
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
              spec: { type: 'object', properties: { size: { type: 'integer' }, color: { type: 'string' } } },
              status: {
                type: 'object',
                properties: { ready: { type: 'boolean' }, observedGeneration: { type: 'integer' } },
              },
            },
          },
        },
      },
    ],
  },
};

describe('patch helpers against a real apiserver', { timeout: 180_000 }, () => {
  let cp: ControlPlane;
  let client: KubeClient;
  const deployment: ResourceRef = { apiVersion: 'apps/v1', resource: 'deployments', namespace, name: 'web' };
  const widget: ResourceRef = {
    apiVersion: 'test.mesh-injector.dev/v1',
    resource: 'widgets',
    namespace,
    name: 'w1',
  };

  before(async () => {
    cp = await startControlPlane({ nodes: 0 });
    client = KubeClient.load({ kubeconfig: cp.kubeconfigPath });
    await client.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    });
    await client.request({
      method: 'POST',
      path: resourcePath({ apiVersion: 'apps/v1', resource: 'deployments', namespace }),
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              containers: [
                { name: 'app', image: 'registry.example/web:1', env: [{ name: 'A', value: '1' }] },
              ],
            },
          },
        },
      },
    });
    await client.request({
      method: 'POST',
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      body: widgetCrd,
    });
    const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.test.mesh-injector.dev';
    await eventually(async () => {
      const crd = await client.request({ path: crdPath });
      const conditions = field(crd, 'status', 'conditions');
      return Array.isArray(conditions) && conditions.some((c) => isEstablished(c));
    }, 'CRD established');
    await eventually(async () => {
      try {
        await client.request({
          method: 'POST',
          path: resourcePath({ ...widget, name: undefined }),
          body: {
            apiVersion: 'test.mesh-injector.dev/v1',
            kind: 'Widget',
            metadata: { name: 'w1', namespace },
            spec: { size: 1, color: 'red' },
          },
        });
        return true;
      } catch {
        return false; // the new resource may take a moment to be served
      }
    }, 'widget created');
  });

  after(async () => {
    client.close();
    await cp.stop();
  });

  it('strategic merge merges containers by name (a JSON merge patch would replace the list)', async () => {
    const out = await strategicMergePatch(
      client,
      deployment,
      {
        spec: {
          template: {
            metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2030-01-01T00:00:00Z' } },
            spec: { containers: [{ name: 'sidecar', image: 'registry.example/proxy:1' }] },
          },
        },
      },
      { fieldManager: 'mesh-injector' },
    );
    const names = (field(out, 'spec', 'template', 'spec', 'containers') as JsonObject[]).map((c) => c.name);
    assert.deepEqual(names.sort(), ['app', 'sidecar']);
    assert.equal(
      field(out, 'spec', 'template', 'metadata', 'annotations', 'kubectl.kubernetes.io/restartedAt'),
      '2030-01-01T00:00:00Z',
    );
    assert.equal(field(out, 'metadata', 'generation'), 2);
  });

  it('a JSON merge patch replaces lists and deletes keys with null', async () => {
    const out = await mergePatch(client, deployment, {
      metadata: { labels: { tier: 'front' } },
      spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': null } } } },
    });
    assert.equal(field(out, 'metadata', 'labels', 'tier'), 'front');
    assert.equal(
      field(out, 'spec', 'template', 'metadata', 'annotations', 'kubectl.kubernetes.io/restartedAt'),
      undefined,
    );
  });

  it('a JSON patch applies with a passing test and is refused with a failing one', async () => {
    // Preconditions test fields only this test controls: the deployment controller keeps writing
    // status, so the resourceVersion is not stable here.
    const out = await jsonPatch(client, deployment, [
      { op: 'test', path: '/metadata/name', value: 'web' },
      { op: 'add', path: '/metadata/labels/patched', value: 'json' },
    ]);
    assert.equal(field(out, 'metadata', 'labels', 'patched'), 'json');
    await assert.rejects(
      jsonPatch(client, deployment, [
        { op: 'test', path: '/metadata/labels/patched', value: 'something else' },
        { op: 'remove', path: '/metadata/labels/patched' },
      ]),
      (err) => apiStatus(err)?.code === 422,
    );
    const after = await client.request({ path: resourcePath(deployment) });
    assert.equal(field(after, 'metadata', 'labels', 'patched'), 'json', 'the refused patch changed nothing');
  });

  it('server-side apply creates, reports field-manager conflicts, and takes over with force', async () => {
    const cm = (manager: string, value: string): JsonObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'applied', namespace },
      data: { owner: value, [`by-${manager}`]: 'yes' },
    });
    const created = await applyObject(client, cm('mesh-injector', 'us'), { fieldManager: 'mesh-injector' });
    assert.equal(field(created, 'data', 'owner'), 'us');
    await assert.rejects(applyObject(client, cm('intruder', 'them'), { fieldManager: 'intruder' }), (err) => {
      assert.equal(isFieldManagerConflict(err), true);
      return true;
    });
    const forced = await applyObject(client, cm('intruder', 'them'), {
      fieldManager: 'intruder',
      force: true,
    });
    assert.equal(field(forced, 'data', 'owner'), 'them');
    const managers = (field(forced, 'metadata', 'managedFields') as JsonObject[]).map((m) => m.manager);
    assert.ok(managers.includes('intruder') && managers.includes('mesh-injector'));
  });

  it('status subresource: a merge patch to /status changes status only; status sent to the main resource is ignored', async () => {
    const out = await patchStatus(client, widget, 'merge', {
      status: { ready: true, observedGeneration: 1 },
    });
    assert.equal(field(out, 'status', 'ready'), true);
    assert.equal(field(out, 'spec', 'color'), 'red');
    const main = await mergePatch(client, widget, { spec: { color: 'blue' }, status: { ready: false } });
    assert.equal(field(main, 'spec', 'color'), 'blue');
    assert.equal(field(main, 'status', 'ready'), true, 'status is only written through /status');
  });

  it('server-side apply to the status subresource with its own field manager', async () => {
    const out = await applyObject(
      client,
      {
        apiVersion: 'test.mesh-injector.dev/v1',
        kind: 'Widget',
        metadata: { name: 'w1', namespace },
        status: { observedGeneration: 7 },
      },
      { fieldManager: 'mesh-injector-status', resource: 'widgets', subresource: 'status', force: true },
    );
    assert.equal(field(out, 'status', 'observedGeneration'), 7);
    assert.equal(field(out, 'status', 'ready'), true, 'fields of other managers stay');
  });

  it('custom resources refuse strategic merge (415), which is why the type must be chosen explicitly', async () => {
    await assert.rejects(
      strategicMergePatch(client, widget, { spec: { size: 2 } }),
      (err) => apiStatus(err)?.code === 415,
    );
  });

  it('retries a conflict with a rebuilt patch carrying the fresh resourceVersion', async () => {
    let attempts = 0;
    const out = await mergePatch(
      client,
      widget,
      async () => {
        attempts++;
        const fresh = await client.request({ path: resourcePath(widget) });
        // The first attempt uses a stale version on purpose, as a racing writer would have left it.
        const rv = attempts === 1 ? '1' : (field(fresh, 'metadata', 'resourceVersion') as string);
        return { metadata: { resourceVersion: rv }, spec: { size: 3 } };
      },
      { retryOnConflict: { attempts: 3, initialMs: 10 } },
    );
    assert.equal(attempts, 2);
    assert.equal(field(out, 'spec', 'size'), 3);
    await assert.rejects(
      mergePatch(client, widget, { metadata: { resourceVersion: '1' }, spec: { size: 4 } }),
      (err) => isConflict(err),
    );
  });

  it('typed clients reach the same server with the content type set explicitly', async () => {
    const apps = client.api(AppsV1Api);
    const out = await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace,
        body: { metadata: { annotations: { typed: 'yes' } } },
        fieldManager: 'mesh-injector',
      },
      patchContentType('merge'),
    );
    assert.equal(out.metadata?.annotations?.typed, 'yes');
  });
});

function isEstablished(condition: unknown): boolean {
  return (
    typeof condition === 'object' &&
    condition !== null &&
    (condition as JsonObject).type === 'Established' &&
    (condition as JsonObject).status === 'True'
  );
}
