import { Annotation } from '../../../src/inject/annotations.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ReorderOptions, reorderPod } from '../../../src/inject/reorder.ts';
import type { JsonObject } from '../../../src/inject/types.ts';

const names = (list: string[]): JsonObject[] => list.map((name) => ({ name }));
const pod = (
  containers: string[] | undefined,
  inits: string[] | undefined,
  annotations?: JsonObject,
): JsonObject => {
  const spec: JsonObject = {};
  if (containers !== undefined) spec.containers = names(containers);
  if (inits !== undefined) spec.initContainers = names(inits);
  return annotations === undefined ? { spec } : { metadata: { annotations }, spec };
};
const order = (result: JsonObject, field: 'containers' | 'initContainers'): string[] | undefined => {
  const list = (result.spec as JsonObject)[field];
  return Array.isArray(list) ? list.map((c) => (c as JsonObject).name as string) : undefined;
};

interface Case {
  readonly name: string;
  readonly options: ReorderOptions;
  readonly containers?: string[];
  readonly inits?: string[];
  readonly annotations?: JsonObject;
  readonly wantContainers?: string[];
  readonly wantInits?: string[];
}

const noHold: ReorderOptions = { holdApplicationUntilProxyStarts: false };

describe('reorderPod', () => {
  const cases: Case[] = [
    {
      name: 'proxy goes last so kubectl defaults to the app',
      options: noHold,
      containers: ['istio-proxy', 'app', 'helper'],
      wantContainers: ['app', 'helper', 'istio-proxy'],
    },
    {
      name: 'with hold the proxy goes first',
      options: { holdApplicationUntilProxyStarts: true },
      containers: ['app', 'helper', 'istio-proxy'],
      wantContainers: ['istio-proxy', 'app', 'helper'],
    },
    {
      name: 'non-native: istio-init goes after the user init containers',
      options: noHold,
      containers: ['istio-proxy', 'app'],
      inits: ['istio-init', 'migrate', 'seed'],
      wantContainers: ['app', 'istio-proxy'],
      wantInits: ['migrate', 'seed', 'istio-init'],
    },
    {
      name: 'non-native: istio-validation first, istio-init then enable-core-dump last',
      options: noHold,
      inits: ['istio-init', 'enable-core-dump', 'migrate', 'istio-validation'],
      wantInits: ['istio-validation', 'migrate', 'istio-init', 'enable-core-dump'],
    },
    {
      name: 'native: istio-init, istio-proxy, enable-core-dump, then user init containers',
      options: noHold,
      containers: ['app'],
      inits: ['migrate', 'istio-proxy', 'enable-core-dump', 'istio-init', 'seed'],
      wantContainers: ['app'],
      wantInits: ['istio-init', 'istio-proxy', 'enable-core-dump', 'migrate', 'seed'],
    },
    {
      name: 'native with CNI: istio-validation before the proxy',
      options: noHold,
      inits: ['migrate', 'istio-validation', 'istio-proxy'],
      wantInits: ['istio-validation', 'istio-proxy', 'migrate'],
    },
    {
      name: 'native: hold does not move init containers',
      options: { holdApplicationUntilProxyStarts: true },
      containers: ['app'],
      inits: ['istio-init', 'istio-proxy', 'migrate'],
      wantContainers: ['app'],
      wantInits: ['istio-init', 'istio-proxy', 'migrate'],
    },
    {
      name: 'native: containers named by the setting and the annotation run before the proxy',
      options: { holdApplicationUntilProxyStarts: false, initContainersBeforeProxy: 'c' },
      inits: ['istio-init', 'istio-proxy', 'a', 'b', 'c', 'd'],
      annotations: { [Annotation.initContainersBeforeProxy]: 'a,b,c' },
      wantInits: ['istio-init', 'c', 'a', 'b', 'istio-proxy', 'd'],
    },
    {
      name: 'native: names are not trimmed, as in Istio',
      options: noHold,
      inits: ['istio-init', 'istio-proxy', 'a', 'b'],
      annotations: { [Annotation.initContainersBeforeProxy]: 'a, b' },
      wantInits: ['istio-init', 'a', 'istio-proxy', 'b'],
    },
    {
      name: 'non-native: the before-proxy annotation changes nothing',
      options: noHold,
      inits: ['a', 'istio-init', 'b'],
      annotations: { [Annotation.initContainersBeforeProxy]: 'b' },
      wantInits: ['a', 'b', 'istio-init'],
    },
    {
      name: 'a pod without a proxy keeps its order',
      options: { holdApplicationUntilProxyStarts: true },
      containers: ['b', 'a'],
      inits: ['y', 'x'],
      wantContainers: ['b', 'a'],
      wantInits: ['y', 'x'],
    },
    {
      name: 'absent lists stay absent',
      options: noHold,
      wantContainers: undefined,
      wantInits: undefined,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const input = pod(c.containers, c.inits, c.annotations);
      const before = structuredClone(input);
      const result = reorderPod(input, c.options);
      assert.deepEqual(order(result, 'containers'), c.wantContainers ?? c.containers);
      assert.deepEqual(order(result, 'initContainers'), c.wantInits ?? c.inits);
      assert.deepEqual(input, before, 'the input must not change');
    });
  }

  it('collapses duplicates of a moved container to the last one, as Istio does', () => {
    const input: JsonObject = {
      spec: {
        containers: [
          { name: 'istio-proxy', image: 'v1' },
          { name: 'app' },
          { name: 'istio-proxy', image: 'v2' },
        ],
      },
    };
    assert.deepEqual(reorderPod(input, noHold).spec, {
      containers: [{ name: 'app' }, { name: 'istio-proxy', image: 'v2' }],
    });
  });

  it('keeps every other field of the containers', () => {
    const input: JsonObject = {
      spec: {
        containers: [
          { name: 'istio-proxy', args: ['proxy'] },
          { name: 'app', image: 'app:1', ports: [] },
        ],
      },
    };
    assert.deepEqual(reorderPod(input, noHold).spec, {
      containers: [
        { name: 'app', image: 'app:1', ports: [] },
        { name: 'istio-proxy', args: ['proxy'] },
      ],
    });
  });
});
