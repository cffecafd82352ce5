import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeRequest, KubeRequester } from '../../../src/kube/client.ts';
import {
  applyObject,
  jsonPatch,
  mergePatch,
  patchContentTypes,
  patchResource,
  patchStatus,
  retryOnConflict,
  strategicMergePatch,
} from '../../../src/kube/patch.ts';
import type { JsonObject } from '../../../src/inject/types.ts';
import { apiError } from './helpers.ts';

/** Records requests; answers with the queued outcomes in order (an Error is thrown), then `{}`. */
function fakeClient(outcomes: (JsonObject | Error)[] = []): KubeRequester & { requests: KubeRequest[] } {
  const requests: KubeRequest[] = [];
  return {
    requests,
    request(req) {
      requests.push(req);
      const next = outcomes.shift() ?? {};
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
  };
}

const deployment = { apiVersion: 'apps/v1', resource: 'deployments', namespace: 'a', name: 'web' };

describe('patch content types', () => {
  it('maps every patch type to its content type', () => {
    assert.deepEqual(patchContentTypes, {
      strategic: 'application/strategic-merge-patch+json',
      merge: 'application/merge-patch+json',
      json: 'application/json-patch+json',
      apply: 'application/apply-patch+yaml',
    });
  });

  it('strategic merge patch', async () => {
    const c = fakeClient();
    await strategicMergePatch(c, deployment, { spec: { paused: false } }, { fieldManager: 'mesh-injector' });
    assert.deepEqual(c.requests[0], {
      method: 'PATCH',
      path: '/apis/apps/v1/namespaces/a/deployments/web',
      query: {
        fieldManager: 'mesh-injector',
        force: undefined,
        dryRun: undefined,
        fieldValidation: undefined,
      },
      body: { spec: { paused: false } },
      contentType: 'application/strategic-merge-patch+json',
      signal: undefined,
    });
  });

  it('JSON merge patch', async () => {
    const c = fakeClient();
    await mergePatch(c, deployment, { metadata: { annotations: { a: null } } });
    assert.equal(c.requests[0]?.contentType, 'application/merge-patch+json');
    assert.deepEqual(c.requests[0].body, { metadata: { annotations: { a: null } } });
  });

  it('JSON patch sends the operation list', async () => {
    const c = fakeClient();
    const ops = [
      { op: 'test' as const, path: '/metadata/resourceVersion', value: '7' },
      { op: 'remove' as const, path: '/metadata/finalizers/0' },
    ];
    await jsonPatch(c, deployment, ops);
    assert.equal(c.requests[0]?.contentType, 'application/json-patch+json');
    assert.deepEqual(c.requests[0].body, ops);
  });

  it('dryRun and fieldValidation become query parameters', async () => {
    const c = fakeClient();
    await mergePatch(c, deployment, {}, { dryRun: true, fieldValidation: 'Strict' });
    assert.equal(c.requests[0]?.query?.dryRun, 'All');
    assert.equal(c.requests[0].query.fieldValidation, 'Strict');
  });

  it('returns the object the server answered with', async () => {
    const c = fakeClient([{ kind: 'Deployment', metadata: { resourceVersion: '9' } }]);
    const out = await mergePatch(c, deployment, {});
    assert.deepEqual(out, { kind: 'Deployment', metadata: { resourceVersion: '9' } });
  });
});

describe('server-side apply', () => {
  const mwc = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: 'mesh-injector' },
    webhooks: [],
  };

  it('derives the path from the object and sends field manager and force', async () => {
    const c = fakeClient();
    await applyObject(c, mwc, { fieldManager: 'mesh-injector', force: true });
    const [req] = c.requests;
    assert.equal(
      req?.path,
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/mesh-injector',
    );
    assert.equal(req.contentType, 'application/apply-patch+yaml');
    assert.equal(req.query?.fieldManager, 'mesh-injector');
    assert.equal(req.query.force, true);
    assert.deepEqual(req.body, mwc);
  });

  it('applies namespaced custom objects with an explicit resource, and to a subresource', async () => {
    const c = fakeClient();
    const mi = {
      apiVersion: 'injection.mesh-injector.dev/v1alpha1',
      kind: 'Widget',
      metadata: { name: 'default', namespace: 'a' },
      status: { enabled: true },
    };
    await applyObject(c, mi, { fieldManager: 'x', resource: 'widgets', subresource: 'status' });
    assert.equal(
      c.requests[0]?.path,
      '/apis/injection.mesh-injector.dev/v1alpha1/namespaces/a/widgets/default/status',
    );
  });

  it('refuses an apply without a field manager, name, or apiVersion/kind', async () => {
    const c = fakeClient();
    await assert.rejects(
      patchResource(c, deployment, 'apply', {}, {}),
      /server-side apply of deployments\/web needs a fieldManager/,
    );
    await assert.rejects(
      applyObject(c, { apiVersion: 'v1', kind: 'Pod', metadata: {} }, { fieldManager: 'x' }),
      /metadata.name/,
    );
    await assert.rejects(
      applyObject(c, { metadata: { name: 'x' } }, { fieldManager: 'x' }),
      /apiVersion and kind/,
    );
    assert.equal(c.requests.length, 0);
  });

  it('refuses force on a non-apply patch', async () => {
    const c = fakeClient();
    await assert.rejects(
      mergePatch(c, deployment, {}, { force: true }),
      /force is only valid for server-side apply/,
    );
  });

  it('refuses a patch without a name', async () => {
    const c = fakeClient();
    await assert.rejects(mergePatch(c, { apiVersion: 'v1', resource: 'pods' }, {}), /a name is required/);
  });
});

describe('status subresource', () => {
  it('patches /status of a custom resource with a merge patch', async () => {
    const c = fakeClient();
    const ref = {
      apiVersion: 'injection.mesh-injector.dev/v1alpha1',
      resource: 'meshinjections',
      namespace: 'a',
      name: 'default',
    };
    await patchStatus(c, ref, 'merge', { status: { observedGeneration: 3 } });
    assert.equal(
      c.requests[0]?.path,
      '/apis/injection.mesh-injector.dev/v1alpha1/namespaces/a/meshinjections/default/status',
    );
    assert.equal(c.requests[0].contentType, 'application/merge-patch+json');
  });
});

describe('conflict retries', () => {
  it('rebuilds and resends the patch after a conflict', async () => {
    const c = fakeClient([apiError(409, 'Conflict'), apiError(409, 'Conflict'), { ok: true }]);
    let builds = 0;
    const out = await mergePatch(c, deployment, () => ({ metadata: { resourceVersion: String(++builds) } }), {
      retryOnConflict: { initialMs: 1 },
    });
    assert.deepEqual(out, { ok: true });
    assert.equal(builds, 3);
    assert.deepEqual(
      c.requests.map((r) => r.body),
      [1, 2, 3].map((n) => ({ metadata: { resourceVersion: String(n) } })),
    );
  });

  it('gives up after the attempts and throws the last conflict', async () => {
    const c = fakeClient([apiError(409, 'Conflict', 'one'), apiError(409, 'Conflict', 'two')]);
    await assert.rejects(
      mergePatch(c, deployment, {}, { retryOnConflict: { attempts: 2, initialMs: 1 } }),
      (err: unknown) => err instanceof Error && err.message.includes('two'),
    );
    assert.equal(c.requests.length, 2);
  });

  it('does not retry without being asked', async () => {
    const c = fakeClient([apiError(409, 'Conflict')]);
    await assert.rejects(mergePatch(c, deployment, {}));
    assert.equal(c.requests.length, 1);
  });

  it('never retries a field-manager conflict or other errors', async () => {
    const ssa = apiError(409, 'Conflict', 'Apply failed', { causes: [{ reason: 'FieldManagerConflict' }] });
    let calls = 0;
    await assert.rejects(
      retryOnConflict(() => {
        calls++;
        return Promise.reject(ssa);
      }),
    );
    assert.equal(calls, 1);
    calls = 0;
    await assert.rejects(
      retryOnConflict(() => {
        calls++;
        return Promise.reject(apiError(422, 'Invalid'));
      }),
    );
    assert.equal(calls, 1);
  });

  it('stops retrying when aborted', async () => {
    const abort = new AbortController();
    let calls = 0;
    await assert.rejects(
      retryOnConflict(
        () => {
          calls++;
          abort.abort();
          return Promise.reject(apiError(409, 'Conflict'));
        },
        { signal: abort.signal, initialMs: 1000 },
      ),
    );
    assert.equal(calls, 1);
  });
});
