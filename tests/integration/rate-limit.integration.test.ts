import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { START, send, startConversation, startTestApp, type TestApp } from "../support/app.ts";

let t: TestApp;
before(async () => {
  t = await startTestApp({}, { realRateLimits: true });
});
after(() => t.close());

test("too many new conversations from one client answer 429 with Retry-After", async () => {
  const limit = t.app.services.config.limits.rate.startConversation.capacity;
  for (let i = 0; i < limit; i++) await startConversation(t);
  const res = await fetch(`${t.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
    body: JSON.stringify({ query: START, variables: { name: "one too many" } }),
  });
  assert.equal(res.status, 429);
  assert.ok(Number(res.headers.get("retry-after")) >= 1);
  const body = (await res.json()) as { errors: Array<{ extensions: { code: string } }> };
  assert.equal(body.errors[0]!.extensions.code, "RATE_LIMITED");
});

test("a flood of messages into one conversation is cut off with RATE_LIMITED", async () => {
  const fresh = await startTestApp({}, { realRateLimits: true, noRefill: true });
  try {
    const conv = await startConversation(fresh);
    const capacity = fresh.app.services.config.limits.rate.sendMessage.capacity;
    const results = await Promise.all(Array.from({ length: capacity + 5 }, (_, i) => send(fresh, conv, `msg ${i}`)));
    const limited = results.filter((r) => r.errors?.[0]?.extensions?.code === "RATE_LIMITED");
    assert.equal(limited.length, 5);
    await fresh.app.services.runner.idle();
  } finally {
    await fresh.close();
  }
});
