import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Store, objectKey, splitKey } from '../../../src/kube/store.ts';

interface Item {
  readonly node: string;
  readonly tags: readonly string[];
}

describe('Store', () => {
  it('keys namespaced objects ns/name and cluster-scoped ones by name', () => {
    assert.equal(objectKey({ namespace: 'a', name: 'p' }), 'a/p');
    assert.equal(objectKey({ namespace: '', name: 'n' }), 'n');
    assert.deepEqual(splitKey('a/p'), { namespace: 'a', name: 'p' });
    assert.deepEqual(splitKey('n'), { namespace: '', name: 'n' });
  });

  it('stores, replaces and deletes, keeping the namespace index in step', () => {
    const s = new Store<Item>();
    assert.equal(s.set('a/p1', { node: 'n1', tags: [] }, 'a', '1'), undefined);
    s.set('a/p2', { node: 'n2', tags: [] }, 'a', '2');
    s.set('b/p3', { node: 'n1', tags: [] }, 'b', '3');
    assert.equal(s.size, 3);
    assert.deepEqual(
      s
        .byNamespace('a')
        .map((i) => i.node)
        .sort(),
      ['n1', 'n2'],
    );
    assert.deepEqual(s.set('a/p1', { node: 'n9', tags: [] }, 'a', '4'), { node: 'n1', tags: [] });
    assert.equal(s.resourceVersionOf('a/p1'), '4');
    assert.deepEqual(s.delete('a/p2'), { node: 'n2', tags: [] });
    assert.equal(s.delete('a/p2'), undefined);
    assert.deepEqual(s.byNamespace('a'), [{ node: 'n9', tags: [] }]);
    assert.deepEqual(s.byNamespace('zzz'), []);
    assert.deepEqual(s.keys().sort(), ['a/p1', 'b/p3']);
    assert.equal(s.has('b/p3'), true);
  });

  it('maintains custom indexes across updates (multi-valued, de-duplicated)', () => {
    const s = new Store<Item>({ node: (i) => [i.node], tag: (i) => i.tags });
    s.set('a/p1', { node: 'n1', tags: ['x', 'y', 'x'] }, 'a', '1');
    s.set('a/p2', { node: 'n1', tags: ['y'] }, 'a', '1');
    assert.equal(s.byIndex('node', 'n1').length, 2);
    assert.deepEqual(s.indexKeys('tag', 'x'), ['a/p1']);
    assert.deepEqual(s.indexKeys('tag', 'y').sort(), ['a/p1', 'a/p2']);
    s.set('a/p1', { node: 'n2', tags: [] }, 'a', '2');
    assert.deepEqual(s.indexKeys('node', 'n1'), ['a/p2']);
    assert.deepEqual(s.indexKeys('tag', 'x'), []);
    s.delete('a/p2');
    assert.deepEqual(s.byIndex('node', 'n1'), []);
  });

  it('leaves the store unchanged when an index function throws', () => {
    const s = new Store<Item>({
      bad: (i) => {
        if (i.node === 'boom') throw new Error('boom');
        return [i.node];
      },
    });
    s.set('a/p', { node: 'ok', tags: [] }, 'a', '1');
    assert.throws(() => s.set('a/p', { node: 'boom', tags: [] }, 'a', '2'), /boom/);
    assert.deepEqual(s.get('a/p'), { node: 'ok', tags: [] });
    assert.deepEqual(s.indexKeys('bad', 'ok'), ['a/p']);
  });

  it('rejects unknown indexes and a custom index named like the built-in one', () => {
    const s = new Store<Item>();
    assert.throws(() => s.byIndex('nope', 'x'), /no index named "nope"/);
    assert.throws(() => new Store<Item>({ namespace: () => [] }), /built in/);
  });
});
