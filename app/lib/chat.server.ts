import type { AppLoadContext } from "@remix-run/node";
import { CUSTOMER_COOKIE, readCookie, resolveActor } from "#server/auth/resolve-actor.ts";
import type { Actor } from "#server/auth/actor.ts";

export { CUSTOMER_COOKIE };

const MAX_AGE = 60 * 60 * 24 * 30;

export function customerCookie(token: string, secure: boolean): string {
  return `${CUSTOMER_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${MAX_AGE}${secure ? "; Secure" : ""}`;
}

export function clearCustomerCookie(): string {
  return `${CUSTOMER_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;
}

/** The customer behind the request's cookie, or anonymous. A stale cookie counts as none. */
export async function getCustomerActor(request: Request, context: AppLoadContext): Promise<Actor> {
  const header = request.headers.get("cookie");
  if (!readCookie(header, CUSTOMER_COOKIE)) return { kind: "anonymous" };
  const actor = await resolveActor(context.services.db, { cookieHeader: header });
  return actor === "invalid" ? { kind: "anonymous" } : actor;
}
