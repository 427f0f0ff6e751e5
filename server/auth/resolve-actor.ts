import type { Queryable } from "../db/client.ts";
import { findConversationByToken } from "../conversations/service.ts";
import { anonymous, type Actor } from "./actor.ts";
import { OPERATOR_COOKIE, findOperatorBySession } from "../operators/service.ts";
import type { Operator } from "../../drizzle/schema.ts";
import { API_KEY_PREFIX, findApiKeyBySecret, integrationActor } from "../apikeys/service.ts";

export const operatorActor = (op: Operator): Actor => ({
  kind: "operator",
  operatorId: op.id,
  role: op.role,
  name: op.name,
  ...(op.mustChangePassword ? { mustChangePassword: true } : {}),
});

export const CUSTOMER_COOKIE = "tandem_ct";

export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export interface Credentials {
  /** From `Authorization: Bearer …`, or a graphql-ws connection_init `token` or `apiKey`. */
  bearer?: string;
  cookieHeader?: string | null;
}

/**
 * Works out who is asking. An explicit credential that does not match is "invalid", not
 * anonymous: the caller meant to be someone and must be told it failed. A stale cookie is
 * ignored instead, so a customer whose conversation is gone can still start a new one.
 */
export async function resolveActor(db: Queryable, creds: Credentials): Promise<Actor | "invalid"> {
  const session = await resolveSession(db, creds);
  return session === "invalid" ? session : session.actor;
}

/** Who is asking, how they proved it, and until when that proof holds (null: no expiry). */
export interface ResolvedSession {
  actor: Actor;
  expiresAt: Date | null;
  /** The operator session's id or the customer's conversation: what a revocation names. */
  via: "operator-session" | "customer-token" | "api-key" | "none";
  /** Set when the operator must change their password before doing anything else. */
  mustChangePassword?: boolean;
}

async function operatorSession(db: Queryable, token: string): Promise<ResolvedSession | null> {
  const found = await findOperatorBySession(db, token);
  return found
    ? {
        actor: operatorActor(found.operator),
        expiresAt: found.expiresAt,
        via: "operator-session",
        mustChangePassword: found.operator.mustChangePassword,
      }
    : null;
}

async function customerToken(db: Queryable, token: string): Promise<ResolvedSession | null> {
  const found = await findConversationByToken(db, token);
  return found
    ? { actor: { kind: "customer", conversationId: found.id }, expiresAt: found.expiresAt, via: "customer-token" }
    : null;
}

async function apiKey(db: Queryable, secret: string): Promise<ResolvedSession | null> {
  const key = await findApiKeyBySecret(db, secret);
  return key ? { actor: integrationActor(key), expiresAt: key.expiresAt, via: "api-key" } : null;
}

/** The session behind a request's credentials (functions at module level: this runs on every request). */
export async function resolveSession(db: Queryable, creds: Credentials): Promise<ResolvedSession | "invalid"> {
  if (creds.bearer !== undefined) {
    const bearer = creds.bearer;
    const found = bearer.startsWith("os_")
      ? await operatorSession(db, bearer)
      : bearer.startsWith(`${API_KEY_PREFIX}_`)
        ? await apiKey(db, bearer)
        : await customerToken(db, bearer);
    return found ?? "invalid";
  }
  // An operator session wins over a customer cookie in the same browser.
  const session = readCookie(creds.cookieHeader, OPERATOR_COOKIE);
  const asOperator = session ? await operatorSession(db, session) : null;
  if (asOperator) return asOperator;
  const cookie = readCookie(creds.cookieHeader, CUSTOMER_COOKIE);
  const asCustomer = cookie ? await customerToken(db, cookie) : null;
  return asCustomer ?? { actor: anonymous, expiresAt: null, via: "none" };
}

export function bearerFrom(authorization: string | null | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
  return match ? match[1]! : authorization.trim();
}
