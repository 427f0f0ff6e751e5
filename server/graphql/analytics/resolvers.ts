import { analyticsReport } from "../../analytics/report.ts";
import type { GraphQLContext } from "../context.ts";

export const analyticsResolvers = {
  Query: {
    analytics: (_: unknown, args: { days: number }, ctx: GraphQLContext) =>
      analyticsReport(ctx.services.db, ctx.actor, { days: args.days }),
  },
};
