// The Deployment's environment read by the operator's own flag parser: every MESH_INJECTOR_* variable is a flag
// it knows, and the options it produces name the same objects as the rest of the install (the Service, the
// Secret and Lease in the Role's resourceNames, the CRD in the ClusterRole's, the ConfigMaps' namespace).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { operatorCommand, operatorOptions } from '../../../src/cli/operator.ts';
import type { OperatorOptions } from '../../../src/controller/manager.ts';
import type { JsonObject } from '../../../src/inject/types.ts';
import { parseDockerfile } from './dockerfile.ts';
import {
  asDeployment,
  configDir,
  envFieldRefs,
  envValues,
  find,
  idOf,
  onlyContainer,
  operatorNamespace,
  render,
  repoRoot,
} from './kustomize.ts';

/** What the pod's environment is once the kubelet has resolved the downward API. */
function podEnvironment(objects: readonly JsonObject[]): NodeJS.ProcessEnv {
  const deployment = find(objects, 'Deployment', 'mesh-injector');
  const container = onlyContainer(asDeployment(deployment));
  const resolved: Record<string, string> = { 'metadata.namespace': idOf(deployment).namespace };
  const env: NodeJS.ProcessEnv = { ...envValues(container) };
  for (const [name, path] of Object.entries(envFieldRefs(container))) env[name] = resolved[path] ?? 'pod-0';
  return env;
}

function optionsOf(objects: readonly JsonObject[]): OperatorOptions {
  return operatorOptions([], podEnvironment(objects), true).options;
}

function rule(objects: readonly JsonObject[], kind: string, name: string, resource: string): string[] {
  const role = find(objects, kind, name) as { rules?: { resources?: string[]; resourceNames?: string[] }[] };
  return (role.rules ?? [])
    .filter((r) => r.resources?.includes(resource) === true)
    .flatMap((r) => r.resourceNames ?? []);
}

describe('the Deployment as the operator reads it', () => {
  let objects: JsonObject[] = [];
  let certManager: JsonObject[] = [];
  before(async () => {
    [objects, certManager] = await Promise.all([
      render(join(configDir, 'default')),
      render(join(configDir, 'cert-manager')),
    ]);
  });

  it('sets only variables that are operator flags', () => {
    const known = new Set(
      [...operatorCommand.help.matchAll(/^ {2}--([a-z-]+)/gm)].map(
        (m) => `MESH_INJECTOR_${(m[1] ?? '').toUpperCase().replaceAll('-', '_')}`,
      ),
    );
    assert.ok(known.size > 10, 'could not read the flags from the help text');
    for (const name of Object.keys(
      envValues(onlyContainer(asDeployment(find(objects, 'Deployment', 'mesh-injector')))),
    ))
      assert.ok(known.has(name), `${name} is not an operator flag`);
  });

  it('parses into options that name the objects the install creates and grants', () => {
    const options = optionsOf(objects);
    assert.equal(options.namespace, operatorNamespace);
    assert.equal(
      options.configNamespace,
      idOf(find(objects, 'Role', 'mesh-injector-config-reader')).namespace,
    );
    assert.ok(find(objects, 'Service', options.serviceName));
    assert.equal(options.webhookUrl, undefined);
    assert.deepEqual(options.webhookListen, { port: 9443 });
    assert.deepEqual(options.metricsListen, { port: 8080 });
    assert.deepEqual(rule(objects, 'Role', 'mesh-injector-operator', 'secrets'), [options.certSecret]);
    assert.deepEqual(rule(objects, 'Role', 'mesh-injector-operator', 'leases'), [options.leaseName]);
    assert.ok(options.webhookOwnerCrd);
    assert.ok(find(objects, 'CustomResourceDefinition', options.webhookOwnerCrd));
    assert.deepEqual(rule(objects, 'ClusterRole', 'mesh-injector-manager', 'customresourcedefinitions'), [
      options.webhookOwnerCrd,
    ]);
    assert.deepEqual(options.revisions, ['default']);
    assert.deepEqual(options.tags, {});
    assert.ok(find(objects, 'ConfigMap', options.configMapNames.injector));
    assert.ok(find(objects, 'ConfigMap', options.configMapNames.mesh));
    assert.equal(options.leaderElection, true);
    assert.equal(options.certMode, 'self-managed');
    assert.equal(options.failurePolicy, 'Fail');
    assert.equal(options.controllers, true);
  });

  it('has the lame-duck period end well within the termination grace period', () => {
    const options = optionsOf(objects);
    const grace = asDeployment(find(objects, 'Deployment', 'mesh-injector')).spec?.template.spec
      ?.terminationGracePeriodSeconds;
    assert.ok(grace !== undefined && options.lameDuckMs < (grace * 1000) / 2, `grace ${String(grace)}s`);
  });

  it('switches to the external certificate provider in the cert-manager variant', () => {
    assert.equal(optionsOf(certManager).certMode, 'external');
  });

  it('is the command the image runs', () => {
    const dockerfile = parseDockerfile(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
    const entrypoint = dockerfile.find((i) => i.keyword === 'ENTRYPOINT');
    assert.ok(entrypoint);
    assert.equal((JSON.parse(entrypoint.args) as string[]).at(-1), operatorCommand.name);
  });
});
