import { eq, lt, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { instances } from "../../drizzle/schema.ts";
import type { Database } from "../db/client.ts";

/**
 * This instance's lease in `instances` (the only writer of that table): renewed every third of
 * the lease, given up on a graceful stop. Other instances read lapsed or missing leases as dead
 * writers (see AgentRunner.sweepOrphans).
 */
export class Liveness {
  private timer: ReturnType<typeof setInterval> | null = null;

  private readonly db: Database;
  readonly instanceId: string;
  readonly leaseMs: number;
  private readonly log: Logger;
  constructor(db: Database, instanceId: string, leaseMs: number, log: Logger) {
    this.db = db;
    this.instanceId = instanceId;
    this.leaseMs = leaseMs;
    this.log = log;
  }

  async start(): Promise<void> {
    // Instances that crashed long ago leave their row behind; a day later nothing can need it.
    await this.db.delete(instances).where(lt(instances.lastSeen, sql`now() - interval '1 day'`));
    await this.beat();
    this.timer = setInterval(
      () => void this.beat().catch((err) => this.log.warn({ err }, "instance lease renewal failed")),
      Math.max(100, Math.floor(this.leaseMs / 3)),
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
    await this.db.delete(instances).where(eq(instances.id, this.instanceId));
  }
}

/** SQL: the ids of instances whose lease is current, by the database's clock. */
export const liveInstanceIds = (leaseMs: number) =>
  sql`(select ${instances.id} from ${instances} where ${instances.lastSeen} > now() - make_interval(secs => ${leaseMs / 1000}))`;
