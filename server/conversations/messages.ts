import { webhookInsert } from "../webhooks/outbox.ts";
import { whatsAppInsert } from "../whatsapp/outbox.ts";
import { randomUUID } from "node:crypto";
import { and, eq, sql, type SQL } from "drizzle-orm";
import { conversationEvents, messages, type Message } from "../../drizzle/schema.ts";
import type { Executor, Queryable, Transaction } from "../db/client.ts";
import { tableRows } from "../db/table-rows.ts";
import { rowsOf } from "../db/rows.ts";
import { notFound } from "../errors.ts";
import type { EventBatch } from "./log.ts";
import { alongsideCtes, seqAllocation } from "./transitions.ts";
import { toMessageView } from "./views.ts";

type NewMessage = Omit<typeof messages.$inferInsert, "id" | "seq" | "conversationId" | "createdAt">;

/** Rows of `select * from messages …`, as Drizzle's select gives them (see `tableRows`). */
export const messageRows = tableRows(messages);

/** A conversation's messages in order; written-out SQL, as every AI turn reads them (see `tableRows`). */
export async function readHistory(db: Queryable, conversationId: string): Promise<Message[]> {
  return messageRows(
    await db.execute(sql`select * from ${messages} where conversation_id = ${conversationId} order by seq`),
  );
}

const jsonOrNull = (value: unknown) => (value === null ? null : JSON.stringify(value));
const timeOrNull = (value: Date | null) => value?.toISOString() ?? null;

/**
 * Inserts a message and its `message_created` event under one seq, in one round trip: the seq is
 * allocated, the row and the event stored (with a finished message's WhatsApp and webhook outbox
 * rows), and the event's and the webhook's view of the message get the seq written in by the same
 * statement. The message and its event carry the app's time, as every other event does, so one
 * conversation's event stream has one clock.
 */
export async function insertMessage(
  tx: Executor,
  batch: EventBatch,
  conversationId: string,
  values: NewMessage,
): Promise<Message> {
  const at = new Date();
  const message: Message = {
    id: randomUUID(),
    conversationId,
    seq: 0,
    role: values.role,
    author: values.author ?? null,
    authorName: values.authorName ?? null,
    content: values.content,
    status: values.status ?? "complete",
    clientMessageId: values.clientMessageId ?? null,
    usage: values.usage ?? null,
    mentions: values.mentions ?? null,
    notice: values.notice ?? null,
    streamOwner: values.streamOwner ?? null,
    heartbeatAt: values.heartbeatAt ?? null,
    createdAt: at,
    completedAt: values.completedAt ?? null,
  };
  const eventView = JSON.stringify({ message: toMessageView(message) });
  // A finished message goes out in the same statement: to a WhatsApp customer, and to webhook
  // receivers (private notes stay inside the team). A streaming one goes out when it finishes.
  const announced = message.status === "complete" ? announcements(message, at, true) : [];
  const result = await tx.execute(sql`
    with allocated as (${seqAllocation(conversationId, at)}),
    inserted as (
      insert into ${messages} (id, conversation_id, seq, role, author, author_name, content, status,
        client_message_id, usage, mentions, notice, stream_owner, heartbeat_at, created_at, completed_at)
      select ${message.id}::uuid, ${conversationId}::uuid, last_seq, ${message.role}::text, ${message.author}::text,
        ${message.authorName}::text, ${message.content}::text, ${message.status}::text, ${message.clientMessageId}::text,
        ${jsonOrNull(message.usage)}::jsonb, ${jsonOrNull(message.mentions)}::jsonb, ${message.notice}::text,
        ${message.streamOwner}::text, ${timeOrNull(message.heartbeatAt)}::timestamptz, ${at.toISOString()}::timestamptz,
        ${timeOrNull(message.completedAt)}::timestamptz
      from allocated
      returning seq
    ),
    ${alongsideCtes(announced)}
    event as (
      insert into ${conversationEvents} (conversation_id, seq, type, payload, created_at)
      select ${conversationId}::uuid, seq, 'message_created',
        jsonb_set(${eventView}::jsonb, '{message,seq}', to_jsonb(seq)), ${at.toISOString()}::timestamptz
      from inserted
      returning seq
    )
    select seq from event`);
  const [row] = rowsOf<{ seq: number }>(result);
  if (!row) throw notFound("Conversation");
  message.seq = row.seq;
  batch.recorded({
    conversationId,
    seq: row.seq,
    type: "message_created",
    at: at.toISOString(),
    payload: { message: toMessageView(message) },
  });
  return message;
}

/**
 * What announces a finished message, as statements: to a WhatsApp customer, and to webhook
 * receivers (private notes stay inside the team). With `inserted`, they run in the writer's own
 * `with` and read the message's seq from its `inserted` relation.
 */
function announcements(m: Message, at: Date, inserted = false): SQL[] {
  const out: SQL[] = [];
  const whatsApp = whatsAppInsert(m);
  if (whatsApp) out.push(whatsApp);
  if (m.role !== "note") {
    const data = JSON.stringify(webhookData(m));
    out.push(
      inserted
        ? webhookInsert(
            "message.created",
            sql`jsonb_set(${data}::jsonb, '{message,seq}', to_jsonb(inserted.seq))`,
            at,
            sql`inserted`,
          )
        : webhookInsert("message.created", sql`${data}::jsonb`, at),
    );
  }
  return out;
}

/** The `message.created` webhook's data: the message as a receiver sees it. */
function webhookData(m: Message) {
  const view = toMessageView(m);
  return {
    conversationId: m.conversationId,
    message: {
      id: view.id,
      seq: view.seq,
      role: view.role,
      authorType: view.authorType,
      authorName: view.authorName,
      content: view.content,
      createdAt: view.createdAt,
    },
  };
}

/**
 * Moves a streaming message to its final state and records `message_completed`. A discarded
 * reply (the AI was stopped by a takeover or a resolve) keeps no text: nobody was meant to read it.
 */
export async function finishMessage(
  tx: Transaction,
  batch: EventBatch,
  messageId: string,
  patch: Pick<Message, "content" | "status"> & Partial<Pick<Message, "usage">>,
): Promise<Message | null> {
  const [row] = await tx
    .update(messages)
    .set({
      ...patch,
      content: patch.status === "discarded" ? "" : patch.content,
      completedAt: new Date(),
      streamOwner: null,
      heartbeatAt: null,
    })
    .where(and(eq(messages.id, messageId), eq(messages.status, "streaming")))
    .returning();
  if (!row) return null;
  // A streamed message goes out once it is finished, in the statement that records that.
  await batch.append(
    tx,
    row.conversationId,
    "message_completed",
    { message: toMessageView(row) },
    row.status === "complete" ? announcements(row, new Date()) : [],
  );
  return row;
}
