import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { placeholders } from "#server/canned/placeholders.ts";
import {
  createCannedResponse,
  deleteCannedResponse,
  listCannedResponses,
  updateCannedResponse,
} from "#server/canned/service.ts";
import { ActionResult } from "~/components/ui/action-result.tsx";
import { runAction } from "~/lib/action-error.server.ts";
import { badgeTitle } from "~/lib/attention.ts";
import { requireOperatorSession } from "~/lib/operator.server.ts";

export const meta: MetaFunction = ({ matches }) => [{ title: badgeTitle(matches, "Saved replies · Tandem") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const rows = await listCannedResponses(context.services.db, actor);
  return {
    admin: actor.role === "admin",
    replies: rows.map((r) => ({ id: r.id, shortcut: r.shortcut, title: r.title, body: r.body })),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const form = await request.formData();
  const { db } = context.services;
  const input = { shortcut: form.get("shortcut"), title: form.get("title"), body: form.get("body") };
  return runAction(async () => {
    switch (form.get("intent")) {
      case "create":
        await createCannedResponse(db, actor, input);
        return { ok: "Saved." };
      case "update":
        await updateCannedResponse(db, actor, form.get("id"), input);
        return { ok: "Saved." };
      case "delete":
        await deleteCannedResponse(db, actor, form.get("id"));
        return { ok: "Deleted." };
      default:
        return Response.json({ error: "Unknown action." }, { status: 400 });
    }
  });
}

const field = "w-full rounded-md border border-slate-300 px-2 py-1.5";

/** Saved replies: every operator sees them (and inserts them with / in the composer); admins edit them. */
export default function SavedReplies() {
  const { admin, replies } = useLoaderData<typeof loader>();
  return (
    <main className="mx-auto w-full max-w-4xl px-4 py-6">
      <h1 className="text-xl font-semibold">Saved replies</h1>
      <p className="mt-1 text-sm text-slate-700">
        Type <kbd className="rounded border border-slate-300 px-1 font-mono text-xs">/</kbd> in a reply to insert one.
        Placeholders:{" "}
        {Object.entries(placeholders).map(([name, meaning], i) => (
          <span key={name}>
            {i ? ", " : ""}
            <code className="text-xs">{`{{${name}}}`}</code> ({meaning.toLowerCase()})
          </span>
        ))}
        .
      </p>
      {admin ? <ReplyForm intent="create" /> : null}
      <ul className="mt-6 space-y-3">
        {replies.length === 0 ? <li className="text-slate-700">No saved replies yet.</li> : null}
        {replies.map((r) =>
          admin ? (
            <li key={r.id}>
              <ReplyForm intent="update" reply={r} />
            </li>
          ) : (
            <li key={r.id} className="rounded-lg border border-slate-200 bg-white p-3">
              <p>
                <span className="font-mono text-sm text-slate-700">/{r.shortcut}</span>{" "}
                <span className="font-medium">{r.title}</span>
              </p>
              <p className="mt-1 whitespace-pre-wrap text-sm">{r.body}</p>
            </li>
          ),
        )}
      </ul>
    </main>
  );
}

function ReplyForm({
  intent,
  reply,
}: {
  intent: "create" | "update";
  reply?: { id: string; shortcut: string; title: string; body: string };
}) {
  const fetcher = useFetcher<{ ok?: string; error?: string }>();
  const busy = fetcher.state !== "idle";
  const id = reply?.id ?? "new";
  return (
    <fetcher.Form
      method="post"
      aria-label={reply ? `Saved reply /${reply.shortcut}` : "New saved reply"}
      className="mt-4 space-y-2 rounded-lg border border-slate-200 bg-white p-3"
      // A new reply's form is emptied once it is saved.
      key={intent === "create" && fetcher.data?.ok ? Math.random() : id}
    >
      {reply ? <input type="hidden" name="id" value={reply.id} /> : null}
      <div className="grid gap-2 sm:grid-cols-[12rem_minmax(0,1fr)]">
        <div>
          <label htmlFor={`shortcut-${id}`} className="block text-xs font-medium text-slate-700">
            Shortcut
          </label>
          <input
            id={`shortcut-${id}`}
            name="shortcut"
            defaultValue={reply?.shortcut}
            required
            pattern="[a-z0-9][a-z0-9\-]{1,31}"
            className={field}
          />
        </div>
        <div>
          <label htmlFor={`title-${id}`} className="block text-xs font-medium text-slate-700">
            Title
          </label>
          <input
            id={`title-${id}`}
            name="title"
            defaultValue={reply?.title}
            required
            maxLength={80}
            className={field}
          />
        </div>
      </div>
      <div>
        <label htmlFor={`body-${id}`} className="block text-xs font-medium text-slate-700">
          Text
        </label>
        <textarea
          id={`body-${id}`}
          name="body"
          defaultValue={reply?.body}
          required
          maxLength={2000}
          rows={3}
          className={field}
        />
      </div>
      <div className="flex items-center gap-2">
        <button
          type="submit"
          name="intent"
          value={intent}
          disabled={busy}
          className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-70"
        >
          {intent === "create" ? "Add saved reply" : "Save"}
        </button>
        {reply ? (
          <button
            type="submit"
            name="intent"
            value="delete"
            formNoValidate
            disabled={busy}
            className="rounded-md border border-slate-300 px-3 py-1.5 text-sm text-slate-700 disabled:opacity-70"
          >
            Delete
          </button>
        ) : null}
        <ActionResult result={fetcher.data} />
      </div>
    </fetcher.Form>
  );
}

export { DashboardErrorBoundary as ErrorBoundary } from "~/components/dashboard-error.tsx";
