import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { WebhookEventType } from "../../drizzle/schema.ts";
import type { Queryable } from "../db/client.ts";

/**
 * Puts an event in the webhook outbox, inside the caller's transaction: if the write that made
 * the event rolls back, so does the event, and once it commits the event will be sent at least
 * once. One row per enabled endpoint that subscribed to the type, all with one event id. With no
 * such endpoint it is a single statement that inserts nothing.
 */
export async function enqueueWebhook(
  tx: Queryable,
  type: WebhookEventType,
  data: Record<string, unknown>,
  at = new Date(),
): Promise<void> {
  const id = randomUUID();
  const payload = JSON.stringify({ id, type, createdAt: at.toISOString(), data });
  await tx.execute(sql`
    insert into webhook_deliveries (endpoint_id, event_id, event_type, payload)
    select e.id, ${id}::uuid, ${type}, ${payload}::jsonb
    from webhook_endpoints e
    where e.enabled and e.events @> ${JSON.stringify([type])}::jsonb`);
}
