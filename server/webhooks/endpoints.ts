import { and, desc, eq } from "drizzle-orm";
import {
  webhookDeliveries,
  webhookEndpoints,
  webhookEventTypes,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEventType,
} from "../../drizzle/schema.ts";
import { requireAdminOrKey, staffLabel } from "../auth/access.ts";
import type { Actor } from "../auth/actor.ts";
import { generateToken } from "../auth/tokens.ts";
import type { Queryable } from "../db/client.ts";
import { badInput, conflict, notFound } from "../errors.ts";
import { cleanText, optionalText, parseChoices, parseId } from "../policy/input.ts";

/**
 * Webhook endpoints: the one module that writes `webhook_endpoints`, and redeliveries. Admins
 * and keys with webhooks:manage manage them. The signing secret is given or generated at creation
 * and returned then, never again.
 */

const MAX_ENDPOINTS = 50;

const manager = (actor: Actor) => requireAdminOrKey(actor, "webhooks:manage");

function parseUrl(value: unknown, allowHttp: boolean): string {
  const text = cleanText(value, "url", 2000).trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badInput("url must be an absolute URL, e.g. https://example.com/tandem.", "url");
  }
  if (url.protocol !== "https:" && !(allowHttp && url.protocol === "http:"))
    throw badInput(allowHttp ? "url must be http or https." : "url must be https.", "url");
  if (url.username || url.password) throw badInput("url must not carry credentials.", "url");
  return url.toString();
}

const parseEvents = (value: unknown): WebhookEventType[] =>
  parseChoices(value, webhookEventTypes, "events", { none: "Choose at least one event.", one: "event" });

function parseSecret(value: unknown): string {
  if (value === undefined || value === null || value === "") return generateToken("whsec");
  const secret = cleanText(value, "secret", 200).trim();
  if (secret.length < 24) throw badInput("A signing secret has at least 24 characters.", "secret");
  return secret;
}

export interface EndpointInput {
  url?: unknown;
  events?: unknown;
  secret?: unknown;
  description?: unknown;
}

export async function createWebhookEndpoint(
  db: Queryable,
  actor: Actor,
  input: EndpointInput,
  opts: { allowHttp: boolean },
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const by = staffLabel(manager(actor));
  const url = parseUrl(input.url, opts.allowHttp);
  const events = parseEvents(input.events);
  const secret = parseSecret(input.secret);
  const description = optionalText(input.description, "description", 200)?.trim() || null;
  if ((await db.select({ id: webhookEndpoints.id }).from(webhookEndpoints)).length >= MAX_ENDPOINTS)
    throw conflict(`At most ${MAX_ENDPOINTS} webhook endpoints.`);
  const [endpoint] = await db
    .insert(webhookEndpoints)
    .values({ url, events, secret, description, createdBy: by.id, createdByName: by.name })
    .returning();
  return { endpoint: endpoint!, secret };
}

export async function listWebhookEndpoints(db: Queryable, actor: Actor): Promise<WebhookEndpoint[]> {
  manager(actor);
  return db.select().from(webhookEndpoints).orderBy(desc(webhookEndpoints.createdAt));
}

async function endpointById(db: Queryable, id: unknown): Promise<WebhookEndpoint> {
  const [row] = await db
    .select()
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.id, parseId(id, "id", "webhook endpoint id")));
  if (!row) throw notFound("Webhook endpoint");
  return row;
}

/** Changes the URL or events, or turns it on or off. Turning it on again clears why Tandem turned it off. */
export async function updateWebhookEndpoint(
  db: Queryable,
  actor: Actor,
  id: unknown,
  input: { url?: unknown; events?: unknown; enabled?: unknown; description?: unknown },
  opts: { allowHttp: boolean },
): Promise<WebhookEndpoint> {
  manager(actor);
  const existing = await endpointById(db, id);
  const change: Partial<WebhookEndpoint> = { updatedAt: new Date() };
  if (input.url !== undefined && input.url !== null) change.url = parseUrl(input.url, opts.allowHttp);
  if (input.events !== undefined && input.events !== null) change.events = parseEvents(input.events);
  if (input.description !== undefined)
    change.description = optionalText(input.description, "description", 200)?.trim() || null;
  if (typeof input.enabled === "boolean") {
    change.enabled = input.enabled;
    if (input.enabled) change.disabledReason = null;
  }
  const [row] = await db.update(webhookEndpoints).set(change).where(eq(webhookEndpoints.id, existing.id)).returning();
  return row!;
}

export async function deleteWebhookEndpoint(db: Queryable, actor: Actor, id: unknown): Promise<WebhookEndpoint> {
  manager(actor);
  const existing = await endpointById(db, id);
  await db.delete(webhookEndpoints).where(eq(webhookEndpoints.id, existing.id));
  return existing;
}

/** An endpoint's deliveries, newest first: the delivery log. */
export async function listWebhookDeliveries(
  db: Queryable,
  actor: Actor,
  endpointId: unknown,
  first = 50,
): Promise<WebhookDelivery[]> {
  manager(actor);
  const endpoint = await endpointById(db, endpointId);
  if (!Number.isInteger(first) || first < 1 || first > 200) throw badInput("first is 1 to 200.", "first");
  return db
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.endpointId, endpoint.id))
    .orderBy(desc(webhookDeliveries.createdAt))
    .limit(first);
}

/** Sends a delivery's event again, now, as a new delivery with the same event id (receivers de-duplicate by it). */
export async function redeliverWebhook(db: Queryable, actor: Actor, deliveryId: unknown): Promise<WebhookDelivery> {
  manager(actor);
  const [original] = await db
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.id, parseId(deliveryId, "deliveryId", "delivery id")));
  if (!original) throw notFound("Delivery");
  const endpoint = await endpointById(db, original.endpointId);
  if (!endpoint.enabled) throw conflict("The endpoint is turned off. Turn it on to send to it again.");
  const [copy] = await db
    .insert(webhookDeliveries)
    .values({
      endpointId: original.endpointId,
      eventId: original.eventId,
      eventType: original.eventType,
      payload: original.payload,
    })
    .returning();
  return copy!;
}

/** Tandem turns off an endpoint whose deliveries kept failing; an admin turns it on again. */
export async function disableFailingEndpoint(db: Queryable, endpointId: string, reason: string): Promise<void> {
  await db
    .update(webhookEndpoints)
    .set({ enabled: false, disabledReason: reason, updatedAt: new Date() })
    .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.enabled, true)));
}
