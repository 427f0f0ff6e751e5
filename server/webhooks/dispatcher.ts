import { and, eq, inArray, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { webhookDeliveries, webhookEndpoints, type WebhookDelivery } from "../../drizzle/schema.ts";
import type { Database } from "../db/client.ts";
import { disableFailingEndpoint } from "./endpoints.ts";
import { SIGNATURE_HEADER, sign } from "./signing.ts";
import { leaseDue } from "../ops/outbox.ts";

export interface DispatcherOptions {
  db: Database;
  log: Logger;
  /** How often to look for due deliveries. */
  pollMs: number;
  /** The first retry's delay; each next one doubles, up to an hour. */
  retryBaseMs: number;
  /** After this long failing, a delivery is given up and its endpoint turned off (a day). */
  giveUpAfterMs: number;
  timeoutMs?: number;
  /** Told of every attempt's outcome (metrics). */
  onOutcome?: (outcome: "delivered" | "retry" | "failed") => void;
  random?: () => number;
}

const MAX_DELAY_MS = 60 * 60_000;
/** How long one instance holds a delivery while sending it; a crashed sender's lease lapses and another retries. */
const LEASE_MS = 30_000;
const BATCH = 20;

/** base · 2^(attempt − 1), capped at an hour, with ±20 % jitter so a recovered receiver is not hit all at once. */
export function backoffMs(attempt: number, baseMs: number, random = Math.random): number {
  const raw = Math.min(MAX_DELAY_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(raw * (0.8 + 0.4 * random()));
}

/**
 * Sends the outbox: due deliveries are leased with FOR UPDATE SKIP LOCKED, so instances share the
 * work without sending one delivery twice at once, and each is POSTed, signed. A 2xx is delivered;
 * anything else is retried with exponential backoff for a day, then given up and the endpoint
 * turned off. A crash mid-send leaves the lease to lapse and the delivery is sent again: at
 * least once, with the event id for receivers to de-duplicate.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  private readonly opts: DispatcherOptions;
  constructor(opts: DispatcherOptions) {
    this.opts = opts;
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((err) => this.opts.log.warn({ err }, "webhook dispatch failed"))
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.timer = setTimeout(tick, this.opts.pollMs);
        });
    };
    this.timer = setTimeout(tick, this.opts.pollMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Sends what is due now; returns how many deliveries it attempted. */
  async runOnce(now = new Date()): Promise<number> {
    const due = await this.lease(now);
    await Promise.all(due.map((d) => this.send(d.delivery, d.url, d.secret)));
    return due.length;
  }

  private async lease(now: Date) {
    const ids = await leaseDue(this.opts.db, "webhook_deliveries", {
      now,
      leaseMs: LEASE_MS,
      batch: BATCH,
      alsoWhere: sql`exists (select 1 from webhook_endpoints e where e.id = o.endpoint_id and e.enabled)`,
    });
    if (!ids.length) return [];
    return this.opts.db
      .select({ delivery: webhookDeliveries, url: webhookEndpoints.url, secret: webhookEndpoints.secret })
      .from(webhookDeliveries)
      .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
      .where(inArray(webhookDeliveries.id, ids));
  }

  private async send(delivery: WebhookDelivery, url: string, secret: string): Promise<void> {
    const body = JSON.stringify(delivery.payload);
    const at = new Date();
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "Tandem-Webhooks/1",
          [SIGNATURE_HEADER]: sign(secret, body, Math.floor(at.getTime() / 1000)),
          "Tandem-Event-Id": delivery.eventId,
          "Tandem-Event-Type": delivery.eventType,
        },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
      status = response.status;
      await response.body?.cancel().catch(() => {});
    } catch (err) {
      error = err instanceof Error ? (err.name === "TimeoutError" ? "timed out" : err.message.slice(0, 200)) : "failed";
    }
    const ok = status !== null && status >= 200 && status < 300;
    const common = {
      lockedUntil: null,
      lastStatusCode: status,
      lastError: ok ? null : (error ?? `HTTP ${status}`),
      lastAttemptAt: at,
    };
    const mine = and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.status, "pending"));
    if (ok) {
      await this.opts.db
        .update(webhookDeliveries)
        .set({ ...common, status: "delivered", deliveredAt: at })
        .where(mine);
      this.opts.onOutcome?.("delivered");
      return;
    }
    if (at.getTime() - delivery.createdAt.getTime() >= this.opts.giveUpAfterMs) {
      await this.opts.db
        .update(webhookDeliveries)
        .set({ ...common, status: "failed" })
        .where(mine);
      await disableFailingEndpoint(
        this.opts.db,
        delivery.endpointId,
        `Deliveries kept failing (last: ${common.lastError}).`,
      );
      this.opts.log.warn({ endpointId: delivery.endpointId }, "webhook endpoint turned off after failing deliveries");
      this.opts.onOutcome?.("failed");
      return;
    }
    const next = new Date(at.getTime() + backoffMs(delivery.attempts, this.opts.retryBaseMs, this.opts.random));
    await this.opts.db
      .update(webhookDeliveries)
      .set({ ...common, nextAttemptAt: next })
      .where(mine);
    this.opts.onOutcome?.("retry");
  }
}
