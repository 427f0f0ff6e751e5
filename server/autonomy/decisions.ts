import { enqueueWebhook } from "../webhooks/outbox.ts";
import { and, desc, eq, gte, inArray, lt, sql, type SQL } from "drizzle-orm";
import {
  decisionStats,
  decisions,
  type Conversation,
  type Decision,
  type DecisionStatus,
} from "../../drizzle/schema.ts";
import type { Actor } from "../auth/actor.ts";
import type { Database, Queryable, Transaction } from "../db/client.ts";
import type { EventBus } from "../events/bus.ts";
import { badInput, conflict, notFound } from "../errors.ts";
import { writeWithEvents, type EventBatch } from "../conversations/log.ts";
import { insertMessage } from "../conversations/messages.ts";
import { lockConversation } from "../conversations/transitions.ts";
import { requireStaff, staffLabel } from "../auth/access.ts";
import { optionalText, parseId } from "../policy/input.ts";
import { getAction } from "./actions.ts";
import { ActionRefused } from "./refusal.ts";
import { contextKey, trackRecord, type TrackRecord } from "./learning.ts";
import { effectiveMode, getAutonomySettings, type ActionPolicy } from "./settings.ts";

/**
 * The one module that writes `decisions` and `decision_stats`: proposed → approved / rejected /
 * auto_approved → executed or failed; proposals expire on takeover, resolve, or time. Every
 * transition locks the conversation first (the same order as takeovers), and execution is a
 * guarded UPDATE inside the same transaction as the effect, so an approved action runs exactly
 * once whatever the retries, instances or double clicks.
 */

export interface DecisionDeps {
  db: Database;
  bus: EventBus;
}

const LIVE: DecisionStatus[] = ["proposed", "approved", "auto_approved", "executed"];

function announce(batch: EventBatch, decision: Pick<Decision, "id" | "conversationId" | "status">): void {
  batch.publishAfterCommit("decision", "all", {
    type: "decision_changed",
    decisionId: decision.id,
    conversationId: decision.conversationId,
    status: decision.status,
    at: new Date().toISOString(),
  });
}

async function recordEvent(tx: Transaction, batch: EventBatch, decision: Decision): Promise<void> {
  await batch.append(tx, decision.conversationId, "decision", {
    decisionId: decision.id,
    action: decision.action,
    status: decision.status,
  });
  await enqueueWebhook(tx, decision.status === "proposed" ? "decision.proposed" : "decision.decided", {
    decisionId: decision.id,
    conversationId: decision.conversationId,
    agent: decision.agent,
    action: decision.action,
    arguments: decision.arguments,
    summary: decision.summary,
    status: decision.status,
    decidedBy: decision.decidedByName,
  });
  announce(batch, decision);
}

/** A line for the customer about a decision; none for the team's own moves (internal actions). */
async function tellCustomer(
  tx: Transaction,
  batch: EventBatch,
  decision: Pick<Decision, "action" | "conversationId">,
  content: string,
): Promise<void> {
  if (getAction(decision.action)?.internal) return;
  await insertMessage(tx, batch, decision.conversationId, { role: "system", content });
}

async function statsFor(db: Queryable, action: string, key: string): Promise<TrackRecord> {
  const [row] = await db
    .select()
    .from(decisionStats)
    .where(and(eq(decisionStats.action, action), eq(decisionStats.contextKey, key)));
  return trackRecord(row);
}

async function learn(tx: Transaction, decision: Decision, outcome: "approved" | "rejected"): Promise<void> {
  await tx
    .insert(decisionStats)
    .values({ action: decision.action, contextKey: decision.contextKey, [outcome]: 1 })
    .onConflictDoUpdate({
      target: [decisionStats.action, decisionStats.contextKey],
      set: { [outcome]: sql`${decisionStats[outcome]} + 1`, updatedAt: new Date() },
    });
}

/** Whether this request may run without a person, by mode, policy and track record. */
export function runsWithoutAsking(
  mode: string,
  policy: ActionPolicy | undefined,
  amountCents: number,
  record: TrackRecord,
): boolean {
  if (!policy || mode === "manual") return false;
  if (mode === "auto") return amountCents <= policy.autoLimitCents;
  return policy.preApproved || (record.attempts >= policy.minDecisions && record.lowerBound > policy.threshold);
}

/**
 * The AI asks to take an action. Depending on the mode it runs now (auto-approved and executed)
 * or becomes a proposal an operator decides on; the customer is told which. A second request for
 * the same effect returns the live decision instead of making another.
 */
export async function requestAction(
  deps: DecisionDeps,
  input: {
    conversationId: string;
    agent: string;
    action: string;
    args: Record<string, unknown>;
    reasoning: string;
    confidence?: number | null;
  },
  now = new Date(),
): Promise<{ decision: Decision; outcome: "proposed" | "executed" | "failed" | "existing" }> {
  const definition = getAction(input.action);
  if (!definition) throw new ActionRefused(`Unknown action ${input.action}.`);
  return writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
    const conversation = await lockConversation(tx, input.conversationId);
    if (conversation.owner !== "ai" || conversation.status === "resolved")
      throw new ActionRefused("A person is handling this conversation now.", "not_ai");
    const prepared = await definition.prepare(tx, conversation, input.agent, input.args);
    const [existing] = await tx
      .select()
      .from(decisions)
      .where(and(eq(decisions.dedupeKey, prepared.dedupeKey), inArray(decisions.status, LIVE)));
    if (existing) return { decision: existing, outcome: "existing" as const };
    const settings = await getAutonomySettings(tx);
    const key = contextKey(prepared.context);
    const record = await statsFor(tx, input.action, key);
    const auto = runsWithoutAsking(
      effectiveMode(conversation, settings),
      settings.actions[input.action],
      prepared.amountCents,
      record,
    );
    const [decision] = await tx
      .insert(decisions)
      .values({
        conversationId: conversation.id,
        agent: input.agent,
        action: input.action,
        arguments: prepared.arguments,
        summary: prepared.summary,
        reasoning:
          String(input.reasoning ?? "")
            .trim()
            .slice(0, 2000) || "No reasoning given.",
        confidence:
          typeof input.confidence === "number" && input.confidence >= 0 && input.confidence <= 1
            ? input.confidence
            : null,
        calibratedConfidence: record.successRate,
        context: prepared.context,
        contextKey: key,
        status: auto ? "auto_approved" : "proposed",
        dedupeKey: prepared.dedupeKey,
        decidedAt: auto ? now : null,
        decidedByName: auto ? "Tandem (autonomy policy)" : null,
        expiresAt: new Date(now.getTime() + settings.proposalTtlMinutes * 60_000),
      })
      .returning();
    if (auto) {
      const done = await execute(tx, batch, decision!, conversation);
      return { decision: done, outcome: done.status === "executed" ? ("executed" as const) : ("failed" as const) };
    }
    await recordEvent(tx, batch, decision!);
    await tellCustomer(
      tx,
      batch,
      decision!,
      `A person from our team is checking this before it goes through: ${decision!.summary}. You'll see the outcome here.`,
    );
    return { decision: decision!, outcome: "proposed" as const };
  });
}

/** Runs an approved decision's effect, exactly once, in the caller's transaction. */
async function execute(
  tx: Transaction,
  batch: EventBatch,
  decision: Decision,
  conversation: Conversation,
): Promise<Decision> {
  const [claimed] = await tx
    .update(decisions)
    .set({ status: "executed", executedAt: new Date() })
    .where(and(eq(decisions.id, decision.id), inArray(decisions.status, ["approved", "auto_approved"])))
    .returning();
  if (!claimed) return decision;
  const definition = getAction(decision.action)!;
  const mark = batch.mark();
  try {
    // A savepoint: a refused effect rolls back alone and the decision is recorded as failed.
    const { result, customerMessage } = await tx.transaction((sp) =>
      definition.execute(sp, claimed, conversation, batch),
    );
    const [done] = await tx.update(decisions).set({ result }).where(eq(decisions.id, decision.id)).returning();
    await recordEvent(tx, batch, done!);
    if (customerMessage) await insertMessage(tx, batch, conversation.id, { role: "system", content: customerMessage });
    return done!;
  } catch (error) {
    // The savepoint rolled back: so do the events it appended.
    batch.rollbackTo(mark);
    const message = error instanceof Error ? error.message.slice(0, 300) : "The action failed.";
    const [failed] = await tx
      .update(decisions)
      .set({ status: "failed", error: message })
      .where(eq(decisions.id, decision.id))
      .returning();
    await recordEvent(tx, batch, failed!);
    await tellCustomer(
      tx,
      batch,
      failed!,
      "We could not complete this automatically. A person from our team will follow up with you here.",
    );
    return failed!;
  }
}

const decisionId = (value: unknown) => parseId(value, "id", "decision id");

/** Locks the decision's conversation, then the decision: the same order as takeovers and requests. */
async function lockDecision(tx: Transaction, id: string): Promise<{ decision: Decision; conversation: Conversation }> {
  const [row] = await tx
    .select({ conversationId: decisions.conversationId })
    .from(decisions)
    .where(eq(decisions.id, id));
  if (!row) throw notFound("Decision");
  const conversation = await lockConversation(tx, row.conversationId);
  const [decision] = await tx.select().from(decisions).where(eq(decisions.id, id)).for("update");
  return { decision: decision!, conversation };
}

function assertOpen(decision: Decision, conversation: Conversation, now: Date): void {
  if (decision.status !== "proposed") throw conflict(`This decision is already ${decision.status.replace("_", " ")}.`);
  if (decision.expiresAt <= now || conversation.owner !== "ai" || conversation.status === "resolved") {
    throw conflict("This proposal has expired.");
  }
}

/** An operator approves: the action runs now, exactly once, and the customer is told the outcome. */
export async function approveDecision(
  deps: DecisionDeps,
  actor: Actor,
  id: unknown,
  now = new Date(),
): Promise<Decision> {
  const op = staffLabel(requireStaff(actor, "decisions:write"));
  const decisionKey = decisionId(id);
  return writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
    const { decision, conversation } = await lockDecision(tx, decisionKey);
    assertOpen(decision, conversation, now);
    const [approved] = await tx
      .update(decisions)
      .set({ status: "approved", decidedBy: op.id, decidedByName: op.name, decidedAt: now })
      .where(and(eq(decisions.id, decision.id), eq(decisions.status, "proposed")))
      .returning();
    await learn(tx, approved!, "approved");
    return execute(tx, batch, approved!, conversation);
  });
}

/** An operator rejects (optionally saying why): nothing runs, and the customer hears a person will follow up. */
export async function rejectDecision(
  deps: DecisionDeps,
  actor: Actor,
  id: unknown,
  reason?: unknown,
  now = new Date(),
): Promise<Decision> {
  const op = staffLabel(requireStaff(actor, "decisions:write"));
  const decisionKey = decisionId(id);
  const why = optionalText(reason, "reason", 500, { multiline: true })?.trim() || null;
  return writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
    const { decision, conversation } = await lockDecision(tx, decisionKey);
    assertOpen(decision, conversation, now);
    const [rejected] = await tx
      .update(decisions)
      .set({
        status: "rejected",
        decidedBy: op.id,
        decidedByName: op.name,
        decidedAt: now,
        rejectionReason: why,
      })
      .where(eq(decisions.id, decision.id))
      .returning();
    await learn(tx, rejected!, "rejected");
    await recordEvent(tx, batch, rejected!);
    await tellCustomer(tx, batch, rejected!, "A person from our team looked at this and will follow up with you here.");
    return rejected!;
  });
}

/** A person took the conversation over or resolved it: the AI's open proposals lapse. Runs inside that transaction. */
export async function expireProposalsOf(tx: Transaction, batch: EventBatch, conversationId: string): Promise<void> {
  const expired = await tx
    .update(decisions)
    .set({ status: "expired", decidedAt: new Date() })
    .where(and(eq(decisions.conversationId, conversationId), eq(decisions.status, "proposed")))
    .returning();
  for (const d of expired) await recordEvent(tx, batch, d);
}

/** Proposals nobody decided in time lapse; the customer is told a person will follow up. */
export async function expireStaleProposals(deps: DecisionDeps, now = new Date()): Promise<number> {
  const stale = await deps.db
    .select({ id: decisions.id, conversationId: decisions.conversationId })
    .from(decisions)
    .where(and(eq(decisions.status, "proposed"), lt(decisions.expiresAt, now)))
    .limit(100);
  let count = 0;
  for (const s of stale) {
    const lapsed = await writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
      await lockConversation(tx, s.conversationId);
      const [row] = await tx
        .update(decisions)
        .set({ status: "expired", decidedAt: now })
        .where(and(eq(decisions.id, s.id), eq(decisions.status, "proposed"), lt(decisions.expiresAt, now)))
        .returning();
      if (!row) return false;
      await recordEvent(tx, batch, row);
      await tellCustomer(
        tx,
        batch,
        row,
        "This is taking longer than expected. A person from our team will follow up with you here.",
      );
      return true;
    });
    if (lapsed) count++;
  }
  return count;
}

export interface DecisionFilter {
  status?: DecisionStatus;
  action?: string;
  agent?: string;
  conversationId?: string;
  /** Who decided (an operator id). */
  decidedBy?: string;
  /** Created at or after / before. */
  from?: Date;
  to?: Date;
}

/** Decisions, newest first (operators only: customers see only the outcome messages). */
export async function listDecisions(
  db: Queryable,
  actor: Actor,
  filter: DecisionFilter = {},
  first = 100,
): Promise<Decision[]> {
  requireStaff(actor, "decisions:read");
  if (!Number.isInteger(first) || first < 1 || first > 500) throw badInput("first is 1 to 500.", "first");
  const where: SQL[] = [];
  if (filter.status) where.push(eq(decisions.status, filter.status));
  if (filter.action) where.push(eq(decisions.action, optionalText(filter.action, "action", 60)!));
  if (filter.agent) where.push(eq(decisions.agent, optionalText(filter.agent, "agent", 40)!));
  if (filter.conversationId) where.push(eq(decisions.conversationId, parseId(filter.conversationId, "conversationId")));
  if (filter.decidedBy) where.push(eq(decisions.decidedBy, parseId(filter.decidedBy, "operator")));
  if (filter.from) where.push(gte(decisions.createdAt, filter.from));
  if (filter.to) where.push(lt(decisions.createdAt, filter.to));
  return db
    .select()
    .from(decisions)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(decisions.createdAt))
    .limit(first);
}

export async function getDecision(db: Queryable, actor: Actor, id: unknown): Promise<Decision> {
  requireStaff(actor, "decisions:read");
  const [row] = await db
    .select()
    .from(decisions)
    .where(eq(decisions.id, decisionId(id)));
  if (!row) throw notFound("Decision");
  return row;
}

/** The track records of many decisions in one query, keyed by `recordKey(decision)`. */
export async function trackRecordsOf(
  db: Queryable,
  rows: Array<Pick<Decision, "action" | "contextKey">>,
): Promise<Map<string, TrackRecord>> {
  const records = new Map<string, TrackRecord>();
  if (rows.length === 0) return records;
  const stats = await db
    .select()
    .from(decisionStats)
    .where(
      and(
        inArray(decisionStats.action, [...new Set(rows.map((r) => r.action))]),
        inArray(decisionStats.contextKey, [...new Set(rows.map((r) => r.contextKey))]),
      ),
    );
  const found = new Map(stats.map((row) => [recordKey(row), row]));
  for (const r of rows) records.set(recordKey(r), trackRecord(found.get(recordKey(r))));
  return records;
}

export const recordKey = (d: Pick<Decision, "action" | "contextKey">) => `${d.action}\u0000${d.contextKey}`;

export async function trackRecordOf(
  db: Queryable,
  decision: Pick<Decision, "action" | "contextKey">,
): Promise<TrackRecord> {
  return statsFor(db, decision.action, decision.contextKey);
}
