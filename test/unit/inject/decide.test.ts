import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classifyPod,
  hasSidecar,
  injectRequired,
  namespaceInjection,
  podRevision,
  selectPod,
  type ClassifierConfig,
  type InjectionPolicyConfig,
  type NamespaceInjection,
} from '../../../src/inject/decide.ts';
import { parseInjectorConfigText } from '../../../src/inject/config.ts';
import type { JsonObject, JsonValue } from '../../../src/inject/types.ts';

interface PodShape {
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  hostNetwork?: boolean;
  containers?: string[];
  initContainers?: string[];
}

function pod(shape: PodShape = {}): JsonObject {
  const metadata: JsonObject = { name: 'app-1', namespace: shape.namespace ?? 'shop' };
  if (shape.labels !== undefined) metadata.labels = shape.labels;
  if (shape.annotations !== undefined) metadata.annotations = shape.annotations;
  const spec: JsonObject = {
    containers: (shape.containers ?? ['app']).map((name) => ({ name, image: `${name}:1` })),
  };
  if (shape.initContainers !== undefined)
    spec.initContainers = shape.initContainers.map((name) => ({ name }));
  if (shape.hostNetwork !== undefined) spec.hostNetwork = shape.hostNetwork;
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec };
}

const enabled: InjectionPolicyConfig = { policy: 'enabled' };
const disabled: InjectionPolicyConfig = { policy: 'disabled' };
const never = (selector: JsonValue): InjectionPolicyConfig => ({
  policy: 'enabled',
  neverInjectSelector: [selector],
});
const always = (selector: JsonValue): InjectionPolicyConfig => ({
  policy: 'disabled',
  alwaysInjectSelector: [selector],
});

describe('injectRequired', () => {
  const cases: readonly {
    name: string;
    pod: JsonObject;
    config: InjectionPolicyConfig;
    inject: boolean;
    reason: string;
  }[] = [
    {
      name: 'enabled policy, nothing said',
      pod: pod(),
      config: enabled,
      inject: true,
      reason: 'policyEnabled',
    },
    {
      name: 'disabled policy, nothing said',
      pod: pod(),
      config: disabled,
      inject: false,
      reason: 'policyDisabled',
    },
    {
      name: 'enabled policy, annotation false',
      pod: pod({ annotations: { 'sidecar.istio.io/inject': 'false' } }),
      config: enabled,
      inject: false,
      reason: 'podOptOut',
    },
    {
      name: 'enabled policy, annotation true',
      pod: pod({ annotations: { 'sidecar.istio.io/inject': 'true' } }),
      config: enabled,
      inject: true,
      reason: 'podOptIn',
    },
    {
      name: 'disabled policy, annotation true',
      pod: pod({ annotations: { 'sidecar.istio.io/inject': 'true' } }),
      config: disabled,
      inject: true,
      reason: 'podOptIn',
    },
    {
      name: 'disabled policy, label true',
      pod: pod({ labels: { 'sidecar.istio.io/inject': 'true' } }),
      config: disabled,
      inject: true,
      reason: 'podOptIn',
    },
    {
      name: 'disabled policy, annotation false',
      pod: pod({ annotations: { 'sidecar.istio.io/inject': 'false' } }),
      config: disabled,
      inject: false,
      reason: 'podOptOut',
    },
    {
      name: 'hostNetwork wins over an explicit opt-in',
      pod: pod({ hostNetwork: true, labels: { 'sidecar.istio.io/inject': 'true' } }),
      config: enabled,
      inject: false,
      reason: 'hostNetwork',
    },
    {
      name: 'hostNetwork false is ignored',
      pod: pod({ hostNetwork: false }),
      config: enabled,
      inject: true,
      reason: 'policyEnabled',
    },
    {
      name: 'kube-system is ignored even when the pod opts in',
      pod: pod({ namespace: 'kube-system', annotations: { 'sidecar.istio.io/inject': 'true' } }),
      config: enabled,
      inject: false,
      reason: 'ignoredNamespace',
    },
    {
      name: 'kube-public is ignored',
      pod: pod({ namespace: 'kube-public' }),
      config: enabled,
      inject: false,
      reason: 'ignoredNamespace',
    },
    {
      name: 'kube-node-lease is ignored',
      pod: pod({ namespace: 'kube-node-lease' }),
      config: enabled,
      inject: false,
      reason: 'ignoredNamespace',
    },
    {
      name: 'local-path-storage is ignored',
      pod: pod({ namespace: 'local-path-storage' }),
      config: enabled,
      inject: false,
      reason: 'ignoredNamespace',
    },
    {
      name: 'label wins over annotation (label false, annotation true)',
      pod: pod({
        labels: { 'sidecar.istio.io/inject': 'false' },
        annotations: { 'sidecar.istio.io/inject': 'true' },
      }),
      config: enabled,
      inject: false,
      reason: 'podOptOut',
    },
    {
      name: 'label wins over annotation (label true, annotation false)',
      pod: pod({
        labels: { 'sidecar.istio.io/inject': 'true' },
        annotations: { 'sidecar.istio.io/inject': 'false' },
      }),
      config: disabled,
      inject: true,
      reason: 'podOptIn',
    },
    {
      name: 'an empty label still hides the annotation',
      pod: pod({
        labels: { 'sidecar.istio.io/inject': '' },
        annotations: { 'sidecar.istio.io/inject': 'false' },
      }),
      config: enabled,
      inject: true,
      reason: 'policyEnabled',
    },
    {
      name: 'uppercase TRUE is not understood: default policy applies',
      pod: pod({ annotations: { 'sidecar.istio.io/inject': 'TRUE' } }),
      config: disabled,
      inject: false,
      reason: 'policyDisabled',
    },
    {
      name: '"yes" is not understood under enabled policy',
      pod: pod({ labels: { 'sidecar.istio.io/inject': 'yes' } }),
      config: enabled,
      inject: true,
      reason: 'policyEnabled',
    },
    {
      name: 'neverInjectSelector matches',
      pod: pod({ labels: { 'openshift.io/build.name': 'b1' } }),
      config: never({ matchExpressions: [{ key: 'openshift.io/build.name', operator: 'Exists' }] }),
      inject: false,
      reason: 'neverInjectSelector',
    },
    {
      name: 'neverInjectSelector does not match',
      pod: pod({ labels: { app: 'web' } }),
      config: never({ matchLabels: { app: 'db' } }),
      inject: true,
      reason: 'policyEnabled',
    },
    {
      name: 'alwaysInjectSelector matches under disabled policy',
      pod: pod({ labels: { app: 'web' } }),
      config: always({ matchLabels: { app: 'web' } }),
      inject: true,
      reason: 'alwaysInjectSelector',
    },
    {
      name: 'alwaysInjectSelector does not match',
      pod: pod({ labels: { app: 'db' } }),
      config: always({ matchLabels: { app: 'web' } }),
      inject: false,
      reason: 'policyDisabled',
    },
    {
      name: 'never beats always',
      pod: pod({ labels: { app: 'web' } }),
      config: {
        policy: 'enabled',
        neverInjectSelector: [{ matchLabels: { app: 'web' } }],
        alwaysInjectSelector: [{ matchLabels: { app: 'web' } }],
      },
      inject: false,
      reason: 'neverInjectSelector',
    },
    {
      name: 'an explicit opt-in beats neverInjectSelector',
      pod: pod({ labels: { app: 'web' }, annotations: { 'sidecar.istio.io/inject': 'true' } }),
      config: never({ matchLabels: { app: 'web' } }),
      inject: true,
      reason: 'podOptIn',
    },
    {
      name: 'an explicit opt-out beats alwaysInjectSelector',
      pod: pod({ labels: { app: 'web', 'sidecar.istio.io/inject': 'false' } }),
      config: always({ matchLabels: { app: 'web' } }),
      inject: false,
      reason: 'podOptOut',
    },
    {
      name: 'an empty never selector matches nothing',
      pod: pod({ labels: { app: 'web' } }),
      config: never({}),
      inject: true,
      reason: 'policyEnabled',
    },
    {
      name: 'an empty always selector matches nothing',
      pod: pod({ labels: { app: 'web' } }),
      config: always({}),
      inject: false,
      reason: 'policyDisabled',
    },
    {
      name: 'selectors are ORed: the second one matches',
      pod: pod({ labels: { tier: 'batch' } }),
      config: {
        policy: 'enabled',
        neverInjectSelector: [{ matchLabels: { app: 'web' } }, { matchLabels: { tier: 'batch' } }],
      },
      inject: false,
      reason: 'neverInjectSelector',
    },
    {
      name: 'an invalid never selector is skipped',
      pod: pod({ labels: { app: 'web' } }),
      config: never({ matchExpressions: [{ key: 'app', operator: 'Equals', values: ['web'] }] }),
      inject: true,
      reason: 'policyEnabled',
    },
    {
      name: 'an unknown policy disables injection even for an explicit opt-in',
      pod: pod({ annotations: { 'sidecar.istio.io/inject': 'true' } }),
      config: { policy: 'on' },
      inject: false,
      reason: 'policyInvalid',
    },
    {
      name: 'an empty policy disables injection',
      pod: pod(),
      config: { policy: '' },
      inject: false,
      reason: 'policyInvalid',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const decision = injectRequired(c.pod, c.config);
      assert.equal(decision.inject, c.inject);
      assert.equal(decision.reason, c.reason);
    });
  }

  it('names the pod and the cause in the message', () => {
    const decision = injectRequired(pod({ annotations: { 'sidecar.istio.io/inject': 'false' } }), enabled);
    assert.equal(
      decision.message,
      'pod shop/app-1: skip: the pod\'s sidecar.istio.io/inject annotation is "false"',
    );
  });

  it('shows a generated name when the pod has no name yet, and takes the request namespace', () => {
    const p: JsonObject = { metadata: { generateName: 'web-7d9f-' }, spec: { hostNetwork: true } };
    const decision = injectRequired(p, enabled, { namespace: 'shop' });
    assert.match(decision.message, /^pod shop\/web-7d9f-<generated>: skip: hostNetwork/);
  });

  it('uses the request namespace for the ignored-namespace check', () => {
    const p: JsonObject = { metadata: { name: 'x' }, spec: {} };
    assert.equal(injectRequired(p, enabled, { namespace: 'kube-system' }).reason, 'ignoredNamespace');
  });

  it('accepts a custom ignored namespace list', () => {
    const decision = injectRequired(pod({ namespace: 'platform' }), enabled, {
      ignoredNamespaces: ['platform'],
    });
    assert.equal(decision.reason, 'ignoredNamespace');
    assert.equal(
      injectRequired(pod({ namespace: 'kube-system' }), enabled, { ignoredNamespaces: [] }).inject,
      true,
    );
  });

  it('warns about a value it does not understand', () => {
    const decision = injectRequired(pod({ annotations: { 'sidecar.istio.io/inject': 'True' } }), enabled);
    assert.equal(decision.warnings.length, 1);
    assert.match(decision.warnings[0] ?? '', /annotation has value "True"; only "true" and "false"/);
  });

  it('warns about an invalid selector, naming its index', () => {
    const decision = injectRequired(pod(), {
      policy: 'enabled',
      neverInjectSelector: [
        { matchLabels: { a: 'b' } },
        { matchExpressions: [{ key: 'k', operator: 'In' }] },
      ],
    });
    assert.deepEqual(decision.warnings, [
      'ignoring invalid neverInjectSelector[1].matchExpressions[0].values: must not be empty for operator In',
    ]);
  });

  it('does not evaluate selectors for a pod that decides for itself', () => {
    const decision = injectRequired(pod({ labels: { 'sidecar.istio.io/inject': 'false' } }), never('bad'));
    assert.deepEqual(decision.warnings, []);
  });

  it("takes the loaded injector config as is (the seed's OpenShift neverInjectSelector)", () => {
    const config = parseInjectorConfigText(
      [
        'policy: enabled',
        'neverInjectSelector:',
        '  - matchExpressions:',
        '    - {key: openshift.io/build.name, operator: Exists}',
        '  - matchExpressions:',
        '    - {key: openshift.io/deployer-pod-for.name, operator: Exists}',
        "template: '{}'",
      ].join('\n'),
      'config',
    );
    const deployer = pod({ labels: { 'openshift.io/deployer-pod-for.name': 'app-1' } });
    assert.equal(injectRequired(deployer, config).reason, 'neverInjectSelector');
    assert.equal(
      injectRequired(deployer, config).message,
      "pod shop/app-1: skip: the pod's labels match neverInjectSelector[1]",
    );
    assert.equal(injectRequired(pod(), config).reason, 'policyEnabled');
  });

  it('does not modify the pod', () => {
    const p = pod({ labels: { app: 'web' } });
    const before = structuredClone(p);
    injectRequired(p, never({ matchLabels: { app: 'web' } }));
    assert.deepEqual(p, before);
  });
});

describe('namespaceInjection', () => {
  const cases: readonly { name: string; labels: Record<string, string>; want: NamespaceInjection }[] = [
    { name: 'no labels', labels: {}, want: { enabled: false, revision: undefined, via: 'none' } },
    {
      name: 'istio-injection=enabled',
      labels: { 'istio-injection': 'enabled' },
      want: { enabled: true, revision: 'default', via: 'istio-injection' },
    },
    {
      name: 'istio-injection=disabled',
      labels: { 'istio-injection': 'disabled' },
      want: { enabled: false, revision: undefined, via: 'istio-injection' },
    },
    {
      name: 'istio-injection=enabled wins over istio.io/rev',
      labels: { 'istio-injection': 'enabled', 'istio.io/rev': 'canary' },
      want: { enabled: true, revision: 'default', via: 'istio-injection' },
    },
    {
      name: 'istio-injection=disabled opts out despite istio.io/rev',
      labels: { 'istio-injection': 'disabled', 'istio.io/rev': 'canary' },
      want: { enabled: false, revision: undefined, via: 'istio-injection' },
    },
    {
      name: 'any other istio-injection value opts out',
      labels: { 'istio-injection': 'Enabled' },
      want: { enabled: false, revision: undefined, via: 'istio-injection' },
    },
    {
      name: 'istio.io/rev names a revision',
      labels: { 'istio.io/rev': 'canary' },
      want: { enabled: true, revision: 'canary', via: 'istio.io/rev' },
    },
    {
      name: 'istio.io/rev=default',
      labels: { 'istio.io/rev': 'default' },
      want: { enabled: true, revision: 'default', via: 'istio.io/rev' },
    },
    {
      name: 'an empty istio.io/rev matches no webhook',
      labels: { 'istio.io/rev': '' },
      want: { enabled: false, revision: undefined, via: 'istio.io/rev' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(namespaceInjection(c.labels), c.want);
    });
  }
});

describe('selectPod', () => {
  const none = namespaceInjection({});
  it('a namespace selection skips pods labelled inject=false', () => {
    const selection = selectPod(namespaceInjection({ 'istio.io/rev': 'canary' }), {
      'sidecar.istio.io/inject': 'false',
    });
    assert.deepEqual(selection.selected ? undefined : selection.reason, 'podOptOut');
  });
  it('a namespace selection takes pods with any other inject label', () => {
    assert.deepEqual(
      selectPod(namespaceInjection({ 'istio.io/rev': 'canary' }), { 'sidecar.istio.io/inject': 'yes' }),
      {
        selected: true,
        revision: 'canary',
        via: 'namespace',
      },
    );
  });
  it('an opted-out namespace blocks pod-level opt-in', () => {
    const selection = selectPod(namespaceInjection({ 'istio-injection': 'disabled' }), {
      'sidecar.istio.io/inject': 'true',
    });
    assert.equal(selection.selected ? 'selected' : selection.reason, 'namespaceOptedOut');
  });
  it('in an unlabelled namespace, a pod istio.io/rev label selects that revision', () => {
    assert.deepEqual(selectPod(none, { 'istio.io/rev': 'canary' }), {
      selected: true,
      revision: 'canary',
      via: 'podRevisionLabel',
    });
  });
  it('in an unlabelled namespace, inject=true selects the default revision', () => {
    assert.deepEqual(selectPod(none, { 'sidecar.istio.io/inject': 'true' }), {
      selected: true,
      revision: 'default',
      via: 'podInjectLabel',
    });
  });
  it('in an unlabelled namespace, a pod revision label with inject=false is skipped', () => {
    const selection = selectPod(none, { 'istio.io/rev': 'canary', 'sidecar.istio.io/inject': 'false' });
    assert.equal(selection.selected ? 'selected' : selection.reason, 'podOptOut');
  });
  it('in an unlabelled namespace, a pod without opt-in labels is not selected', () => {
    const selection = selectPod(none, { app: 'web' });
    assert.equal(selection.selected ? 'selected' : selection.reason, 'namespaceNotEnabled');
  });
});

const statusDefault = JSON.stringify({
  initContainers: ['istio-init'],
  containers: ['istio-proxy'],
  volumes: ['istio-envoy'],
  imagePullSecrets: null,
  revision: 'default',
});
const statusOf = (revision: string): string => statusDefault.replace('"default"', JSON.stringify(revision));

function injectedPod(revision: string, extra: PodShape = {}): JsonObject {
  return pod({
    ...extra,
    labels: { 'istio.io/rev': revision, ...extra.labels },
    annotations: { 'sidecar.istio.io/status': statusOf(revision), ...extra.annotations },
    containers: ['app', 'istio-proxy'],
    initContainers: ['istio-init'],
  });
}

describe('hasSidecar and podRevision', () => {
  it('an injected pod has a sidecar', () => {
    assert.equal(hasSidecar(injectedPod('default')), true);
  });
  it('a native-sidecar pod (proxy in initContainers) has a sidecar', () => {
    const p = pod({
      annotations: {
        'sidecar.istio.io/status': JSON.stringify({
          initContainers: ['istio-init', 'istio-proxy'],
          containers: null,
        }),
      },
      initContainers: ['istio-init', 'istio-proxy'],
    });
    assert.equal(hasSidecar(p), true);
  });
  it('an istio-proxy container without the status annotation is a customisation, not a sidecar', () => {
    assert.equal(hasSidecar(pod({ containers: ['app', 'istio-proxy'] })), false);
  });
  it('a status annotation whose containers are gone is not a sidecar', () => {
    assert.equal(hasSidecar(pod({ annotations: { 'sidecar.istio.io/status': statusDefault } })), false);
  });
  it('an unreadable status falls back to looking for istio-proxy', () => {
    const withProxy = pod({
      annotations: { 'sidecar.istio.io/status': '{not json' },
      containers: ['istio-proxy'],
    });
    assert.equal(hasSidecar(withProxy), true);
    assert.equal(hasSidecar(pod({ annotations: { 'sidecar.istio.io/status': '{not json' } })), false);
  });
  it('reads the revision from the istio.io/rev annotation first', () => {
    const p = injectedPod('stable', { annotations: { 'istio.io/rev': 'canary' } });
    assert.equal(podRevision(p), 'canary');
  });
  it('then from the istio.io/rev label', () => {
    assert.equal(podRevision(injectedPod('stable')), 'stable');
  });
  it('then from the status annotation', () => {
    const p = pod({
      annotations: { 'sidecar.istio.io/status': statusOf('canary') },
      containers: ['istio-proxy'],
    });
    assert.equal(podRevision(p), 'canary');
  });
  it('is undefined when nothing records it', () => {
    assert.equal(
      podRevision(pod({ annotations: { 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}' } })),
      undefined,
    );
  });
});

describe('classifyPod', () => {
  const config: ClassifierConfig = { policy: 'enabled' };
  const cases: readonly {
    name: string;
    pod: JsonObject;
    namespace: Record<string, string>;
    config?: ClassifierConfig;
    state: string;
    reason: string;
  }[] = [
    {
      name: 'sidecar of the wanted default revision',
      pod: injectedPod('default'),
      namespace: { 'istio-injection': 'enabled' },
      state: 'injected',
      reason: 'current',
    },
    {
      name: 'no sidecar in an enabled namespace',
      pod: pod(),
      namespace: { 'istio-injection': 'enabled' },
      state: 'missing',
      reason: 'sidecarMissing',
    },
    {
      name: 'sidecar from another revision',
      pod: injectedPod('stable'),
      namespace: { 'istio.io/rev': 'canary' },
      state: 'stale',
      reason: 'revisionMismatch',
    },
    {
      name: 'sidecar of the namespace revision',
      pod: injectedPod('canary'),
      namespace: { 'istio.io/rev': 'canary' },
      state: 'injected',
      reason: 'current',
    },
    {
      name: 'istio-injection=enabled beats the revision label: a canary sidecar is stale',
      pod: injectedPod('canary'),
      namespace: { 'istio-injection': 'enabled', 'istio.io/rev': 'canary' },
      state: 'stale',
      reason: 'revisionMismatch',
    },
    {
      name: 'sidecar in an opted-out namespace',
      pod: injectedPod('default'),
      namespace: { 'istio-injection': 'disabled' },
      state: 'stale',
      reason: 'namespaceOptedOut',
    },
    {
      name: 'sidecar left behind after the namespace lost its label',
      pod: injectedPod('canary'),
      namespace: {},
      state: 'stale',
      reason: 'namespaceNotEnabled',
    },
    {
      name: 'no sidecar in an unlabelled namespace',
      pod: pod(),
      namespace: {},
      state: 'excluded',
      reason: 'namespaceNotEnabled',
    },
    {
      name: 'no sidecar in an opted-out namespace',
      pod: pod(),
      namespace: { 'istio-injection': 'disabled' },
      state: 'excluded',
      reason: 'namespaceOptedOut',
    },
    {
      name: 'pod opts out by annotation',
      pod: pod({ annotations: { 'sidecar.istio.io/inject': 'false' } }),
      namespace: { 'istio-injection': 'enabled' },
      state: 'excluded',
      reason: 'podOptOut',
    },
    {
      name: 'pod opts out by label',
      pod: pod({ labels: { 'sidecar.istio.io/inject': 'false' } }),
      namespace: { 'istio.io/rev': 'canary' },
      state: 'excluded',
      reason: 'podOptOut',
    },
    {
      name: 'hostNetwork pod',
      pod: pod({ hostNetwork: true }),
      namespace: { 'istio-injection': 'enabled' },
      state: 'excluded',
      reason: 'hostNetwork',
    },
    {
      name: 'neverInjectSelector',
      pod: pod({ labels: { job: 'build' } }),
      namespace: { 'istio-injection': 'enabled' },
      config: { policy: 'enabled', neverInjectSelector: [{ matchLabels: { job: 'build' } }] },
      state: 'excluded',
      reason: 'neverInjectSelector',
    },
    {
      name: 'a sidecar on a pod that now opts out is stale',
      pod: injectedPod('default', { annotations: { 'sidecar.istio.io/inject': 'false' } }),
      namespace: { 'istio-injection': 'enabled' },
      state: 'stale',
      reason: 'podOptOut',
    },
    {
      name: 'ignored namespace',
      pod: pod({ namespace: 'kube-system' }),
      namespace: { 'istio-injection': 'enabled' },
      state: 'excluded',
      reason: 'ignoredNamespace',
    },
    {
      name: 'disabled policy without opt-in',
      pod: pod(),
      namespace: { 'istio-injection': 'enabled' },
      config: { policy: 'disabled' },
      state: 'excluded',
      reason: 'policyDisabled',
    },
    {
      name: 'object-level opt-in (inject=true) in an unlabelled namespace, not yet injected',
      pod: pod({ labels: { 'sidecar.istio.io/inject': 'true' } }),
      namespace: {},
      state: 'missing',
      reason: 'sidecarMissing',
    },
    {
      name: 'object-level opt-in (inject=true) in an unlabelled namespace, injected',
      pod: injectedPod('default', { labels: { 'sidecar.istio.io/inject': 'true' } }),
      namespace: {},
      state: 'injected',
      reason: 'current',
    },
    {
      name: 'object-level revision label in an unlabelled namespace, not yet injected',
      pod: pod({ labels: { 'istio.io/rev': 'canary' } }),
      namespace: {},
      state: 'missing',
      reason: 'sidecarMissing',
    },
    {
      name: 'a revision tag resolved to the revision the pod carries',
      pod: injectedPod('1-20'),
      namespace: { 'istio.io/rev': 'prod' },
      config: { policy: 'enabled', resolveRevision: (r) => (r === 'prod' ? '1-20' : r) },
      state: 'injected',
      reason: 'current',
    },
    {
      name: 'a sidecar that records no revision counts as the default revision',
      pod: pod({
        annotations: { 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}' },
        containers: ['istio-proxy'],
      }),
      namespace: { 'istio-injection': 'enabled' },
      state: 'injected',
      reason: 'current',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = classifyPod(c.pod, namespaceInjection(c.namespace), c.config ?? config);
      assert.equal(result.state, c.state, result.message);
      assert.equal(result.reason, c.reason, result.message);
    });
  }

  it('reports wanted and actual revisions and a readable message', () => {
    const result = classifyPod(
      injectedPod('stable'),
      namespaceInjection({ 'istio.io/rev': 'canary' }),
      config,
    );
    assert.equal(result.wantedRevision, 'canary');
    assert.equal(result.podRevision, 'stable');
    assert.equal(
      result.message,
      'pod shop/app-1: has a sidecar from revision stable but revision canary is wanted',
    );
  });

  it('agrees with injectRequired for every pod the namespace selects', () => {
    const pods = [
      pod(),
      pod({ hostNetwork: true }),
      pod({ annotations: { 'sidecar.istio.io/inject': 'false' } }),
      pod({ labels: { job: 'build' } }),
      pod({ namespace: 'kube-public' }),
    ];
    const cfg: ClassifierConfig = {
      policy: 'enabled',
      neverInjectSelector: [{ matchLabels: { job: 'build' } }],
    };
    for (const p of pods) {
      const decision = injectRequired(p, cfg);
      const result = classifyPod(p, namespaceInjection({ 'istio-injection': 'enabled' }), cfg);
      assert.equal(result.state === 'missing', decision.inject);
      if (!decision.inject) assert.equal(result.reason, decision.reason);
    }
  });
});
