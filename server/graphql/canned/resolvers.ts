import type { CannedResponse } from "../../../drizzle/schema.ts";
import {
  createCannedResponse,
  deleteCannedResponse,
  listCannedResponses,
  updateCannedResponse,
} from "../../canned/service.ts";
import type { GraphQLContext } from "../context.ts";

type Input = { shortcut?: string | null; title?: string | null; body?: string | null };
/** GraphQL's null means "not given" for a partial update. */
const given = (input: Input) =>
  Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined)) as Input;

export const cannedResolvers = {
  Query: {
    cannedResponses: (_: unknown, __: unknown, ctx: GraphQLContext) => listCannedResponses(ctx.services.db, ctx.actor),
  },
  Mutation: {
    createCannedResponse: (_: unknown, args: { input: Input }, ctx: GraphQLContext) =>
      createCannedResponse(ctx.services.db, ctx.actor, given(args.input)),
    updateCannedResponse: (_: unknown, args: { id: string; input: Input }, ctx: GraphQLContext) =>
      updateCannedResponse(ctx.services.db, ctx.actor, args.id, given(args.input)),
    deleteCannedResponse: (_: unknown, args: { id: string }, ctx: GraphQLContext) =>
      deleteCannedResponse(ctx.services.db, ctx.actor, args.id),
  },
  CannedResponse: { updatedAt: (c: CannedResponse) => c.updatedAt.toISOString() },
};
