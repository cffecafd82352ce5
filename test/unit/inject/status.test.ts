import { Annotation } from '../../../src/inject/annotations.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InjectionStatusError,
  formatInjectionStatus,
  injectionStatusOf,
  parseInjectionStatus,
  readInjectionStatus,
  statusAnnotationFor,
} from '../../../src/inject/status.ts';
import type { JsonObject } from '../../../src/inject/types.ts';

const nativeTemplatePod: JsonObject = {
  metadata: { annotations: { 'istio.io/rev': 'default' } },
  spec: {
    initContainers: [{ name: 'istio-init' }, { name: 'istio-proxy', restartPolicy: 'Always' }],
    volumes: [
      { name: 'workload-socket' },
      { name: 'credential-socket' },
      { name: 'workload-certs' },
      { name: 'istio-envoy' },
      { name: 'istio-data' },
      { name: 'istio-podinfo' },
      { name: 'istio-token' },
      { name: 'istiod-ca-cert' },
      { name: 'istio-ca-crl' },
    ],
  },
};

describe('statusAnnotationFor', () => {
  it('writes Istio’s native-sidecar example byte for byte', () => {
    assert.equal(
      statusAnnotationFor(nativeTemplatePod, ''),
      '{"initContainers":["istio-init","istio-proxy"],"containers":null,"volumes":["workload-socket","credential-socket","workload-certs","istio-envoy","istio-data","istio-podinfo","istio-token","istiod-ca-cert","istio-ca-crl"],"imagePullSecrets":null,"revision":"default"}',
    );
  });

  it('lists containers, image pull secrets and the revision in template order', () => {
    const templatePod: JsonObject = {
      spec: {
        initContainers: [{ name: 'istio-init' }],
        containers: [{ name: 'istio-proxy' }, { name: 'grpc-app' }],
        imagePullSecrets: [{ name: 'regcred' }],
      },
    };
    assert.equal(
      statusAnnotationFor(templatePod, 'canary'),
      '{"initContainers":["istio-init"],"containers":["istio-proxy","grpc-app"],"volumes":null,"imagePullSecrets":["regcred"],"revision":"canary"}',
    );
  });

  it('an empty template pod records nothing but the default revision', () => {
    assert.equal(
      statusAnnotationFor({}),
      '{"initContainers":null,"containers":null,"volumes":null,"imagePullSecrets":null,"revision":"default"}',
    );
  });

  it('escapes strings the way Go does', () => {
    assert.equal(
      formatInjectionStatus({
        initContainers: [],
        containers: ['a<b>&c'],
        volumes: [],
        imagePullSecrets: [],
        revision: 'r',
      }),
      '{"initContainers":null,"containers":["a\\u003cb\\u003e\\u0026c"],"volumes":null,"imagePullSecrets":null,"revision":"r"}',
    );
  });
});

describe('parseInjectionStatus', () => {
  it('reads what statusAnnotationFor writes', () => {
    const status = injectionStatusOf(nativeTemplatePod, 'canary');
    assert.deepEqual(parseInjectionStatus(formatInjectionStatus(status)), { ok: true, status });
  });

  it('tolerates the old version key, nulls and case-folded keys', () => {
    const parsed = parseInjectionStatus(
      '{"version":"abc123","InitContainers":["istio-init"],"containers":["istio-proxy"],"volumes":null}',
    );
    assert.deepEqual(parsed, {
      ok: true,
      status: {
        initContainers: ['istio-init'],
        containers: ['istio-proxy'],
        volumes: [],
        imagePullSecrets: [],
        revision: '',
      },
    });
  });

  it('reads JSON null as an empty status, as Go does', () => {
    const parsed = parseInjectionStatus('null');
    assert.equal(parsed.ok, true);
    assert.deepEqual(parsed.status.containers, []);
  });

  const malformed: [value: string, reason: RegExp][] = [
    ['{"containers":', /^not JSON/],
    ['"istio-proxy"', /want a JSON object, got a string/],
    ['[]', /want a JSON object, got a list/],
    ['{"containers":"istio-proxy"}', /"containers" is a string, want a list of names/],
    ['{"volumes":["a",1]}', /"volumes"\[1\] is a number, want a name/],
    ['{"revision":7}', /"revision" is a number, want a string/],
  ];
  for (const [value, reason] of malformed) {
    it(`rejects ${value}`, () => {
      const parsed = parseInjectionStatus(value);
      assert.equal(parsed.ok, false);
      assert.ok(parsed.error instanceof InjectionStatusError);
      assert.match(parsed.error.reason, reason);
      assert.equal(parsed.error.value, value);
      assert.match(parsed.error.message, /^invalid sidecar\.istio\.io\/status annotation: /);
    });
  }

  it('readInjectionStatus is undefined without the annotation', () => {
    assert.equal(readInjectionStatus({ metadata: { annotations: { other: 'x' } } }), undefined);
    assert.equal(readInjectionStatus({}), undefined);
    const parsed = readInjectionStatus({
      metadata: {
        annotations: { [Annotation.status]: '{"containers":["istio-proxy"],"revision":"r"}' },
      },
    });
    assert.deepEqual(parsed?.ok && parsed.status.containers, ['istio-proxy']);
  });
});
