import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Link, useFetcher, useLoaderData } from "@remix-run/react";
import { priorities, ticketStatuses, type Priority, type TicketStatus } from "#drizzle/schema.ts";
import {
  departmentLabels,
  getTicketAudit,
  getTicketForOperator,
  ticketPeople,
  updateTicketAsOperator,
} from "#server/tickets/service.ts";
import { listOperators } from "#server/operators/service.ts";
import { runAction, runLoader } from "~/lib/action-error.server.ts";
import { SelectField, enumOptions } from "~/components/ui/select-field.tsx";
import { requireOperatorSession } from "~/lib/operator.server.ts";
import { useInboxStream } from "~/lib/use-inbox-stream.ts";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const ticket = await runLoader(() => getTicketForOperator(context.services.db, actor, String(params.id)));
  const audit = await getTicketAudit(context.services.db, ticket.id);
  const people = (await ticketPeople(context.services.db, [ticket])).get(ticket.id);
  const team = (await listOperators(context.services.db, actor)).filter((o) => !o.disabled);
  return {
    requester: people?.requester ?? null,
    team: team.map((o) => ({ value: o.id, label: o.name })),
    ticket: {
      ...ticket,
      department: departmentLabels[ticket.department],
      createdAt: ticket.createdAt.toISOString(),
      updatedAt: ticket.updatedAt.toISOString(),
    },
    audit: audit.map((a) => ({ ...a, createdAt: a.createdAt.toISOString().slice(0, 19).replace("T", " ") })),
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const form = await request.formData();
  return runAction(async () => {
    const status = String(form.get("status") ?? "") || undefined;
    const priority = String(form.get("priority") ?? "") || undefined;
    await updateTicketAsOperator(context.services, actor, String(params.id), {
      status: status as TicketStatus | undefined,
      priority: priority as Priority | undefined,
      note: String(form.get("note") ?? ""),
      noteToCustomer: form.get("noteToCustomer") === "on",
      assigneeId: form.has("assigneeId") ? String(form.get("assigneeId")) || null : undefined,
    });
    return { ok: true };
  });
}

export default function TicketDetail() {
  const { ticket, audit, requester, team } = useLoaderData<typeof loader>();
  const fetcher = useFetcher<{ ok?: boolean; error?: string }>();
  useInboxStream();
  return (
    <main className="mx-auto w-full max-w-4xl px-4 py-6">
      <Link to="/dashboard/tickets" className="text-sm text-brand-700 underline">
        Back to tickets
      </Link>
      <h1 className="mt-2 text-xl font-semibold">
        {ticket.id}: {ticket.subject}
      </h1>
      <p className="mt-1 text-sm text-slate-600">
        {ticket.department} · priority <span data-testid="ticket-priority">{ticket.priority}</span> · status{" "}
        <span data-testid="ticket-status">{ticket.status.replace(/_/g, " ")}</span>
      </p>
      <p className="mt-1 text-sm">
        Requester: <span className="font-medium">{requester ?? "unknown"}</span>
      </p>
      {ticket.contactEmail ? (
        <p className="mt-1 text-sm">
          Follow-up email: <span className="break-all font-medium">{ticket.contactEmail}</span>
        </p>
      ) : null}
      {ticket.conversationId ? (
        <p className="mt-1 text-sm">
          <Link to={`/dashboard/conversations/${ticket.conversationId}`} className="text-brand-700 underline">
            Open the conversation
          </Link>
        </p>
      ) : null}
      <p className="mt-3 whitespace-pre-wrap">{ticket.description}</p>
      <fetcher.Form
        method="post"
        key={ticket.updatedAt}
        className="mt-6 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
      >
        <SelectField id="status" label="Status" defaultValue={ticket.status} options={enumOptions(ticketStatuses)} />
        <SelectField id="priority" label="Priority" defaultValue={ticket.priority} options={enumOptions(priorities)} />
        <SelectField
          id="assigneeId"
          label="Assignee"
          any="Nobody"
          defaultValue={ticket.assigneeId ?? ""}
          options={team}
        />
        <div className="min-w-[14rem] flex-1">
          <label htmlFor="note" className="block text-xs font-medium text-slate-600">
            Note (internal: only your team sees it)
          </label>
          <input
            id="note"
            name="note"
            maxLength={2000}
            className="w-full rounded-md border border-slate-300 px-2 py-1.5"
          />
          <label className="mt-1 flex items-center gap-2 text-xs text-slate-700">
            <input type="checkbox" name="noteToCustomer" />
            Also send this note to the customer{ticket.conversationId ? "" : " (no conversation to send it to)"}
          </label>
        </div>
        <button type="submit" className="rounded-md bg-brand-600 px-4 py-1.5 font-medium text-white hover:bg-brand-700">
          Save
        </button>
        {fetcher.data?.error ? (
          <p role="alert" className="w-full text-sm text-red-700">
            {fetcher.data.error}
          </p>
        ) : null}
      </fetcher.Form>
      <section aria-labelledby="audit-heading" className="mt-6">
        <h2 id="audit-heading" className="font-semibold">
          Audit trail
        </h2>
        <ol className="mt-2 space-y-2 text-sm">
          {audit.map((a) => (
            <li key={a.id} className="rounded border border-slate-200 bg-white px-3 py-2">
              <span className="text-slate-600">{a.createdAt}</span> · <span className="font-medium">{a.actorName}</span>{" "}
              · {a.action}
              {a.statusBefore !== a.statusAfter && a.statusAfter
                ? ` · status ${a.statusBefore ?? "none"} → ${a.statusAfter}`
                : ""}
              {a.priorityBefore !== a.priorityAfter && a.priorityAfter
                ? ` · priority ${a.priorityBefore ?? "none"} → ${a.priorityAfter}`
                : ""}
              {a.note ? <p className="mt-1 whitespace-pre-wrap">{a.note}</p> : null}
            </li>
          ))}
        </ol>
      </section>
    </main>
  );
}

export { DashboardErrorBoundary as ErrorBoundary } from "~/components/dashboard-error.tsx";
