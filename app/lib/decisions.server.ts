import { eq, inArray } from "drizzle-orm";
import { conversations, customers, type Decision } from "#drizzle/schema.ts";
import { recordKey, trackRecordsOf } from "#server/autonomy/decisions.ts";
import type { Database } from "#server/db/client.ts";

/**
 * Decisions as their cards show them: the explainer an operator decides from. Two queries for
 * the whole list (who the customers are, and the track records), whatever its length.
 */
export async function decisionCards(db: Database, rows: Decision[]) {
  if (rows.length === 0) return [];
  const ids = [...new Set(rows.map((d) => d.conversationId))];
  const labels = await db
    .select({ id: conversations.id, name: conversations.customerName, email: customers.email })
    .from(conversations)
    .leftJoin(customers, eq(customers.id, conversations.customerId))
    .where(inArray(conversations.id, ids));
  const customerOf = new Map(labels.map((l) => [l.id, l.name ?? l.email ?? "Anonymous customer"]));
  const records = await trackRecordsOf(db, rows);
  return rows.map((d) => {
    const record = records.get(recordKey(d))!;
    return {
      id: d.id,
      conversationId: d.conversationId,
      customer: customerOf.get(d.conversationId) ?? "Anonymous customer",
      agent: d.agent,
      action: d.action,
      summary: d.summary,
      reasoning: d.reasoning,
      confidence: d.confidence,
      calibratedConfidence: d.calibratedConfidence,
      context: d.context,
      status: d.status,
      decidedByName: d.decidedByName,
      rejectionReason: d.rejectionReason,
      createdAt: d.createdAt.toISOString(),
      decidedAt: d.decidedAt?.toISOString() ?? null,
      record: { attempts: record.attempts, approvals: record.approvals, successRate: record.successRate },
    };
  });
}

export type DecisionCardData = Awaited<ReturnType<typeof decisionCards>>[number];
