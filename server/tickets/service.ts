import { enqueueWebhook } from "../webhooks/outbox.ts";
import { randomInt } from "node:crypto";
import { and, desc, eq, ilike, inArray, isNull, notInArray, or, sql } from "drizzle-orm";
import {
  apiKeys,
  conversations,
  customers,
  operators,
  priorities,
  ticketAudit,
  ticketStatuses,
  tickets,
  type Department,
  type Priority,
  type Ticket,
  type TicketAuditRow,
  type TicketStatus,
} from "../../drizzle/schema.ts";
import type { Actor } from "../auth/actor.ts";
import { writeWithEvents } from "../conversations/log.ts";
import { insertMessage } from "../conversations/messages.ts";
import type { Database, Queryable } from "../db/client.ts";
import type { EventBus } from "../events/bus.ts";
import { requireStaff, staffLabel, type StaffActor } from "../auth/access.ts";
import { badInput, notFound } from "../errors.ts";
import { parseId } from "../policy/input.ts";

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
        // An email the customer already left in the conversation comes along.
        contactEmail: input.conversationId
          ? sql`(select c.contact_email from conversations c where c.id = ${input.conversationId})`
          : null,
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
    await enqueueWebhook(db, "ticket.created", ticketData(row, input.actor));
    return row;
  }
}

/** What webhook receivers read of a ticket (who the customer is needs the ticket itself). */
const ticketData = (t: Ticket, actor: string) => ({
  ticketId: t.id,
  conversationId: t.conversationId,
  department: t.department,
  priority: t.priority,
  status: t.status,
  subject: t.subject,
  by: actor,
});

/** The tickets that belong to a customer: on their account, or opened in this conversation. */
function ticketsOf(owner: { customerId: string | null; conversationId: string }) {
  return owner.customerId
    ? or(eq(tickets.customerId, owner.customerId), eq(tickets.conversationId, owner.conversationId))
    : eq(tickets.conversationId, owner.conversationId);
}

/** The customer's tickets as an operator's side panel shows them, most recently changed first. */
export async function listTicketsForConversation(
  db: Queryable,
  conversation: { id: string; customerId: string | null },
): Promise<Ticket[]> {
  return db
    .select()
    .from(tickets)
    .where(ticketsOf({ customerId: conversation.customerId, conversationId: conversation.id }))
    .orderBy(desc(tickets.updatedAt))
    .limit(20);
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
  const [row] = await db
    .select()
    .from(tickets)
    .where(and(eq(tickets.id, id), ticketsOf(owner)))
    .limit(1);
  if (!row) throw notFound(`Ticket ${id}`);
  return row;
}

/** How a change is attributed: an operator, or the API key that made it. */
const auditActor = (staff: StaffActor) =>
  staff.kind === "operator" ? `operator:${staff.operatorId}` : `apikey:${staff.apiKeyId}`;

/** A ticket's audit trail, newest first, with the name of the person behind each entry. */
export async function getTicketAudit(
  db: Queryable,
  ticketId: string,
): Promise<Array<TicketAuditRow & { actorName: string }>> {
  const rows = await db
    .select({ audit: ticketAudit, name: operators.name, keyName: apiKeys.name })
    .from(ticketAudit)
    .leftJoin(operators, sql`${ticketAudit.actor} = 'operator:' || ${operators.id}::text`)
    .leftJoin(apiKeys, sql`${ticketAudit.actor} = 'apikey:' || ${apiKeys.id}::text`)
    .where(eq(ticketAudit.ticketId, ticketId))
    .orderBy(desc(ticketAudit.createdAt));
  return rows.map((r) => ({
    ...r.audit,
    actorName:
      r.name ??
      (r.keyName ? `${r.keyName} (API key)` : null) ??
      (r.audit.actor === "system"
        ? "Tandem"
        : r.audit.actor.startsWith("agent:")
          ? `AI agent (${r.audit.actor.slice("agent:".length)})`
          : r.audit.actor),
  }));
}

/** Changes a ticket and writes the audit row in the same transaction-scoped call. */
export async function changeTicket(
  db: Queryable,
  ticket: Ticket,
  change: {
    actor: string;
    note?: string;
    status?: TicketStatus;
    priority?: Priority;
    /** null: unassigned; undefined: unchanged. */
    assignee?: { id: string; name: string } | null;
  },
): Promise<Ticket> {
  const patch: Partial<Ticket> = { updatedAt: new Date() };
  if (change.status) patch.status = change.status;
  if (change.priority) patch.priority = change.priority;
  if (change.assignee !== undefined) patch.assigneeId = change.assignee?.id ?? null;
  const [row] = await db.update(tickets).set(patch).where(eq(tickets.id, ticket.id)).returning();
  const assigneeChanged = change.assignee !== undefined && (change.assignee?.id ?? null) !== ticket.assigneeId;
  const action =
    change.status && change.status !== ticket.status
      ? "status"
      : change.priority && change.priority !== ticket.priority
        ? "priority"
        : assigneeChanged
          ? "assignee"
          : "note";
  const assigneeNote = assigneeChanged
    ? change.assignee
      ? `Assigned to ${change.assignee.name}`
      : "Unassigned"
    : null;
  await db.insert(ticketAudit).values({
    ticketId: ticket.id,
    actor: change.actor,
    action,
    note: [assigneeNote, change.note].filter(Boolean).join(". ") || null,
    statusBefore: ticket.status,
    statusAfter: row!.status,
    priorityBefore: ticket.priority,
    priorityAfter: row!.priority,
  });
  await enqueueWebhook(db, "ticket.updated", {
    ...ticketData(row!, change.actor),
    change: action,
    note: change.note ?? null,
  });
  return row!;
}

export interface TicketFilter {
  /** "me": assigned to the operator asking; "nobody": unassigned. */
  assignee?: "me" | "nobody";
  status?: TicketStatus;
  department?: Department;
  priority?: Priority;
  search?: string;
}

/** Operators' ticket list: filters, plus a search over id, subject and description. */
export async function listTickets(db: Queryable, actor: Actor, filter: TicketFilter = {}): Promise<Ticket[]> {
  const op = requireStaff(actor, "tickets:read");
  const where = [];
  // An API key is nobody's assignee: "me" matches nothing.
  if (filter.assignee === "me") where.push(op.kind === "operator" ? eq(tickets.assigneeId, op.operatorId) : sql`false`);
  else if (filter.assignee === "nobody") where.push(isNull(tickets.assigneeId));
  if (filter.status) where.push(eq(tickets.status, filter.status));
  if (filter.department) where.push(eq(tickets.department, filter.department));
  if (filter.priority) where.push(eq(tickets.priority, filter.priority));
  const q = filter.search?.trim().slice(0, 100);
  if (q) {
    const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(or(ilike(tickets.id, like), ilike(tickets.subject, like), ilike(tickets.description, like))!);
  }
  return db
    .select()
    .from(tickets)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(tickets.updatedAt))
    .limit(200);
}

export async function getTicketForOperator(db: Queryable, actor: Actor, ticketId: string): Promise<Ticket> {
  requireStaff(actor, "tickets:read");
  const [row] = await db.select().from(tickets).where(eq(tickets.id, ticketId.trim().toUpperCase())).limit(1);
  if (!row) throw notFound(`Ticket ${ticketId}`);
  return row;
}

const statusWords: Record<TicketStatus, string> = {
  open: "open",
  in_progress: "in progress",
  waiting_on_customer: "waiting for your reply",
  resolved: "resolved",
  closed: "closed",
};

/**
 * An operator changes a ticket: the change and its audit row commit together, anyone viewing the
 * ticket is told, and the customer hears about a status change in their chat.
 */
export async function updateTicketAsOperator(
  deps: { db: Database; bus: EventBus },
  actor: Actor,
  ticketId: string,
  change: {
    status?: TicketStatus;
    priority?: Priority;
    note?: string;
    noteToCustomer?: boolean;
    /** An operator's id, null to unassign, undefined to leave as it is. */
    assigneeId?: unknown;
  },
): Promise<Ticket> {
  const staff = requireStaff(actor, "tickets:write");
  const op = staffLabel(staff);
  let assignee: { id: string; name: string } | null | undefined;
  if (change.assigneeId === null || change.assigneeId === "") assignee = null;
  else if (change.assigneeId !== undefined) {
    const [row] = await deps.db
      .select({ id: operators.id, name: operators.name, disabled: operators.disabled })
      .from(operators)
      .where(eq(operators.id, parseId(change.assigneeId, "assigneeId")));
    if (!row || row.disabled) throw notFound("Operator");
    assignee = { id: row.id, name: row.name };
  }
  if (change.status && !ticketStatuses.includes(change.status)) throw badInput("Unknown status.", "status");
  if (change.priority && !priorities.includes(change.priority)) throw badInput("Unknown priority.", "priority");
  const note = change.note?.trim().slice(0, 2000) || undefined;
  if (!change.status && !change.priority && !note && change.assigneeId === undefined)
    throw badInput("Change the status, priority or assignee, or add a note.");
  const updated = await writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
    const [ticket] = await tx.select().from(tickets).where(eq(tickets.id, ticketId.trim().toUpperCase())).for("update");
    if (!ticket) throw notFound(`Ticket ${ticketId}`);
    // A save that changes nothing writes no audit entry and tells nobody anything.
    const changed =
      (change.status && change.status !== ticket.status) ||
      (change.priority && change.priority !== ticket.priority) ||
      (assignee !== undefined && (assignee?.id ?? null) !== ticket.assigneeId);
    if (!changed && !note) return ticket;
    const row = await changeTicket(tx, ticket, {
      actor: auditActor(staff),
      note,
      status: change.status,
      priority: change.priority,
      assignee,
    });
    // Notes are internal: the customer reads one only when the operator says so.
    const shared = note && change.noteToCustomer ? note : null;
    if (row.conversationId && (row.status !== ticket.status || shared)) {
      await insertMessage(tx, batch, row.conversationId, {
        role: "system",
        content:
          row.status !== ticket.status
            ? `Your ticket ${row.id} is now ${statusWords[row.status]}.${shared ? ` Note from ${op.name}: ${shared}` : ""}`
            : `A note on your ticket ${row.id} from ${op.name}: ${shared}`,
      });
    }
    return row;
  });
  const event = {
    type: "ticket_changed" as const,
    ticketId: updated.id,
    reason: "updated",
    at: new Date().toISOString(),
  };
  deps.bus.publish("ticket", updated.id, event);
  deps.bus.publish("inbox", "all", event);
  return updated;
}

/** The customer left an email: it goes on every open ticket of the conversation, for the person who follows up. */
export async function setContactEmailOnTickets(
  db: Queryable,
  conversationId: string,
  email: string,
): Promise<string[]> {
  const rows = await db
    .update(tickets)
    .set({ contactEmail: email, updatedAt: new Date() })
    .where(and(eq(tickets.conversationId, conversationId), notInArray(tickets.status, ["resolved", "closed"])))
    .returning({ id: tickets.id });
  return rows.map((r) => r.id);
}

/** Who asked and who works each ticket, by ticket id: the names a list shows. */
export async function ticketPeople(
  db: Queryable,
  rows: Ticket[],
): Promise<Map<string, { requester: string | null; assignee: string | null }>> {
  const out = new Map<string, { requester: string | null; assignee: string | null }>();
  if (!rows.length) return out;
  const customerIds = [...new Set(rows.map((r) => r.customerId).filter((x): x is string => !!x))];
  const operatorIds = [...new Set(rows.map((r) => r.assigneeId).filter((x): x is string => !!x))];
  const conversationIds = [...new Set(rows.map((r) => r.conversationId).filter((x): x is string => !!x))];
  const people = customerIds.length
    ? await db
        .select({ id: customers.id, name: customers.name, email: customers.email })
        .from(customers)
        .where(inArray(customers.id, customerIds))
    : [];
  const team = operatorIds.length
    ? await db
        .select({ id: operators.id, name: operators.name })
        .from(operators)
        .where(inArray(operators.id, operatorIds))
    : [];
  const chats = conversationIds.length
    ? await db
        .select({ id: conversations.id, name: conversations.customerName })
        .from(conversations)
        .where(inArray(conversations.id, conversationIds))
    : [];
  for (const r of rows) {
    const c = people.find((p) => p.id === r.customerId);
    const chat = chats.find((x) => x.id === r.conversationId);
    out.set(r.id, {
      requester: c ? `${c.name} <${c.email}>` : (chat?.name ?? r.contactEmail ?? null),
      assignee: team.find((o) => o.id === r.assigneeId)?.name ?? null,
    });
  }
  return out;
}
