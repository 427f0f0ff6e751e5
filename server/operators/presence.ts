import { and, eq, gt, sql, type SQL } from "drizzle-orm";
import { operators, type Operator } from "../../drizzle/schema.ts";
import type { Queryable } from "../db/client.ts";
import type { EventBus } from "../events/bus.ts";

/**
 * Presence: an operator's chosen availability says whether they want work; being connected says
 * whether anyone is actually there. Every authenticated request counts as a sign of life, and an
 * open dashboard beats every PRESENCE_BEAT_MS. Someone not seen for PRESENCE_TIMEOUT_MS (a closed
 * laptop, a lost network) gets no new escalations, and what was offered to them moves on.
 */
export const PRESENCE_TIMEOUT_MS = 90_000;
export const PRESENCE_BEAT_MS = 30_000;
/** Requests closer together than this do not write. */
const TOUCH_EVERY_MS = 20_000;

export const presenceCutoff = (now = new Date()) => new Date(now.getTime() - PRESENCE_TIMEOUT_MS);

export const isConnected = (op: Pick<Operator, "lastSeenAt">, now = new Date()) =>
  !!op.lastSeenAt && op.lastSeenAt > presenceCutoff(now);

/** SQL condition: online by choice, connected in fact, and not disabled. */
export const availableNow = (now = new Date()): SQL =>
  and(
    eq(operators.availability, "online"),
    eq(operators.disabled, false),
    sql`coalesce(${gt(operators.lastSeenAt, presenceCutoff(now))}, false)`,
  )!;

/** Records a sign of life; cheap to call on every request because it writes at most every 20 s. */
export async function touchOperator(
  db: Queryable,
  op: Pick<Operator, "id" | "lastSeenAt">,
  now = new Date(),
): Promise<void> {
  if (op.lastSeenAt && now.getTime() - op.lastSeenAt.getTime() < TOUCH_EVERY_MS) return;
  await db.update(operators).set({ lastSeenAt: now }).where(eq(operators.id, op.id));
}

/**
 * Keeps an operator connected for as long as `source` (an open dashboard subscription) runs.
 * A plain iterator rather than an async generator: a generator waiting for its next event would
 * hold a client's unsubscribe (return) until that event came, and the beat would run on.
 */
export function whileConnected<T>(
  db: Queryable,
  operatorId: string,
  source: AsyncIterator<T>,
): AsyncIterableIterator<T> {
  const beat = () =>
    void db
      .update(operators)
      .set({ lastSeenAt: new Date() })
      .where(eq(operators.id, operatorId))
      .catch(() => {});
  beat();
  const timer = setInterval(beat, PRESENCE_BEAT_MS);
  timer.unref();
  const stop = () => clearInterval(timer);
  return {
    async next() {
      const result = await source.next().catch((err: unknown) => {
        stop();
        throw err;
      });
      if (result.done) stop();
      return result;
    },
    async return(value?: unknown) {
      stop();
      return (await source.return?.(value)) ?? { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * Tells operator screens when someone becomes available or drops off, so the team list stays
 * true without a reload. Call it periodically; it nudges only when the set changed.
 */
export function presenceWatcher(db: Queryable, bus: EventBus) {
  let previous: string | null = null;
  return async (now = new Date()) => {
    const rows = await db.select({ id: operators.id }).from(operators).where(availableNow(now));
    const current = rows
      .map((r) => r.id)
      .sort()
      .join(",");
    if (previous !== null && current !== previous) {
      bus.publish("inbox", "all", { type: "operator_changed", reason: "presence", at: now.toISOString() });
    }
    previous = current;
  };
}
