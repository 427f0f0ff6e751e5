import type { Conversation } from "#drizzle/schema.ts";
import type { Actor } from "#server/auth/actor.ts";
import { listMessages } from "#server/conversations/service.ts";
import { toMessageView } from "#server/conversations/views.ts";
import type { Database } from "#server/db/client.ts";
import type { ChatMessage, Transcript } from "./transcript.ts";

/** The newest messages of a conversation in the shape the live transcript starts from. */
export async function loadTranscript(db: Database, actor: Actor, conversation: Conversation): Promise<Transcript> {
  const page = await listMessages(db, actor, conversation.id, { last: 200 });
  return {
    lastSeq: conversation.lastSeq,
    status: conversation.status.toUpperCase(),
    pending: [],
    messages: page.messages.map((m) => {
      const v = toMessageView(m);
      return { ...v, role: v.role.toUpperCase(), status: v.status.toUpperCase() } as ChatMessage;
    }),
  };
}
