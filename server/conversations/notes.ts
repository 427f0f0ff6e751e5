import { eq } from "drizzle-orm";
import { operators, type Message } from "../../drizzle/schema.ts";
import type { Actor } from "../auth/actor.ts";
import type { Queryable } from "../db/client.ts";
import { badInput, conflict } from "../errors.ts";
import { requireOperator } from "../operators/service.ts";
import { cleanText, optionalText } from "../policy/input.ts";
import { writeWithEvents } from "./log.ts";
import { insertMessage } from "./messages.ts";
import { lockConversation } from "./transitions.ts";
import { findByClientId, getConversation, type ConversationDeps } from "./service.ts";
import type { Transaction } from "../db/client.ts";
import type { EventBatch } from "./log.ts";

/** A private note is at most this long (the same as a hand-back note could be, and then some). */
export const MAX_NOTE_LENGTH = 4000;

/**
 * The operators a note mentions: `@` followed by an operator's full name, first name or the part
 * of their email before the `@`, case-insensitive, ending at a word boundary. Disabled operators
 * and the author are not notified.
 */
export async function findMentions(db: Queryable, body: string, authorId: string): Promise<string[]> {
  if (!body.includes("@")) return [];
  const team = await db
    .select({ id: operators.id, name: operators.name, email: operators.email })
    .from(operators)
    .where(eq(operators.disabled, false));
  const text = body.toLowerCase();
  const mentioned = (handle: string) => {
    const needle = `@${handle.toLowerCase()}`;
    for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
      const before = at === 0 ? " " : text[at - 1]!;
      const after = text[at + needle.length] ?? " ";
      if (!/[\p{L}\p{N}_.]/u.test(before) && !/[\p{L}\p{N}_]/u.test(after)) return true;
    }
    return false;
  };
  return team
    .filter((o) => o.id !== authorId)
    .filter((o) => [o.name, o.name.split(/\s+/)[0]!, o.email.split("@")[0]!].some((h) => h && mentioned(h)))
    .map((o) => o.id);
}

/**
 * Writes a note inside an open transaction: stored as a message with role "note", so it sits in
 * the operators' transcript in order, and the AI agent reads it as internal context. Customers
 * never receive it (see visibility.ts). Mentioned operators get a notice after the commit.
 */
export async function insertNote(
  tx: Transaction,
  batch: EventBatch,
  conversationId: string,
  author: { operatorId: string; name: string },
  body: string,
  mentions: string[],
  clientMessageId: string | null = null,
): Promise<Message> {
  const note = await insertMessage(tx, batch, conversationId, {
    role: "note",
    clientMessageId,
    author: author.operatorId,
    authorName: author.name,
    content: body,
    mentions: mentions.length ? mentions : null,
  });
  for (const operatorId of mentions) {
    batch.publishAfterCommit("notice", operatorId, {
      type: "mention",
      conversationId,
      by: author.name,
      text: body.slice(0, 140),
      at: note.createdAt.toISOString(),
    });
  }
  return note;
}

/** Any operator may leave a note on any conversation, open or resolved. */
export async function addPrivateNote(
  deps: Pick<ConversationDeps, "db" | "bus" | "rateLimits">,
  actor: Actor,
  input: { conversationId: unknown; body: unknown; clientMessageId?: unknown },
): Promise<Message> {
  const op = requireOperator(actor);
  const clientMessageId = optionalText(input.clientMessageId, "clientMessageId", 100)?.trim() || null;
  const body = cleanText(input.body, "body", MAX_NOTE_LENGTH + 1000, { multiline: true }).trim();
  if (!body) throw badInput("A note cannot be empty.", "body");
  if (body.length > MAX_NOTE_LENGTH) throw badInput(`A note is at most ${MAX_NOTE_LENGTH} characters.`, "body");
  const conversation = await getConversation(deps.db, actor, input.conversationId);
  const mentions = await findMentions(deps.db, body, op.operatorId);
  return writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
    await lockConversation(tx, conversation.id);
    // A retry of a note that already landed gets that note back, and is not charged again.
    const earlier = clientMessageId ? await findByClientId(tx, conversation.id, clientMessageId) : null;
    if (earlier) {
      if (earlier.role !== "note" || earlier.author !== op.operatorId)
        throw conflict("clientMessageId is already used by another message.");
      return earlier;
    }
    await deps.rateLimits.sendMessage.take(`note:${op.operatorId}:${conversation.id}`);
    return insertNote(tx, batch, conversation.id, op, body, mentions, clientMessageId);
  });
}
