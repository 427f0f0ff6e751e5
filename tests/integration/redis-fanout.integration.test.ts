import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually, send, startConversation, startTestApp, type TestApp } from "../support/app.ts";
import { collect } from "../support/collect.ts";

// Two instances need one shared database and one Redis: this runs on the Postgres pass.
const skip = !process.env.DATABASE_URL || !process.env.REDIS_URL ? "needs DATABASE_URL and REDIS_URL" : false;

let a: TestApp;
let b: TestApp;
before(async () => {
  if (skip) return;
  const env = { REDIS_URL: process.env.REDIS_URL!, OFFLINE_MODEL_DELAY_MS: "20" };
  a = await startTestApp(env);
  b = await startTestApp(env);
});
after(async () => {
  await a?.close();
  await b?.close();
});

test("a message sent through instance A streams to a subscriber on instance B", { skip }, async () => {
  assert.equal(a.app.services.bus.kind, "redis");
  const conv = await startConversation(a);
  const sub = collect(b.ws(conv.token), conv.id, 0);
  // Let the subscription register before sending, so the test sees live deltas rather than a replay.
  await new Promise((r) => setTimeout(r, 200));
  await send(a, conv, "Hello from instance A");
  const done = await eventually(
    () => sub.events.find((e) => e.type === "MESSAGE_COMPLETED" && e.message?.role === "AGENT"),
    15_000,
  );
  sub.stop();
  const created = sub.events.find((e) => e.type === "MESSAGE_CREATED" && e.message?.role === "CUSTOMER");
  assert.equal(created?.message?.content, "Hello from instance A");
  const deltas = sub.events.filter((e) => e.type === "MESSAGE_DELTA");
  assert.ok(deltas.length > 3, `expected streamed deltas across instances, got ${deltas.length}`);
  assert.equal(deltas.map((d) => d.delta!.text).join(""), done.message!.content);
});
