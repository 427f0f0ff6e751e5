import { Worker } from "node:worker_threads";
import { eq, lt, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { instances } from "../../drizzle/schema.ts";
import type { Database } from "../db/client.ts";

/**
 * This instance's lease in `instances` (the only writer of that table): renewed every third of
 * the lease, given up on a graceful stop. Other instances read lapsed or missing leases as dead
 * writers (see AgentRunner.sweepOrphans).
 *
 * On Postgres the renewals come from a worker thread with a connection of its own: the lease
 * then says whether the process is alive, and a main thread held up for a while (a long task, a
 * GC pause, a starved container) does not let it lapse and hand its live replies to another
 * instance. A main thread that stops making progress is still noticed, by its replies'
 * heartbeats (STREAM_STALE_AFTER_MS). If the worker dies, the main thread renews. Embedded PGlite
 * lives in the main thread, so it renews there; it serves a single instance anyway.
 */
export class Liveness {
  private timer: ReturnType<typeof setInterval> | null = null;
  private worker: Worker | null = null;

  private readonly db: Database;
  readonly instanceId: string;
  readonly leaseMs: number;
  private readonly log: Logger;
  /** The database's URL when it is Postgres: the renewals' worker connects there. */
  private readonly databaseUrl: string | undefined;
  constructor(db: Database, instanceId: string, leaseMs: number, log: Logger, databaseUrl?: string) {
    this.db = db;
    this.instanceId = instanceId;
    this.leaseMs = leaseMs;
    this.log = log;
    this.databaseUrl = databaseUrl;
  }

  async start(): Promise<void> {
    // Instances that crashed long ago leave their row behind; a day later nothing can need it.
    await this.db.delete(instances).where(lt(instances.lastSeen, sql`now() - interval '1 day'`));
    await this.beat();
    const intervalMs = Math.max(100, Math.floor(this.leaseMs / 3));
    if (this.databaseUrl) {
      this.worker = new Worker(new URL("./lease-worker.ts", import.meta.url), {
        workerData: { url: this.databaseUrl, instanceId: this.instanceId, intervalMs },
      });
      // The message only: a connection error can name the database's host, never its password.
      this.worker.on("message", (m: { type: string; message?: string }) => {
        if (m.type === "error") this.log.warn({ err: { message: m.message } }, "instance lease renewal failed");
      });
      this.worker.on("error", (err) => this.log.warn({ err }, "instance lease worker failed"));
      // A worker that dies while the instance runs hands the renewals back to the main thread.
      const worker = this.worker;
      worker.once("exit", () => {
        if (this.worker !== worker) return;
        this.worker = null;
        this.renewHere(intervalMs);
      });
      worker.unref();
      return;
    }
    this.renewHere(intervalMs);
  }

  private renewHere(intervalMs: number): void {
    this.timer = setInterval(
      () => void this.beat().catch((err) => this.log.warn({ err }, "instance lease renewal failed")),
      intervalMs,
    );
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    await this.db
      .insert(instances)
      .values({ id: this.instanceId })
      .onConflictDoUpdate({ target: instances.id, set: { lastSeen: sql`now()` } });
  }

  /** Gives the lease up: this instance has finished its work and is going. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const worker = this.worker;
    this.worker = null;
    if (worker) {
      // Its last renewal finishes before the lease is given up, or it would bring it back.
      await new Promise<void>((resolve) => {
        const timeout = setTimeout(resolve, 5000);
        const done = () => {
          clearTimeout(timeout);
          resolve();
        };
        worker.on("message", (m: { type: string }) => m.type === "stopped" && done());
        worker.once("exit", done);
        worker.postMessage({ type: "stop" });
      });
      await worker.terminate();
    }
    await this.db.delete(instances).where(eq(instances.id, this.instanceId));
  }
}

/** SQL: the ids of instances whose lease is current, by the database's clock. */
export const liveInstanceIds = (leaseMs: number) =>
  sql`(select ${instances.id} from ${instances} where ${instances.lastSeen} > now() - make_interval(secs => ${leaseMs / 1000}))`;
