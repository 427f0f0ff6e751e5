import type { Conversation, Escalation } from "../../../drizzle/schema.ts";
import {
  closeExternalConversation,
  createExternalEscalation,
  externalEscalation,
  postExternalMessage,
} from "../../conversations/external.ts";
import { streamConversationEvents } from "../../conversations/stream.ts";
import type { ConversationEvent } from "../../events/types.ts";
import type { GraphQLContext } from "../context.ts";
import { lower } from "../enum-case.ts";

type EscalationParent = { escalation: Escalation; conversation: Conversation };

export const externalResolvers = {
  Mutation: {
    createEscalation: async (
      _: unknown,
      args: {
        input: Record<string, unknown> & {
          priority?: string | null;
          transcript?: Array<{ role: string; content: string }> | null;
        };
      },
      ctx: GraphQLContext,
    ) => {
      const { priority, transcript, ...rest } = args.input;
      const result = await createExternalEscalation(ctx.services.conversationDeps, ctx.actor, {
        ...rest,
        priority: priority ? lower(priority) : undefined,
        transcript: transcript?.map((m) => ({ role: lower(m.role), content: m.content })),
      });
      return {
        escalation: { escalation: result.escalation, conversation: result.conversation, customerEmail: null },
        duplicate: result.duplicate,
      };
    },
    postExternalMessage: (
      _: unknown,
      args: { input: { escalationId: string; content: string; clientMessageId: string } },
      ctx: GraphQLContext,
    ) => postExternalMessage(ctx.services.conversationDeps, ctx.actor, args.input),
    closeExternalConversation: (_: unknown, args: { escalationId: string }, ctx: GraphQLContext) =>
      closeExternalConversation(ctx.services, ctx.actor, args.escalationId),
  },
  Subscription: {
    escalationEvents: {
      subscribe: async (_: unknown, args: { escalationId: string; after?: number | null }, ctx: GraphQLContext) => {
        const { conversation } = await externalEscalation(ctx.services.db, ctx.actor, args.escalationId);
        // The integration relays to its customer: it reads what the customer would, nothing of the team's side.
        const asCustomer = { kind: "customer" as const, conversationId: conversation.id };
        return streamConversationEvents(ctx.services, asCustomer, conversation.id, args.after ?? 0, ctx.signal);
      },
      resolve: (event: ConversationEvent) => event,
    },
  },
  Escalation: {
    integration: (r: EscalationParent) => r.conversation.integrationName,
    externalConversationId: (r: EscalationParent) => r.conversation.externalId,
  },
  Conversation: {
    integration: (c: Conversation) => c.integrationName,
  },
};
