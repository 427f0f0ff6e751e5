import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import { apiKeyUses, apiKeys, apiScopes, type ApiKey, type ApiScope } from "../../drizzle/schema.ts";
import { requireAdminOrKey, staffLabel, type IntegrationActor } from "../auth/access.ts";
import type { Actor } from "../auth/actor.ts";
import type { RateLimits } from "../auth/rate-limit.ts";
import { generateToken, hashToken } from "../auth/tokens.ts";
import type { Queryable } from "../db/client.ts";
import type { EventBus } from "../events/bus.ts";
import { badInput, notFound } from "../errors.ts";
import { cleanText, parseChoices, parseId } from "../policy/input.ts";

/**
 * API keys: the one module that writes `api_keys` and `api_key_uses`. A key is a 256-bit random
 * secret with the `tdm_` prefix, shown once; only its SHA-256 is stored. Revoking a key takes
 * effect at once: the next request is refused and every instance closes its open sockets.
 */

export const API_KEY_PREFIX = "tdm";
/** How much of the secret lists show: enough to tell keys apart, far too little to use. */
const SHOWN_PREFIX_LENGTH = 12;
export const MAX_RATE_LIMIT_PER_MINUTE = 100_000;
/** last_used_at is written at most this often per key, so a busy key does not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiKeyDeps {
  db: Queryable;
  bus: EventBus;
  rateLimits: RateLimits;
  /** The limit of a key created without its own. */
  defaultPerMinute: number;
}

export interface CreateApiKeyInput {
  name?: unknown;
  scopes?: unknown;
  expiresAt?: unknown;
  rateLimitPerMinute?: unknown;
}

const parseScopes = (value: unknown): ApiScope[] =>
  parseChoices(value, apiScopes, "scopes", { none: "Give the key at least one scope.", one: "scope" });

function parseExpiry(value: unknown, now: Date): Date | null {
  if (value === undefined || value === null) return null;
  const at = value instanceof Date ? value : typeof value === "string" ? new Date(value) : null;
  if (!at || Number.isNaN(at.getTime()))
    throw badInput("expiresAt is a date and time, e.g. 2027-01-31T00:00:00Z.", "expiresAt");
  if (at <= now) throw badInput("expiresAt must be in the future.", "expiresAt");
  return at;
}

function parseRate(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_RATE_LIMIT_PER_MINUTE)
    throw badInput(
      `rateLimitPerMinute is a whole number from 1 to ${MAX_RATE_LIMIT_PER_MINUTE}.`,
      "rateLimitPerMinute",
    );
  return value;
}

/** Admins (and keys with the admin scope) create keys. The secret is in the answer and nowhere else, ever. */
export async function createApiKey(
  deps: ApiKeyDeps,
  actor: Actor,
  input: CreateApiKeyInput,
  now = new Date(),
): Promise<{ apiKey: ApiKey; secret: string }> {
  const creator = requireAdminOrKey(actor);
  const name = cleanText(input.name, "name", 80).trim();
  if (!name) throw badInput("Give the key a name, e.g. the integration that will use it.", "name");
  const scopes = parseScopes(input.scopes);
  const expiresAt = parseExpiry(input.expiresAt, now);
  const rateLimitPerMinute = parseRate(input.rateLimitPerMinute, deps.defaultPerMinute);
  const secret = generateToken(API_KEY_PREFIX);
  const by = staffLabel(creator);
  const [apiKey] = await deps.db
    .insert(apiKeys)
    .values({
      name,
      prefix: secret.slice(0, SHOWN_PREFIX_LENGTH),
      secretHash: hashToken(secret),
      scopes,
      rateLimitPerMinute,
      createdBy: by.id,
      createdByName: by.name,
      createdAt: now,
      expiresAt,
    })
    .returning();
  return { apiKey: apiKey!, secret };
}

export async function listApiKeys(db: Queryable, actor: Actor): Promise<ApiKey[]> {
  requireAdminOrKey(actor);
  return db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt)).limit(500);
}

/** Revokes at once, everywhere: open sockets of the key close on every instance. Revoking twice is harmless. */
export async function revokeApiKey(
  deps: Pick<ApiKeyDeps, "db" | "bus">,
  actor: Actor,
  id: unknown,
  now = new Date(),
): Promise<ApiKey> {
  requireAdminOrKey(actor);
  const keyId = parseId(id, "id", "API key");
  const [row] = await deps.db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)))
    .returning();
  if (row) {
    deps.bus.publish("session", "all", { apiKeyId: row.id, reason: "api key revoked", at: now.toISOString() });
    return row;
  }
  const [existing] = await deps.db.select().from(apiKeys).where(eq(apiKeys.id, keyId));
  if (!existing) throw notFound("API key");
  return existing;
}

export const integrationActor = (key: ApiKey): IntegrationActor => ({
  kind: "integration",
  apiKeyId: key.id,
  name: key.name,
  scopes: key.scopes,
  rateLimitPerMinute: key.rateLimitPerMinute,
});

/** The live key behind a secret: not revoked, not expired. */
export async function findApiKeyBySecret(db: Queryable, secret: string, now = new Date()): Promise<ApiKey | null> {
  if (!secret.startsWith(`${API_KEY_PREFIX}_`)) return null;
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.secretHash, hashToken(secret)))
    .limit(1);
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now)) return null;
  return row;
}

export interface ApiKeyUseInput {
  operationType: string;
  operation: string;
  clientIp: string;
  requestId: string;
}

/**
 * Admits one operation of a key, over any transport: takes from its rate limit (shared by every
 * instance), then records who ran what from where. Returns the figures for the RateLimit-* headers.
 */
export async function admitApiKeyUse(
  deps: Pick<ApiKeyDeps, "db" | "rateLimits">,
  actor: IntegrationActor,
  use: ApiKeyUseInput,
  now = new Date(),
): Promise<{ limit: number; remaining: number }> {
  const quota = await deps.rateLimits.takeApiKey(actor.apiKeyId, actor.rateLimitPerMinute);
  await deps.db.insert(apiKeyUses).values({
    apiKeyId: actor.apiKeyId,
    operationType: use.operationType.slice(0, 20),
    operation: use.operation.slice(0, 200),
    clientIp: use.clientIp.slice(0, 64),
    requestId: use.requestId.slice(0, 100),
    createdAt: now,
  });
  await deps.db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(
      and(
        eq(apiKeys.id, actor.apiKeyId),
        or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, new Date(now.getTime() - LAST_USED_RESOLUTION_MS))),
      ),
    );
  return quota;
}

/** A key's recent operations, newest first. */
export async function listApiKeyUses(db: Queryable, actor: Actor, id: unknown, first = 50) {
  requireAdminOrKey(actor);
  const keyId = parseId(id, "id", "API key");
  return db
    .select()
    .from(apiKeyUses)
    .where(eq(apiKeyUses.apiKeyId, keyId))
    .orderBy(desc(apiKeyUses.createdAt))
    .limit(Math.min(Math.max(1, first), 200));
}
