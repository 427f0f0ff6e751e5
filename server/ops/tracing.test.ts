import assert from "node:assert/strict";
import { test } from "node:test";
import { querySpanName } from "./tracing.ts";

test("a query's span is named by its operation and table; a statement with CTEs by what it stores", () => {
  assert.equal(querySpanName(`select "id" from "conversations" where "id" = $1`), "SELECT conversations");
  assert.equal(querySpanName(`insert into "messages" ("id") values ($1)`), "INSERT messages");
  assert.equal(querySpanName(`update "messages" set "content" = $1`), "UPDATE messages");
  assert.equal(
    querySpanName(`with allocated as (update "conversations" set last_seq = last_seq + 1 where id = $1 returning last_seq),
      inserted as (insert into "messages" (id, seq) select $2, last_seq from allocated returning seq)
      insert into "conversation_events" (seq) select seq from inserted`),
    "INSERT messages",
  );
  assert.equal(
    querySpanName(
      `with due as (select id from "webhook_deliveries") update "webhook_deliveries" set attempts = 1 where id in (select id from due)`,
    ),
    "UPDATE webhook_deliveries",
  );
  assert.equal(querySpanName("begin"), "BEGIN");
});
