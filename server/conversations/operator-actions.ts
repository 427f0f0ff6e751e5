import { and, asc, desc, eq, inArray, ne, sql } from "drizzle-orm";
import { conversations, customers, escalations, messages, operators, type Conversation, type Escalation } from "../../drizzle/schema.ts";
import type { Actor } from "../auth/actor.ts";
import type { Transaction } from "../db/client.ts";
import { conflict, notFound } from "../errors.ts";
import { agents } from "../ai/agents.ts";
import { requireOperator, type OperatorActor } from "../operators/service.ts";
import { writeWithEvents, type EventBatch } from "./log.ts";
import { finishMessage, insertMessage } from "./messages.ts";
import { getConversation, parseConversationId, parseMessageInput, postMessage, type ConversationDeps } from "./service.ts";

export interface OperatorDeps extends ConversationDeps {
  /** Starts the AI's turn after a hand-back, even though no new customer message arrived. */
  onHandBack?: (conversationId: string) => void;
}

const priorityRank = sql<number>`case ${escalations.priority} when 'urgent' then 0 when 'high' then 1 when 'medium' then 2 else 3 end`;

/** Pending and claimed escalations, most urgent and then oldest first, plus conversations the AI is handling. */
export async function listInbox(deps: Pick<ConversationDeps, "db">, actor: Actor) {
  requireOperator(actor);
  const open = await deps.db
    .select({ escalation: escalations, conversation: conversations, customerEmail: customers.email, claimedByName: operators.name })
    .from(escalations)
    .innerJoin(conversations, eq(conversations.id, escalations.conversationId))
    .leftJoin(customers, eq(customers.id, conversations.customerId))
    .leftJoin(operators, eq(operators.id, escalations.claimedBy))
    .where(ne(escalations.status, "resolved"))
    .orderBy(asc(priorityRank), asc(escalations.createdAt))
    .limit(200);
  const escalated = new Set(open.map((r) => r.conversation.id));
  const aiHandled = (
    await deps.db
      .select({ conversation: conversations, customerEmail: customers.email })
      .from(conversations)
      .leftJoin(customers, eq(customers.id, conversations.customerId))
      .where(and(eq(conversations.status, "open"), eq(conversations.owner, "ai"), sql`${conversations.lastSeq} > 0`))
      .orderBy(desc(conversations.updatedAt))
      .limit(50)
  ).filter((r) => !escalated.has(r.conversation.id));
  return { escalations: open, aiConversations: aiHandled };
}

/**
 * Makes the operator the owner: the AI stops (its generation is bumped and any reply it is
 * streaming is discarded, never shown), the customer sees that a person joined.
 */
async function takeOwnership(tx: Transaction, batch: EventBatch, conversation: Conversation, op: OperatorActor): Promise<void> {
  await tx
    .update(conversations)
    .set({ owner: op.operatorId, status: "with_human", generation: sql`${conversations.generation} + 1` })
    .where(eq(conversations.id, conversation.id));
  const streaming = await tx
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.conversationId, conversation.id), eq(messages.status, "streaming")));
  for (const m of streaming) await finishMessage(tx, batch, m.id, { content: "", status: "discarded" });
  await batch.append(tx, conversation.id, "operator_joined", { operatorId: op.operatorId, note: op.name });
  await batch.append(tx, conversation.id, "status_changed", { status: "with_human" });
  await insertMessage(tx, batch, conversation.id, { role: "system", content: `${op.name} from the support team joined the conversation.` });
}

/** Exactly one operator wins: the guarded UPDATE lets the first claim through and no other. */
export async function claimEscalation(deps: ConversationDeps, actor: Actor, escalationId: string): Promise<Escalation> {
  const op = requireOperator(actor);
  const id = parseConversationId(escalationId);
  return writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
    const [claimed] = await tx
      .update(escalations)
      .set({ status: "claimed", claimedBy: op.operatorId, claimedAt: new Date() })
      .where(and(eq(escalations.id, id), eq(escalations.status, "pending")))
      .returning();
    if (!claimed) {
      const [existing] = await tx
        .select({ e: escalations, name: operators.name })
        .from(escalations)
        .leftJoin(operators, eq(operators.id, escalations.claimedBy))
        .where(eq(escalations.id, id));
      if (!existing) throw notFound("Escalation");
      throw conflict(existing.e.status === "resolved" ? "This escalation is already resolved." : `Already claimed by ${existing.name ?? "another operator"}.`);
    }
    const [conversation] = await tx.select().from(conversations).where(eq(conversations.id, claimed.conversationId)).for("update");
    if (conversation!.owner !== "ai" && conversation!.owner !== op.operatorId) throw conflict("Another operator owns this conversation.");
    if (conversation!.owner !== op.operatorId) await takeOwnership(tx, batch, conversation!, op);
    await batch.append(tx, claimed.conversationId, "assignment", { escalationId: claimed.id, operatorId: op.operatorId, note: op.name });
    return claimed;
  });
}

/** Takes over any conversation, including one the AI is answering right now. */
export async function takeOverConversation(deps: ConversationDeps, actor: Actor, conversationId: string): Promise<Conversation> {
  const op = requireOperator(actor);
  const existing = await getConversation(deps.db, actor, conversationId);
  return writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
    const [conversation] = await tx.select().from(conversations).where(eq(conversations.id, existing.id)).for("update");
    if (conversation!.status === "resolved") throw conflict("This conversation is closed.");
    if (conversation!.owner === op.operatorId) return conversation!;
    if (conversation!.owner !== "ai") throw conflict("Another operator owns this conversation.");
    await takeOwnership(tx, batch, conversation!, op);
    await tx
      .update(escalations)
      .set({ status: "claimed", claimedBy: op.operatorId, claimedAt: new Date() })
      .where(and(eq(escalations.conversationId, conversation!.id), eq(escalations.status, "pending")));
    const [updated] = await tx.select().from(conversations).where(eq(conversations.id, conversation!.id));
    return updated!;
  });
}

const ownedBy = (op: OperatorActor) => (c: Conversation) => {
  if (c.status === "resolved") throw conflict("This conversation is closed.");
  if (c.owner !== op.operatorId) throw conflict("Take over or claim the conversation before replying.");
};

export async function sendOperatorMessage(
  deps: ConversationDeps,
  actor: Actor,
  input: { conversationId: unknown; content: unknown; clientMessageId: unknown },
) {
  const op = requireOperator(actor);
  const body = parseMessageInput(deps.maxMessageLength, input);
  const conversation = await getConversation(deps.db, actor, input.conversationId);
  return postMessage(deps, conversation.id, { role: "operator", author: op.operatorId, authorName: op.name }, body, ownedBy(op));
}

/** Hands the conversation back to an AI agent with a note the agent reads before it replies. */
export async function handBackToAgent(
  deps: OperatorDeps,
  actor: Actor,
  input: { conversationId: string; agent: string; note: string },
): Promise<Conversation> {
  const op = requireOperator(actor);
  const agent = agents[input.agent as keyof typeof agents];
  if (!agent) throw conflict(`Unknown agent "${input.agent}". Choose triage, technical, billing or sales.`);
  const note = input.note.trim().slice(0, 1000);
  const existing = await getConversation(deps.db, actor, input.conversationId);
  const result = await writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
    const [conversation] = await tx.select().from(conversations).where(eq(conversations.id, existing.id)).for("update");
    ownedBy(op)(conversation!);
    await tx
      .update(conversations)
      .set({ owner: "ai", status: "open", currentAgent: agent.key, generation: sql`${conversations.generation} + 1` })
      .where(eq(conversations.id, existing.id));
    await tx
      .update(escalations)
      .set({ status: "resolved", resolvedAt: new Date() })
      .where(and(eq(escalations.conversationId, existing.id), inArray(escalations.status, ["pending", "claimed"])));
    await batch.append(tx, existing.id, "handoff", { from: `operator:${op.operatorId}`, agent: agent.key, note: note || `Handed back by ${op.name}` });
    await batch.append(tx, existing.id, "status_changed", { status: "open" });
    await insertMessage(tx, batch, existing.id, {
      role: "system",
      content: `${op.name} handed the conversation back to ${agent.name}${note ? `. Note: ${note}` : "."}`,
    });
    const [updated] = await tx.select().from(conversations).where(eq(conversations.id, existing.id));
    return updated!;
  });
  deps.onHandBack?.(existing.id);
  return result;
}

export async function resolveConversation(deps: ConversationDeps, actor: Actor, conversationId: string): Promise<Conversation> {
  const op = requireOperator(actor);
  const existing = await getConversation(deps.db, actor, conversationId);
  return writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
    const [conversation] = await tx.select().from(conversations).where(eq(conversations.id, existing.id)).for("update");
    if (conversation!.status === "resolved") return conversation!;
    if (conversation!.owner !== "ai" && conversation!.owner !== op.operatorId && op.role !== "admin") {
      throw conflict("Another operator owns this conversation.");
    }
    await tx.update(conversations).set({ status: "resolved", generation: sql`${conversations.generation} + 1` }).where(eq(conversations.id, existing.id));
    await tx
      .update(escalations)
      .set({ status: "resolved", resolvedAt: new Date() })
      .where(and(eq(escalations.conversationId, existing.id), inArray(escalations.status, ["pending", "claimed"])));
    await batch.append(tx, existing.id, "status_changed", { status: "resolved" });
    await insertMessage(tx, batch, existing.id, { role: "system", content: `${op.name} closed this conversation. You can start a new one at any time.` });
    const [updated] = await tx.select().from(conversations).where(eq(conversations.id, existing.id));
    return updated!;
  });
}
