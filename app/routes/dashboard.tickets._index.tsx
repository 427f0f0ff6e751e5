import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigate, useSubmit } from "@remix-run/react";
import { useRef } from "react";
import {
  departments,
  priorities,
  ticketStatuses,
  type Department,
  type Priority,
  type TicketStatus,
} from "#drizzle/schema.ts";
import { departmentLabels, listTickets, ticketPeople } from "#server/tickets/service.ts";
import { SelectField, enumOptions } from "~/components/ui/select-field.tsx";
import { requireOperatorSession } from "~/lib/operator.server.ts";
import { useInboxStream } from "~/lib/use-inbox-stream.ts";

const pick = <T extends string>(allowed: readonly T[], value: string | null) =>
  value && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const url = new URL(request.url);
  const filter = {
    status: pick<TicketStatus>(ticketStatuses, url.searchParams.get("status")),
    department: pick<Department>(departments, url.searchParams.get("department")),
    priority: pick<Priority>(priorities, url.searchParams.get("priority")),
    search: url.searchParams.get("q") ?? undefined,
    assignee: pick<"me" | "nobody">(["me", "nobody"], url.searchParams.get("assignee")),
  };
  const rows = await listTickets(context.services.db, actor, filter);
  const people = await ticketPeople(context.services.db, rows);
  return {
    filter,
    tickets: rows.map((t) => ({
      requester: people.get(t.id)?.requester ?? null,
      assignee: people.get(t.id)?.assignee ?? null,
      id: t.id,
      subject: t.subject,
      department: departmentLabels[t.department],
      priority: t.priority,
      status: t.status,
      updatedAt: t.updatedAt.toISOString().slice(0, 16).replace("T", " "),
    })),
  };
}

export default function Tickets() {
  const { filter, tickets } = useLoaderData<typeof loader>();
  const submit = useSubmit();
  const navigate = useNavigate();
  const searchTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useInboxStream();
  return (
    <main className="mx-auto w-full max-w-6xl px-4 py-6">
      <h1 className="text-xl font-semibold">Tickets</h1>
      {/* Filters apply at once: a choice submits the form, typing a search waits for a pause. */}
      <Form
        method="get"
        className="mt-4 flex flex-wrap items-end gap-3"
        aria-label="Filter tickets"
        onChange={(event) => {
          const form = event.currentTarget;
          clearTimeout(searchTimer.current);
          const wait = (event.target as HTMLElement).getAttribute("type") === "search" ? 300 : 0;
          searchTimer.current = setTimeout(() => submit(form, { replace: true }), wait);
        }}
      >
        <div>
          <label htmlFor="q" className="block text-xs font-medium text-slate-600">
            Search
          </label>
          <input
            id="q"
            name="q"
            type="search"
            defaultValue={filter.search ?? ""}
            className="rounded-md border border-slate-300 px-2 py-1.5"
          />
        </div>
        <SelectField
          id="status"
          label="Status"
          any="Any"
          defaultValue={filter.status ?? ""}
          options={enumOptions(ticketStatuses)}
        />
        <SelectField
          id="department"
          label="Department"
          any="Any"
          defaultValue={filter.department ?? ""}
          options={enumOptions(departments, departmentLabels)}
        />
        <SelectField
          id="priority"
          label="Priority"
          any="Any"
          defaultValue={filter.priority ?? ""}
          options={enumOptions(priorities)}
        />
        <SelectField
          id="assignee"
          label="Assignee"
          any="Anyone"
          defaultValue={filter.assignee ?? ""}
          options={[
            { value: "me", label: "Me" },
            { value: "nobody", label: "Nobody" },
          ]}
        />
        <button type="submit" className="rounded-md bg-brand-600 px-4 py-1.5 font-medium text-white hover:bg-brand-700">
          Apply
        </button>
      </Form>
      <table className="mt-6 w-full border-collapse rounded-lg bg-white text-left text-sm">
        <caption className="sr-only">Tickets matching the filters</caption>
        <thead className="border-b border-slate-200 text-slate-600">
          <tr>
            <th scope="col" className="px-3 py-2">
              Ticket
            </th>
            <th scope="col" className="px-3 py-2">
              Subject
            </th>
            <th scope="col" className="px-3 py-2">
              Requester
            </th>
            <th scope="col" className="px-3 py-2">
              Assignee
            </th>
            <th scope="col" className="px-3 py-2">
              Department
            </th>
            <th scope="col" className="px-3 py-2">
              Priority
            </th>
            <th scope="col" className="px-3 py-2">
              Status
            </th>
            <th scope="col" className="px-3 py-2">
              Updated
            </th>
          </tr>
        </thead>
        <tbody>
          {tickets.map((t) => (
            <tr
              key={t.id}
              className="cursor-pointer border-b border-slate-100 hover:bg-slate-100"
              onClick={(event) => {
                // The whole row opens the ticket; the id stays a real link for keyboards and new tabs.
                if ((event.target as HTMLElement).closest("a")) return;
                navigate(`/dashboard/tickets/${t.id}`);
              }}
            >
              <td className="px-3 py-2">
                <Link to={`/dashboard/tickets/${t.id}`} className="font-medium text-brand-700 underline">
                  {t.id}
                </Link>
              </td>
              <td className="px-3 py-2">{t.subject}</td>
              <td className="max-w-[14rem] truncate px-3 py-2">{t.requester ?? "Unknown"}</td>
              <td className="px-3 py-2">{t.assignee ?? "Nobody"}</td>
              <td className="px-3 py-2">{t.department}</td>
              <td className="px-3 py-2">{t.priority}</td>
              <td className="px-3 py-2">{t.status.replace(/_/g, " ")}</td>
              <td className="px-3 py-2 text-slate-600">{t.updatedAt}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {tickets.length === 0 ? <p className="mt-4 text-slate-500">No tickets match.</p> : null}
    </main>
  );
}

export { DashboardErrorBoundary as ErrorBoundary } from "~/components/dashboard-error.tsx";
