import { and, eq, lt, or, sql, type SQL } from "drizzle-orm";
import {
  conversationHealth,
  interventions,
  type AnomalyKind,
  type ConversationHealthRow,
} from "../../drizzle/schema.ts";
import type { Database, Queryable } from "../db/client.ts";
import { listEventsAfter } from "../conversations/log.ts";
import { anomaliesOf, emptyReading, fold, scoreOf, THRESHOLDS, type HealthReading } from "./health.ts";

/**
 * The one module that writes `conversation_health`. A reading is folded forward from the
 * conversation's events, under a row lock, from the last seq it saw: each event counts once
 * whichever instance (or how many) observes it, and a restart resumes where the fold stopped.
 */

export interface Observation {
  conversationId: string;
  reading: HealthReading;
  score: number;
  seq: number;
  /** Anomalies that began with this observation: kind and the seq their episode starts at. */
  opened: Array<{ kind: AnomalyKind; episodeSeq: number }>;
  /** Every anomaly open now, with its episode. */
  open: Record<string, number>;
  /** Whether what screens show changed: the anomalies, or the score by a visible step. */
  changed: boolean;
}

export const readingOf = (row: Pick<ConversationHealthRow, "reading">) =>
  ({ ...emptyReading(), ...(row.reading as Partial<HealthReading>) }) as HealthReading;

/** Folds the conversation's new events into its reading and says which anomalies began. */
export async function observe(db: Database, conversationId: string, now = new Date()): Promise<Observation> {
  return db.transaction(async (tx) => {
    const lock = () =>
      tx.select().from(conversationHealth).where(eq(conversationHealth.conversationId, conversationId)).for("update");
    // The reading exists after a conversation's first observation: lock it; only a new one is inserted first.
    let [row] = await lock();
    if (!row) {
      await tx
        .insert(conversationHealth)
        .values({ conversationId, reading: emptyReading() as unknown as Record<string, unknown> })
        .onConflictDoNothing();
      [row] = await lock();
    }
    let reading = readingOf(row!);
    let seq = row!.seq;
    for (;;) {
      const events = await listEventsAfter(tx, conversationId, seq);
      for (const event of events) reading = fold(reading, event);
      if (events.length) seq = events[events.length - 1]!.seq;
      if (events.length < 500) break;
    }
    const kinds = anomaliesOf(reading, now);
    const before = row!.anomalies ?? {};
    const open: Record<string, number> = {};
    const opened: Observation["opened"] = [];
    for (const kind of kinds) {
      if (before[kind] !== undefined) open[kind] = before[kind]!;
      else {
        open[kind] = seq;
        opened.push({ kind, episodeSeq: seq });
      }
    }
    const score = scoreOf(reading, now);
    await tx
      .update(conversationHealth)
      .set({
        seq,
        score,
        reading: reading as unknown as Record<string, unknown>,
        anomalies: open,
        waitingSince: reading.waitingSince ? new Date(reading.waitingSince) : null,
        closed: reading.status === "resolved",
        updatedAt: now,
      })
      .where(eq(conversationHealth.conversationId, conversationId));
    const changed =
      Math.abs(score - row!.score) >= 0.02 ||
      Object.keys(open).sort().join() !== Object.keys(before).sort().join() ||
      (reading.status === "resolved") !== row!.closed;
    return { conversationId, reading, score, seq, opened, open, changed };
  });
}

/** Up to 200 open (not closed) conversations whose reading meets `condition`. */
async function openWhere(db: Queryable, condition: SQL): Promise<string[]> {
  const rows = await db
    .select({ id: conversationHealth.conversationId })
    .from(conversationHealth)
    .where(and(eq(conversationHealth.closed, false), condition))
    .limit(200);
  return rows.map((r) => r.id);
}

/** Conversations whose customer has waited (for a person, or for any answer) past the threshold, not yet flagged. */
export const overdueWaits = (db: Queryable, now = new Date()) => {
  const cutoff = new Date(now.getTime() - THRESHOLDS.waitingMs);
  return openWhere(
    db,
    and(
      or(
        lt(conversationHealth.waitingSince, cutoff),
        // A raw parameter goes as text: postgres.js does not serialise a Date inside sql``.
        sql`(${conversationHealth.reading}->>'unansweredSince')::timestamptz < ${cutoff.toISOString()}::timestamptz`,
      ),
      sql`not (${conversationHealth.anomalies} ? 'waiting_too_long')`,
    )!,
  );
};

/** Open conversations with an anomaly episode that has no intervention yet. */
export const awaitingIntervention = (db: Queryable) =>
  openWhere(
    db,
    sql`exists (select 1 from jsonb_each(${conversationHealth.anomalies}) as a(kind, episode)
      where not exists (select 1 from ${interventions} i
        where i.conversation_id = ${conversationHealth.conversationId}
          and i.anomaly = a.kind and i.episode_seq = (a.episode)::int))`,
  );

export async function getHealth(db: Queryable, conversationId: string): Promise<ConversationHealthRow | null> {
  const [row] = await db.select().from(conversationHealth).where(eq(conversationHealth.conversationId, conversationId));
  return row ?? null;
}

/** Open conversations the conductor watches, least healthy first. */
export async function watched(db: Queryable, limit = 100): Promise<ConversationHealthRow[]> {
  return db
    .select()
    .from(conversationHealth)
    .where(eq(conversationHealth.closed, false))
    .orderBy(conversationHealth.score, conversationHealth.updatedAt)
    .limit(limit);
}
