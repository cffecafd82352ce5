// Bugs the golden suite found in the pipeline, each pinned by a test small enough to say exactly what was wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injector, type InjectResult } from '../../../../src/inject/injector.ts';
import { loadInjectorSettings } from '../../../../src/inject/settings.ts';
import { isJsonObject, type JsonObject } from '../../../../src/inject/types.ts';

const injector = new Injector(loadInjectorSettings({}));

function podTemplate(): JsonObject {
  return {
    metadata: { labels: { app: 'reviews' } },
    spec: { containers: [{ name: 'reviews', image: 'reviews:1' }] },
  };
}

function injectedPod(result: InjectResult): JsonObject {
  if (result.kind !== 'injected') assert.fail(`not injected: ${result.decision.message}`);
  return result.pod;
}

function metadataOf(pod: JsonObject): JsonObject {
  assert.ok(isJsonObject(pod.metadata));
  return pod.metadata;
}

describe('kube-inject and the workload namespace', () => {
  it('does not write the workload namespace into the pod template', () => {
    const result = injector.inject({
      pod: podTemplate(),
      namespace: 'bookinfo',
      workload: { kind: 'Deployment', apiVersion: 'apps/v1', name: 'reviews', namespace: 'bookinfo' },
      mode: 'kube-inject',
    });
    assert.equal(metadataOf(injectedPod(result)).namespace, undefined);
  });

  it('still fills the request namespace into a webhook pod that has none, as istiod does', () => {
    const result = injector.inject({ pod: podTemplate(), namespace: 'bookinfo', mode: 'webhook' });
    assert.equal(metadataOf(injectedPod(result)).namespace, 'bookinfo');
  });
});
