import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import {
  conversations,
  escalations,
  priorities,
  type Conversation,
  type Escalation,
  type Message,
  type Priority,
} from "../../drizzle/schema.ts";
import { requireStaff, type IntegrationActor } from "../auth/access.ts";
import type { Actor } from "../auth/actor.ts";
import { generateToken, hashToken } from "../auth/tokens.ts";
import type { Queryable } from "../db/client.ts";
import { badInput, conflict, forbidden, notFound } from "../errors.ts";
import { escalateConversation } from "../escalations/service.ts";
import { cleanText, optionalText, parseId, parseOrThrow } from "../policy/input.ts";
import { writeWithEvents } from "./log.ts";
import { insertMessage } from "./messages.ts";
import { closeConversation } from "./operator-actions.ts";
import { parseMessageInput, postMessage, tellOwnerOfReply, type ConversationDeps } from "./service.ts";
import { createChannelConversation, lockConversation } from "./transitions.ts";

/**
 * The escalation API: another system's agent (a voice bot, another company's AI) hands one of
 * its conversations to Tandem's people. The conversation is Tandem's like any other (the inbox,
 * claiming, replies, tickets) except that Tandem's AI never answers in it: the other system's
 * agent relays the customer's messages and the team's replies.
 */

export const MAX_TRANSCRIPT_MESSAGES = 200;

const transcriptSchema = z
  .array(
    z.object({
      role: z.enum(["customer", "agent"], { message: "transcript role is CUSTOMER or AGENT." }),
      content: z.string(),
    }),
  )
  .max(MAX_TRANSCRIPT_MESSAGES, `A transcript has at most ${MAX_TRANSCRIPT_MESSAGES} messages.`);

export interface CreateEscalationInput {
  externalConversationId?: unknown;
  customerName?: unknown;
  customerContact?: unknown;
  reason?: unknown;
  summary?: unknown;
  priority?: unknown;
  transcript?: unknown;
}

/** Only an API key with escalations:write speaks for an external conversation: a person answers in the dashboard. */
function requireIntegration(actor: Actor): IntegrationActor {
  const staff = requireStaff(actor, "escalations:write");
  if (staff.kind !== "integration") throw forbidden("Only an integration's API key can do that.");
  return staff;
}

function parseEscalationInput(maxMessageLength: number, input: CreateEscalationInput) {
  const externalId = cleanText(input.externalConversationId, "externalConversationId", 200).trim();
  if (!externalId)
    throw badInput("externalConversationId is your system's id for the conversation.", "externalConversationId");
  const reason = cleanText(input.reason, "reason", 500).trim();
  if (!reason) throw badInput("reason says why a person is needed.", "reason");
  const priority = (optionalText(input.priority, "priority", 10) ?? "medium") as Priority;
  if (!priorities.includes(priority)) throw badInput(`priority is one of ${priorities.join(", ")}.`, "priority");
  const transcript = parseOrThrow(transcriptSchema, input.transcript ?? []).map((m, i) => ({
    role: m.role,
    ...parseMessageInput(maxMessageLength, { content: m.content, clientMessageId: `transcript-${i}` }),
  }));
  return {
    externalId,
    reason,
    priority,
    transcript,
    summary: optionalText(input.summary, "summary", 2000, { multiline: true })?.trim() || reason,
    customerName: optionalText(input.customerName, "customerName", 100)?.trim() || null,
    customerContact: optionalText(input.customerContact, "customerContact", 254)?.trim() || null,
  };
}

/**
 * Opens an escalation for an external conversation, with the transcript so far, in one
 * transaction. Idempotent by external id: while that conversation is open, asking again
 * returns the same escalation (`duplicate`) and writes nothing.
 */
export async function createExternalEscalation(
  deps: Pick<ConversationDeps, "db" | "bus" | "maxMessageLength">,
  actor: Actor,
  input: CreateEscalationInput,
  now = new Date(),
): Promise<{ escalation: Escalation; conversation: Conversation; duplicate: boolean }> {
  const integration = requireIntegration(actor);
  const parsed = parseEscalationInput(deps.maxMessageLength, input);
  return writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
    const created = await createChannelConversation(tx, {
      channel: "api",
      tokenHash: hashToken(generateToken("ct")),
      tokenExpiresAt: now,
      customerName: parsed.customerName,
      integrationId: integration.apiKeyId,
      integrationName: integration.name,
      externalId: parsed.externalId,
      externalContact: parsed.customerContact,
    });
    if (!created) {
      const open = await openOf(tx, integration.apiKeyId, parsed.externalId);
      return { ...open, duplicate: true };
    }
    for (const line of parsed.transcript) {
      await insertMessage(tx, batch, created.id, {
        role: line.role,
        author: line.role === "agent" ? "external" : null,
        authorName: line.role === "agent" ? integration.name : parsed.customerName,
        content: line.content,
      });
    }
    const escalation = await escalateConversation(tx, batch, {
      conversationId: created.id,
      reason: parsed.reason,
      summary: parsed.summary,
      priority: parsed.priority,
      agent: "external",
    });
    return { escalation, conversation: await lockConversation(tx, created.id), duplicate: false };
  });
}

/** The open conversation (and its latest escalation) an integration created for this external id. */
async function openOf(db: Queryable, integrationId: string, externalId: string) {
  const [row] = await db
    .select({ conversation: conversations, escalation: escalations })
    .from(conversations)
    .innerJoin(escalations, eq(escalations.conversationId, conversations.id))
    .where(and(eq(conversations.integrationId, integrationId), eq(conversations.externalId, externalId)))
    .orderBy(desc(escalations.createdAt))
    .limit(1);
  if (!row) throw notFound("Escalation");
  return row;
}

/**
 * The escalation and its conversation, if this key created it. Anyone else's, and a missing
 * one, answer the same NOT_FOUND, so ids cannot be probed.
 */
export async function externalEscalation(
  db: Queryable,
  actor: Actor,
  escalationId: unknown,
): Promise<{ escalation: Escalation; conversation: Conversation; integration: IntegrationActor }> {
  const integration = requireIntegration(actor);
  const id = parseId(escalationId, "escalationId", "escalation id");
  const [row] = await db
    .select({ conversation: conversations, escalation: escalations })
    .from(escalations)
    .innerJoin(conversations, eq(conversations.id, escalations.conversationId))
    .where(and(eq(escalations.id, id), eq(conversations.integrationId, integration.apiKeyId)))
    .limit(1);
  if (!row) throw notFound("Escalation");
  return { ...row, integration };
}

/** The customer wrote again on the other side: their message joins the conversation, exactly once per clientMessageId. */
export async function postExternalMessage(
  deps: ConversationDeps,
  actor: Actor,
  input: { escalationId: unknown; content: unknown; clientMessageId: unknown },
): Promise<{ message: Message; conversation: Conversation; duplicate: boolean }> {
  const body = parseMessageInput(deps.maxMessageLength, input);
  const { conversation } = await externalEscalation(deps.db, actor, input.escalationId);
  const result = await postMessage(
    deps,
    conversation.id,
    { role: "customer", authorName: conversation.customerName },
    body,
    (c) => {
      if (c.status === "resolved") throw conflict("This conversation is closed. Create a new escalation to continue.");
    },
    () => deps.rateLimits.sendMessage.take(`customer:${conversation.id}`),
  );
  if (!result.duplicate) tellOwnerOfReply(deps.bus, result.conversation, result.message);
  return result;
}

/** The other side ends the conversation (the customer left, or its own agent takes it back): it is resolved here. */
export async function closeExternalConversation(
  deps: Pick<ConversationDeps, "db" | "bus">,
  actor: Actor,
  escalationId: unknown,
): Promise<Conversation> {
  const { conversation, integration } = await externalEscalation(deps.db, actor, escalationId);
  return writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
    const locked = await lockConversation(tx, conversation.id);
    if (locked.status === "resolved") return locked;
    await closeConversation(tx, batch, locked.id, `${integration.name} closed this conversation.`);
    return lockConversation(tx, locked.id);
  });
}
