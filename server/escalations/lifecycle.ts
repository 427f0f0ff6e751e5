import { and, eq, inArray, isNull, ne } from "drizzle-orm";
import { escalations, type Escalation, type Priority } from "../../drizzle/schema.ts";
import type { Queryable, Transaction } from "../db/client.ts";
import { enqueueWebhook } from "../webhooks/outbox.ts";

/**
 * The one module that writes the `escalations` table: pending → claimed → resolved, plus who
 * it is offered to and the ticket that keeps it. Every guarded transition returns the row it
 * changed, or null when the escalation was no longer in the state the caller expected, so races
 * (two claims, a claim against a reassignment) have exactly one winner.
 */

export async function openEscalation(
  tx: Transaction,
  input: {
    conversationId: string;
    reason: string;
    summary: string;
    priority: Priority;
    agent: string;
    ticketId?: string | null;
  },
): Promise<Escalation> {
  const [row] = await tx
    .insert(escalations)
    .values({
      conversationId: input.conversationId,
      reason: input.reason.slice(0, 500),
      summary: input.summary.slice(0, 2000),
      priority: input.priority,
      agent: input.agent,
      ticketId: input.ticketId ?? null,
    })
    .returning();
  await enqueueWebhook(tx, "escalation.created", escalationData(row!));
  return row!;
}

/** What webhook receivers read of an escalation. */
const escalationData = (e: Escalation) => ({
  escalationId: e.id,
  conversationId: e.conversationId,
  status: e.status,
  priority: e.priority,
  reason: e.reason,
  claimedBy: e.claimedBy,
});

async function announceClaimed(tx: Transaction, rows: Escalation[]): Promise<void> {
  for (const row of rows) await enqueueWebhook(tx, "escalation.claimed", escalationData(row));
}

/** pending → claimed by this operator; null if it was not pending. */
export async function claim(tx: Transaction, id: string, operatorId: string): Promise<Escalation | null> {
  const [row] = await tx
    .update(escalations)
    .set({ status: "claimed", claimedBy: operatorId, claimedAt: new Date() })
    .where(and(eq(escalations.id, id), eq(escalations.status, "pending")))
    .returning();
  if (row) await announceClaimed(tx, [row]);
  return row ?? null;
}

/** A takeover claims whatever escalation of the conversation was still pending. */
export async function claimPendingOf(tx: Transaction, conversationId: string, operatorId: string): Promise<void> {
  const rows = await tx
    .update(escalations)
    .set({ status: "claimed", claimedBy: operatorId, claimedAt: new Date() })
    .where(and(eq(escalations.conversationId, conversationId), eq(escalations.status, "pending")))
    .returning();
  await announceClaimed(tx, rows);
}

/** A reassignment: the conversation's open escalations (pending or claimed) are now this operator's. */
export async function transferOpenOf(tx: Transaction, conversationId: string, operatorId: string): Promise<void> {
  await tx
    .update(escalations)
    .set({ status: "claimed", claimedBy: operatorId, claimedAt: new Date(), assignedTo: operatorId })
    .where(and(eq(escalations.conversationId, conversationId), inArray(escalations.status, ["pending", "claimed"])));
}

/** The conversation was handed back or resolved: its open escalations are done. */
export async function resolveOpenOf(tx: Transaction, conversationId: string): Promise<void> {
  const rows = await tx
    .update(escalations)
    .set({ status: "resolved", resolvedAt: new Date() })
    .where(and(eq(escalations.conversationId, conversationId), inArray(escalations.status, ["pending", "claimed"])))
    .returning();
  for (const row of rows) await enqueueWebhook(tx, "escalation.resolved", escalationData(row));
}

/** Raises a pending escalation's priority; null when it is no longer pending or already that high. */
export async function raisePriority(tx: Queryable, id: string, priority: Priority): Promise<Escalation | null> {
  const [row] = await tx
    .update(escalations)
    .set({ priority })
    .where(and(eq(escalations.id, id), eq(escalations.status, "pending"), ne(escalations.priority, priority)))
    .returning();
  return row ?? null;
}

/** Offers a pending escalation to an operator. */
export async function offer(tx: Queryable, id: string, operatorId: string, at = new Date()): Promise<void> {
  await tx.update(escalations).set({ assignedTo: operatorId, assignedAt: at }).where(eq(escalations.id, id));
}

/** Offers a pending escalation from the shared queue; null if it was taken or offered meanwhile. */
export async function offerIfUnassigned(
  tx: Queryable,
  id: string,
  operatorId: string,
  at: Date,
): Promise<Escalation | null> {
  const [row] = await tx
    .update(escalations)
    .set({ assignedTo: operatorId, assignedAt: at })
    .where(and(eq(escalations.id, id), eq(escalations.status, "pending"), isNull(escalations.assignedTo)))
    .returning();
  return row ?? null;
}

/**
 * Moves an offer from `from` to `to` (or back to the shared queue with null), only while it is
 * still pending and still offered to `from`.
 */
export async function moveOffer(
  tx: Queryable,
  id: string,
  from: string,
  to: string | null,
  at: Date,
): Promise<Escalation | null> {
  const [row] = await tx
    .update(escalations)
    .set({ assignedTo: to, assignedAt: to ? at : null })
    .where(and(eq(escalations.id, id), eq(escalations.status, "pending"), eq(escalations.assignedTo, from)))
    .returning();
  return row ?? null;
}

export async function attachTicket(tx: Queryable, id: string, ticketId: string): Promise<void> {
  await tx.update(escalations).set({ ticketId }).where(eq(escalations.id, id));
}
