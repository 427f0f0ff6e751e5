import { and, asc, eq, gt, type SQL } from "drizzle-orm";
import { conversationEvents, type StoredEventType } from "../../drizzle/schema.ts";
import type { Database, Executor, Queryable, Transaction } from "../db/client.ts";
import type { EventBus } from "../events/bus.ts";
import type { StoredConversationEvent, TopicName, Topics } from "../events/types.ts";
import { allocateSeqForEvent } from "./transitions.ts";

/**
 * Collects the events a transaction writes so they are published only after it commits.
 * A write and its event are one unit: readers never see an event whose row is not there.
 */
export class EventBatch {
  readonly events: StoredConversationEvent[] = [];

  /** Where the batch stands, to go back to if a savepoint inside the transaction rolls back. */
  mark(): { events: number; later: number } {
    return { events: this.events.length, later: this.later.length };
  }

  /** Forgets what was appended after `mark`: that part of the transaction did not happen. */
  rollbackTo(mark: { events: number; later: number }): void {
    this.events.length = mark.events;
    this.later.length = mark.later;
  }

  /** Anything else to tell the bus (an inbox nudge, a ticket change), sent only if the transaction commits. */
  readonly later: Array<{ [K in TopicName]: { name: K; id: string; event: Topics[K] } }[TopicName]> = [];
  publishAfterCommit<K extends TopicName>(name: K, id: string, event: Topics[K]): void {
    this.later.push({ name, id, event } as (typeof this.later)[number]);
  }

  /** An event a writer stored itself, in the statement that stored its row. */
  recorded(event: StoredConversationEvent): void {
    this.events.push(event);
  }

  /** Allocates a seq and stores the event under it, in one round trip, with any statements `alongside` it. */
  async append(
    tx: Executor,
    conversationId: string,
    type: StoredEventType,
    payload: Record<string, unknown>,
    alongside: SQL[] = [],
  ): Promise<StoredConversationEvent> {
    const at = new Date();
    const seq = await allocateSeqForEvent(tx, conversationId, type, payload, at, alongside);
    const event: StoredConversationEvent = { conversationId, seq, type, at: at.toISOString(), payload };
    this.events.push(event);
    return event;
  }
}

/** Stored event types that change what an operator's inbox shows (a new message: its preview and unread dot). */
const inboxWorthy = new Set<StoredEventType>([
  "message_created",
  "escalation",
  "status_changed",
  "handoff",
  "assignment",
  "operator_joined",
]);

/**
 * Runs `work` in a transaction and publishes the events it appended once the commit succeeds.
 * A transaction that throws or rolls back publishes nothing.
 */
export async function writeWithEvents<T>(
  db: Database,
  bus: EventBus,
  work: (tx: Transaction, batch: EventBatch) => Promise<T>,
): Promise<T> {
  const batch = new EventBatch();
  const result = await db.transaction((tx) => work(tx, batch));
  publishBatch(bus, batch);
  return result;
}

/**
 * A write that is a single statement (a message with its event, an event alone), run without
 * BEGIN and COMMIT: one statement is atomic on its own, and the two round trips are saved. Its
 * events are published once it has returned, that is, committed. A second statement throws before
 * it is sent: a write of several statements belongs in `writeWithEvents`.
 */
export async function writeStatementWithEvents<T>(
  db: Database,
  bus: EventBus,
  work: (statement: Executor, batch: EventBatch) => Promise<T>,
): Promise<T> {
  const batch = new EventBatch();
  let sent = false;
  const statement: Executor = {
    execute: (query) => {
      if (sent) throw new Error("writeStatementWithEvents runs one statement; use writeWithEvents for more");
      sent = true;
      return db.execute(query);
    },
  };
  const result = await work(statement, batch);
  publishBatch(bus, batch);
  return result;
}

function publishBatch(bus: EventBus, batch: EventBatch): void {
  for (const event of batch.events) {
    bus.publish("conversation", event.conversationId, event);
    // A conversation's first event puts it on the inbox's "handled by the AI" list.
    if (inboxWorthy.has(event.type) || event.seq === 1) {
      bus.publish("inbox", "all", {
        type: "conversation_changed",
        conversationId: event.conversationId,
        reason: event.seq === 1 ? "started" : event.type,
        at: event.at,
      });
    }
  }
  for (const { name, id, event } of batch.later) bus.publish(name, id, event as never);
}

export async function listEventsAfter(
  db: Queryable,
  conversationId: string,
  after: number,
  limit = 500,
): Promise<StoredConversationEvent[]> {
  const rows = await db
    .select()
    .from(conversationEvents)
    .where(and(eq(conversationEvents.conversationId, conversationId), gt(conversationEvents.seq, after)))
    .orderBy(asc(conversationEvents.seq))
    .limit(limit);
  return rows.map((r) => ({
    conversationId: r.conversationId,
    seq: r.seq,
    type: r.type,
    at: r.createdAt.toISOString(),
    payload: r.payload,
  }));
}
