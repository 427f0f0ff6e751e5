import { sql } from "drizzle-orm";
import {
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();

export const customers = pgTable("customers", {
  id: uuid("id").primaryKey().defaultRandom(),
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  company: text("company"),
  plan: text("plan").notNull(),
  status: text("status", { enum: ["active", "past_due", "cancelled"] }).notNull().default("active"),
  createdAt: createdAt(),
});

export const conversationStatuses = ["open", "waiting_human", "with_human", "resolved"] as const;
export type ConversationStatus = (typeof conversationStatuses)[number];

export const conversations = pgTable(
  "conversations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    customerId: uuid("customer_id").references(() => customers.id),
    customerName: text("customer_name"),
    /** SHA-256 of the customer's access token; the token itself is never stored. */
    tokenHash: text("token_hash").notNull().unique(),
    status: text("status", { enum: conversationStatuses }).notNull().default("open"),
    currentAgent: text("current_agent").notNull().default("triage"),
    /** "ai", or the id of the operator who owns the conversation. */
    owner: text("owner").notNull().default("ai"),
    /** Bumped whenever ownership changes; an AI reply started under an older generation is discarded. */
    generation: integer("generation").notNull().default(0),
    /** Highest event sequence number allocated for this conversation. */
    lastSeq: integer("last_seq").notNull().default(0),
    workflow: jsonb("workflow").$type<Record<string, unknown>>(),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [index("conversations_status_idx").on(t.status, t.updatedAt)],
);

export const messageRoles = ["customer", "agent", "operator", "system"] as const;
export type MessageRole = (typeof messageRoles)[number];
export const messageStatuses = ["streaming", "complete", "failed", "discarded"] as const;
export type MessageStatus = (typeof messageStatuses)[number];

export interface MessageUsage {
  inputTokens: number;
  outputTokens: number;
  model: string;
}

export const messages = pgTable(
  "messages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    /** The sequence number of the event that created the message: history is ordered by it. */
    seq: integer("seq").notNull(),
    role: text("role", { enum: messageRoles }).notNull(),
    /** Agent key, operator id, or null for customer and system lines. */
    author: text("author"),
    authorName: text("author_name"),
    content: text("content").notNull(),
    status: text("status", { enum: messageStatuses }).notNull().default("complete"),
    clientMessageId: text("client_message_id"),
    usage: jsonb("usage").$type<MessageUsage>(),
    /** Which process is generating a streaming message, and when it last wrote: lets a sweeper fail orphans. */
    streamOwner: text("stream_owner"),
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
    completedAt: timestamp("completed_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    uniqueIndex("messages_conversation_seq_idx").on(t.conversationId, t.seq),
    uniqueIndex("messages_client_message_id_idx").on(t.conversationId, t.clientMessageId),
    index("messages_streaming_idx").on(t.status).where(sql`${t.status} = 'streaming'`),
  ],
);

export const eventTypes = [
  "message_created",
  "message_completed",
  "status_changed",
  "agent_changed",
  "handoff",
  "escalation",
  "assignment",
  "decision",
] as const;
export type StoredEventType = (typeof eventTypes)[number];

export const conversationEvents = pgTable(
  "conversation_events",
  {
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    type: text("type", { enum: eventTypes }).notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.seq] }), check("seq_positive", sql`${t.seq} > 0`)],
);

export type Customer = typeof customers.$inferSelect;
export type Conversation = typeof conversations.$inferSelect;
export type Message = typeof messages.$inferSelect;
export type ConversationEventRow = typeof conversationEvents.$inferSelect;
