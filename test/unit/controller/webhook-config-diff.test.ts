import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredWebhookConfigurations } from '../../../src/controller/webhook-config-desired.ts';
import { diffWebhookConfiguration, firstDifference } from '../../../src/controller/webhook-config-diff.ts';
import type { JsonObject } from '../../../src/inject/types.ts';

const caPem = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
const desired = desiredWebhookConfigurations(
  {
    operatorNamespace: 'ops',
    target: { url: 'https://127.0.0.1:9443/inject' },
    owner: { apiVersion: 'example.dev/v1', kind: 'Install', name: 'main', uid: 'u-1' },
  },
  caPem,
).get('mesh-injector-sidecar-injector')!;

/** What the API server returns for an applied `desired`: the same fields plus its own. */
function live(): JsonObject {
  const copy = structuredClone(desired);
  const metadata = copy.metadata as JsonObject;
  metadata.uid = 'mwc-uid';
  metadata.resourceVersion = '42';
  metadata.generation = 1;
  metadata.creationTimestamp = '2031-01-01T00:00:00Z';
  (metadata.labels as JsonObject)['team'] = 'platform';
  return copy;
}

function hooks(obj: JsonObject): JsonObject[] {
  return obj.webhooks as JsonObject[];
}

describe('diffWebhookConfiguration', () => {
  it('finds nothing to write when live holds everything we set, plus server and foreign fields', () => {
    const current = live();
    hooks(current).push({ name: 'validation.example.com', sideEffects: 'None' });
    assert.deepEqual(diffWebhookConfiguration(desired, current), []);
  });

  it('reports a missing configuration', () => {
    assert.deepEqual(diffWebhookConfiguration(desired, undefined), [
      { reason: 'missing', detail: 'the configuration does not exist' },
    ]);
  });

  it('reports an edited or emptied caBundle per entry', () => {
    const edited = live();
    ((hooks(edited)[0]!.clientConfig as JsonObject).caBundle as string) =
      Buffer.from('other').toString('base64');
    delete (hooks(edited)[1]!.clientConfig as JsonObject).caBundle;
    assert.deepEqual(diffWebhookConfiguration(desired, edited), [
      {
        reason: 'ca_bundle',
        detail: 'webhooks[rev.namespace.sidecar-injector.mesh-injector.dev].clientConfig.caBundle differs',
      },
      {
        reason: 'ca_bundle',
        detail: 'webhooks[rev.object.sidecar-injector.mesh-injector.dev].clientConfig.caBundle is empty',
      },
    ]);
  });

  it('reports a deleted entry, a changed entry and an unexpected entry of ours', () => {
    const changed = live();
    hooks(changed).splice(3, 1);
    hooks(changed)[2]!.failurePolicy = 'Ignore';
    hooks(changed).push({ name: 'extra.sidecar-injector.mesh-injector.dev' });
    assert.deepEqual(diffWebhookConfiguration(desired, changed), [
      {
        reason: 'webhook_changed',
        detail:
          'webhooks[namespace.sidecar-injector.mesh-injector.dev].failurePolicy: want "Fail", have "Ignore"',
      },
      { reason: 'webhook_missing', detail: 'webhook object.sidecar-injector.mesh-injector.dev is missing' },
      {
        reason: 'webhook_unexpected',
        detail: 'webhook extra.sidecar-injector.mesh-injector.dev is not wanted',
      },
    ]);
  });

  it('notices a selector change deep in an entry and names the path', () => {
    const changed = live();
    const selector = hooks(changed)[0]!.namespaceSelector as JsonObject;
    (selector.matchExpressions as JsonObject[]).pop();
    const drifts = diffWebhookConfiguration(desired, changed);
    assert.equal(drifts.length, 1);
    assert.equal(drifts[0]?.reason, 'webhook_changed');
    assert.match(drifts[0].detail, /namespaceSelector\.matchExpressions: want \[/);
  });

  it('reports labels and owner references we set', () => {
    const relabelled = live();
    ((relabelled.metadata as JsonObject).labels as JsonObject)['istio.io/rev'] = 'canary';
    delete (relabelled.metadata as JsonObject).ownerReferences;
    assert.deepEqual(
      diffWebhookConfiguration(desired, relabelled).map((d) => d.reason),
      ['metadata', 'metadata'],
    );
  });

  it('firstDifference: objects by subset, arrays by length and position, scalars by value', () => {
    assert.equal(firstDifference({ a: 1 }, { a: 1, b: 2 }, 'x'), undefined);
    assert.equal(firstDifference({ a: [1, 2] }, { a: [2, 1] }, 'x'), 'x.a[0]: want 1, have 2');
    assert.equal(firstDifference({ a: [1] }, { a: [1, 2] }, 'x'), 'x.a: want [1], have [1,2]');
    assert.equal(firstDifference({ a: { b: 'c' } }, {}, 'x'), 'x.a: want an object, have nothing');
  });
});
