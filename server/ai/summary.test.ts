import assert from "node:assert/strict";
import { test } from "node:test";
import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { TopicName, Topics } from "../events/types.ts";
import { SummaryScheduler, type SummaryDeps } from "./summary.ts";

/**
 * A scheduler on a bus of its own; `event` plays an escalation of a conversation. Each run is
 * recorded in `runs`, then `summarise` (by default done at once) is its work.
 */
function scheduler(delayMs: number, summarise: () => Promise<void> = async () => {}, db?: unknown) {
  let observer: ((name: TopicName, id: string, event: Topics[TopicName]) => void) | undefined;
  const runs: Array<{ id: string; at: number }> = [];
  const deps = {
    bus: { observeLocal: (o: typeof observer) => (observer = o) },
    log: { warn: () => {} },
    db,
  } as unknown as SummaryDeps;
  const s = new SummaryScheduler(deps, delayMs, (_deps, id) => {
    runs.push({ id, at: Date.now() });
    return summarise();
  });
  const event = (id: string) =>
    observer!("conversation", id, { type: "escalation", seq: 1 } as unknown as Topics[TopicName]);
  /** A customer's message: whether it calls for a summary depends on the conversation's status. */
  const message = (id: string) =>
    observer!("conversation", id, {
      type: "message_created",
      seq: 2,
      payload: { message: { role: "customer", status: "complete" } },
    } as unknown as Topics[TopicName]);
  return { s, runs, event, message };
}

/** Lets every promise that can settle now do so (setImmediate is not among the mocked timers). */
const settled = () => new Promise((resolve) => setImmediate(resolve));

test("a burst is summarised once, after the conversation pauses", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
  const { s, runs, event } = scheduler(1000);
  for (let i = 0; i < 5; i++) {
    event("c1");
    t.mock.timers.tick(500);
  }
  assert.deepEqual(runs, [], "nothing while the burst goes on");
  t.mock.timers.tick(500);
  await Promise.resolve();
  assert.deepEqual(runs, [{ id: "c1", at: 3000 }], "one run, a pause after the last event");
  await s.close();
});

test("a conversation that never pauses is summarised at the latest ten delays after its burst began", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
  const { s, runs, event } = scheduler(1000);
  for (let at = 0; at < 25_000; at += 500) {
    event("c2");
    t.mock.timers.tick(500);
    await Promise.resolve();
  }
  assert.deepEqual(
    runs.map((r) => r.at),
    [10_000, 20_000],
    "a run every ten delays while events keep coming",
  );
  await s.close();
});

test("closing waits for a summary under way and schedules nothing after it", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
  let finish = () => {};
  const { s, runs, event } = scheduler(1000, () => new Promise<void>((resolve) => (finish = resolve)));
  const started = () => runs.map((r) => r.id);
  event("c3");
  t.mock.timers.tick(1000);
  await Promise.resolve();
  assert.deepEqual(started(), ["c3"], "the run is under way");
  let closed = false;
  const closing = s.close().then(() => (closed = true));
  await settled();
  assert.equal(closed, false, "close waits for the run");
  event("c4");
  finish();
  await closing;
  t.mock.timers.tick(10_000);
  await Promise.resolve();
  assert.deepEqual(started(), ["c3"], "nothing scheduled after close");
});

test("closing waits for a summary under way at most its bound", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
  // A model that never answers.
  const { s, event } = scheduler(1000, () => new Promise<void>(() => {}));
  event("c5");
  t.mock.timers.tick(1000);
  await Promise.resolve();
  let closed = false;
  const closing = s.close(3000).then(() => (closed = true));
  t.mock.timers.tick(2999);
  await settled();
  assert.equal(closed, false, "still waiting within the bound");
  t.mock.timers.tick(1);
  await closing;
  assert.equal(closed, true);
});

test("the conversations that move together are checked in one statement; only a person's cases are summarised", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
  // A database whose conversations named "human…" need a person; each read waits until the test answers it.
  const reads: string[][] = [];
  const answers: Array<() => void> = [];
  const db = {
    execute: async (query: SQL) => {
      const { params } = new PgDialect().sqlToQuery(query);
      const ids = JSON.parse(String(params.find((p) => String(p).startsWith("[")))) as string[];
      reads.push(ids.toSorted());
      await new Promise<void>((resolve) => answers.push(resolve));
      return ids.filter((id) => id.startsWith("human")).map((id) => ({ id }));
    },
  };
  const { s, runs, message } = scheduler(1000, undefined, db);
  for (const id of ["ai-1", "human-1", "ai-2", "human-2"]) message(id);
  await settled();
  assert.deepEqual(reads, [["ai-1", "ai-2", "human-1", "human-2"]], "one read for the four");
  // While it runs, more conversations move: they wait for it, then are read together.
  for (const id of ["human-3", "ai-3"]) message(id);
  await settled();
  assert.equal(reads.length, 1, "no second read while the first runs");
  answers.shift()!();
  await settled();
  await settled();
  assert.deepEqual(reads[1], ["ai-3", "human-3"]);
  answers.shift()!();
  await settled();
  t.mock.timers.tick(1000);
  await settled();
  assert.deepEqual(runs.map((r) => r.id).toSorted(), ["human-1", "human-2", "human-3"]);
  await s.close();
});
