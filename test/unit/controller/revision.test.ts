import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  injectorWebhookConfig,
  resolveNamespaceRevision,
  revisionDisplay,
  revisionResolver,
  type InjectorWebhookConfig,
} from '../../../src/controller/revision.ts';
import type { JsonObject } from '../../../src/inject/types.ts';

// MWCs shaped like Istio's chart renders them (reference controller-anchors 3.3).
function revisionMwc(
  revision: string,
  options: { defaultRevision?: boolean; name?: string } = {},
): JsonObject {
  const webhooks: JsonObject[] = [
    {
      name: 'rev.namespace.sidecar-injector.istio.io',
      namespaceSelector: {
        matchExpressions: [
          { key: 'istio.io/rev', operator: 'In', values: [revision] },
          { key: 'istio-injection', operator: 'DoesNotExist' },
        ],
      },
    },
    {
      name: 'rev.object.sidecar-injector.istio.io',
      namespaceSelector: {
        matchExpressions: [
          { key: 'istio.io/rev', operator: 'DoesNotExist' },
          { key: 'istio-injection', operator: 'DoesNotExist' },
        ],
      },
    },
  ];
  if (options.defaultRevision === true) {
    webhooks.push({
      name: 'namespace.sidecar-injector.istio.io',
      namespaceSelector: {
        matchExpressions: [{ key: 'istio-injection', operator: 'In', values: ['enabled'] }],
      },
    });
  }
  return {
    metadata: {
      name: options.name ?? `istio-sidecar-injector-${revision}`,
      labels: { 'istio.io/rev': revision, app: 'sidecar-injector' },
    },
    webhooks,
  };
}

function tagMwc(tag: string, revision: string): JsonObject {
  return {
    metadata: {
      name: `istio-revision-tag-${tag}`,
      labels: { 'istio.io/rev': revision, 'istio.io/tag': tag },
    },
    webhooks: [
      {
        name: 'rev.namespace.sidecar-injector.istio.io',
        namespaceSelector: {
          matchExpressions: [
            { key: 'istio.io/rev', operator: 'In', values: [tag] },
            { key: 'istio-injection', operator: 'DoesNotExist' },
          ],
        },
      },
    ],
  };
}

function configs(...mwcs: JsonObject[]): InjectorWebhookConfig[] {
  return mwcs.map(injectorWebhookConfig).filter((c): c is InjectorWebhookConfig => c !== undefined);
}

describe('injectorWebhookConfig', () => {
  it('ignores MWCs without an istio.io/rev label', () => {
    assert.equal(injectorWebhookConfig({ metadata: { name: 'other' }, webhooks: [] }), undefined);
  });

  it('reads the revision, the tag and each webhook selector', () => {
    const config = injectorWebhookConfig(tagMwc('prod', 'stable'));
    assert.equal(config?.revision, 'stable');
    assert.equal(config.tag, 'prod');
    assert.equal(config.webhooks.length, 1);
    assert.equal(config.webhooks[0]?.namespaceSelector?.requirements.length, 2);
  });

  it('keeps a malformed selector as a problem instead of throwing', () => {
    const mwc = revisionMwc('canary');
    (mwc.webhooks as JsonObject[])[0]!.namespaceSelector = {
      matchExpressions: [{ key: 'x', operator: 'Near' }],
    };
    const config = injectorWebhookConfig(mwc);
    assert.equal(config?.webhooks[0]?.namespaceSelector, undefined);
    assert.match(config?.webhooks[0]?.selectorProblem ?? '', /rev\.namespace.*operator/);
  });
});

describe('resolveNamespaceRevision', () => {
  const cluster = configs(
    revisionMwc('stable', { defaultRevision: true }),
    revisionMwc('canary'),
    tagMwc('prod', 'stable'),
  );

  const cases: {
    name: string;
    labels: Record<string, string>;
    revision: string | undefined;
    enabled: boolean;
    display: string;
    source?: string;
    problem?: string;
  }[] = [
    {
      name: 'istio.io/rev naming a revision',
      labels: { 'istio.io/rev': 'canary' },
      revision: 'canary',
      enabled: true,
      display: 'canary',
      source: 'istio-sidecar-injector-canary',
    },
    {
      name: 'istio.io/rev naming a tag resolves to the tag MWC revision',
      labels: { 'istio.io/rev': 'prod' },
      revision: 'stable',
      enabled: true,
      display: 'stable',
      source: 'istio-revision-tag-prod',
    },
    {
      name: 'istio-injection=enabled uses the webhook selecting on it',
      labels: { 'istio-injection': 'enabled' },
      revision: 'stable',
      enabled: true,
      display: 'stable',
      source: 'istio-sidecar-injector-stable',
    },
    {
      name: 'istio-injection=enabled wins over istio.io/rev',
      labels: { 'istio-injection': 'enabled', 'istio.io/rev': 'canary' },
      revision: 'stable',
      enabled: true,
      display: 'stable',
    },
    {
      name: 'istio-injection=disabled opts out even with istio.io/rev',
      labels: { 'istio-injection': 'disabled', 'istio.io/rev': 'canary' },
      revision: undefined,
      enabled: false,
      display: 'disabled',
    },
    {
      name: 'no label',
      labels: { team: 'a' },
      revision: undefined,
      enabled: false,
      display: '',
    },
    {
      name: 'a revision nobody serves is MISSING',
      labels: { 'istio.io/rev': 'ghost' },
      revision: undefined,
      enabled: true,
      display: 'MISSING/ghost',
      problem: 'NoInjectorWebhook',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = resolveNamespaceRevision(c.labels, cluster);
      assert.equal(got.revision, c.revision);
      assert.equal(got.enabled, c.enabled);
      assert.equal(revisionDisplay(got), c.display);
      if (c.source !== undefined) assert.equal(got.webhookConfiguration, c.source);
      assert.equal(got.problem, c.problem);
    });
  }

  it('reports MISSING/istio-injection when no webhook selects istio-injection=enabled', () => {
    const got = resolveNamespaceRevision({ 'istio-injection': 'enabled' }, configs(revisionMwc('canary')));
    assert.equal(revisionDisplay(got), 'MISSING/istio-injection');
    assert.equal(got.problem, 'NoInjectorWebhook');
    assert.match(got.message, /istio-injection=enabled/);
  });

  it('does not count the object-level webhook (it selects unlabelled namespaces)', () => {
    const got = resolveNamespaceRevision({}, configs(revisionMwc('canary')));
    assert.equal(got.enabled, false);
    assert.equal(got.webhookConfiguration, undefined);
  });

  it('reports two MWCs serving one label with different revisions, choosing the first by name', () => {
    const got = resolveNamespaceRevision(
      { 'istio.io/rev': 'canary' },
      configs(revisionMwc('canary', { name: 'b-injector' }), {
        ...revisionMwc('canary', { name: 'a-injector' }),
        metadata: { name: 'a-injector', labels: { 'istio.io/rev': 'other' } },
      }),
    );
    assert.equal(got.revision, 'other');
    assert.equal(got.problem, 'ConflictingWebhooks');
    assert.match(got.message, /b-injector \(revision canary\)/);
  });

  it('prefers a webhook on istio-injection over one on istio.io/rev when both labels are set', () => {
    // A hand-written MWC for canary that forgot the DoesNotExist guard still loses to istio-injection's webhook.
    const careless: JsonObject = {
      metadata: { name: 'a-careless', labels: { 'istio.io/rev': 'canary' } },
      webhooks: [
        {
          name: 'rev.namespace.x',
          namespaceSelector: {
            matchExpressions: [{ key: 'istio.io/rev', operator: 'In', values: ['canary'] }],
          },
        },
      ],
    };
    const got = resolveNamespaceRevision(
      { 'istio-injection': 'enabled', 'istio.io/rev': 'canary' },
      configs(careless, revisionMwc('stable', { defaultRevision: true })),
    );
    assert.equal(got.revision, 'stable');
    assert.equal(got.problem, undefined);
  });
});

describe('revisionResolver', () => {
  const cluster = configs(revisionMwc('stable', { defaultRevision: true }), tagMwc('prod', 'stable'));

  it("maps the namespace's own request to the resolved revision and tags through their MWCs", () => {
    const resolution = resolveNamespaceRevision({ 'istio.io/rev': 'prod' }, cluster);
    const resolve = revisionResolver(resolution, cluster);
    assert.equal(resolve('prod'), 'stable');
    assert.equal(resolve('canary'), 'canary');
  });

  it('maps default to the revision serving istio-injection=enabled', () => {
    const resolution = resolveNamespaceRevision({ 'istio-injection': 'enabled' }, cluster);
    assert.equal(revisionResolver(resolution, cluster)('default'), 'stable');
  });

  it('leaves names alone when nothing resolves', () => {
    const resolution = resolveNamespaceRevision({ 'istio.io/rev': 'ghost' }, cluster);
    assert.equal(revisionResolver(resolution, cluster)('ghost'), 'ghost');
  });
});
