import { randomUUID } from "node:crypto";
import { sql, type SQL } from "drizzle-orm";
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
  await tx.execute(webhookInsert(type, sql`${JSON.stringify(data)}::jsonb`, at));
}

/**
 * The statement `enqueueWebhook` runs, for a writer that stores its own row in the same round
 * trip (`with inserted as (…), hook as (<this>)`): `data` is the event's data as a jsonb
 * expression, which may read what the writer's statement produced (a message's seq) from the
 * relation `from` names.
 */
export function webhookInsert(type: WebhookEventType, data: SQL, at: Date, from?: SQL): SQL {
  const id = randomUUID();
  return sql`insert into webhook_deliveries (endpoint_id, event_id, event_type, payload)
    select e.id, ${id}::uuid, ${type}::text,
      jsonb_build_object('id', ${id}::text, 'type', ${type}::text, 'createdAt', ${at.toISOString()}::text, 'data', ${data})
    from webhook_endpoints e${from ? sql`, ${from}` : sql``}
    where e.enabled and e.events @> ${JSON.stringify([type])}::jsonb`;
}
