import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { getAssignmentSettings, updateAssignmentSettings } from "#server/escalations/assignment.ts";
import { isConnected } from "#server/operators/presence.ts";
import {
  createOperator,
  listOperators,
  requireAdmin,
  resetOperatorPassword,
  updateOperator,
} from "#server/operators/service.ts";
import { ActionResult } from "~/components/ui/action-result.tsx";
import { runAction } from "~/lib/action-error.server.ts";
import { requireOperatorSession } from "~/lib/operator.server.ts";
import { useInboxStream } from "~/lib/use-inbox-stream.ts";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  if (actor.role !== "admin") throw new Response("Only admins can manage operators.", { status: 403 });
  const rows = await listOperators(context.services.db, actor);
  return {
    me: actor.operatorId,
    operators: rows.map((o) => ({
      id: o.id,
      name: o.name,
      email: o.email,
      role: o.role,
      disabled: o.disabled,
      availability: o.availability,
      connected: isConnected(o),
      capacity: o.capacity,
    })),
    settings: await getAssignmentSettings(context.services.db),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const form = await request.formData();
  const db = context.services.db;
  return runAction(async () => {
    requireAdmin(actor);
    switch (form.get("intent")) {
      case "create":
        await createOperator(db, actor, {
          email: String(form.get("email") ?? ""),
          name: String(form.get("name") ?? ""),
          role: form.get("role") === "admin" ? "admin" : "operator",
          password: String(form.get("password") ?? ""),
        });
        return { ok: "Operator created." };
      case "update":
        await updateOperator(context.services, actor, String(form.get("id")), {
          role: form.get("role") === "admin" ? "admin" : "operator",
          disabled: form.get("disabled") === "on",
          capacity: Number(form.get("capacity")),
        });
        return { ok: "Saved." };
      case "reset-password":
        await resetOperatorPassword(context.services, actor, {
          operatorId: form.get("id"),
          newPassword: form.get("newPassword"),
        });
        return {
          ok: "Password reset. They are signed out everywhere and must choose a new one at their next sign-in.",
        };
      case "settings":
        await updateAssignmentSettings(db, actor, {
          mode: form.get("mode") === "manual" ? "manual" : "auto",
          reassignAfterMs: Math.round(Number(form.get("reassignMinutes")) * 60_000),
        });
        return { ok: "Assignment settings saved." };
      default:
        return Response.json({ error: "Unknown action." }, { status: 400 });
    }
  });
}

const input = "rounded-md border border-slate-300 px-2 py-1.5";

export default function Operators() {
  const { operators, settings, me } = useLoaderData<typeof loader>();
  const result = useActionData<{ ok?: string; error?: string }>();
  useInboxStream();
  return (
    <main className="mx-auto w-full max-w-5xl space-y-8 px-4 py-6">
      <h1 className="text-xl font-semibold">Operators</h1>
      <ActionResult result={result} />
      <section aria-labelledby="team-heading">
        <h2 id="team-heading" className="font-semibold">
          Team
        </h2>
        <ul className="mt-2 space-y-2">
          {operators.map((o) => (
            <li key={o.id} className="rounded-lg border border-slate-200 bg-white p-3">
              <Form method="post" className="flex flex-wrap items-end gap-3" aria-label={`Edit ${o.name}`}>
                <input type="hidden" name="intent" value="update" />
                <input type="hidden" name="id" value={o.id} />
                <span className="min-w-48">
                  <span className="font-medium">{o.name}</span>{" "}
                  <span className="text-sm text-slate-500">
                    {o.email} · {o.availability}
                    {o.availability !== "offline" && !o.connected ? " (not connected)" : ""}
                  </span>
                </span>
                <label className="text-sm">
                  Role{" "}
                  <select name="role" defaultValue={o.role} className={input} disabled={o.id === me}>
                    <option value="operator">Operator</option>
                    <option value="admin">Admin</option>
                  </select>
                </label>
                <label className="text-sm">
                  Capacity{" "}
                  <input
                    name="capacity"
                    type="number"
                    min={1}
                    max={50}
                    defaultValue={o.capacity}
                    className={`${input} w-20`}
                  />
                </label>
                <label className="text-sm">
                  <input name="disabled" type="checkbox" defaultChecked={o.disabled} disabled={o.id === me} /> Disabled
                </label>
                <button
                  type="submit"
                  className="rounded-md border border-brand-600 px-3 py-1.5 text-sm font-medium text-brand-700"
                >
                  Save {o.name}
                </button>
              </Form>
              {o.id !== me ? (
                <Form
                  method="post"
                  className="mt-2 flex flex-wrap items-end gap-3"
                  aria-label={`Reset the password of ${o.name}`}
                >
                  <input type="hidden" name="intent" value="reset-password" />
                  <input type="hidden" name="id" value={o.id} />
                  <label className="text-sm">
                    New password for {o.name}{" "}
                    <input
                      name="newPassword"
                      type="password"
                      minLength={12}
                      required
                      autoComplete="new-password"
                      className={input}
                    />
                  </label>
                  <button
                    type="submit"
                    className="rounded-md border border-slate-300 px-3 py-1.5 text-sm text-slate-700"
                  >
                    Reset password
                  </button>
                </Form>
              ) : null}
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="new-heading">
        <h2 id="new-heading" className="font-semibold">
          Add an operator
        </h2>
        <Form
          method="post"
          className="mt-2 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3"
        >
          <input type="hidden" name="intent" value="create" />
          <label className="text-sm">
            Name <input name="name" required className={input} />
          </label>
          <label className="text-sm">
            Email <input name="email" type="email" required className={input} />
          </label>
          <label className="text-sm">
            Password{" "}
            <input
              name="password"
              type="password"
              minLength={12}
              required
              autoComplete="new-password"
              className={input}
            />
          </label>
          <label className="text-sm">
            Role{" "}
            <select name="role" defaultValue="operator" className={input}>
              <option value="operator">Operator</option>
              <option value="admin">Admin</option>
            </select>
          </label>
          <button type="submit" className="rounded-md bg-brand-600 px-4 py-1.5 font-medium text-white">
            Add operator
          </button>
        </Form>
      </section>
      <section aria-labelledby="assignment-heading">
        <h2 id="assignment-heading" className="font-semibold">
          Assignment
        </h2>
        <Form
          method="post"
          className="mt-2 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3"
        >
          <input type="hidden" name="intent" value="settings" />
          <label className="text-sm">
            New escalations{" "}
            <select name="mode" defaultValue={settings.mode} className={input}>
              <option value="auto">Assign to the least-loaded available operator</option>
              <option value="manual">Leave unassigned for claiming</option>
            </select>
          </label>
          <label className="text-sm">
            Reassign after (minutes){" "}
            <input
              name="reassignMinutes"
              type="number"
              min={1}
              step={1}
              defaultValue={Math.round(settings.reassignAfterMs / 60_000)}
              className={`${input} w-20`}
            />
          </label>
          <button type="submit" className="rounded-md bg-brand-600 px-4 py-1.5 font-medium text-white">
            Save settings
          </button>
        </Form>
      </section>
    </main>
  );
}

export { DashboardErrorBoundary as ErrorBoundary } from "~/components/dashboard-error.tsx";
