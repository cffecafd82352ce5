import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import jsonpatch from 'fast-json-patch';
import { Injector } from '../../../src/inject/injector.ts';
import { loadInjectorSettings } from '../../../src/inject/settings.ts';
import type { JsonObject } from '../../../src/inject/types.ts';
import { injectorAdmit } from '../../../src/webhook/admit.ts';
import type { AdmissionInput } from '../../../src/webhook/types.ts';

const injectors = new Map([
  ['default', new Injector({ ...loadInjectorSettings({}), revision: 'default' })],
  ['canary', new Injector({ ...loadInjectorSettings({ revision: 'canary' }), revision: 'canary' })],
]);
const admit = injectorAdmit({ injectorFor: (r) => injectors.get(r) });

function input(object: JsonObject, overrides: Partial<AdmissionInput> = {}): AdmissionInput {
  return {
    uid: 'u1',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    namespace: 'app',
    name: '',
    operation: 'CREATE',
    object,
    dryRun: false,
    pathParams: {},
    signal: new AbortController().signal,
    ...overrides,
  };
}

const pod: JsonObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { generateName: 'web-', labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'nginx' }] },
};

function applied(result: Awaited<ReturnType<typeof admit>>): JsonObject {
  if (!result.allowed) throw new Error(`denied: ${result.message}`);
  return jsonpatch.applyPatch(
    structuredClone(pod),
    structuredClone(result.patch ?? []) as jsonpatch.Operation[],
  ).newDocument;
}

describe('injectorAdmit', () => {
  it('injects a pod with the default revision', async () => {
    const injected = applied(await admit(input(pod)));
    const spec = injected.spec as { containers: { name: string }[]; initContainers: { name: string }[] };
    assert.deepEqual(
      spec.containers.map((c) => c.name),
      ['web', 'istio-proxy'],
    );
    assert.deepEqual(
      spec.initContainers.map((c) => c.name),
      ['istio-init'],
    );
    const annotations = (injected.metadata as { annotations: Record<string, string> }).annotations;
    assert.match(annotations['sidecar.istio.io/status'] ?? '', /"revision":"default"/);
  });

  it('uses the revision named in the path and passes other path parameters as proxy env', async () => {
    const result = await admit(input(pod, { pathParams: { REV: 'canary', ISTIO_META_CLUSTER_ID: 'east' } }));
    const injected = applied(result);
    const annotations = (injected.metadata as { annotations: Record<string, string> }).annotations;
    assert.match(annotations['sidecar.istio.io/status'] ?? '', /"revision":"canary"/);
    const proxy = (
      injected.spec as { containers: { name: string; env: { name: string; value?: string }[] }[] }
    ).containers.find((c) => c.name === 'istio-proxy');
    assert.deepEqual(
      proxy?.env.filter((e) => e.name === 'ISTIO_META_CLUSTER_ID'),
      [{ name: 'ISTIO_META_CLUSTER_ID', value: 'east' }],
    );
    assert.equal(
      proxy.env.some((e) => e.name === 'REV'),
      false,
    );
  });

  it('refuses a pod when the revision has no valid config', async () => {
    const result = await admit(input(pod, { pathParams: { REV: 'stable' } }));
    assert.deepEqual(result, {
      allowed: false,
      message: 'mesh-injector has no valid injector config for revision "stable"',
    });
  });

  it('skips opted-out pods with the reason', async () => {
    const optedOut = {
      ...pod,
      metadata: { generateName: 'web-', labels: { 'sidecar.istio.io/inject': 'false' } },
    };
    const result = await admit(input(optedOut));
    assert.ok(result.allowed, 'allowed');
    assert.ok(result.skipped !== undefined && result.patch === undefined);
  });

  it("refuses a pod with an invalid annotation, with Istio's message", async () => {
    const bad = {
      ...pod,
      metadata: {
        generateName: 'web-',
        annotations: { 'traffic.sidecar.istio.io/excludeOutboundPorts': 'http' },
      },
    };
    const result = await admit(input(bad));
    assert.ok(!result.allowed, 'denied');
    assert.match(
      result.message,
      /invalid value 'http' for annotation 'traffic\.sidecar\.istio\.io\/excludeOutboundPorts'/,
    );
  });

  it('lets anything but a pod CREATE through untouched', async () => {
    const update = await admit(input(pod, { operation: 'UPDATE' }));
    assert.ok(update.allowed && update.patch === undefined);
    const other = await admit(input(pod, { kind: { group: 'apps', version: 'v1', kind: 'Deployment' } }));
    assert.ok(other.allowed && other.patch === undefined);
  });

  it('renders native sidecars when asked for this request', async () => {
    const native = injectorAdmit({ injectorFor: (r) => injectors.get(r), nativeSidecars: () => true });
    const injected = applied(await native(input(pod)));
    const spec = injected.spec as { containers: { name: string }[]; initContainers: { name: string }[] };
    assert.deepEqual(
      spec.initContainers.map((c) => c.name),
      ['istio-init', 'istio-proxy'],
    );
    assert.deepEqual(
      spec.containers.map((c) => c.name),
      ['web'],
    );
  });
});
