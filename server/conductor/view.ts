import { and, desc, eq, inArray } from "drizzle-orm";
import {
  conversationHealth,
  conversations,
  decisions,
  interventions,
  type ConversationHealthRow,
  type DecisionStatus,
  type Intervention,
} from "../../drizzle/schema.ts";
import type { Actor } from "../auth/actor.ts";
import type { Queryable } from "../db/client.ts";
import { badInput } from "../errors.ts";
import { requireStaff } from "../auth/access.ts";
import { parseId } from "../policy/input.ts";
import { interval90, mean } from "./bandit.ts";
import { explain, signalsOf, type HealthReading } from "./health.ts";
import { listArms } from "./outcomes.ts";
import { contextPairs } from "../autonomy/learning.ts";
import { readingOf } from "./readings.ts";

/**
 * What operators (and API clients with operator rights) read of the conductor: its status, the
 * conversations it watches and their anomalies, its interventions, and what it learned. Read only;
 * every function checks who is asking.
 */

export type ConductorStatus = "monitoring" | "waiting_approval" | "intervening" | "learning" | "idle";

interface Latest {
  intervention: Intervention;
  decisionStatus: DecisionStatus | null;
}

/** One conversation's status, from its reading and its latest intervention. */
export function statusOf(row: ConversationHealthRow, latest: Latest | undefined): ConductorStatus {
  const reading = readingOf(row);
  if (row.closed || reading.owner === "human") return "idle";
  if (latest && latest.intervention.outcome === "pending") {
    if (latest.decisionStatus === "proposed") return "waiting_approval";
    const stillOpen = row.anomalies[latest.intervention.anomaly] === latest.intervention.episodeSeq;
    if (
      latest.decisionStatus === "executed" ||
      latest.decisionStatus === "approved" ||
      latest.decisionStatus === "auto_approved"
    )
      return stillOpen ? "intervening" : "learning";
  }
  return "monitoring";
}

/** The overall status: the most pressing of the conversations'. */
export function overallStatus(statuses: ConductorStatus[]): ConductorStatus {
  for (const s of ["waiting_approval", "intervening", "learning", "monitoring"] as const)
    if (statuses.includes(s)) return s;
  return "idle";
}

async function latestInterventions(db: Queryable, conversationIds: string[]): Promise<Map<string, Latest>> {
  const latest = new Map<string, Latest>();
  if (!conversationIds.length) return latest;
  const rows = await db
    .select({ intervention: interventions, decisionStatus: decisions.status })
    .from(interventions)
    .leftJoin(decisions, eq(decisions.id, interventions.decisionId))
    .where(inArray(interventions.conversationId, conversationIds))
    .orderBy(desc(interventions.createdAt));
  for (const row of rows)
    if (!latest.has(row.intervention.conversationId)) latest.set(row.intervention.conversationId, row);
  return latest;
}

export interface HealthView {
  conversationId: string;
  customerName: string | null;
  score: number;
  status: ConductorStatus;
  anomalies: Array<{ kind: string; episodeSeq: number; explanation: string }>;
  sentiment: number | null;
  sentimentTrend: number;
  repeats: number;
  aiFailures: number;
  waitingSince: string | null;
  agent: string;
  updatedAt: string;
}

function healthView(
  row: ConversationHealthRow,
  latest: Latest | undefined,
  name: string | null,
  now: Date,
): HealthView {
  const reading: HealthReading = readingOf(row);
  const s = signalsOf(reading, now);
  return {
    conversationId: row.conversationId,
    customerName: name,
    score: row.score,
    status: statusOf(row, latest),
    anomalies: Object.entries(row.anomalies).map(([kind, episodeSeq]) => ({
      kind,
      episodeSeq,
      explanation: explain(kind as never, reading, now),
    })),
    sentiment: s.sentiment,
    sentimentTrend: s.trend,
    repeats: s.repeats.count,
    aiFailures: s.aiFailures,
    waitingSince: reading.waitingSince,
    agent: reading.agent,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The conductor's overview: status, and the open conversations it watches, least healthy first. */
export async function conductorOverview(db: Queryable, actor: Actor, opts: { enabled: boolean; first?: number }) {
  requireStaff(actor, "decisions:read");
  const first = opts.first ?? 50;
  if (!Number.isInteger(first) || first < 1 || first > 200) throw badInput("first is 1 to 200.", "first");
  const rows = await db
    .select({ health: conversationHealth, name: conversations.customerName })
    .from(conversationHealth)
    .innerJoin(conversations, eq(conversations.id, conversationHealth.conversationId))
    .where(and(eq(conversationHealth.closed, false), inArray(conversations.status, ["open", "waiting_human"])))
    .orderBy(conversationHealth.score, desc(conversationHealth.updatedAt))
    .limit(first);
  const latest = await latestInterventions(
    db,
    rows.map((r) => r.health.conversationId),
  );
  const now = new Date();
  const watched = rows.map((r) => healthView(r.health, latest.get(r.health.conversationId), r.name, now));
  return {
    enabled: opts.enabled,
    status: opts.enabled ? overallStatus(watched.map((w) => w.status)) : ("idle" as const),
    watched,
  };
}

/** One conversation's health reading and status (null before the conductor has read it). */
export async function conversationHealthOf(db: Queryable, actor: Actor, conversationId: unknown) {
  requireStaff(actor, "decisions:read");
  const id = parseId(conversationId, "conversationId");
  const [row] = await db
    .select({ health: conversationHealth, name: conversations.customerName })
    .from(conversationHealth)
    .innerJoin(conversations, eq(conversations.id, conversationHealth.conversationId))
    .where(eq(conversationHealth.conversationId, id));
  if (!row) return null;
  const latest = await latestInterventions(db, [id]);
  return healthView(row.health, latest.get(id), row.name, new Date());
}

/** Interventions, newest first, optionally of one conversation. */
export async function interventionHistory(
  db: Queryable,
  actor: Actor,
  opts: { conversationId?: unknown; first?: number } = {},
): Promise<Intervention[]> {
  requireStaff(actor, "decisions:read");
  const first = opts.first ?? 100;
  if (!Number.isInteger(first) || first < 1 || first > 1000) throw badInput("first is 1 to 1000.", "first");
  const where = opts.conversationId
    ? eq(interventions.conversationId, parseId(opts.conversationId, "conversationId"))
    : undefined;
  return db.select().from(interventions).where(where).orderBy(desc(interventions.createdAt)).limit(first);
}

/** What the conductor learned: every (intervention × context) with its evidence and posterior. */
export async function interventionStats(db: Queryable, actor: Actor) {
  requireStaff(actor, "decisions:read");
  return (await listArms(db)).map((arm) => {
    const [low, high] = interval90(arm);
    return {
      intervention: arm.intervention,
      contextKey: arm.contextKey,
      context: contextPairs(arm.contextKey),
      attempts: arm.attempts,
      successes: arm.successes,
      alpha: arm.alpha,
      beta: arm.beta,
      mean: mean(arm),
      low,
      high,
      updatedAt: arm.updatedAt.toISOString(),
    };
  });
}
