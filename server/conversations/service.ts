import { and, asc, desc, eq, gt, inArray, lt, sql } from "drizzle-orm";
import { z } from "zod";
import { conversations, messages, type Conversation, type Message } from "../../drizzle/schema.ts";
import { hasScope, requireStaff, seesAsTeam } from "../auth/access.ts";
import type { Actor } from "../auth/actor.ts";
import { generateToken, hashToken } from "../auth/tokens.ts";
import type { Database, Queryable } from "../db/client.ts";
import { lastStatement } from "../db/pipelined-transactions.ts";
import { rowsOf } from "../db/rows.ts";
import type { EventBus } from "../events/bus.ts";
import { badInput, conflict, forbidden, notFound, unauthenticated } from "../errors.ts";
import { writeWithEvents } from "./log.ts";
import { insertMessage, messageRows } from "./messages.ts";
import { findCustomerByEmail } from "../accounts/service.ts";
import type { RateLimits } from "../auth/rate-limit.ts";
import { verifyIdentity } from "../auth/tokens.ts";
import { cleanText, optionalText, parseId } from "../policy/input.ts";
import { createConversation, lockConversationIfAny, setContactEmail, setRating } from "./transitions.ts";
import { setContactEmailOnTickets } from "../tickets/service.ts";
import { customerRoles } from "./visibility.ts";
import { requireOperator } from "../operators/service.ts";

export interface ConversationDeps {
  db: Database;
  bus: EventBus;
  rateLimits: RateLimits;
  maxMessageLength: number;
  /** How long a customer token works after the conversation starts. */
  customerTokenTtlMs: number;
  identity: { secret?: string; demoAccounts: boolean };
  /** Called after a new customer message commits; starts the AI's turn if the AI owns the conversation. */
  onCustomerMessage?: (conversation: Conversation, message: Message) => void;
}

/** Where a request came from, as the transport established it (TRUST_PROXY decides the address). */
export interface Caller {
  clientIp: string;
}

export const parseConversationId = (value: unknown, field = "conversationId"): string => parseId(value, field);

/** How far ahead an identity signature may be valid: a leaked one stops working within a week. */
export const MAX_IDENTITY_LIFETIME_S = 7 * 24 * 3600;

/**
 * Opens a conversation and returns its customer token. It is linked to a customer account only
 * when someone vouches for the email: a signed identity from the host site that has not expired,
 * or the built-in demo page while DEMO_ACCOUNTS is on. An unverified email is never trusted, so
 * nobody reaches an account by typing its address.
 */
export async function startConversation(
  deps: Pick<ConversationDeps, "db" | "rateLimits" | "customerTokenTtlMs" | "identity">,
  input: {
    customerName?: unknown;
    customerEmail?: unknown;
    identityExpiresAt?: unknown;
    identitySignature?: unknown;
  },
  caller: Caller & { demoPage?: boolean },
  now = new Date(),
): Promise<{ conversation: Conversation; token: string }> {
  const customerName = optionalText(input.customerName, "customerName", 100)?.trim() || undefined;
  const emailText = optionalText(input.customerEmail, "customerEmail", 254)?.trim() || undefined;
  const signature = optionalText(input.identitySignature, "identitySignature", 128);
  if (emailText && !z.email().safeParse(emailText).success)
    throw badInput("customerEmail must be an email address", "customerEmail");
  await deps.rateLimits.startConversation.take(caller.clientIp);
  let verified = false;
  if (signature !== undefined || input.identityExpiresAt != null) {
    if (!emailText) throw badInput("customerEmail is required with an identity signature.", "customerEmail");
    const expiresAt = input.identityExpiresAt;
    if (typeof expiresAt !== "number" || !Number.isInteger(expiresAt))
      throw badInput("identityExpiresAt must be Unix seconds.", "identityExpiresAt");
    if (!signature) throw badInput("identitySignature is required with identityExpiresAt.", "identitySignature");
    const nowS = Math.floor(now.getTime() / 1000);
    if (expiresAt <= nowS) throw badInput("The identity signature has expired.", "identityExpiresAt");
    if (expiresAt > nowS + MAX_IDENTITY_LIFETIME_S)
      throw badInput("identityExpiresAt is at most 7 days ahead.", "identityExpiresAt");
    if (!verifyIdentity(deps.identity.secret, emailText, expiresAt, signature))
      throw badInput("identitySignature does not match customerEmail and identityExpiresAt.", "identitySignature");
    verified = true;
  } else if (caller.demoPage && deps.identity.demoAccounts) {
    verified = true;
  }
  const customer = verified && emailText ? await findCustomerByEmail(deps.db, emailText) : null;
  const token = generateToken("ct");
  // The conversation and its webhook event commit together.
  const conversation = await deps.db.transaction((tx) =>
    createConversation(tx, {
      tokenHash: hashToken(token),
      tokenExpiresAt: new Date(now.getTime() + deps.customerTokenTtlMs),
      customerId: customer?.id ?? null,
      customerName: customerName || customer?.name || null,
    }),
  );
  return { conversation, token };
}

type TokenGrant = { id: string; expiresAt: Date | null };

/**
 * Customer tokens this process has resolved, per database, by the token's hash. A conversation's
 * token hash and expiry are written once, when it starts, and never change, and conversations are
 * not deleted, so a grant read once stays what the database says until it expires (checked on
 * every use). Unknown tokens are not kept. At most `TOKEN_CACHE_SIZE`, the oldest dropped first.
 * A change that ever rotates, revokes or deletes a customer token must clear this too.
 */
const tokenGrants = new WeakMap<object, Map<string, TokenGrant>>();
export const TOKEN_CACHE_SIZE = 10_000;

/** Resolves a customer token to the one conversation it may see, or null (unknown or expired). */
export async function findConversationByToken(
  db: Queryable,
  token: string,
  now = new Date(),
): Promise<TokenGrant | null> {
  if (!token || token.length > 200) return null;
  const hash = hashToken(token);
  let grants = tokenGrants.get(db);
  let grant = grants?.get(hash);
  if (!grant) {
    // Every customer request needs this: its SQL is written out rather than built each time.
    const [row] = rowsOf<{ id: string; token_expires_at: string | null }>(
      await db.execute(sql`select id, token_expires_at from ${conversations} where token_hash = ${hash} limit 1`),
    );
    if (!row) return null;
    grant = {
      id: row.id,
      expiresAt:
        row.token_expires_at === null
          ? null
          : (conversations.tokenExpiresAt.mapFromDriverValue(row.token_expires_at) as Date),
    };
    if (!grants) tokenGrants.set(db, (grants = new Map()));
    if (grants.size >= TOKEN_CACHE_SIZE) grants.delete(grants.keys().next().value!);
    grants.set(hash, grant);
  }
  if (grant.expiresAt && grant.expiresAt <= now) {
    grants!.delete(hash);
    return null;
  }
  return grant;
}

/**
 * The conversation id asked for, once the caller's kind allows asking: anonymous callers are
 * UNAUTHENTICATED, and a customer's token opens its own conversation only (any other is
 * NOT_FOUND, so ids cannot be probed). Needs no read: what a customer may see is in its token.
 */
export function conversationIdFor(actor: Actor, conversationId: unknown): string {
  const id = parseConversationId(conversationId);
  if (actor.kind === "anonymous") throw unauthenticated("A conversation token is required.");
  if (actor.kind === "customer" && actor.conversationId !== id) throw notFound("Conversation");
  return id;
}

/**
 * The conversation, if the actor may see it. Someone else's conversation and a missing one
 * answer the same NOT_FOUND, so ids cannot be probed.
 */
export async function getConversation(db: Queryable, actor: Actor, conversationId: unknown): Promise<Conversation> {
  const id = conversationIdFor(actor, conversationId);
  // Operators see every conversation: that is their job (and API keys with conversations:read).
  // Any other key sees only the conversations it handed over itself (the escalation API).
  const own = actor.kind === "integration" && !hasScope(actor, "conversations:read");
  const [row] = await db
    .select()
    .from(conversations)
    .where(
      own ? and(eq(conversations.id, id), eq(conversations.integrationId, actor.apiKeyId)) : eq(conversations.id, id),
    )
    .limit(1);
  if (!row && own) requireStaff(actor, "conversations:read");
  if (!row) throw notFound("Conversation");
  return row;
}

/** Validates a message body and its client id; shared by every author. Lengths are checked first. */
export function parseMessageInput(maxLength: number, input: { content: unknown; clientMessageId: unknown }) {
  const clientMessageId = cleanText(input.clientMessageId, "clientMessageId", 100).trim();
  if (!clientMessageId) throw badInput("clientMessageId is required", "clientMessageId");
  const raw = cleanText(input.content, "content", maxLength + 1000, { multiline: true });
  const content = raw.trim();
  if (content.length === 0) throw badInput("A message cannot be empty.", "content");
  if (content.length > maxLength) throw badInput(`A message is at most ${maxLength} characters.`, "content");
  return { content, clientMessageId };
}

/** The message already stored under this client id, if any: a retry is answered with it. */
export async function findByClientId(
  db: Queryable,
  conversationId: string,
  clientMessageId: string,
): Promise<Message | null> {
  const [row] = messageRows(
    await db.execute(
      sql`select * from ${messages} where conversation_id = ${conversationId} and client_message_id = ${clientMessageId} limit 1`,
    ),
  );
  return row ?? null;
}

/**
 * Posts a message idempotently. A retry with the same clientMessageId returns the first message
 * and writes nothing (and uses up no rate limit); the same id with different content is a
 * CONFLICT, since it is not a retry. `allow` sees the locked conversation and throws if this
 * author may not post now. `limit` is taken only for a message that will really be stored.
 */
type Author = { role: "customer" | "operator"; author?: string | null; authorName?: string | null };

export async function postMessage(
  deps: Pick<ConversationDeps, "db" | "bus">,
  conversationId: string,
  /** Who writes; a function when it depends on the conversation (the customer's name). */
  by: Author | ((conversation: Conversation) => Author),
  body: { content: string; clientMessageId: string },
  allow: (conversation: Conversation) => void,
  limit?: () => void | Promise<void>,
): Promise<{ message: Message; conversation: Conversation; duplicate: boolean }> {
  return writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
    // Lock the conversation first: with the lock held, the duplicate check and the insert
    // cannot interleave with a concurrent retry of the same message. Both statements go out
    // together (one round trip), and Postgres runs them in order: the check starts once the lock
    // is held, with a snapshot of its own, so it sees a retry that committed while we waited.
    const [conversation, previous] = await Promise.all([
      lockConversationIfAny(tx, conversationId),
      findByClientId(tx, conversationId, body.clientMessageId),
    ]);
    if (!conversation) throw notFound("Conversation");
    if (previous) {
      if (previous.content !== body.content)
        throw conflict("This clientMessageId was already used for a different message.");
      return { message: previous, conversation, duplicate: true };
    }
    allow(conversation);
    // Only a message that will really be stored uses up the limit; a retry was answered above.
    await limit?.();
    const author = typeof by === "function" ? by(conversation) : by;
    // The transaction's last statement: its COMMIT goes with it.
    const message = await insertMessage(lastStatement(tx), batch, conversationId, {
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
  if (actor.kind !== "customer") {
    // Anyone else gets what reading the conversation would give them (401, 404), else FORBIDDEN.
    await getConversation(deps.db, actor, input.conversationId);
    throw forbidden("Only the conversation's customer can post as the customer.");
  }
  // The customer's own conversation: the lock in postMessage reads it (or finds it gone).
  const id = conversationIdFor(actor, input.conversationId);
  const result = await postMessage(
    deps,
    id,
    (c) => ({ role: "customer", authorName: c.customerName }),
    body,
    (c) => {
      if (c.status === "resolved") throw conflict("This conversation is closed. Start a new conversation to continue.");
    },
    // Keyed by the authenticated conversation, so nobody can drain another customer's bucket.
    () => deps.rateLimits.sendMessage.take(`customer:${id}`),
  );
  if (!result.duplicate) {
    deps.onCustomerMessage?.(result.conversation, result.message);
    tellOwnerOfReply(deps.bus, result.conversation, result.message);
  }
  return result;
}

/** The operator who owns the conversation hears of the customer's reply wherever they are in the dashboard. */
export function tellOwnerOfReply(bus: EventBus, conversation: Conversation, message: Message): void {
  if (conversation.owner === "ai" || conversation.status === "resolved") return;
  bus.publish("notice", conversation.owner, {
    type: "customer_reply",
    conversationId: conversation.id,
    by: conversation.customerName,
    text: message.content.slice(0, 140),
    at: message.createdAt.toISOString(),
  });
}

/** The customer rates a resolved conversation (1–5, optional comment): all a resolved conversation's token may still change. */
export async function rateConversation(
  deps: Pick<ConversationDeps, "db" | "rateLimits">,
  actor: Actor,
  input: { conversationId: unknown; score: unknown; comment?: unknown },
): Promise<Conversation> {
  const comment = optionalText(input.comment, "comment", 1000, { multiline: true })?.trim() || null;
  const conversation = await getConversation(deps.db, actor, input.conversationId);
  if (actor.kind !== "customer") throw forbidden("Only the conversation's customer can rate it.");
  if (typeof input.score !== "number" || !Number.isInteger(input.score) || input.score < 1 || input.score > 5)
    throw badInput("score is a whole number from 1 to 5.", "score");
  if (conversation.status !== "resolved") throw conflict("A conversation can be rated once it is resolved.");
  await deps.rateLimits.rateConversation.take(conversation.id);
  return setRating(deps.db, conversation.id, { score: input.score, comment });
}

/**
 * The customer leaves an email so a person can follow up when nobody could answer in the chat.
 * It is kept on the conversation and on its open tickets; only the conversation's customer may
 * set it, and it is never used to link an account (that needs a signed identity).
 */
export async function leaveFollowUpEmail(
  deps: Pick<ConversationDeps, "db" | "rateLimits">,
  actor: Actor,
  input: { conversationId: unknown; email: unknown },
): Promise<{ ticketIds: string[] }> {
  const email = cleanText(input.email, "email", 254).trim();
  if (!z.email().safeParse(email).success) throw badInput("email must be an email address.", "email");
  const conversation = await getConversation(deps.db, actor, input.conversationId);
  if (actor.kind !== "customer") throw forbidden("Only the conversation's customer can leave their email.");
  await deps.rateLimits.rateConversation.take(`email:${conversation.id}`);
  return deps.db.transaction(async (tx) => {
    await setContactEmail(tx, conversation.id, email);
    return { ticketIds: await setContactEmailOnTickets(tx, conversation.id, email) };
  });
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
  if (!seesAsTeam(actor)) where.push(inArray(messages.role, [...customerRoles]));
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
  return {
    messages: rows.slice(0, limit),
    hasNextPage: rows.length > limit,
    hasPreviousPage: after !== undefined && after > 0,
  };
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
  return {
    inputTokens: Number(row?.inputTokens ?? 0),
    outputTokens: Number(row?.outputTokens ?? 0),
    costUsd: Number(row?.costUsd ?? 0),
  };
}

/** Publishes a typing indicator for the customer or the owning operator; nothing is stored. */
export async function announceTyping(
  deps: Pick<ConversationDeps, "db" | "bus" | "rateLimits">,
  actor: Actor,
  conversationId: unknown,
): Promise<void> {
  const conversation = await getConversation(deps.db, actor, conversationId);
  if (actor.kind !== "customer" && actor.kind !== "operator") throw forbidden();
  if (conversation.status === "resolved") throw conflict("This conversation is closed.");
  if (actor.kind === "operator" && conversation.owner !== actor.operatorId)
    throw conflict("Take over the conversation before replying.");
  await deps.rateLimits.typing.take(`${actor.kind === "customer" ? "customer" : actor.operatorId}:${conversation.id}`);
  deps.bus.publish("conversation", conversation.id, {
    conversationId: conversation.id,
    seq: null,
    type: "typing",
    at: new Date().toISOString(),
    payload:
      actor.kind === "customer"
        ? { role: "customer", name: conversation.customerName }
        : { role: "operator", name: actor.name },
  });
}

/**
 * An operator has the conversation open, and says whether they are writing (a reply or a note):
 * the collision cue other operators see. Ephemeral, for the team only, and rate limited like typing.
 */
export async function announceViewing(
  deps: Pick<ConversationDeps, "db" | "bus" | "rateLimits">,
  actor: Actor,
  input: { conversationId: unknown; composing?: unknown },
): Promise<void> {
  const op = requireOperator(actor);
  if (input.composing !== undefined && input.composing !== null && typeof input.composing !== "boolean")
    throw badInput("composing is true or false.", "composing");
  const conversation = await getConversation(deps.db, actor, input.conversationId);
  await deps.rateLimits.typing.take(`viewing:${op.operatorId}:${conversation.id}`);
  deps.bus.publish("conversation", conversation.id, {
    conversationId: conversation.id,
    seq: null,
    type: "viewing",
    at: new Date().toISOString(),
    payload: { operatorId: op.operatorId, name: op.name, composing: input.composing === true },
  });
}
