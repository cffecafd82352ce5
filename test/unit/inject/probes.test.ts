import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyProbeRewrite,
  dumpAppProbers,
  effectiveStatusPort,
  mergeOrAppendProbers,
  proberUrls,
  rewriteProbes,
  shouldRewriteAppProbers,
} from '../../../src/inject/probes.ts';
import type { JsonObject, JsonValue } from '../../../src/inject/types.ts';

function pod(
  containers: JsonObject[],
  options: { init?: JsonObject[]; annotations?: Record<string, string> } = {},
) {
  const spec: JsonObject = { containers };
  if (options.init !== undefined) spec.initContainers = options.init;
  const metadata: JsonObject = { name: 'p', namespace: 'ns' };
  if (options.annotations !== undefined) metadata.annotations = options.annotations;
  return { metadata, spec } satisfies JsonObject;
}

const proxy: JsonObject = { name: 'istio-proxy', image: 'proxyv2', env: [{ name: 'A', value: 'b' }] };

describe('dumpAppProbers', () => {
  const cases: readonly { name: string; pod: JsonObject; want: string }[] = [
    {
      name: 'httpGet readiness with path and port',
      pod: pod([
        { name: 'web', readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 5 } },
      ]),
      want: '{"/app-health/web/readyz":{"httpGet":{"path":"/ready","port":8080}}}',
    },
    {
      name: 'fields in Go order whatever the input order, timeout kept',
      pod: pod([
        {
          name: 'web',
          livenessProbe: {
            timeoutSeconds: 3,
            httpGet: {
              scheme: 'HTTPS',
              httpHeaders: [{ value: 'v', name: 'X-A' }],
              host: 'h',
              port: 8443,
              path: '/l',
            },
          },
        },
      ]),
      want:
        '{"/app-health/web/livez":{"httpGet":{"path":"/l","port":8443,"host":"h","scheme":"HTTPS",' +
        '"httpHeaders":[{"name":"X-A","value":"v"}]},"timeoutSeconds":3}}',
    },
    {
      name: 'tcpSocket startup probe',
      pod: pod([{ name: 'db', startupProbe: { tcpSocket: { port: 5432 } } }]),
      want: '{"/app-health/db/startupz":{"tcpSocket":{"port":5432}}}',
    },
    {
      name: 'grpc without service encodes a null service',
      pod: pod([{ name: 'api', livenessProbe: { grpc: { port: 9090 } } }]),
      want: '{"/app-health/api/livez":{"grpc":{"port":9090,"service":null}}}',
    },
    {
      name: 'grpc with service and timeout',
      pod: pod([
        { name: 'api', readinessProbe: { grpc: { port: 9090, service: 'health' }, timeoutSeconds: 10 } },
      ]),
      want: '{"/app-health/api/readyz":{"grpc":{"port":9090,"service":"health"},"timeoutSeconds":10}}',
    },
    {
      name: 'a named port is resolved from the container ports',
      pod: pod([
        {
          name: 'web',
          ports: [{ name: 'http', containerPort: 9080 }],
          readinessProbe: { httpGet: { path: '/r', port: 'http' } },
          livenessProbe: { tcpSocket: { port: 'http' } },
        },
      ]),
      want: '{"/app-health/web/livez":{"tcpSocket":{"port":9080}},"/app-health/web/readyz":{"httpGet":{"path":"/r","port":9080}}}',
    },
    {
      name: 'an unknown named port drops the probe',
      pod: pod([{ name: 'web', readinessProbe: { httpGet: { path: '/r', port: 'admin' } } }]),
      want: '',
    },
    {
      name: 'named ports are per container',
      pod: pod([
        { name: 'a', ports: [{ name: 'http', containerPort: 1000 }] },
        { name: 'b', readinessProbe: { httpGet: { port: 'http' } } },
      ]),
      want: '',
    },
    {
      name: 'exec probes are ignored',
      pod: pod([{ name: 'web', livenessProbe: { exec: { command: ['true'] } } }]),
      want: '',
    },
    {
      name: 'a probe already on the status port counts as rewritten',
      pod: pod([
        { name: 'web', readinessProbe: { httpGet: { path: '/app-health/web/readyz', port: 15020 } } },
      ]),
      want: '',
    },
    {
      name: 'the proxy container is skipped',
      pod: pod([
        { name: 'istio-proxy', readinessProbe: { httpGet: { path: '/healthz/ready', port: 15021 } } },
      ]),
      want: '',
    },
    {
      name: 'lifecycle hooks: preStop httpGet and postStart tcpSocket, no timeout',
      pod: pod([
        {
          name: 'web',
          lifecycle: {
            preStop: { httpGet: { path: '/stop', port: 8080 } },
            postStart: { tcpSocket: { port: 8080, host: 'localhost' } },
          },
        },
      ]),
      want:
        '{"/app-lifecycle/web/poststartz":{"tcpSocket":{"port":8080,"host":"localhost"}},' +
        '"/app-lifecycle/web/prestopz":{"httpGet":{"path":"/stop","port":8080}}}',
    },
    {
      name: 'exec lifecycle hooks are ignored',
      pod: pod([{ name: 'web', lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } } }]),
      want: '',
    },
    {
      name: 'init containers are included, keys sorted across containers',
      pod: pod([{ name: 'web', readinessProbe: { httpGet: { port: 80 } } }], {
        init: [
          { name: 'sidecar-log', restartPolicy: 'Always', startupProbe: { tcpSocket: { port: 24224 } } },
        ],
      }),
      want: '{"/app-health/sidecar-log/startupz":{"tcpSocket":{"port":24224}},"/app-health/web/readyz":{"httpGet":{"port":80}}}',
    },
    {
      name: 'characters Go escapes in JSON',
      pod: pod([{ name: 'web', readinessProbe: { httpGet: { path: '/h?a=1&b=<2>', port: 80 } } }]),
      want: '{"/app-health/web/readyz":{"httpGet":{"path":"/h?a=1\\u0026b=\\u003c2\\u003e","port":80}}}',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(dumpAppProbers(c.pod, 15020), c.want);
    });
  }
});

describe('rewriteProbes', () => {
  const web = (extra: JsonObject): JsonObject => ({ name: 'web', image: 'web:1', ...extra });
  const rewriteOne = (container: JsonObject): JsonObject => {
    const out = rewriteProbes(pod([container]), 15020);
    const spec = out.spec as JsonObject;
    return (spec.containers as JsonObject[])[0] ?? {};
  };

  it('points httpGet at the status port, keeping the other fields', () => {
    const c = rewriteOne(
      web({
        readinessProbe: {
          httpGet: { path: '/ready', port: 8080, httpHeaders: [{ name: 'X', value: 'y' }] },
          initialDelaySeconds: 3,
          failureThreshold: 7,
        },
      }),
    );
    assert.deepEqual(c.readinessProbe, {
      httpGet: { path: '/app-health/web/readyz', port: 15020, httpHeaders: [{ name: 'X', value: 'y' }] },
      initialDelaySeconds: 3,
      failureThreshold: 7,
    });
  });

  it('turns HTTPS into HTTP (the agent does the TLS)', () => {
    const c = rewriteOne(web({ livenessProbe: { httpGet: { path: '/l', port: 8443, scheme: 'HTTPS' } } }));
    assert.deepEqual(c.livenessProbe, {
      httpGet: { path: '/app-health/web/livez', port: 15020, scheme: 'HTTP' },
    });
  });

  it('turns tcpSocket into httpGet', () => {
    const c = rewriteOne(web({ startupProbe: { tcpSocket: { port: 5432 }, periodSeconds: 2 } }));
    assert.deepEqual(c.startupProbe, {
      periodSeconds: 2,
      httpGet: { path: '/app-health/web/startupz', port: 15020 },
    });
  });

  it('turns grpc into httpGet', () => {
    const c = rewriteOne(web({ livenessProbe: { grpc: { port: 9090, service: 's' }, timeoutSeconds: 4 } }));
    assert.deepEqual(c.livenessProbe, {
      timeoutSeconds: 4,
      httpGet: { path: '/app-health/web/livez', port: 15020 },
    });
  });

  it('leaves exec probes alone', () => {
    const probe = { exec: { command: ['cat', '/tmp/ok'] } };
    assert.deepEqual(rewriteOne(web({ readinessProbe: probe })).readinessProbe, probe);
  });

  it('rewrites lifecycle hooks, tcpSocket included, but not exec', () => {
    const c = rewriteOne(
      web({
        lifecycle: { preStop: { tcpSocket: { port: 80 } }, postStart: { exec: { command: ['init'] } } },
      }),
    );
    assert.deepEqual(c.lifecycle, {
      preStop: { httpGet: { path: '/app-lifecycle/web/prestopz', port: 15020 } },
      postStart: { exec: { command: ['init'] } },
    });
  });

  it('rewrites init containers but never the proxy', () => {
    const proxyProbe = { httpGet: { path: '/healthz/ready', port: 15021 } };
    const out = rewriteProbes(
      pod([{ name: 'istio-proxy', readinessProbe: proxyProbe }], {
        init: [{ name: 'log', startupProbe: { tcpSocket: { port: 1 } } }],
      }),
      15020,
    );
    const spec = out.spec as JsonObject;
    assert.deepEqual((spec.containers as JsonObject[])[0]?.readinessProbe, proxyProbe);
    assert.deepEqual((spec.initContainers as JsonObject[])[0]?.startupProbe, {
      httpGet: { path: '/app-health/log/startupz', port: 15020 },
    });
  });

  it('is idempotent', () => {
    const once = rewriteProbes(
      pod([web({ readinessProbe: { httpGet: { path: '/r', port: 80, scheme: 'HTTPS' } } })]),
      15020,
    );
    assert.deepEqual(rewriteProbes(once, 15020), once);
  });
});

describe('mergeOrAppendProbers', () => {
  const env: JsonValue[] = [{ name: 'A', value: 'b' }];
  const fresh = '{"/app-health/web/readyz":{"httpGet":{"path":"/new","port":81}}}';

  it('appends on first injection', () => {
    assert.deepEqual(mergeOrAppendProbers(false, env, fresh), [
      ...env,
      { name: 'ISTIO_KUBE_APP_PROBERS', value: fresh },
    ]);
  });

  it('appends on re-injection when there is no previous value', () => {
    assert.deepEqual(mergeOrAppendProbers(true, env, fresh), [
      ...env,
      { name: 'ISTIO_KUBE_APP_PROBERS', value: fresh },
    ]);
  });

  it('merges on re-injection; the old entries win and keys stay sorted', () => {
    const old =
      '{"/app-health/web/readyz":{"httpGet":{"path":"/orig","port":80}},"/app-health/web/livez":{"tcpSocket":{"port":80}}}';
    const incoming =
      '{"/app-health/api/readyz":{"grpc":{"port":9,"service":null}},"/app-health/web/readyz":{"httpGet":{"path":"/x","port":1}}}';
    const out = mergeOrAppendProbers(
      true,
      [{ name: 'ISTIO_KUBE_APP_PROBERS', value: old }, ...env],
      incoming,
    );
    assert.deepEqual(out, [
      {
        name: 'ISTIO_KUBE_APP_PROBERS',
        value:
          '{"/app-health/api/readyz":{"grpc":{"port":9,"service":null}},' +
          '"/app-health/web/livez":{"tcpSocket":{"port":80}},' +
          '"/app-health/web/readyz":{"httpGet":{"path":"/orig","port":80}}}',
      },
      ...env,
    ]);
  });

  it('leaves an unreadable previous value alone', () => {
    const broken = [{ name: 'ISTIO_KUBE_APP_PROBERS', value: '{oops' }];
    assert.deepEqual(mergeOrAppendProbers(true, broken, fresh), broken);
  });

  it('does not modify the env list it was given', () => {
    const input: JsonValue[] = [{ name: 'ISTIO_KUBE_APP_PROBERS', value: '{}' }];
    mergeOrAppendProbers(true, input, fresh);
    assert.deepEqual(input, [{ name: 'ISTIO_KUBE_APP_PROBERS', value: '{}' }]);
  });
});

describe('shouldRewriteAppProbers', () => {
  const key = 'sidecar.istio.io/rewriteAppHTTPProbers';
  const cases: readonly [Record<string, string>, boolean | undefined, boolean][] = [
    [{}, undefined, true],
    [{}, false, false],
    [{ [key]: 'false' }, true, false],
    [{ [key]: 'true' }, false, true],
    [{ [key]: '0' }, true, false],
    [{ [key]: 'nope' }, false, false],
    [{ [key]: 'nope' }, true, true],
  ];
  for (const [annotations, values, want] of cases) {
    it(`annotations ${JSON.stringify(annotations)}, values ${String(values)} -> ${String(want)}`, () => {
      assert.equal(shouldRewriteAppProbers(annotations, values), want);
    });
  }
});

describe('applyProbeRewrite', () => {
  const app: JsonObject = { name: 'web', readinessProbe: { httpGet: { path: '/ready', port: 8080 } } };
  const envOf = (p: JsonObject, field = 'containers'): JsonValue => {
    const spec = p.spec as JsonObject;
    return (spec[field] as JsonObject[]).find((c) => c.name === 'istio-proxy')?.env ?? null;
  };

  it('records the probers on the proxy and rewrites the app probe', () => {
    const out = applyProbeRewrite(pod([app, proxy]), { statusPort: 15020 });
    assert.deepEqual(envOf(out), [
      { name: 'A', value: 'b' },
      {
        name: 'ISTIO_KUBE_APP_PROBERS',
        value: '{"/app-health/web/readyz":{"httpGet":{"path":"/ready","port":8080}}}',
      },
    ]);
    const spec = out.spec as JsonObject;
    assert.deepEqual((spec.containers as JsonObject[])[0]?.readinessProbe, {
      httpGet: { path: '/app-health/web/readyz', port: 15020 },
    });
  });

  it('works with the proxy as a native sidecar (init container)', () => {
    const out = applyProbeRewrite(pod([app], { init: [proxy] }), { statusPort: 15020 });
    assert.equal((envOf(out, 'initContainers') as JsonObject[]).length, 2);
  });

  it('does nothing without an istio-proxy container', () => {
    const input = pod([app]);
    assert.equal(applyProbeRewrite(input, { statusPort: 15020 }), input);
  });

  it('does nothing when the annotation turns rewriting off', () => {
    const input = pod([app, proxy], { annotations: { 'sidecar.istio.io/rewriteAppHTTPProbers': 'false' } });
    assert.equal(applyProbeRewrite(input, { statusPort: 15020 }), input);
  });

  it('does nothing when values turn rewriting off', () => {
    const input = pod([app, proxy]);
    assert.equal(applyProbeRewrite(input, { statusPort: 15020, rewriteAppHTTPProbe: false }), input);
  });

  it('uses the status port annotation', () => {
    const out = applyProbeRewrite(
      pod([app, proxy], { annotations: { 'status.sidecar.istio.io/port': '15555' } }),
      {
        statusPort: 15020,
      },
    );
    const spec = out.spec as JsonObject;
    assert.deepEqual((spec.containers as JsonObject[])[0]?.readinessProbe, {
      httpGet: { path: '/app-health/web/readyz', port: 15555 },
    });
  });

  it('adds no env when no probe can be taken over, but still returns an equal pod', () => {
    const input = pod([{ name: 'web', livenessProbe: { exec: { command: ['x'] } } }, proxy]);
    assert.deepEqual(applyProbeRewrite(input, { statusPort: 15020 }), input);
  });

  it('does not modify its input', () => {
    const input = pod([app, proxy]);
    const before = structuredClone(input);
    applyProbeRewrite(input, { statusPort: 15020 });
    assert.deepEqual(input, before);
  });

  it('re-injecting an injected pod changes nothing', () => {
    const first = applyProbeRewrite(pod([app, proxy]), { statusPort: 15020 });
    const metadata = first.metadata as JsonObject;
    const injected = {
      ...first,
      metadata: { ...metadata, annotations: { 'sidecar.istio.io/status': '{}' } },
    };
    assert.deepEqual(applyProbeRewrite(injected, { statusPort: 15020 }), injected);
  });
});

describe('helpers', () => {
  it('proberUrls', () => {
    assert.deepEqual(proberUrls('c'), {
      readyz: '/app-health/c/readyz',
      livez: '/app-health/c/livez',
      startupz: '/app-health/c/startupz',
      prestopz: '/app-lifecycle/c/prestopz',
      poststartz: '/app-lifecycle/c/poststartz',
    });
  });
  it('effectiveStatusPort', () => {
    assert.equal(effectiveStatusPort(pod([]), 15020), 15020);
    assert.equal(
      effectiveStatusPort(pod([], { annotations: { 'status.sidecar.istio.io/port': ' 15021' } }), 15020),
      15021,
    );
    assert.equal(
      effectiveStatusPort(pod([], { annotations: { 'status.sidecar.istio.io/port': 'x' } }), 15020),
      15020,
    );
  });
});
