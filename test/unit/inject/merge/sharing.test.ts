import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { load } from 'js-yaml';
import {
  StrategicMergeError,
  reusableParts,
  strategicMerge,
  strategicMergeSharing,
} from '../../../../src/inject/merge/strategic.ts';
import type { JsonObject, JsonValue } from '../../../../src/inject/types.ts';

const yaml = (text: string): JsonObject => load(text) as JsonObject;

/** The sharing merge must give exactly what the copying one gives, key order included. */
function assertSameAsCopying(original: JsonObject, patch: JsonObject): JsonObject {
  const copied = strategicMerge(original, patch);
  const shared = strategicMergeSharing(original, patch, reusableParts(patch));
  assert.equal(JSON.stringify(shared), JSON.stringify(copied));
  return shared;
}

const pod = (): JsonObject =>
  yaml(`
metadata: {name: web, labels: {app: web}, finalizers: [a, b]}
spec:
  containers:
  - {name: web, image: 'web:1', env: [{name: A, value: a}], ports: [{containerPort: 80}]}
  volumes: [{name: data, emptyDir: {}}]
`);

describe('strategicMergeSharing', () => {
  const cases: [name: string, patch: string][] = [
    [
      'a plain sidecar fragment',
      `
metadata: {labels: {tls: istio}, annotations: {a: b}}
spec:
  initContainers: [{name: istio-init, args: [-p, '15001'], securityContext: {runAsUser: 0}}]
  containers: [{name: istio-proxy, env: [{name: B, value: b}], ports: [{containerPort: 15090}]}]
  volumes: [{name: istio-envoy, emptyDir: {medium: Memory}}, {name: x, projected: {sources: [{a: 1}]}}]
`,
    ],
    ['a null deletes a field, also inside a new container', 'spec: {containers: [{name: n, image: null}]}'],
    ['a null deletes an original field', 'metadata: {labels: {app: null}}'],
    ['nulls in an atomic list are kept', 'spec: {containers: [{name: n, args: [a, null, b]}]}'],
    ['duplicate merge keys merge into one item', 'spec: {volumes: [{name: v, a: 1}, {name: v, b: 2}]}'],
    [
      'duplicate keys in a new merged list',
      'spec: {containers: [{name: c, env: [{name: X, value: "1"}, {name: X, value: "2"}]}]}',
    ],
    ['duplicate scalars in a new merged list', 'metadata: {finalizers: [x, y, x]}'],
    ['duplicate scalars merged onto the original list', 'metadata: {finalizers: [b, c, c]}'],
    [
      '$patch: replace in an object',
      'spec: {containers: [{name: web, env: [{name: Z, value: z}], $patch: replace}]}',
    ],
    ['$patch: delete on a list item', 'spec: {volumes: [{name: data, $patch: delete}, {name: new}]}'],
    ['$patch: replace on a list', 'spec: {volumes: [{name: fresh}, {$patch: replace}]}'],
    ['$retainKeys', 'spec: {volumes: [{name: data, $retainKeys: [name, hostPath], hostPath: {path: /x}}]}'],
    [
      '$setElementOrder',
      'spec: {$setElementOrder/volumes: [{name: new}, {name: data}], volumes: [{name: new}]}',
    ],
    ['$deleteFromPrimitiveList', 'metadata: {$deleteFromPrimitiveList/finalizers: [a]}'],
    [
      'an object replacing a scalar and a list replacing an object',
      'metadata: {name: {x: 1}, labels: [1, 2]}',
    ],
    ['nested lists in an atomic list', 'spec: {containers: [{name: n, command: [[a, {b: null}], [c]]}]}'],
  ];
  for (const [name, text] of cases) {
    it(`${name}: same result as strategicMerge`, () => {
      const original = pod();
      const patch = yaml(text);
      const before = structuredClone({ original, patch });
      assertSameAsCopying(original, patch);
      assertSameAsCopying({}, patch);
      assert.deepEqual({ original, patch }, before, 'inputs must not change');
    });
  }

  it('the same parsed object at two places of different types (a YAML alias)', () => {
    const patch = yaml(`
spec:
  containers: [&c {name: dup, env: [{name: A}, {name: A}]}]
  nodeSelector: {x: *c}
`);
    assertSameAsCopying(pod(), patch);
    assertSameAsCopying({}, patch);
  });

  it('reuses the patch onto an empty pod, and what it adds or leaves alone on a pod', () => {
    const original = pod();
    const patch = yaml(`
metadata: {labels: {tls: istio}}
spec:
  containers: [{name: istio-proxy, env: [{name: B, value: b}]}]
  volumes: [{name: istio-envoy, emptyDir: {medium: Memory}}]
`);
    const reusable = reusableParts(patch);
    assert.equal(strategicMergeSharing({}, patch, reusable), patch);
    const merged = strategicMergeSharing(original, patch, reusable);
    const spec = merged.spec as { containers: JsonObject[]; volumes: JsonObject[] };
    const patchSpec = patch.spec as { containers: JsonObject[]; volumes: JsonObject[] };
    assert.equal(spec.containers[0], patchSpec.containers[0]);
    assert.equal(spec.volumes[0], patchSpec.volumes[0]);
    const originalSpec = original.spec as { containers: JsonObject[]; volumes: JsonObject[] };
    assert.equal(spec.containers[1], originalSpec.containers[0]);
    assert.equal(spec.volumes[1], originalSpec.volumes[0]);
    assert.notEqual(merged.metadata, original.metadata);
  });

  it('copies what has a null or a directive, but reuses the parts below it that have none', () => {
    const patch = yaml('spec: {containers: [{name: n, image: null, env: [{name: A, value: a}]}]}');
    const merged = strategicMergeSharing({}, patch, reusableParts(patch));
    const container = (merged.spec as { containers: JsonObject[] }).containers[0]!;
    const patchContainer = (patch.spec as { containers: JsonObject[] }).containers[0]!;
    assert.notEqual(container, patchContainer);
    assert.deepEqual(container, { name: 'n', env: [{ name: 'A', value: 'a' }] });
    assert.equal(container.env, patchContainer.env);
  });

  it('locates errors as strategicMerge does', () => {
    const patch = yaml('spec: {containers: [{name: a, ports: [{name: p}]}]}');
    const errorOf = (merge: () => unknown): StrategicMergeError => {
      try {
        merge();
      } catch (error) {
        assert.ok(error instanceof StrategicMergeError);
        return error;
      }
      assert.fail('the merge did not fail');
    };
    const shared = errorOf(() => strategicMergeSharing(pod(), patch, reusableParts(patch)));
    const copied = errorOf(() => strategicMerge(pod(), patch));
    assert.equal(shared.message, copied.message);
    assert.equal(shared.path, 'spec.containers[name="a"].ports[0]');
  });

  it('agrees with strategicMerge on generated pods and patches', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const names = ['a', 'b', 'c'];
    const scalar = (): JsonValue => [null, 'x', 'y', 1, true][random(5)]!;
    const object = (depth: number): JsonObject => {
      const out: JsonObject = {};
      for (let i = random(3); i >= 0; i--)
        out[['name', 'image', 'value', 'k'][random(4)]!] = value(depth + 1);
      if (random(6) === 0) out.$patch = ['replace', 'delete', 'merge'][random(3)]!;
      return out;
    };
    const named = (depth: number): JsonObject => ({ ...object(depth), name: names[random(3)]! });
    const list = (item: () => JsonValue): JsonValue[] => Array.from({ length: random(4) }, item);
    const value = (depth: number): JsonValue =>
      depth > 3 || random(3) === 0 ? scalar() : random(2) === 0 ? object(depth) : list(() => scalar());
    const podLike = (): JsonObject => ({
      metadata: { labels: object(2), finalizers: list(() => names[random(3)]!) },
      spec: {
        containers: list(() => ({ ...named(1), env: list(() => named(2)) })),
        volumes: list(() => named(1)),
        ...(random(2) === 0 ? { nodeSelector: object(1) } : {}),
      },
    });
    let compared = 0;
    for (let i = 0; i < 300; i++) {
      const original = podLike();
      const patch = podLike();
      let copied: string;
      try {
        copied = JSON.stringify(strategicMerge(original, patch));
      } catch (error) {
        assert.ok(error instanceof StrategicMergeError);
        assert.throws(() => strategicMergeSharing(original, patch, reusableParts(patch)), {
          message: error.message,
        });
        continue;
      }
      assert.equal(JSON.stringify(strategicMergeSharing(original, patch, reusableParts(patch))), copied);
      compared++;
    }
    assert.ok(compared > 100, `only ${compared} generated merges succeeded`);
  });
});
