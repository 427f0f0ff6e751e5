import { and, eq } from "drizzle-orm";
import { messages } from "../../drizzle/schema.ts";
import type { Actor } from "../auth/actor.ts";
import type { Database } from "../db/client.ts";
import type { BusSubscription, EventBus } from "../events/bus.ts";
import type { ConversationEvent, EphemeralConversationEvent } from "../events/types.ts";
import { badInput } from "../errors.ts";
import { listEventsAfter } from "./log.ts";
import { visibleEvent } from "./visibility.ts";
import { getConversation } from "./service.ts";

/**
 * Replays stored events with seq > after, then streams live ones, with no gap and no
 * duplicate at the seam:
 * 1. subscribe to the bus first and wait until the subscription is live;
 * 2. replay from the log, remembering the highest seq yielded;
 * 3. snapshot replies still streaming, so a late joiner has their partial text;
 * 4. pass live events on, dropping seqs already yielded and filling any hole from the log
 *    (two writers can publish in a different order than they committed), and dropping a live
 *    snapshot that would add nothing to the text this subscriber already has (`TextSent`).
 * Authorisation happens before anything is subscribed or read, and every event passes
 * `visibleEvent`: a customer never receives a private note or the machinery behind the chat.
 */
export async function streamConversationEvents(
  deps: { db: Database; bus: EventBus },
  actor: Actor,
  conversationId: unknown,
  after: unknown,
  signal?: AbortSignal,
): Promise<AsyncGenerator<ConversationEvent>> {
  const conversation = await getConversation(deps.db, actor, conversationId);
  const from = after ?? 0;
  if (typeof from !== "number" || !Number.isInteger(from) || from < 0) {
    throw badInput("after must be a whole number of 0 or more.", "after");
  }
  const id = conversation.id;

  // An async generator only runs its `finally` once the `await` it is suspended in settles, so a
  // reader that stops while no event is coming would keep its listener until the conversation
  // speaks again. Stopping therefore ends the bus subscription first, which wakes that await.
  let live: BusSubscription<ConversationEvent> | null = null;
  let stopped = false;
  const stop = () => {
    stopped = true;
    void live?.return();
  };
  signal?.addEventListener("abort", stop, { once: true });

  // Subscribing inside the generator ties the bus listener to the generator's lifetime: a
  // generator that is cancelled before it starts never registers one, so nothing leaks.
  async function* run(): AsyncGenerator<ConversationEvent> {
    const subscription = (live = deps.bus.subscribe("conversation", id));
    if (stopped) await subscription.return();
    try {
      await live.ready;
      let last = from as number;
      const sent = new TextSent();
      const catchUp = async function* () {
        for (;;) {
          const page = await listEventsAfter(deps.db, id, last);
          for (const event of page) {
            const visible = visibleEvent(actor, event);
            if (visible) yield visible;
            sent.finished(event);
            last = event.seq;
          }
          if (page.length === 0) return;
        }
      };
      yield* catchUp();
      const streaming = await deps.db
        .select()
        .from(messages)
        .where(and(eq(messages.conversationId, id), eq(messages.status, "streaming")));
      for (const m of streaming) {
        // A message created after our replay point arrives live, with its own deltas.
        if (m.seq > last) continue;
        const snapshot: EphemeralConversationEvent = {
          conversationId: id,
          seq: null,
          type: "message_snapshot",
          at: new Date().toISOString(),
          payload: { messageId: m.id, offset: 0, text: m.content },
        };
        if (sent.wants(snapshot)) yield snapshot;
      }
      for await (const event of subscription) {
        const visible = visibleEvent(actor, event);
        if (event.seq === null) {
          if (visible && (!isText(visible) || sent.wants(visible))) yield visible;
        } else if (event.seq === last + 1) {
          if (visible) yield visible;
          sent.finished(event);
          last = event.seq;
        } else if (event.seq > last + 1) yield* catchUp();
      }
    } finally {
      await subscription.return();
      signal?.removeEventListener("abort", stop);
    }
  }
  return new Stream(run(), stop);
}

const isText = (e: ConversationEvent): e is EphemeralConversationEvent =>
  e.type === "message_delta" || e.type === "message_snapshot";

/**
 * How much of each streaming reply one subscriber has been sent without a hole, assembled as
 * clients assemble it (`applyDelta` in app/lib/transcript.ts: a piece past the end is a hole and
 * changes nothing). Every reply's writer publishes a snapshot of its stored text a few times a
 * second for whoever has a hole or joined late; a subscriber that has all of that text already
 * gets nothing from it, so it is not sent. Deltas always are.
 */
export class TextSent {
  private readonly have = new Map<string, number>();

  wants(e: EphemeralConversationEvent): boolean {
    const { messageId, offset, text } = e.payload;
    const have = this.have.get(messageId) ?? 0;
    if (e.type === "message_snapshot" && this.have.has(messageId) && text.length <= have) return false;
    if (offset <= have && offset + text.length > have) this.have.set(messageId, offset + text.length);
    return true;
  }

  /** Replies tracked now. */
  get size(): number {
    return this.have.size;
  }

  /** A finished reply comes whole with its completion: nothing more to track. */
  finished(e: ConversationEvent): void {
    if (e.type !== "message_completed") return;
    const message = (e.payload as { message?: { id?: unknown } }).message;
    if (typeof message?.id === "string") this.have.delete(message.id);
  }
}

/** The generator, with a `return` that wakes it at once (one object per subscription, methods shared). */
class Stream<T> implements AsyncGenerator<T> {
  private readonly generator: AsyncGenerator<T>;
  private readonly stop: () => void;
  constructor(generator: AsyncGenerator<T>, stop: () => void) {
    this.generator = generator;
    this.stop = stop;
  }
  next(): Promise<IteratorResult<T>> {
    return this.generator.next();
  }
  return(value?: unknown): Promise<IteratorResult<T>> {
    this.stop();
    return this.generator.return(value as never);
  }
  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.stop();
    return this.generator.throw(error);
  }
  [Symbol.asyncIterator](): this {
    return this;
  }
  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }
}
