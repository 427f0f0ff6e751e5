/**
 * Two deployments on one Redis, told apart by REDIS_NAMESPACE, never see each other's events;
 * two instances of one deployment do.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import { EventBus } from "../../server/events/bus.ts";
import { eventually } from "../support/app.ts";

const url = process.env.REDIS_URL;

test("events stay inside their deployment's namespace", { skip: !url && "needs REDIS_URL" }, async () => {
  const log = pino({ level: "silent" });
  const suffix = crypto.randomUUID().slice(0, 8);
  const a1 = EventBus.redis(url!, log, `deploy-a-${suffix}`);
  const a2 = EventBus.redis(url!, log, `deploy-a-${suffix}`);
  const b = EventBus.redis(url!, log, `deploy-b-${suffix}`);
  try {
    const seenByA2: string[] = [];
    const seenByB: string[] = [];
    const subA2 = a2.subscribe("inbox", "all");
    const subB = b.subscribe("inbox", "all");
    void (async () => {
      for await (const e of subA2) seenByA2.push(e.reason);
    })();
    void (async () => {
      for await (const e of subB) seenByB.push(e.reason);
    })();
    await Promise.all([subA2.ready, subB.ready]);
    a1.publish("inbox", "all", { type: "conversation_changed", reason: "from-a", at: new Date().toISOString() });
    b.publish("inbox", "all", { type: "conversation_changed", reason: "from-b", at: new Date().toISOString() });
    await eventually(
      () => (seenByA2.includes("from-a") && seenByB.includes("from-b") ? true : undefined),
      5000,
      "each deployment's own event",
    );
    // A marker published after the others proves nothing else is still on its way.
    a1.publish("inbox", "all", { type: "conversation_changed", reason: "marker", at: new Date().toISOString() });
    await eventually(() => (seenByA2.includes("marker") ? true : undefined), 5000, "the marker");
    assert.deepEqual(seenByA2, ["from-a", "marker"]);
    assert.deepEqual(seenByB, ["from-b"]);
    await subA2.return();
    await subB.return();
  } finally {
    await Promise.all([a1.close(), a2.close(), b.close()]);
  }
});
