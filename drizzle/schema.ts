import { sql, type SQL } from "drizzle-orm";
import {
  boolean,
  check,
  doublePrecision,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();

export const customers = pgTable("customers", {
  id: uuid("id").primaryKey().defaultRandom(),
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  company: text("company"),
  plan: text("plan", { enum: ["Basic", "Pro", "Business"] }).notNull(),
  /** The device-protection add-on (accidental damage, water damage, theft). */
  protectionPlan: boolean("protection_plan").notNull().default(false),
  status: text("status", { enum: ["active", "past_due", "cancelled"] })
    .notNull()
    .default("active"),
  createdAt: createdAt(),
});

/** What the team reads first about a conversation: written by the model in use, never by the customer. */
export interface CaseSummary {
  /** What the customer wants, in a sentence. */
  wants: string;
  /** Facts found: invoice, amount, device, ticket, account. */
  facts: Array<{ label: string; value: string }>;
  /** What the AI (or the team) already tried. */
  tried: string[];
  /** What is still open. */
  pending: string;
  /** The conversation's last seq when it was written. */
  atSeq: number;
  /** The model that wrote it. */
  model: string;
  at: string;
}

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
    /** After this the customer token no longer works (CUSTOMER_TOKEN_TTL_DAYS). */
    tokenExpiresAt: timestamp("token_expires_at", { withTimezone: true, mode: "date" }),
    status: text("status", { enum: conversationStatuses }).notNull().default("open"),
    currentAgent: text("current_agent").notNull().default("triage"),
    /** "ai", or the id of the operator who owns the conversation. */
    owner: text("owner").notNull().default("ai"),
    /** Bumped whenever ownership changes; an AI reply started under an older generation is discarded. */
    generation: integer("generation").notNull().default(0),
    /** The seq of the last "interrupted" notice whose new answer some instance has taken on. */
    resumedSeq: integer("resumed_seq"),
    /** Highest event sequence number allocated for this conversation. */
    lastSeq: integer("last_seq").notNull().default(0),
    workflow: jsonb("workflow").$type<Record<string, unknown>>(),
    /** Overrides the global autonomy mode for this conversation (null: the global mode applies). */
    autonomyMode: text("autonomy_mode", { enum: ["manual", "semi_auto", "auto"] }),
    /** The customer's satisfaction rating (1–5) after the conversation was resolved. */
    /** An email the customer left for a follow-up (when nobody could answer in the chat). */
    contactEmail: text("contact_email"),
    /** The model's summary of the case for the team (see server/ai/summary.ts), with the seq it covers. */
    summary: jsonb("summary").$type<CaseSummary>(),
    csatScore: integer("csat_score"),
    csatComment: text("csat_comment"),
    ratedAt: timestamp("rated_at", { withTimezone: true, mode: "date" }),
    /**
     * Set for a conversation another system's agent handed to the team (the escalation API):
     * the API key that created it, its name then, and that system's own id for it. Tandem's AI
     * never answers in it; the other system's agent does.
     */
    /** Where the customer writes from: the web chat, another system's agent (the API), or WhatsApp. */
    channel: text("channel", { enum: ["web", "api", "whatsapp"] })
      .notNull()
      .default("web"),
    integrationId: uuid("integration_id"),
    integrationName: text("integration_name"),
    externalId: text("external_id"),
    /** How the customer can be reached on their channel (an email or a phone number). */
    externalContact: text("external_contact"),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    index("conversations_status_idx").on(t.status, t.updatedAt),
    // One open conversation per external id and integration: a retried createEscalation finds it.
    uniqueIndex("conversations_external_idx")
      .on(t.integrationId, t.externalId)
      .where(sql`${t.integrationId} is not null and ${t.status} <> 'resolved'`),
    // One open WhatsApp conversation per sender number (external_id holds it).
    uniqueIndex("conversations_whatsapp_idx")
      .on(t.externalId)
      .where(sql`${t.channel} = 'whatsapp' and ${t.status} <> 'resolved'`),
  ],
);

/** "note": a private note by an operator, for the team and the AI agent only; never shown to the customer. */
export const messageRoles = ["customer", "agent", "operator", "system", "note"] as const;
export type MessageRole = (typeof messageRoles)[number];
export const messageStatuses = ["streaming", "complete", "failed", "discarded"] as const;
export type MessageStatus = (typeof messageStatuses)[number];

export interface MessageUsage {
  inputTokens: number;
  outputTokens: number;
  model: string;
  /** Estimated from the configured price table. */
  costUsd?: number;
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
    /** For notes: the operators mentioned with @name, who are notified. */
    mentions: jsonb("mentions").$type<string[]>(),
    /** For system lines about the AI's own replies: which notice it is, so nothing matches their text. */
    notice: text("notice", { enum: ["ai_failed", "ai_interrupted", "ai_spend_cap"] }),
    /** Which process is generating a streaming message, and when it last wrote: lets a sweeper fail orphans. */
    streamOwner: text("stream_owner"),
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
    completedAt: timestamp("completed_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    uniqueIndex("messages_conversation_seq_idx").on(t.conversationId, t.seq),
    uniqueIndex("messages_client_message_id_idx").on(t.conversationId, t.clientMessageId),
    index("messages_streaming_idx")
      .on(t.status)
      .where(sql`${t.status} = 'streaming'`),
  ],
);

export const eventTypes = [
  "message_created",
  "tool_result",
  "operator_joined",
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

// ---------------------------------------------------------------------------------------------
// Accounts, system status, tickets, knowledge, escalations: the data the agents' tools work on.

export const invoices = pgTable(
  "invoices",
  {
    id: text("id").primaryKey(), // INV-1042
    customerId: uuid("customer_id")
      .notNull()
      .references(() => customers.id),
    description: text("description").notNull(),
    amountCents: integer("amount_cents").notNull(),
    currency: text("currency").notNull().default("EUR"),
    status: text("status", { enum: ["paid", "open", "refunded"] }).notNull(),
    issuedAt: timestamp("issued_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [index("invoices_customer_idx").on(t.customerId, t.issuedAt)],
);

export const payments = pgTable(
  "payments",
  {
    id: text("id").primaryKey(), // PAY-…
    customerId: uuid("customer_id")
      .notNull()
      .references(() => customers.id),
    invoiceId: text("invoice_id").references(() => invoices.id),
    amountCents: integer("amount_cents").notNull(),
    currency: text("currency").notNull().default("EUR"),
    method: text("method").notNull(),
    status: text("status", { enum: ["succeeded", "refunded", "failed"] }).notNull(),
    paidAt: timestamp("paid_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [index("payments_customer_idx").on(t.customerId, t.paidAt)],
);

export const serviceStatuses = ["operational", "degraded", "outage"] as const;
export type ServiceStatus = (typeof serviceStatuses)[number];
export const incidentStatuses = ["investigating", "identified", "monitoring", "resolved"] as const;
export type IncidentStatus = (typeof incidentStatuses)[number];

export const systemServices = pgTable("system_services", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  status: text("status", { enum: serviceStatuses }).notNull().default("operational"),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

export const incidents = pgTable("incidents", {
  id: uuid("id").primaryKey().defaultRandom(),
  serviceId: text("service_id")
    .notNull()
    .references(() => systemServices.id),
  title: text("title").notNull(),
  status: text("status", { enum: incidentStatuses }).notNull(),
  startedAt: timestamp("started_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  resolvedAt: timestamp("resolved_at", { withTimezone: true, mode: "date" }),
});

export const departments = ["technical", "billing", "sales"] as const;
export type Department = (typeof departments)[number];
export const priorities = ["low", "medium", "high", "urgent"] as const;
export type Priority = (typeof priorities)[number];
export const ticketStatuses = ["open", "in_progress", "waiting_on_customer", "resolved", "closed"] as const;
export type TicketStatus = (typeof ticketStatuses)[number];

export const tickets = pgTable(
  "tickets",
  {
    id: text("id").primaryKey(), // TK-12345, random
    customerId: uuid("customer_id").references(() => customers.id),
    conversationId: uuid("conversation_id").references(() => conversations.id),
    department: text("department", { enum: departments }).notNull(),
    priority: text("priority", { enum: priorities }).notNull(),
    status: text("status", { enum: ticketStatuses }).notNull().default("open"),
    subject: text("subject").notNull(),
    description: text("description").notNull(),
    /** Where a person can reply when the customer is no longer in the chat. */
    contactEmail: text("contact_email"),
    /** The operator working the ticket, if anyone. */
    assigneeId: uuid("assignee_id"),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [index("tickets_customer_idx").on(t.customerId), index("tickets_status_idx").on(t.status, t.priority)],
);

/** Every change to a ticket: who, what, when, and the status before and after. */
export const ticketAudit = pgTable(
  "ticket_audit",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    ticketId: text("ticket_id")
      .notNull()
      .references(() => tickets.id, { onDelete: "cascade" }),
    actor: text("actor").notNull(),
    action: text("action", { enum: ["created", "note", "status", "priority", "assignee"] }).notNull(),
    note: text("note"),
    statusBefore: text("status_before"),
    statusAfter: text("status_after"),
    priorityBefore: text("priority_before"),
    priorityAfter: text("priority_after"),
    createdAt: createdAt(),
  },
  (t) => [index("ticket_audit_ticket_idx").on(t.ticketId, t.createdAt)],
);

export const knowledgeArticles = pgTable(
  "knowledge_articles",
  {
    slug: text("slug").primaryKey(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    tags: text("tags").notNull().default(""),
    search: tsvector("search")
      .notNull()
      .generatedAlwaysAs(
        (): SQL =>
          sql`setweight(to_tsvector('english', ${knowledgeArticles.title}), 'A') || setweight(to_tsvector('english', ${knowledgeArticles.tags}), 'B') || setweight(to_tsvector('english', ${knowledgeArticles.body}), 'C')`,
      ),
  },
  (t) => [index("knowledge_search_idx").using("gin", t.search)],
);

export const escalations = pgTable(
  "escalations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    reason: text("reason").notNull(),
    summary: text("summary").notNull(),
    priority: text("priority", { enum: priorities }).notNull(),
    status: text("status", { enum: ["pending", "claimed", "resolved"] })
      .notNull()
      .default("pending"),
    agent: text("agent").notNull(),
    ticketId: text("ticket_id").references(() => tickets.id),
    /** Offered to this operator by auto-assignment; anyone may still claim it. */
    assignedTo: uuid("assigned_to"),
    assignedAt: timestamp("assigned_at", { withTimezone: true, mode: "date" }),
    claimedBy: uuid("claimed_by"),
    claimedAt: timestamp("claimed_at", { withTimezone: true, mode: "date" }),
    resolvedAt: timestamp("resolved_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
  },
  (t) => [index("escalations_status_idx").on(t.status, t.priority, t.createdAt)],
);

export type Invoice = typeof invoices.$inferSelect;
export type SystemService = typeof systemServices.$inferSelect;
export type Incident = typeof incidents.$inferSelect;
export type Payment = typeof payments.$inferSelect;
export type Ticket = typeof tickets.$inferSelect;
export type TicketAuditRow = typeof ticketAudit.$inferSelect;
export type KnowledgeArticle = typeof knowledgeArticles.$inferSelect;
export type Escalation = typeof escalations.$inferSelect;

// ---------------------------------------------------------------------------------------------
// Operators: the humans. Sessions are stored server-side so they can be revoked.

export const operatorRoles = ["operator", "admin"] as const;
export type OperatorRole = (typeof operatorRoles)[number];
export const availabilities = ["online", "away", "offline"] as const;
export type Availability = (typeof availabilities)[number];

export const operators = pgTable("operators", {
  id: uuid("id").primaryKey().defaultRandom(),
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  role: text("role", { enum: operatorRoles }).notNull().default("operator"),
  /** scrypt, with its parameters and salt: see server/operators/passwords.ts. */
  passwordHash: text("password_hash").notNull(),
  /** Set for a generated or admin-reset password: the operator must choose their own before doing anything else. */
  mustChangePassword: boolean("must_change_password").notNull().default(false),
  disabled: boolean("disabled").notNull().default(false),
  availability: text("availability", { enum: availabilities }).notNull().default("offline"),
  capacity: integer("capacity").notNull().default(3),
  /** Last sign of life (a request, or a beat from an open dashboard); see server/operators/presence.ts. */
  lastSeenAt: timestamp("last_seen_at", { withTimezone: true, mode: "date" }),
  createdAt: createdAt(),
});

export const operatorSessions = pgTable(
  "operator_sessions",
  {
    /** SHA-256 of the session token; the token lives only in the operator's cookie. */
    tokenHash: text("token_hash").primaryKey(),
    operatorId: uuid("operator_id")
      .notNull()
      .references(() => operators.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("operator_sessions_operator_idx").on(t.operatorId)],
);

export const settings = pgTable("settings", {
  key: text("key").primaryKey(),
  value: jsonb("value").$type<unknown>().notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

/** How far each operator has read each conversation: drives unread dots and the title badge. */
export const conversationReads = pgTable(
  "conversation_reads",
  {
    operatorId: uuid("operator_id")
      .notNull()
      .references(() => operators.id, { onDelete: "cascade" }),
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    lastReadSeq: integer("last_read_seq").notNull(),
    readAt: timestamp("read_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.operatorId, t.conversationId] })],
);

/** Saved replies operators insert with "/" in the composer; admins manage them. */
export const cannedResponses = pgTable("canned_responses", {
  id: uuid("id").primaryKey().defaultRandom(),
  /** What follows "/" in the composer, e.g. "refund-timeline". */
  shortcut: text("shortcut").notNull().unique(),
  title: text("title").notNull(),
  /** May hold placeholders such as {{customer.first_name}} (see server/canned/placeholders.ts). */
  body: text("body").notNull(),
  createdBy: uuid("created_by").references(() => operators.id, { onDelete: "set null" }),
  createdAt: createdAt(),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

export type CannedResponse = typeof cannedResponses.$inferSelect;

export type Operator = typeof operators.$inferSelect;
export type OperatorSession = typeof operatorSessions.$inferSelect;

// ---------------------------------------------------------------------------------------------
// Autonomy: the AI's consequential actions are decisions that run, wait for an operator, or stay
// proposals, depending on the mode.

export const autonomyModes = ["manual", "semi_auto", "auto"] as const;
export type AutonomyMode = (typeof autonomyModes)[number];
export const decisionStatuses = [
  "proposed",
  "approved",
  "rejected",
  "auto_approved",
  "executed",
  "failed",
  "expired",
] as const;
export type DecisionStatus = (typeof decisionStatuses)[number];

export const decisions = pgTable(
  "decisions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    agent: text("agent").notNull(),
    action: text("action").notNull(),
    arguments: jsonb("arguments").$type<Record<string, unknown>>().notNull(),
    summary: text("summary").notNull(),
    reasoning: text("reasoning").notNull(),
    /** The model's own confidence, when it gave one. */
    confidence: real("confidence"),
    /** From the track record of this action in this context (posterior mean); autonomy is gated on it. */
    calibratedConfidence: real("calibrated_confidence").notNull(),
    context: jsonb("context").$type<Record<string, string>>().notNull(),
    contextKey: text("context_key").notNull(),
    status: text("status", { enum: decisionStatuses }).notNull().default("proposed"),
    /** One live decision per real-world effect (e.g. one refund per payment). */
    dedupeKey: text("dedupe_key").notNull(),
    decidedBy: uuid("decided_by"),
    decidedByName: text("decided_by_name"),
    decidedAt: timestamp("decided_at", { withTimezone: true, mode: "date" }),
    rejectionReason: text("rejection_reason"),
    result: jsonb("result").$type<Record<string, unknown>>(),
    error: text("error"),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    executedAt: timestamp("executed_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("decisions_live_effect_idx")
      .on(t.dedupeKey)
      .where(sql`${t.status} in ('proposed', 'approved', 'auto_approved', 'executed')`),
    index("decisions_status_idx").on(t.status, t.createdAt),
    index("decisions_conversation_idx").on(t.conversationId),
  ],
);

/** The track record of an action in a context: a Beta posterior over "approved and not reversed". */
export const decisionStats = pgTable(
  "decision_stats",
  {
    action: text("action").notNull(),
    contextKey: text("context_key").notNull(),
    approved: integer("approved").notNull().default(0),
    rejected: integer("rejected").notNull().default(0),
    reversed: integer("reversed").notNull().default(0),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.action, t.contextKey] })],
);

export const refunds = pgTable("refunds", {
  id: uuid("id").primaryKey().defaultRandom(),
  /** Exactly one refund per decision, whatever the retries, instances or double clicks. */
  decisionId: uuid("decision_id")
    .notNull()
    .unique()
    .references(() => decisions.id),
  paymentId: text("payment_id")
    .notNull()
    .references(() => payments.id),
  customerId: uuid("customer_id")
    .notNull()
    .references(() => customers.id),
  amountCents: integer("amount_cents").notNull(),
  currency: text("currency").notNull(),
  reason: text("reason").notNull(),
  createdAt: createdAt(),
});

export type Decision = typeof decisions.$inferSelect;
export type Refund = typeof refunds.$inferSelect;

/** In Manual mode the AI's replies are drafts: only operators see them, until one sends or discards it. */
export const drafts = pgTable(
  "drafts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    agent: text("agent").notNull(),
    agentName: text("agent_name").notNull(),
    content: text("content").notNull(),
    /** The conversation's last seq when the draft was written: a newer customer message makes another draft. */
    afterSeq: integer("after_seq").notNull(),
    status: text("status", { enum: ["pending", "sent", "discarded"] })
      .notNull()
      .default("pending"),
    decidedBy: uuid("decided_by"),
    decidedAt: timestamp("decided_at", { withTimezone: true, mode: "date" }),
    sentMessageId: uuid("sent_message_id"),
    createdAt: createdAt(),
  },
  (t) => [index("drafts_conversation_idx").on(t.conversationId, t.status)],
);

export type Draft = typeof drafts.$inferSelect;

/** Goodwill credit on an account, one row per decision that granted it. */
export const accountCredits = pgTable(
  "account_credits",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    decisionId: uuid("decision_id")
      .notNull()
      .unique()
      .references(() => decisions.id),
    customerId: uuid("customer_id")
      .notNull()
      .references(() => customers.id),
    amountCents: integer("amount_cents").notNull(),
    currency: text("currency").notNull(),
    reason: text("reason").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("account_credits_customer_idx").on(t.customerId, t.createdAt)],
);

/** A plan change or a cancellation, one row per decision that made it. */
export const subscriptionChanges = pgTable("subscription_changes", {
  id: uuid("id").primaryKey().defaultRandom(),
  decisionId: uuid("decision_id")
    .notNull()
    .unique()
    .references(() => decisions.id),
  customerId: uuid("customer_id")
    .notNull()
    .references(() => customers.id),
  kind: text("kind", { enum: ["plan_change", "cancellation"] }).notNull(),
  fromPlan: text("from_plan").notNull(),
  toPlan: text("to_plan"),
  reason: text("reason").notNull(),
  createdAt: createdAt(),
});

/** A replacement device (RMA) and its shipment. */
export const replacements = pgTable("replacements", {
  id: text("id").primaryKey(), // RMA-…
  decisionId: uuid("decision_id")
    .notNull()
    .unique()
    .references(() => decisions.id),
  customerId: uuid("customer_id")
    .notNull()
    .references(() => customers.id),
  device: text("device").notNull(),
  reason: text("reason").notNull(),
  createdAt: createdAt(),
});

export const shipments = pgTable("shipments", {
  id: uuid("id").primaryKey().defaultRandom(),
  replacementId: text("replacement_id")
    .notNull()
    .unique()
    .references(() => replacements.id),
  status: text("status", { enum: ["label_created", "shipped", "delivered"] })
    .notNull()
    .default("label_created"),
  createdAt: createdAt(),
});

/** Who changed an autonomy mode or an action's limits, and when. */
export const autonomyAudit = pgTable(
  "autonomy_audit",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** "global", "conversation" or "policy". */
    scope: text("scope", { enum: ["global", "conversation", "policy"] }).notNull(),
    conversationId: uuid("conversation_id"),
    /** The new mode, or the action whose policy changed. */
    subject: text("subject").notNull(),
    change: jsonb("change").$type<Record<string, unknown>>().notNull(),
    operatorId: uuid("operator_id").notNull(),
    operatorName: text("operator_name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("autonomy_audit_created_idx").on(t.createdAt)],
);
export type AutonomyAuditRow = typeof autonomyAudit.$inferSelect;

export const anomalyKinds = ["frustration_rising", "stuck_in_loop", "waiting_too_long", "ai_failing"] as const;
export type AnomalyKind = (typeof anomalyKinds)[number];

/**
 * The conductor's reading of one open conversation, folded from its events in seq order (written
 * only by server/conductor/readings.ts). `reading` is the typed state the fold keeps; the columns
 * beside it are what sweeps and screens filter on.
 */
export const conversationHealth = pgTable(
  "conversation_health",
  {
    conversationId: uuid("conversation_id")
      .primaryKey()
      .references(() => conversations.id, { onDelete: "cascade" }),
    /** The last event folded in. */
    seq: integer("seq").notNull().default(0),
    /** 0 (bad) to 1 (healthy). */
    score: real("score").notNull().default(1),
    reading: jsonb("reading").$type<Record<string, unknown>>().notNull(),
    /** The anomalies open now, by kind, each with the seq its episode began at. */
    anomalies: jsonb("anomalies").$type<Record<string, number>>().notNull().default({}),
    waitingSince: timestamp("waiting_since", { withTimezone: true, mode: "date" }),
    closed: boolean("closed").notNull().default(false),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [index("conversation_health_waiting_idx").on(t.closed, t.waitingSince)],
);

/**
 * One intervention the conductor chose, from its pick to its outcome (written only by
 * server/conductor/outcomes.ts). The decision it became carries the reasoning and the approval.
 */
export const interventions = pgTable(
  "interventions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    decisionId: uuid("decision_id").references(() => decisions.id, { onDelete: "set null" }),
    anomaly: text("anomaly", { enum: anomalyKinds }).notNull(),
    /** The anomaly episode (the seq it began at): one intervention per episode. */
    episodeSeq: integer("episode_seq").notNull(),
    /** When the event that began the episode happened: the conductor's reaction time runs from here. */
    anomalyAt: timestamp("anomaly_at", { withTimezone: true, mode: "date" }),
    intervention: text("intervention").notNull(),
    contextKey: text("context_key").notNull(),
    /** The value drawn from the posterior, and whether the pick was not the posterior mean's best. */
    sampled: real("sampled").notNull(),
    explored: boolean("explored").notNull(),
    /** The conversation's health when the pick was made, to compare with afterwards. */
    scoreBefore: real("score_before").notNull(),
    outcome: text("outcome", { enum: ["pending", "success", "failure"] })
      .notNull()
      .default("pending"),
    outcomeReason: text("outcome_reason"),
    /** When the outcome is judged (the intervention's window after it ran). */
    dueAt: timestamp("due_at", { withTimezone: true, mode: "date" }).notNull(),
    settledAt: timestamp("settled_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("interventions_episode_idx").on(t.conversationId, t.anomaly, t.episodeSeq),
    index("interventions_due_idx").on(t.outcome, t.dueAt),
  ],
);

/**
 * What the conductor learned: a Beta posterior per intervention and context bucket, with its raw
 * counts (written only by server/conductor/outcomes.ts). alpha and beta decay towards the prior.
 */
export const interventionArms = pgTable(
  "intervention_arms",
  {
    intervention: text("intervention").notNull(),
    contextKey: text("context_key").notNull(),
    alpha: real("alpha").notNull().default(1),
    beta: real("beta").notNull().default(1),
    attempts: integer("attempts").notNull().default(0),
    successes: integer("successes").notNull().default(0),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.intervention, t.contextKey] })],
);

export type ConversationHealthRow = typeof conversationHealth.$inferSelect;
export type Intervention = typeof interventions.$inferSelect;
export type InterventionArm = typeof interventionArms.$inferSelect;

/**
 * The running instances, each renewing its lease every second or so (written only by
 * server/ops/liveness.ts). A streaming reply whose writer's lease has lapsed belongs to a dead
 * instance and is failed and answered again by a live one.
 */
export const instances = pgTable("instances", {
  id: text("id").primaryKey(),
  startedAt: createdAt(),
  lastSeen: timestamp("last_seen", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

/** What an API key may do; `admin` grants every other scope and the admins' own fields. */
export const apiScopes = [
  "conversations:read",
  "conversations:write",
  "escalations:read",
  "escalations:write",
  "tickets:read",
  "tickets:write",
  "decisions:read",
  "decisions:write",
  "customers:read",
  "webhooks:manage",
  "admin",
] as const;
export type ApiScope = (typeof apiScopes)[number];

/**
 * Keys third parties call the API with (written only by server/apikeys/service.ts). Only the
 * SHA-256 of the secret is stored; `prefix` is its first characters, to recognise a key in lists.
 */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    secretHash: text("secret_hash").notNull().unique(),
    scopes: jsonb("scopes").$type<ApiScope[]>().notNull(),
    /** Requests per minute, shared by every instance. */
    rateLimitPerMinute: integer("rate_limit_per_minute").notNull(),
    createdBy: uuid("created_by").notNull(),
    createdByName: text("created_by_name").notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true, mode: "date" }),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("api_keys_created_idx").on(t.createdAt)],
);
export type ApiKey = typeof apiKeys.$inferSelect;

/** Every operation an API key ran, with where it came from: the audit trail of the open API. */
export const apiKeyUses = pgTable(
  "api_key_uses",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    apiKeyId: uuid("api_key_id")
      .notNull()
      .references(() => apiKeys.id, { onDelete: "cascade" }),
    /** query, mutation or subscription. */
    operationType: text("operation_type").notNull(),
    /** The operation's name, or its root fields when it has none. */
    operation: text("operation").notNull(),
    clientIp: text("client_ip").notNull(),
    requestId: text("request_id").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("api_key_uses_key_idx").on(t.apiKeyId, t.createdAt)],
);
export type ApiKeyUse = typeof apiKeyUses.$inferSelect;

/** What a webhook endpoint may subscribe to. */
export const webhookEventTypes = [
  "conversation.created",
  "message.created",
  "escalation.created",
  "escalation.claimed",
  "escalation.resolved",
  "ticket.created",
  "ticket.updated",
  "decision.proposed",
  "decision.decided",
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/**
 * Where Tandem sends signed events (written only by server/webhooks/endpoints.ts). The signing
 * secret is kept as given: Tandem needs it to sign, as the receiver needs it to verify.
 */
export const webhookEndpoints = pgTable("webhook_endpoints", {
  id: uuid("id").primaryKey().defaultRandom(),
  url: text("url").notNull(),
  description: text("description"),
  events: jsonb("events").$type<WebhookEventType[]>().notNull(),
  secret: text("secret").notNull(),
  enabled: boolean("enabled").notNull().default(true),
  /** Why Tandem turned it off (deliveries failing for a day), until someone turns it on again. */
  disabledReason: text("disabled_reason"),
  createdBy: uuid("created_by").notNull(),
  createdByName: text("created_by_name").notNull(),
  createdAt: createdAt(),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});
export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;

export const webhookDeliveryStatuses = ["pending", "delivered", "failed"] as const;
export type WebhookDeliveryStatus = (typeof webhookDeliveryStatuses)[number];

/**
 * The durable outbox: one row per event and endpoint, written in the transaction that made the
 * event (server/webhooks/outbox.ts), sent at least once by server/webhooks/dispatcher.ts.
 */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    endpointId: uuid("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    /** The same for every delivery of one event (and its redeliveries): receivers de-duplicate by it. */
    eventId: uuid("event_id").notNull(),
    eventType: text("event_type").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    status: text("status", { enum: webhookDeliveryStatuses }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    /** An instance is sending it until then; a crashed sender's lease lapses and another retries. */
    lockedUntil: timestamp("locked_until", { withTimezone: true, mode: "date" }),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true, mode: "date" }),
    deliveredAt: timestamp("delivered_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
  },
  (t) => [
    index("webhook_deliveries_due_idx").on(t.status, t.nextAttemptAt),
    index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.createdAt),
  ],
);
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;

export const outboundStatuses = ["pending", "sent", "failed"] as const;

/**
 * Replies on their way to WhatsApp customers (written only by server/whatsapp/outbox.ts): one row
 * per message, enqueued in the message's own transaction and sent by server/whatsapp/sender.ts
 * with retries, so a reply is never lost while the Cloud API is down.
 */
export const whatsappOutbox = pgTable(
  "whatsapp_outbox",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    /** One send per message, ever. */
    messageId: uuid("message_id").notNull().unique(),
    to: text("to").notNull(),
    body: text("body").notNull(),
    status: text("status", { enum: outboundStatuses }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    lockedUntil: timestamp("locked_until", { withTimezone: true, mode: "date" }),
    /** The Cloud API's id for the sent message (wamid…). */
    providerMessageId: text("provider_message_id"),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    sentAt: timestamp("sent_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
  },
  (t) => [index("whatsapp_outbox_due_idx").on(t.status, t.nextAttemptAt)],
);
export type WhatsappOutboxRow = typeof whatsappOutbox.$inferSelect;

export const spendPurposes = ["reply", "summary"] as const;

/**
 * What every model call cost (written only by server/ai/spend.ts): tokens and the estimated USD,
 * by conversation, agent and model. The spend caps and the analytics read it.
 */
export const aiSpend = pgTable(
  "ai_spend",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    conversationId: uuid("conversation_id").references(() => conversations.id, { onDelete: "set null" }),
    purpose: text("purpose", { enum: spendPurposes }).notNull(),
    agent: text("agent"),
    model: text("model").notNull(),
    inputTokens: integer("input_tokens").notNull(),
    outputTokens: integer("output_tokens").notNull(),
    costUsd: doublePrecision("cost_usd").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("ai_spend_conversation_idx").on(t.conversationId), index("ai_spend_created_idx").on(t.createdAt)],
);
export type AiSpend = typeof aiSpend.$inferSelect;
