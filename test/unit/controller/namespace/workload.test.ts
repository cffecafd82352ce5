import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rolloutProgress, workloadView } from '../../../../src/controller/namespace/workload.ts';
import { rawWorkload, workload } from './fixtures.ts';

describe('workloadView', () => {
  it('keeps the fields the reconciler reads and drops the rest', () => {
    const raw = rawWorkload('Deployment', 'web', {
      replicas: 3,
      paused: true,
      restartedFor: 'revision=stable',
      restartedAt: '2030-01-01T00:00:00.000Z',
      strategy: { type: 'RollingUpdate' },
    });
    (raw.spec as Record<string, unknown>).template = { spec: { containers: [{ name: 'big', image: 'x' }] } };
    const view = workloadView(raw);
    assert.equal(view.kind, 'Deployment');
    assert.equal(view.metadata.name, 'web');
    assert.equal(view.replicas, 3);
    assert.equal(view.paused, true);
    assert.equal(view.updateStrategy, 'RollingUpdate');
    assert.equal(view.restartedFor, 'revision=stable');
    assert.equal(view.restartedAt, '2030-01-01T00:00:00.000Z');
    assert.equal(view.resourceVersion, '100');
    assert.equal(JSON.stringify(view).includes('big'), false);
  });

  it('keeps only the controller owner reference', () => {
    const raw = rawWorkload('ReplicaSet', 'web-1', { owner: { kind: 'Deployment', name: 'web' } });
    const metadata = raw.metadata as { ownerReferences: unknown[] };
    metadata.ownerReferences.unshift({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', uid: 'u' });
    assert.deepEqual(
      workloadView(raw).metadata.ownerReferences?.map((r) => r.kind),
      ['Deployment'],
    );
  });

  it('defaults replicas to 1, as the API server does', () => {
    const raw = rawWorkload('Deployment', 'web');
    delete (raw.spec as Record<string, unknown>).replicas;
    assert.equal(workloadView(raw).replicas, 1);
  });
});

describe('rolloutProgress', () => {
  const cases: { name: string; view: ReturnType<typeof workload>; complete: boolean; stuck?: boolean }[] = [
    { name: 'Deployment complete', view: workload('Deployment', 'd', { replicas: 2 }), complete: true },
    {
      name: 'Deployment change not observed yet',
      view: workload('Deployment', 'd', { generation: 2, status: { observedGeneration: 1 } }),
      complete: false,
    },
    {
      name: 'Deployment with replicas not updated yet',
      view: workload('Deployment', 'd', { replicas: 3, status: { updatedReplicas: 1 } }),
      complete: false,
    },
    {
      name: 'Deployment with old replicas terminating',
      view: workload('Deployment', 'd', { replicas: 2, status: { replicas: 3 } }),
      complete: false,
    },
    {
      name: 'Deployment with updated replicas not available',
      view: workload('Deployment', 'd', { replicas: 2, status: { availableReplicas: 1 } }),
      complete: false,
    },
    {
      name: 'Deployment past its progress deadline',
      view: workload('Deployment', 'd', {
        status: {
          conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
        },
      }),
      complete: false,
      stuck: true,
    },
    { name: 'StatefulSet complete', view: workload('StatefulSet', 's', { replicas: 3 }), complete: true },
    {
      name: 'StatefulSet revisions differ',
      view: workload('StatefulSet', 's', { status: { updateRevision: 'r2' } }),
      complete: false,
    },
    {
      name: 'StatefulSet pods not ready',
      view: workload('StatefulSet', 's', { replicas: 3, status: { readyReplicas: 2 } }),
      complete: false,
    },
    {
      name: 'partitioned StatefulSet counts only ordinals above the partition',
      view: workload('StatefulSet', 's', {
        replicas: 3,
        strategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
        status: { updatedReplicas: 1, updateRevision: 'r2' },
      }),
      complete: true,
    },
    { name: 'DaemonSet complete', view: workload('DaemonSet', 'ds', { replicas: 3 }), complete: true },
    {
      name: 'DaemonSet not all updated',
      view: workload('DaemonSet', 'ds', { status: { desiredNumberScheduled: 3, updatedNumberScheduled: 2 } }),
      complete: false,
    },
    {
      name: 'DaemonSet not all available',
      view: workload('DaemonSet', 'ds', {
        status: { desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 },
      }),
      complete: false,
    },
    { name: 'ReplicaSet complete', view: workload('ReplicaSet', 'rs', { replicas: 2 }), complete: true },
    {
      name: 'ReplicaSet missing a pod',
      view: workload('ReplicaSet', 'rs', { replicas: 2, status: { replicas: 1 } }),
      complete: false,
    },
    {
      name: 'ReplicationController with a pod not ready',
      view: workload('ReplicationController', 'rc', { replicas: 2, status: { readyReplicas: 1 } }),
      complete: false,
    },
    {
      name: 'Rollout restart not done',
      view: workload('Rollout', 'ro', { restartAt: '2030-01-01T00:00:00Z', status: { phase: 'Healthy' } }),
      complete: false,
    },
    {
      name: 'Rollout restart done and healthy',
      view: workload('Rollout', 'ro', {
        restartAt: '2030-01-01T00:00:00Z',
        status: { phase: 'Healthy', restartedAt: '2030-01-01T00:00:00Z' },
      }),
      complete: true,
    },
    {
      name: 'Rollout degraded is stuck',
      view: workload('Rollout', 'ro', { status: { phase: 'Degraded' } }),
      complete: false,
      stuck: true,
    },
    { name: 'Job has no rollout', view: workload('Job', 'j'), complete: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = rolloutProgress(c.view);
      assert.equal(got.complete, c.complete, got.detail);
      assert.equal(got.stuck, c.stuck ?? false);
    });
  }
});
