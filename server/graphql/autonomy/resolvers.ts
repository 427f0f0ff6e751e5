import { GraphQLScalarType, Kind, type ValueNode } from "graphql";
import { eq } from "drizzle-orm";
import {
  operators,
  type AutonomyMode,
  type Decision,
  type DecisionStatus,
  type Draft,
} from "../../../drizzle/schema.ts";
import {
  approveDecision,
  getDecision,
  listDecisions,
  rejectDecision,
  trackRecordOf,
} from "../../autonomy/decisions.ts";
import { effectiveMode, getAutonomySettings, setAutonomyMode, updateActionPolicy } from "../../autonomy/settings.ts";
import { getAction } from "../../autonomy/actions.ts";
import { discardDraft, listDrafts, sendDraft } from "../../autonomy/drafts.ts";
import { getConversation } from "../../conversations/service.ts";
import type { DecisionEvent } from "../../events/types.ts";
import { requireStaff } from "../../auth/access.ts";
import type { GraphQLContext } from "../context.ts";
import { lower, upper } from "../enum-case.ts";

function literal(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.LIST:
      return node.values.map(literal);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literal(f.value)]));
    default:
      return null;
  }
}

const JSONScalar = new GraphQLScalarType({
  name: "JSON",
  serialize: (v) => v,
  parseValue: (v) => v,
  parseLiteral: literal,
});

async function autonomyView(ctx: GraphQLContext, conversationId?: string | null) {
  requireStaff(ctx.actor, "decisions:read");
  const settings = await getAutonomySettings(ctx.services.db);
  const conversation = conversationId ? await getConversation(ctx.services.db, ctx.actor, conversationId) : null;
  return {
    mode: upper(conversation ? effectiveMode(conversation, settings) : settings.mode),
    globalMode: upper(settings.mode),
    proposalTtlMinutes: settings.proposalTtlMinutes,
    actions: Object.entries(settings.actions).map(([action, p]) => ({
      action,
      risk: getAction(action)?.risk ?? "high",
      ...p,
    })),
  };
}

const deps = (ctx: GraphQLContext) => ({ db: ctx.services.db, bus: ctx.services.bus });

export const autonomyResolvers = {
  JSON: JSONScalar,
  Query: {
    autonomy: (_: unknown, args: { conversationId?: string | null }, ctx: GraphQLContext) =>
      autonomyView(ctx, args.conversationId),
    decisions: (
      _: unknown,
      args: {
        filter?: {
          status?: string | null;
          action?: string | null;
          agent?: string | null;
          conversationId?: string | null;
        } | null;
        first?: number | null;
      },
      ctx: GraphQLContext,
    ) =>
      listDecisions(
        ctx.services.db,
        ctx.actor,
        {
          status: args.filter?.status ? (lower(args.filter.status) as DecisionStatus) : undefined,
          action: args.filter?.action ?? undefined,
          agent: args.filter?.agent ?? undefined,
          conversationId: args.filter?.conversationId ?? undefined,
        },
        args.first ?? 100,
      ),
    decision: (_: unknown, args: { id: string }, ctx: GraphQLContext) =>
      getDecision(ctx.services.db, ctx.actor, args.id),
    drafts: (_: unknown, args: { conversationId: string }, ctx: GraphQLContext) =>
      listDrafts(ctx.services.db, ctx.actor, args.conversationId),
  },
  Mutation: {
    setAutonomyMode: async (
      _: unknown,
      args: { mode?: string | null; conversationId?: string | null },
      ctx: GraphQLContext,
    ) => {
      await setAutonomyMode(
        deps(ctx),
        ctx.actor,
        args.mode ? (lower(args.mode) as AutonomyMode) : null,
        args.conversationId ?? undefined,
      );
      return autonomyView(ctx, args.conversationId);
    },
    updateActionPolicy: async (
      _: unknown,
      args: { action: string; input: Record<string, unknown> },
      ctx: GraphQLContext,
    ) => {
      await updateActionPolicy(ctx.services.db, ctx.actor, args.action, args.input);
      return autonomyView(ctx);
    },
    approveDecision: (_: unknown, args: { id: string }, ctx: GraphQLContext) =>
      approveDecision(deps(ctx), ctx.actor, args.id),
    rejectDecision: (_: unknown, args: { id: string; reason?: string | null }, ctx: GraphQLContext) =>
      rejectDecision(deps(ctx), ctx.actor, args.id, args.reason),
    sendDraft: (_: unknown, args: { id: string; content?: string | null }, ctx: GraphQLContext) =>
      sendDraft({ ...deps(ctx), maxMessageLength: ctx.services.config.limits.maxMessageLength }, ctx.actor, args),
    discardDraft: (_: unknown, args: { id: string }, ctx: GraphQLContext) =>
      discardDraft(deps(ctx), ctx.actor, args.id),
  },
  Subscription: {
    decisionEvents: {
      subscribe: (_: unknown, __: unknown, ctx: GraphQLContext) => {
        requireStaff(ctx.actor, "decisions:read");
        return ctx.services.bus.subscribe("decision", "all", ctx.signal);
      },
      resolve: (event: DecisionEvent) => event,
    },
  },
  Draft: {
    status: (d: Draft) => upper(d.status),
    createdAt: (d: Draft) => d.createdAt.toISOString(),
  },
  DecisionEvent: {
    type: (e: DecisionEvent) => upper(e.type),
    status: (e: DecisionEvent) => (e.status ? upper(e.status) : null),
  },
  Decision: {
    conversation: (d: Decision, _: unknown, ctx: GraphQLContext) =>
      getConversation(ctx.services.db, ctx.actor, d.conversationId),
    status: (d: Decision) => upper(d.status),
    trackRecord: (d: Decision, _: unknown, ctx: GraphQLContext) => trackRecordOf(ctx.services.db, d),
    decidedBy: async (d: Decision, _: unknown, ctx: GraphQLContext) => {
      if (!d.decidedBy) return null;
      const [row] = await ctx.services.db.select().from(operators).where(eq(operators.id, d.decidedBy));
      return row ?? null;
    },
    createdAt: (d: Decision) => d.createdAt.toISOString(),
    decidedAt: (d: Decision) => d.decidedAt?.toISOString() ?? null,
    expiresAt: (d: Decision) => d.expiresAt.toISOString(),
  },
};
