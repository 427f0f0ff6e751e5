import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffMs } from "./dispatcher.ts";
import { sign, verify } from "./signing.ts";

// The test vector in docs/api.md.
const secret = "whsec_test_0123456789abcdefghijklmnop";
const body = '{"id":"0b7c5c8e-2f7e-4a44-9a57-000000000001","type":"message.created","data":{}}';
const t = 1798761600;

test("the signature is HMAC-SHA256 of '<t>.<body>' with the endpoint's secret (the documented vector)", () => {
  assert.equal(
    sign(secret, body, t),
    "t=1798761600,v1=c9c21bff6e05341fe514e2614b221310e85917bd522f64adaabbd8d341aea464",
  );
});

test("a receiver accepts a fresh, matching signature and nothing else", () => {
  const header = sign(secret, body, t);
  assert.equal(verify(secret, body, header, t + 10), true);
  assert.equal(verify(secret, body.replace("message", "ticket"), header, t + 10), false, "tampered body");
  assert.equal(verify("whsec_another_secret_0123456789abcd", body, header, t + 10), false, "wrong secret");
  assert.equal(verify(secret, body, header, t + 301), false, "stale timestamp");
  assert.equal(verify(secret, body, header.replace(/v1=./, "v1=0"), t), false, "altered signature");
  assert.equal(verify(secret, body, undefined, t), false);
  assert.equal(verify(secret, body, "garbage", t), false);
});

test("retries back off exponentially with jitter, capped at an hour", () => {
  const mid = () => 0.5;
  assert.deepEqual(
    [1, 2, 3, 4].map((n) => backoffMs(n, 10_000, mid)),
    [10_000, 20_000, 40_000, 80_000],
  );
  assert.equal(backoffMs(30, 10_000, mid), 3_600_000);
  assert.equal(
    backoffMs(1, 10_000, () => 0),
    8_000,
  );
  assert.equal(
    backoffMs(1, 10_000, () => 1),
    12_000,
  );
});
