// The injector remembers results only for requests it has seen before: replicas of a workload become lookups,
// and a pod unlike any other is not kept. Whatever is remembered, every result is frozen and equal to a fresh one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injector, type InjectResult } from '../../../src/inject/injector.ts';
import { loadInjectorSettings } from '../../../src/inject/settings.ts';
import type { JsonObject } from '../../../src/inject/types.ts';

const newInjector = (): Injector => new Injector({ ...loadInjectorSettings({}), revision: 'default' });

const pod = (version: string): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: 'shop', labels: { app: 'web', version }, generateName: 'web-' },
  spec: { containers: [{ name: 'web', image: 'web:1', ports: [{ containerPort: 8080 }] }] },
});

const inject = (injector: Injector, p: JsonObject): InjectResult =>
  injector.inject({ pod: p, namespace: 'shop', mode: 'webhook' });

describe('Injector result cache', () => {
  it('remembers a request the second time it is seen, and answers the third from memory', () => {
    const injector = newInjector();
    const first = inject(injector, pod('v1'));
    const second = inject(injector, pod('v1'));
    const third = inject(injector, pod('v1'));
    assert.notEqual(second, first, 'a request seen once is not kept');
    assert.equal(third, second);
    assert.deepEqual(first, second);
  });

  it('does not mix up requests that differ', () => {
    const injector = newInjector();
    for (let round = 0; round < 3; round++) {
      for (const version of ['v1', 'v2']) {
        const result = inject(injector, pod(version));
        if (result.kind !== 'injected') assert.fail('not injected');
        const labels = (result.pod.metadata as { labels: Record<string, string> }).labels;
        assert.equal(labels.version, version);
      }
    }
  });

  it('hands out frozen results that equal a fresh injection, whether remembered or not', () => {
    const cached = newInjector();
    const results = [1, 2, 3].map(() => inject(cached, pod('v3')));
    const fresh = inject(newInjector(), pod('v3'));
    for (const result of results) {
      assert.ok(Object.isFrozen(result));
      assert.equal(JSON.stringify(result), JSON.stringify(fresh));
      if (result.kind !== 'injected') return;
      assert.ok(Object.isFrozen(result.pod.spec));
      assert.ok(result.patch.every((operation) => Object.isFrozen(operation)));
    }
  });

  it('does not freeze or keep the caller’s pod', () => {
    const injector = newInjector();
    const input = pod('v4');
    inject(injector, input);
    inject(injector, input);
    assert.ok(!Object.isFrozen(input));
    assert.ok(!Object.isFrozen(input.metadata));
    (input.metadata as { labels: Record<string, string> }).labels.version = 'v5';
    const after = inject(injector, input);
    if (after.kind !== 'injected') assert.fail('not injected');
    assert.equal((after.pod.metadata as { labels: Record<string, string> }).labels.version, 'v5');
  });
});
