import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { load } from 'js-yaml';
import type { FieldPatchMeta, PatchSchema } from '../../../../src/inject/merge/schema.ts';
import { StrategicMergeError, strategicMerge } from '../../../../src/inject/merge/strategic.ts';
import type { JsonObject } from '../../../../src/inject/types.ts';

const yaml = (text: string): JsonObject => load(text) as JsonObject;

// A schema shaped like apimachinery's own test type (MergeItem), to check list semantics in isolation.
const item: Record<string, FieldPatchMeta> = {};
item.mergingList = { strategy: 'merge', mergeKey: 'name', schema: item };
item.otherMergingList = { strategy: 'merge', mergeKey: 'name', schema: item };
item.mergingIntList = { strategy: 'merge' };
item.nonMergingList = { schema: item };
const itemSchema: PatchSchema = item;

interface Case {
  readonly name: string;
  readonly original: string;
  readonly patch: string;
  readonly want: string;
  readonly schema?: PatchSchema;
}

function check(cases: readonly Case[]): void {
  for (const c of cases) {
    it(c.name, () => {
      const original = yaml(c.original);
      const patch = yaml(c.patch);
      const before = structuredClone({ original, patch });
      assert.deepEqual(strategicMerge(original, patch, c.schema), yaml(c.want));
      assert.deepEqual({ original, patch }, before, 'inputs must not change');
    });
  }
}

describe('strategicMerge: Pod merge keys', () => {
  check([
    {
      name: 'template-only containers go before the user containers',
      original: 'spec: {containers: [{name: app, image: app:1}]}',
      patch: 'spec: {containers: [{name: istio-proxy, image: proxyv2}]}',
      want: 'spec: {containers: [{name: istio-proxy, image: proxyv2}, {name: app, image: app:1}]}',
    },
    {
      name: 'a matched container merges field by field and keeps its position',
      original: `
spec:
  containers:
  - {name: app, image: app:1}
  - {name: istio-proxy, image: old, args: [a, b], tty: true}`,
      patch: 'spec: {containers: [{name: istio-proxy, image: new, args: [c]}]}',
      want: `
spec:
  containers:
  - {name: app, image: app:1}
  - {name: istio-proxy, image: new, args: [c], tty: true}`,
    },
    {
      name: 'env merges by name inside a matched container; new entries first',
      original: `
spec:
  containers:
  - name: istio-proxy
    env: [{name: A, value: '1'}, {name: B, value: '2'}]`,
      patch: `
spec:
  containers:
  - name: istio-proxy
    env: [{name: C, value: '3'}, {name: B, value: 'two'}]`,
      want: `
spec:
  containers:
  - name: istio-proxy
    env: [{name: C, value: '3'}, {name: A, value: '1'}, {name: B, value: 'two'}]`,
    },
    {
      name: 'env valueFrom replaces value only when the patch says so (null deletes)',
      original: `
spec: {containers: [{name: c, env: [{name: POD_NAME, value: x}]}]}`,
      patch: `
spec: {containers: [{name: c, env: [{name: POD_NAME, value: null, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]}]}`,
      want: `
spec: {containers: [{name: c, env: [{name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]}]}`,
    },
    {
      name: 'volumeMounts merge by mountPath, not by name',
      original: `
spec:
  containers:
  - name: c
    volumeMounts: [{name: data, mountPath: /data}, {name: cfg, mountPath: /etc/cfg}]`,
      patch: `
spec:
  containers:
  - name: c
    volumeMounts: [{name: data2, mountPath: /data, readOnly: true}, {name: data, mountPath: /var/data}]`,
      want: `
spec:
  containers:
  - name: c
    volumeMounts:
    - {name: data2, mountPath: /data, readOnly: true}
    - {name: data, mountPath: /var/data}
    - {name: cfg, mountPath: /etc/cfg}`,
    },
    {
      name: 'ports merge by containerPort',
      original:
        'spec: {containers: [{name: c, ports: [{containerPort: 8080, name: http}, {containerPort: 9090}]}]}',
      patch:
        'spec: {containers: [{name: c, ports: [{containerPort: 15090, name: http-envoy-prom}, {containerPort: 9090, protocol: TCP}]}]}',
      want: `
spec:
  containers:
  - name: c
    ports:
    - {containerPort: 15090, name: http-envoy-prom}
    - {containerPort: 8080, name: http}
    - {containerPort: 9090, protocol: TCP}`,
    },
    {
      name: 'volumes: template volumes then the user volumes',
      original: 'spec: {volumes: [{name: data, emptyDir: {}}, {name: cfg, configMap: {name: c}}]}',
      patch:
        'spec: {volumes: [{name: istio-envoy, emptyDir: {medium: Memory}}, {name: istio-data, emptyDir: {}}]}',
      want: `
spec:
  volumes:
  - {name: istio-envoy, emptyDir: {medium: Memory}}
  - {name: istio-data, emptyDir: {}}
  - {name: data, emptyDir: {}}
  - {name: cfg, configMap: {name: c}}`,
    },
    {
      name: 'initContainers: istio-init and istio-proxy before the user init containers',
      original: 'spec: {initContainers: [{name: migrate}, {name: seed}]}',
      patch: 'spec: {initContainers: [{name: istio-init}, {name: istio-proxy, restartPolicy: Always}]}',
      want: `
spec:
  initContainers:
  - {name: istio-init}
  - {name: istio-proxy, restartPolicy: Always}
  - {name: migrate}
  - {name: seed}`,
    },
    {
      name: 'imagePullSecrets merge by name; hostAliases by ip; topologySpreadConstraints by topologyKey',
      original: `
spec:
  imagePullSecrets: [{name: a}]
  hostAliases: [{ip: 10.0.0.1, hostnames: [x]}]
  topologySpreadConstraints: [{topologyKey: zone, maxSkew: 1}]`,
      patch: `
spec:
  imagePullSecrets: [{name: b}, {name: a}]
  hostAliases: [{ip: 10.0.0.1, hostnames: [y]}]
  topologySpreadConstraints: [{topologyKey: zone, maxSkew: 2}, {topologyKey: host, maxSkew: 1}]`,
      want: `
spec:
  imagePullSecrets: [{name: b}, {name: a}]
  hostAliases: [{ip: 10.0.0.1, hostnames: [y]}]
  topologySpreadConstraints: [{topologyKey: zone, maxSkew: 2}, {topologyKey: host, maxSkew: 1}]`,
    },
    {
      name: 'ownerReferences merge by uid; finalizers merge as a set',
      original: `
metadata:
  ownerReferences: [{uid: u1, kind: ReplicaSet, name: rs}]
  finalizers: [a, b]`,
      patch: `
metadata:
  ownerReferences: [{uid: u2, kind: Job, name: j}, {uid: u1, controller: true}]
  finalizers: [c, a]`,
      want: `
metadata:
  ownerReferences: [{uid: u2, kind: Job, name: j}, {uid: u1, kind: ReplicaSet, name: rs, controller: true}]
  finalizers: [c, a, b]`,
    },
    {
      name: 'args and command are replaced whole (scalar lists without a strategy)',
      original: 'spec: {containers: [{name: c, command: [sh, -c], args: [a, b, c]}]}',
      patch: 'spec: {containers: [{name: c, args: [x]}]}',
      want: 'spec: {containers: [{name: c, command: [sh, -c], args: [x]}]}',
    },
    {
      name: 'tolerations are replaced whole (a list of objects without a strategy)',
      original: 'spec: {tolerations: [{key: a, operator: Exists}, {key: b, operator: Exists}]}',
      patch: 'spec: {tolerations: [{key: c, operator: Exists}]}',
      want: 'spec: {tolerations: [{key: c, operator: Exists}]}',
    },
    {
      name: 'labels and annotations merge per key and null deletes a key',
      original: 'metadata: {labels: {app: a, keep: k}, annotations: {x: "1", y: "2"}}',
      patch: 'metadata: {labels: {app: b, gone: null}, annotations: {y: null, z: "3"}}',
      want: 'metadata: {labels: {app: b, keep: k}, annotations: {x: "1", z: "3"}}',
    },
    {
      name: 'null deletes any field',
      original: 'spec: {dnsPolicy: Default, hostname: h, containers: [{name: c}]}',
      patch: 'spec: {dnsPolicy: null, subdomain: null}',
      want: 'spec: {hostname: h, containers: [{name: c}]}',
    },
    {
      name: 'an empty list in the patch leaves a merged list alone',
      original: 'spec: {initContainers: [{name: a}], containers: [{name: b}]}',
      patch: 'spec: {initContainers: [], containers: []}',
      want: 'spec: {initContainers: [{name: a}], containers: [{name: b}]}',
    },
    {
      name: 'an empty patch changes nothing',
      original: 'spec: {containers: [{name: b, ports: [{containerPort: 1}]}]}',
      patch: '{}',
      want: 'spec: {containers: [{name: b, ports: [{containerPort: 1}]}]}',
    },
    {
      name: 'a value changing type is replaced',
      original: 'spec: {containers: [{name: c, securityContext: {runAsUser: 1}, tty: true}]}',
      patch: 'spec: {containers: [{name: c, securityContext: "odd", tty: {x: 1}}]}',
      want: 'spec: {containers: [{name: c, securityContext: "odd", tty: {x: 1}}]}',
    },
    {
      name: 'nulls inside a new value are dropped, not stored',
      original: 'spec: {containers: [{name: c}]}',
      patch:
        'spec: {containers: [{name: c, securityContext: {runAsUser: null, runAsGroup: 1337}}, {name: d, image: null}]}',
      want: 'spec: {containers: [{name: c, securityContext: {runAsGroup: 1337}}, {name: d}]}',
    },
    {
      name: 'fields outside the schema: objects merge per key, lists are replaced',
      original: 'spec: {futureThing: {a: 1, list: [{name: x}]}}',
      patch: 'spec: {futureThing: {b: 2, list: [{name: y}]}}',
      want: 'spec: {futureThing: {a: 1, b: 2, list: [{name: y}]}}',
    },
    {
      name: 'the same merge key twice in a patch merges both into one item',
      original: 'spec: {containers: [{name: c}]}',
      patch: 'spec: {containers: [{name: c, image: i}, {name: c, tty: true}]}',
      want: 'spec: {containers: [{name: c, image: i, tty: true}]}',
    },
    {
      name: 'a pod with no spec gets the patch built from nothing',
      original: 'metadata: {name: p}',
      patch: 'spec: {containers: [{name: c, env: [{name: A, value: a}]}]}',
      want: 'metadata: {name: p}\nspec: {containers: [{name: c, env: [{name: A, value: a}]}]}',
    },
  ]);

  it('shares no structure with its inputs', () => {
    const original = yaml(
      'spec: {containers: [{name: app, env: [{name: A, value: a}]}], volumes: [{name: v}]}',
    );
    const patch = yaml('spec: {containers: [{name: istio-proxy, env: [{name: B, value: b}]}]}');
    const merged = strategicMerge(original, patch);
    const spec = merged.spec as JsonObject;
    ((spec.containers as JsonObject[])[1]!.env as JsonObject[])[0]!.value = 'changed';
    ((spec.containers as JsonObject[])[0]!.env as JsonObject[])[0]!.value = 'changed';
    (spec.volumes as JsonObject[])[0]!.name = 'changed';
    assert.deepEqual(
      original,
      yaml('spec: {containers: [{name: app, env: [{name: A, value: a}]}], volumes: [{name: v}]}'),
    );
    assert.deepEqual(patch, yaml('spec: {containers: [{name: istio-proxy, env: [{name: B, value: b}]}]}'));
  });
});

describe('strategicMerge: merged list order (apimachinery normalizeElementOrder)', () => {
  check(
    [
      {
        name: 'patch order wins for matched items; unmatched originals keep theirs',
        original: 'mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]',
        patch: 'mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, other: x}]',
        want: 'mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, value: b, other: x}]',
      },
      {
        name: 'an original-only item stays before later patch items it preceded',
        original: 'mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]',
        patch: 'mergingList: [{name: 3, value: c}, {name: 1, value: a}]',
        want: 'mergingList: [{name: 2, value: b}, {name: 3, value: c}, {name: 1, value: a}]',
      },
      {
        name: 'a new item goes before the original items; a matched one keeps its place',
        original: 'mergingList: [{name: a}, {name: b}, {name: c}]',
        patch: 'mergingList: [{name: x}, {name: b, value: 2}]',
        want: 'mergingList: [{name: x}, {name: a}, {name: b, value: 2}, {name: c}]',
      },
      {
        name: 'a new item listed after a matched one follows it',
        original: 'mergingList: [{name: a}, {name: b}]',
        patch: 'mergingList: [{name: b, value: 2}, {name: x}]',
        want: 'mergingList: [{name: a}, {name: b, value: 2}, {name: x}]',
      },
      {
        name: 'merged scalar lists follow the patch order, leftovers in place',
        original: 'mergingIntList: [1, 2, 3]',
        patch: 'mergingIntList: [3, 1]',
        want: 'mergingIntList: [2, 3, 1]',
      },
      {
        name: 'merged scalar lists add new values first and never duplicate',
        original: 'mergingIntList: [1, 2]',
        patch: 'mergingIntList: [4, 2, 4]',
        want: 'mergingIntList: [4, 1, 2]',
      },
      {
        name: 'lists without a strategy are replaced, scalar or not',
        original:
          'nonMergingList: [{name: 1, value: a}]\nmergingList: [{name: 1, nonMergingList: [{name: x}]}]',
        patch: 'nonMergingList: [{name: 2}]\nmergingList: [{name: 1, nonMergingList: [{name: y}]}]',
        want: 'nonMergingList: [{name: 2}]\nmergingList: [{name: 1, nonMergingList: [{name: y}]}]',
      },
      {
        name: 'nested merged lists merge recursively',
        original: 'mergingList: [{name: 1, mergingList: [{name: a, value: 1}, {name: b}]}]',
        patch: 'mergingList: [{name: 1, mergingList: [{name: b, value: 2}, {name: c}]}]',
        want: 'mergingList: [{name: 1, mergingList: [{name: a, value: 1}, {name: b, value: 2}, {name: c}]}]',
      },
    ].map((c) => ({ ...c, schema: itemSchema })),
  );
});

describe('strategicMerge: directives', () => {
  check([
    {
      name: '$patch: replace in a list item replaces the whole list',
      original: 'spec: {containers: [{name: a}, {name: b}]}',
      patch: 'spec: {containers: [{$patch: replace}, {name: c, image: i}]}',
      want: 'spec: {containers: [{name: c, image: i}]}',
    },
    {
      name: '$patch: delete in a list item removes the item with that key',
      original: 'spec: {containers: [{name: a}, {name: b}, {name: c}]}',
      patch: 'spec: {containers: [{name: b, $patch: delete}, {name: d}]}',
      want: 'spec: {containers: [{name: d}, {name: a}, {name: c}]}',
    },
    {
      name: '$patch: delete of a missing item is a no-op',
      original: 'spec: {volumes: [{name: a}]}',
      patch: 'spec: {volumes: [{name: zz, $patch: delete}]}',
      want: 'spec: {volumes: [{name: a}]}',
    },
    {
      name: '$patch: replace in an object replaces it whole',
      original: 'spec: {containers: [{name: c, securityContext: {runAsUser: 1, privileged: true}}]}',
      patch: 'spec: {containers: [{name: c, securityContext: {$patch: replace, runAsNonRoot: true}}]}',
      want: 'spec: {containers: [{name: c, securityContext: {runAsNonRoot: true}}]}',
    },
    {
      name: '$patch: delete in an object empties it',
      original: 'metadata: {labels: {a: b}}\nspec: {nodeSelector: {zone: a}}',
      patch: 'spec: {nodeSelector: {$patch: delete}}',
      want: 'metadata: {labels: {a: b}}\nspec: {nodeSelector: {}}',
    },
    {
      name: '$patch: merge in an object is an ordinary merge',
      original: 'metadata: {labels: {a: "1"}}',
      patch: 'metadata: {labels: {$patch: merge, b: "2"}}',
      want: 'metadata: {labels: {a: "1", b: "2"}}',
    },
    {
      name: '$retainKeys clears the original keys it does not list',
      original: 'spec: {volumes: [{name: v, hostPath: {path: /x}}]}',
      patch: 'spec: {volumes: [{name: v, $retainKeys: [name, emptyDir], emptyDir: {}}]}',
      want: 'spec: {volumes: [{name: v, emptyDir: {}}]}',
    },
    {
      name: '$deleteFromPrimitiveList removes values from a merged scalar list',
      original: 'metadata: {finalizers: [a, b, c]}',
      patch: 'metadata: {$deleteFromPrimitiveList/finalizers: [b, zz], finalizers: [d]}',
      want: 'metadata: {finalizers: [d, a, c]}',
    },
    {
      name: '$deleteFromPrimitiveList on an absent list does nothing',
      original: 'metadata: {name: p}',
      patch: 'metadata: {$deleteFromPrimitiveList/finalizers: [b]}',
      want: 'metadata: {name: p}',
    },
    {
      name: 'a directive in a new value is resolved, not copied',
      original: 'spec: {}',
      patch:
        'spec: {containers: [{name: x, $patch: delete}, {name: y, securityContext: {$patch: replace, a: 1}}]}',
      want: 'spec: {containers: [{name: y, securityContext: {a: 1}}]}',
    },
  ]);

  check(
    [
      {
        name: '$setElementOrder orders the listed items, server-only items keep their place',
        original:
          'mergingList: [{name: 1, other: a}, {name: 3, value: 3}, {name: 4, value: 4}, {name: 2, value: 2}, {name: 9}]',
        patch: '$setElementOrder/mergingList: [{name: 4}, {name: 2}, {name: 3}, {name: 1}]',
        want: 'mergingList: [{name: 4, value: 4}, {name: 2, value: 2}, {name: 3, value: 3}, {name: 1, other: a}, {name: 9}]',
      },
      {
        name: '$setElementOrder interleaves server-only items by their original position',
        original: `mergingList: [{name: 1, other: a}, {name: 2, value: 2}, {name: 7}, {name: 9}, {name: 8}, {name: 3, value: 3}, {name: 4, value: 4}]`,
        patch: '$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}]',
        want: `mergingList: [{name: 2, value: 2}, {name: 1, other: a}, {name: 7}, {name: 9}, {name: 8}, {name: 4, value: 4}, {name: 3, value: 3}]`,
      },
      {
        name: '$setElementOrder with additions in a scalar list',
        original: 'mergingIntList: [1, 4, 2]',
        patch: '$setElementOrder/mergingIntList: [3, 1, 2]\nmergingIntList: [3]',
        want: 'mergingIntList: [3, 1, 4, 2]',
      },
      {
        name: '$setElementOrder with $deleteFromPrimitiveList',
        original: 'mergingIntList: [1, 2, 3]',
        patch: '$setElementOrder/mergingIntList: [2, 1]\n$deleteFromPrimitiveList/mergingIntList: [3]',
        want: 'mergingIntList: [2, 1]',
      },
      {
        name: '$setElementOrder keeps duplicates together at the first one',
        original:
          'mergingList: [{name: 1}, {name: 2, value: dup1}, {name: 3}, {name: 2, value: dup2}, {name: 4}]',
        patch: '$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}, {name: 2}]',
        want: 'mergingList: [{name: 2, value: dup1}, {name: 2, value: dup2}, {name: 1}, {name: 4}, {name: 3}]',
      },
      {
        name: 'delete and reorder in one list, reorder in another',
        original:
          'mergingList: [{name: a, value: a}, {name: b, value: b}]\notherMergingList: [{name: c}, {name: d}]',
        patch: `
$setElementOrder/mergingList: [{name: b}]
$setElementOrder/otherMergingList: [{name: d}, {name: c}]
mergingList: [{name: a, $patch: delete}]`,
        want: 'mergingList: [{name: b, value: b}]\notherMergingList: [{name: d}, {name: c}]',
      },
    ].map((c) => ({ ...c, schema: itemSchema })),
  );
});

describe('strategicMerge: errors name the field and the reason', () => {
  const cases: {
    name: string;
    original: string;
    patch: string;
    path: string;
    reason: RegExp;
    schema?: PatchSchema;
  }[] = [
    {
      name: 'a patch item without its merge key',
      original: 'spec: {containers: [{name: a}]}',
      patch: 'spec: {containers: [{name: istio-proxy, env: [{value: x}]}]}',
      path: 'spec.containers[name="istio-proxy"].env[0]',
      reason: /patch item has no merge key "name"/,
    },
    {
      name: 'an original item without its merge key',
      original: 'spec: {containers: [{name: a, ports: [{name: http}]}]}',
      patch: 'spec: {containers: [{name: a, ports: [{containerPort: 1}]}]}',
      path: 'spec.containers[name="a"].ports[0]',
      reason: /original item has no merge key "containerPort"/,
    },
    {
      name: 'a merge key that is not a scalar',
      original: 'spec: {volumes: []}',
      patch: 'spec: {volumes: [{name: {x: 1}}]}',
      path: 'spec.volumes[0]',
      reason: /merge key "name" is an object/,
    },
    {
      name: 'items of different types in a merged list',
      original: 'spec: {containers: [{name: a}]}',
      patch: 'spec: {containers: [web]}',
      path: 'spec.containers[0]',
      reason: /patch item is a string but earlier items are objects/,
    },
    {
      name: 'a list of lists',
      original: 'metadata: {finalizers: [a]}',
      patch: 'metadata: {finalizers: [[b]]}',
      path: 'metadata.finalizers[0]',
      reason: /patch item is a list/,
    },
    {
      name: 'an unknown $patch value',
      original: 'metadata: {labels: {}}',
      patch: 'metadata: {labels: {$patch: upsert}}',
      path: 'metadata.labels',
      reason: /unknown \$patch directive "upsert"/,
    },
    {
      name: '$patch: merge on a list item',
      original: 'spec: {containers: [{name: a}]}',
      patch: 'spec: {containers: [{name: a, $patch: merge}]}',
      path: 'spec.containers[name="a"]',
      reason: /not supported on list items/,
    },
    {
      name: '$patch: delete on a list item without the merge key',
      original: 'spec: {containers: [{name: a}]}',
      patch: 'spec: {containers: [{$patch: delete}]}',
      path: 'spec.containers[0]',
      reason: /has no merge key "name"/,
    },
    {
      name: 'a field the patch sets but $retainKeys omits',
      original: 'spec: {volumes: [{name: v}]}',
      patch: 'spec: {volumes: [{name: v, $retainKeys: [name], emptyDir: {}}]}',
      path: 'spec.volumes[name="v"].emptyDir',
      reason: /\$retainKeys omits it/,
    },
    {
      name: '$retainKeys that is not a list',
      original: 'spec: {}',
      patch: 'spec: {$retainKeys: name}',
      path: 'spec.$retainKeys',
      reason: /must be a list of field names/,
    },
    {
      name: '$deleteFromPrimitiveList on a list that does not merge',
      original: 'spec: {containers: [{name: a, args: [x]}]}',
      patch: 'spec: {containers: [{name: a, $deleteFromPrimitiveList/args: [x]}]}',
      path: 'spec.containers[name="a"].args',
      reason: /applies only to merged lists/,
    },
    {
      name: '$deleteFromPrimitiveList on a list of objects',
      original: 'spec: {volumes: [{name: a}]}',
      patch: 'spec: {$deleteFromPrimitiveList/volumes: [a]}',
      path: 'spec.volumes',
      reason: /applies to lists of scalars/,
    },
    {
      name: 'an unsupported directive',
      original: 'spec: {}',
      patch: 'spec: {$fancy: 1}',
      path: 'spec.$fancy',
      reason: /unsupported patch directive/,
    },
    {
      name: 'patch items out of the $setElementOrder order',
      original: 'mergingList: [{name: 1}, {name: 3}, {name: 2}]',
      patch:
        '$setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}]\nmergingList: [{name: 3, value: 3}, {name: 1, value: 1}]',
      path: 'mergingList[1]',
      reason: /missing from \$setElementOrder\/mergingList or out of its order/,
      schema: itemSchema,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.throws(
        () => strategicMerge(yaml(c.original), yaml(c.patch), c.schema),
        (error: unknown) => {
          assert.ok(error instanceof StrategicMergeError);
          assert.equal(error.path, c.path);
          assert.match(error.reason, c.reason);
          assert.match(
            error.message,
            new RegExp(`^strategic merge at ${c.path.replace(/[.$[\]]/g, '\\$&')}: `),
          );
          return true;
        },
      );
    });
  }
});
