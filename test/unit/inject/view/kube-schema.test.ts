// The Go table must describe exactly the fields client-node knows, for every type a Pod reaches: a field
// missing from the table would be invisible to templates and dropped from toJSON.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { kubeType, kubeTypeNames } from '../../../../src/inject/view/kube.ts';

interface Attribute {
  readonly baseName: string;
  readonly type: string;
}

function attributesOf(model: string): readonly Attribute[] {
  const cls = (k8s as unknown as Record<string, { getAttributeTypeMap(): Attribute[] } | undefined>)[model];
  assert.ok(cls !== undefined, `client-node has no model ${model}`);
  return cls.getAttributeTypeMap();
}

/** Every model class reachable from V1Pod through attribute types. */
function reachableModels(): string[] {
  const seen = new Set<string>();
  const visit = (model: string): void => {
    if (seen.has(model)) return;
    seen.add(model);
    for (const { type } of attributesOf(model)) {
      const inner = /^Array<(.+)>$/.exec(type)?.[1] ?? type;
      if (/^(?:V1|CoreV1)[A-Z]/.test(inner)) visit(inner);
    }
  };
  visit('V1Pod');
  return [...seen].sort();
}

/** JSON names of a Go type, with inlined embedded structs expanded. */
function jsonNames(name: string): string[] {
  return kubeType(name).fields.flatMap((field) =>
    field.json === '' ? jsonNames(field.struct) : [field.json],
  );
}

describe('the Kubernetes Go table', () => {
  it('has a Go type for every client-node model a Pod reaches', () => {
    const names = new Set(kubeTypeNames());
    const missing = reachableModels()
      .map((model) => model.replace(/^(?:CoreV1|V1)/, ''))
      .filter((name) => !names.has(name));
    assert.deepEqual(missing, []);
  });

  it('lists exactly the JSON fields of each model, none twice', () => {
    for (const model of reachableModels()) {
      const name = model.replace(/^(?:CoreV1|V1)/, '');
      const fields = jsonNames(name);
      assert.equal(new Set(fields).size, fields.length, `${name} lists a field twice`);
      assert.deepEqual(
        [...fields].sort(),
        attributesOf(model)
          .map((a) => a.baseName)
          .sort(),
        `${name} against ${model}`,
      );
    }
  });

  it('gives Go names that are exported identifiers, unique within each type', () => {
    for (const name of kubeTypeNames()) {
      const goNames = kubeType(name).fields.map((field) => field.go);
      for (const goName of goNames) assert.match(goName, /^[A-Z][A-Za-z0-9]*$/, `${name}.${goName}`);
      assert.equal(new Set(goNames).size, goNames.length, `${name} has a duplicate Go name`);
    }
  });
});
