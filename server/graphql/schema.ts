import { createSchema } from "graphql-yoga";
import type { GraphQLContext } from "./context.ts";
import { analyticsResolvers } from "./analytics/resolvers.ts";
import { analyticsTypeDefs } from "./analytics/type-defs.ts";
import { apiKeyResolvers } from "./apikeys/resolvers.ts";
import { apiKeyTypeDefs } from "./apikeys/type-defs.ts";
import { externalResolvers } from "./external/resolvers.ts";
import { externalTypeDefs } from "./external/type-defs.ts";
import { webhookResolvers } from "./webhooks/resolvers.ts";
import { webhookTypeDefs } from "./webhooks/type-defs.ts";
import { autonomyResolvers } from "./autonomy/resolvers.ts";
import { autonomyTypeDefs } from "./autonomy/type-defs.ts";
import { conductorResolvers } from "./conductor/resolvers.ts";
import { conductorTypeDefs } from "./conductor/type-defs.ts";
import { conversationResolvers } from "./conversations/resolvers.ts";
import { conversationTypeDefs } from "./conversations/type-defs.ts";
import { cannedResolvers } from "./canned/resolvers.ts";
import { cannedTypeDefs } from "./canned/type-defs.ts";
import { inboxResolvers } from "./inbox/resolvers.ts";
import { inboxTypeDefs } from "./inbox/type-defs.ts";
import { operatorResolvers } from "./operators/resolvers.ts";
import { operatorTypeDefs } from "./operators/type-defs.ts";
import { statusResolvers } from "./status/resolvers.ts";
import { statusTypeDefs } from "./status/type-defs.ts";
import { ticketResolvers } from "./tickets/resolvers.ts";
import { ticketTypeDefs } from "./tickets/type-defs.ts";

/** The executable schema. server/graphql/schema.graphql is its printed form; a test keeps them equal. */
export function buildSchema() {
  return createSchema<GraphQLContext>({
    typeDefs: [
      conversationTypeDefs,
      operatorTypeDefs,
      ticketTypeDefs,
      statusTypeDefs,
      autonomyTypeDefs,
      inboxTypeDefs,
      cannedTypeDefs,
      conductorTypeDefs,
      apiKeyTypeDefs,
      externalTypeDefs,
      webhookTypeDefs,
      analyticsTypeDefs,
    ],
    resolvers: [
      conversationResolvers,
      operatorResolvers,
      ticketResolvers,
      statusResolvers,
      autonomyResolvers,
      inboxResolvers,
      cannedResolvers,
      conductorResolvers,
      apiKeyResolvers,
      externalResolvers,
      webhookResolvers,
      analyticsResolvers,
    ],
  });
}
