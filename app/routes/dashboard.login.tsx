import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { resolveActor } from "#server/auth/resolve-actor.ts";
import { signIn } from "#server/operators/service.ts";
import { runAction } from "~/lib/action-error.server.ts";
import { operatorCookie } from "~/lib/operator.server.ts";
import { ActionResult } from "~/components/ui/action-result.tsx";

export { keepRetryAfter as headers } from "~/lib/retry-after.ts";

export const meta: MetaFunction = () => [{ title: "Sign in · Tandem" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await resolveActor(context.services.db, { cookieHeader: request.headers.get("cookie") });
  if (actor !== "invalid" && actor.kind === "operator") throw redirect("/dashboard");
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const next = String(form.get("next") ?? "/dashboard");
  const secure = context.services.config.cookies.secure;
  return runAction(async () => {
    const { token, operator } = await signIn(
      context.services.operatorDeps,
      { email: form.get("email"), password: form.get("password") },
      { clientIp: context.clientIp },
    );
    if (secure && context.protocol !== "https" && request.headers.get("origin")?.startsWith("http://")) {
      // The browser's own Origin says its page is plain HTTP: it would drop a Secure cookie and
      // every sign-in would seem to fail. (Behind a TLS proxy the Origin is https://, and we go on.)
      context.services.log.warn(
        "operator signed in over plain HTTP while COOKIE_SECURE is on: the browser will not keep the session; serve over HTTPS or set COOKIE_SECURE=false",
      );
      return Response.json(
        {
          error:
            "This server only keeps sign-ins over HTTPS. Open it with https://, or ask your admin to set COOKIE_SECURE=false for a plain-HTTP setup.",
        },
        { status: 400 },
      );
    }
    const target = operator.mustChangePassword
      ? "/dashboard/password"
      : next.startsWith("/dashboard") && !next.startsWith("//")
        ? next
        : "/dashboard";
    return redirect(target, {
      headers: { "Set-Cookie": operatorCookie(token, secure, context.services.config.sessions.operatorTtlMs) },
    });
  });
}

export default function Login() {
  const result = useActionData<{ error?: string }>();
  const [params] = useSearchParams();
  const busy = useNavigation().state !== "idle";
  return (
    <main className="mx-auto mt-24 w-full max-w-sm px-4">
      <h1 className="text-2xl font-semibold text-brand-700">Tandem operators</h1>
      <p className="mt-1 text-slate-600">Sign in to the support dashboard.</p>
      <Form method="post" className="mt-6 space-y-4">
        <input type="hidden" name="next" value={params.get("next") ?? "/dashboard"} />
        <div>
          <label htmlFor="email" className="block text-sm font-medium text-slate-700">
            Email
          </label>
          <input
            id="email"
            name="email"
            type="email"
            required
            autoComplete="username"
            className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2"
          />
        </div>
        <div>
          <label htmlFor="password" className="block text-sm font-medium text-slate-700">
            Password
          </label>
          <input
            id="password"
            name="password"
            type="password"
            required
            autoComplete="current-password"
            className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2"
          />
        </div>
        <ActionResult result={result} />
        <button
          type="submit"
          disabled={busy}
          className="w-full rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60"
        >
          Sign in
        </button>
      </Form>
    </main>
  );
}
