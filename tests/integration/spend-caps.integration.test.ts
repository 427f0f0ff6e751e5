import assert from "node:assert/strict";
import { after, test } from "node:test";
import { asc, eq, gte, sql } from "drizzle-orm";
import { aiSpend, conversations, escalations, messages } from "../../drizzle/schema.ts";
import { OfflineLanguageModel } from "../../server/ai/offline/model.ts";
import { SPEND_CAP_NOTICE, startOfUtcDay } from "../../server/ai/spend.ts";
import { send, startConversation, startTestApp, type TestApp } from "../support/app.ts";

/**
 * The offline model's answers, priced as a hosted model at a dollar per token, so one reply
 * costs hundreds of dollars and the caps below are crossed by a single turn.
 */
const apps: TestApp[] = [];
after(() => Promise.all(apps.map((a) => a.close())));

async function pricedApp(env: Record<string, string>) {
  const t = await startTestApp(
    { AI_MODEL: "priced-test", AI_PRICES: JSON.stringify({ "priced-test": [1_000_000, 1_000_000] }), ...env },
    { model: { model: new OfflineLanguageModel({ delayMs: 0 }), label: "priced-test", offline: false } },
  );
  apps.push(t);
  return t;
}

const transcript = (t: TestApp, id: string) =>
  t.app.services.db.select().from(messages).where(eq(messages.conversationId, id)).orderBy(asc(messages.seq));

async function spentToday(t: TestApp): Promise<number> {
  const [row] = await t.app.services.db
    .select({ usd: sql<number>`coalesce(sum(${aiSpend.costUsd}), 0)`.mapWith(Number) })
    .from(aiSpend)
    .where(gte(aiSpend.createdAt, startOfUtcDay(new Date())));
  return row!.usd;
}

/** The conversation went to a person because of the cap: notice to the customer, escalation for the team. */
async function assertHandedOver(t: TestApp, id: string, cap: "this conversation" | "today") {
  const rows = await transcript(t, id);
  const notice = rows.find((m) => m.notice === "ai_spend_cap");
  assert.ok(notice, "the customer is told");
  assert.equal(notice.role, "system");
  assert.equal(notice.content, SPEND_CAP_NOTICE);
  assert.ok(notice.seq > rows.findLast((m) => m.role === "customer")!.seq);
  const [conversation] = await t.app.services.db.select().from(conversations).where(eq(conversations.id, id));
  assert.equal(conversation!.status, "waiting_human");
  const [escalation] = await t.app.services.db.select().from(escalations).where(eq(escalations.conversationId, id));
  assert.ok(escalation, "an escalation was opened");
  assert.match(escalation.reason, new RegExp(`spend cap for ${cap} was reached`));
}

test("past the per-conversation cap the AI stops and the conversation goes to a person", async () => {
  const t = await pricedApp({ AI_MAX_COST_USD_PER_CONVERSATION: "1" });
  const conv = await startConversation(t);
  // Triage answers a greeting itself: one model call.
  await send(t, conv, "Hello");
  await t.app.services.runner.idle();
  // The first turn ran under the cap and its cost was recorded.
  const first = await transcript(t, conv.id);
  assert.deepEqual(
    first.map((m) => m.role),
    ["customer", "agent"],
  );
  const spend = await t.app.services.db.select().from(aiSpend).where(eq(aiSpend.conversationId, conv.id));
  const replies = spend.filter((s) => s.purpose === "reply");
  assert.equal(replies.length, 1);
  assert.ok(replies[0]!.costUsd > 1, `one reply costs more than the cap (${replies[0]!.costUsd})`);
  assert.equal(replies[0]!.inputTokens + replies[0]!.outputTokens, replies[0]!.costUsd);

  await send(t, conv, "It still does not work");
  await t.app.services.runner.idle();
  const after = await transcript(t, conv.id);
  assert.equal(after.filter((m) => m.role === "agent").length, 1, "no second AI reply");
  await assertHandedOver(t, conv.id, "this conversation");

  // Another conversation has its own budget.
  const other = await startConversation(t);
  await send(t, other, "Hello there");
  await t.app.services.runner.idle();
  assert.deepEqual(
    (await transcript(t, other.id)).map((m) => m.role),
    ["customer", "agent"],
  );
});

test("past the daily cap every conversation goes to a person; yesterday's spend does not count", async () => {
  const probe = await pricedApp({});
  // Yesterday's spend, far above the cap, is outside today's window.
  await probe.app.services.db.insert(aiSpend).values({
    conversationId: null,
    purpose: "reply",
    agent: "triage",
    model: "priced-test",
    inputTokens: 1,
    outputTokens: 1,
    costUsd: 1e9,
    createdAt: new Date(startOfUtcDay(new Date()).getTime() - 60_000),
  });
  // Other tests may share this database: the cap sits one dollar above what today already holds.
  const t = await pricedApp({ AI_MAX_COST_USD_PER_DAY: String((await spentToday(probe)) + 1) });
  const first = await startConversation(t);
  await send(t, first, "Hello");
  await t.app.services.runner.idle();
  assert.deepEqual(
    (await transcript(t, first.id)).map((m) => m.role),
    ["customer", "agent"],
  );

  const second = await startConversation(t);
  await send(t, second, "Hello, can you help me with my invoice?");
  await t.app.services.runner.idle();
  assert.equal((await transcript(t, second.id)).filter((m) => m.role === "agent").length, 0);
  await assertHandedOver(t, second.id, "today");
});

test("an uncapped deployment records the spend and keeps answering", async () => {
  const t = await pricedApp({});
  const conv = await startConversation(t);
  for (const text of ["Hello", "How do I reset my password?"]) {
    await send(t, conv, text);
    await t.app.services.runner.idle();
  }
  const rows = await transcript(t, conv.id);
  const replies = rows.filter((m) => m.role === "agent");
  assert.ok(replies.length >= 2, "both messages answered");
  // Every model call is in the ledger, a handoff's included: at least one row per reply.
  const spend = await t.app.services.db.select().from(aiSpend).where(eq(aiSpend.conversationId, conv.id));
  assert.ok(spend.filter((s) => s.purpose === "reply").length >= replies.length);
  assert.ok(spend.every((s) => s.model === "priced-test" && s.costUsd === s.inputTokens + s.outputTokens));
});
