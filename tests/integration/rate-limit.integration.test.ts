import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Redis } from "ioredis";
import { RATE_LIMIT_KEY_PREFIX } from "../../server/auth/rate-limit.ts";
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

test(
  "with Redis, instances share one bucket: more instances do not multiply a client's allowance",
  { skip: process.env.REDIS_URL ? false : "needs REDIS_URL" },
  async () => {
    const env = { REDIS_URL: process.env.REDIS_URL! };
    const a = await startTestApp(env, { realRateLimits: true, noRefill: true });
    const b = await startTestApp(env, { realRateLimits: true, noRefill: true });
    const email = `flood-${crypto.randomUUID()}@tandem.local`;
    try {
      assert.equal(a.app.services.rateLimits.kind, "redis");
      const capacity = a.app.services.config.limits.rate.signIn.capacity;
      const codes: string[] = [];
      for (let i = 0; i < capacity + 3; i++) {
        const r = await (i % 2 === 0 ? a : b).gql(
          `mutation { signIn(email: "${email}", password: "not the password") { token } }`,
          {},
        );
        codes.push(String(r.errors?.[0]?.extensions?.code));
      }
      assert.deepEqual(codes, [...Array(capacity).fill("UNAUTHENTICATED"), ...Array(3).fill("RATE_LIMITED")]);
    } finally {
      const redis = new Redis(process.env.REDIS_URL!);
      const keys = await redis.keys(`${RATE_LIMIT_KEY_PREFIX}signIn:*${email}`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
      await a.close();
      await b.close();
    }
  },
);
