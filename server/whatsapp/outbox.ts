import { sql, type SQL } from "drizzle-orm";
import type { Message } from "../../drizzle/schema.ts";

/**
 * Puts a reply for a WhatsApp customer in the outbox, in the message's own transaction (as a
 * statement the message's writer runs): it inserts nothing unless the conversation is on
 * WhatsApp, and nothing twice for one message. What the customer reads is what goes out:
 * replies, the team's messages and Tandem's notices, never their own messages or the team's
 * notes. Null when this message never goes out on WhatsApp.
 */
export function whatsAppInsert(m: Message): SQL | null {
  if (m.role === "customer" || m.role === "note" || !m.content.trim()) return null;
  return sql`insert into whatsapp_outbox (conversation_id, message_id, "to", body)
    select c.id, ${m.id}::uuid, c.external_id, ${m.content}
    from conversations c
    where c.id = ${m.conversationId}::uuid and c.channel = 'whatsapp'
    on conflict (message_id) do nothing`;
}
