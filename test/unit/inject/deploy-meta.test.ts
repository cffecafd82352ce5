import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deploymentMetaFromPod, type DeploymentMeta } from '../../../src/inject/deploy-meta.ts';
import type { JsonObject } from '../../../src/inject/types.ts';

interface Owner {
  kind: string;
  name: string;
  apiVersion?: string;
  controller?: boolean;
}

function pod(options: {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  owners?: Owner[];
}): JsonObject {
  const metadata: JsonObject = {};
  if (options.name !== undefined) metadata.name = options.name;
  if (options.generateName !== undefined) metadata.generateName = options.generateName;
  metadata.namespace = options.namespace ?? 'shop';
  if (options.labels !== undefined) metadata.labels = options.labels;
  if (options.owners !== undefined) {
    metadata.ownerReferences = options.owners.map((o) => ({
      apiVersion: o.apiVersion ?? 'apps/v1',
      kind: o.kind,
      name: o.name,
      uid: 'u-1',
      controller: o.controller ?? true,
    }));
  }
  return { metadata, spec: { containers: [] } };
}

describe('deploymentMetaFromPod', () => {
  const cases: readonly { name: string; pod: JsonObject; want: DeploymentMeta }[] = [
    {
      name: 'a pod without generateName is its own workload',
      pod: pod({ name: 'debug' }),
      want: { name: 'debug', namespace: 'shop', kind: 'Pod', apiVersion: 'v1' },
    },
    {
      name: 'owner references are ignored without generateName',
      pod: pod({ name: 'web-0', owners: [{ kind: 'StatefulSet', name: 'web' }] }),
      want: { name: 'web-0', namespace: 'shop', kind: 'Pod', apiVersion: 'v1' },
    },
    {
      name: 'generateName without a controller stays a Pod',
      pod: pod({ name: 'x-abcde', generateName: 'x-' }),
      want: { name: 'x-abcde', namespace: 'shop', kind: 'Pod', apiVersion: 'v1' },
    },
    {
      name: 'a non-controller owner is not the workload',
      pod: pod({ generateName: 'x-', owners: [{ kind: 'ReplicaSet', name: 'x-5d8f', controller: false }] }),
      want: { name: '', namespace: 'shop', kind: 'Pod', apiVersion: 'v1' },
    },
    {
      name: 'ReplicaSet with the pod-template-hash is a Deployment',
      pod: pod({
        generateName: 'productpage-v1-6b746f74dc-',
        labels: { 'pod-template-hash': '6b746f74dc' },
        owners: [{ kind: 'ReplicaSet', name: 'productpage-v1-6b746f74dc' }],
      }),
      want: { name: 'productpage-v1', namespace: 'shop', kind: 'Deployment', apiVersion: 'apps/v1' },
    },
    {
      name: 'ReplicaSet whose name does not end with the hash stays a ReplicaSet',
      pod: pod({
        generateName: 'rs-',
        labels: { 'pod-template-hash': 'abc' },
        owners: [{ kind: 'ReplicaSet', name: 'handmade' }],
      }),
      want: { name: 'handmade', namespace: 'shop', kind: 'ReplicaSet', apiVersion: 'apps/v1' },
    },
    {
      name: 'bare ReplicaSet without the hash label',
      pod: pod({ generateName: 'frontend-', owners: [{ kind: 'ReplicaSet', name: 'frontend' }] }),
      want: { name: 'frontend', namespace: 'shop', kind: 'ReplicaSet', apiVersion: 'apps/v1' },
    },
    {
      name: 'ReplicaSet with the rollouts hash is an Argo Rollout',
      pod: pod({
        generateName: 'checkout-7c9d5-',
        labels: { 'rollouts-pod-template-hash': '7c9d5' },
        owners: [{ kind: 'ReplicaSet', name: 'checkout-7c9d5' }],
      }),
      want: { name: 'checkout', namespace: 'shop', kind: 'Rollout', apiVersion: 'v1alpha1' },
    },
    {
      name: 'ReplicationController with a deploymentconfig label is a DeploymentConfig',
      pod: pod({
        generateName: 'legacy-3-',
        labels: { deploymentconfig: 'legacy' },
        owners: [{ kind: 'ReplicationController', name: 'legacy-3', apiVersion: 'v1' }],
      }),
      want: { name: 'legacy', namespace: 'shop', kind: 'DeploymentConfig', apiVersion: 'v1' },
    },
    {
      name: 'ReplicationController without the label stays one',
      pod: pod({
        generateName: 'rc-',
        owners: [{ kind: 'ReplicationController', name: 'rc', apiVersion: 'v1' }],
      }),
      want: { name: 'rc', namespace: 'shop', kind: 'ReplicationController', apiVersion: 'v1' },
    },
    {
      name: 'Job with an 8-digit suffix is a CronJob',
      pod: pod({
        generateName: 'report-28976340-',
        owners: [{ kind: 'Job', name: 'report-28976340', apiVersion: 'batch/v1' }],
      }),
      want: { name: 'report', namespace: 'shop', kind: 'CronJob', apiVersion: 'batch/v1' },
    },
    {
      name: 'Job with a 10-digit suffix is a CronJob (keeps inner dashes)',
      pod: pod({
        generateName: 'nightly-backup-1234567890-',
        owners: [{ kind: 'Job', name: 'nightly-backup-1234567890', apiVersion: 'batch/v1' }],
      }),
      want: { name: 'nightly-backup', namespace: 'shop', kind: 'CronJob', apiVersion: 'batch/v1' },
    },
    {
      name: 'Job with a 7-digit suffix stays a Job',
      pod: pod({
        generateName: 'migrate-1234567-',
        owners: [{ kind: 'Job', name: 'migrate-1234567', apiVersion: 'batch/v1' }],
      }),
      want: { name: 'migrate-1234567', namespace: 'shop', kind: 'Job', apiVersion: 'batch/v1' },
    },
    {
      name: 'Job with an 11-digit suffix stays a Job',
      pod: pod({
        generateName: 'j-',
        owners: [{ kind: 'Job', name: 'j-12345678901', apiVersion: 'batch/v1' }],
      }),
      want: { name: 'j-12345678901', namespace: 'shop', kind: 'Job', apiVersion: 'batch/v1' },
    },
    {
      name: 'StatefulSet',
      pod: pod({ generateName: 'db-', owners: [{ kind: 'StatefulSet', name: 'db' }] }),
      want: { name: 'db', namespace: 'shop', kind: 'StatefulSet', apiVersion: 'apps/v1' },
    },
    {
      name: 'DaemonSet',
      pod: pod({ generateName: 'agent-', owners: [{ kind: 'DaemonSet', name: 'agent' }] }),
      want: { name: 'agent', namespace: 'shop', kind: 'DaemonSet', apiVersion: 'apps/v1' },
    },
    {
      name: 'the controller is found among several owners',
      pod: pod({
        generateName: 'w-',
        owners: [
          { kind: 'ConfigMap', name: 'cfg', apiVersion: 'v1', controller: false },
          { kind: 'StatefulSet', name: 'w' },
        ],
      }),
      want: { name: 'w', namespace: 'shop', kind: 'StatefulSet', apiVersion: 'apps/v1' },
    },
    {
      name: 'a controller with an empty name falls back to the pod name',
      pod: pod({ name: 'p-1', generateName: 'p-', owners: [{ kind: 'StatefulSet', name: '' }] }),
      want: { name: 'p-1', namespace: 'shop', kind: 'StatefulSet', apiVersion: 'apps/v1' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(deploymentMetaFromPod(c.pod), c.want);
    });
  }

  it('takes the request namespace when the pod has none', () => {
    const p: JsonObject = { metadata: { name: 'x' }, spec: {} };
    assert.equal(deploymentMetaFromPod(p, 'from-request').namespace, 'from-request');
    assert.equal(
      deploymentMetaFromPod(pod({ name: 'x', namespace: 'own' }), 'from-request').namespace,
      'own',
    );
  });

  it('copes with a pod that has no metadata', () => {
    assert.deepEqual(deploymentMetaFromPod({}), { name: '', namespace: '', kind: 'Pod', apiVersion: 'v1' });
  });
});
