import { eq } from "drizzle-orm";
import { decisions, type Intervention } from "../../../drizzle/schema.ts";
import { contextPairs } from "../../autonomy/learning.ts";
import {
  conductorOverview,
  conversationHealthOf,
  interventionHistory,
  interventionStats,
  type HealthView,
} from "../../conductor/view.ts";
import type { ConductorEvent } from "../../events/types.ts";
import { requireStaff, seesCustomer } from "../../auth/access.ts";
import type { GraphQLContext } from "../context.ts";
import { upper } from "../enum-case.ts";

export const conductorResolvers = {
  Query: {
    conductor: (_: unknown, args: { first?: number | null }, ctx: GraphQLContext) =>
      conductorOverview(ctx.services.db, ctx.actor, {
        enabled: ctx.services.config.conductor.enabled,
        first: args.first ?? undefined,
      }),
    conversationHealth: (_: unknown, args: { conversationId: string }, ctx: GraphQLContext) =>
      conversationHealthOf(ctx.services.db, ctx.actor, args.conversationId),
    interventions: (_: unknown, args: { conversationId?: string | null; first?: number | null }, ctx: GraphQLContext) =>
      interventionHistory(ctx.services.db, ctx.actor, {
        conversationId: args.conversationId ?? undefined,
        first: args.first ?? undefined,
      }),
    interventionStats: (_: unknown, __: unknown, ctx: GraphQLContext) => interventionStats(ctx.services.db, ctx.actor),
  },
  Subscription: {
    conductorEvents: {
      subscribe: (_: unknown, __: unknown, ctx: GraphQLContext) => {
        requireStaff(ctx.actor, "decisions:read");
        return ctx.services.bus.subscribe("conductor", "all", ctx.signal);
      },
      resolve: (event: ConductorEvent) => event,
    },
  },
  Conductor: { status: (c: { status: string }) => upper(c.status) },
  ConversationHealth: {
    status: (h: HealthView) => upper(h.status),
    customerName: (h: HealthView, _: unknown, ctx: GraphQLContext) => (seesCustomer(ctx.actor) ? h.customerName : null),
  },
  Anomaly: { kind: (a: { kind: string }) => upper(a.kind) },
  ConductorEvent: { type: (e: ConductorEvent) => upper(e.type) },
  Intervention: {
    anomaly: (i: Intervention) => upper(i.anomaly),
    outcome: (i: Intervention) => upper(i.outcome),
    context: (i: Intervention) => contextPairs(i.contextKey),
    decision: async (i: Intervention, _: unknown, ctx: GraphQLContext) => {
      if (!i.decisionId) return null;
      const [row] = await ctx.services.db.select().from(decisions).where(eq(decisions.id, i.decisionId));
      return row ?? null;
    },
    anomalyAt: (i: Intervention) => i.anomalyAt?.toISOString() ?? null,
    reactionMs: (i: Intervention) => (i.anomalyAt ? i.createdAt.getTime() - i.anomalyAt.getTime() : null),
    createdAt: (i: Intervention) => i.createdAt.toISOString(),
    dueAt: (i: Intervention) => i.dueAt.toISOString(),
    settledAt: (i: Intervention) => i.settledAt?.toISOString() ?? null,
  },
};
