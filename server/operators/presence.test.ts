import assert from "node:assert/strict";
import { test } from "node:test";
import type { Queryable } from "../db/client.ts";
import { EventBus } from "../events/bus.ts";
import { isConnected, PRESENCE_TIMEOUT_MS, whileConnected } from "./presence.ts";

/** Counts the presence writes; the chain mirrors db.update(table).set(values).where(condition). */
function countingDb() {
  const writes: unknown[] = [];
  const db = {
    update: () => ({ set: (values: unknown) => ({ where: () => (writes.push(values), Promise.resolve()) }) }),
  };
  return { db: db as unknown as Queryable, writes };
}

test("an operator is connected until PRESENCE_TIMEOUT_MS passes without a sign of life", () => {
  const now = new Date("2026-01-01T12:00:00Z");
  assert.equal(isConnected({ lastSeenAt: null }, now), false);
  assert.equal(isConnected({ lastSeenAt: new Date(now.getTime() - PRESENCE_TIMEOUT_MS + 1000) }, now), true);
  assert.equal(isConnected({ lastSeenAt: new Date(now.getTime() - PRESENCE_TIMEOUT_MS - 1000) }, now), false);
});

test("an open subscription beats at once, and unsubscribing while no event is pending stops it", async () => {
  const { db, writes } = countingDb();
  const bus = EventBus.inMemory();
  const live = whileConnected(db, "op-1", bus.subscribe("inbox", "all"));
  assert.equal(writes.length, 1, "the first beat is immediate");
  const waiting = live.next();
  bus.publish("inbox", "all", { type: "operator_changed", reason: "first", at: "" });
  assert.equal((await waiting).value?.reason, "first");
  const idle = live.next(); // nothing will come
  const closed = await Promise.race([
    live.return!().then(() => "closed"),
    new Promise((r) => setTimeout(() => r("stuck"), 1000)),
  ]);
  assert.equal(closed, "closed");
  assert.equal((await idle).done, true);
});
