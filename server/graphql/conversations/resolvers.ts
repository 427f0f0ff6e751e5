import { seesAsTeam, seesCustomer } from "../../auth/access.ts";
import type { Conversation, Message } from "../../../drizzle/schema.ts";
import type { ConversationEvent } from "../../events/types.ts";
import {
  getConversation,
  announceTyping,
  announceViewing,
  getConversationUsage,
  leaveFollowUpEmail,
  listMessages,
  rateConversation,
  sendCustomerMessage,
  startConversation,
} from "../../conversations/service.ts";
import { streamConversationEvents } from "../../conversations/stream.ts";
import { toMessageView, type MessageView } from "../../conversations/views.ts";
import { badInput } from "../../errors.ts";
import type { GraphQLContext } from "../context.ts";
import { upper } from "../enum-case.ts";

function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString("base64url");
}

function decodeCursor(cursor: string | null | undefined, name: string): number | undefined {
  if (cursor == null) return undefined;
  const match = /^seq:(\d{1,10})$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!match) throw badInput(`${name} is not a valid cursor.`, name);
  return Number(match[1]);
}

const messageFields = {
  role: (m: MessageView) => upper(m.role),
  authorType: (m: MessageView) => upper(m.authorType),
  status: (m: MessageView) => upper(m.status),
};

const usageFields = { costUsd: (u: { costUsd?: number }) => u.costUsd ?? 0 };

export const conversationResolvers = {
  Query: {
    conversation: (_: unknown, args: { id: string }, ctx: GraphQLContext) =>
      getConversation(ctx.services.db, ctx.actor, args.id),
  },
  Mutation: {
    startConversation: (_: unknown, args: { input?: Record<string, unknown> | null }, ctx: GraphQLContext) =>
      startConversation(ctx.services.conversationDeps, args.input ?? {}, { clientIp: ctx.clientIp }),
    setViewing: async (
      _: unknown,
      args: { conversationId: string; composing?: boolean | null },
      ctx: GraphQLContext,
    ) => {
      await announceViewing(ctx.services.conversationDeps, ctx.actor, args);
      return true;
    },
    setTyping: async (_: unknown, args: { conversationId: string }, ctx: GraphQLContext) => {
      await announceTyping(ctx.services.conversationDeps, ctx.actor, args.conversationId);
      return true;
    },
    leaveFollowUpEmail: async (_: unknown, args: { conversationId: string; email: string }, ctx: GraphQLContext) => {
      await leaveFollowUpEmail(ctx.services.conversationDeps, ctx.actor, args);
      return true;
    },
    rateConversation: (
      _: unknown,
      args: { input: { conversationId: string; score: number; comment?: string | null } },
      ctx: GraphQLContext,
    ) => rateConversation(ctx.services.conversationDeps, ctx.actor, args.input),
    sendMessage: async (
      _: unknown,
      args: { input: { conversationId: string; content: string; clientMessageId: string } },
      ctx: GraphQLContext,
    ) => {
      const { message, duplicate } = await sendCustomerMessage(ctx.services.conversationDeps, ctx.actor, args.input);
      return { message: toMessageView(message), duplicate };
    },
  },
  Subscription: {
    conversationEvents: {
      subscribe: (_: unknown, args: { conversationId: string; after?: number | null }, ctx: GraphQLContext) =>
        streamConversationEvents(ctx.services, ctx.actor, args.conversationId, args.after ?? 0, ctx.signal),
      resolve: (event: ConversationEvent) => event,
    },
  },
  Conversation: {
    status: (c: Conversation) => upper(c.status),
    customerLinked: (c: Conversation) => c.customerId !== null,
    summary: (c: Conversation, _: unknown, ctx: GraphQLContext) => (seesAsTeam(ctx.actor) ? c.summary : null),
    customerName: (c: Conversation, _: unknown, ctx: GraphQLContext) =>
      seesCustomer(ctx.actor) ? c.customerName : null,
    rating: (c: Conversation) =>
      c.csatScore === null
        ? null
        : { score: c.csatScore, comment: c.csatComment, at: (c.ratedAt ?? c.updatedAt).toISOString() },
    usage: (c: Conversation, _: unknown, ctx: GraphQLContext) => getConversationUsage(ctx.services.db, c.id),
    createdAt: (c: Conversation) => c.createdAt.toISOString(),
    updatedAt: (c: Conversation) => c.updatedAt.toISOString(),
    messages: async (
      c: Conversation,
      args: { first?: number | null; after?: string | null; last?: number | null; before?: string | null },
      ctx: GraphQLContext,
    ) => {
      const page = await listMessages(ctx.services.db, ctx.actor, c.id, {
        first: args.first ?? undefined,
        last: args.last ?? undefined,
        after: decodeCursor(args.after, "after"),
        before: decodeCursor(args.before, "before"),
      });
      const edges = page.messages.map((m: Message) => ({ cursor: encodeCursor(m.seq), node: toMessageView(m) }));
      return {
        edges,
        pageInfo: {
          hasNextPage: page.hasNextPage,
          hasPreviousPage: page.hasPreviousPage,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    },
  },
  Message: messageFields,
  MessageUsage: usageFields,
  ConversationEvent: {
    type: (e: ConversationEvent) => upper(e.type),
    message: (e: ConversationEvent) => (e.seq !== null && "message" in e.payload ? e.payload.message : null),
    delta: (e: ConversationEvent) => (e.type === "message_delta" || e.type === "message_snapshot" ? e.payload : null),
    viewing: (e: ConversationEvent) => (e.type === "viewing" ? e.payload : null),
    typing: (e: ConversationEvent) =>
      e.type === "typing" ? { role: upper(e.payload.role), name: e.payload.name } : null,
    // Only a status change says the conversation's status; a decision's event carries the decision's.
    status: (e: ConversationEvent) =>
      e.type === "status_changed" && typeof e.payload.status === "string" ? upper(e.payload.status) : null,
    agent: (e: ConversationEvent) => (e.seq !== null && typeof e.payload.agent === "string" ? e.payload.agent : null),
    // An operator's hand-back note is for the agent and the team; customers never read it.
    note: (e: ConversationEvent, _: unknown, ctx: GraphQLContext) => {
      if (e.seq === null) return null;
      const note = seesAsTeam(ctx.actor) ? (e.payload.operatorNote ?? e.payload.note) : e.payload.note;
      return typeof note === "string" ? note : null;
    },
    tool: (e: ConversationEvent) => (e.type === "tool_result" ? String(e.payload.tool) : null),
    toolOutput: (e: ConversationEvent, _: unknown, ctx: GraphQLContext) =>
      e.type === "tool_result" && seesAsTeam(ctx.actor) ? JSON.stringify(e.payload.output).slice(0, 4000) : null,
  },
};
