import { enqueueWebhook } from "../webhooks/outbox.ts";
import { and, eq, sql, type SQL } from "drizzle-orm";
import {
  conversationEvents,
  conversations,
  type AutonomyMode,
  type CaseSummary,
  type Conversation,
  type StoredEventType,
} from "../../drizzle/schema.ts";
import type { Executor, Queryable, Transaction } from "../db/client.ts";
import { rowsOf } from "../db/rows.ts";
import { tableRows } from "../db/table-rows.ts";
import { notFound } from "../errors.ts";

/**
 * The one module that writes the `conversations` table. Every state change of a conversation
 * (created, seq allocated, owner, status, agent, case workflow, resume claim, rating) is a
 * function here, so the rules of who owns a conversation and which status follows which are
 * read in one place. A test fails if any other module writes the table.
 */

export async function createConversation(
  db: Queryable,
  values: { tokenHash: string; tokenExpiresAt: Date; customerId: string | null; customerName: string | null },
): Promise<Conversation> {
  const [row] = await db.insert(conversations).values(values).returning();
  await announceConversation(db, row!);
  return row!;
}

/** A new conversation, for webhook receivers. */
async function announceConversation(db: Queryable, c: Conversation): Promise<void> {
  await enqueueWebhook(db, "conversation.created", {
    conversationId: c.id,
    customerName: c.customerName,
    integration: c.integrationName,
    externalConversationId: c.externalId,
    createdAt: c.createdAt.toISOString(),
  });
}

/**
 * A conversation that comes in through another channel: handed over by another system's agent
 * (the API) or opened by a WhatsApp sender. Null when that system or number already has an open
 * one (a partial unique index says so), which the caller then looks up.
 */
export async function createChannelConversation(
  db: Queryable,
  values: {
    channel: "api" | "whatsapp";
    tokenHash: string;
    tokenExpiresAt: Date;
    customerName: string | null;
    externalId: string;
    externalContact: string | null;
    integrationId?: string;
    integrationName?: string;
  },
): Promise<Conversation | null> {
  const [row] = await db.insert(conversations).values(values).onConflictDoNothing().returning();
  if (row) await announceConversation(db, row);
  return row ?? null;
}

const conversationRows = tableRows(conversations);

/** The conversation, or null; written-out SQL, as every AI turn reads it (see `tableRows`). */
export async function readConversation(db: Queryable, id: string): Promise<Conversation | null> {
  const [row] = conversationRows(await db.execute(sql`select * from ${conversations} where id = ${id}`));
  return row ?? null;
}

/** Locks the conversation row for the rest of the transaction. */
export async function lockConversation(tx: Transaction, id: string): Promise<Conversation> {
  const row = await lockConversationIfAny(tx, id);
  if (!row) throw notFound("Conversation");
  return row;
}

/** Locks the conversation row for the rest of the transaction; null when there is none. */
export async function lockConversationIfAny(tx: Transaction, id: string): Promise<Conversation | null> {
  const [row] = conversationRows(await tx.execute(sql`select * from ${conversations} where id = ${id} for update`));
  return row ?? null;
}

/**
 * The statement that allocates a conversation's next seq, for a writer that stores its row in the
 * same round trip (`with allocated as (…) insert … select last_seq from allocated`). The UPDATE
 * takes the conversation's row lock, so two writers to one conversation commit in seq order; a
 * global serial would let values commit out of order and readers skip events.
 */
export function seqAllocation(conversationId: string, at: Date): SQL {
  return sql`update ${conversations} set last_seq = last_seq + 1, updated_at = ${at.toISOString()}::timestamptz
    where id = ${conversationId}::uuid
    returning last_seq`;
}

/** Statements run in a writer's own `with`, each as a named part followed by a comma. */
export function alongsideCtes(statements: SQL[]): SQL {
  return sql.join(
    statements.map((statement, i) => sql`${sql.raw(`alongside_${i}`)} as (${statement}),`),
    sql` `,
  );
}

/**
 * Allocates the next seq and stores an event under it, in one round trip; `alongside` are
 * statements that run in the same one (a finished message's outbox rows).
 */
export async function allocateSeqForEvent(
  tx: Executor,
  conversationId: string,
  type: StoredEventType,
  payload: Record<string, unknown>,
  at: Date,
  alongside: SQL[] = [],
): Promise<number> {
  const result = await tx.execute(sql`
    with ${alongsideCtes(alongside)} allocated as (${seqAllocation(conversationId, at)})
    insert into ${conversationEvents} (conversation_id, seq, type, payload, created_at)
    select ${conversationId}::uuid, last_seq, ${type}::text, ${JSON.stringify(payload)}::jsonb, ${at.toISOString()}::timestamptz
    from allocated
    returning seq`);
  const [row] = rowsOf<{ seq: number }>(result);
  if (!row) throw notFound("Conversation");
  return row.seq;
}

/** A person owns the conversation; the AI's generation is bumped so any reply it is writing is dropped. */
export async function giveToOperator(tx: Transaction, id: string, operatorId: string): Promise<void> {
  await tx
    .update(conversations)
    .set({ owner: operatorId, status: "with_human", generation: sql`${conversations.generation} + 1` })
    .where(eq(conversations.id, id));
}

/** Back to an AI agent, open again. */
export async function giveToAgent(tx: Transaction, id: string, agent: string): Promise<void> {
  await tx
    .update(conversations)
    .set({ owner: "ai", status: "open", currentAgent: agent, generation: sql`${conversations.generation} + 1` })
    .where(eq(conversations.id, id));
}

export async function markResolved(tx: Transaction, id: string): Promise<void> {
  await tx
    .update(conversations)
    .set({ status: "resolved", generation: sql`${conversations.generation} + 1` })
    .where(eq(conversations.id, id));
}

export async function markWaitingForHuman(tx: Transaction, id: string): Promise<Conversation> {
  const [row] = await tx
    .update(conversations)
    .set({ status: "waiting_human" })
    .where(eq(conversations.id, id))
    .returning();
  if (!row) throw notFound("Conversation");
  return row;
}

/** A handoff between AI agents. */
export async function setCurrentAgent(tx: Transaction, id: string, agent: string): Promise<void> {
  await tx.update(conversations).set({ currentAgent: agent }).where(eq(conversations.id, id));
}

/** Stores the case workflow state (the rest of `workflow` is kept). */
export async function setWorkflow(tx: Transaction, id: string, workflow: Record<string, unknown>): Promise<void> {
  await tx.update(conversations).set({ workflow }).where(eq(conversations.id, id));
}

/** Takes on answering the notice at `seq`: true for exactly one caller, and only while nothing came after it. */
export async function claimResume(db: Queryable, conversationId: string, seq: number): Promise<boolean> {
  const [won] = await db
    .update(conversations)
    .set({ resumedSeq: seq })
    .where(
      and(
        eq(conversations.id, conversationId),
        eq(conversations.lastSeq, seq),
        sql`${conversations.resumedSeq} is distinct from ${seq}`,
      ),
    )
    .returning({ id: conversations.id });
  return !!won;
}

/** The customer's rating of a resolved conversation; a later rating replaces an earlier one. */
export async function setRating(
  db: Queryable,
  id: string,
  rating: { score: number; comment: string | null },
): Promise<Conversation> {
  const [row] = await db
    .update(conversations)
    .set({ csatScore: rating.score, csatComment: rating.comment, ratedAt: new Date() })
    .where(eq(conversations.id, id))
    .returning();
  if (!row) throw notFound("Conversation");
  return row;
}

/** A per-conversation autonomy mode (null: the global mode applies again). */
export async function setAutonomyOverride(db: Queryable, id: string, mode: AutonomyMode | null): Promise<Conversation> {
  const [row] = await db.update(conversations).set({ autonomyMode: mode }).where(eq(conversations.id, id)).returning();
  if (!row) throw notFound("Conversation");
  return row;
}

/** The case summary for the team; an older summary never replaces a newer one. */
export async function setSummary(db: Queryable, id: string, summary: CaseSummary): Promise<boolean> {
  const rows = await db
    .update(conversations)
    .set({ summary })
    .where(
      and(eq(conversations.id, id), sql`coalesce((${conversations.summary}->>'atSeq')::int, -1) <= ${summary.atSeq}`),
    )
    .returning({ id: conversations.id });
  return rows.length > 0;
}

/** The email a customer left for a follow-up. */
export async function setContactEmail(db: Queryable, id: string, email: string): Promise<void> {
  await db.update(conversations).set({ contactEmail: email }).where(eq(conversations.id, id));
}
