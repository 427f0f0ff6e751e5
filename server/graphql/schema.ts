import { createSchema } from "graphql-yoga";
import type { GraphQLContext } from "./context.ts";
import { conversationResolvers } from "./conversations/resolvers.ts";
import { conversationTypeDefs } from "./conversations/type-defs.ts";
import { operatorResolvers } from "./operators/resolvers.ts";
import { operatorTypeDefs } from "./operators/type-defs.ts";
import { statusResolvers } from "./status/resolvers.ts";
import { statusTypeDefs } from "./status/type-defs.ts";
import { ticketResolvers } from "./tickets/resolvers.ts";
import { ticketTypeDefs } from "./tickets/type-defs.ts";

/** The executable schema. server/graphql/schema.graphql is its printed form; a test keeps them equal. */
export function buildSchema() {
  return createSchema<GraphQLContext>({
    typeDefs: [conversationTypeDefs, operatorTypeDefs, ticketTypeDefs, statusTypeDefs],
    resolvers: [conversationResolvers, operatorResolvers, ticketResolvers, statusResolvers],
  });
}
