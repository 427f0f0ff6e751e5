import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { signOut } from "#server/operators/service.ts";
import { clearOperatorCookie, operatorToken } from "~/lib/operator.server.ts";

/** Revokes the session server-side, then clears the cookie. */
export async function action({ request, context }: ActionFunctionArgs) {
  const token = operatorToken(request);
  if (token) await signOut(context.services, token);
  return redirect("/dashboard/login", { headers: { "Set-Cookie": clearOperatorCookie() } });
}

export const loader = () => redirect("/dashboard");
