// config/default, as `kubectl apply -k` renders it: exactly the objects of the install, a Deployment that is
// hardened and highly available, a Service and flags that agree with each other, and injector ConfigMaps the
// operator can load.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { V1PodDisruptionBudget, V1Service } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { DEFAULT_SECRET_NAME } from '../../../src/certs/secret.ts';
import { defaultConfigFile, defaultValuesFile } from '../../../src/inject/defaults.ts';
import { Injector } from '../../../src/inject/injector.ts';
import { settingsFromConfigMaps } from '../../../src/inject/settings.ts';
import { isJsonObject, type JsonObject } from '../../../src/inject/types.ts';
import {
  asDeployment,
  configDir,
  describeId,
  envFieldRefs,
  envValues,
  find,
  idOf,
  onlyContainer,
  operatorNamespace,
  render,
  repoRoot,
} from './kustomize.ts';

const crdName = 'meshinjections.injection.mesh-injector.dev';
const podLabels = { 'app.kubernetes.io/name': 'mesh-injector', 'app.kubernetes.io/component': 'operator' };

/** The install, object by object; anything added or lost must show up here on purpose. */
const expectedObjects = [
  `Namespace ${operatorNamespace}`,
  `CustomResourceDefinition ${crdName}`,
  `ServiceAccount ${operatorNamespace}/mesh-injector`,
  'ClusterRole mesh-injector-manager',
  'ClusterRoleBinding mesh-injector-manager',
  `Role ${operatorNamespace}/mesh-injector-operator`,
  `RoleBinding ${operatorNamespace}/mesh-injector-operator`,
  `Role ${operatorNamespace}/mesh-injector-config-reader`,
  `RoleBinding ${operatorNamespace}/mesh-injector-config-reader`,
  'ClusterRole mesh-injector-meshinjection-viewer',
  'ClusterRole mesh-injector-meshinjection-editor',
  `Deployment ${operatorNamespace}/mesh-injector`,
  `PodDisruptionBudget ${operatorNamespace}/mesh-injector`,
  `Service ${operatorNamespace}/mesh-injector-webhook`,
  `ConfigMap ${operatorNamespace}/istio-sidecar-injector`,
  `ConfigMap ${operatorNamespace}/istio`,
].sort();

function configMapData(configMap: JsonObject): Record<string, string> {
  const data = isJsonObject(configMap.data) ? configMap.data : {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) if (typeof value === 'string') out[key] = value;
  return out;
}

describe('config/default', () => {
  let objects: JsonObject[] = [];
  before(async () => {
    objects = await render(join(configDir, 'default'));
  });

  it('renders exactly the objects of the install', () => {
    assert.deepEqual(objects.map(describeId).sort(), expectedObjects);
  });

  it('writes no webhook configuration: the operator owns them', () => {
    const kinds = objects.map((o) => o.kind);
    assert.ok(!kinds.includes('MutatingWebhookConfiguration'), 'a MutatingWebhookConfiguration is rendered');
    assert.ok(
      !kinds.includes('ValidatingWebhookConfiguration'),
      'a ValidatingWebhookConfiguration is rendered',
    );
  });

  it('puts every namespaced object in the operator namespace', () => {
    const clusterScoped = new Set([
      'Namespace',
      'CustomResourceDefinition',
      'ClusterRole',
      'ClusterRoleBinding',
    ]);
    for (const object of objects) {
      const { kind, namespace } = idOf(object);
      assert.equal(namespace, clusterScoped.has(kind) ? '' : operatorNamespace, describeId(object));
    }
  });

  it('installs the CRD of crds/meshinjection.yaml, through a copy that is byte for byte the same', () => {
    const source = readFileSync(join(repoRoot, 'crds', 'meshinjection.yaml'), 'utf8');
    const copy = readFileSync(
      join(configDir, 'crd', 'bases', 'injection.mesh-injector.dev_meshinjections.yaml'),
      'utf8',
    );
    assert.equal(
      copy,
      source,
      'config/crd/bases differs from crds/meshinjection.yaml: ' +
        'cp crds/meshinjection.yaml config/crd/bases/injection.mesh-injector.dev_meshinjections.yaml',
    );
    const rendered = find(objects, 'CustomResourceDefinition', crdName);
    const parsed = load(source);
    assert.ok(isJsonObject(parsed));
    // kustomize adds only the install's part-of label.
    assert.deepEqual(rendered.spec, parsed.spec);
  });

  describe('the Deployment', () => {
    const deployment = () => asDeployment(find(objects, 'Deployment', 'mesh-injector'));

    it('runs two replicas that roll one at a time without dropping below two', () => {
      const spec = deployment().spec;
      assert.equal(spec?.replicas, 2);
      assert.equal(spec.strategy?.type, 'RollingUpdate');
      assert.equal(spec.strategy.rollingUpdate?.maxUnavailable, 0);
      assert.equal(spec.strategy.rollingUpdate.maxSurge, 1);
      assert.deepEqual(spec.selector.matchLabels, podLabels);
      assert.deepEqual(spec.template.metadata?.labels, podLabels);
      assert.equal(spec.template.spec?.serviceAccountName, 'mesh-injector');
    });

    it('runs as a non-root user with the RuntimeDefault seccomp profile', () => {
      const pod = deployment().spec?.template.spec?.securityContext;
      assert.equal(pod?.runAsNonRoot, true);
      assert.equal(pod.runAsUser, 65532);
      assert.equal(pod.seccompProfile?.type, 'RuntimeDefault');
    });

    it('has a read-only root filesystem, no capabilities and no privilege escalation', () => {
      const container = onlyContainer(deployment()).securityContext;
      assert.equal(container?.readOnlyRootFilesystem, true);
      assert.equal(container.allowPrivilegeEscalation, false);
      assert.deepEqual(container.capabilities?.drop, ['ALL']);
      assert.equal(container.capabilities.add, undefined);
      assert.notEqual(container.privileged, true);
      assert.equal(container.runAsUser ?? 65532, 65532, 'the container must not override the pod user');
      // Nothing writes to disk, so no volume was needed to make the root filesystem read-only.
      assert.equal(deployment().spec?.template.spec?.volumes, undefined);
    });

    it('probes /healthz (liveness) and /readyz (readiness) on the metrics port, 8080', () => {
      const container = onlyContainer(deployment());
      const ports = (container.ports ?? []).map((p) => `${p.name ?? ''}=${p.containerPort}`);
      assert.deepEqual(ports, ['webhook=9443', 'metrics=8080']);
      assert.equal(container.livenessProbe?.httpGet?.path, '/healthz');
      assert.equal(container.livenessProbe.httpGet.port, 'metrics');
      assert.equal(container.readinessProbe?.httpGet?.path, '/readyz');
      assert.equal(container.readinessProbe.httpGet.port, 'metrics');
      assert.equal(container.livenessProbe.httpGet.scheme ?? 'HTTP', 'HTTP');
    });

    it('listens where the probes and the Service look', () => {
      const env = envValues(onlyContainer(deployment()));
      assert.equal(env.MESH_INJECTOR_WEBHOOK_ADDRESS, ':9443');
      assert.equal(env.MESH_INJECTOR_METRICS_ADDRESS, ':8080');
    });

    it('requests and limits CPU and memory', () => {
      const resources = onlyContainer(deployment()).resources;
      for (const key of ['cpu', 'memory']) {
        assert.ok(resources?.requests?.[key], `requests.${key}`);
        assert.ok(resources.limits?.[key], `limits.${key}`);
      }
    });

    it('spreads replicas over nodes, and prefers different zones, without refusing to schedule on one node', () => {
      const spec = deployment().spec?.template.spec;
      const constraints = spec?.topologySpreadConstraints ?? [];
      // One constraint only: spread scoring ignores nodes that lack any constraint's topology key.
      assert.equal(constraints.length, 1);
      assert.equal(constraints[0]?.topologyKey, 'kubernetes.io/hostname');
      assert.equal(constraints[0].maxSkew, 1);
      assert.equal(constraints[0].whenUnsatisfiable, 'ScheduleAnyway');
      assert.deepEqual(constraints[0].labelSelector?.matchLabels, podLabels);
      const zones = spec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
      assert.deepEqual(
        zones.map((z) => [z.podAffinityTerm.topologyKey, z.podAffinityTerm.labelSelector?.matchLabels]),
        [['topology.kubernetes.io/zone', podLabels]],
      );
      assert.equal(
        spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
        undefined,
      );
    });

    it('passes its namespace and pod name through the downward API', () => {
      assert.deepEqual(envFieldRefs(onlyContainer(deployment())), {
        POD_NAMESPACE: 'metadata.namespace',
        POD_NAME: 'metadata.name',
      });
    });

    it('runs with leader election, self-managed certificates and Fail as the failure policy', () => {
      const env = envValues(onlyContainer(deployment()));
      assert.equal(env.MESH_INJECTOR_LEADER_ELECT, 'true');
      assert.equal(env.MESH_INJECTOR_LEASE_NAME, 'mesh-injector-leader');
      assert.equal(env.MESH_INJECTOR_CERT_PROVIDER, 'self');
      assert.equal(env.MESH_INJECTOR_CERT_SECRET, DEFAULT_SECRET_NAME);
      assert.equal(env.MESH_INJECTOR_FAILURE_POLICY, 'Fail');
      assert.equal(env.MESH_INJECTOR_REVISIONS, 'default');
      for (const name of Object.keys(env)) assert.match(name, /^MESH_INJECTOR_[A-Z_]+$/);
    });

    it('uses the image tagged with the package version', () => {
      const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
      assert.equal(onlyContainer(deployment()).image, `mesh-injector:${pkg.version}`);
    });
  });

  it('keeps one replica through voluntary disruptions (PodDisruptionBudget minAvailable 1)', () => {
    const pdb = find(objects, 'PodDisruptionBudget', 'mesh-injector') as unknown as V1PodDisruptionBudget;
    assert.equal(pdb.spec?.minAvailable, 1);
    assert.equal(pdb.spec.maxUnavailable, undefined);
    assert.deepEqual(pdb.spec.selector?.matchLabels, podLabels);
  });

  it('exposes the webhook on 443 -> 9443 and metrics on 8080 under the name the operator is given', () => {
    const service = find(objects, 'Service', 'mesh-injector-webhook') as unknown as V1Service;
    const deployment = asDeployment(find(objects, 'Deployment', 'mesh-injector'));
    assert.equal(envValues(onlyContainer(deployment)).MESH_INJECTOR_SERVICE_NAME, service.metadata?.name);
    assert.deepEqual(service.spec?.selector, podLabels);
    const ports = (service.spec.ports ?? []).map((p) => [p.port, p.targetPort]);
    assert.deepEqual(ports, [
      [443, 'webhook'],
      [8080, 'metrics'],
    ]);
  });

  describe('the injector ConfigMaps', () => {
    it('carry the default config and values files unchanged, under names without a hash', () => {
      const injector = configMapData(find(objects, 'ConfigMap', 'istio-sidecar-injector'));
      assert.deepEqual(Object.keys(injector).sort(), ['config', 'values']);
      assert.equal(injector.config, readFileSync(defaultConfigFile, 'utf8'));
      assert.equal(injector.values, readFileSync(defaultValuesFile, 'utf8'));
      const mesh = configMapData(find(objects, 'ConfigMap', 'istio'));
      assert.deepEqual(Object.keys(mesh), ['mesh']);
    });

    it('load into an injector that injects a pod, as the operator would read them', () => {
      const injector = configMapData(find(objects, 'ConfigMap', 'istio-sidecar-injector'));
      const mesh = configMapData(find(objects, 'ConfigMap', 'istio'));
      const settings = settingsFromConfigMaps(
        { config: injector.config, values: injector.values, mesh: mesh.mesh },
        { injector: 'istio-sidecar-injector', mesh: 'istio' },
        { revision: 'default' },
      );
      assert.equal(settings.mesh.rootNamespace, 'istio-system');
      const pod: JsonObject = {
        metadata: { name: 'sleep', labels: { app: 'sleep' } },
        spec: { containers: [{ name: 'sleep', image: 'curlimages/curl' }] },
      };
      const result = new Injector(settings).inject({ pod, namespace: 'mesh-demo', mode: 'webhook' });
      assert.equal(result.kind, 'injected');
      const spec = isJsonObject(result.pod.spec) ? result.pod.spec : {};
      const names = [spec.initContainers, spec.containers]
        .flatMap((list) => (Array.isArray(list) ? list : []))
        .map((c) => (isJsonObject(c) ? c.name : undefined));
      assert.ok(names.includes('istio-proxy'), `containers: ${JSON.stringify(names)}`);
      assert.ok(names.includes('sleep'));
    });
  });

  it('labels every object as part of mesh-injector', () => {
    for (const object of objects) {
      const metadata = isJsonObject(object.metadata) ? object.metadata : {};
      const labels = isJsonObject(metadata.labels) ? metadata.labels : {};
      assert.equal(labels['app.kubernetes.io/part-of'], 'mesh-injector', describeId(object));
    }
  });
});
