import { and, gte, inArray, lt, sql } from "drizzle-orm";
import { aiSpend, escalations, operators } from "../../drizzle/schema.ts";
import { requireStaff } from "../auth/access.ts";
import type { Actor } from "../auth/actor.ts";
import type { Queryable } from "../db/client.ts";
import { rowsOf } from "../db/rows.ts";
import { badInput } from "../errors.ts";
import { percentile } from "../conductor/report.ts";
import { cell } from "../autonomy/report.ts";

/**
 * The team's analytics: how much the AI resolves on its own, how often people are needed, how
 * long customers wait, how satisfied they are, and what the AI costs, by day and by agent.
 *
 * Definitions (docs/decisions/018-analytics.md):
 * - A conversation counts when the customer wrote in it; conversations other systems' agents
 *   hand over (the escalation API) are the team's by design and are left out.
 * - AI resolution: no person took part (no escalation, no operator reply), the AI answered the
 *   customer's last message, and the conversation ended: resolved, or the customer quiet for 24 h
 *   after that answer; and the customer did not come back with a new conversation within 24 h.
 *   A conversation still inside that 24 h window is undetermined and left out of the rate.
 * - Handoff: the conversation was escalated to a person.
 * - First response: the customer's first message to the first reply (the AI's or a person's).
 * - Escalation wait: an escalation opened to the moment someone claimed it.
 * - CSAT: the share of ratings that are 4 or 5, and the average rating.
 * - Cost: the AI's spend (server/ai/spend.ts) on the period's conversations.
 */

const DAY_MS = 24 * 3_600_000;
const QUIET_MS = DAY_MS;
export const ANALYTICS_RANGES = [7, 30, 90] as const;

/** A page's `?days=`: one of the ranges, 30 otherwise. */
export const analyticsRange = (value: string | null): number =>
  (ANALYTICS_RANGES as readonly number[]).includes(Number(value)) ? Number(value) : 30;

export interface Rates {
  conversations: number;
  aiResolutions: number;
  /** Conversations still inside the 24 h window: neither resolved by the AI nor not. */
  undetermined: number;
  /** AI resolutions over the determined conversations; null when there are none. */
  aiResolutionRate: number | null;
  handoffs: number;
  handoffRate: number | null;
  firstResponseP50: number | null;
  firstResponseP90: number | null;
  csatResponses: number;
  /** Share of ratings that are 4 or 5. */
  csat: number | null;
  csatAverage: number | null;
  costUsd: number;
  costPerConversation: number | null;
  costPerResolution: number | null;
}

export interface Waits {
  escalations: number;
  claimed: number;
  waitP50: number | null;
  waitP90: number | null;
}

export type DayRow = { day: string } & Rates & Waits;
export type AgentRow = { agent: string } & Omit<Rates, "undetermined" | "firstResponseP50" | "firstResponseP90">;
export interface OperatorRow {
  operatorId: string;
  name: string;
  conversations: number;
  resolved: number;
  csatResponses: number;
  csat: number | null;
  claimed: number;
  claimWaitP50: number | null;
}

export interface AnalyticsReport {
  from: string;
  to: string;
  days: number;
  totals: Rates & Waits;
  byDay: DayRow[];
  byAgent: AgentRow[];
  byOperator: OperatorRow[];
}

/** One conversation's facts, as the query below reads them. */
interface Facts {
  id: string;
  day: string;
  status: string;
  owner: string;
  finalAgent: string;
  csat: number | null;
  escalated: boolean;
  operatorReplied: boolean;
  operatorsReplied: string[] | null;
  agents: string[] | null;
  firstCustomerAt: Date | string;
  firstReplyAt: Date | string | null;
  lastCustomerAt: Date | string;
  lastAiAt: Date | string | null;
  customerCameBack: boolean;
  costUsd: number | string;
}

const ms = (v: Date | string | null) => (v === null ? null : new Date(v).getTime());
const ratio = (n: number, d: number) => (d === 0 ? null : n / d);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const round = (x: number | null, digits = 4) => (x === null ? null : Math.round(x * 10 ** digits) / 10 ** digits);
const utcDay = (t: number) => new Date(t).toISOString().slice(0, 10);

/** The analytics over the last `days` days up to `now` (UTC days, today included). */
export async function analyticsReport(
  db: Queryable,
  actor: Actor,
  input: { days: number },
  now = new Date(),
): Promise<AnalyticsReport> {
  requireStaff(actor, "conversations:read");
  if (!(ANALYTICS_RANGES as readonly number[]).includes(input.days))
    throw badInput(`days is one of ${ANALYTICS_RANGES.join(", ")}.`, "days");
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + DAY_MS;
  const from = new Date(end - input.days * DAY_MS);
  const to = new Date(end);

  const facts = rowsOf<Facts>(
    await db.execute(sql`
      select c.id, to_char(c.created_at at time zone 'UTC', 'YYYY-MM-DD') as "day", c.status, c.owner,
        c.current_agent as "finalAgent", c.csat_score as csat,
        exists (select 1 from escalations e where e.conversation_id = c.id) as escalated,
        exists (select 1 from messages m where m.conversation_id = c.id and m.role = 'operator') as "operatorReplied",
        (select array_agg(distinct m.author) from messages m
          where m.conversation_id = c.id and m.role = 'operator') as "operatorsReplied",
        (select array_agg(distinct m.author) from messages m
          where m.conversation_id = c.id and m.role = 'agent' and m.status = 'complete') as agents,
        cm.first_at as "firstCustomerAt", cm.last_at as "lastCustomerAt",
        (select min(m.created_at) from messages m where m.conversation_id = c.id
          and m.role in ('agent', 'operator') and m.status = 'complete') as "firstReplyAt",
        (select max(m.created_at) from messages m where m.conversation_id = c.id
          and m.role = 'agent' and m.status = 'complete') as "lastAiAt",
        (c.customer_id is not null and exists (
          select 1 from conversations c2 where c2.customer_id = c.customer_id and c2.id <> c.id
            and c2.created_at > cm.last_at and c2.created_at <= cm.last_at + interval '24 hours')) as "customerCameBack",
        (select coalesce(sum(s.cost_usd), 0) from ai_spend s where s.conversation_id = c.id) as "costUsd"
      from conversations c
      join lateral (
        select min(m.created_at) as first_at, max(m.created_at) as last_at
        from messages m where m.conversation_id = c.id and m.role = 'customer'
      ) cm on cm.first_at is not null
      where c.created_at >= ${from.toISOString()}::timestamptz and c.created_at < ${to.toISOString()}::timestamptz
        and c.channel <> 'api'
    `),
  );
  const nowMs = now.getTime();
  const judged = facts.map((f) => judge(f, nowMs));

  const waits = await db
    .select({
      createdAt: escalations.createdAt,
      claimedAt: escalations.claimedAt,
      claimedBy: escalations.claimedBy,
    })
    .from(escalations)
    .where(and(gte(escalations.createdAt, from), lt(escalations.createdAt, to)));

  const days: string[] = [];
  for (let t = from.getTime(); t < end; t += DAY_MS) days.push(utcDay(t));
  const byDay = days.map((day) => ({
    day,
    ...rates(judged.filter((j) => j.facts.day === day)),
    ...waitStats(waits.filter((w) => utcDay(w.createdAt.getTime()) === day)),
  }));

  // Spend by agent counts what each agent spent on the period's conversations.
  const ids = facts.map((f) => f.id);
  const spendByAgent = new Map<string, number>();
  for (let i = 0; i < ids.length; i += 1000) {
    const rows = await db
      .select({ agent: aiSpend.agent, usd: sql<number>`coalesce(sum(${aiSpend.costUsd}), 0)`.mapWith(Number) })
      .from(aiSpend)
      .where(inArray(aiSpend.conversationId, ids.slice(i, i + 1000)))
      .groupBy(aiSpend.agent);
    for (const r of rows) if (r.agent) spendByAgent.set(r.agent, (spendByAgent.get(r.agent) ?? 0) + r.usd);
  }
  const agentKeys = [...new Set(judged.flatMap((j) => j.facts.agents ?? []))].sort();
  const byAgent = agentKeys.map((agent): AgentRow => {
    const took = judged.filter((j) => (j.facts.agents ?? []).includes(agent));
    // Resolutions, handoffs and ratings belong to the agent the conversation ended with.
    const ended = took.filter((j) => j.facts.finalAgent === agent);
    const r = rates(ended);
    return {
      agent,
      conversations: took.length,
      aiResolutions: r.aiResolutions,
      aiResolutionRate: r.aiResolutionRate,
      handoffs: r.handoffs,
      handoffRate: r.handoffRate,
      csatResponses: r.csatResponses,
      csat: r.csat,
      csatAverage: r.csatAverage,
      costUsd: round(spendByAgent.get(agent) ?? 0, 6)!,
      costPerConversation: round(ratio(spendByAgent.get(agent) ?? 0, took.length), 6),
      costPerResolution: round(ratio(spendByAgent.get(agent) ?? 0, r.aiResolutions), 6),
    };
  });

  const team = await db.select({ id: operators.id, name: operators.name }).from(operators);
  const byOperator = team
    .map((op): OperatorRow => {
      const handled = facts.filter((f) => (f.operatorsReplied ?? []).includes(op.id));
      const resolved = handled.filter((f) => f.status === "resolved" && f.owner === op.id);
      const rated = handled.filter((f) => f.csat !== null);
      const claims = waits.filter((w) => w.claimedBy === op.id && w.claimedAt);
      return {
        operatorId: op.id,
        name: op.name,
        conversations: handled.length,
        resolved: resolved.length,
        csatResponses: rated.length,
        csat: round(ratio(rated.filter((f) => f.csat! >= 4).length, rated.length)),
        claimed: claims.length,
        claimWaitP50: seconds(
          percentile(sorted(claims.map((w) => w.claimedAt!.getTime() - w.createdAt.getTime())), 0.5),
        ),
      };
    })
    .filter((o) => o.conversations > 0 || o.claimed > 0)
    .sort((a, b) => b.conversations - a.conversations || a.name.localeCompare(b.name));

  return {
    from: from.toISOString(),
    to: to.toISOString(),
    days: input.days,
    totals: { ...rates(judged), ...waitStats(waits) },
    byDay,
    byAgent,
    byOperator,
  };
}

interface Judged {
  facts: Facts;
  aiResolved: boolean;
  undetermined: boolean;
  firstResponseMs: number | null;
  cost: number;
}

function judge(f: Facts, now: number): Judged {
  const person = f.escalated || f.operatorReplied;
  const lastAi = ms(f.lastAiAt);
  const answered = lastAi !== null && lastAi >= ms(f.lastCustomerAt)!;
  const quietSince = answered ? now - lastAi : 0;
  const ended = f.status === "resolved" || (answered && quietSince >= QUIET_MS);
  // The customer may still come back: a conversation inside its 24 h window is not judged yet.
  const undetermined = !person && answered && !ended;
  const firstReply = ms(f.firstReplyAt);
  return {
    facts: f,
    aiResolved: !person && answered && ended && !f.customerCameBack,
    undetermined,
    firstResponseMs: firstReply === null ? null : Math.max(0, firstReply - ms(f.firstCustomerAt)!),
    cost: Number(f.costUsd),
  };
}

const seconds = (msValue: number | null) => (msValue === null ? null : Math.round(msValue / 100) / 10);

function rates(rows: Judged[]): Rates {
  const conversations = rows.length;
  const undetermined = rows.filter((r) => r.undetermined).length;
  const aiResolutions = rows.filter((r) => r.aiResolved).length;
  const handoffs = rows.filter((r) => r.facts.escalated).length;
  const frt = sorted(rows.flatMap((r) => (r.firstResponseMs === null ? [] : [r.firstResponseMs])));
  const ratings = rows.flatMap((r) => (r.facts.csat === null ? [] : [r.facts.csat]));
  const cost = rows.reduce((sum, r) => sum + r.cost, 0);
  return {
    conversations,
    aiResolutions,
    undetermined,
    aiResolutionRate: round(ratio(aiResolutions, conversations - undetermined)),
    handoffs,
    handoffRate: round(ratio(handoffs, conversations)),
    firstResponseP50: seconds(percentile(frt, 0.5)),
    firstResponseP90: seconds(percentile(frt, 0.9)),
    csatResponses: ratings.length,
    csat: round(ratio(ratings.filter((s) => s >= 4).length, ratings.length)),
    csatAverage: round(
      ratio(
        ratings.reduce((a, b) => a + b, 0),
        ratings.length,
      ),
      2,
    ),
    costUsd: round(cost, 6)!,
    costPerConversation: round(ratio(cost, conversations), 6),
    costPerResolution: round(ratio(cost, aiResolutions), 6),
  };
}

function waitStats(rows: Array<{ createdAt: Date; claimedAt: Date | null }>): Waits {
  const claimed = rows.filter((r) => r.claimedAt);
  const waited = sorted(claimed.map((r) => r.claimedAt!.getTime() - r.createdAt.getTime()));
  return {
    escalations: rows.length,
    claimed: claimed.length,
    waitP50: seconds(percentile(waited, 0.5)),
    waitP90: seconds(percentile(waited, 0.9)),
  };
}

const DAY_COLUMNS = [
  "day",
  "conversations",
  "aiResolutions",
  "undetermined",
  "aiResolutionRate",
  "handoffs",
  "handoffRate",
  "escalations",
  "claimed",
  "waitP50",
  "waitP90",
  "firstResponseP50",
  "firstResponseP90",
  "csatResponses",
  "csat",
  "csatAverage",
  "costUsd",
  "costPerConversation",
  "costPerResolution",
] as const;

const AGENT_COLUMNS = [
  "agent",
  "conversations",
  "aiResolutions",
  "aiResolutionRate",
  "handoffs",
  "handoffRate",
  "csatResponses",
  "csat",
  "csatAverage",
  "costUsd",
  "costPerConversation",
  "costPerResolution",
] as const;

/** The report as CSV: one row a day (rates as fractions, times in seconds, cost in USD), or one an agent. */
export function analyticsCsv(report: AnalyticsReport, view: "days" | "agents"): string {
  const rows = <R>(table: R[], columns: ReadonlyArray<keyof R>) => [
    columns.join(","),
    ...table.map((row) => columns.map((c) => cell(row[c])).join(",")),
  ];
  const lines = view === "days" ? rows(report.byDay, DAY_COLUMNS) : rows(report.byAgent, AGENT_COLUMNS);
  return `${lines.join("\r\n")}\r\n`;
}
