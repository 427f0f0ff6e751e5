import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { changePassword } from "#server/operators/service.ts";
import { runAction } from "~/lib/action-error.server.ts";
import { operatorToken, requireOperatorSession } from "~/lib/operator.server.ts";
import { ActionResult } from "~/components/ui/action-result.tsx";

export const meta: MetaFunction = () => [{ title: "Change password · Tandem" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  return { mustChange: !!actor.mustChangePassword };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const form = await request.formData();
  return runAction(async () => {
    if (form.get("newPassword") !== form.get("confirmPassword"))
      return Response.json({ error: "The two new passwords differ." }, { status: 400 });
    await changePassword(
      context.services,
      actor,
      { currentPassword: form.get("currentPassword"), newPassword: form.get("newPassword") },
      operatorToken(request),
    );
    return redirect("/dashboard");
  });
}

const field = "mt-1 w-full rounded-md border border-slate-300 px-3 py-2";

export default function ChangePassword() {
  const { mustChange } = useLoaderData<typeof loader>();
  const result = useActionData<{ error?: string }>();
  const busy = useNavigation().state !== "idle";
  return (
    <main className="mx-auto mt-12 w-full max-w-sm px-4">
      <h1 className="text-xl font-semibold">Change your password</h1>
      <p className="mt-1 text-slate-600">
        {mustChange
          ? "Your password was set for you. Choose your own before you continue."
          : "At least 12 characters. Your other sessions will be signed out."}
      </p>
      <Form method="post" className="mt-6 space-y-4">
        <div>
          <label htmlFor="currentPassword" className="block text-sm font-medium text-slate-700">
            Current password
          </label>
          <input
            id="currentPassword"
            name="currentPassword"
            type="password"
            required
            autoComplete="current-password"
            className={field}
          />
        </div>
        <div>
          <label htmlFor="newPassword" className="block text-sm font-medium text-slate-700">
            New password
          </label>
          <input
            id="newPassword"
            name="newPassword"
            type="password"
            required
            minLength={12}
            autoComplete="new-password"
            className={field}
          />
        </div>
        <div>
          <label htmlFor="confirmPassword" className="block text-sm font-medium text-slate-700">
            New password again
          </label>
          <input
            id="confirmPassword"
            name="confirmPassword"
            type="password"
            required
            minLength={12}
            autoComplete="new-password"
            className={field}
          />
        </div>
        <ActionResult result={result} />
        <button
          type="submit"
          disabled={busy}
          className="w-full rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60"
        >
          Change password
        </button>
      </Form>
    </main>
  );
}

export { DashboardErrorBoundary as ErrorBoundary } from "~/components/dashboard-error.tsx";
