import { and, asc, eq, gt } from "drizzle-orm";
import { conversationEvents, conversations, escalations, messages, tickets } from "../../drizzle/schema.ts";
import { signIdentity } from "../../server/auth/tokens.ts";
import { START_WITH_INPUT, send, type TestApp } from "./app.ts";

/**
 * A customer conversation driven through the public GraphQL API (start with a signed identity,
 * send messages) and the real runner; what happened is read back from the stored rows and events.
 */
export async function openChat(t: TestApp, email: string | null = "ada@example.com") {
  const services = t.app.services;
  const secret = services.config.identity.secret!;
  const identityExpiresAt = Math.floor(Date.now() / 1000) + 3600;
  const identity = email
    ? { customerEmail: email, identityExpiresAt, identitySignature: signIdentity(secret, email, identityExpiresAt) }
    : {};
  const started = await t.gql<{ startConversation: { token: string; conversation: { id: string } } }>(
    START_WITH_INPUT,
    { input: { customerName: "Test customer", ...identity } },
  );
  if (!started.data) throw new Error(JSON.stringify(started.errors));
  const id = started.data.startConversation.conversation.id;
  const token = started.data.startConversation.token;
  let seen = 0;
  return {
    id,
    /** Sends a message, waits for the AI's turn, and returns the messages it produced. */
    async say(text: string) {
      return this.sayThrough(t, text);
    },
    /** The same, with the message sent to another instance `via` (sharing this one's database). */
    async sayThrough(via: TestApp, text: string) {
      const r = await send(via, { id, token }, text);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      // The AI's turn, then whatever the conductor does about it, on every instance involved.
      for (const app of new Set([via, t])) {
        await app.app.services.runner.idle();
        await app.app.services.conductor.idle();
      }
      const rows = await services.db
        .select()
        .from(messages)
        .where(and(eq(messages.conversationId, id), gt(messages.seq, seen)))
        .orderBy(asc(messages.seq));
      seen = rows.at(-1)?.seq ?? seen;
      return rows.filter((r) => r.role !== "customer");
    },
    events: () =>
      services.db
        .select()
        .from(conversationEvents)
        .where(eq(conversationEvents.conversationId, id))
        .orderBy(asc(conversationEvents.seq)),
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
