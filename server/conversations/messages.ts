import { enqueueWebhook } from "../webhooks/outbox.ts";
import { enqueueWhatsApp } from "../whatsapp/outbox.ts";
import { and, eq } from "drizzle-orm";
import { messages, type Message } from "../../drizzle/schema.ts";
import type { Transaction } from "../db/client.ts";
import type { EventBatch } from "./log.ts";
import { toMessageView } from "./views.ts";

type NewMessage = Omit<typeof messages.$inferInsert, "id" | "seq" | "conversationId" | "createdAt">;

/** Inserts a message and its `message_created` event under one seq. */
export async function insertMessage(
  tx: Transaction,
  batch: EventBatch,
  conversationId: string,
  values: NewMessage,
): Promise<Message> {
  const seq = await batch.allocateSeq(tx, conversationId);
  const [row] = await tx
    .insert(messages)
    .values({ ...values, conversationId, seq })
    .returning();
  await batch.record(tx, conversationId, seq, "message_created", { message: toMessageView(row!) });
  if (row!.status === "complete") await announceMessage(tx, row!);
  return row!;
}

/** A finished message goes out: to a WhatsApp customer, and to webhook receivers (private notes stay inside the team). */
async function announceMessage(tx: Transaction, m: Message): Promise<void> {
  await enqueueWhatsApp(tx, m);
  if (m.role === "note") return;
  const view = toMessageView(m);
  await enqueueWebhook(tx, "message.created", {
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
  });
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
  await batch.append(tx, row.conversationId, "message_completed", { message: toMessageView(row) });
  if (row.status === "complete") await announceMessage(tx, row);
  return row;
}
