import { and, asc, eq, gt } from "drizzle-orm";
import { conversationEvents, conversations, escalations, messages, tickets } from "../../drizzle/schema.ts";
import { sendCustomerMessage, startConversation } from "../../server/conversations/service.ts";
import type { Services } from "../../server/services.ts";

/** A customer conversation driven through the domain functions and the real runner. */
export async function openChat(services: Services, email: string | null = "ada@example.com") {
  const { conversation } = await startConversation(services, { customerEmail: email, verified: email !== null });
  const id = conversation.id;
  let seen = 0;
  return {
    id,
    /** Sends a message, waits for the AI's turn, and returns the messages it produced. */
    async say(text: string) {
      await sendCustomerMessage(services.conversationDeps, { kind: "customer", conversationId: id }, { conversationId: id, content: text, clientMessageId: crypto.randomUUID() });
      await services.runner.idle();
      const rows = await services.db.select().from(messages).where(and(eq(messages.conversationId, id), gt(messages.seq, seen))).orderBy(asc(messages.seq));
      seen = rows.at(-1)?.seq ?? seen;
      return rows.filter((r) => r.role !== "customer");
    },
    events: () => services.db.select().from(conversationEvents).where(eq(conversationEvents.conversationId, id)).orderBy(asc(conversationEvents.seq)),
    conversation: async () => (await services.db.select().from(conversations).where(eq(conversations.id, id)))[0]!,
    tickets: () => services.db.select().from(tickets).where(eq(tickets.conversationId, id)),
    escalations: () => services.db.select().from(escalations).where(eq(escalations.conversationId, id)),
    toolsCalled: async () =>
      (
        await services.db
          .select()
          .from(conversationEvents)
          .where(and(eq(conversationEvents.conversationId, id), eq(conversationEvents.type, "tool_result")))
          .orderBy(asc(conversationEvents.seq))
      ).map((e) => String(e.payload.tool)),
  };
}

export const textOf = (rows: Array<{ content: string }>) => rows.map((r) => r.content).join("\n");
