import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  injectManifests,
  isInjectableKind,
  ManifestError,
  type PodInjector,
  type WorkloadRef,
} from '../../../src/inject/manifest.ts';
import { isJsonObject } from '../../../src/inject/types.ts';
import { parseYamlDocuments, YamlError } from '../../../src/inject/yaml.ts';

/** A stand-in injector: appends a `proxy` container and records what it was asked to inject. */
function recordingInjector(): { injector: PodInjector; seen: WorkloadRef[] } {
  const seen: WorkloadRef[] = [];
  const injector: PodInjector = (pod, workload) => {
    seen.push(workload);
    if (pod.spec.hostNetwork === true) return { kind: 'skipped', reason: 'has host networking enabled' };
    const containers = Array.isArray(pod.spec.containers) ? pod.spec.containers : [];
    return {
      kind: 'injected',
      pod: { metadata: pod.metadata, spec: { ...pod.spec, containers: [...containers, { name: 'proxy' }] } },
    };
  };
  return { injector, seen };
}

const podSpec = 'spec:\n  containers:\n  - name: app\n    image: app:1\n';
const template = (indent: string): string =>
  `${indent}template:\n${indent}  metadata:\n${indent}    labels: {app: a}\n${indent}  spec:\n${indent}    containers:\n${indent}    - name: app\n`;

function containerNames(text: string): string[][] {
  const names: string[][] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
      return;
    }
    if (!isJsonObject(value)) return;
    const containers = value.containers;
    if (Array.isArray(containers)) {
      names.push(containers.map((c) => (isJsonObject(c) && typeof c.name === 'string' ? c.name : '?')));
    }
    Object.values(value).forEach(visit);
  };
  parseYamlDocuments(text, 'out').forEach((d) => {
    visit(d.value);
  });
  return names;
}

describe('injectManifests', () => {
  const kinds: [string, string, string][] = [
    ['v1', 'Pod', `metadata: {name: p}\n${podSpec}`],
    ['apps/v1', 'Deployment', `metadata: {name: d}\nspec:\n${template('  ')}`],
    ['extensions/v1beta1', 'Deployment', `metadata: {name: old}\nspec:\n${template('  ')}`],
    ['apps/v1', 'ReplicaSet', `metadata: {name: r}\nspec:\n${template('  ')}`],
    ['apps/v1', 'DaemonSet', `metadata: {name: ds}\nspec:\n${template('  ')}`],
    ['apps/v1', 'StatefulSet', `metadata: {name: ss}\nspec:\n${template('  ')}`],
    ['v1', 'ReplicationController', `metadata: {name: rc}\nspec:\n${template('  ')}`],
    ['batch/v1', 'Job', `metadata: {name: j}\nspec:\n${template('  ')}`],
    ['batch/v1', 'CronJob', `metadata: {name: cj}\nspec:\n  jobTemplate:\n    spec:\n${template('      ')}`],
    ['apps.openshift.io/v1', 'DeploymentConfig', `metadata: {name: dc}\nspec:\n${template('  ')}`],
  ];
  for (const [apiVersion, kind, body] of kinds) {
    it(`injects the pod template of a ${apiVersion} ${kind}`, () => {
      const { injector, seen } = recordingInjector();
      const result = injectManifests(
        `apiVersion: ${apiVersion}\nkind: ${kind}\n${body}`,
        'in.yaml',
        injector,
      );
      assert.equal(result.injected, 1);
      assert.deepEqual(containerNames(result.output), [['app', 'proxy']]);
      assert.equal(seen[0]?.kind, kind);
      assert.equal(seen[0].apiVersion, apiVersion);
    });
  }

  it('echoes other kinds byte for byte and keeps the stream order', () => {
    const service =
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: s   # keep this comment\nspec: {ports: [{port: 80}]}';
    const text = `${service}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n${podSpec}---\n${service}\n`;
    const { output } = injectManifests(text, 'in.yaml', recordingInjector().injector);
    const parts = output.split('---\n');
    assert.equal(parts.length, 3);
    assert.equal(parts[0], `${service}\n`);
    assert.match(parts[1] ?? '', /kind: Pod/);
    assert.equal(parts[2], `${service}\n`);
  });

  it('injects each item of a v1 List', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- apiVersion: v1',
      '  kind: Pod',
      '  metadata: {name: a}',
      '  spec: {containers: [{name: app}]}',
      '- apiVersion: v1',
      '  kind: ConfigMap',
      '  metadata: {name: c}',
      '- apiVersion: apps/v1',
      '  kind: Deployment',
      '  metadata: {name: d}',
      '  spec:',
      '    template:',
      '      spec: {containers: [{name: app}]}',
    ].join('\n');
    const result = injectManifests(text, 'list.yaml', recordingInjector().injector);
    assert.equal(result.injected, 2);
    assert.deepEqual(containerNames(result.output), [
      ['app', 'proxy'],
      ['app', 'proxy'],
    ]);
  });

  it('warns about skipped workloads and leaves them unchanged', () => {
    const text =
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n  hostNetwork: true\n  containers: [{name: app}]\n';
    const result = injectManifests(text, 'in.yaml', recordingInjector().injector);
    assert.equal(result.injected, 0);
    assert.deepEqual(result.warnings, [
      '===> Skipping injection because Pod "ns/p" has host networking enabled',
    ]);
    assert.deepEqual(containerNames(result.output), [['app']]);
  });

  it('names the document and line of an object without a kind', () => {
    const text =
      'apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\n# a comment\nmetadata: {name: x}\n';
    assert.throws(
      () => injectManifests(text, 'app.yaml', recordingInjector().injector),
      (err: unknown) =>
        err instanceof ManifestError &&
        err.documentIndex === 1 &&
        err.line === 6 &&
        /app\.yaml: document 1 \(line 6\): not a Kubernetes object/.test(err.message),
    );
  });

  it('rejects a workload without a pod template', () => {
    assert.throws(
      () =>
        injectManifests(
          'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {}\n',
          'd.yaml',
          recordingInjector().injector,
        ),
      /document 0 \(line 1\): Deployment "d" has no pod template at spec\.template/,
    );
  });

  it('rejects a document that is not a map', () => {
    assert.throws(
      () => injectManifests('- a\n- b\n', 'l.yaml', recordingInjector().injector),
      /the document is not a map/,
    );
  });

  it('reports YAML syntax errors with their document', () => {
    assert.throws(
      () =>
        injectManifests(
          'apiVersion: v1\nkind: Pod\n---\nkind: [\n',
          'bad.yaml',
          recordingInjector().injector,
        ),
      (err: unknown) => err instanceof YamlError && err.documentIndex === 1,
    );
  });
});

describe('isInjectableKind', () => {
  it('knows workloads by kind and API group', () => {
    assert.equal(isInjectableKind('apps/v1', 'Deployment'), true);
    assert.equal(isInjectableKind('v1', 'Deployment'), false);
    assert.equal(isInjectableKind('v1', 'Service'), false);
    assert.equal(isInjectableKind('batch/v1beta1', 'CronJob'), true);
    assert.equal(isInjectableKind('v1', 'constructor'), false, 'prototype keys are not kinds');
  });
});
