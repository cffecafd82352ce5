import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  apiGroup,
  classifyWorkload,
  controllerOf,
  topOwner,
  type OwnedObject,
  type OwnerLookup,
  type OwnerReference,
  type WorkloadKind,
} from '../../../src/kube/owners.ts';

const ns = 'apps';

function ref(apiVersion: string, kind: string, name: string, uid = `${kind}-${name}`): OwnerReference {
  return { apiVersion, kind, name, uid, controller: true };
}

function obj(
  name: string,
  uid: string,
  owner?: OwnerReference,
  labels?: Record<string, string>,
): OwnedObject {
  return {
    metadata: {
      name,
      namespace: ns,
      uid,
      ...(owner === undefined ? {} : { ownerReferences: [owner] }),
      ...(labels === undefined ? {} : { labels }),
    },
  };
}

/** A lookup over objects filed by apiVersion/kind/name, as an informer cache would answer. */
function cache(entries: Record<string, OwnedObject>): OwnerLookup {
  return (r) => entries[`${r.apiVersion}/${r.kind}/${r.name}`];
}

const deploy = ref('apps/v1', 'Deployment', 'web');
const rs = ref('apps/v1', 'ReplicaSet', 'web-5d9f7c', 'rs-uid');
const cluster = cache({
  'apps/v1/ReplicaSet/web-5d9f7c': obj('web-5d9f7c', 'rs-uid', deploy),
  'apps/v1/Deployment/web': obj('web', 'Deployment-web'),
  'apps/v1/ReplicaSet/lonely': obj('lonely', 'ReplicaSet-lonely'),
  'batch/v1/Job/nightly-28000000': obj(
    'nightly-28000000',
    'Job-nightly-28000000',
    ref('batch/v1', 'CronJob', 'nightly'),
  ),
  'batch/v1/CronJob/nightly': obj('nightly', 'CronJob-nightly'),
  'batch/v1/Job/once': obj('once', 'Job-once'),
  'apps/v1/StatefulSet/db': obj('db', 'StatefulSet-db'),
  'apps/v1/DaemonSet/agent': obj('agent', 'DaemonSet-agent'),
  'v1/ReplicationController/legacy': obj('legacy', 'ReplicationController-legacy'),
  'apps/v1/ReplicaSet/canary-7f8': obj(
    'canary-7f8',
    'ReplicaSet-canary-7f8',
    ref('argoproj.io/v1alpha1', 'Rollout', 'canary'),
  ),
  'argoproj.io/v1alpha1/Rollout/canary': obj('canary', 'Rollout-canary'),
  'example.com/v1/Workflow/wf': obj('wf', 'Workflow-wf'),
});

describe('topOwner: the workload kinds', () => {
  const cases: [string, OwnerReference, WorkloadKind, string, number][] = [
    ['Pod -> ReplicaSet -> Deployment', rs, 'Deployment', 'web', 2],
    ['Pod -> ReplicaSet alone', ref('apps/v1', 'ReplicaSet', 'lonely'), 'ReplicaSet', 'lonely', 1],
    ['Pod -> StatefulSet', ref('apps/v1', 'StatefulSet', 'db'), 'StatefulSet', 'db', 1],
    ['Pod -> DaemonSet', ref('apps/v1', 'DaemonSet', 'agent'), 'DaemonSet', 'agent', 1],
    [
      'Pod -> ReplicationController',
      ref('v1', 'ReplicationController', 'legacy'),
      'ReplicationController',
      'legacy',
      1,
    ],
    ['Pod -> Job -> CronJob', ref('batch/v1', 'Job', 'nightly-28000000'), 'CronJob', 'nightly', 2],
    ['Pod -> Job alone', ref('batch/v1', 'Job', 'once'), 'Job', 'once', 1],
    ['Pod -> ReplicaSet -> Argo Rollout', ref('apps/v1', 'ReplicaSet', 'canary-7f8'), 'Rollout', 'canary', 2],
    ['Pod -> custom controller', ref('example.com/v1', 'Workflow', 'wf'), 'Other', 'wf', 1],
  ];
  for (const [title, owner, kind, name, hops] of cases) {
    it(title, () => {
      const top = topOwner(obj('p', 'pod-uid', owner), cluster);
      assert.equal(top.kind, kind);
      assert.equal(top.ref.name, name);
      assert.equal(top.ref.namespace, ns);
      assert.equal(top.chain.length, hops);
      assert.equal(top.resolution, 'resolved');
    });
  }

  it('a bare pod is its own top owner', () => {
    const top = topOwner(obj('solo', 'solo-uid'), cluster);
    assert.deepEqual(top, {
      ref: { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: 'solo', uid: 'solo-uid' },
      kind: 'Pod',
      chain: [],
      resolution: 'resolved',
    });
  });

  it('a pod with owner references but no controller is bare', () => {
    const pod: OwnedObject = {
      metadata: { name: 'p', namespace: ns, ownerReferences: [{ ...deploy, controller: false }] },
    };
    assert.equal(topOwner(pod, cluster).kind, 'Pod');
  });

  it('an owner reference without the controller field is not a controller', () => {
    const pod: OwnedObject = {
      metadata: {
        name: 'p',
        namespace: ns,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x' }],
      },
    };
    assert.equal(topOwner(pod, cluster).kind, 'Pod');
  });

  it('picks the controller among several owner references', () => {
    const pod: OwnedObject = {
      metadata: {
        name: 'p',
        namespace: ns,
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', uid: 'cm' }, rs],
      },
    };
    assert.equal(topOwner(pod, cluster).ref.name, 'web');
  });

  it('the chain lists every controller from the pod upward', () => {
    const top = topOwner(obj('p', 'pod-uid', rs), cluster);
    assert.deepEqual(
      top.chain.map((r) => `${r.kind}/${r.name}`),
      ['ReplicaSet/web-5d9f7c', 'Deployment/web'],
    );
  });

  it('carries the owner uid from the reference', () => {
    const top = topOwner(obj('p', 'pod-uid', rs), cluster);
    assert.equal(top.ref.uid, 'Deployment-web');
  });

  it('a pod without metadata is a nameless bare pod, not an error', () => {
    const top = topOwner({}, cluster);
    assert.equal(top.kind, 'Pod');
    assert.equal(top.ref.name, '');
  });

  it('resolves owners in the pod namespace only', () => {
    const seen: string[] = [];
    topOwner(obj('p', 'pod-uid', rs), (r) => {
      seen.push(r.namespace);
      return cluster(r);
    });
    assert.deepEqual(seen, [ns, ns]);
  });
});

describe('topOwner: missing and stale cache entries', () => {
  const empty: OwnerLookup = () => undefined;

  it('infers the Deployment from pod-template-hash when the ReplicaSet is not cached', () => {
    const pod = obj('p', 'u', ref('apps/v1', 'ReplicaSet', 'api-6c4d8b9f7'), {
      'pod-template-hash': '6c4d8b9f7',
    });
    const top = topOwner(pod, empty);
    assert.equal(top.kind, 'Deployment');
    assert.equal(top.ref.name, 'api');
    assert.equal(top.ref.apiVersion, 'apps/v1');
    assert.equal(top.resolution, 'inferred');
  });

  it('infers an Argo Rollout from rollouts-pod-template-hash', () => {
    const pod = obj('p', 'u', ref('apps/v1', 'ReplicaSet', 'shop-8d7c'), {
      'rollouts-pod-template-hash': '8d7c',
    });
    const top = topOwner(pod, empty);
    assert.equal(top.kind, 'Rollout');
    assert.equal(top.ref.name, 'shop');
    assert.equal(top.resolution, 'inferred');
  });

  it('does not infer when the hash is not the name suffix', () => {
    const pod = obj('p', 'u', ref('apps/v1', 'ReplicaSet', 'custom-rs'), { 'pod-template-hash': 'abc' });
    const top = topOwner(pod, empty);
    assert.equal(top.kind, 'ReplicaSet');
    assert.equal(top.resolution, 'partial');
  });

  it('does not infer from a name that is only the hash', () => {
    const pod = obj('p', 'u', ref('apps/v1', 'ReplicaSet', '-abc'), { 'pod-template-hash': 'abc' });
    assert.equal(topOwner(pod, empty).kind, 'ReplicaSet');
  });

  it('a missing ReplicaSet without the hash label stays a partial ReplicaSet', () => {
    const top = topOwner(obj('p', 'u', ref('apps/v1', 'ReplicaSet', 'web-1')), empty);
    assert.equal(top.kind, 'ReplicaSet');
    assert.equal(top.resolution, 'partial');
  });

  it('a missing Job stays a partial Job (CronJob names cannot be derived safely)', () => {
    const top = topOwner(obj('p', 'u', ref('batch/v1', 'Job', 'nightly-28000001')), empty);
    assert.equal(top.kind, 'Job');
    assert.equal(top.resolution, 'partial');
  });

  it('a missing StatefulSet is still reported as the StatefulSet', () => {
    const top = topOwner(obj('p', 'u', ref('apps/v1', 'StatefulSet', 'db')), empty);
    assert.equal(top.kind, 'StatefulSet');
    assert.equal(top.resolution, 'partial');
  });

  it('a cached owner with another uid (recreated under the same name) is not followed', () => {
    const lookup = cache({ 'apps/v1/ReplicaSet/web-5d9f7c': obj('web-5d9f7c', 'NEW-uid', deploy) });
    const pod = obj('p', 'u', rs, { 'pod-template-hash': '5d9f7c' });
    const top = topOwner(pod, lookup);
    assert.equal(top.kind, 'ReplicaSet');
    assert.equal(top.resolution, 'partial');
  });

  it('a missing Deployment above a cached ReplicaSet still names the Deployment', () => {
    const lookup = cache({ 'apps/v1/ReplicaSet/web-5d9f7c': obj('web-5d9f7c', 'rs-uid', deploy) });
    const top = topOwner(obj('p', 'u', rs), lookup);
    assert.equal(top.kind, 'Deployment');
    assert.equal(top.ref.name, 'web');
    assert.equal(top.resolution, 'partial');
  });

  it('stops on an owner loop in corrupt data', () => {
    const a = ref('example.com/v1', 'A', 'a');
    const b = ref('example.com/v1', 'B', 'b');
    const lookup = cache({
      'example.com/v1/A/a': obj('a', a.uid!, b),
      'example.com/v1/B/b': obj('b', b.uid!, a),
    });
    const top = topOwner(obj('p', 'u', a), lookup);
    assert.equal(top.resolution, 'partial');
    assert.equal(top.chain.length, 2);
  });

  it('stops after a bounded number of hops', () => {
    const entries: Record<string, OwnedObject> = {};
    for (let i = 0; i < 50; i++) {
      entries[`example.com/v1/Level/l${i}`] = obj(
        `l${i}`,
        `u${i}`,
        ref('example.com/v1', 'Level', `l${i + 1}`, `u${i + 1}`),
      );
    }
    const top = topOwner(obj('p', 'u', ref('example.com/v1', 'Level', 'l0', 'u0')), cache(entries));
    assert.equal(top.resolution, 'partial');
    assert.ok(top.chain.length <= 10);
  });
});

describe('classifyWorkload and helpers', () => {
  const cases: [string, string, WorkloadKind][] = [
    ['apps/v1', 'Deployment', 'Deployment'],
    ['extensions/v1beta1', 'Deployment', 'Deployment'],
    ['apps/v1', 'StatefulSet', 'StatefulSet'],
    ['apps/v1', 'DaemonSet', 'DaemonSet'],
    ['apps/v1', 'ReplicaSet', 'ReplicaSet'],
    ['v1', 'ReplicationController', 'ReplicationController'],
    ['batch/v1', 'Job', 'Job'],
    ['batch/v1', 'CronJob', 'CronJob'],
    ['batch/v1beta1', 'CronJob', 'CronJob'],
    ['argoproj.io/v1alpha1', 'Rollout', 'Rollout'],
    ['v1', 'Pod', 'Pod'],
    ['example.com/v1', 'Deployment', 'Other'],
    ['apps/v1', 'Pod', 'Other'],
  ];
  for (const [apiVersion, kind, want] of cases) {
    it(`${apiVersion} ${kind} -> ${want}`, () => {
      assert.equal(classifyWorkload(apiVersion, kind), want);
    });
  }

  it('apiGroup splits the group off an apiVersion', () => {
    assert.equal(apiGroup('v1'), '');
    assert.equal(apiGroup('apps/v1'), 'apps');
    assert.equal(apiGroup('injection.mesh-injector.dev/v1alpha1'), 'injection.mesh-injector.dev');
  });

  it('controllerOf returns undefined without owner references', () => {
    assert.equal(controllerOf({ metadata: {} }), undefined);
    assert.equal(controllerOf({}), undefined);
  });
});
