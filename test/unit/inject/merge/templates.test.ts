import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  TemplateMergeError,
  mergeTemplates,
  templateOverlay,
} from '../../../../src/inject/merge/templates.ts';
import type { JsonObject } from '../../../../src/inject/types.ts';

const userPod: JsonObject = {
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    containers: [{ name: 'web', image: 'web:1' }],
    volumes: [{ name: 'data', emptyDir: {} }],
  },
};

describe('mergeTemplates', () => {
  it('merges each template onto the template pod and onto the original pod, in order', () => {
    const before = structuredClone(userPod);
    const { mergedPod, templatePod } = mergeTemplates(userPod, [
      {
        name: 'sidecar',
        output: {
          metadata: { labels: { 'security.istio.io/tlsMode': 'istio' } },
          spec: {
            initContainers: [{ name: 'istio-init' }],
            containers: [{ name: 'istio-proxy', image: 'proxyv2' }],
            volumes: [{ name: 'istio-envoy', emptyDir: { medium: 'Memory' } }],
          },
        },
      },
      {
        name: 'extra',
        output: {
          spec: {
            containers: [
              { name: 'istio-proxy', args: ['proxy'] },
              { name: 'web', tty: true },
            ],
          },
        },
      },
    ]);
    assert.deepEqual(templatePod, {
      metadata: { labels: { 'security.istio.io/tlsMode': 'istio' } },
      spec: {
        initContainers: [{ name: 'istio-init' }],
        containers: [
          { name: 'istio-proxy', image: 'proxyv2', args: ['proxy'] },
          { name: 'web', tty: true },
        ],
        volumes: [{ name: 'istio-envoy', emptyDir: { medium: 'Memory' } }],
      },
    });
    assert.deepEqual(mergedPod, {
      metadata: { name: 'web', labels: { app: 'web', 'security.istio.io/tlsMode': 'istio' } },
      spec: {
        initContainers: [{ name: 'istio-init' }],
        containers: [
          { name: 'istio-proxy', image: 'proxyv2', args: ['proxy'] },
          { name: 'web', image: 'web:1', tty: true },
        ],
        volumes: [
          { name: 'istio-envoy', emptyDir: { medium: 'Memory' } },
          { name: 'data', emptyDir: {} },
        ],
      },
    });
    assert.deepEqual(userPod, before);
  });

  const nativeTemplate = {
    name: 'sidecar',
    output: {
      spec: {
        initContainers: [
          { name: 'istio-init', image: 'proxyv2' },
          { name: 'istio-proxy', image: 'proxyv2', restartPolicy: 'Always' },
        ],
      },
    },
  };
  const podWithOwnProxy: JsonObject = {
    spec: {
      containers: [
        { name: 'web', image: 'web:1' },
        { name: 'istio-proxy', image: 'auto', resources: { limits: { cpu: '2' } } },
      ],
    },
  };

  it('native sidecars: the user’s istio-proxy follows the template into the init containers', () => {
    const { mergedPod } = mergeTemplates(podWithOwnProxy, [nativeTemplate]);
    assert.deepEqual(mergedPod.spec, {
      containers: [{ name: 'web', image: 'web:1' }],
      initContainers: [
        { name: 'istio-init', image: 'proxyv2' },
        {
          name: 'istio-proxy',
          image: 'proxyv2',
          restartPolicy: 'Always',
          resources: { limits: { cpu: '2' } },
        },
      ],
    });
  });

  it('the move can be turned off, leaving two istio-proxy containers as Istio would', () => {
    const { mergedPod } = mergeTemplates(podWithOwnProxy, [nativeTemplate], {
      moveProxyForNativeSidecars: false,
    });
    const spec = mergedPod.spec as JsonObject;
    assert.equal((spec.containers as JsonObject[]).length, 2);
    assert.equal((spec.initContainers as JsonObject[]).length, 2);
  });

  it('an empty rendered document changes nothing', () => {
    const { mergedPod, templatePod } = mergeTemplates(userPod, [{ name: 'empty', output: null }]);
    assert.deepEqual(mergedPod, userPod);
    assert.notEqual(mergedPod, userPod);
    assert.deepEqual(templatePod, {});
  });

  it('wraps merge errors with the template name', () => {
    assert.throws(
      () => mergeTemplates(userPod, [{ name: 'broken', output: { spec: { containers: [{ image: 'x' }] } } }]),
      (error: unknown) => {
        assert.ok(error instanceof TemplateMergeError);
        assert.equal(error.template, 'broken');
        assert.equal(
          error.message,
          'template "broken": cannot merge its output onto the injected parts: strategic merge at spec.containers[0]: patch item has no merge key "name"',
        );
        return true;
      },
    );
  });
});

describe('templateOverlay', () => {
  const bad: [output: unknown, reason: string][] = [
    ['just text', 'rendered a string, want a mapping with pod fields'],
    [[{ name: 'x' }], 'rendered a list, want a mapping with pod fields'],
    [
      { metadata: { annotations: { when: new Date(0) } } },
      'rendered output: metadata.annotations.when is a YAML timestamp (quote it to keep a string), not plain JSON',
    ],
    [{ spec: { priority: Number.NaN } }, 'rendered output: spec.priority is NaN, which JSON cannot hold'],
  ];
  for (const [output, reason] of bad) {
    it(`rejects ${reason}`, () => {
      assert.throws(
        () => templateOverlay({ name: 'sidecar', output }),
        (error: unknown) => {
          assert.ok(error instanceof TemplateMergeError);
          assert.equal(error.reason, reason);
          assert.equal(error.message, `template "sidecar": ${reason}`);
          return true;
        },
      );
    });
  }

  it('accepts plain mappings, and undefined as an empty document', () => {
    assert.deepEqual(templateOverlay({ name: 't', output: { spec: {} } }), { spec: {} });
    assert.deepEqual(templateOverlay({ name: 't', output: undefined }), {});
  });
});
