import { keepLastData } from "~/lib/keep-last-data.ts";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { claimEscalation } from "#server/conversations/operator-actions.ts";
import { isConnected } from "#server/operators/presence.ts";
import { listOperators, setAvailability } from "#server/operators/service.ts";
import { escalations } from "#drizzle/schema.ts";
import { ne } from "drizzle-orm";
import { runAction } from "~/lib/action-error.server.ts";
import { connectionText } from "~/lib/live-client.ts";
import { requireOperatorSession } from "~/lib/operator.server.ts";
import { useInboxStream } from "~/lib/use-inbox-stream.ts";

/** Beside the list when no conversation is open: who is on the team right now, and how loaded they are. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const { db } = context.services;
  const team = await listOperators(db, actor);
  const open = await db
    .select({ claimedBy: escalations.claimedBy, assignedTo: escalations.assignedTo, status: escalations.status })
    .from(escalations)
    .where(ne(escalations.status, "resolved"));
  const load = new Map<string, number>();
  for (const e of open) {
    const holder = e.claimedBy ?? (e.status === "pending" ? e.assignedTo : null);
    if (holder) load.set(holder, (load.get(holder) ?? 0) + 1);
  }
  return {
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

export default function InboxOverview() {
  const data = useLoaderData<typeof loader>();
  const connection = useInboxStream();
  return (
    <main className="w-full p-6">
      <div className="flex items-center justify-between gap-4">
        <h2 className="text-lg font-semibold">Choose a conversation</h2>
        <p role="status" className="text-xs text-slate-600" data-connection={connection}>
          <span
            aria-hidden
            className={`mr-1 inline-block h-2 w-2 rounded-full ${connection === "live" ? "bg-emerald-500" : "animate-pulse bg-amber-500"}`}
          />
          {connectionText[connection]}
        </p>
      </div>
      <p className="mt-2 text-sm text-slate-700">
        Keys: <kbd className={kbd}>j</kbd> <kbd className={kbd}>k</kbd> move · <kbd className={kbd}>Enter</kbd> open ·{" "}
        <kbd className={kbd}>c</kbd> claim · <kbd className={kbd}>Ctrl</kbd>+<kbd className={kbd}>K</kbd> search
      </p>
      <section aria-labelledby="team-heading" className="mt-8">
        <h3 id="team-heading" className="text-sm font-semibold uppercase tracking-wide text-slate-600">
          Team
        </h3>
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
    </main>
  );
}

/** A network blip during a refetch keeps the page as it was (see keep-last-data.ts). */
export const clientLoader = keepLastData("routes/dashboard._inbox._index");
