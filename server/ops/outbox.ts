import { sql, type SQL } from "drizzle-orm";
import { rowsOf, type Database } from "../db/client.ts";

/**
 * The lease every outbox sender uses (webhooks, WhatsApp replies): due pending rows are taken
 * with FOR UPDATE SKIP LOCKED and held until `now + leaseMs`, their attempt counted, so
 * instances share the work without two sending one row at once, and a crashed sender's rows are
 * taken again when the lease lapses. `alsoWhere` narrows the rows (e.g. to enabled endpoints).
 */
export async function leaseDue(
  db: Database,
  table: "webhook_deliveries" | "whatsapp_outbox",
  opts: { now: Date; leaseMs: number; batch: number; alsoWhere?: SQL },
): Promise<string[]> {
  const t = sql.raw(table);
  const now = opts.now.toISOString();
  const until = new Date(opts.now.getTime() + opts.leaseMs).toISOString();
  const result = await db.execute<{ id: string }>(sql`
    update ${t} set locked_until = ${until}::timestamptz, attempts = attempts + 1
    where id in (
      select o.id from ${t} o
      where o.status = 'pending' and o.next_attempt_at <= ${now}::timestamptz
        and (o.locked_until is null or o.locked_until < ${now}::timestamptz)
        ${opts.alsoWhere ? sql`and ${opts.alsoWhere}` : sql``}
      order by o.next_attempt_at
      limit ${opts.batch}
      for update of o skip locked)
    returning id`);
  return rowsOf<{ id: string }>(result).map((r) => r.id);
}
