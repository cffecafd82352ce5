import { Annotation } from '../../../src/inject/annotations.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeTemplates } from '../../../src/inject/merge/templates.ts';
import {
  OverridesError,
  formatOverrides,
  moveUserProxyToInitContainers,
  reapplyOverwrittenContainers,
  readOverrides,
  reinsertOverrides,
  stripPod,
} from '../../../src/inject/overrides.ts';
import { reorderPod } from '../../../src/inject/reorder.ts';
import { statusAnnotationFor } from '../../../src/inject/status.ts';
import { type JsonObject, isJsonObject } from '../../../src/inject/types.ts';

const STATUS =
  '{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["istio-envoy"],"imagePullSecrets":null,"revision":"default"}';

const spec = (pod: JsonObject): JsonObject => pod.spec as JsonObject;
const annotations = (pod: JsonObject): JsonObject => (pod.metadata as JsonObject).annotations as JsonObject;
const namesOf = (pod: JsonObject, field: string): string[] =>
  ((spec(pod)[field] ?? []) as JsonObject[]).map((c) => c.name as string);
const container = (pod: JsonObject, field: string, name: string): JsonObject =>
  (spec(pod)[field] as JsonObject[]).find((c) => c.name === name)!;

describe('stripPod', () => {
  const injected: JsonObject = {
    metadata: {
      annotations: {
        [Annotation.status]: STATUS,
        'prometheus.io/port': '15020',
        'prometheus.io/path': '/stats/prometheus',
        'prometheus-io/scrape': 'true',
        'sidecar.istio.io/proxyCPU': '100m',
      },
    },
    spec: {
      initContainers: [{ name: 'istio-init' }, { name: 'migrate' }],
      containers: [{ name: 'app' }, { name: 'istio-proxy' }, { name: 'istio-proxy' }],
      volumes: [{ name: 'istio-envoy' }, { name: 'data' }],
    },
  };

  it('removes what the status lists, the injected prometheus annotations and the status itself', () => {
    const before = structuredClone(injected);
    const stripped = stripPod(injected, { statusPort: 15020 });
    assert.deepEqual(stripped, {
      metadata: { annotations: { 'sidecar.istio.io/proxyCPU': '100m' } },
      spec: {
        initContainers: [{ name: 'migrate' }],
        containers: [{ name: 'app' }],
        volumes: [{ name: 'istio-envoy' }, { name: 'data' }],
      },
    });
    assert.deepEqual(injected, before);
  });

  it('keeps prometheus annotations that point elsewhere', () => {
    const stripped = stripPod(injected, { statusPort: 15021 });
    assert.equal(annotations(stripped)['prometheus.io/port'], '15020');
    assert.equal(annotations(stripped)['prometheus-io/scrape'], 'true');
    assert.equal(annotations(stripped)[Annotation.status], undefined);
  });

  it('leaves a pod without a readable status as it is', () => {
    const garbled = structuredClone(injected);
    annotations(garbled)[Annotation.status] = '{not json';
    assert.deepEqual(stripPod(garbled, { statusPort: 15020 }), garbled);
    const plain: JsonObject = { spec: { containers: [{ name: 'istio-proxy' }] } };
    assert.deepEqual(stripPod(plain, { statusPort: 15020 }), plain);
  });
});

describe('overrides annotation', () => {
  const withOverrides = (value: string): JsonObject => ({
    metadata: { annotations: { [Annotation.proxyOverrides]: value } },
    spec: { containers: [{ name: 'app' }], initContainers: [{ name: 'istio-init', image: 'mine' }] },
  });

  it('reinsertOverrides puts back saved containers missing by name', () => {
    const pod = withOverrides(
      '{"containers":[{"name":"istio-proxy","resources":{"limits":{"cpu":"2"}}},{"name":"app","image":"x"}],"initContainers":[{"name":"istio-init","image":"saved"},{"name":"setup"}]}',
    );
    const result = reinsertOverrides(pod);
    assert.deepEqual(spec(result).containers, [
      { name: 'app' },
      { name: 'istio-proxy', resources: { limits: { cpu: '2' } } },
    ]);
    assert.deepEqual(spec(result).initContainers, [{ name: 'istio-init', image: 'mine' }, { name: 'setup' }]);
    assert.equal(namesOf(pod, 'containers').length, 1, 'the input must not change');
  });

  it('reinsertOverrides without the annotation copies the pod', () => {
    const pod: JsonObject = { spec: { containers: [{ name: 'app' }] } };
    assert.deepEqual(reinsertOverrides(pod), pod);
  });

  const malformed: [value: string, reason: RegExp][] = [
    ['{"containers":[', /^not JSON/],
    ['["x"]', /want a JSON object, got a list/],
    ['{"containers":{"name":"istio-proxy"}}', /"containers" is an object, want a list of containers/],
    ['{"initContainers":["istio-init"]}', /"initContainers"\[0\] is a string, want a container/],
  ];
  for (const [value, reason] of malformed) {
    it(`rejects ${value}`, () => {
      assert.throws(
        () => reinsertOverrides(withOverrides(value)),
        (error: unknown) => {
          assert.ok(error instanceof OverridesError);
          assert.match(error.reason, reason);
          assert.match(error.message, /^invalid proxy\.istio\.io\/overrides annotation: /);
          return true;
        },
      );
    });
  }

  it('formatOverrides writes Go’s field order, drops empty values and always has resources', () => {
    const text = formatOverrides({
      containers: [
        {
          securityContext: { runAsUser: 1000 },
          env: [],
          image: '',
          tty: false,
          name: 'istio-proxy',
          args: ['a'],
          extra: 1,
        },
      ],
      initContainers: [],
    });
    assert.equal(
      text,
      '{"containers":[{"name":"istio-proxy","args":["a"],"resources":{},"securityContext":{"runAsUser":1000},"extra":1}]}',
    );
    assert.deepEqual(
      readOverrides({ metadata: { annotations: { [Annotation.proxyOverrides]: text } } }).containers,
      [{ name: 'istio-proxy', args: ['a'], resources: {}, securityContext: { runAsUser: 1000 }, extra: 1 }],
    );
  });
});

describe('moveUserProxyToInitContainers', () => {
  const merged: JsonObject = {
    spec: { containers: [{ name: 'istio-proxy', image: 'auto' }, { name: 'app' }] },
  };

  it('moves the user’s proxy when the template made it an init container', () => {
    const result = moveUserProxyToInitContainers(merged, {
      spec: { initContainers: [{ name: 'istio-proxy' }] },
    });
    assert.deepEqual(result.spec, {
      containers: [{ name: 'app' }],
      initContainers: [{ name: 'istio-proxy', image: 'auto' }],
    });
    assert.equal(namesOf(merged, 'containers').length, 2, 'the input must not change');
  });

  it('does nothing when the template keeps the proxy among the containers', () => {
    assert.deepEqual(
      moveUserProxyToInitContainers(merged, { spec: { containers: [{ name: 'istio-proxy' }] } }),
      merged,
    );
  });
});

describe('reapplyOverwrittenContainers', () => {
  const templatePod: JsonObject = {
    spec: {
      initContainers: [{ name: 'istio-init', image: 'proxyv2', args: ['istio-iptables', '-u', '1337'] }],
      containers: [
        {
          name: 'istio-proxy',
          image: 'proxyv2',
          resources: { limits: { cpu: '2' }, requests: { cpu: '100m' } },
        },
      ],
    },
  };
  const merge = (original: JsonObject): JsonObject =>
    mergeTemplates(original, [{ name: 's', output: templatePod }]).mergedPod;

  it('the user’s container wins over the template; image auto keeps the template image', () => {
    const original: JsonObject = {
      spec: {
        containers: [
          { name: 'app' },
          { name: 'istio-proxy', image: 'auto', resources: { requests: { cpu: '500m' } }, tty: false },
        ],
      },
    };
    const result = reapplyOverwrittenContainers(merge(original), original, templatePod);
    assert.deepEqual(container(result, 'containers', 'istio-proxy'), {
      name: 'istio-proxy',
      image: 'proxyv2',
      resources: { limits: { cpu: '2' }, requests: { cpu: '500m' } },
      tty: false,
    });
    assert.equal(
      annotations(result)[Annotation.proxyOverrides],
      '{"containers":[{"name":"istio-proxy","resources":{"requests":{"cpu":"500m"}}}]}',
    );
  });

  it('a concrete image from the user wins too', () => {
    const original: JsonObject = { spec: { containers: [{ name: 'istio-proxy', image: 'my/proxy:1' }] } };
    const result = reapplyOverwrittenContainers(merge(original), original, templatePod);
    assert.equal(container(result, 'containers', 'istio-proxy').image, 'my/proxy:1');
  });

  it('without overlapping containers nothing is re-applied or recorded', () => {
    const original: JsonObject = { spec: { containers: [{ name: 'app' }] } };
    const merged = merge(original);
    const result = reapplyOverwrittenContainers(merged, original, templatePod);
    assert.deepEqual(result, merged);
    assert.equal(isJsonObject(result.metadata), false);
  });

  it('containers the previous injection added are not treated as the user’s', () => {
    const original: JsonObject = {
      metadata: { annotations: { [Annotation.status]: STATUS } },
      spec: {
        initContainers: [{ name: 'istio-init', image: 'old', args: ['istio-iptables', '-u', '1337'] }],
        containers: [{ name: 'istio-proxy', image: 'old', env: [{ name: 'OLD', value: '1' }] }],
      },
    };
    const merged = merge(original);
    const result = reapplyOverwrittenContainers(merged, original, templatePod);
    assert.deepEqual(result, merged);
    assert.equal(container(result, 'containers', 'istio-proxy').image, 'proxyv2');
  });

  it('the overrides annotation is preferred to the pod’s container, even for status-listed names', () => {
    const original: JsonObject = {
      metadata: {
        annotations: {
          [Annotation.status]: STATUS,
          [Annotation.proxyOverrides]:
            '{"containers":[{"name":"istio-proxy","resources":{"limits":{"cpu":"4"}}}]}',
        },
      },
      spec: { containers: [{ name: 'istio-proxy', image: 'proxyv2', resources: { limits: { cpu: '3' } } }] },
    };
    const result = reapplyOverwrittenContainers(merge(original), original, templatePod);
    assert.deepEqual(container(result, 'containers', 'istio-proxy').resources, {
      limits: { cpu: '4' },
      requests: { cpu: '100m' },
    });
    // Already injected: the saved annotation is left as the user first wrote it.
    assert.equal(
      annotations(result)[Annotation.proxyOverrides],
      '{"containers":[{"name":"istio-proxy","resources":{"limits":{"cpu":"4"}}}]}',
    );
  });

  it('an init container override is found among the user’s containers too (native sidecars)', () => {
    const nativeTemplate: JsonObject = {
      spec: { initContainers: [{ name: 'istio-proxy', image: 'proxyv2', restartPolicy: 'Always' }] },
    };
    const original: JsonObject = {
      spec: { containers: [{ name: 'app' }, { name: 'istio-proxy', image: 'auto', tty: true }] },
    };
    const { mergedPod } = mergeTemplates(original, [{ name: 's', output: nativeTemplate }]);
    const result = reapplyOverwrittenContainers(mergedPod, original, nativeTemplate);
    assert.deepEqual(spec(result).initContainers, [
      { name: 'istio-proxy', image: 'proxyv2', restartPolicy: 'Always', tty: true },
    ]);
    assert.deepEqual(namesOf(result, 'containers'), ['app']);
    assert.equal(
      annotations(result)[Annotation.proxyOverrides],
      '{"initContainers":[{"name":"istio-proxy","resources":{},"tty":true}]}',
    );
  });

  describe('a uid set on the user’s istio-proxy', () => {
    const userProxy = (securityContext: JsonObject): JsonObject => ({
      spec: { containers: [{ name: 'app' }, { name: 'istio-proxy', image: 'auto', securityContext }] },
    });

    it('replaces the -u argument of istio-init', () => {
      const original = userProxy({ runAsUser: 1000 });
      const result = reapplyOverwrittenContainers(merge(original), original, templatePod);
      assert.deepEqual(container(result, 'initContainers', 'istio-init').args, [
        'istio-iptables',
        '-u',
        '1000',
      ]);
      assert.deepEqual(container(result, 'containers', 'istio-proxy').securityContext, { runAsUser: 1000 });
    });

    it('keeps uid 0 for the proxy in TPROXY mode (mesh setting or pod annotation)', () => {
      const original = userProxy({ runAsUser: 1000 });
      const result = reapplyOverwrittenContainers(merge(original), original, templatePod, {
        interceptionMode: 'TPROXY',
      });
      assert.deepEqual(container(result, 'containers', 'istio-proxy').securityContext, { runAsUser: 0 });
      const annotated: JsonObject = {
        ...original,
        metadata: { annotations: { 'sidecar.istio.io/interceptionMode': 'TPROXY' } },
      };
      const viaAnnotation = reapplyOverwrittenContainers(merge(annotated), annotated, templatePod);
      assert.deepEqual(container(viaAnnotation, 'containers', 'istio-proxy').securityContext, {
        runAsUser: 0,
      });
    });

    it('gives istio-validation the proxy’s uid and gid with CNI', () => {
      const cniTemplate: JsonObject = {
        spec: {
          initContainers: [
            {
              name: 'istio-validation',
              args: ['istio-iptables', '-u', '1337'],
              securityContext: { runAsUser: 1337 },
            },
          ],
          containers: [{ name: 'istio-proxy', image: 'proxyv2' }],
        },
      };
      const original = userProxy({ runAsUser: 2000, runAsGroup: 3000 });
      const { mergedPod } = mergeTemplates(original, [{ name: 's', output: cniTemplate }]);
      const result = reapplyOverwrittenContainers(mergedPod, original, cniTemplate);
      assert.deepEqual(container(result, 'initContainers', 'istio-validation'), {
        name: 'istio-validation',
        args: ['istio-iptables', '-u', '2000'],
        securityContext: { runAsUser: 2000, runAsGroup: 3000 },
      });
    });

    it('a gid alone or uid 0 leaves the iptables owner alone', () => {
      for (const securityContext of [{ runAsGroup: 5 }, { runAsUser: 0 }] as JsonObject[]) {
        const original = userProxy(securityContext);
        const result = reapplyOverwrittenContainers(merge(original), original, templatePod);
        assert.deepEqual(container(result, 'initContainers', 'istio-init').args, [
          'istio-iptables',
          '-u',
          '1337',
        ]);
      }
    });
  });
});

// A whole injection with a stand-in for the template engine, to check that re-injection is a no-op.
describe('injecting twice equals injecting once', () => {
  interface Mode {
    readonly native: boolean;
    readonly hold: boolean;
  }

  // Renders from the stripped pod, as the real templates do (app containers, ports, annotations).
  function render(stripped: JsonObject, mode: Mode): JsonObject {
    const apps = ((spec(stripped).containers ?? []) as JsonObject[])
      .map((c) => c.name as string)
      .filter((name) => name !== 'istio-proxy');
    const proxy: JsonObject = {
      name: 'istio-proxy',
      image: 'docker.io/istio/proxyv2:1.27.0',
      args: ['proxy', 'sidecar', '--domain', '$(POD_NAMESPACE).svc.cluster.local'],
      env: [
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'ISTIO_META_APP_CONTAINERS', value: apps.join(',') },
      ],
      ports: [{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }],
      resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } },
      securityContext: { runAsUser: 1337, runAsGroup: 1337, runAsNonRoot: true },
      volumeMounts: [
        { name: 'istio-envoy', mountPath: '/etc/istio/proxy' },
        { name: 'istio-data', mountPath: '/var/lib/istio/data' },
      ],
    };
    const init: JsonObject = {
      name: 'istio-init',
      image: 'docker.io/istio/proxyv2:1.27.0',
      args: ['istio-iptables', '-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT'],
      securityContext: { runAsUser: 0, capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } },
    };
    return {
      metadata: {
        labels: { 'security.istio.io/tlsMode': 'istio', 'service.istio.io/canonical-name': 'web' },
        annotations: { 'istio.io/rev': 'default', 'kubectl.kubernetes.io/default-container': apps[0] ?? '' },
      },
      spec: {
        ...(mode.native
          ? { initContainers: [init, { ...proxy, restartPolicy: 'Always' }] }
          : { initContainers: [init], containers: [proxy] }),
        volumes: [
          { name: 'istio-envoy', emptyDir: { medium: 'Memory' } },
          { name: 'istio-data', emptyDir: {} },
        ],
      },
    };
  }

  function inject(pod: JsonObject, mode: Mode): JsonObject {
    const stripped = reinsertOverrides(stripPod(pod, { statusPort: 15020 }));
    const { mergedPod, templatePod } = mergeTemplates(pod, [
      { name: 'sidecar', output: render(stripped, mode) },
    ]);
    const result = reapplyOverwrittenContainers(mergedPod, pod, templatePod);
    const metadata = (result.metadata ??= {}) as JsonObject;
    const podAnnotations = (metadata.annotations ??= {}) as JsonObject;
    podAnnotations[Annotation.status] = statusAnnotationFor(templatePod, '');
    return reorderPod(result, { holdApplicationUntilProxyStarts: mode.hold });
  }

  const userPod: JsonObject = {
    metadata: { name: 'web-1', labels: { app: 'web' }, annotations: { team: 'a' } },
    spec: {
      initContainers: [{ name: 'migrate', image: 'migrate:1' }],
      containers: [
        {
          name: 'web',
          image: 'web:1',
          ports: [{ containerPort: 8080 }],
          env: [{ name: 'MODE', value: 'prod' }],
        },
        { name: 'logger', image: 'logger:1' },
      ],
      volumes: [{ name: 'data', emptyDir: {} }],
    },
  };
  const userPodWithProxy: JsonObject = {
    ...userPod,
    spec: {
      ...(userPod.spec as JsonObject),
      containers: [
        ...((userPod.spec as JsonObject).containers as JsonObject[]),
        {
          name: 'istio-proxy',
          image: 'auto',
          resources: { limits: { cpu: '4' } },
          env: [{ name: 'EXTRA', value: 'yes' }],
          securityContext: { runAsUser: 1500 },
        },
      ],
    },
  };

  const modes: [string, Mode][] = [
    ['sidecar container', { native: false, hold: false }],
    ['sidecar container, hold', { native: false, hold: true }],
    ['native sidecar', { native: true, hold: false }],
  ];
  for (const [label, mode] of modes) {
    it(`${label}: a plain pod`, () => {
      const once = inject(userPod, mode);
      assert.deepEqual(inject(once, mode), once);
      assert.deepEqual(
        namesOf(once, 'containers'),
        mode.native
          ? ['web', 'logger']
          : mode.hold
            ? ['istio-proxy', 'web', 'logger']
            : ['web', 'logger', 'istio-proxy'],
      );
      assert.deepEqual(
        namesOf(once, 'initContainers'),
        mode.native ? ['istio-init', 'istio-proxy', 'migrate'] : ['migrate', 'istio-init'],
      );
      assert.deepEqual(namesOf(once, 'volumes'), ['istio-envoy', 'istio-data', 'data']);
    });

    it(`${label}: a pod with its own istio-proxy keeps the user's settings`, () => {
      const once = inject(userPodWithProxy, mode);
      const twice = inject(once, mode);
      assert.deepEqual(twice, once);
      const proxyField = mode.native ? 'initContainers' : 'containers';
      const proxy = container(once, proxyField, 'istio-proxy');
      assert.equal(proxy.image, 'docker.io/istio/proxyv2:1.27.0');
      assert.deepEqual(proxy.resources, {
        limits: { cpu: '4', memory: '1Gi' },
        requests: { cpu: '100m', memory: '128Mi' },
      });
      assert.deepEqual(
        (proxy.env as JsonObject[]).map((e) => e.name),
        ['POD_NAME', 'ISTIO_META_APP_CONTAINERS', 'EXTRA'],
      );
      assert.equal((proxy.securityContext as JsonObject).runAsUser, 1500);
      assert.deepEqual(container(once, 'initContainers', 'istio-init').args, [
        'istio-iptables',
        '-p',
        '15001',
        '-z',
        '15006',
        '-u',
        '1500',
        '-m',
        'REDIRECT',
      ]);
      assert.equal(namesOf(once, proxyField).filter((name) => name === 'istio-proxy').length, 1);
      assert.ok(typeof annotations(once)[Annotation.proxyOverrides] === 'string');
    });
  }
});
