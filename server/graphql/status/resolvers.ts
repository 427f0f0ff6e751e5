import { eq } from "drizzle-orm";
import { systemServices, type Incident, type SystemService } from "../../../drizzle/schema.ts";
import { requireStaff } from "../../auth/access.ts";
import { openIncident, readStatus, setServiceStatus, updateIncident } from "../../status/service.ts";
import type { GraphQLContext } from "../context.ts";
import { lower, upper } from "../enum-case.ts";

const deps = (ctx: GraphQLContext) => ({ db: ctx.services.db, bus: ctx.services.bus });

export const statusResolvers = {
  Query: {
    systemStatus: async (_: unknown, __: unknown, ctx: GraphQLContext) => {
      // The team reads it; an API key needs the admin scope (a status page or monitor).
      requireStaff(ctx.actor, "admin");
      const { allOperational, services, incidents } = await readStatus(ctx.services.db);
      return { allOperational, services, openIncidents: incidents };
    },
  },
  Mutation: {
    setServiceStatus: (_: unknown, args: { serviceId: string; status: string }, ctx: GraphQLContext) =>
      setServiceStatus(deps(ctx), ctx.actor, args.serviceId, lower(args.status)),
    openIncident: (
      _: unknown,
      args: { input: { serviceId: string; title: string; status: string } },
      ctx: GraphQLContext,
    ) => openIncident(deps(ctx), ctx.actor, { ...args.input, status: lower(args.input.status) }),
    updateIncident: (_: unknown, args: { id: string; status: string }, ctx: GraphQLContext) =>
      updateIncident(deps(ctx), ctx.actor, args.id, lower(args.status)),
  },
  SystemService: {
    status: (s: SystemService) => upper(s.status),
    updatedAt: (s: SystemService) => s.updatedAt.toISOString(),
  },
  Incident: {
    status: (i: Incident) => upper(i.status),
    startedAt: (i: Incident) => i.startedAt.toISOString(),
    resolvedAt: (i: Incident) => i.resolvedAt?.toISOString() ?? null,
    service: async (i: Incident, _: unknown, ctx: GraphQLContext) => {
      const [row] = await ctx.services.db.select().from(systemServices).where(eq(systemServices.id, i.serviceId));
      return row!;
    },
  },
};
