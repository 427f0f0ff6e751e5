import assert from "node:assert/strict";
import { test } from "node:test";
import { AppError } from "../errors.ts";
import { RateLimiter } from "./rate-limit.ts";

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
