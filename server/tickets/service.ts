import { randomInt } from "node:crypto";
import { and, desc, eq, or } from "drizzle-orm";
import {
  ticketAudit,
  tickets,
  type Department,
  type Priority,
  type Ticket,
  type TicketAuditRow,
  type TicketStatus,
} from "../../drizzle/schema.ts";
import type { Queryable } from "../db/client.ts";
import { badInput, notFound } from "../errors.ts";

export const TICKET_ID = /\bTK-\d{5,6}\b/i;

/** Random, so ids say nothing about volume and cannot be walked in sequence. */
function newTicketId(attempt: number): string {
  return attempt < 5 ? `TK-${randomInt(10_000, 100_000)}` : `TK-${randomInt(100_000, 1_000_000)}`;
}

export const departmentLabels: Record<Department, string> = {
  technical: "Technical Support",
  billing: "Billing",
  sales: "Sales",
};

export async function createTicket(
  db: Queryable,
  input: {
    customerId: string | null;
    conversationId: string | null;
    department: Department;
    priority: Priority;
    subject: string;
    description: string;
    actor: string;
  },
): Promise<Ticket> {
  if (!input.description.trim()) throw badInput("A ticket needs a description.", "description");
  for (let attempt = 0; ; attempt++) {
    const id = newTicketId(attempt);
    const [row] = await db
      .insert(tickets)
      .values({
        id,
        customerId: input.customerId,
        conversationId: input.conversationId,
        department: input.department,
        priority: input.priority,
        subject: input.subject.slice(0, 200),
        description: input.description.slice(0, 4000),
      })
      .onConflictDoNothing()
      .returning();
    if (!row) continue; // id collision: draw again
    await db.insert(ticketAudit).values({
      ticketId: row.id,
      actor: input.actor,
      action: "created",
      statusAfter: row.status,
      priorityAfter: row.priority,
      note: input.subject,
    });
    return row;
  }
}

/**
 * A ticket as its customer may see it: one on their account, or one opened in this very
 * conversation. Someone else's ticket answers NOT_FOUND, like a missing one.
 */
export async function getCustomerTicket(
  db: Queryable,
  owner: { customerId: string | null; conversationId: string },
  ticketId: string,
): Promise<Ticket> {
  const id = ticketId.trim().toUpperCase();
  const mine = owner.customerId
    ? or(eq(tickets.customerId, owner.customerId), eq(tickets.conversationId, owner.conversationId))
    : eq(tickets.conversationId, owner.conversationId);
  const [row] = await db
    .select()
    .from(tickets)
    .where(and(eq(tickets.id, id), mine))
    .limit(1);
  if (!row) throw notFound(`Ticket ${id}`);
  return row;
}

export async function getTicketAudit(db: Queryable, ticketId: string): Promise<TicketAuditRow[]> {
  return db.select().from(ticketAudit).where(eq(ticketAudit.ticketId, ticketId)).orderBy(desc(ticketAudit.createdAt));
}

/** Changes a ticket and writes the audit row in the same transaction-scoped call. */
export async function changeTicket(
  db: Queryable,
  ticket: Ticket,
  change: { actor: string; note?: string; status?: TicketStatus; priority?: Priority },
): Promise<Ticket> {
  const patch: Partial<Ticket> = { updatedAt: new Date() };
  if (change.status) patch.status = change.status;
  if (change.priority) patch.priority = change.priority;
  const [row] = await db.update(tickets).set(patch).where(eq(tickets.id, ticket.id)).returning();
  const action = change.status && change.status !== ticket.status ? "status" : change.priority && change.priority !== ticket.priority ? "priority" : "note";
  await db.insert(ticketAudit).values({
    ticketId: ticket.id,
    actor: change.actor,
    action,
    note: change.note ?? null,
    statusBefore: ticket.status,
    statusAfter: row!.status,
    priorityBefore: ticket.priority,
    priorityAfter: row!.priority,
  });
  return row!;
}
