import { and, asc, desc, eq, inArray, lte, sql } from "drizzle-orm";
import {
  conversationHealth,
  decisions,
  interventionArms,
  interventions,
  type AnomalyKind,
  type ConversationHealthRow,
  type Intervention,
  type InterventionArm,
} from "../../drizzle/schema.ts";
import type { Database, Queryable, Transaction } from "../db/client.ts";
import { PRIOR, update, type Posterior } from "./bandit.ts";
import { readingOf } from "./readings.ts";
import { anomaliesOf } from "./health.ts";

/**
 * The one module that writes `interventions` and `intervention_arms`: a pick is recorded once per
 * anomaly episode, its outcome is judged once, and the judgement updates the posterior in the
 * same transaction. The rewards are written down in docs/decisions/011-conductor.md.
 */

/** How long after an intervention ran its outcome is judged. */
export const OUTCOME_WINDOW_MS = 10 * 60_000;

/** A customer message at least this positive, once the trouble is gone, settles it as a success early. */
export const RECOVERED_MOOD = 0.3;

export async function posteriorsFor(
  db: Queryable,
  contextKey: string,
  names: readonly string[],
): Promise<Record<string, Posterior>> {
  const rows = await db
    .select()
    .from(interventionArms)
    .where(and(eq(interventionArms.contextKey, contextKey), inArray(interventionArms.intervention, [...names])));
  const found = new Map(rows.map((r) => [r.intervention, r]));
  return Object.fromEntries(names.map((n) => [n, found.get(n) ?? PRIOR]));
}

/** Records a pick; null when this episode already has one (another instance, or a retry). */
export async function recordPick(
  db: Queryable,
  pick: {
    conversationId: string;
    decisionId: string;
    anomaly: AnomalyKind;
    episodeSeq: number;
    anomalyAt: Date | null;
    intervention: string;
    contextKey: string;
    sampled: number;
    explored: boolean;
    scoreBefore: number;
  },
  now = new Date(),
): Promise<Intervention | null> {
  const [row] = await db
    .insert(interventions)
    .values({ ...pick, dueAt: new Date(now.getTime() + OUTCOME_WINDOW_MS) })
    .onConflictDoNothing()
    .returning();
  return row ?? null;
}

async function settle(
  tx: Transaction,
  intervention: Intervention,
  success: boolean,
  reason: string,
  now: Date,
): Promise<boolean> {
  const [settled] = await tx
    .update(interventions)
    .set({ outcome: success ? "success" : "failure", outcomeReason: reason, settledAt: now })
    .where(and(eq(interventions.id, intervention.id), eq(interventions.outcome, "pending")))
    .returning();
  if (!settled) return false;
  const [arm] = await tx
    .select()
    .from(interventionArms)
    .where(
      and(
        eq(interventionArms.intervention, intervention.intervention),
        eq(interventionArms.contextKey, intervention.contextKey),
      ),
    )
    .for("update");
  const next = update(arm ?? PRIOR, success, arm ? now.getTime() - arm.updatedAt.getTime() : 0);
  await tx
    .insert(interventionArms)
    .values({ intervention: intervention.intervention, contextKey: intervention.contextKey, ...next, updatedAt: now })
    .onConflictDoUpdate({
      target: [interventionArms.intervention, interventionArms.contextKey],
      set: { ...next, updatedAt: now },
    });
  return true;
}

/** What the judgement of an intervention reads: its decision's status and the conversation's health. */
export interface JudgementFacts {
  decisionStatus: string | null;
  health: Pick<ConversationHealthRow, "reading" | "anomalies" | "score"> | null;
}

/**
 * The judgement of one intervention, or null while it is too early to say. Operators' verdicts
 * count at once (a rejected or lapsed proposal is a failure); an executed one is judged when its
 * window closes, or earlier when the conversation settles it (resolved, or the same trouble again).
 */
export function judge(
  intervention: Intervention,
  { decisionStatus, health }: JudgementFacts,
  now: Date,
): { success: boolean; reason: string } | null {
  if (!decisionStatus) return { success: false, reason: "its decision is gone" };
  if (decisionStatus === "rejected") return { success: false, reason: "an operator rejected it" };
  if (decisionStatus === "expired")
    return { success: false, reason: "nobody approved it in time, or a person took over first" };
  if (decisionStatus === "failed") return { success: false, reason: "it could not be carried out" };
  if (decisionStatus !== "executed") return null;
  if (!health) return null;
  const reading = readingOf(health);
  const open = health.anomalies ?? {};
  const again = open[intervention.anomaly];
  if (again !== undefined && again > intervention.episodeSeq)
    return { success: false, reason: "the same trouble came back" };
  if (reading.status === "resolved") return { success: true, reason: "the conversation was resolved" };
  if (intervention.intervention === "offer_human" && reading.owner === "human")
    return { success: true, reason: "a person joined" };
  // The customer wrote again after it, the trouble is gone, and they sound content.
  const mood = reading.sentiments[reading.sentiments.length - 1];
  const wroteSince =
    reading.lastCustomerAt !== null && Date.parse(reading.lastCustomerAt) > intervention.createdAt.getTime();
  if (wroteSince && again === undefined && mood !== undefined && mood >= RECOVERED_MOOD)
    return { success: true, reason: "the customer's mood recovered" };
  if (now < intervention.dueAt) return null;
  const still = anomaliesOf(reading, now).includes(intervention.anomaly);
  if (still)
    return { success: false, reason: `still ${intervention.anomaly.replaceAll("_", " ")} when the window closed` };
  if (health.score + 1e-9 < intervention.scoreBefore)
    return { success: false, reason: "the conversation's health kept falling" };
  return { success: true, reason: "the trouble eased within the window" };
}

/**
 * Judges what can be judged now and updates the posteriors; returns how many were settled. The
 * pending interventions are read with their decisions and health readings in one statement: a
 * sweep runs every few seconds, and each stays pending for its whole window.
 */
export async function settleDue(db: Database, now = new Date()): Promise<number> {
  const pending = await db
    .select({
      intervention: interventions,
      decisionStatus: decisions.status,
      reading: conversationHealth.reading,
      anomalies: conversationHealth.anomalies,
      score: conversationHealth.score,
    })
    .from(interventions)
    .leftJoin(decisions, eq(decisions.id, interventions.decisionId))
    .leftJoin(conversationHealth, eq(conversationHealth.conversationId, interventions.conversationId))
    .where(eq(interventions.outcome, "pending"))
    .orderBy(asc(interventions.createdAt))
    .limit(200);
  let settled = 0;
  for (const { intervention, decisionStatus, reading, anomalies, score } of pending) {
    const health = reading && anomalies && score !== null ? { reading, anomalies, score } : null;
    const verdict = judge(intervention, { decisionStatus, health }, now);
    if (!verdict) continue;
    if (await db.transaction((tx) => settle(tx, intervention, verdict.success, verdict.reason, now))) settled++;
  }
  return settled;
}

export async function listInterventions(db: Queryable, first = 100): Promise<Intervention[]> {
  return db.select().from(interventions).orderBy(desc(interventions.createdAt)).limit(first);
}

export async function listArms(db: Queryable): Promise<InterventionArm[]> {
  return db
    .select()
    .from(interventionArms)
    .orderBy(asc(interventionArms.contextKey), asc(interventionArms.intervention));
}

export async function pendingCount(db: Queryable): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(interventions)
    .where(and(eq(interventions.outcome, "pending"), lte(interventions.createdAt, new Date())));
  return Number(row?.n ?? 0);
}
