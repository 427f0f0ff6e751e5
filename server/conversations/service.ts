import { and, asc, desc, eq, gt, lt, sql } from "drizzle-orm";
import { z } from "zod";
import { conversations, messages, type Conversation, type Message } from "../../drizzle/schema.ts";
import type { Actor } from "../auth/actor.ts";
import { generateToken, hashToken } from "../auth/tokens.ts";
import type { Database, Queryable } from "../db/client.ts";
import type { EventBus } from "../events/bus.ts";
import { badInput, conflict, forbidden, notFound, unauthenticated } from "../errors.ts";
import { writeWithEvents } from "./log.ts";
import { insertMessage } from "./messages.ts";
import { findCustomerByEmail } from "../accounts/service.ts";

export interface ConversationDeps {
  db: Database;
  bus: EventBus;
  maxMessageLength: number;
  /** Called after a new customer message commits; starts the AI's turn if the AI owns the conversation. */
  onCustomerMessage?: (conversation: Conversation, message: Message) => void;
}

const uuid = z.uuid({ error: "must be a valid id" });

export function parseConversationId(value: unknown): string {
  const r = uuid.safeParse(value);
  if (!r.success) throw badInput("conversationId must be a valid conversation id.", "conversationId");
  return r.data;
}

const startInput = z.object({
  customerName: z.string().trim().max(100, "customerName is at most 100 characters").optional(),
  customerEmail: z.email("customerEmail must be an email address").optional(),
});

/**
 * Opens a conversation and returns its customer token. It is linked to a customer account only
 * when the caller vouches for the email (`verified`): a signed identity from the host site, or
 * the demo web page. An unverified email is never trusted, so nobody reaches an account by typing
 * its address.
 */
export async function startConversation(
  deps: Pick<ConversationDeps, "db">,
  input: { customerName?: string | null; customerEmail?: string | null; verified?: boolean } = {},
): Promise<{ conversation: Conversation; token: string }> {
  const parsed = startInput.safeParse({ customerName: input.customerName || undefined, customerEmail: input.customerEmail || undefined });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badInput(issue.message, String(issue.path[0]));
  }
  const customer = input.verified && parsed.data.customerEmail ? await findCustomerByEmail(deps.db, parsed.data.customerEmail) : null;
  const token = generateToken("ct");
  const [conversation] = await deps.db
    .insert(conversations)
    .values({
      tokenHash: hashToken(token),
      customerId: customer?.id ?? null,
      customerName: parsed.data.customerName || customer?.name || null,
    })
    .returning();
  return { conversation: conversation!, token };
}

/** Resolves a customer token to the one conversation it may see, or null. */
export async function findConversationIdByToken(db: Queryable, token: string): Promise<string | null> {
  if (!token || token.length > 200) return null;
  const [row] = await db
    .select({ id: conversations.id })
    .from(conversations)
    .where(eq(conversations.tokenHash, hashToken(token)))
    .limit(1);
  return row?.id ?? null;
}

/**
 * The conversation, if the actor may see it. Someone else's conversation and a missing one
 * answer the same NOT_FOUND, so ids cannot be probed.
 */
export async function getConversation(db: Queryable, actor: Actor, conversationId: unknown): Promise<Conversation> {
  const id = parseConversationId(conversationId);
  if (actor.kind === "anonymous") throw unauthenticated("A conversation token is required.");
  if (actor.kind === "customer" && actor.conversationId !== id) throw notFound("Conversation");
  // Operators see every conversation: that is their job.
  const [row] = await db.select().from(conversations).where(eq(conversations.id, id)).limit(1);
  if (!row) throw notFound("Conversation");
  return row;
}

const sendInput = z.object({
  content: z.string(),
  clientMessageId: z
    .string()
    .trim()
    .min(1, "clientMessageId is required")
    .max(100, "clientMessageId is at most 100 characters"),
});

/** Validates a message body and its client id; shared by every author. */
export function parseMessageInput(maxLength: number, input: { content: unknown; clientMessageId: unknown }) {
  const parsed = sendInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badInput(issue.message, String(issue.path[0] ?? "input"));
  }
  const content = parsed.data.content.trim();
  if (content.length === 0) throw badInput("A message cannot be empty.", "content");
  if (content.length > maxLength) throw badInput(`A message is at most ${maxLength} characters.`, "content");
  return { content, clientMessageId: parsed.data.clientMessageId };
}

/**
 * Posts a message idempotently. A retry with the same clientMessageId returns the first message
 * and writes nothing; the same id with different content is a CONFLICT, since it is not a retry.
 * `allow` sees the locked conversation and throws if this author may not post now.
 */
export async function postMessage(
  deps: Pick<ConversationDeps, "db" | "bus">,
  conversationId: string,
  author: { role: "customer" | "operator"; author?: string | null; authorName?: string | null },
  body: { content: string; clientMessageId: string },
  allow: (conversation: Conversation) => void,
): Promise<{ message: Message; conversation: Conversation; duplicate: boolean }> {
  return writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
    // Lock the conversation first: with the lock held, the duplicate check and the insert
    // cannot interleave with a concurrent retry of the same message.
    const [conversation] = await tx.select().from(conversations).where(eq(conversations.id, conversationId)).for("update");
    if (!conversation) throw notFound("Conversation");
    const [previous] = await tx
      .select()
      .from(messages)
      .where(and(eq(messages.conversationId, conversationId), eq(messages.clientMessageId, body.clientMessageId)))
      .limit(1);
    if (previous) {
      if (previous.content !== body.content) throw conflict("This clientMessageId was already used for a different message.");
      return { message: previous, conversation, duplicate: true };
    }
    allow(conversation);
    const message = await insertMessage(tx, batch, conversationId, {
      role: author.role,
      author: author.author ?? null,
      authorName: author.authorName ?? null,
      content: body.content,
      clientMessageId: body.clientMessageId,
    });
    return { message, conversation, duplicate: false };
  });
}

/** Posts a customer message, then (via onCustomerMessage) lets the AI take its turn. */
export async function sendCustomerMessage(
  deps: ConversationDeps,
  actor: Actor,
  input: { conversationId: unknown; content: unknown; clientMessageId: unknown },
): Promise<{ message: Message; conversation: Conversation; duplicate: boolean }> {
  const body = parseMessageInput(deps.maxMessageLength, input);
  const existing = await getConversation(deps.db, actor, input.conversationId);
  if (actor.kind !== "customer") throw forbidden("Only the conversation's customer can post as the customer.");
  const result = await postMessage(deps, existing.id, { role: "customer", authorName: existing.customerName }, body, (c) => {
    if (c.status === "resolved") throw conflict("This conversation is closed. Start a new conversation to continue.");
  });
  if (!result.duplicate) deps.onCustomerMessage?.(result.conversation, result.message);
  return result;
}

export interface MessagePage {
  messages: Message[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

const pageArgs = z
  .object({
    first: z.number().int().min(1).max(200).optional(),
    after: z.number().int().min(0).optional(),
    last: z.number().int().min(1).max(200).optional(),
    before: z.number().int().min(1).optional(),
  })
  .refine((a) => !(a.first !== undefined && a.last !== undefined), "Use either first or last, not both.");

/**
 * Cursor pagination over a conversation's messages, ordered by seq. `first`/`after` reads
 * forward; `last`/`before` reads backward from the newest, which is what a chat view wants.
 */
export async function listMessages(
  db: Queryable,
  actor: Actor,
  conversationId: unknown,
  args: { first?: number; after?: number; last?: number; before?: number },
): Promise<MessagePage> {
  const parsed = pageArgs.safeParse(args);
  if (!parsed.success) throw badInput(parsed.error.issues[0]!.message);
  const conversation = await getConversation(db, actor, conversationId);
  const { first, after, last, before } = parsed.data;
  const where = [eq(messages.conversationId, conversation.id)];
  if (after !== undefined) where.push(gt(messages.seq, after));
  if (before !== undefined) where.push(lt(messages.seq, before));
  if (last !== undefined) {
    const rows = await db
      .select()
      .from(messages)
      .where(and(...where))
      .orderBy(desc(messages.seq))
      .limit(last + 1);
    const hasPreviousPage = rows.length > last;
    return { messages: rows.slice(0, last).reverse(), hasPreviousPage, hasNextPage: before !== undefined };
  }
  const limit = first ?? 50;
  const rows = await db
    .select()
    .from(messages)
    .where(and(...where))
    .orderBy(asc(messages.seq))
    .limit(limit + 1);
  return { messages: rows.slice(0, limit), hasNextPage: rows.length > limit, hasPreviousPage: after !== undefined && after > 0 };
}


/** Token usage and estimated cost of every AI reply in a conversation. */
export async function getConversationUsage(db: Queryable, conversationId: string) {
  const [row] = await db
    .select({
      inputTokens: sql<number>`coalesce(sum((${messages.usage}->>'inputTokens')::int), 0)::int`,
      outputTokens: sql<number>`coalesce(sum((${messages.usage}->>'outputTokens')::int), 0)::int`,
      costUsd: sql<number>`coalesce(sum((${messages.usage}->>'costUsd')::float8), 0)::float8`,
    })
    .from(messages)
    .where(eq(messages.conversationId, conversationId));
  return { inputTokens: Number(row?.inputTokens ?? 0), outputTokens: Number(row?.outputTokens ?? 0), costUsd: Number(row?.costUsd ?? 0) };
}

/** Publishes a typing indicator for the customer or the owning operator; nothing is stored. */
export async function announceTyping(deps: Pick<ConversationDeps, "db" | "bus">, actor: Actor, conversationId: unknown): Promise<void> {
  const conversation = await getConversation(deps.db, actor, conversationId);
  if (actor.kind !== "customer" && actor.kind !== "operator") throw forbidden();
  if (actor.kind === "operator" && conversation.owner !== actor.operatorId) throw conflict("Take over the conversation before replying.");
  deps.bus.publish("conversation", conversation.id, {
    conversationId: conversation.id,
    seq: null,
    type: "typing",
    at: new Date().toISOString(),
    payload: actor.kind === "customer" ? { role: "customer", name: conversation.customerName } : { role: "operator", name: actor.name },
  });
}
