import type { WebhookDelivery, WebhookEndpoint, WebhookEventType } from "../../../drizzle/schema.ts";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  redeliverWebhook,
  updateWebhookEndpoint,
} from "../../webhooks/endpoints.ts";
import type { GraphQLContext } from "../context.ts";
import { upper } from "../enum-case.ts";

/** CONVERSATION_CREATED ↔ conversation.created. */
const eventToEnum = (e: string) => e.toUpperCase().replace(".", "_");
const eventFromEnum = (e: string) => e.toLowerCase().replace("_", ".") as WebhookEventType;
const iso = (d: Date | null) => d?.toISOString() ?? null;
const opts = (ctx: GraphQLContext) => ({ allowHttp: ctx.services.config.webhooks.allowHttp });

type EndpointArgs = { url?: string | null; events?: string[] | null; description?: string | null };

export const webhookResolvers = {
  Query: {
    webhookEndpoints: (_: unknown, __: unknown, ctx: GraphQLContext) =>
      listWebhookEndpoints(ctx.services.db, ctx.actor),
    webhookDeliveries: (_: unknown, args: { endpointId: string; first?: number | null }, ctx: GraphQLContext) =>
      listWebhookDeliveries(ctx.services.db, ctx.actor, args.endpointId, args.first ?? 50),
  },
  Mutation: {
    createWebhookEndpoint: (
      _: unknown,
      args: { input: EndpointArgs & { secret?: string | null } },
      ctx: GraphQLContext,
    ) =>
      createWebhookEndpoint(
        ctx.services.db,
        ctx.actor,
        { ...args.input, events: args.input.events?.map(eventFromEnum) },
        opts(ctx),
      ),
    updateWebhookEndpoint: (
      _: unknown,
      args: { id: string; input: EndpointArgs & { enabled?: boolean | null } },
      ctx: GraphQLContext,
    ) =>
      updateWebhookEndpoint(
        ctx.services.db,
        ctx.actor,
        args.id,
        { ...args.input, events: args.input.events?.map(eventFromEnum) },
        opts(ctx),
      ),
    deleteWebhookEndpoint: (_: unknown, args: { id: string }, ctx: GraphQLContext) =>
      deleteWebhookEndpoint(ctx.services.db, ctx.actor, args.id),
    redeliverWebhook: (_: unknown, args: { deliveryId: string }, ctx: GraphQLContext) =>
      redeliverWebhook(ctx.services.db, ctx.actor, args.deliveryId),
  },
  WebhookEndpoint: {
    events: (e: WebhookEndpoint) => e.events.map(eventToEnum),
    createdAt: (e: WebhookEndpoint) => e.createdAt.toISOString(),
  },
  WebhookDelivery: {
    eventType: (d: WebhookDelivery) => eventToEnum(d.eventType),
    status: (d: WebhookDelivery) => upper(d.status),
    lastAttemptAt: (d: WebhookDelivery) => iso(d.lastAttemptAt),
    nextAttemptAt: (d: WebhookDelivery) => (d.status === "pending" ? iso(d.nextAttemptAt) : null),
    deliveredAt: (d: WebhookDelivery) => iso(d.deliveredAt),
    createdAt: (d: WebhookDelivery) => d.createdAt.toISOString(),
  },
};
