import assert from "node:assert/strict";
import { test } from "node:test";
import { serializeError } from "./logger.ts";

test("a failed query's SQL and parameters reach the log neither in its message nor in its stack", () => {
  const failed = new Error(
    'Failed query: update "conversation_health" set "reading" = $1\nparams: {"words":["ada@example.com"]}',
    { cause: new Error("duplicate key") },
  );
  const logged = JSON.stringify(serializeError(failed));
  assert.ok(!logged.includes("ada@example.com"), logged);
  assert.ok(!logged.includes("conversation_health"), logged);
  assert.match(logged, /Failed query \(SQL and parameters omitted\)/);
});
