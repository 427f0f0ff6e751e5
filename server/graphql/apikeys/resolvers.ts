import type { ApiKey, ApiKeyUse, ApiScope } from "../../../drizzle/schema.ts";
import { createApiKey, listApiKeys, listApiKeyUses, revokeApiKey } from "../../apikeys/service.ts";
import type { GraphQLContext } from "../context.ts";

/** TICKETS_READ ↔ tickets:read. */
export const scopeToEnum = (scope: ApiScope) => scope.toUpperCase().replace(":", "_");
export const scopeFromEnum = (value: string) => value.toLowerCase().replace("_", ":") as ApiScope;

const deps = (ctx: GraphQLContext) => ({
  db: ctx.services.db,
  bus: ctx.services.bus,
  rateLimits: ctx.services.rateLimits,
  defaultPerMinute: ctx.services.config.limits.apiKeyPerMinute,
});

export const apiKeyResolvers = {
  Query: {
    apiKeys: (_: unknown, __: unknown, ctx: GraphQLContext) => listApiKeys(ctx.services.db, ctx.actor),
    apiKeyUses: (_: unknown, args: { id: string; first?: number | null }, ctx: GraphQLContext) =>
      listApiKeyUses(ctx.services.db, ctx.actor, args.id, args.first ?? 50),
  },
  Mutation: {
    createApiKey: (
      _: unknown,
      args: {
        input: { name: string; scopes: string[]; expiresAt?: string | null; rateLimitPerMinute?: number | null };
      },
      ctx: GraphQLContext,
    ) =>
      createApiKey(deps(ctx), ctx.actor, {
        name: args.input.name,
        scopes: args.input.scopes.map(scopeFromEnum),
        expiresAt: args.input.expiresAt,
        rateLimitPerMinute: args.input.rateLimitPerMinute,
      }),
    revokeApiKey: (_: unknown, args: { id: string }, ctx: GraphQLContext) =>
      revokeApiKey(deps(ctx), ctx.actor, args.id),
  },
  ApiKey: {
    scopes: (k: ApiKey) => k.scopes.map(scopeToEnum),
    createdAt: (k: ApiKey) => k.createdAt.toISOString(),
    expiresAt: (k: ApiKey) => k.expiresAt?.toISOString() ?? null,
    lastUsedAt: (k: ApiKey) => k.lastUsedAt?.toISOString() ?? null,
    revokedAt: (k: ApiKey) => k.revokedAt?.toISOString() ?? null,
    active: (k: ApiKey) => !k.revokedAt && (!k.expiresAt || k.expiresAt > new Date()),
  },
  ApiKeyUse: { at: (u: ApiKeyUse) => u.createdAt.toISOString() },
};
