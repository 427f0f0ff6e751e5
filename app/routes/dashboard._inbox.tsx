import { keepLastData } from "~/lib/keep-last-data.ts";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, Outlet, useFetcher, useLoaderData, useLocation, useParams } from "@remix-run/react";
import { departments } from "#drizzle/schema.ts";
import { countViews, inboxViews, listConversations, viewNames, type InboxView } from "#server/conversations/inbox.ts";
import { DashboardErrorBoundary } from "~/components/dashboard-error.tsx";
import { toListItem, type ListItem } from "~/lib/inbox.server.ts";
import { requireOperatorSession } from "~/lib/operator.server.ts";
import { CLAIM_ATTR, inboxItem, useInboxKeys } from "~/lib/use-inbox-keys.ts";
import { duration, exactTime, relativeTime, useNow } from "~/lib/use-now.ts";

const listViews = ["mine", "unassigned", "waiting", "all_open", "ai", "resolved"] as const;
const departmentNames = { technical: "Technical", billing: "Billing", sales: "Sales" } as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const url = new URL(request.url);
  const askedView = url.searchParams.get("view");
  const query = url.searchParams.get("q")?.trim().slice(0, 200) || null;
  // With a search and no view chosen, search everything, resolved conversations included.
  const view: InboxView =
    askedView && (inboxViews as readonly string[]).includes(askedView)
      ? (askedView as InboxView)
      : query
        ? "all"
        : "all_open";
  const askedDepartment = url.searchParams.get("department");
  const department = departments.find((d) => d === askedDepartment) ?? null;
  const { db } = context.services;
  const [rows, counts] = await Promise.all([
    listConversations(db, actor, { view, department: department ?? undefined, query: query ?? undefined }, 100),
    countViews(db, actor),
  ]);
  return {
    me: actor.operatorId,
    view,
    department,
    query,
    counts,
    items: rows.map((r) => toListItem(r, context.services.config.inbox.firstResponseMs)),
  };
}

const priorityStyle: Record<string, string> = {
  urgent: "bg-red-100 text-red-900",
  high: "bg-orange-100 text-orange-900",
  medium: "bg-amber-50 text-amber-900",
  low: "bg-slate-100 text-slate-700",
};

/**
 * The inbox: views with live counts on the left, the chosen view's conversations in the middle,
 * and the open conversation (or the team overview) beside them. The list and the counts are
 * refetched on every inbox event, so every operator's screen shows the same truth.
 */
export default function InboxLayout() {
  const data = useLoaderData<typeof loader>();
  const params = useParams();
  const location = useLocation();
  useInboxKeys();
  const search = location.search;
  const viewHref = (view: string, department?: string) => {
    const next = new URLSearchParams();
    next.set("view", view);
    if (department) next.set("department", department);
    return `/dashboard?${next}`;
  };
  const open = Boolean(params.id);
  // The open conversation's name is the page's main heading; the list's is then a section heading.
  const Heading = open ? "h2" : "h1";
  return (
    <div className="mx-auto grid min-h-0 w-full max-w-[110rem] flex-1 grid-cols-1 lg:grid-cols-[11rem_21rem_minmax(0,1fr)]">
      <nav
        aria-label="Views"
        className={`border-b border-slate-200 bg-white p-3 lg:border-b-0 lg:border-r ${open ? "hidden lg:block" : ""}`}
      >
        <ul className="flex flex-wrap gap-1 lg:flex-col">
          {listViews.map((v) => (
            <li key={v}>
              <Link
                to={viewHref(v)}
                aria-current={data.view === v && !data.department ? "page" : undefined}
                className={`flex items-center justify-between rounded-md px-2 py-1.5 text-sm ${data.view === v && !data.department ? "bg-brand-50 font-semibold text-brand-800" : "text-slate-700 hover:bg-slate-100"}`}
              >
                <span>{viewNames[v]}</span>
                {v !== "resolved" ? (
                  <span className="ml-2 text-xs tabular-nums text-slate-600" data-testid={`count-${v}`}>
                    {data.counts.views[v]}
                  </span>
                ) : null}
              </Link>
            </li>
          ))}
        </ul>
        <h2 className="mt-4 px-2 text-xs font-semibold uppercase tracking-wide text-slate-600">Departments</h2>
        <ul className="mt-1 flex flex-wrap gap-1 lg:flex-col">
          {departments.map((d) => (
            <li key={d}>
              <Link
                to={viewHref("all_open", d)}
                aria-current={data.department === d ? "page" : undefined}
                className={`flex items-center justify-between rounded-md px-2 py-1.5 text-sm ${data.department === d ? "bg-brand-50 font-semibold text-brand-800" : "text-slate-700 hover:bg-slate-100"}`}
              >
                <span>{departmentNames[d]}</span>
                <span className="ml-2 text-xs tabular-nums text-slate-600">{data.counts.departments[d]}</span>
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <section
        aria-labelledby="list-heading"
        className={`flex min-h-0 min-w-0 flex-col border-b border-slate-200 bg-white lg:border-b-0 lg:border-r ${open ? "hidden lg:flex" : ""}`}
      >
        <p id="inbox-keys" className="sr-only">
          Keys: j and k move between conversations, Enter opens, c claims, Control K searches.
        </p>
        <div className="border-b border-slate-200 p-3">
          <Heading id="list-heading" className="text-lg font-semibold">
            Inbox: {data.department ? `${departmentNames[data.department]}, open` : viewNames[data.view]}{" "}
            <span className="text-sm font-normal text-slate-600">({data.items.length})</span>
          </Heading>
          <Form method="get" action="/dashboard" role="search" className="mt-2 flex gap-2">
            {data.view !== "all" ? <input type="hidden" name="view" value={data.view} /> : null}
            <label htmlFor="inbox-search" className="sr-only">
              Search conversations
            </label>
            <input
              id="inbox-search"
              name="q"
              type="search"
              defaultValue={data.query ?? ""}
              key={data.query ?? ""}
              placeholder="Name, email, message, ticket id"
              className="min-w-0 flex-1 rounded-md border border-slate-300 px-2 py-1 text-sm"
            />
            <button type="submit" className="rounded-md border border-slate-300 px-2 py-1 text-sm">
              Search
            </button>
          </Form>
          {data.query ? (
            <p className="mt-1 text-xs text-slate-600">
              Results for “{data.query}”{data.view === "all" ? " in every conversation" : ""}.{" "}
              <Link to={viewHref(data.view === "all" ? "all_open" : data.view)} className="underline">
                Clear
              </Link>
            </p>
          ) : null}
        </div>
        {data.items.length === 0 ? (
          <p className="p-4 text-sm text-slate-600">{data.query ? "Nothing matches." : "Nothing here right now."}</p>
        ) : null}
        <ul className="min-h-0 flex-1 divide-y divide-slate-200 overflow-y-auto" aria-live="polite">
          {data.items.map((item) => (
            <ConversationRow
              key={item.id}
              item={item}
              me={data.me}
              href={`/dashboard/conversations/${item.id}${search}`}
              active={params.id === item.id}
            />
          ))}
        </ul>
      </section>
      <div className="flex min-h-0 min-w-0 flex-col">
        <Outlet />
      </div>
    </div>
  );
}

function ConversationRow({ item, me, href, active }: { item: ListItem; me: string; href: string; active: boolean }) {
  const fetcher = useFetcher<{ error?: string }>();
  const now = useNow();
  const e = item.escalation;
  const claimable = e?.status === "pending";
  const unread = item.unread && !active;
  const overdue = item.slaDueAt ? Date.parse(item.slaDueAt) - now : null;
  const linkText = item.owner || e ? `Open conversation with ${item.customer}` : `Watch ${item.customer}`;
  return (
    <li
      {...inboxItem(href)}
      aria-label={e ? `Escalation: ${item.customer}` : item.customer}
      aria-describedby="inbox-keys"
      data-testid={e ? "escalation" : "conversation"}
      data-conversation={item.id}
      data-unread={unread ? "true" : "false"}
      className={`relative px-3 py-2 outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-brand-600 ${active ? "bg-brand-50" : ""}`}
    >
      <div className="flex min-w-0 items-center gap-2">
        {unread ? <span aria-label="Unread" role="img" className="h-2 w-2 shrink-0 rounded-full bg-brand-600" /> : null}
        <span className={`min-w-0 truncate ${unread ? "font-semibold" : "font-medium"}`}>{item.customer}</span>
        {e ? (
          <span
            className={`shrink-0 rounded px-1.5 py-0.5 text-[11px] font-semibold uppercase ${priorityStyle[e.priority]}`}
          >
            {e.priority}
          </span>
        ) : null}
        {item.integration ? (
          <span
            data-testid="integration"
            title={`Handed over by ${item.integration}`}
            className="min-w-0 shrink truncate rounded bg-violet-100 px-1.5 py-0.5 text-[11px] font-medium text-violet-900"
          >
            via {item.integration}
          </span>
        ) : null}
        {item.preview ? (
          <time
            dateTime={item.preview.at}
            title={exactTime(item.preview.at)}
            suppressHydrationWarning
            className="ml-auto shrink-0 text-xs text-slate-600"
          >
            {relativeTime(item.preview.at, now)}
          </time>
        ) : null}
      </div>
      {item.preview ? (
        <p className="mt-0.5 truncate text-sm text-slate-600">
          {item.preview.role === "note"
            ? "Note: "
            : item.preview.role === "customer"
              ? ""
              : `${item.preview.who ?? "Support"}: `}
          {item.preview.text}
        </p>
      ) : null}
      {e || item.wants ? (
        <p className="mt-0.5 truncate text-sm text-slate-800" title={e?.reason}>
          {item.wants ?? e?.reason}
        </p>
      ) : null}
      <div className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-700">
        {overdue !== null ? (
          <span
            suppressHydrationWarning
            data-testid="sla"
            className={
              overdue < 0 ? "font-semibold text-red-800" : overdue < 120_000 ? "font-semibold text-amber-900" : ""
            }
          >
            {overdue < 0 ? `Overdue by ${duration(-overdue)}` : `${duration(overdue)} left to reply`}
          </span>
        ) : null}
        <span>
          {item.status === "resolved"
            ? item.owner
              ? `Resolved · ${item.owner.id === me ? "yours" : item.owner.name}`
              : "Resolved"
            : item.owner
              ? item.owner.id === me
                ? "Yours"
                : `With ${item.owner.name}`
              : `AI: ${item.agent}`}
        </span>
        {e?.status === "claimed" ? <span>Claimed by {e.claimedBy === me ? "you" : e.claimedByName}</span> : null}
        {e?.assignedToName ? <span>Assigned to {e.assignedToName}</span> : null}
        {item.rating ? <span>Rated {item.rating}/5</span> : null}
        <span className="ml-auto flex items-center gap-2">
          {claimable ? (
            <fetcher.Form method="post" action="/dashboard?index">
              <input type="hidden" name="intent" value="claim" />
              <input type="hidden" name="escalationId" value={e.id} />
              <button
                type="submit"
                {...{ [CLAIM_ATTR]: "" }}
                disabled={fetcher.state !== "idle"}
                className="rounded-md bg-brand-600 px-2 py-0.5 font-medium text-white hover:bg-brand-700 disabled:opacity-70"
              >
                {fetcher.state !== "idle" ? "Claiming…" : "Claim"}
              </button>
            </fetcher.Form>
          ) : null}
          <Link to={href} className="font-medium text-brand-700 underline">
            {linkText}
          </Link>
        </span>
      </div>
      {fetcher.data?.error ? (
        <p role="alert" className="mt-1 text-xs text-red-700">
          {fetcher.data.error}
        </p>
      ) : null}
    </li>
  );
}

export const ErrorBoundary = DashboardErrorBoundary;

/** A network blip during a refetch keeps the page as it was (see keep-last-data.ts). */
export const clientLoader = keepLastData("routes/dashboard._inbox");
