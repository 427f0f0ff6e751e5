import type { Conversation, Message, MessageUsage } from "../../drizzle/schema.ts";

/** The JSON shape of a message on the bus, in stored events and in GraphQL. */
export interface MessageView {
  id: string;
  conversationId: string;
  seq: number;
  role: Message["role"];
  /** Who wrote it, for labelling: the AI, a person (customer or operator) or Tandem itself. */
  authorType: "ai" | "human" | "system";
  author: string | null;
  authorName: string | null;
  content: string;
  status: Message["status"];
  clientMessageId: string | null;
  usage: MessageUsage | null;
  /** Notes only: the operators mentioned. */
  mentions: string[] | null;
  /** Tandem's lines about the AI's own replies: which notice it is (a reply that failed or was cut off). */
  notice: Message["notice"];
  createdAt: string;
  completedAt: string | null;
}

export function toMessageView(m: Message): MessageView {
  return {
    id: m.id,
    conversationId: m.conversationId,
    seq: m.seq,
    role: m.role,
    authorType: m.role === "agent" ? "ai" : m.role === "system" ? "system" : "human",
    author: m.author,
    authorName: m.authorName,
    // A discarded reply is never shown, whatever an older row may still hold.
    content: m.status === "discarded" ? "" : m.content,
    status: m.status,
    clientMessageId: m.clientMessageId,
    usage: m.usage ?? null,
    mentions: m.mentions ?? null,
    notice: m.notice ?? null,
    createdAt: m.createdAt.toISOString(),
    completedAt: m.completedAt?.toISOString() ?? null,
  };
}

export interface ConversationView {
  id: string;
  status: Conversation["status"];
  currentAgent: string;
  owner: string;
  lastSeq: number;
  customerName: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toConversationView(c: Conversation): ConversationView {
  return {
    id: c.id,
    status: c.status,
    currentAgent: c.currentAgent,
    owner: c.owner,
    lastSeq: c.lastSeq,
    customerName: c.customerName,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
