import { sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "../db/client.ts";
import { rowsOf } from "../db/rows.ts";

/** One reply being streamed by this instance, as the heartbeat sees it. */
export interface Beat {
  messageId: string;
  /** The text streamed so far. */
  text(): string;
  /** The message is no longer ours (failed by a sweeper, discarded on takeover): stop streaming. */
  lost(): void;
  /** This text is now stored: tell late joiners (a snapshot). */
  persisted(text: string): void;
}

/**
 * The heartbeat of every reply this instance streams, in one statement per interval: each
 * streaming message gets its partial text (when it changed) and a fresh heartbeat_at, and a
 * message that is no longer "streaming" comes back missing, which tells its writer it was taken.
 * With 200 replies streaming, that is 4 statements a second instead of 800.
 */
export class Heartbeats {
  private readonly beats = new Map<string, { beat: Beat; stored: string }>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  private readonly db: Database;
  private readonly intervalMs: number;
  private readonly log: Logger;
  constructor(db: Database, intervalMs: number, log: Logger) {
    this.db = db;
    this.intervalMs = intervalMs;
    this.log = log;
  }

  /** Starts beating for a reply; the function returned stops it (call it when the reply ends). */
  add(beat: Beat): () => void {
    this.beats.set(beat.messageId, { beat, stored: "" });
    this.timer ??= setInterval(() => void this.beat(), this.intervalMs);
    this.timer.unref?.();
    return () => {
      this.beats.delete(beat.messageId);
      if (this.beats.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  /** Whether this instance is streaming the message now (its writer is alive, whatever the clock says). */
  has(messageId: string): boolean {
    return this.beats.has(messageId);
  }

  /** One beat for every reply (a beat still running is not overtaken by the next). */
  async beat(at = new Date()): Promise<void> {
    if (this.running || this.beats.size === 0) return;
    this.running = true;
    try {
      const sent = [...this.beats.values()].map((entry) => {
        const text = entry.beat.text();
        return { entry, text, changed: text !== entry.stored };
      });
      const rows = sent.map((s) => ({ id: s.entry.beat.messageId, content: s.changed ? s.text : null }));
      const result = await this.db.execute(sql`
        update messages m
        set content = coalesce(v.content, m.content), heartbeat_at = ${at.toISOString()}::timestamptz
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(id uuid, content text)
        where m.id = v.id and m.status = 'streaming'
        returning m.id`);
      const alive = new Set(rowsOf<{ id: string }>(result).map((r) => r.id));
      for (const { entry, text, changed } of sent) {
        // A reply that ended while the statement ran is its writer's business now.
        if (this.beats.get(entry.beat.messageId) !== entry) continue;
        if (!alive.has(entry.beat.messageId)) entry.beat.lost();
        else if (changed) {
          entry.stored = text;
          entry.beat.persisted(text);
        }
      }
    } catch (err) {
      this.log.warn({ err }, "could not persist partial replies");
    } finally {
      this.running = false;
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.beats.clear();
  }
}
