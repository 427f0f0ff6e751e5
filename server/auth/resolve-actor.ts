import type { Queryable } from "../db/client.ts";
import { findConversationIdByToken } from "../conversations/service.ts";
import { anonymous, type Actor } from "./actor.ts";
import { OPERATOR_COOKIE, findOperatorBySession } from "../operators/service.ts";
import type { Operator } from "../../drizzle/schema.ts";

export const operatorActor = (op: Operator): Actor => ({ kind: "operator", operatorId: op.id, role: op.role, name: op.name });

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
  /** From `Authorization: Bearer …` or a graphql-ws connection_init `token`. */
  bearer?: string;
  cookieHeader?: string | null;
}

/**
 * Works out who is asking. An explicit credential that does not match is "invalid", not
 * anonymous: the caller meant to be someone and must be told it failed. A stale cookie is
 * ignored instead, so a customer whose conversation is gone can still start a new one.
 */
export async function resolveActor(db: Queryable, creds: Credentials): Promise<Actor | "invalid"> {
  if (creds.bearer !== undefined) {
    if (creds.bearer.startsWith("os_")) {
      const op = await findOperatorBySession(db, creds.bearer);
      return op ? operatorActor(op) : "invalid";
    }
    const id = await findConversationIdByToken(db, creds.bearer);
    return id ? { kind: "customer", conversationId: id } : "invalid";
  }
  // An operator session wins over a customer cookie in the same browser.
  const session = readCookie(creds.cookieHeader, OPERATOR_COOKIE);
  if (session) {
    const op = await findOperatorBySession(db, session);
    if (op) return operatorActor(op);
  }
  const cookie = readCookie(creds.cookieHeader, CUSTOMER_COOKIE);
  if (cookie) {
    const id = await findConversationIdByToken(db, cookie);
    if (id) return { kind: "customer", conversationId: id };
  }
  return anonymous;
}

export function bearerFrom(authorization: string | null | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
  return match ? match[1]! : authorization.trim();
}
