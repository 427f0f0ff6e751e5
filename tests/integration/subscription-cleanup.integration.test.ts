/**
 * A subscription that stops (the client unsubscribes or the socket closes) lets go of its bus
 * listener at once, even when its conversation is quiet: nothing waits for a next event.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually, send, startConversation, startTestApp, type TestApp, EVENTS } from "../support/app.ts";

let t: TestApp;
before(async () => {
  t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "0" });
});
after(() => t.close());

test("25 subscribe/unsubscribe cycles on one socket of a quiet conversation leave no listener behind", async () => {
  const conv = await startConversation(t);
  await send(t, conv, "hello");
  await t.app.services.runner.idle();
  const bus = t.app.services.bus;
  const baseline = bus.activeSubscriptions;
  const client = t.ws(conv.token);
  for (let i = 0; i < 25; i++) {
    let first: unknown;
    const stop = client.subscribe(
      { query: EVENTS, variables: { conversationId: conv.id, after: 0 } },
      { next: (r) => (first ??= r), error: (e) => (first ??= e), complete: () => {} },
    );
    await eventually(() => first, 5000, `the replay of cycle ${i}`);
    assert.ok(!(first instanceof Error) && !(first as { errors?: unknown }).errors, JSON.stringify(first));
    stop();
    await eventually(
      () => (bus.activeSubscriptions === baseline ? true : undefined),
      2000,
      `cycle ${i}'s listener to go`,
    );
  }
  await client.dispose();
  assert.equal(bus.activeSubscriptions, baseline);
});
