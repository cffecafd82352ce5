import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InjectorConfigSource,
  revisionConfigMapName,
  revisionSources,
  type ConfigProblem,
} from '../../../src/controller/injector-config.ts';
import type { JsonObject } from '../../../src/inject/types.ts';
import { createLogger } from '../../../src/observability/logger.ts';

const logger = createLogger({ level: 'silent' });
const names = { injector: 'istio-sidecar-injector', mesh: 'istio' };

/** A stand-in for the ConfigMap informer's cache. */
class FakeConfigMaps {
  readonly #objects = new Map<string, JsonObject>();
  #version = 0;
  set(name: string, data: Record<string, string>): void {
    this.#objects.set(`cfg/${name}`, {
      metadata: { name, namespace: 'cfg', resourceVersion: String(++this.#version) },
      data,
    });
  }
  delete(name: string): void {
    this.#objects.delete(`cfg/${name}`);
  }
  get(key: string): JsonObject | undefined {
    return this.#objects.get(key);
  }
}

const template = (marker: string): string =>
  `policy: enabled\ntemplates:\n  sidecar: |\n    metadata:\n      annotations:\n        marker: ${marker}\n`;

function source(revisions: string[], problems: ConfigProblem[] = []): InjectorConfigSource {
  return new InjectorConfigSource({
    namespace: 'cfg',
    revisions,
    settings: {},
    logger,
    onInvalid: (p) => problems.push(p),
  });
}

function markerOf(src: InjectorConfigSource, revision: string): unknown {
  const injector = src.injectorFor(revision);
  assert.ok(injector !== undefined, `no injector for ${revision}`);
  const result = injector.inject({
    pod: { metadata: { name: 'p', namespace: 'app' }, spec: { containers: [{ name: 'app' }] } },
    namespace: 'app',
    mode: 'webhook',
  });
  assert.equal(result.kind, 'injected');
  const metadata = result.pod.metadata as { annotations?: Record<string, string> };
  return metadata.annotations?.marker;
}

describe('revision ConfigMap names', () => {
  it('suffixes non-default revisions only', () => {
    assert.equal(revisionConfigMapName('istio', 'default'), 'istio');
    assert.equal(revisionConfigMapName('istio', 'canary'), 'istio-canary');
  });

  it("prefers the revision's own ConfigMap, then the unsuffixed one, then none", () => {
    const present = new Map([
      ['istio-sidecar-injector', { config: 'a' }],
      ['istio-sidecar-injector-canary', { config: 'b' }],
    ]);
    const lookup = (n: string): Record<string, string> | undefined => present.get(n);
    assert.equal(revisionSources('canary', names, lookup).injector?.name, 'istio-sidecar-injector-canary');
    assert.equal(revisionSources('stable', names, lookup).injector?.name, 'istio-sidecar-injector');
    assert.equal(revisionSources('stable', names, lookup).mesh, undefined);
  });
});

describe('InjectorConfigSource', () => {
  it('serves the project defaults when there are no ConfigMaps, and is then ready', () => {
    const src = source(['default']);
    assert.match(src.notReady() ?? '', /revision\(s\) default/);
    src.sync(new FakeConfigMaps());
    assert.equal(src.notReady(), undefined);
    const injector = src.injectorFor('default');
    assert.ok(injector !== undefined);
    assert.match(injector.settings.source ?? '', /defaults/);
  });

  it('picks up a changed ConfigMap without a restart', () => {
    const cms = new FakeConfigMaps();
    const src = source(['default']);
    cms.set('istio-sidecar-injector', { config: template('one') });
    src.sync(cms);
    assert.equal(markerOf(src, 'default'), 'one');
    cms.set('istio-sidecar-injector', { config: template('two') });
    src.sync(cms);
    assert.equal(markerOf(src, 'default'), 'two');
  });

  it('keeps the last good injector when a new config is invalid, and reports it once', () => {
    const cms = new FakeConfigMaps();
    const problems: ConfigProblem[] = [];
    const src = source(['default'], problems);
    cms.set('istio-sidecar-injector', { config: template('good') });
    src.sync(cms);
    cms.set('istio-sidecar-injector', { config: 'templates:\n  sidecar: "{{ if }}"\n' });
    src.sync(cms);
    src.sync(cms); // an unrelated event: the same bad ConfigMap is not reported again
    assert.equal(markerOf(src, 'default'), 'good');
    assert.equal(problems.length, 1);
    const [problem] = problems;
    assert.ok(problem !== undefined);
    assert.deepEqual(problem.configMaps, ['cfg/istio-sidecar-injector']);
    assert.match(problem.message, /templates\.sidecar: template: sidecar:1: missing value for if/);
  });

  it('is not ready while a revision has never had a valid config', () => {
    const cms = new FakeConfigMaps();
    const src = source(['default', 'canary']);
    cms.set('istio-sidecar-injector-canary', { config: 'policy: sometimes\n' });
    src.sync(cms);
    assert.match(src.notReady() ?? '', /revision\(s\) canary/);
    assert.equal(src.injectorFor('canary'), undefined);
    assert.ok(src.injectorFor('default') !== undefined);
  });

  it('gives each revision its own config and its revision name', () => {
    const cms = new FakeConfigMaps();
    const src = source(['default', 'canary']);
    cms.set('istio-sidecar-injector', { config: template('stable') });
    cms.set('istio-sidecar-injector-canary', { config: template('canary') });
    cms.set('istio-canary', { mesh: 'trustDomain: canary.local\n' });
    src.sync(cms);
    assert.equal(markerOf(src, 'default'), 'stable');
    assert.equal(markerOf(src, 'canary'), 'canary');
    assert.equal(src.injectorFor('canary')?.settings.revision, 'canary');
    assert.equal(src.injectorFor('canary')?.settings.mesh.trustDomain, 'canary.local');
    assert.equal(src.injectorFor('default')?.settings.mesh.trustDomain, 'cluster.local');
  });

  it('falls back to the defaults when its ConfigMap is deleted', () => {
    const cms = new FakeConfigMaps();
    const src = source(['default']);
    cms.set('istio-sidecar-injector', { config: template('custom') });
    src.sync(cms);
    cms.delete('istio-sidecar-injector');
    src.sync(cms);
    assert.equal(markerOf(src, 'default'), undefined);
  });
});
