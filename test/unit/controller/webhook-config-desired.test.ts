import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  desiredWebhookConfigurations,
  planWebhookConfigurations,
  revisionPath,
  type WebhookConfigSpec,
} from '../../../src/controller/webhook-config-desired.ts';
import { injectorWebhookConfig, resolveNamespaceRevision } from '../../../src/controller/revision.ts';
import { compileLabelSelector, selectorMatches } from '../../../src/inject/selector.ts';
import type { JsonObject, JsonValue } from '../../../src/inject/types.ts';

const caPem = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
const service = { service: { name: 'mesh-injector', namespace: 'mesh-injector-system' } } as const;
const base: WebhookConfigSpec = { operatorNamespace: 'mesh-injector-system', target: service };

function webhooksOf(mwc: JsonObject | undefined): JsonObject[] {
  assert.ok(mwc !== undefined, 'configuration exists');
  return mwc.webhooks as JsonObject[];
}

/** The string at a JSON position (fails the test for anything else). */
function text(value: JsonValue | undefined): string {
  assert.equal(typeof value, 'string');
  return value as string;
}

function hookNames(mwc: JsonObject | undefined): string[] {
  return webhooksOf(mwc).map((w) => text(w.name));
}

/** Names of every webhook (across configurations) that the API server would call for this pod. */
function calledWebhooks(
  configurations: Map<string, JsonObject>,
  namespace: string,
  namespaceLabels: Record<string, string>,
  podLabels: Record<string, string> = {},
): string[] {
  const nsLabels = { 'kubernetes.io/metadata.name': namespace, ...namespaceLabels };
  const called: string[] = [];
  for (const [name, mwc] of configurations) {
    for (const hook of webhooksOf(mwc)) {
      const nsSelector = compileLabelSelector(hook.namespaceSelector);
      const podSelector = compileLabelSelector(hook.objectSelector);
      if (selectorMatches(nsSelector, nsLabels) && selectorMatches(podSelector, podLabels)) {
        called.push(`${name}/${text(hook.name)}`);
      }
    }
  }
  return called;
}

describe('desired webhook configurations', () => {
  it('default revision: one configuration with the four Istio-shaped entries', () => {
    const configs = desiredWebhookConfigurations(base, caPem);
    assert.deepEqual([...configs.keys()], ['mesh-injector-sidecar-injector']);
    const mwc = configs.get('mesh-injector-sidecar-injector')!;
    assert.equal(mwc.apiVersion, 'admissionregistration.k8s.io/v1');
    assert.equal(mwc.kind, 'MutatingWebhookConfiguration');
    assert.deepEqual((mwc.metadata as JsonObject).labels, {
      app: 'sidecar-injector',
      'istio.io/rev': 'default',
      'app.kubernetes.io/managed-by': 'mesh-injector',
    });
    assert.deepEqual(hookNames(mwc), [
      'rev.namespace.sidecar-injector.mesh-injector.dev',
      'rev.object.sidecar-injector.mesh-injector.dev',
      'namespace.sidecar-injector.mesh-injector.dev',
      'object.sidecar-injector.mesh-injector.dev',
    ]);
    const exclusion = {
      key: 'kubernetes.io/metadata.name',
      operator: 'NotIn',
      values: ['mesh-injector-system', 'kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage'],
    };
    const [revNamespace, revObject, namespace, object] = webhooksOf(mwc);
    assert.deepEqual(revNamespace, {
      name: 'rev.namespace.sidecar-injector.mesh-injector.dev',
      admissionReviewVersions: ['v1', 'v1beta1'],
      clientConfig: {
        service: { name: 'mesh-injector', namespace: 'mesh-injector-system', path: '/inject', port: 443 },
        caBundle: Buffer.from(caPem).toString('base64'),
      },
      failurePolicy: 'Fail',
      matchPolicy: 'Equivalent',
      namespaceSelector: {
        matchExpressions: [
          { key: 'istio.io/rev', operator: 'In', values: ['default'] },
          { key: 'istio-injection', operator: 'DoesNotExist' },
          exclusion,
        ],
      },
      objectSelector: {
        matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] }],
      },
      reinvocationPolicy: 'Never',
      rules: [
        { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: '*' },
      ],
      sideEffects: 'None',
      timeoutSeconds: 10,
    });
    assert.deepEqual(revObject?.namespaceSelector, {
      matchExpressions: [
        { key: 'istio.io/rev', operator: 'DoesNotExist' },
        { key: 'istio-injection', operator: 'DoesNotExist' },
        exclusion,
      ],
    });
    assert.deepEqual(revObject.objectSelector, {
      matchExpressions: [
        { key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] },
        { key: 'istio.io/rev', operator: 'In', values: ['default'] },
      ],
    });
    assert.deepEqual(namespace?.namespaceSelector, {
      matchExpressions: [{ key: 'istio-injection', operator: 'In', values: ['enabled'] }, exclusion],
    });
    assert.deepEqual(object?.objectSelector, {
      matchExpressions: [
        { key: 'sidecar.istio.io/inject', operator: 'In', values: ['true'] },
        { key: 'istio.io/rev', operator: 'DoesNotExist' },
      ],
    });
  });

  it('a non-default revision gets its own configuration, revision-scoped entries only, and its path', () => {
    const configs = desiredWebhookConfigurations({ ...base, revisions: ['default', 'canary'] }, caPem);
    const canary = configs.get('mesh-injector-sidecar-injector-canary');
    assert.deepEqual(hookNames(canary), [
      'rev.namespace.sidecar-injector.mesh-injector.dev',
      'rev.object.sidecar-injector.mesh-injector.dev',
    ]);
    assert.equal(((canary?.metadata as JsonObject).labels as JsonObject)['istio.io/rev'], 'canary');
    for (const hook of webhooksOf(canary)) {
      assert.deepEqual((hook.clientConfig as JsonObject).service, {
        name: 'mesh-injector',
        namespace: 'mesh-injector-system',
        path: '/inject/rev/canary',
        port: 443,
      });
    }
  });

  it('a URL target keeps the default path and appends the revision for others', () => {
    const configs = desiredWebhookConfigurations(
      { ...base, revisions: ['default', 'canary'], target: { url: 'https://127.0.0.1:9443/inject' } },
      caPem,
    );
    const url = (name: string): unknown => (webhooksOf(configs.get(name))[0]?.clientConfig as JsonObject).url;
    assert.equal(url('mesh-injector-sidecar-injector'), 'https://127.0.0.1:9443/inject');
    assert.equal(url('mesh-injector-sidecar-injector-canary'), 'https://127.0.0.1:9443/inject/rev/canary');
    assert.equal(revisionPath('/inject/', 'default'), '/inject');
  });

  it('applies failurePolicy, timeoutSeconds, reinvocationPolicy, extra exclusions and the owner', () => {
    const configs = desiredWebhookConfigurations(
      {
        ...base,
        failurePolicy: 'Ignore',
        timeoutSeconds: 5,
        reinvocationPolicy: 'IfNeeded',
        excludedNamespaces: ['kube-system', 'monitoring'],
        owner: {
          apiVersion: 'injection.mesh-injector.dev/v1alpha1',
          kind: 'MeshInjectorInstall',
          name: 'main',
          uid: 'u-1',
        },
      },
      caPem,
    );
    const mwc = configs.get('mesh-injector-sidecar-injector')!;
    for (const hook of webhooksOf(mwc)) {
      assert.equal(hook.failurePolicy, 'Ignore');
      assert.equal(hook.timeoutSeconds, 5);
      assert.equal(hook.reinvocationPolicy, 'IfNeeded');
      const expressions = (hook.namespaceSelector as JsonObject).matchExpressions as JsonObject[];
      assert.deepEqual(expressions.at(-1)?.values, ['mesh-injector-system', 'kube-system', 'monitoring']);
    }
    assert.deepEqual((mwc.metadata as JsonObject).ownerReferences, [
      {
        apiVersion: 'injection.mesh-injector.dev/v1alpha1',
        kind: 'MeshInjectorInstall',
        name: 'main',
        uid: 'u-1',
        controller: true,
      },
    ]);
  });

  it('revision tags: Istio-style tag configurations pointing at their revision', () => {
    const spec: WebhookConfigSpec = { ...base, revisions: ['default', 'canary'], tags: { prod: 'canary' } };
    const configs = desiredWebhookConfigurations(spec, caPem);
    const tag = configs.get('mesh-injector-revision-tag-prod');
    assert.deepEqual((tag?.metadata as JsonObject).labels, {
      app: 'sidecar-injector',
      'istio.io/rev': 'canary',
      'app.kubernetes.io/managed-by': 'mesh-injector',
      'istio.io/tag': 'prod',
    });
    assert.deepEqual(hookNames(tag), [
      'rev.namespace.sidecar-injector.mesh-injector.dev',
      'rev.object.sidecar-injector.mesh-injector.dev',
    ]);
    const first = webhooksOf(tag)[0]!;
    assert.deepEqual(((first.namespaceSelector as JsonObject).matchExpressions as JsonObject[])[0], {
      key: 'istio.io/rev',
      operator: 'In',
      values: ['prod'],
    });
    assert.equal(((first.clientConfig as JsonObject).service as JsonObject).path, '/inject/rev/canary');
  });

  it('the tag "default" takes over the namespace./object. entries from the default revision', () => {
    const configs = desiredWebhookConfigurations(
      { ...base, revisions: ['stable', 'canary'], tags: { default: 'stable' } },
      caPem,
    );
    assert.deepEqual(
      [...configs.keys()],
      [
        'mesh-injector-sidecar-injector-stable',
        'mesh-injector-sidecar-injector-canary',
        'mesh-injector-revision-tag-default',
      ],
    );
    assert.equal(webhooksOf(configs.get('mesh-injector-revision-tag-default')).length, 4);
    assert.equal(webhooksOf(configs.get('mesh-injector-sidecar-injector-stable')).length, 2);
    assert.deepEqual(calledWebhooks(configs, 'apps', { 'istio-injection': 'enabled' }), [
      'mesh-injector-revision-tag-default/namespace.sidecar-injector.mesh-injector.dev',
    ]);
  });

  it('calls exactly one webhook for each opt-in, none for opt-outs, the operator namespace or kube-system', () => {
    const configs = desiredWebhookConfigurations(
      { ...base, revisions: ['default', 'canary'], tags: { prod: 'canary' } },
      caPem,
    );
    const main = 'mesh-injector-sidecar-injector';
    const canary = 'mesh-injector-sidecar-injector-canary';
    const suffix = 'sidecar-injector.mesh-injector.dev';
    const cases: [string, Record<string, string>, Record<string, string>, string[]][] = [
      ['apps', { 'istio-injection': 'enabled' }, {}, [`${main}/namespace.${suffix}`]],
      // istio-injection wins over istio.io/rev.
      [
        'apps',
        { 'istio-injection': 'enabled', 'istio.io/rev': 'canary' },
        {},
        [`${main}/namespace.${suffix}`],
      ],
      ['apps', { 'istio.io/rev': 'canary' }, {}, [`${canary}/rev.namespace.${suffix}`]],
      ['apps', { 'istio.io/rev': 'default' }, {}, [`${main}/rev.namespace.${suffix}`]],
      ['apps', { 'istio.io/rev': 'prod' }, {}, [`mesh-injector-revision-tag-prod/rev.namespace.${suffix}`]],
      ['apps', {}, { 'sidecar.istio.io/inject': 'true' }, [`${main}/object.${suffix}`]],
      ['apps', {}, { 'istio.io/rev': 'canary' }, [`${canary}/rev.object.${suffix}`]],
      ['apps', {}, {}, []],
      // Only the label opts a pod out at the selector level.
      ['apps', { 'istio-injection': 'enabled' }, { 'sidecar.istio.io/inject': 'false' }, []],
      ['apps', { 'istio.io/rev': 'canary' }, { 'sidecar.istio.io/inject': 'false' }, []],
      ['apps', { 'istio-injection': 'disabled' }, { 'sidecar.istio.io/inject': 'true' }, []],
      ['mesh-injector-system', { 'istio-injection': 'enabled' }, {}, []],
      ['kube-system', { 'istio-injection': 'enabled' }, {}, []],
      ['kube-public', {}, { 'sidecar.istio.io/inject': 'true' }, []],
    ];
    for (const [namespace, nsLabels, podLabels, expected] of cases) {
      assert.deepEqual(
        calledWebhooks(configs, namespace, nsLabels, podLabels),
        expected,
        `namespace ${namespace} ${JSON.stringify(nsLabels)}, pod ${JSON.stringify(podLabels)}`,
      );
    }
  });

  it('revision resolution (as istioctl x injector list does it) reads our configurations correctly', () => {
    const configs = desiredWebhookConfigurations(
      { ...base, revisions: ['default', 'canary'], tags: { prod: 'canary' } },
      caPem,
    );
    const views = [...configs.values()].map((c) => injectorWebhookConfig(c)).filter((v) => v !== undefined);
    const resolve = (labels: Record<string, string>) =>
      resolveNamespaceRevision({ 'kubernetes.io/metadata.name': 'apps', ...labels }, views);
    assert.equal(resolve({ 'istio-injection': 'enabled' }).revision, 'default');
    assert.equal(resolve({ 'istio.io/rev': 'canary' }).revision, 'canary');
    const viaTag = resolve({ 'istio.io/rev': 'prod' });
    assert.equal(viaTag.revision, 'canary');
    assert.equal(viaTag.problem, undefined);
  });

  it('refuses specs that cannot work, saying which field and why', () => {
    const bad: [Partial<WebhookConfigSpec>, RegExp][] = [
      [{ revisions: [] }, /at least one revision/],
      [{ revisions: ['Canary'] }, /revision "Canary" is not a DNS label/],
      [{ revisions: ['a', 'a'] }, /list a revision twice/],
      [{ tags: { default: 'default' } }, /tag "default" has the name of a revision/],
      [{ tags: { prod: 'canary' } }, /points at revision "canary", which is not among the revisions default/],
      [{ target: { url: 'http://127.0.0.1:9443/inject' } }, /must use https/],
      [{ target: { url: 'https://127.0.0.1:9443/inject?x=1' } }, /must not have a query/],
      [{ target: { url: 'not a url' } }, /not an absolute URL/],
      [{ timeoutSeconds: 31 }, /timeoutSeconds must be an integer from 1 to 30/],
      [{ failurePolicy: 'Sometimes' as 'Fail' }, /failurePolicy must be Fail or Ignore, got "Sometimes"/],
      [{ target: { service: { name: 'svc', namespace: 'ns', path: 'inject' } } }, /must start with \//],
    ];
    for (const [change, message] of bad) {
      assert.throws(() => planWebhookConfigurations({ ...base, ...change }), message, JSON.stringify(change));
    }
  });
});
