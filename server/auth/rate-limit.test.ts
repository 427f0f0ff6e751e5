import assert from "node:assert/strict";
import { test } from "node:test";
import { AppError } from "../errors.ts";
import { pino } from "pino";
import { RateLimiter, RateLimits } from "./rate-limit.ts";

test("a bucket allows its capacity, then refuses with a retry time, then refills", () => {
  const limiter = new RateLimiter(3, 1000);
  for (let i = 0; i < 3; i++) limiter.take("ip", 0);
  assert.throws(
    () => limiter.take("ip", 0),
    (err: unknown) => err instanceof AppError && err.code === "RATE_LIMITED" && err.extensions.retryAfter === 1,
  );
  limiter.take("other-ip", 0);
  limiter.take("ip", 1000);
  assert.throws(() => limiter.take("ip", 1000));
});

test("when Redis cannot be reached, each instance still limits on its own", async () => {
  const limits = new RateLimits({ startConversation: { capacity: 2, refillMs: 60_000 }, sendMessage: { capacity: 2, refillMs: 60_000 }, signIn: { capacity: 2, refillMs: 60_000 } }, "redis://127.0.0.1:1", pino({ level: "silent" }));
  try {
    await limits.signIn.take("ip:someone");
    await limits.signIn.take("ip:someone");
    await assert.rejects(
      async () => limits.signIn.take("ip:someone"),
      (err: unknown) => err instanceof AppError && err.code === "RATE_LIMITED",
    );
  } finally {
    await limits.close();
  }
});
