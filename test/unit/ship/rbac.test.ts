// The operator's RBAC, as config/default renders it: exactly the permissions the operator's code needs, no more
// (nothing the list below does not name, no wildcards), with its Secret and Lease rights confined to its namespace.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { V1ClusterRoleBinding, V1PolicyRule, V1Role } from '@kubernetes/client-node';
import { DEFAULT_SECRET_NAME } from '../../../src/certs/secret.ts';
import { WEBHOOK_CONFIG_NAME } from '../../../src/controller/webhook-config-desired.ts';
import type { JsonObject } from '../../../src/inject/types.ts';
import {
  asDeployment,
  configDir,
  describeId,
  envValues,
  find,
  idOf,
  onlyContainer,
  operatorNamespace,
  render,
  renderOverlay,
} from './kustomize.ts';

const serviceAccount = 'mesh-injector';
const crdName = 'meshinjections.injection.mesh-injector.dev';
const leaseName = 'mesh-injector-leader';

/** `<where> <group>/<resource> <verb>[ <name>]`, where is `cluster` or a namespace and group `core` for "". */
function grant(where: string, group: string, resource: string, verb: string, name?: string): string {
  return `${where} ${group === '' ? 'core' : group}/${resource} ${verb}${name === undefined ? '' : ` ${name}`}`;
}

function grants(
  where: string,
  group: string,
  resources: readonly string[],
  verbs: readonly string[],
  name?: string,
): string[] {
  return resources.flatMap((resource) => verbs.map((verb) => grant(where, group, resource, verb, name)));
}

const read = ['get', 'list', 'watch'];
const ns = operatorNamespace;

/** What the operator calls, from the code (the rule comments in config/rbac say which code). */
const needed = [
  ...grants('cluster', '', ['namespaces', 'pods', 'nodes'], read),
  ...grants(
    'cluster',
    'apps',
    ['deployments', 'statefulsets', 'daemonsets', 'replicasets'],
    [...read, 'patch'],
  ),
  ...grants('cluster', '', ['replicationcontrollers'], [...read, 'patch']),
  ...grants('cluster', 'batch', ['jobs'], read),
  ...grants('cluster', 'argoproj.io', ['rollouts'], ['get', 'patch']),
  ...grants('cluster', 'admissionregistration.k8s.io', ['mutatingwebhookconfigurations'], ['list', 'watch']),
  ...grants(
    'cluster',
    'admissionregistration.k8s.io',
    ['mutatingwebhookconfigurations'],
    ['get', 'create', 'update', 'patch', 'delete'],
    WEBHOOK_CONFIG_NAME,
  ),
  grant('cluster', 'apiextensions.k8s.io', 'customresourcedefinitions', 'get', crdName),
  ...grants(
    'cluster',
    'injection.mesh-injector.dev',
    ['meshinjections'],
    ['get', 'list', 'watch', 'create', 'update', 'patch'],
  ),
  ...grants('cluster', 'injection.mesh-injector.dev', ['meshinjections/status'], ['update', 'patch']),
  ...grants('cluster', '', ['events'], ['create', 'patch']),
  ...grants(ns, '', ['secrets'], [...read, 'update'], DEFAULT_SECRET_NAME),
  grant(ns, '', 'secrets', 'create'),
  ...grants(ns, 'coordination.k8s.io', ['leases'], ['get', 'update'], leaseName),
  grant(ns, 'coordination.k8s.io', 'leases', 'create'),
  ...grants(ns, '', ['configmaps'], read),
].sort();

type Binding = V1ClusterRoleBinding & { metadata: { namespace?: string } };

/** Every permission the bindings give the operator's ServiceAccount, flattened to one line per verb and name. */
function operatorGrants(objects: readonly JsonObject[]): string[] {
  const out: string[] = [];
  for (const object of objects) {
    if (object.kind !== 'ClusterRoleBinding' && object.kind !== 'RoleBinding') continue;
    const binding = object as unknown as Binding;
    const bound = (binding.subjects ?? []).some(
      (s) => s.kind === 'ServiceAccount' && s.name === serviceAccount && s.namespace === operatorNamespace,
    );
    if (!bound) continue;
    const where = object.kind === 'ClusterRoleBinding' ? 'cluster' : (binding.metadata.namespace ?? '');
    const role = find(objects, binding.roleRef.kind, binding.roleRef.name) as unknown as V1Role;
    if (binding.roleRef.kind === 'Role') assert.equal(idOf(role as unknown as JsonObject).namespace, where);
    for (const rule of role.rules ?? []) {
      for (const group of rule.apiGroups ?? [])
        for (const resource of rule.resources ?? [])
          for (const verb of rule.verbs) {
            const names = rule.resourceNames ?? [];
            if (names.length === 0) out.push(grant(where, group, resource, verb));
            else for (const name of names) out.push(grant(where, group, resource, verb, name));
          }
    }
  }
  return out.sort();
}

function rulesOf(object: JsonObject): V1PolicyRule[] {
  return (object as unknown as V1Role).rules ?? [];
}

const roleKinds = new Set(['Role', 'ClusterRole']);

describe('RBAC', () => {
  let objects: JsonObject[] = [];
  before(async () => {
    objects = await render(join(configDir, 'default'));
  });

  it('gives the operator exactly the permissions its code needs', () => {
    assert.deepEqual(operatorGrants(objects), needed);
  });

  it('has no wildcard, non-resource URL or privilege-granting verb in any role', () => {
    for (const role of objects.filter((o) => roleKinds.has(idOf(o).kind))) {
      for (const rule of rulesOf(role)) {
        const words = [
          ...(rule.apiGroups ?? []),
          ...(rule.resources ?? []),
          ...rule.verbs,
          ...(rule.resourceNames ?? []),
        ];
        assert.ok(!words.some((w) => w.includes('*')), `${describeId(role)}: ${JSON.stringify(rule)}`);
        assert.equal(rule.nonResourceURLs, undefined, describeId(role));
        for (const verb of ['escalate', 'bind', 'impersonate', 'deletecollection'])
          assert.ok(!rule.verbs.includes(verb), `${describeId(role)} grants ${verb}`);
      }
    }
  });

  it('grants Secrets, Leases and ConfigMaps only through Roles in the operator namespace', () => {
    const confined = new Set(['secrets', 'leases', 'configmaps']);
    for (const role of objects.filter((o) => roleKinds.has(idOf(o).kind))) {
      const touches = rulesOf(role).some((rule) => (rule.resources ?? []).some((r) => confined.has(r)));
      if (!touches) continue;
      assert.equal(role.kind, 'Role', `${describeId(role)} must be a Role`);
      assert.equal(idOf(role).namespace, operatorNamespace);
    }
  });

  it('never lets the operator delete pods unless config/pod-deletion is added', () => {
    assert.ok(!operatorGrants(objects).some((g) => g.startsWith('cluster core/pods delete')));
  });

  it('names in resourceNames what the operator is configured to use', () => {
    const env = envValues(onlyContainer(asDeployment(find(objects, 'Deployment', 'mesh-injector'))));
    assert.equal(env.MESH_INJECTOR_CERT_SECRET, DEFAULT_SECRET_NAME);
    assert.equal(env.MESH_INJECTOR_LEASE_NAME, leaseName);
    assert.ok(find(objects, 'CustomResourceDefinition', crdName));
  });

  it('binds the people-facing MeshInjection roles to nobody and limits them to MeshInjections', () => {
    for (const name of ['mesh-injector-meshinjection-viewer', 'mesh-injector-meshinjection-editor']) {
      const role = find(objects, 'ClusterRole', name);
      for (const rule of rulesOf(role)) {
        assert.deepEqual(rule.apiGroups, ['injection.mesh-injector.dev']);
        for (const resource of rule.resources ?? []) assert.match(resource, /^meshinjections(\/status)?$/);
      }
      const bindings = objects.filter(
        (o) => idOf(o).kind.endsWith('Binding') && (o as unknown as Binding).roleRef.name === name,
      );
      assert.deepEqual(bindings.map(describeId), []);
    }
    const editorVerbs = rulesOf(find(objects, 'ClusterRole', 'mesh-injector-meshinjection-editor')).flatMap(
      (r) => r.verbs,
    );
    assert.ok(!editorVerbs.includes('create') && !editorVerbs.includes('delete'));
  });

  it('justifies every operator rule with a comment right above it', () => {
    const files = [
      'rbac/manager_role.yaml',
      'rbac/operator_role.yaml',
      'rbac/config_reader_role.yaml',
      'pod-deletion/pod_deletion_role.yaml',
    ];
    for (const file of files) {
      const lines = readFileSync(join(configDir, file), 'utf8').split('\n');
      let rules = 0;
      lines.forEach((line, index) => {
        if (!/^ {2}- apiGroups:/.test(line)) return;
        rules++;
        assert.match(
          lines[index - 1] ?? '',
          /^ {2}#/,
          `${file}:${index + 1}: rule without a comment above it`,
        );
      });
      assert.ok(rules > 0, `${file} has no rules`);
    }
  });

  it('adds exactly the pod deletion with config/pod-deletion', async () => {
    const withDeletion = await renderOverlay(
      'resources: ["{config}/default"]\ncomponents: ["{config}/pod-deletion"]\n',
    );
    const added = operatorGrants(withDeletion).filter((g) => !needed.includes(g));
    assert.deepEqual(added, ['cluster core/pods delete']);
  });

  it('serves more revisions with the patch docs/configuration.md shows', async () => {
    const docs = readFileSync(join(configDir, '..', 'docs', 'configuration.md'), 'utf8');
    const section = docs.slice(docs.indexOf('### Serving more revisions'));
    const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(block, 'no yaml block under "Serving more revisions"');
    const patched = await renderOverlay(`resources: ["{config}/default"]\n${block}`);
    const added = operatorGrants(patched).filter((g) => !needed.includes(g));
    const webhookVerbs = ['get', 'create', 'update', 'patch', 'delete'];
    assert.deepEqual(
      added,
      ['mesh-injector-revision-tag-prod', 'mesh-injector-sidecar-injector-canary']
        .flatMap((name) =>
          grants(
            'cluster',
            'admissionregistration.k8s.io',
            ['mutatingwebhookconfigurations'],
            webhookVerbs,
            name,
          ),
        )
        .sort(),
    );
  });
});
