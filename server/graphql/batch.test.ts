import assert from "node:assert/strict";
import { test } from "node:test";
import { loadBatched } from "./batch.ts";

test("lookups asked for in the same tick run as one batch; later ones as another; requests never share", async () => {
  const calls: number[][] = [];
  const fetch = async (keys: number[]) => {
    calls.push(keys);
    return new Map(keys.map((k) => [k, k * 10]));
  };
  const request = {};
  const first = await Promise.all([1, 2, 2, 3].map((k) => loadBatched(request, "n", k, fetch)));
  assert.deepEqual(first, [10, 20, 20, 30]);
  assert.deepEqual(calls, [[1, 2, 3]]);
  assert.equal(await loadBatched(request, "n", 4, fetch), 40);
  assert.equal(await loadBatched({}, "n", 5, fetch), 50);
  assert.deepEqual(calls, [[1, 2, 3], [4], [5]]);
  assert.equal(await loadBatched(request, "missing", 6, async () => new Map<number, number>()), undefined);
});
