import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Link, useFetcher, useLoaderData } from "@remix-run/react";
import { claimEscalation, listInbox } from "#server/conversations/operator-actions.ts";
import { isConnected } from "#server/operators/presence.ts";
import { listOperators, setAvailability } from "#server/operators/service.ts";
import { runAction } from "~/lib/action-error.server.ts";
import { connectionText } from "~/lib/live-client.ts";
import { requireOperatorSession } from "~/lib/operator.server.ts";
import { CLAIM_ATTR, inboxItem, useInboxKeys } from "~/lib/use-inbox-keys.ts";
import { useInboxStream } from "~/lib/use-inbox-stream.ts";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const inbox = await listInbox(context.services, actor);
  const team = await listOperators(context.services.db, actor);
  const load = new Map<string, number>();
  for (const { escalation: e } of inbox.escalations) {
    const holder = e.claimedBy ?? (e.status === "pending" ? e.assignedTo : null);
    if (holder) load.set(holder, (load.get(holder) ?? 0) + 1);
  }
  const now = Date.now();
  return {
    me: actor.operatorId,
    team: team
      .filter((o) => !o.disabled)
      .map((o) => ({
        id: o.id,
        name: o.name,
        availability: o.availability,
        connected: isConnected(o),
        capacity: o.capacity,
        load: load.get(o.id) ?? 0,
      })),
    escalations: inbox.escalations.map(({ escalation: e, conversation: c, customerEmail, claimedByName }) => ({
      id: e.id,
      conversationId: c.id,
      reason: e.reason,
      summary: e.summary,
      priority: e.priority,
      status: e.status,
      agent: c.currentAgent,
      customer: c.customerName ?? customerEmail ?? "Anonymous customer",
      waitingMinutes: Math.max(0, Math.round((now - e.createdAt.getTime()) / 60_000)),
      claimedBy: e.claimedBy,
      claimedByName,
      assignedToName: e.assignedTo ? (team.find((o) => o.id === e.assignedTo)?.name ?? null) : null,
    })),
    aiConversations: inbox.aiConversations.map(({ conversation: c, customerEmail }) => ({
      id: c.id,
      customer: c.customerName ?? customerEmail ?? "Anonymous customer",
      agent: c.currentAgent,
      updatedMinutes: Math.max(0, Math.round((now - c.updatedAt.getTime()) / 60_000)),
    })),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const form = await request.formData();
  return runAction(async () => {
    if (form.get("intent") === "availability") {
      const value = String(form.get("availability"));
      if (value !== "online" && value !== "away" && value !== "offline")
        return Response.json({ error: "Unknown availability." }, { status: 400 });
      await setAvailability(context.services, actor, value);
      return { ok: true };
    }
    if (form.get("intent") === "claim") {
      await claimEscalation(context.services.conversationDeps, actor, String(form.get("escalationId")));
      return { ok: true };
    }
    return Response.json({ error: "Unknown action." }, { status: 400 });
  });
}

const presenceDot = (o: { availability: string; connected: boolean }) =>
  !o.connected || o.availability === "offline"
    ? "bg-slate-400"
    : o.availability === "online"
      ? "bg-emerald-500"
      : "bg-amber-500";
const kbd = "rounded border border-slate-300 bg-white px-1 font-mono text-[11px] text-slate-700";
const focusRing = "outline-none focus-visible:ring-2 focus-visible:ring-brand-600";

const priorityStyle: Record<string, string> = {
  urgent: "bg-red-100 text-red-900",
  high: "bg-orange-100 text-orange-900",
  medium: "bg-amber-50 text-amber-900",
  low: "bg-slate-100 text-slate-700",
};

export default function Inbox() {
  const data = useLoaderData<typeof loader>();
  const connection = useInboxStream();
  useInboxKeys();
  return (
    <main className="mx-auto w-full max-w-6xl px-4 py-6">
      <div className="flex items-center justify-between">
        <h1 className="text-xl font-semibold">Inbox</h1>
        <p className="hidden text-xs text-slate-500 sm:block" id="inbox-keys">
          Keys: <kbd className={kbd}>j</kbd> <kbd className={kbd}>k</kbd> move · <kbd className={kbd}>Enter</kbd> open ·{" "}
          <kbd className={kbd}>c</kbd> claim
        </p>
        <p role="status" className="text-xs text-slate-500" data-connection={connection}>
          <span
            aria-hidden
            className={`mr-1 inline-block h-2 w-2 rounded-full ${connection === "live" ? "bg-emerald-500" : "animate-pulse bg-amber-500"}`}
          />
          {connectionText[connection]}
        </p>
      </div>
      <section aria-labelledby="escalations-heading" className="mt-4">
        <h2 id="escalations-heading" className="text-sm font-semibold uppercase tracking-wide text-slate-500">
          Escalations ({data.escalations.length})
        </h2>
        {data.escalations.length === 0 ? <p className="mt-3 text-slate-500">No one is waiting for a person.</p> : null}
        <ul className="mt-3 space-y-3" aria-live="polite">
          {data.escalations.map((e) => (
            <EscalationCard key={e.id} escalation={e} me={data.me} />
          ))}
        </ul>
      </section>
      <section aria-labelledby="team-heading" className="mt-8">
        <h2 id="team-heading" className="text-sm font-semibold uppercase tracking-wide text-slate-500">
          Team
        </h2>
        <ul className="mt-3 flex flex-wrap gap-2">
          {data.team.map((o) => (
            <li
              key={o.id}
              className="rounded-full border border-slate-200 bg-white px-3 py-1 text-sm"
              data-testid={`team-${o.name}`}
            >
              <span aria-hidden className={`mr-1 inline-block h-2 w-2 rounded-full ${presenceDot(o)}`} />
              {o.name} · {o.availability}
              {o.availability !== "offline" && !o.connected ? " (not connected)" : ""} · {o.load}/{o.capacity}
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="ai-heading" className="mt-8">
        <h2 id="ai-heading" className="text-sm font-semibold uppercase tracking-wide text-slate-500">
          Handled by the AI ({data.aiConversations.length})
        </h2>
        <ul className="mt-3 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {data.aiConversations.map((c) => (
            <li
              key={c.id}
              {...inboxItem(`/dashboard/conversations/${c.id}`)}
              aria-describedby="inbox-keys"
              className={`flex items-center justify-between px-4 py-2 ${focusRing}`}
            >
              <span>
                {c.customer}{" "}
                <span className="text-sm text-slate-500">
                  · {c.agent} · {c.updatedMinutes} min ago
                </span>
              </span>
              <Link to={`/dashboard/conversations/${c.id}`} className="text-sm font-medium text-brand-700 underline">
                Watch {c.customer}
              </Link>
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}

type EscalationItem = ReturnType<typeof useLoaderData<typeof loader>>["escalations"][number];

function EscalationCard({ escalation: e, me }: { escalation: EscalationItem; me: string }) {
  const fetcher = useFetcher<{ error?: string }>();
  const mine = e.claimedBy === me;
  return (
    <li
      {...inboxItem(`/dashboard/conversations/${e.conversationId}`)}
      className={`rounded-lg border border-slate-200 bg-white p-4 ${focusRing}`}
      data-testid="escalation"
      aria-label={`Escalation: ${e.customer}`}
      aria-describedby="inbox-keys"
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className={`rounded px-2 py-0.5 text-xs font-semibold uppercase ${priorityStyle[e.priority]}`}>
          {e.priority}
        </span>
        <span className="font-medium">{e.customer}</span>
        <span className="text-sm text-slate-500">
          waiting {e.waitingMinutes} min · agent: {e.agent}
        </span>
        <span className="ml-auto text-sm">
          {e.status === "pending" && e.assignedToName ? (
            <span className="mr-2 text-slate-600">Assigned to {e.assignedToName}</span>
          ) : null}
          {e.status === "claimed" ? (
            <span className="font-medium text-slate-700">Claimed by {mine ? "you" : e.claimedByName}</span>
          ) : (
            <fetcher.Form method="post">
              <input type="hidden" name="intent" value="claim" />
              <input type="hidden" name="escalationId" value={e.id} />
              <button
                type="submit"
                {...{ [CLAIM_ATTR]: "" }}
                className="rounded-md bg-brand-600 px-3 py-1 font-medium text-white hover:bg-brand-700"
              >
                Claim
              </button>
            </fetcher.Form>
          )}
        </span>
      </div>
      <p className="mt-2 text-sm text-slate-800">
        <span className="font-medium">Reason:</span> {e.reason}
      </p>
      <p className="mt-1 text-sm text-slate-600">
        <span className="font-medium">Summary:</span> {e.summary}
      </p>
      {fetcher.data?.error ? (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {fetcher.data.error}
        </p>
      ) : null}
      <Link
        to={`/dashboard/conversations/${e.conversationId}`}
        className="mt-2 inline-block text-sm font-medium text-brand-700 underline"
      >
        Open conversation with {e.customer}
      </Link>
    </li>
  );
}
