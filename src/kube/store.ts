// The informer's in-memory cache: objects keyed `namespace/name` (just `name` when cluster-scoped),
// with secondary indexes (client-go's cache.Indexer). A namespace index is always there.
//
// Keys, namespaces and resourceVersions are kept beside each object rather than read from it, so an
// informer's transform may drop `metadata` entirely and the cache still works.

export type IndexFunc<T> = (obj: T) => readonly string[];

export interface ObjectMetaKey {
  readonly namespace: string;
  readonly name: string;
}

export function objectKey(meta: ObjectMetaKey): string {
  return meta.namespace === '' ? meta.name : `${meta.namespace}/${meta.name}`;
}

/** Splits a key made by objectKey back into its parts. */
export function splitKey(key: string): ObjectMetaKey {
  const slash = key.indexOf('/');
  return slash < 0
    ? { namespace: '', name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

interface Entry<T> {
  readonly obj: T;
  readonly namespace: string;
  readonly resourceVersion: string;
  /** Index values this entry was filed under, per index, to unfile it on replace/delete. */
  readonly indexed: ReadonlyMap<string, readonly string[]>;
}

export const namespaceIndex = 'namespace';

export class Store<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #indexers: ReadonlyMap<string, IndexFunc<T>>;
  readonly #indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Readonly<Record<string, IndexFunc<T>>> = {}) {
    if (namespaceIndex in indexers)
      throw new Error(`index "${namespaceIndex}" is built in; choose another name`);
    this.#indexers = new Map(Object.entries(indexers));
    for (const name of [namespaceIndex, ...this.#indexers.keys()]) this.#indices.set(name, new Map());
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): T | undefined {
    return this.#entries.get(key)?.obj;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  resourceVersionOf(key: string): string | undefined {
    return this.#entries.get(key)?.resourceVersion;
  }

  keys(): string[] {
    return [...this.#entries.keys()];
  }

  list(): T[] {
    return [...this.#entries.values()].map((e) => e.obj);
  }

  /** Objects filed under `value` in index `index` (throws for an index that was never defined). */
  byIndex(index: string, value: string): T[] {
    return this.indexKeys(index, value).map((key) => this.#entries.get(key)!.obj);
  }

  /** Keys filed under `value` in index `index`. */
  indexKeys(index: string, value: string): string[] {
    const byValue = this.#indices.get(index);
    if (byValue === undefined) throw new Error(`no index named "${index}"`);
    return [...(byValue.get(value) ?? [])];
  }

  byNamespace(namespace: string): T[] {
    return this.byIndex(namespaceIndex, namespace);
  }

  /** Stores `obj` under `key`; returns the object it replaced, if any. */
  set(key: string, obj: T, namespace: string, resourceVersion: string): T | undefined {
    // Index values first: an index function that throws leaves the store as it was.
    const indexed = new Map<string, readonly string[]>([[namespaceIndex, [namespace]]]);
    for (const [name, fn] of this.#indexers) indexed.set(name, [...new Set(fn(obj))]);
    const old = this.#entries.get(key);
    if (old !== undefined) this.#unfile(key, old);
    const entry: Entry<T> = { obj, namespace, resourceVersion, indexed };
    this.#entries.set(key, entry);
    for (const [name, values] of indexed) {
      const byValue = this.#indices.get(name)!;
      for (const value of values) {
        let keys = byValue.get(value);
        if (keys === undefined) byValue.set(value, (keys = new Set()));
        keys.add(key);
      }
    }
    return old?.obj;
  }

  /** Removes `key`; returns the object it held, if any. */
  delete(key: string): T | undefined {
    const old = this.#entries.get(key);
    if (old === undefined) return undefined;
    this.#unfile(key, old);
    this.#entries.delete(key);
    return old.obj;
  }

  #unfile(key: string, entry: Entry<T>): void {
    for (const [name, values] of entry.indexed) {
      const byValue = this.#indices.get(name)!;
      for (const value of values) {
        const keys = byValue.get(value);
        keys?.delete(key);
        if (keys?.size === 0) byValue.delete(value);
      }
    }
  }
}
