import { and, asc, eq, isNotNull, isNull, lt, not, or, sql } from "drizzle-orm";
import {
  conversations,
  escalations,
  operators,
  settings,
  type Escalation,
  type Operator,
} from "../../drizzle/schema.ts";
import { agents } from "../ai/agents.ts";
import { writeWithEvents, type EventBatch } from "../conversations/log.ts";
import { insertMessage } from "../conversations/messages.ts";
import { createTicket } from "../tickets/service.ts";
import type { Actor } from "../auth/actor.ts";
import type { Database, Queryable, Transaction } from "../db/client.ts";
import { badInput } from "../errors.ts";
import type { EventBus } from "../events/bus.ts";
import { availableNow } from "../operators/presence.ts";
import { requireAdmin } from "../operators/service.ts";
import { attachTicket, moveOffer, offerIfUnassigned } from "./lifecycle.ts";

export interface AssignmentSettings {
  /** "auto": new escalations go to the least-loaded available operator; "manual": they wait to be claimed. */
  mode: "auto" | "manual";
  /** An assigned escalation nobody has claimed after this long moves to someone else. */
  reassignAfterMs: number;
}

const DEFAULTS: AssignmentSettings = { mode: "auto", reassignAfterMs: 5 * 60_000 };

export async function getAssignmentSettings(db: Queryable): Promise<AssignmentSettings> {
  const [row] = await db.select().from(settings).where(eq(settings.key, "assignment"));
  return { ...DEFAULTS, ...((row?.value as Partial<AssignmentSettings>) ?? {}) };
}

export async function updateAssignmentSettings(
  db: Queryable,
  actor: Actor,
  patch: Partial<AssignmentSettings>,
): Promise<AssignmentSettings> {
  requireAdmin(actor);
  if (patch.mode && patch.mode !== "auto" && patch.mode !== "manual") throw badInput("mode is auto or manual.", "mode");
  if (
    patch.reassignAfterMs !== undefined &&
    (!Number.isInteger(patch.reassignAfterMs) || patch.reassignAfterMs < 10_000)
  ) {
    throw badInput("reassignAfterMs is at least 10000.", "reassignAfterMs");
  }
  const next = { ...(await getAssignmentSettings(db)), ...patch };
  await db
    .insert(settings)
    .values({ key: "assignment", value: next })
    .onConflictDoUpdate({ target: settings.key, set: { value: next, updatedAt: new Date() } });
  return next;
}

/** Available operators (online and connected) with room, least loaded first. Load counts escalations assigned to or claimed by them. */
export async function availableOperators(db: Queryable, exclude: string[] = []): Promise<Operator[]> {
  const load = sql<number>`(select count(*)::int from ${escalations} e where e.status <> 'resolved' and (e.claimed_by = ${operators.id} or (e.status = 'pending' and e.assigned_to = ${operators.id})))`;
  const rows = await db
    .select({ operator: operators, load })
    .from(operators)
    .where(availableNow())
    .orderBy(asc(load), asc(operators.createdAt));
  return rows.filter((r) => r.load < r.operator.capacity && !exclude.includes(r.operator.id)).map((r) => r.operator);
}

async function isAvailable(db: Queryable, operatorId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: operators.id })
    .from(operators)
    .where(and(eq(operators.id, operatorId), availableNow()));
  return !!row;
}

/** Whether anyone is there to pick up an escalation: online by choice and connected in fact. */
export async function anyOperatorOnline(db: Queryable): Promise<boolean> {
  const [row] = await db.select({ id: operators.id }).from(operators).where(availableNow()).limit(1);
  return !!row;
}

/**
 * Moves escalations that sat assigned but unclaimed past the timeout, or whose assignee is no
 * longer available (went away, signed out, or dropped off), to the next operator, or back to the
 * shared queue when nobody else is free. `now` (injectable for tests) drives the timeout;
 * presence is always judged by the real clock.
 */
export async function reassignStale(deps: { db: Database; bus: EventBus }, now = new Date()): Promise<Escalation[]> {
  const { mode, reassignAfterMs } = await getAssignmentSettings(deps.db);
  if (mode !== "auto") return [];
  const cutoff = new Date(now.getTime() - reassignAfterMs);
  const stale = (
    await deps.db
      .select({ escalation: escalations })
      .from(escalations)
      .innerJoin(operators, eq(operators.id, escalations.assignedTo))
      .where(
        and(
          eq(escalations.status, "pending"),
          isNotNull(escalations.assignedTo),
          or(lt(escalations.assignedAt, cutoff), not(availableNow())),
        ),
      )
  ).map((r) => r.escalation);
  const moved: Escalation[] = [];
  for (const e of stale) {
    const row = await writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
      const [next] = await availableOperators(tx, [e.assignedTo!]);
      // Nobody else is free and the operator it was offered to still is: it stays with them.
      // Sending it round the queue would only offer it straight back and notify them again.
      if (!next && (await isAvailable(tx, e.assignedTo!))) return null;
      const row = await moveOffer(tx, e.id, e.assignedTo!, next?.id ?? null, now);
      if (row && next) await noticeOfOffer(tx, batch, row, next.id);
      // The last available operator left: the customer is not left waiting on nobody.
      if (row && !next && !(await anyOperatorOnline(tx))) {
        const [conversation] = await tx
          .select({ customerId: conversations.customerId })
          .from(conversations)
          .where(eq(conversations.id, row.conversationId));
        row.ticketId = await keepForLater(tx, batch, row, conversation?.customerId ?? null);
      }
      if (row)
        batch.publishAfterCommit("inbox", "all", {
          type: "conversation_changed",
          conversationId: row.conversationId,
          reason: "reassigned",
          at: now.toISOString(),
        });
      return row;
    });
    if (row) moved.push(row);
  }
  return moved;
}

/**
 * Offers escalations that wait in the shared queue (raised while nobody was free, or given back
 * to it) to operators who are available now, most urgent and oldest first. Runs when an operator
 * comes online and on the periodic sweep, so nothing waits unseen for a person who is there.
 */
export async function offerWaiting(deps: { db: Database; bus: EventBus }, now = new Date()): Promise<Escalation[]> {
  const { mode } = await getAssignmentSettings(deps.db);
  if (mode !== "auto") return [];
  const waiting = await deps.db
    .select()
    .from(escalations)
    .where(and(eq(escalations.status, "pending"), isNull(escalations.assignedTo)))
    .orderBy(
      sql`case ${escalations.priority} when 'urgent' then 0 when 'high' then 1 when 'medium' then 2 else 3 end`,
      asc(escalations.createdAt),
    )
    .limit(50);
  const offered: Escalation[] = [];
  for (const e of waiting) {
    const row = await writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
      const [next] = await availableOperators(tx);
      if (!next) return null;
      const moved = await offerIfUnassigned(tx, e.id, next.id, now);
      if (!moved) return null;
      await batch.append(tx, e.conversationId, "assignment", {
        escalationId: e.id,
        operatorId: next.id,
        note: `Assigned to ${next.name}`,
      });
      await noticeOfOffer(tx, batch, moved, next.id);
      return moved;
    });
    if (!row) {
      if (!(await availableOperators(deps.db)).length) break;
      continue;
    }
    offered.push(row);
  }
  return offered;
}

/** Tells an operator that an escalation is now offered to them. */
export async function noticeOfOffer(
  tx: Queryable,
  batch: EventBatch,
  escalation: Escalation,
  operatorId: string,
): Promise<void> {
  // Who is waiting, so two offers for the same reason can be told apart.
  const [row] = await tx
    .select({ name: conversations.customerName })
    .from(conversations)
    .where(eq(conversations.id, escalation.conversationId));
  batch.publishAfterCommit("notice", operatorId, {
    type: "escalation",
    conversationId: escalation.conversationId,
    by: row?.name ?? null,
    text: escalation.reason,
    at: new Date().toISOString(),
  });
}

/**
 * Nobody can pick an escalation up now: make sure it is not lost (a ticket, unless it already
 * has one), and tell the customer plainly.
 */
export async function keepForLater(
  tx: Transaction,
  batch: EventBatch,
  escalation: Escalation,
  customerId: string | null,
): Promise<string> {
  let ticketId = escalation.ticketId;
  if (!ticketId) {
    const ticket = await createTicket(tx, {
      customerId,
      conversationId: escalation.conversationId,
      department: agents[escalation.agent as keyof typeof agents]?.department ?? "technical",
      priority: escalation.priority,
      subject: escalation.reason,
      description: escalation.summary,
      actor: "system",
    });
    ticketId = ticket.id;
    await attachTicket(tx, escalation.id, ticketId);
  }
  await insertMessage(tx, batch, escalation.conversationId, {
    role: "system",
    content: `No one from our support team is online right now, so your request is saved as ticket ${ticketId}. A person will pick it up as soon as someone is available; you can keep writing here.`,
  });
  return ticketId;
}
