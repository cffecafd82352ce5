// Bounded parallelism for the writes one reconcile issues.
//
// The plan decides how many restarts start; this only decides how many of those writes are on the wire at once.
// Every task runs to its end even when another fails: each restart registered an expectation before it was sent,
// and only its own task can confirm or withdraw it, so none may be left unstarted.

/**
 * Runs `task` for every item, at most `limit` at a time, in order of the items. Resolves with the results in the
 * items' order; if any task rejected, rejects with the first rejection once every task has settled.
 */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`concurrency limit must be a positive integer, got ${limit}`);
  const results = new Array<R>(items.length);
  let failure: { readonly error: unknown } | undefined;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure !== undefined) throw failure.error;
  return results;
}
