import { eq, gte, or, sql } from "drizzle-orm";
import { aiSpend, type spendPurposes } from "../../drizzle/schema.ts";
import type { Queryable } from "../db/client.ts";

/**
 * The AI's spend: the one module that writes `ai_spend`, and the caps read from it. Every model
 * call's tokens and estimated cost are recorded; past a cap (per conversation, or per UTC day
 * across all conversations) the runner stops answering and hands the conversation to a person.
 */

export interface SpendCaps {
  /** USD the AI may spend on one conversation; unset: no cap. */
  perConversationUsd?: number;
  /** USD the AI may spend per UTC day across every conversation; unset: no cap. */
  perDayUsd?: number;
}

export interface SpendEntry {
  conversationId: string | null;
  purpose: (typeof spendPurposes)[number];
  agent: string | null;
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** Which cap was reached, what has been spent against it, and the cap itself. */
export interface CapReached {
  cap: "conversation" | "day";
  spentUsd: number;
  limitUsd: number;
}

export async function recordSpend(db: Queryable, entry: SpendEntry): Promise<void> {
  if (entry.inputTokens === 0 && entry.outputTokens === 0 && entry.costUsd === 0) return;
  await db.insert(aiSpend).values(entry);
}

/** The start of the UTC day `now` falls in: the daily cap's window. */
export const startOfUtcDay = (now: Date) =>
  new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));

/**
 * The first cap the spend has reached, or null. With no caps configured this reads nothing, so
 * an uncapped deployment pays no query for it. A conversation's cap is checked before the day's:
 * it is the narrower reason.
 */
export async function capReached(
  db: Queryable,
  caps: SpendCaps,
  conversationId: string | null,
  now = new Date(),
): Promise<CapReached | null> {
  const perConversation = conversationId === null ? undefined : caps.perConversationUsd;
  const perDay = caps.perDayUsd;
  if (perConversation === undefined && perDay === undefined) return null;
  const dayStart = startOfUtcDay(now);
  const inConversation = conversationId === null ? sql`false` : eq(aiSpend.conversationId, conversationId);
  const today = gte(aiSpend.createdAt, dayStart);
  const [row] = await db
    .select({
      conversation: sql<number>`coalesce(sum(${aiSpend.costUsd}) filter (where ${inConversation}), 0)`.mapWith(Number),
      day: sql<number>`coalesce(sum(${aiSpend.costUsd}) filter (where ${today}), 0)`.mapWith(Number),
    })
    .from(aiSpend)
    .where(perDay === undefined ? inConversation : perConversation === undefined ? today : or(inConversation, today));
  const spent = { conversation: row?.conversation ?? 0, day: row?.day ?? 0 };
  if (perConversation !== undefined && spent.conversation >= perConversation)
    return { cap: "conversation", spentUsd: spent.conversation, limitUsd: perConversation };
  if (perDay !== undefined && spent.day >= perDay) return { cap: "day", spentUsd: spent.day, limitUsd: perDay };
  return null;
}

const usd = (n: number) => `$${n.toFixed(n < 1 ? 4 : 2)}`;

/** The team's reason on the escalation a reached cap opens. */
export function capReason(reached: CapReached): string {
  const which = reached.cap === "conversation" ? "this conversation" : "today";
  return `The AI's spend cap for ${which} was reached (${usd(reached.spentUsd)} of ${usd(reached.limitUsd)}); a person needs to take over.`;
}

/** What the customer reads when the AI stops for a cap: no figures, just what happens next. */
export const SPEND_CAP_NOTICE =
  "Our assistant can't go on with this conversation, so a person from our team will take over here.";
