// An Istio-format `istio-sidecar-injector` ConfigMap (config + values) and `istio` mesh ConfigMap, of the kind
// found in clusters, rendered end to end: through `kube-inject` (the CLI in-process, the ConfigMap files given
// as --injectConfigFile/--valuesFile/--meshConfigFile) and through the webhook's pipeline (the ConfigMaps' data
// texts, as the webhook reads them from the cluster). Each result is checked field by field, then injected again
// and must not change.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Injector, type InjectResult } from '../../../../src/inject/injector.ts';
import { settingsFromConfigMaps } from '../../../../src/inject/settings.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../../../../src/inject/types.ts';
import { parseYaml } from '../../../../src/inject/yaml.ts';
import { envValues, parseStream, runCli } from './harness.ts';

const fixtures = fileURLToPath(new URL('../../../fixtures/istio/', import.meta.url));
const injectorConfigMap = `${fixtures}istio-sidecar-injector.yaml`;
const meshConfigMap = `${fixtures}istio.yaml`;

// ---- small accessors over parsed pods, failing with a message that names what is missing

function object(value: JsonValue | undefined, what: string): JsonObject {
  assert.ok(isJsonObject(value), `${what} is an object`);
  return value;
}

function list(value: JsonValue | undefined, what: string): JsonValue[] {
  assert.ok(Array.isArray(value), `${what} is a list`);
  return value;
}

function named(items: JsonValue | undefined, name: string, what: string): JsonObject {
  const found = list(items, what).find((item) => isJsonObject(item) && item.name === name);
  return object(found, `${what} ${name}`);
}

function text(value: JsonValue | undefined, what: string): string {
  assert.equal(typeof value, 'string', `${what} is a string`);
  return value as string;
}

function names(items: JsonValue | undefined, what: string): string[] {
  return list(items, what).map((item) => text(object(item, what).name, `${what} name`));
}

function podTemplateOf(deployment: unknown): JsonObject {
  const spec = object(object(deployment as JsonValue, 'deployment').spec, 'deployment spec');
  return object(spec.template, 'pod template');
}

function metadataOf(pod: JsonObject): JsonObject {
  return object(pod.metadata, 'metadata');
}

function specOf(pod: JsonObject): JsonObject {
  return object(pod.spec, 'spec');
}

function stringMap(value: JsonValue | undefined, what: string): Record<string, string> {
  const map = object(value, what);
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, text(v, `${what}.${k}`)]));
}

function configMapData(file: string): Record<string, string> {
  const document = parseYaml(readFileSync(file, 'utf8'), file);
  return stringMap(object(document as JsonValue, file).data, `${file} data`);
}

function injected(result: InjectResult): JsonObject {
  if (result.kind !== 'injected') assert.fail(`not injected: ${result.decision.message}`);
  return result.pod;
}

async function kubeInject(manifest: string): Promise<unknown[]> {
  const run = await runCli([
    'kube-inject',
    '-f',
    manifest,
    '--injectConfigFile',
    injectorConfigMap,
    '--valuesFile',
    injectorConfigMap,
    '--meshConfigFile',
    meshConfigMap,
  ]);
  assert.equal(run.stderr, '');
  assert.equal(run.code, 0);
  // Re-injection through the same command gives the same manifests back.
  const again = await runCli(
    [
      'kube-inject',
      '-f',
      '-',
      '--injectConfigFile',
      injectorConfigMap,
      '--valuesFile',
      injectorConfigMap,
      '--meshConfigFile',
      meshConfigMap,
    ],
    run.stdout,
  );
  assert.equal(again.code, 0);
  const documents = parseStream(run.stdout, 'kube-inject output');
  assert.deepStrictEqual(parseStream(again.stdout, 're-injected output'), documents);
  return documents;
}

const data = configMapData(injectorConfigMap);
const mesh = configMapData(meshConfigMap);

function webhookInjector(
  options: { values?: (values: JsonObject) => void; nativeSidecars?: boolean } = {},
): Injector {
  const values = JSON.parse(data.values!) as JsonObject;
  options.values?.(values);
  return new Injector(
    settingsFromConfigMaps(
      { config: data.config!, values: JSON.stringify(values), mesh: mesh.mesh! },
      { injector: 'istio-system/istio-sidecar-injector', mesh: 'istio-system/istio' },
      { nativeSidecars: options.nativeSidecars ?? false },
    ),
  );
}

function detailsPod(edit: (pod: JsonObject) => void = () => undefined): JsonObject {
  const pod = object(
    parseYaml(readFileSync(`${fixtures}details-pod.yaml`, 'utf8'), 'details-pod.yaml') as JsonValue,
    'pod',
  );
  edit(pod);
  return pod;
}

function webhookInject(injector: Injector, pod: JsonObject): JsonObject {
  const result = injected(injector.inject({ pod, namespace: 'bookinfo', mode: 'webhook' }));
  const again = injector.inject({ pod: result, namespace: 'bookinfo', mode: 'webhook' });
  if (again.kind !== 'injected') assert.fail('the injected pod was not re-injected');
  assert.deepStrictEqual(again.patch, [], 're-injection changes nothing');
  return result;
}

describe('the Istio-format ConfigMaps', () => {
  it('are read as Istio ships them: the legacy `template` key is ignored, templates and aliases load', () => {
    assert.match(data.config!, /^template: "\{\{ Template_Version_And_Istio_Version_Mismatched/m);
    const injector = webhookInjector();
    assert.deepStrictEqual(Object.keys(injector.settings.config.templates).sort(), [
      'custom-ca',
      'debug',
      'sidecar',
    ]);
    assert.deepStrictEqual(injector.settings.config.aliases, {
      'sidecar-with-ca': ['sidecar', 'custom-ca'],
      'debug-sidecar': ['sidecar', 'debug'],
    });
    assert.equal(injector.settings.config.policy, 'enabled');
    assert.equal(injector.settings.config.neverInjectSelector.length, 2);
  });
});

describe('kube-inject with the cluster ConfigMaps', () => {
  it('injects productpage (seed 000) with the cluster values, mesh and sidecar template', async () => {
    const [deployment] = await kubeInject(`${fixtures}../seeds/productpage.yaml`);
    const pod = podTemplateOf(deployment);
    const metadata = metadataOf(pod);
    const spec = specOf(pod);
    const annotations = stringMap(metadata.annotations, 'annotations');
    const labels = stringMap(metadata.labels, 'labels');

    // Labels and annotations: canonical service labels, the injectedAnnotations entry, the status.
    assert.equal(labels['service.istio.io/canonical-name'], 'productpage');
    assert.equal(labels['service.istio.io/canonical-revision'], 'v1');
    assert.equal(labels['security.istio.io/tlsMode'], 'istio');
    assert.equal(annotations['mesh.example.com/injected-by'], 'istiod-default');
    assert.equal(annotations['kubectl.kubernetes.io/default-container'], 'productpage');
    assert.equal(
      annotations['sidecar.istio.io/status'],
      '{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["workload-socket",' +
        '"credential-socket","workload-certs","istio-envoy","istio-data","istio-podinfo","istio-token",' +
        '"istiod-ca-cert","tracing-certs"],"imagePullSecrets":["corp-registry"],"revision":"default"}',
    );

    // istio-init: the values' hub/tag, seed 004's args, the mesh proxyMetadata as env, omitNil'd resources.
    const init = named(spec.initContainers, 'istio-init', 'initContainers');
    assert.equal(init.image, 'docker.io/istio/proxyv2:1.24.2');
    assert.deepStrictEqual(init.args, [
      'istio-iptables',
      '-p',
      '15001',
      '-z',
      '15006',
      '-u',
      '1337',
      '-m',
      'REDIRECT',
      '-i',
      '*',
      '-x',
      '',
      '-b',
      '*',
      '-d',
      '15090,15021,15020',
      '--log_output_level=default:info',
    ]);
    assert.deepStrictEqual(envValues(init), {
      ISTIO_META_DNS_AUTO_ALLOCATE: 'true',
      ISTIO_META_DNS_CAPTURE: 'true',
    });
    // The values set `limits.cpu: null` (no CPU limit); omitNil drops it and 1024Mi is stored as 1Gi.
    assert.deepStrictEqual(init.resources, {
      limits: { memory: '1Gi' },
      requests: { cpu: '100m', memory: '128Mi' },
    });

    // istio-proxy: last container, chart probe timings, PROXY_CONFIG from protoToJSON, cluster id last.
    assert.deepStrictEqual(names(spec.containers, 'containers'), ['productpage', 'istio-proxy']);
    const proxy = named(spec.containers, 'istio-proxy', 'containers');
    assert.equal(proxy.image, 'docker.io/istio/proxyv2:1.24.2');
    assert.equal(proxy.imagePullPolicy, 'IfNotPresent');
    assert.deepStrictEqual(proxy.ports, [{ containerPort: 15090, protocol: 'TCP', name: 'http-envoy-prom' }]);
    assert.deepStrictEqual(object(proxy.readinessProbe, 'readinessProbe'), {
      httpGet: { path: '/healthz/ready', port: 15021 },
      initialDelaySeconds: 0,
      periodSeconds: 15,
      timeoutSeconds: 3,
      failureThreshold: 4,
    });
    assert.equal(object(proxy.startupProbe, 'startupProbe').failureThreshold, 600);
    const env = envValues(proxy);
    assert.deepStrictEqual(JSON.parse(env.PROXY_CONFIG!), {
      tracing: {
        zipkin: { address: 'zipkin.observability.svc:9411' },
        tlsSettings: { caCertificates: '/etc/istio/tracing-certs/ca.pem' },
      },
      proxyMetadata: { ISTIO_META_DNS_AUTO_ALLOCATE: 'true', ISTIO_META_DNS_CAPTURE: 'true' },
    });
    assert.deepStrictEqual(JSON.parse(env.ISTIO_META_POD_PORTS!), [{ containerPort: 9080 }]);
    assert.equal(env.ISTIO_META_APP_CONTAINERS, 'productpage');
    assert.equal(
      env.ISTIO_META_OWNER,
      'kubernetes://apis/apps/v1/namespaces/default/deployments/productpage-v1',
    );
    assert.equal(env.ISTIO_META_MESH_ID, 'cluster.local');
    // The values' cluster name, in the place the template renders it.
    const envNames = names(proxy.env, 'env');
    assert.equal(envNames.indexOf('ISTIO_META_CLUSTER_ID'), envNames.indexOf('ISTIO_META_NODE_NAME') - 1);
    assert.equal(env.ISTIO_META_CLUSTER_ID, 'prod-eu-west-1');
    // directory of the tracing CA file, from .ProxyConfig.GetTracing.GetTlsSettings.GetCaCertificates.
    const tracingMount = list(proxy.volumeMounts, 'volumeMounts').find(
      (m) => isJsonObject(m) && m.name === 'tracing-certs',
    );
    assert.deepStrictEqual(tracingMount, {
      mountPath: '/etc/istio/tracing-certs/',
      name: 'tracing-certs',
      readOnly: true,
    });
    assert.deepStrictEqual(spec.imagePullSecrets, [{ name: 'corp-registry' }]);
    assert.deepStrictEqual(names(spec.volumes, 'volumes').at(-1), 'tmp');
  });

  it('renders an alias, TPROXY, resource annotations, a custom bootstrap and user volumes', async () => {
    const [deployment] = await kubeInject(`${fixtures}ratings-deployment.yaml`);
    const pod = podTemplateOf(deployment);
    const spec = specOf(pod);
    const init = named(spec.initContainers, 'istio-init', 'initContainers');
    const args = list(init.args, 'args');
    assert.equal(args[args.indexOf('-m') + 1], 'TPROXY');
    assert.equal(args[args.indexOf('-u') + 1], '1337');
    // excludeInboundPort puts the pod's excluded port before the status port.
    assert.equal(args[args.indexOf('-d') + 1], '15090,15021,9091,15020');

    const proxy = named(spec.containers, 'istio-proxy', 'containers');
    assert.deepStrictEqual(proxy.resources, { requests: { cpu: '200m' }, limits: { memory: '512Mi' } });
    const security = object(proxy.securityContext, 'securityContext');
    assert.equal(security.runAsUser, 0);
    assert.equal(security.runAsNonRoot, false);
    assert.deepStrictEqual(object(security.capabilities, 'capabilities').add, ['NET_ADMIN']);

    const env = envValues(proxy);
    assert.equal(env.ISTIO_META_INTERCEPTION_MODE, 'TPROXY');
    assert.equal(env.ISTIO_BOOTSTRAP_OVERRIDE, '/etc/istio/custom-bootstrap/custom_bootstrap.json');
    // toJSON of the node selector; structToJSON of every app port joined by the `$first` range.
    assert.deepStrictEqual(JSON.parse(env.ISTIO_META_NODE_SELECTOR!), {
      'kubernetes.io/os': 'linux',
      'topology.kubernetes.io/zone': 'eu-west-1a',
    });
    assert.deepStrictEqual(JSON.parse(env.ISTIO_META_POD_PORTS!), [
      { name: 'http', containerPort: 9080 },
      { name: 'metrics', containerPort: 9091 },
    ]);
    // The custom-ca template of the alias adds its env, mount and volume.
    assert.equal(env.ISTIO_META_TLS_CLIENT_ROOT_CERT, '/etc/certs/custom-ca/ca.crt');
    assert.deepStrictEqual(named(spec.volumes, 'custom-ca', 'volumes').configMap, {
      name: 'payments-root-ca',
    });
    assert.deepStrictEqual(named(spec.volumes, 'custom-bootstrap-volume', 'volumes').configMap, {
      name: 'ratings-bootstrap',
    });
    // fromJSON of the userVolume/userVolumeMount annotations, rendered with toYaml + indent/nindent.
    assert.deepStrictEqual(named(spec.volumes, 'ratings-cache', 'volumes'), {
      name: 'ratings-cache',
      emptyDir: { medium: 'Memory' },
    });
    assert.deepStrictEqual(named(proxy.volumeMounts, 'ratings-cache', 'volumeMounts'), {
      name: 'ratings-cache',
      mountPath: '/var/cache/ratings',
      readOnly: true,
    });
    const status = JSON.parse(
      stringMap(metadataOf(pod).annotations, 'annotations')['sidecar.istio.io/status']!,
    ) as {
      volumes: string[];
    };
    assert.deepStrictEqual(status.volumes.slice(0, 1), ['custom-ca']);
    assert.ok(status.volumes.includes('ratings-cache'));
  });
});

describe('the webhook with the cluster ConfigMaps', () => {
  it('injects a Deployment pod: DeploymentMeta from the owner, app probe rewritten, patch-free re-injection', () => {
    const pod = webhookInject(webhookInjector(), detailsPod());
    const spec = specOf(pod);
    const proxy = named(spec.containers, 'istio-proxy', 'containers');
    const env = envValues(proxy);
    assert.equal(env.ISTIO_META_WORKLOAD_NAME, 'details-v1');
    assert.equal(
      env.ISTIO_META_OWNER,
      'kubernetes://apis/apps/v1/namespaces/bookinfo/deployments/details-v1',
    );
    assert.equal(
      env.ISTIO_KUBE_APP_PROBERS,
      '{"/app-health/details/readyz":{"httpGet":{"path":"/health","port":9080,"scheme":"HTTP"},"timeoutSeconds":1}}',
    );
    const details = named(spec.containers, 'details', 'containers');
    assert.deepStrictEqual(object(details.readinessProbe, 'readinessProbe').httpGet, {
      path: '/app-health/details/readyz',
      port: 15020,
      scheme: 'HTTP',
    });
    // CNI is off in these values, so the Multus networks annotation is left as the team wrote it.
    const annotations = stringMap(metadataOf(pod).annotations, 'annotations');
    assert.equal(annotations['k8s.v1.cni.cncf.io/networks'], 'bookinfo/storage-net');
    assert.equal(annotations['prometheus.io/port'], '15020');
  });

  it('keeps OpenShift build pods out (seed 001 neverInjectSelector)', () => {
    const result = webhookInjector().inject({
      pod: detailsPod((pod) => {
        Object.assign(object(metadataOf(pod).labels, 'labels'), { 'openshift.io/build.name': 'details-7' });
      }),
      namespace: 'bookinfo',
      mode: 'webhook',
    });
    assert.equal(result.kind, 'skipped');
    assert.equal(result.decision.reason, 'neverInjectSelector');
  });

  it('with Istio CNI on the Multus provider: istio-validation, CNI annotations, appendMultusNetwork', () => {
    const injector = webhookInjector({
      values: (values) => {
        const pilot = object(values.pilot, 'pilot');
        pilot.cni = { enabled: true, provider: 'multus' };
      },
    });
    const pod = webhookInject(injector, detailsPod());
    const spec = specOf(pod);
    assert.deepStrictEqual(names(spec.initContainers, 'initContainers'), ['istio-validation']);
    const validation = named(spec.initContainers, 'istio-validation', 'initContainers');
    const args = list(validation.args, 'args');
    assert.deepStrictEqual(args.slice(-2), ['--run-validation', '--skip-rule-apply']);
    assert.deepStrictEqual(object(validation.securityContext, 'securityContext').runAsUser, 1337);
    const annotations = stringMap(metadataOf(pod).annotations, 'annotations');
    assert.equal(annotations['k8s.v1.cni.cncf.io/networks'], 'bookinfo/storage-net, default/istio-cni');
    assert.equal(annotations['sidecar.istio.io/interceptionMode'], 'REDIRECT');
    assert.equal(annotations['traffic.sidecar.istio.io/includeOutboundIPRanges'], '*');
    assert.equal(annotations['traffic.sidecar.istio.io/excludeInboundPorts'], '15020');
  });

  it('with native sidecars: istio-proxy runs as an init container after istio-init, with a drain preStop', () => {
    const pod = webhookInject(webhookInjector({ nativeSidecars: true }), detailsPod());
    const spec = specOf(pod);
    assert.deepStrictEqual(names(spec.initContainers, 'initContainers'), ['istio-init', 'istio-proxy']);
    assert.deepStrictEqual(names(spec.containers, 'containers'), ['details']);
    const proxy = named(spec.initContainers, 'istio-proxy', 'initContainers');
    assert.equal(proxy.restartPolicy, 'Always');
    assert.deepStrictEqual(object(object(proxy.lifecycle, 'lifecycle').preStop, 'preStop').exec, {
      command: ['pilot-agent', 'request', '--debug-port=15020', 'POST', 'drain'],
    });
  });

  it('holds the app until the proxy starts when proxy.istio.io/config asks (HoldApplicationUntilProxyStarts.GetValue)', () => {
    const pod = webhookInject(
      webhookInjector(),
      detailsPod((pod) => {
        Object.assign(object(metadataOf(pod).annotations, 'annotations'), {
          'proxy.istio.io/config': 'holdApplicationUntilProxyStarts: true',
        });
      }),
    );
    const spec = specOf(pod);
    assert.deepStrictEqual(names(spec.containers, 'containers'), ['istio-proxy', 'details']);
    const proxy = named(spec.containers, 'istio-proxy', 'containers');
    assert.deepStrictEqual(object(object(proxy.lifecycle, 'lifecycle').postStart, 'postStart').exec, {
      command: ['pilot-agent', 'wait'],
    });
  });

  it('renders the debug-sidecar alias on top of the sidecar template', () => {
    const pod = webhookInject(
      webhookInjector(),
      detailsPod((pod) => {
        Object.assign(object(metadataOf(pod).annotations, 'annotations'), {
          'inject.istio.io/templates': 'debug-sidecar',
        });
      }),
    );
    const proxy = named(specOf(pod).containers, 'istio-proxy', 'containers');
    assert.ok(list(proxy.args, 'args').includes('--proxyLogLevel=debug'));
    assert.equal(stringMap(metadataOf(pod).annotations, 'annotations')['sidecar.istio.io/logLevel'], 'debug');
  });
});
