import type { AppLoadContext } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { readCookie, resolveActor } from "../../server/auth/resolve-actor.ts";
import { OPERATOR_COOKIE, SESSION_TTL_MS, type OperatorActor } from "../../server/operators/service.ts";

export function operatorCookie(token: string, secure: boolean): string {
  return `${OPERATOR_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_TTL_MS / 1000}${secure ? "; Secure" : ""}`;
}

export const clearOperatorCookie = () => `${OPERATOR_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;

/** The signed-in operator, or a redirect to the login page (every dashboard loader and action starts here). */
export async function requireOperatorSession(request: Request, context: AppLoadContext): Promise<OperatorActor> {
  const header = request.headers.get("cookie");
  if (readCookie(header, OPERATOR_COOKIE)) {
    const actor = await resolveActor(context.services.db, { cookieHeader: header });
    if (actor !== "invalid" && actor.kind === "operator") return actor;
  }
  const next = new URL(request.url).pathname;
  throw redirect(`/dashboard/login?next=${encodeURIComponent(next)}`, { headers: { "Set-Cookie": clearOperatorCookie() } });
}

export function operatorToken(request: Request): string | undefined {
  return readCookie(request.headers.get("cookie"), OPERATOR_COOKIE);
}
