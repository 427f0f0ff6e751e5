import { and, asc, desc, eq, ne, sql } from "drizzle-orm";
import {
  conversations,
  customers,
  escalations,
  messages,
  operators,
  type Conversation,
  type Escalation,
} from "../../drizzle/schema.ts";
import type { Actor } from "../auth/actor.ts";
import type { Transaction } from "../db/client.ts";
import { badInput, conflict, forbidden, notFound } from "../errors.ts";
import { cleanText, optionalText, parseId } from "../policy/input.ts";
import { claim, claimPendingOf, resolveOpenOf, transferOpenOf } from "../escalations/lifecycle.ts";
import { expireProposalsOf } from "../autonomy/decisions.ts";
import { giveToAgent, giveToOperator, lockConversation, markResolved } from "./transitions.ts";
import { agents } from "../ai/agents.ts";
import { requireOperator, requireStaff, staffLabel, type OperatorActor } from "../auth/access.ts";
import { writeWithEvents, type EventBatch } from "./log.ts";
import { finishMessage, insertMessage } from "./messages.ts";
import { findMentions, insertNote, MAX_NOTE_LENGTH } from "./notes.ts";
import {
  getConversation,
  parseConversationId,
  parseMessageInput,
  postMessage,
  type ConversationDeps,
} from "./service.ts";

export interface OperatorDeps extends ConversationDeps {
  /** Starts the AI's turn after a hand-back, even though no new customer message arrived. */
  onHandBack?: (conversationId: string) => void;
}

const priorityRank = sql<number>`case ${escalations.priority} when 'urgent' then 0 when 'high' then 1 when 'medium' then 2 else 3 end`;

/** Pending and claimed escalations, most urgent and then oldest first, plus conversations the AI is handling. */
export async function listInbox(deps: Pick<ConversationDeps, "db">, actor: Actor) {
  requireStaff(actor, "escalations:read");
  const open = await deps.db
    .select({
      escalation: escalations,
      conversation: conversations,
      customerEmail: customers.email,
      claimedByName: operators.name,
    })
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
async function takeOwnership(
  tx: Transaction,
  batch: EventBatch,
  conversation: Conversation,
  op: OperatorActor,
): Promise<void> {
  await giveToOperator(tx, conversation.id, op.operatorId);
  await discardStreaming(tx, batch, conversation.id);
  await expireProposalsOf(tx, batch, conversation.id);
  await batch.append(tx, conversation.id, "operator_joined", { operatorId: op.operatorId, note: op.name });
  await batch.append(tx, conversation.id, "status_changed", { status: "with_human" });
  await insertMessage(tx, batch, conversation.id, {
    role: "system",
    content: `${op.name} from the support team joined the conversation.`,
  });
}

/** Any reply the AI is still writing is dropped, text and all: nobody was meant to read it. */
async function discardStreaming(tx: Transaction, batch: EventBatch, conversationId: string): Promise<void> {
  const streaming = await tx
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.conversationId, conversationId), eq(messages.status, "streaming")));
  for (const m of streaming) await finishMessage(tx, batch, m.id, { content: "", status: "discarded" });
}

/** Exactly one operator wins: the guarded UPDATE lets the first claim through and no other. */
export async function claimEscalation(
  deps: ConversationDeps,
  actor: Actor,
  escalationId: unknown,
): Promise<Escalation> {
  const op = requireOperator(actor);
  const id = parseConversationId(escalationId, "id");
  return writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
    const claimed = await claim(tx, id, op.operatorId);
    if (!claimed) {
      const [existing] = await tx
        .select({ e: escalations, name: operators.name })
        .from(escalations)
        .leftJoin(operators, eq(operators.id, escalations.claimedBy))
        .where(eq(escalations.id, id));
      if (!existing) throw notFound("Escalation");
      throw conflict(
        existing.e.status === "resolved"
          ? "This escalation is already resolved."
          : `Already claimed by ${existing.name ?? "another operator"}.`,
      );
    }
    const conversation = await lockConversation(tx, claimed.conversationId);
    if (conversation.owner !== "ai" && conversation.owner !== op.operatorId)
      throw conflict("Another operator owns this conversation.");
    if (conversation.owner !== op.operatorId) await takeOwnership(tx, batch, conversation, op);
    await batch.append(tx, claimed.conversationId, "assignment", {
      escalationId: claimed.id,
      operatorId: op.operatorId,
      note: op.name,
    });
    return claimed;
  });
}

/** Takes over any conversation, including one the AI is answering right now. */
export async function takeOverConversation(
  deps: ConversationDeps,
  actor: Actor,
  conversationId: unknown,
): Promise<Conversation> {
  const op = requireOperator(actor);
  const existing = await getConversation(deps.db, actor, conversationId);
  return writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
    const conversation = await lockConversation(tx, existing.id);
    if (conversation.status === "resolved") throw conflict("This conversation is closed.");
    if (conversation.owner === op.operatorId) return conversation;
    if (conversation.owner !== "ai") throw conflict("Another operator owns this conversation.");
    await takeOwnership(tx, batch, conversation, op);
    await claimPendingOf(tx, conversation.id, op.operatorId);
    return lockConversation(tx, conversation.id);
  });
}

/**
 * Gives a conversation to another operator, who is notified. Any operator may assign a
 * conversation nobody owns (the AI's, or one waiting for a person) or their own; moving another
 * operator's conversation is for admins. The AI stops as on a takeover; the customer reads one
 * line that a person joined.
 */
export async function reassignConversation(
  deps: ConversationDeps,
  actor: Actor,
  input: { conversationId: unknown; operatorId: unknown },
): Promise<Conversation> {
  const op = requireOperator(actor);
  const targetId = parseId(input.operatorId, "operatorId");
  const existing = await getConversation(deps.db, actor, input.conversationId);
  const [target] = await deps.db.select().from(operators).where(eq(operators.id, targetId));
  if (!target || target.disabled) throw notFound("Operator");
  return writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
    const conversation = await lockConversation(tx, existing.id);
    if (conversation.status === "resolved") throw conflict("This conversation is closed.");
    if (conversation.owner === target.id) return conversation;
    const ownedByPerson = conversation.owner !== "ai";
    if (ownedByPerson && conversation.owner !== op.operatorId && op.role !== "admin")
      throw forbidden("Only the operator who owns this conversation, or an admin, can reassign it.");
    const targetActor = { kind: "operator" as const, operatorId: target.id, name: target.name, role: target.role };
    if (ownedByPerson) {
      await giveToOperator(tx, conversation.id, target.id);
      await batch.append(tx, conversation.id, "operator_joined", { operatorId: target.id, note: target.name });
      await insertMessage(tx, batch, conversation.id, {
        role: "system",
        content: `${target.name} from the support team joined the conversation.`,
      });
    } else {
      await takeOwnership(tx, batch, conversation, targetActor);
    }
    await transferOpenOf(tx, conversation.id, target.id);
    await batch.append(tx, conversation.id, "assignment", {
      operatorId: target.id,
      by: op.operatorId,
      note: `${op.name} assigned it to ${target.name}`,
    });
    if (target.id !== op.operatorId)
      batch.publishAfterCommit("notice", target.id, {
        type: "assigned",
        conversationId: conversation.id,
        by: op.name,
        text: `${op.name} assigned you a conversation with ${conversation.customerName ?? "a customer"}.`,
        at: new Date().toISOString(),
      });
    return lockConversation(tx, conversation.id);
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
  return postMessage(
    deps,
    conversation.id,
    { role: "operator", author: op.operatorId, authorName: op.name },
    body,
    ownedBy(op),
    () => deps.rateLimits.sendMessage.take(`operator:${op.operatorId}:${conversation.id}`),
  );
}

/**
 * Hands the conversation back to an AI agent with a note for the agent. The note is a private
 * note (see notes.ts) and the handoff event points at it: operators and the agent read it, the
 * customer never does.
 */
export async function handBackToAgent(
  deps: OperatorDeps,
  actor: Actor,
  input: { conversationId: unknown; agent: unknown; note?: unknown },
): Promise<Conversation> {
  const op = requireOperator(actor);
  const agentKey = cleanText(input.agent, "agent", 40);
  const agent = Object.hasOwn(agents, agentKey) ? agents[agentKey as keyof typeof agents] : undefined;
  if (!agent) throw badInput(`Unknown agent. Choose one of: ${Object.keys(agents).join(", ")}.`, "agent");
  const note = (optionalText(input.note, "note", MAX_NOTE_LENGTH, { multiline: true }) ?? "").trim();
  const existing = await getConversation(deps.db, actor, input.conversationId);
  const mentions = note ? await findMentions(deps.db, note, op.operatorId) : [];
  const result = await writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
    const conversation = await lockConversation(tx, existing.id);
    ownedBy(op)(conversation);
    if (conversation.integrationId)
      throw conflict(`${conversation.integrationName} handed this conversation over: resolve it to give it back.`);
    await giveToAgent(tx, existing.id, agent.key);
    await resolveOpenOf(tx, existing.id);
    const noteMessage = note ? await insertNote(tx, batch, existing.id, op, note, mentions) : null;
    await batch.append(tx, existing.id, "handoff", {
      from: `operator:${op.operatorId}`,
      operatorName: op.name,
      agent: agent.key,
      noteMessageId: noteMessage?.id ?? null,
    });
    await batch.append(tx, existing.id, "status_changed", { status: "open" });
    await insertMessage(tx, batch, existing.id, {
      role: "system",
      content: `${op.name} handed the conversation back to ${agent.name}.`,
    });
    return lockConversation(tx, existing.id);
  });
  deps.onHandBack?.(existing.id);
  return result;
}

export async function resolveConversation(
  deps: ConversationDeps,
  actor: Actor,
  conversationId: unknown,
): Promise<Conversation> {
  const staff = requireStaff(actor, "conversations:write");
  const existing = await getConversation(deps.db, actor, conversationId);
  return writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
    const conversation = await lockConversation(tx, existing.id);
    if (conversation.status === "resolved") return conversation;
    // An API key closes what the AI handles; a person's conversation is theirs (or an admin's) to close.
    const mayClose =
      conversation.owner === "ai" ||
      (staff.kind === "operator" && (conversation.owner === staff.operatorId || staff.role === "admin"));
    if (!mayClose) throw conflict("Another operator owns this conversation.");
    const by = staff.kind === "operator" ? staffLabel(staff).name : "We";
    await closeConversation(
      tx,
      batch,
      existing.id,
      `${by} closed this conversation. You can start a new one at any time.`,
    );
    return lockConversation(tx, existing.id);
  });
}

/**
 * Resolves a locked conversation: any reply still being written is dropped, open proposals lapse,
 * escalations are done, and the customer reads `notice`. Used by operators and, as an approved
 * decision, by the AI.
 */
export async function closeConversation(
  tx: Transaction,
  batch: EventBatch,
  conversationId: string,
  notice: string,
): Promise<void> {
  await markResolved(tx, conversationId);
  await discardStreaming(tx, batch, conversationId);
  await expireProposalsOf(tx, batch, conversationId);
  await resolveOpenOf(tx, conversationId);
  await batch.append(tx, conversationId, "status_changed", { status: "resolved" });
  await insertMessage(tx, batch, conversationId, { role: "system", content: notice });
}
