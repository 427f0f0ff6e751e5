import type { Conversation, Escalation, Operator } from "../../../drizzle/schema.ts";
import {
  claimEscalation,
  handBackToAgent,
  listInbox,
  resolveConversation,
  sendOperatorMessage,
  takeOverConversation,
} from "../../conversations/operator-actions.ts";
import { toMessageView } from "../../conversations/views.ts";
import { addPrivateNote } from "../../conversations/notes.ts";
import type { InboxEvent } from "../../events/types.ts";
import {
  changePassword,
  createOperator,
  listOperators,
  resetOperatorPassword,
  requireOperator,
  setAvailability,
  signIn,
  signOut,
  updateOperator,
} from "../../operators/service.ts";
import { requireStaff, seesCustomer } from "../../auth/access.ts";
import { readCookie } from "../../auth/resolve-actor.ts";
import { getConversation } from "../../conversations/service.ts";
import { OPERATOR_COOKIE } from "../../operators/service.ts";
import { isConnected, whileConnected } from "../../operators/presence.ts";
import type { GraphQLContext } from "../context.ts";
import { lower, upper } from "../enum-case.ts";
import { eq } from "drizzle-orm";
import { operators } from "../../../drizzle/schema.ts";
import { notFound } from "../../errors.ts";

/** The operator session token this request presented (bearer or cookie). */
const sessionToken = (ctx: GraphQLContext) =>
  ctx.credentials.bearer ?? readCookie(ctx.credentials.cookieHeader, OPERATOR_COOKIE);

/** What an Escalation field resolves from: the row, its conversation, and the customer's email if linked. */
type EscalationParent = { escalation: Escalation; conversation: Conversation; customerEmail: string | null };

export const operatorResolvers = {
  Query: {
    me: async (_: unknown, __: unknown, ctx: GraphQLContext) => {
      const op = requireOperator(ctx.actor, { allowPasswordChange: true });
      const [row] = await ctx.services.db.select().from(operators).where(eq(operators.id, op.operatorId));
      if (!row) throw notFound("Operator");
      return row;
    },
    inbox: async (_: unknown, __: unknown, ctx: GraphQLContext) => {
      const inbox = await listInbox(ctx.services, ctx.actor);
      return { escalations: inbox.escalations, aiConversations: inbox.aiConversations.map((r) => r.conversation) };
    },
    operators: (_: unknown, __: unknown, ctx: GraphQLContext) => listOperators(ctx.services.db, ctx.actor),
  },
  Mutation: {
    signIn: (_: unknown, args: { email: string; password: string }, ctx: GraphQLContext) =>
      signIn(ctx.services.operatorDeps, args, { clientIp: ctx.clientIp }),
    signOut: async (_: unknown, __: unknown, ctx: GraphQLContext) => {
      requireOperator(ctx.actor, { allowPasswordChange: true });
      const token = sessionToken(ctx);
      if (token) await signOut(ctx.services, token);
      return true;
    },
    changePassword: (_: unknown, args: { currentPassword: string; newPassword: string }, ctx: GraphQLContext) =>
      changePassword(ctx.services, ctx.actor, args, sessionToken(ctx)),
    resetOperatorPassword: (_: unknown, args: { operatorId: string; newPassword: string }, ctx: GraphQLContext) =>
      resetOperatorPassword(ctx.services, ctx.actor, args),
    claimEscalation: async (_: unknown, args: { id: string }, ctx: GraphQLContext): Promise<EscalationParent> => {
      const escalation = await claimEscalation(ctx.services.conversationDeps, ctx.actor, args.id);
      const conversation = await getConversation(ctx.services.db, ctx.actor, escalation.conversationId);
      return { escalation, conversation, customerEmail: null };
    },
    takeOverConversation: (_: unknown, args: { conversationId: string }, ctx: GraphQLContext) =>
      takeOverConversation(ctx.services.conversationDeps, ctx.actor, args.conversationId),
    sendOperatorMessage: async (
      _: unknown,
      args: { input: { conversationId: string; content: string; clientMessageId: string } },
      ctx: GraphQLContext,
    ) => {
      const { message, duplicate } = await sendOperatorMessage(ctx.services.conversationDeps, ctx.actor, args.input);
      return { message: toMessageView(message), duplicate };
    },
    handBackToAgent: (
      _: unknown,
      args: { input: { conversationId: string; agent: string; note: string } },
      ctx: GraphQLContext,
    ) => handBackToAgent(ctx.services.conversationDeps, ctx.actor, args.input),
    addPrivateNote: async (
      _: unknown,
      args: { input: { conversationId: string; body: string; clientMessageId?: string | null } },
      ctx: GraphQLContext,
    ) => toMessageView(await addPrivateNote(ctx.services.conversationDeps, ctx.actor, args.input)),
    resolveConversation: (_: unknown, args: { conversationId: string }, ctx: GraphQLContext) =>
      resolveConversation(ctx.services.conversationDeps, ctx.actor, args.conversationId),
    setAvailability: (_: unknown, args: { availability: "ONLINE" | "AWAY" | "OFFLINE" }, ctx: GraphQLContext) =>
      setAvailability(ctx.services, ctx.actor, lower(args.availability)),
    createOperator: (
      _: unknown,
      args: { input: { email: string; name: string; role: "OPERATOR" | "ADMIN"; password: string } },
      ctx: GraphQLContext,
    ) => createOperator(ctx.services.db, ctx.actor, { ...args.input, role: lower(args.input.role) }),
    updateOperator: (
      _: unknown,
      args: { id: string; input: { role?: "OPERATOR" | "ADMIN"; disabled?: boolean; capacity?: number } },
      ctx: GraphQLContext,
    ) =>
      updateOperator(ctx.services, ctx.actor, args.id, {
        ...(args.input.role ? { role: lower(args.input.role) } : {}),
        ...(args.input.disabled !== undefined && args.input.disabled !== null ? { disabled: args.input.disabled } : {}),
        ...(args.input.capacity != null ? { capacity: args.input.capacity } : {}),
      }),
  },
  Subscription: {
    inboxEvents: {
      subscribe: (_: unknown, __: unknown, ctx: GraphQLContext) => {
        const staff = requireStaff(ctx.actor, "conversations:read");
        const events = ctx.services.bus.subscribe("inbox", "all", ctx.signal);
        // An open inbox subscription is an open dashboard: it keeps the operator connected.
        return staff.kind === "operator" ? whileConnected(ctx.services.db, staff.operatorId, events) : events;
      },
      resolve: (event: InboxEvent) => event,
    },
  },
  Operator: {
    role: (o: Operator) => upper(o.role),
    availability: (o: Operator) => upper(o.availability),
    connected: (o: Operator) => isConnected(o),
    lastSeenAt: (o: Operator) => o.lastSeenAt?.toISOString() ?? null,
  },
  InboxEvent: { type: (e: InboxEvent) => upper(e.type) },
  Escalation: {
    id: (r: EscalationParent) => r.escalation.id,
    conversation: (r: EscalationParent) => r.conversation,
    reason: (r: EscalationParent) => r.escalation.reason,
    summary: (r: EscalationParent) => r.escalation.summary,
    priority: (r: EscalationParent) => upper(r.escalation.priority),
    status: (r: EscalationParent) => upper(r.escalation.status),
    agent: (r: EscalationParent) => r.escalation.agent,
    ticketId: (r: EscalationParent) => r.escalation.ticketId,
    customerEmail: (r: EscalationParent, _: unknown, ctx: GraphQLContext) =>
      seesCustomer(ctx.actor) ? r.customerEmail : null,
    claimedBy: async (r: EscalationParent, _: unknown, ctx: GraphQLContext) => {
      if (!r.escalation.claimedBy) return null;
      const [row] = await ctx.services.db.select().from(operators).where(eq(operators.id, r.escalation.claimedBy));
      return row ?? null;
    },
    createdAt: (r: EscalationParent) => r.escalation.createdAt.toISOString(),
    waitingSeconds: (r: EscalationParent) =>
      Math.max(0, Math.round((Date.now() - r.escalation.createdAt.getTime()) / 1000)),
  },
};
