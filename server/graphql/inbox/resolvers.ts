import { eq } from "drizzle-orm";
import { operators } from "../../../drizzle/schema.ts";
import { countViews, listConversations, markRead, type InboxRow } from "../../conversations/inbox.ts";
import { reassignConversation } from "../../conversations/operator-actions.ts";
import type { OperatorNotice } from "../../events/types.ts";
import { requireOperator, seesCustomer } from "../../auth/access.ts";
import type { GraphQLContext } from "../context.ts";
import { lower, upper } from "../enum-case.ts";

const operatorById = async (ctx: GraphQLContext, id: string | null) => {
  if (!id) return null;
  const [row] = await ctx.services.db.select().from(operators).where(eq(operators.id, id));
  return row ?? null;
};

export const inboxResolvers = {
  Query: {
    conversations: (
      _: unknown,
      args: {
        filter?: { view?: string | null; department?: string | null; query?: string | null } | null;
        first?: number;
      },
      ctx: GraphQLContext,
    ) =>
      listConversations(
        ctx.services.db,
        ctx.actor,
        {
          view: args.filter?.view ? lower(args.filter.view) : undefined,
          department: args.filter?.department ?? undefined,
          query: args.filter?.query ?? undefined,
        },
        args.first ?? 50,
      ),
    conversationCounts: async (_: unknown, __: unknown, ctx: GraphQLContext) => {
      const c = await countViews(ctx.services.db, ctx.actor);
      return { ...c.views, allOpen: c.views.all_open, ...c.departments, unreadMine: c.unreadMine };
    },
  },
  Mutation: {
    reassignConversation: (_: unknown, args: { conversationId: string; operatorId: string }, ctx: GraphQLContext) =>
      reassignConversation(ctx.services.conversationDeps, ctx.actor, args),
    markConversationRead: (_: unknown, args: { conversationId: string; seq?: number | null }, ctx: GraphQLContext) =>
      markRead(ctx.services.db, ctx.actor, args.conversationId, args.seq),
  },
  Subscription: {
    myNotices: {
      subscribe: (_: unknown, __: unknown, ctx: GraphQLContext) => {
        const op = requireOperator(ctx.actor);
        return ctx.services.bus.subscribe("notice", op.operatorId, ctx.signal);
      },
      resolve: (notice: OperatorNotice) => notice,
    },
  },
  OperatorNotice: { type: (n: OperatorNotice) => upper(n.type) },
  ConversationListItem: {
    customerName: (r: InboxRow, _: unknown, ctx: GraphQLContext) =>
      seesCustomer(ctx.actor) ? r.customerName : "Customer",
    customerEmail: (r: InboxRow, _: unknown, ctx: GraphQLContext) => (seesCustomer(ctx.actor) ? r.customerEmail : null),
    owner: (r: InboxRow, _: unknown, ctx: GraphQLContext) =>
      r.conversation.owner === "ai" ? null : operatorById(ctx, r.conversation.owner),
    escalation: (r: InboxRow) =>
      r.escalation && { escalation: r.escalation, conversation: r.conversation, customerEmail: r.customerEmail },
    offeredTo: (r: InboxRow, _: unknown, ctx: GraphQLContext) =>
      r.escalation?.status === "pending" ? operatorById(ctx, r.escalation.assignedTo) : null,
    lastMessagePreview: (r: InboxRow) => r.lastMessage?.content ?? null,
    lastMessageAt: (r: InboxRow) => r.lastMessage?.at.toISOString() ?? null,
    lastMessageRole: (r: InboxRow) => (r.lastMessage ? upper(r.lastMessage.role) : null),
    waitingSince: (r: InboxRow) => r.waitingSince?.toISOString() ?? null,
    slaDueAt: (r: InboxRow, _: unknown, ctx: GraphQLContext) =>
      r.waitingSince
        ? new Date(r.waitingSince.getTime() + ctx.services.config.inbox.firstResponseMs).toISOString()
        : null,
  },
};
