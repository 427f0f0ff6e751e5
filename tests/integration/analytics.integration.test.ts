import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq, inArray, sql } from "drizzle-orm";
import { aiSpend, conversations, customers, escalations, messages, operators } from "../../drizzle/schema.ts";
import { analyticsCsv, analyticsReport } from "../../server/analytics/report.ts";
import { recordSpend } from "../../server/ai/spend.ts";
import type { Actor } from "../../server/auth/actor.ts";
import {
  claimEscalation,
  resolveConversation,
  sendOperatorMessage,
} from "../../server/conversations/operator-actions.ts";
import { rateConversation } from "../../server/conversations/service.ts";
import { send, startLinkedConversation, startTestApp, type TestApp } from "../support/app.ts";

/**
 * Five conversations played through the real flows, then moved to 10:00 UTC 40 days ago, so the
 * report's day holds nothing else even on a database other test files share, and E (an hour
 * later) falls on the same day whatever the time the tests run:
 *  A  the AI answers; an operator closes it without a word; the customer rates it 2
 *  B  the customer asks for a person; an operator claims, replies and resolves; rated 5
 *  C  the AI answers; nothing more
 *  D  the AI answers; the same customer starts E an hour later (D is not resolved by the AI)
 *  E  the AI answers; nothing more
 */
const SHIFT_DAYS = 40;
const HOUR = 3_600_000;

let t: TestApp;
let admin: Actor & { kind: "operator" };
const ids: Record<"A" | "B" | "C" | "D" | "E", string> = { A: "", B: "", C: "", D: "", E: "" };
/** When the conversations were played, and where they were moved to. */
let played: Date;
let movedTo: Date;
before(async () => {
  t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "0" });
  const { db } = t.app.services;
  const [row] = await db.select().from(operators).where(eq(operators.role, "admin")).limit(1);
  admin = { kind: "operator", operatorId: row!.id, role: "admin", name: row!.name };
  played = new Date();
  const today = Date.UTC(played.getUTCFullYear(), played.getUTCMonth(), played.getUTCDate());
  movedTo = new Date(today - SHIFT_DAYS * 24 * HOUR + 10 * HOUR);
  const tag = crypto.randomUUID().slice(0, 8);
  const start = async (email: string) => {
    const { conversation, token } = await startLinkedConversation(t.app.services, email);
    return { id: conversation.id, token };
  };
  const emails = ["a", "b", "c", "d"].map((k) => `${k}.${tag}@example.com`);
  for (const email of emails) await db.insert(customers).values({ email, name: `Customer ${email}`, plan: "Pro" });
  const deps = t.app.services.conversationDeps;

  const a = await start(emails[0]!);
  await send(t, a, "Hello");
  await t.app.services.runner.idle();
  await resolveConversation(deps, admin, a.id);
  await rateConversation(deps, { kind: "customer", conversationId: a.id }, { conversationId: a.id, score: 2 });
  await recordSpend(db, {
    conversationId: a.id,
    purpose: "reply",
    agent: "triage",
    model: "priced",
    inputTokens: 10,
    outputTokens: 10,
    costUsd: 0.6,
  });

  const b = await start(emails[1]!);
  await send(t, b, "I want to talk to a person");
  await t.app.services.runner.idle();
  const [escalation] = await db.select().from(escalations).where(eq(escalations.conversationId, b.id));
  assert.ok(escalation, "B was escalated");
  await claimEscalation(deps, admin, escalation.id);
  await sendOperatorMessage(deps, admin, {
    conversationId: b.id,
    content: "Hi, I'm here to help.",
    clientMessageId: crypto.randomUUID(),
  });
  await resolveConversation(deps, admin, b.id);
  await rateConversation(deps, { kind: "customer", conversationId: b.id }, { conversationId: b.id, score: 5 });

  const c = await start(emails[2]!);
  await send(t, c, "Hello");
  const d = await start(emails[3]!);
  await send(t, d, "Hello");
  await t.app.services.runner.idle();
  const e = await start(emails[3]!);
  await send(t, e, "Hello again");
  await t.app.services.runner.idle();
  Object.assign(ids, { A: a.id, B: b.id, C: c.id, D: d.id, E: e.id });

  // Into the past: every timestamp the report reads. E started an hour after D.
  const all = Object.values(ids);
  const shift = sql`interval '${sql.raw(String(played.getTime() - movedTo.getTime()))} milliseconds'`;
  await db
    .update(conversations)
    .set({ createdAt: sql`${conversations.createdAt} - ${shift}` })
    .where(inArray(conversations.id, all));
  await db
    .update(messages)
    .set({ createdAt: sql`${messages.createdAt} - ${shift}` })
    .where(inArray(messages.conversationId, all));
  await db
    .update(escalations)
    .set({ createdAt: sql`${escalations.createdAt} - ${shift}`, claimedAt: sql`${escalations.claimedAt} - ${shift}` })
    .where(inArray(escalations.conversationId, all));
  await db
    .update(aiSpend)
    .set({ createdAt: sql`${aiSpend.createdAt} - ${shift}` })
    .where(inArray(aiSpend.conversationId, all));
  for (const table of [conversations, messages] as const) {
    const column = table === conversations ? conversations.id : messages.conversationId;
    await db
      .update(table)
      .set({ createdAt: sql`${table.createdAt} + interval '1 hour'` })
      .where(eq(column, ids.E));
  }
});
after(() => t.close());

/** The report as it reads `hoursAfter` hours after the conversations were played (in the past). */
const reportAt = (hoursAfter: number) =>
  analyticsReport(t.app.services.db, admin, { days: 7 }, new Date(movedTo.getTime() + hoursAfter * HOUR));
const dayOf = (report: Awaited<ReturnType<typeof reportAt>>) => {
  const day = movedTo.toISOString().slice(0, 10);
  const row = report.byDay.find((d) => d.day === day);
  assert.ok(row, `a row for ${day}`);
  return row;
};

test("25 hours on: the AI resolved A, C and E; B was handed off; D's customer came back", async () => {
  const report = await reportAt(26);
  const day = dayOf(report);
  assert.equal(day.conversations, 5);
  assert.equal(day.aiResolutions, 3);
  assert.equal(day.undetermined, 0);
  assert.equal(day.aiResolutionRate, 0.6);
  assert.equal(day.handoffs, 1);
  assert.equal(day.handoffRate, 0.2);
  assert.equal(day.escalations, 1);
  assert.equal(day.claimed, 1);
  assert.ok(day.waitP50 !== null && day.waitP50 >= 0 && day.waitP50 === day.waitP90);
  assert.ok(day.firstResponseP50 !== null && day.firstResponseP90! >= day.firstResponseP50);
  assert.equal(day.csatResponses, 2);
  assert.equal(day.csat, 0.5);
  assert.equal(day.csatAverage, 3.5);
  assert.equal(day.costUsd, 0.6);
  assert.equal(day.costPerConversation, 0.12);
  assert.equal(day.costPerResolution, 0.2);
  // The other days of the range are empty, and the totals are the day's.
  assert.equal(report.byDay.length, 7);
  assert.equal(report.totals.conversations, 5);
  assert.equal(report.totals.aiResolutions, 3);

  const triage = report.byAgent.find((a) => a.agent === "triage");
  assert.ok(triage, `triage answered (agents: ${report.byAgent.map((a) => a.agent).join(", ")})`);
  assert.equal(triage.costUsd, 0.6);
  const me = report.byOperator.find((o) => o.operatorId === admin.operatorId);
  assert.ok(me);
  assert.equal(me.conversations, 1);
  assert.equal(me.resolved, 1);
  assert.equal(me.csat, 1);
  assert.equal(me.claimed, 1);
});

test("an hour on, the conversations the customer may still come back to are undetermined", async () => {
  const day = dayOf(await reportAt(1.5));
  assert.equal(day.conversations, 5);
  // A was resolved; C, D and E are inside their 24 hours.
  assert.equal(day.undetermined, 3);
  assert.equal(day.aiResolutions, 1);
  assert.equal(day.aiResolutionRate, 0.5);
});

test("the CSV has a row a day with the same figures, and one an agent", async () => {
  const report = await reportAt(26);
  const csv = analyticsCsv(report, "days").trim().split("\r\n");
  assert.equal(csv.length, 8);
  assert.match(csv[0]!, /^day,conversations,aiResolutions,undetermined,aiResolutionRate,handoffs,handoffRate/);
  const row = csv.find((l) => l.startsWith(dayOf(report).day))!;
  assert.match(row, /^\d{4}-\d{2}-\d{2},5,3,0,0\.6,1,0\.2,/);
  const agents = analyticsCsv(report, "agents").trim().split("\r\n");
  assert.equal(agents.length, report.byAgent.length + 1);
});

test("only the team and keys with conversations:read see analytics; the range is checked", async () => {
  const { db } = t.app.services;
  await assert.rejects(
    analyticsReport(db, { kind: "customer", conversationId: ids.A }, { days: 7 }),
    (e: { code?: string }) => e.code === "FORBIDDEN" || e.code === "UNAUTHENTICATED",
  );
  await assert.rejects(analyticsReport(db, { kind: "anonymous" }, { days: 7 }));
  const key = { kind: "integration", apiKeyId: "k", name: "k", rateLimitPerMinute: 60 } as const;
  await assert.rejects(
    analyticsReport(db, { ...key, scopes: ["tickets:read"] }, { days: 7 }),
    (e: { code?: string }) => e.code === "FORBIDDEN",
  );
  assert.equal((await analyticsReport(db, { ...key, scopes: ["conversations:read"] }, { days: 7 })).days, 7);
  await assert.rejects(analyticsReport(db, admin, { days: 3 }), (e: { code?: string }) => e.code === "BAD_INPUT");
});
