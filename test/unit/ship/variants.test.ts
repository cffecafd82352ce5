// The other renderings of config/: the cert-manager variant (and the same install moved to another namespace),
// and the samples.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { load } from 'js-yaml';
import { isJsonObject, type JsonObject, type JsonValue } from '../../../src/inject/types.ts';
import {
  asDeployment,
  configDir,
  describeId,
  envValues,
  find,
  idOf,
  ofKind,
  onlyContainer,
  operatorNamespace,
  render,
  renderOverlay,
  repoRoot,
} from './kustomize.ts';

function at(value: JsonValue | undefined, ...path: (string | number)[]): JsonValue | undefined {
  let current = value;
  for (const key of path) {
    if (typeof key === 'number') current = Array.isArray(current) ? current[key] : undefined;
    else current = isJsonObject(current) ? current[key] : undefined;
  }
  return current;
}

function text(value: JsonValue | undefined): string {
  if (typeof value !== 'string') throw new Error(`want a string, got ${JSON.stringify(value)}`);
  return value;
}

describe('config/cert-manager', () => {
  let objects: JsonObject[] = [];
  let defaults: JsonObject[] = [];
  before(async () => {
    [objects, defaults] = await Promise.all([
      render(join(configDir, 'cert-manager')),
      render(join(configDir, 'default')),
    ]);
  });

  it('is the default install plus two Issuers and two Certificates', () => {
    const extra = objects.map(describeId).filter((id) => !defaults.map(describeId).includes(id));
    assert.deepEqual(extra.sort(), [
      `Certificate ${operatorNamespace}/mesh-injector-ca`,
      `Certificate ${operatorNamespace}/mesh-injector-webhook`,
      `Issuer ${operatorNamespace}/mesh-injector-ca`,
      `Issuer ${operatorNamespace}/mesh-injector-selfsigned`,
    ]);
    assert.equal(objects.length, defaults.length + 4);
    assert.ok(!objects.some((o) => o.kind === 'MutatingWebhookConfiguration'));
  });

  it('switches the operator to the external certificate provider, once', () => {
    const container = onlyContainer(asDeployment(find(objects, 'Deployment', 'mesh-injector')));
    assert.equal(envValues(container).MESH_INJECTOR_CERT_PROVIDER, 'external');
    assert.equal((container.env ?? []).filter((e) => e.name === 'MESH_INJECTOR_CERT_PROVIDER').length, 1);
  });

  it('issues the serving certificate into the Secret the operator reads, for the Service DNS names', () => {
    const certificate = find(objects, 'Certificate', 'mesh-injector-webhook');
    const env = envValues(onlyContainer(asDeployment(find(objects, 'Deployment', 'mesh-injector'))));
    assert.equal(at(certificate, 'spec', 'secretName'), env.MESH_INJECTOR_CERT_SECRET);
    const service = idOf(find(objects, 'Service', env.MESH_INJECTOR_SERVICE_NAME ?? ''));
    assert.deepEqual(at(certificate, 'spec', 'dnsNames'), [
      `${service.name}.${service.namespace}.svc`,
      `${service.name}.${service.namespace}.svc.cluster.local`,
    ]);
    assert.deepEqual(at(certificate, 'spec', 'usages'), ['server auth', 'digital signature']);
  });

  it('chains the serving certificate to a CA issued by a self-signed Issuer, so renewals keep the caBundle', () => {
    const serving = find(objects, 'Certificate', 'mesh-injector-webhook');
    const caIssuerName = at(serving, 'spec', 'issuerRef', 'name');
    assert.equal(at(serving, 'spec', 'issuerRef', 'kind'), 'Issuer');
    const caIssuer = find(objects, 'Issuer', text(caIssuerName));
    const ca = find(objects, 'Certificate', 'mesh-injector-ca');
    assert.equal(at(caIssuer, 'spec', 'ca', 'secretName'), at(ca, 'spec', 'secretName'));
    assert.equal(at(ca, 'spec', 'isCA'), true);
    const root = find(objects, 'Issuer', text(at(ca, 'spec', 'issuerRef', 'name')));
    assert.deepEqual(at(root, 'spec', 'selfSigned'), {});
  });

  it('follows the install into another namespace: objects, binding subjects and DNS names', async () => {
    const text = readFileSync(join(configDir, 'cert-manager', 'kustomization.yaml'), 'utf8')
      .replace(`namespace: ${operatorNamespace}`, 'namespace: platform-mesh')
      .replace('../default', '{config}/default')
      .replace('../certmanager', '{config}/certmanager');
    const moved = await renderOverlay(text);
    for (const object of moved) {
      const { kind, namespace, name } = idOf(object);
      if (kind === 'Namespace') assert.equal(name, 'platform-mesh');
      else if (namespace !== '') assert.equal(namespace, 'platform-mesh', describeId(object));
    }
    for (const binding of [...ofKind(moved, 'RoleBinding'), ...ofKind(moved, 'ClusterRoleBinding')])
      assert.equal(at(binding, 'subjects', 0, 'namespace'), 'platform-mesh', describeId(binding));
    assert.deepEqual(at(find(moved, 'Certificate', 'mesh-injector-webhook'), 'spec', 'dnsNames'), [
      'mesh-injector-webhook.platform-mesh.svc',
      'mesh-injector-webhook.platform-mesh.svc.cluster.local',
    ]);
  });
});

describe('config/samples', () => {
  let objects: JsonObject[] = [];
  before(async () => {
    objects = await render(join(configDir, 'samples'));
  });

  it('is an opted-in namespace with productpage, sleep and their MeshInjection', () => {
    assert.deepEqual(objects.map(describeId).sort(), [
      'Deployment mesh-demo/productpage-v1',
      'Deployment mesh-demo/sleep',
      'MeshInjection mesh-demo/default',
      'Namespace mesh-demo',
      'Service mesh-demo/productpage',
      'Service mesh-demo/sleep',
      'ServiceAccount mesh-demo/bookinfo-productpage',
      'ServiceAccount mesh-demo/sleep',
    ]);
    assert.equal(
      at(find(objects, 'Namespace', 'mesh-demo'), 'metadata', 'labels', 'istio-injection'),
      'enabled',
    );
  });

  it('has a MeshInjection spec the CRD schema accepts', () => {
    const crd = load(readFileSync(join(repoRoot, 'crds', 'meshinjection.yaml'), 'utf8'));
    assert.ok(isJsonObject(crd));
    const schema = at(
      crd,
      'spec',
      'versions',
      0,
      'schema',
      'openAPIV3Schema',
      'properties',
      'spec',
      'properties',
    );
    assert.ok(isJsonObject(schema));
    const spec = at(find(objects, 'MeshInjection', 'default'), 'spec');
    assert.ok(isJsonObject(spec));
    for (const [field, value] of Object.entries(spec)) {
      const property: JsonValue | undefined = schema[field];
      assert.ok(isJsonObject(property), `spec.${field} is not in the CRD`);
      const allowed: JsonValue | undefined = property.enum;
      if (Array.isArray(allowed))
        assert.ok(allowed.includes(value), `spec.${field}: ${JSON.stringify(value)}`);
      const pattern = property.pattern;
      if (typeof pattern === 'string') assert.match(text(value), new RegExp(pattern), `spec.${field}`);
      const type: JsonValue | undefined = property.type;
      const actual: string = Array.isArray(value)
        ? 'array'
        : typeof value === 'number'
          ? 'integer'
          : typeof value;
      assert.equal(actual, type, `spec.${field} type`);
    }
  });
});
