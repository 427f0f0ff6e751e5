import type { AppLoadContext } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { readCookie, resolveActor } from "#server/auth/resolve-actor.ts";
import { OPERATOR_COOKIE, SESSION_TTL_MS, type OperatorActor } from "#server/operators/service.ts";

/** The operator's session cookie: never readable by scripts, never sent on a cross-site request. */
export function operatorCookie(token: string, secure: boolean, ttlMs = SESSION_TTL_MS): string {
  return `${OPERATOR_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(ttlMs / 1000)}${secure ? "; Secure" : ""}`;
}

export const clearOperatorCookie = () => `${OPERATOR_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;

/** The signed-in operator, or a redirect to the login page (every dashboard loader and action starts here). */
export async function requireOperatorSession(request: Request, context: AppLoadContext): Promise<OperatorActor> {
  const header = request.headers.get("cookie");
  if (readCookie(header, OPERATOR_COOKIE)) {
    const actor = await resolveActor(context.services.db, { cookieHeader: header });
    if (actor !== "invalid" && actor.kind === "operator") {
      // Until a generated or reset password is changed, the dashboard is the password page only.
      if (actor.mustChangePassword && !new URL(request.url).pathname.startsWith("/dashboard/password"))
        throw redirect("/dashboard/password");
      return actor;
    }
  }
  const next = new URL(request.url).pathname;
  throw redirect(`/dashboard/login?next=${encodeURIComponent(next)}`, {
    headers: { "Set-Cookie": clearOperatorCookie() },
  });
}

export function operatorToken(request: Request): string | undefined {
  return readCookie(request.headers.get("cookie"), OPERATOR_COOKIE);
}
