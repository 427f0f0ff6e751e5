/**
 * Batches per-item lookups of one GraphQL request into one query: every field resolver that asks
 * for a key while a list is being resolved joins the same batch, which runs once the resolvers
 * of that tick have all asked (the DataLoader pattern, with no cache beyond the batch).
 */
interface Batch<K, V> {
  keys: Set<K>;
  done: Promise<Map<K, V>>;
}

const perRequest = new WeakMap<object, Map<string, Batch<unknown, unknown>>>();

export function loadBatched<K, V>(
  request: object,
  name: string,
  key: K,
  fetch: (keys: K[]) => Promise<Map<K, V>>,
): Promise<V | undefined> {
  let batches = perRequest.get(request);
  if (!batches) perRequest.set(request, (batches = new Map()));
  const open = batches;
  let batch = open.get(name) as Batch<K, V> | undefined;
  if (!batch) {
    const keys = new Set<K>();
    const done = new Promise<Map<K, V>>((resolve, reject) =>
      setImmediate(() => {
        // Keys asked for from here on start a batch of their own.
        open.delete(name);
        fetch([...keys]).then(resolve, reject);
      }),
    );
    batch = { keys, done };
    open.set(name, batch as Batch<unknown, unknown>);
  }
  batch.keys.add(key);
  return batch.done.then((rows) => rows.get(key));
}
