import assert from "node:assert/strict";
import { test } from "node:test";
import { AppError } from "../errors.ts";
import { pino } from "pino";
import { FailureCounter, RateLimiter, RateLimits } from "./rate-limit.ts";
import { loadConfig } from "../config.ts";

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
  const limits = new RateLimits(loadConfig({}).limits.rate, "redis://127.0.0.1:1", pino({ level: "silent" }));
  try {
    for (let i = 0; i < loadConfig({}).limits.rate.signIn.capacity; i++) await limits.signIn.take("ip:someone");
    await assert.rejects(
      async () => limits.signIn.take("ip:someone"),
      (err: unknown) => err instanceof AppError && err.code === "RATE_LIMITED",
    );
  } finally {
    await limits.close();
  }
});

test("the in-process store is bounded: the least recently used buckets go first, and long keys are hashed", () => {
  const limiter = new RateLimiter(1, 60_000, 100);
  for (let i = 0; i < 1000; i++) limiter.take(`client-${i}`.padEnd(5000, "x"), 0);
  assert.equal(limiter.size, 100);
  // The newest key is still remembered (and empty); the oldest was forgotten and gets a fresh bucket.
  assert.throws(() => limiter.take(`client-999`.padEnd(5000, "x"), 0));
  limiter.take(`client-0`.padEnd(5000, "x"), 0);
});

test("sign-in failures per account decay by half over the half-life and are bounded", () => {
  const failures = new FailureCounter(1000, 10);
  for (let i = 0; i < 8; i++) failures.add("a@example.com", 0);
  assert.equal(failures.get("a@example.com", 0), 8);
  assert.equal(failures.get("a@example.com", 1000), 4);
  for (let i = 0; i < 50; i++) failures.add(`other-${i}`, 0);
  assert.equal(failures.get("a@example.com", 0), 0);
});
