import { and, eq, inArray, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { whatsappOutbox, type WhatsappOutboxRow } from "../../drizzle/schema.ts";
import type { Config } from "../config.ts";
import type { Database } from "../db/client.ts";
import type { EventBus } from "../events/bus.ts";
import { writeWithEvents } from "../conversations/log.ts";
import { insertMessage } from "../conversations/messages.ts";
import { leaseDue } from "../ops/outbox.ts";
import { backoffMs } from "../webhooks/dispatcher.ts";

const LEASE_MS = 30_000;
const BATCH = 20;
/** The first retry after a failed send; each next one doubles, up to an hour. */
const RETRY_BASE_MS = 5_000;

export interface SenderOptions {
  db: Database;
  bus: EventBus;
  log: Logger;
  config: Config["whatsapp"];
  pollMs: number;
  retryBaseMs?: number;
  onOutcome?: (outcome: "sent" | "retry" | "failed") => void;
}

/**
 * Sends the WhatsApp outbox to the Cloud API (`POST {api}/{phone number id}/messages`, a text
 * message, with the access token). Rows are leased (see ops/outbox.ts), so instances share the
 * work; a failed send is retried with backoff while the Cloud API is down, in order per
 * conversation; a reply that still cannot go out when WHATSAPP_GIVE_UP_AFTER_MS has passed is
 * given up and the team gets a note in the conversation saying so.
 */
export class WhatsAppSender {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  private readonly opts: SenderOptions;
  constructor(opts: SenderOptions) {
    this.opts = opts;
  }

  start(): void {
    if (!this.opts.config.enabled) return;
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      let busy = false;
      this.running = this.runOnce()
        .then((sent) => void (busy = sent > 0))
        .catch((err) => this.opts.log.warn({ err }, "WhatsApp send failed"))
        .finally(() => {
          this.running = null;
          // A conversation's next reply is due as soon as its previous one went out.
          if (!this.stopped) this.timer = setTimeout(tick, busy ? 0 : this.opts.pollMs);
        });
    };
    this.timer = setTimeout(tick, this.opts.pollMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  async runOnce(now = new Date()): Promise<number> {
    // Only the oldest pending reply of each conversation is due: replies arrive in the order written.
    const ids = await leaseDue(this.opts.db, "whatsapp_outbox", {
      now,
      leaseMs: LEASE_MS,
      batch: BATCH,
      alsoWhere: sql`not exists (select 1 from whatsapp_outbox p where p.conversation_id = o.conversation_id
        and p.status = 'pending' and (p.created_at, p.id) < (o.created_at, o.id))`,
    });
    if (!ids.length) return 0;
    const rows = await this.opts.db.select().from(whatsappOutbox).where(inArray(whatsappOutbox.id, ids));
    await Promise.all(rows.map((row) => this.send(row)));
    return rows.length;
  }

  private async send(row: WhatsappOutboxRow): Promise<void> {
    const { apiUrl, phoneNumberId, accessToken } = this.opts.config;
    const at = new Date();
    let status: number | null = null;
    let error: string | null = null;
    let providerId: string | null = null;
    try {
      const response = await fetch(`${apiUrl}/${phoneNumberId}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({
          messaging_product: "whatsapp",
          recipient_type: "individual",
          to: row.to,
          type: "text",
          text: { preview_url: false, body: row.body.slice(0, 4096) },
        }),
        signal: AbortSignal.timeout(10_000),
      });
      status = response.status;
      const body = (await response.json().catch(() => null)) as {
        messages?: Array<{ id?: string }>;
        error?: { message?: string };
      } | null;
      providerId = body?.messages?.[0]?.id ?? null;
      if (!response.ok) error = `HTTP ${status}${body?.error?.message ? `: ${body.error.message.slice(0, 200)}` : ""}`;
    } catch (err) {
      error = err instanceof Error ? (err.name === "TimeoutError" ? "timed out" : err.message.slice(0, 200)) : "failed";
    }
    const mine = and(eq(whatsappOutbox.id, row.id), eq(whatsappOutbox.status, "pending"));
    const common = { lockedUntil: null, lastStatusCode: status, lastError: error };
    if (!error) {
      await this.opts.db
        .update(whatsappOutbox)
        .set({ ...common, status: "sent", sentAt: at, providerMessageId: providerId })
        .where(mine);
      this.opts.onOutcome?.("sent");
      return;
    }
    if (at.getTime() - row.createdAt.getTime() >= this.opts.config.giveUpAfterMs) return this.giveUp(row, error);
    const delay = backoffMs(row.attempts, this.opts.retryBaseMs ?? RETRY_BASE_MS);
    await this.opts.db
      .update(whatsappOutbox)
      .set({ ...common, nextAttemptAt: new Date(at.getTime() + delay) })
      .where(mine);
    this.opts.onOutcome?.("retry");
  }

  /** The reply will not reach the customer: it is marked failed and the team reads why in the conversation. */
  private async giveUp(row: WhatsappOutboxRow, error: string): Promise<void> {
    await writeWithEvents(this.opts.db, this.opts.bus, async (tx, batch) => {
      await tx
        .update(whatsappOutbox)
        .set({ status: "failed", lockedUntil: null, lastError: error })
        .where(and(eq(whatsappOutbox.id, row.id), eq(whatsappOutbox.status, "pending")));
      await insertMessage(tx, batch, row.conversationId, {
        role: "note",
        authorName: "Tandem",
        content: `This reply could not be delivered on WhatsApp (${error}). The customer has not received it: "${row.body.slice(0, 200)}"`,
      });
    });
    this.opts.log.warn({ conversationId: row.conversationId }, "WhatsApp reply given up");
    this.opts.onOutcome?.("failed");
  }
}
