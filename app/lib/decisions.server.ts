import { eq } from "drizzle-orm";
import { conversations, customers, type Decision } from "#drizzle/schema.ts";
import { trackRecordOf } from "#server/autonomy/decisions.ts";
import type { Database } from "#server/db/client.ts";

/** A decision as its card shows it: the explainer an operator decides from. */
export async function decisionCard(db: Database, d: Decision) {
  const [row] = await db
    .select({ name: conversations.customerName, email: customers.email })
    .from(conversations)
    .leftJoin(customers, eq(customers.id, conversations.customerId))
    .where(eq(conversations.id, d.conversationId));
  const record = await trackRecordOf(db, d);
  return {
    id: d.id,
    conversationId: d.conversationId,
    customer: row?.name ?? row?.email ?? "Anonymous customer",
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
}

export type DecisionCardData = Awaited<ReturnType<typeof decisionCard>>;
