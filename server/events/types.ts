import type { DecisionStatus, StoredEventType } from "../../drizzle/schema.ts";

/** A row of the conversation log, as it travels on the bus and to clients. */
export interface StoredConversationEvent {
  conversationId: string;
  seq: number;
  type: StoredEventType;
  at: string;
  payload: Record<string, unknown>;
}

/** Token deltas and partial-text snapshots are never stored as events: they carry no seq. */
export interface EphemeralConversationEvent {
  conversationId: string;
  seq: null;
  type: "message_delta" | "message_snapshot";
  at: string;
  payload: { messageId: string; offset: number; text: string };
}

/** "Someone is typing": ephemeral, no seq, and harmless to lose. */
export interface TypingEvent {
  conversationId: string;
  seq: null;
  type: "typing";
  at: string;
  payload: { role: "customer" | "operator"; name: string | null };
}

/** An operator has the conversation open (and whether they are writing): for the team only, never customers. */
export interface ViewingEvent {
  conversationId: string;
  seq: null;
  type: "viewing";
  at: string;
  payload: { operatorId: string; name: string; composing: boolean };
}

export type ConversationEvent = StoredConversationEvent | EphemeralConversationEvent | TypingEvent | ViewingEvent;

/**
 * A nudge to operator screens that something in the inbox changed. Screens refetch the lists
 * from the database on each one, so two operators can never hold different truths.
 */
export interface InboxEvent {
  type: "conversation_changed" | "operator_changed" | "ticket_changed" | "status_changed";
  conversationId?: string;
  ticketId?: string;
  operatorId?: string;
  reason: string;
  at: string;
}

/** An operator's sessions or rights changed, or an API key was revoked: every instance re-checks the sockets it opened. */
export interface SessionEvent {
  operatorId?: string;
  apiKeyId?: string;
  reason: string;
  at: string;
}

/** A decision changed (proposed, decided, executed, expired) or an autonomy mode changed. */
export interface DecisionEvent {
  type: "decision_changed" | "mode_changed";
  decisionId?: string;
  conversationId?: string;
  /** The decision's status; a draft's events (saved, sent, discarded) carry none. */
  status?: DecisionStatus;
  mode?: string;
  at: string;
}

/**
 * Something for one operator's attention, on every screen they have open: a mention in a note, a
 * conversation assigned to them, an escalation offered to them, a customer reply in a
 * conversation they own.
 */
export interface OperatorNotice {
  type: "mention" | "assigned" | "escalation" | "customer_reply";
  conversationId: string;
  /** Who caused it, for the notification's text. */
  by: string | null;
  /** A short preview: the note, the reason, the reply. */
  text: string;
  at: string;
}

/** The conductor's view of a conversation changed: its health or anomalies, or an intervention. */
export interface ConductorEvent {
  type: "health_changed" | "intervention_changed";
  conversationId: string | null;
  at: string;
}

/** An instance stopped gracefully: the others answer the replies it interrupted, at once. */
export interface InstanceEvent {
  type: "stopped";
  instanceId: string;
  at: string;
}

/** Every topic on the bus, declared once. The key is the topic prefix; the id completes it. */
export interface Topics {
  conversation: ConversationEvent;
  /** One topic for every operator screen: id "all". */
  inbox: InboxEvent;
  /** Changes to one ticket, for anyone viewing it. */
  ticket: InboxEvent;
  /** Revocations, id "all". */
  session: SessionEvent;
  /** Decisions and autonomy modes, id "all": the decision queue on every operator screen. */
  decision: DecisionEvent;
  /** One operator's notices, id: the operator's id. */
  notice: OperatorNotice;
  /** The conductor's readings and interventions, id "all": the Conductor page on every screen. */
  conductor: ConductorEvent;
  /** Instances coming and going, id "all". */
  instance: InstanceEvent;
}

export type TopicName = keyof Topics;
export const topicKey = (name: TopicName, id: string) => `${name}:${id}`;
