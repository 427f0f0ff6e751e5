import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useFetcher, useLoaderData } from "@remix-run/react";
import { inArray } from "drizzle-orm";
import { conversations } from "#drizzle/schema.ts";
import { listDecisions } from "#server/autonomy/decisions.ts";
import { getAutonomySettings } from "#server/autonomy/settings.ts";
import { conductorOverview, interventionHistory, interventionStats } from "#server/conductor/view.ts";
import { summariseInterventions } from "#server/conductor/report.ts";
import { demoRunning, startDemo } from "#server/simulator/demo.ts";
import { ActionResult } from "~/components/ui/action-result.tsx";
import { runAction } from "~/lib/action-error.server.ts";
import { anomalyLabels, HealthBar, interventionNames, LearnedChart, StatusBadge } from "~/components/conductor.tsx";
import { DecisionCard } from "~/components/decision-card.tsx";
import { ConductorTour } from "~/components/conductor-tour.tsx";
import { ExportLinks } from "~/components/export-links.tsx";
import { ModeSelect } from "~/components/mode-select.tsx";
import { badgeTitle } from "~/lib/attention.ts";
import { decisionCards } from "~/lib/decisions.server.ts";
import { requireOperatorSession } from "~/lib/operator.server.ts";
import { useInboxStream, useRefreshOn } from "~/lib/use-inbox-stream.ts";

export const meta: MetaFunction = ({ matches }) => [{ title: badgeTitle(matches, "Conductor · Tandem") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const { db, config } = context.services;
  const overview = await conductorOverview(db, actor, { enabled: config.conductor.enabled });
  // The statistics cover the last 500; the table shows the latest 50.
  const recent = await interventionHistory(db, actor, { first: 500 });
  const history = recent.slice(0, 50);
  const names = history.length
    ? await db
        .select({ id: conversations.id, name: conversations.customerName })
        .from(conversations)
        .where(inArray(conversations.id, [...new Set(history.map((h) => h.conversationId))]))
    : [];
  const nameOf = new Map(names.map((n) => [n.id, n.name ?? "Anonymous customer"]));
  const proposed = await listDecisions(db, actor, { agent: "conductor", status: "proposed" }, 50);
  return {
    isAdmin: actor.role === "admin",
    mode: (await getAutonomySettings(db)).mode,
    enabled: overview.enabled,
    status: overview.status,
    watched: overview.watched,
    waiting: await decisionCards(db, proposed.reverse()),
    history: history.map((h) => ({
      id: h.id,
      conversationId: h.conversationId,
      customer: nameOf.get(h.conversationId) ?? "Anonymous customer",
      anomaly: h.anomaly,
      intervention: h.intervention,
      explored: h.explored,
      sampled: h.sampled,
      outcome: h.outcome,
      outcomeReason: h.outcomeReason,
      createdAt: h.createdAt.toISOString(),
    })),
    learned: await interventionStats(db, actor),
    summary: summariseInterventions(recent),
    demoRunning: demoRunning(),
  };
}

/** Admins start the demo: simulated customers talk to this instance while everyone watches. */
export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const form = await request.formData();
  return runAction(async () => {
    if (form.get("intent") !== "demo") return { error: "Unknown request." };
    startDemo(context.services, actor);
    return { ok: "The demo has started: three customers are writing in now." };
  });
}

function DemoButton({ running }: { running: boolean }) {
  const fetcher = useFetcher<{ ok?: string; error?: string }>();
  const busy = fetcher.state !== "idle" || running;
  return (
    <fetcher.Form method="post" id="conductor-demo" className="flex flex-wrap items-center gap-3">
      <input type="hidden" name="intent" value="demo" />
      <button
        type="submit"
        disabled={busy}
        className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-60"
      >
        {running ? "Demo running…" : "Run the 60-second demo"}
      </button>
      <ActionResult result={fetcher.data} />
    </fetcher.Form>
  );
}

const rate = (v: number | null) => (v === null ? "n/a" : `${Math.round(v * 100)} %`);

const outcomeStyle: Record<string, string> = {
  pending: "text-slate-700",
  success: "text-emerald-800",
  failure: "text-red-800",
};

export default function ConductorPage() {
  const data = useLoaderData<typeof loader>();
  useInboxStream();
  useRefreshOn("subscription { conductorEvents { type } }");
  return (
    <main className="mx-auto w-full max-w-6xl space-y-8 px-4 py-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex items-center gap-3">
          <h1 className="text-xl font-semibold">Conductor</h1>
          <StatusBadge status={data.status} testId="conductor-status" />
        </div>
        <div id="conductor-mode" className="flex flex-wrap items-center gap-3">
          {data.isAdmin ? (
            <ModeSelect label="Autonomy mode for all conversations" current={data.mode} />
          ) : (
            <p className="text-sm text-slate-600">Autonomy mode: {data.mode.replace("_", "-")}</p>
          )}
          <ConductorTour />
        </div>
      </div>
      <p className="max-w-3xl text-sm text-slate-700">
        The conductor watches every open conversation, names trouble when it sees it (frustration rising, stuck in a
        loop, waiting too long, the AI failing), and picks an intervention by what has worked in that situation. The
        mode decides whether it runs, waits for your approval, or is only proposed.
      </p>
      {data.isAdmin && data.enabled ? <DemoButton running={data.demoRunning} /> : null}
      {!data.enabled ? (
        <p role="status" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950">
          The conductor is off on this deployment (CONDUCTOR=off): nothing is watched.
        </p>
      ) : null}

      <section aria-labelledby="watched-heading">
        <h2 id="watched-heading" className="font-semibold">
          Watching ({data.watched.length})
        </h2>
        <p className="text-xs text-slate-600">Open conversations, least healthy first.</p>
        {data.watched.length === 0 ? (
          <p className="mt-2 text-sm text-slate-600">No open conversations to watch right now.</p>
        ) : (
          <ul className="mt-2 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
            {data.watched.map((w) => (
              <li
                key={w.conversationId}
                className="flex flex-wrap items-start gap-3 p-3 text-sm"
                data-testid="watched-row"
              >
                <div className="min-w-40">
                  <Link
                    to={`/dashboard/conversations/${w.conversationId}`}
                    className="font-medium text-brand-700 underline"
                  >
                    {w.customerName ?? "Anonymous customer"}
                  </Link>
                  <div className="text-xs text-slate-600">with {w.agent}</div>
                </div>
                <HealthBar
                  score={w.score}
                  label={`Health of the conversation with ${w.customerName ?? "a customer"}`}
                />
                <StatusBadge status={w.status} />
                <ul className="min-w-0 flex-1 space-y-1">
                  {w.anomalies.map((a) => (
                    <li key={a.kind} className="text-slate-800">
                      {a.explanation}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="waiting-heading">
        <h2 id="waiting-heading" className="font-semibold">
          Interventions waiting for you ({data.waiting.length})
        </h2>
        {data.waiting.length === 0 ? (
          <p className="mt-2 text-sm text-slate-600">Nothing waits for your approval.</p>
        ) : (
          <div className="mt-2 space-y-3">
            {data.waiting.map((d) => (
              <DecisionCard key={d.id} decision={d} />
            ))}
          </div>
        )}
      </section>

      <section aria-labelledby="learned-heading">
        <h2 id="learned-heading" className="font-semibold">
          What it learned
        </h2>
        <p className="text-xs text-slate-600">
          For each intervention in each situation: how often it worked, the posterior mean (the mark) and its 90 %
          interval (the band). Few attempts, wide band.
        </p>
        {data.learned.length === 0 ? (
          <p className="mt-2 text-sm text-slate-600">
            Nothing learned yet: outcomes are judged 10 minutes after an intervention runs, or at once when it is
            rejected.
          </p>
        ) : (
          <div className="mt-2">
            <LearnedChart rows={data.learned} />
          </div>
        )}
      </section>

      <section aria-labelledby="history-heading">
        <div className="flex flex-wrap items-baseline justify-between gap-3">
          <h2 id="history-heading" className="font-semibold">
            Interventions and their outcomes
          </h2>
          <ExportLinks href={(format) => `/dashboard/conductor/export?format=${format}`} />
        </div>
        <p className="text-sm text-slate-700" data-testid="intervention-stats">
          {data.summary.total} interventions · {data.summary.pending} being measured · worked{" "}
          {rate(data.summary.successRate)} of those judged · explored {rate(data.summary.explorationRate)} · median
          reaction{" "}
          {data.summary.reactionMs.median === null ? "n/a" : `${(data.summary.reactionMs.median / 1000).toFixed(1)} s`}
        </p>
        {data.history.length === 0 ? (
          <p className="mt-2 text-sm text-slate-600">No interventions yet.</p>
        ) : (
          <div className="mt-2 overflow-x-auto rounded-lg border border-slate-200 bg-white">
            <table className="w-full text-left text-sm">
              <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-600">
                <tr>
                  <th className="px-3 py-2">When</th>
                  <th className="px-3 py-2">Customer</th>
                  <th className="px-3 py-2">Trouble</th>
                  <th className="px-3 py-2">Intervention</th>
                  <th className="px-3 py-2">Outcome</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-200">
                {data.history.map((h) => (
                  <tr key={h.id} data-testid="intervention-row">
                    <td className="whitespace-nowrap px-3 py-2 text-slate-700">
                      {new Date(h.createdAt).toLocaleString()}
                    </td>
                    <td className="px-3 py-2">
                      <Link to={`/dashboard/conversations/${h.conversationId}`} className="text-brand-700 underline">
                        {h.customer}
                      </Link>
                    </td>
                    <td className="px-3 py-2">{anomalyLabels[h.anomaly] ?? h.anomaly}</td>
                    <td className="px-3 py-2">
                      {interventionNames[h.intervention] ?? h.intervention}
                      {h.explored ? <span className="ml-1 text-xs text-slate-600">(exploring)</span> : null}
                    </td>
                    <td className={`px-3 py-2 ${outcomeStyle[h.outcome] ?? ""}`}>
                      {h.outcome === "pending" ? "Pending" : h.outcome === "success" ? "Worked" : "Did not work"}
                      {h.outcomeReason ? <span className="block text-xs text-slate-600">{h.outcomeReason}</span> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </main>
  );
}

export { DashboardErrorBoundary as ErrorBoundary } from "~/components/dashboard-error.tsx";
