import { and, desc, eq } from "drizzle-orm";
import { drafts, type Draft } from "../../drizzle/schema.ts";
import type { Actor } from "../auth/actor.ts";
import type { Database, Queryable } from "../db/client.ts";
import type { EventBus } from "../events/bus.ts";
import { conflict, notFound } from "../errors.ts";
import { writeWithEvents } from "../conversations/log.ts";
import { insertMessage } from "../conversations/messages.ts";
import { getConversation } from "../conversations/service.ts";
import { lockConversation } from "../conversations/transitions.ts";
import { requireOperator, requireStaff } from "../auth/access.ts";
import { optionalText, parseId } from "../policy/input.ts";

/**
 * The one module that writes `drafts`. In Manual mode the AI's reply is stored here instead of
 * in the conversation, so nothing of it reaches the customer; an operator sends it (as written
 * or edited) or discards it.
 */

export async function saveDraft(
  deps: { db: Database; bus: EventBus },
  input: { conversationId: string; agent: string; agentName: string; content: string; afterSeq: number },
): Promise<Draft> {
  const [row] = await deps.db.insert(drafts).values(input).returning();
  deps.bus.publish("decision", "all", {
    type: "decision_changed",
    conversationId: input.conversationId,
    at: new Date().toISOString(),
  });
  return row!;
}

/** Whether a draft already answers everything up to `seq` (so a re-run does not draft twice). */
export async function hasDraftAfter(db: Queryable, conversationId: string, seq: number): Promise<boolean> {
  const [row] = await db
    .select({ afterSeq: drafts.afterSeq })
    .from(drafts)
    .where(eq(drafts.conversationId, conversationId))
    .orderBy(desc(drafts.afterSeq))
    .limit(1);
  return !!row && row.afterSeq >= seq;
}

export async function listDrafts(db: Queryable, actor: Actor, conversationId: unknown): Promise<Draft[]> {
  requireStaff(actor, "conversations:read");
  const conversation = await getConversation(db, actor, conversationId);
  return db
    .select()
    .from(drafts)
    .where(and(eq(drafts.conversationId, conversation.id), eq(drafts.status, "pending")))
    .orderBy(desc(drafts.createdAt));
}

const draftId = (value: unknown) => parseId(value, "id", "draft id");

/**
 * An operator sends a draft, as written or edited: it becomes the agent's message in the
 * conversation. Exactly once: the guarded UPDATE lets one send through.
 */
export async function sendDraft(
  deps: { db: Database; bus: EventBus; maxMessageLength: number },
  actor: Actor,
  input: { id: unknown; content?: unknown },
): Promise<Draft> {
  const op = requireOperator(actor);
  const id = draftId(input.id);
  const edited = optionalText(input.content, "content", deps.maxMessageLength, { multiline: true })?.trim();
  return writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
    const [found] = await tx.select().from(drafts).where(eq(drafts.id, id));
    if (!found) throw notFound("Draft");
    const conversation = await lockConversation(tx, found.conversationId);
    if (conversation.status === "resolved") throw conflict("This conversation is closed.");
    const [draft] = await tx
      .update(drafts)
      .set({ status: "sent", decidedBy: op.operatorId, decidedAt: new Date(), content: edited || found.content })
      .where(and(eq(drafts.id, id), eq(drafts.status, "pending")))
      .returning();
    if (!draft) throw conflict(`This draft was already ${found.status}.`);
    const message = await insertMessage(tx, batch, conversation.id, {
      role: "agent",
      author: draft.agent,
      authorName: draft.agentName,
      content: draft.content,
    });
    const [sent] = await tx.update(drafts).set({ sentMessageId: message.id }).where(eq(drafts.id, id)).returning();
    batch.publishAfterCommit("decision", "all", {
      type: "decision_changed",
      conversationId: conversation.id,
      at: new Date().toISOString(),
    });
    return sent!;
  });
}

export async function discardDraft(deps: { db: Database; bus: EventBus }, actor: Actor, id: unknown): Promise<Draft> {
  const op = requireOperator(actor);
  const key = draftId(id);
  const [draft] = await deps.db
    .update(drafts)
    .set({ status: "discarded", decidedBy: op.operatorId, decidedAt: new Date() })
    .where(and(eq(drafts.id, key), eq(drafts.status, "pending")))
    .returning();
  if (!draft) {
    const [found] = await deps.db.select().from(drafts).where(eq(drafts.id, key));
    if (!found) throw notFound("Draft");
    throw conflict(`This draft was already ${found.status}.`);
  }
  deps.bus.publish("decision", "all", {
    type: "decision_changed",
    conversationId: draft.conversationId,
    at: new Date().toISOString(),
  });
  return draft;
}
