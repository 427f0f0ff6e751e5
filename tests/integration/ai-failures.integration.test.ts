import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { LanguageModelV4, LanguageModelV4CallOptions } from "@ai-sdk/provider";
import { APICallError } from "ai";
import { asc, eq, sql } from "drizzle-orm";
import { messages } from "../../drizzle/schema.ts";
import { OfflineLanguageModel } from "../../server/ai/offline/model.ts";
import { FAILURE_NOTICE } from "../../server/ai/runner.ts";
import { send, startConversation, startTestApp, type TestApp } from "../support/app.ts";

/** The offline model, but its first `failures` calls fail the way a rate-limited API does. */
class FlakyModel extends OfflineLanguageModel {
  calls = 0;
  private failures: number;
  constructor(failures: number) {
    super({ delayMs: 0 });
    this.failures = failures;
  }
  override async doStream(options: LanguageModelV4CallOptions) {
    this.calls++;
    if (this.calls <= this.failures) {
      throw new APICallError({
        message: "Too Many Requests",
        url: "http://model.invalid/v1/chat/completions",
        requestBodyValues: {},
        statusCode: 429,
        isRetryable: true,
      });
    }
    return super.doStream(options);
  }
}

const apps: TestApp[] = [];
after(() => Promise.all(apps.map((a) => a.close())));

async function appWith(model: LanguageModelV4) {
  const t = await startTestApp(
    { AI_MAX_RETRIES: "2", AI_RETRY_BASE_MS: "5" },
    { model: { model, label: "flaky", offline: false } },
  );
  apps.push(t);
  return t;
}

async function transcript(t: TestApp, conversationId: string) {
  return t.app.services.db
    .select()
    .from(messages)
    .where(eq(messages.conversationId, conversationId))
    .orderBy(asc(messages.seq));
}

test("a transient model error is retried and the customer gets the answer", async () => {
  const model = new FlakyModel(2);
  const t = await appWith(model);
  const conv = await startConversation(t);
  await send(t, conv, "Hello");
  await t.app.services.runner.idle();
  const rows = await transcript(t, conv.id);
  assert.equal(model.calls, 3);
  assert.deepEqual(
    rows.map((r) => [r.role, r.status]),
    [
      ["customer", "complete"],
      ["agent", "complete"],
    ],
  );
  assert.ok(rows[1]!.content.length > 0);
});

test("a model that keeps failing ends in a visible notice, never a hanging reply", async () => {
  const model = new FlakyModel(99);
  const t = await appWith(model);
  const conv = await startConversation(t);
  await send(t, conv, "Hello");
  await t.app.services.runner.idle();
  const rows = await transcript(t, conv.id);
  assert.equal(model.calls, 3);
  // Nothing was streamed, so there is no half-written reply: only the notice.
  assert.deepEqual(
    rows.map((r) => [r.role, r.status]),
    [
      ["customer", "complete"],
      ["system", "complete"],
    ],
  );
  assert.equal(rows[1]!.content, FAILURE_NOTICE);
});

test("a model that hangs times out and the customer is told", async () => {
  const hanging: LanguageModelV4 = {
    specificationVersion: "v4",
    provider: "test",
    modelId: "hang",
    supportedUrls: {},
    doGenerate: () => new Promise(() => {}),
    doStream: (options) =>
      new Promise((_, reject) =>
        options.abortSignal?.addEventListener("abort", () => reject(options.abortSignal!.reason)),
      ),
  };
  const t = await startTestApp(
    { AI_TIMEOUT_MS: "200", AI_MAX_RETRIES: "1", AI_RETRY_BASE_MS: "5" },
    { model: { model: hanging, label: "hang", offline: false } },
  );
  apps.push(t);
  const conv = await startConversation(t);
  await send(t, conv, "Hello?");
  await t.app.services.runner.idle();
  const rows = await transcript(t, conv.id);
  assert.deepEqual(
    rows.map((r) => [r.role, r.status]),
    [
      ["customer", "complete"],
      ["system", "complete"],
    ],
  );
  assert.equal(rows[1]!.content, FAILURE_NOTICE);
});

test("a tool result that cannot be stored stops the turn: the model is not asked again and the customer is told", async () => {
  const model = new FlakyModel(0);
  const t = await appWith(model);
  const conv = await startConversation(t);
  // Storing this conversation's tool results fails, as it would with the database refusing the
  // write. On Postgres the database is shared with the rest of the suite: the trigger names this
  // conversation only and is dropped afterwards.
  const db = t.app.services.db;
  await db.execute(
    sql.raw(`create function refuse_tool_results() returns trigger language plpgsql as $$
    begin
      if new.type = 'tool_result' and new.conversation_id = '${conv.id}' then raise exception 'tool results refused'; end if;
      return new;
    end $$`),
  );
  await db.execute(
    sql`create trigger refuse_tool_results before insert on conversation_events for each row execute function refuse_tool_results()`,
  );
  try {
    // Triage hands this over: the handoff acts, then its result cannot be stored.
    await send(t, conv, "My laptop will not start");
    await t.app.services.runner.idle();
  } finally {
    await db.execute(sql`drop trigger refuse_tool_results on conversation_events`);
    await db.execute(sql`drop function refuse_tool_results()`);
  }
  const rows = await transcript(t, conv.id);
  assert.equal(model.calls, 1, "the model was asked again after a result that was not stored");
  assert.deepEqual(
    rows.map((r) => [r.role, r.status, r.role === "system" ? r.content : ""]),
    [
      ["customer", "complete", ""],
      // The handoff itself was made (and says so); the agent it went to never answers.
      ["system", "complete", "You're now talking to Technical Support (AI)."],
      ["system", "complete", FAILURE_NOTICE],
    ],
  );
});
