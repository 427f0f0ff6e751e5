import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { analyticsRange, analyticsReport, ANALYTICS_RANGES } from "#server/analytics/report.ts";
import {
  ConversationsChart,
  CostChart,
  duration,
  percent,
  RatesChart,
  usd,
  WaitingChart,
} from "~/components/analytics-charts.tsx";
import { runLoader } from "~/lib/action-error.server.ts";
import { badgeTitle } from "~/lib/attention.ts";
import { requireOperatorSession } from "~/lib/operator.server.ts";

export const meta: MetaFunction = ({ matches }) => [{ title: badgeTitle(matches, "Analytics · Tandem") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const days = analyticsRange(new URL(request.url).searchParams.get("days"));
  const report = await runLoader(() => analyticsReport(context.services.db, actor, { days }));
  return { ...report, ranges: ANALYTICS_RANGES };
}

const agentNames: Record<string, string> = {
  triage: "Triage",
  technical: "Technical Support",
  billing: "Billing",
  sales: "Sales",
};

function Kpi({ label, value, detail, testId }: { label: string; value: string; detail: string; testId: string }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-3" data-testid={testId}>
      <div className="text-xs font-medium text-slate-600">{label}</div>
      <div className="mt-1 text-2xl font-semibold">{value}</div>
      <div className="mt-1 text-xs text-slate-600">{detail}</div>
    </div>
  );
}

export default function AnalyticsPage() {
  const report = useLoaderData<typeof loader>();
  const t = report.totals;
  const exportHref = (view: string) => `/dashboard/analytics/export?days=${report.days}&view=${view}`;
  return (
    <main className="mx-auto w-full max-w-6xl space-y-6 px-4 py-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-xl font-semibold">Analytics</h1>
        <nav aria-label="Range" className="flex items-center gap-1 text-sm">
          {report.ranges.map((d) => (
            <Link
              key={d}
              to={`?days=${d}`}
              aria-current={report.days === d ? "page" : undefined}
              className={`rounded-md px-2.5 py-1 ${report.days === d ? "bg-brand-600 text-white" : "text-slate-700 hover:bg-slate-100"}`}
            >
              Last {d} days
            </Link>
          ))}
          <span className="ml-3 flex gap-3">
            <a href={exportHref("days")} className="text-brand-700 underline">
              Export CSV (by day)
            </a>
            <a href={exportHref("agents")} className="text-brand-700 underline">
              Export CSV (by agent)
            </a>
          </span>
        </nav>
      </div>
      <p className="max-w-3xl text-sm text-slate-700">
        An AI resolution is a conversation no person took part in, where the AI answered the customer&apos;s last
        message, that was closed or went quiet for 24 hours, and whose customer did not come back within 24 hours.
        Conversations still inside those 24 hours are not counted either way yet ({t.undetermined} now). Days are UTC.
      </p>

      <section aria-label="Totals" className="grid grid-cols-2 gap-3 md:grid-cols-3 lg:grid-cols-6">
        <Kpi
          testId="kpi-resolution"
          label="AI resolution rate"
          value={percent(t.aiResolutionRate)}
          detail={`${t.aiResolutions} of ${t.conversations - t.undetermined} conversations`}
        />
        <Kpi
          testId="kpi-handoff"
          label="Handoff rate"
          value={percent(t.handoffRate)}
          detail={`${t.handoffs} of ${t.conversations} handed to a person`}
        />
        <Kpi
          testId="kpi-wait"
          label="Escalation wait"
          value={duration(t.waitP50)}
          detail={
            t.claimed
              ? `median; 90 % within ${duration(t.waitP90)} (${t.claimed} of ${t.escalations} claimed)`
              : `none claimed yet (${t.escalations} opened)`
          }
        />
        <Kpi
          testId="kpi-frt"
          label="First response"
          value={duration(t.firstResponseP50)}
          detail={`median; 90 % within ${duration(t.firstResponseP90)}`}
        />
        <Kpi
          testId="kpi-csat"
          label="CSAT"
          value={percent(t.csat)}
          detail={
            t.csatResponses
              ? `rated 4 or 5; average ${t.csatAverage?.toFixed(1)} of 5 from ${t.csatResponses} ratings`
              : "no ratings yet"
          }
        />
        <Kpi
          testId="kpi-cost"
          label="AI cost per conversation"
          value={usd(t.costPerConversation)}
          detail={`${usd(t.costPerResolution)} per AI resolution; ${usd(t.costUsd)} in all`}
        />
      </section>

      <section aria-label="Charts" className="grid gap-4 md:grid-cols-2">
        <ConversationsChart days={report.byDay} />
        <RatesChart days={report.byDay} />
        <WaitingChart days={report.byDay} />
        <CostChart days={report.byDay} />
      </section>

      <section aria-labelledby="agents-heading">
        <h2 id="agents-heading" className="font-semibold">
          By AI agent
        </h2>
        <p className="text-xs text-slate-600">
          Conversations the agent answered in; resolutions, handoffs and ratings count for the agent the conversation
          ended with.
        </p>
        <div className="mt-2 overflow-x-auto">
          <table className="w-full text-left text-sm" data-testid="by-agent">
            <thead className="text-xs text-slate-600">
              <tr>
                <th className="p-2">Agent</th>
                <th className="p-2">Conversations</th>
                <th className="p-2">AI resolution rate</th>
                <th className="p-2">Handoff rate</th>
                <th className="p-2">CSAT</th>
                <th className="p-2">Cost</th>
                <th className="p-2">Per resolution</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200 border-t border-slate-200">
              {report.byAgent.length === 0 ? (
                <tr>
                  <td colSpan={7} className="p-2 text-slate-600">
                    No AI answers in this range.
                  </td>
                </tr>
              ) : (
                report.byAgent.map((a) => (
                  <tr key={a.agent}>
                    <td className="p-2 font-medium">{agentNames[a.agent] ?? a.agent}</td>
                    <td className="p-2">{a.conversations}</td>
                    <td className="p-2">{percent(a.aiResolutionRate)}</td>
                    <td className="p-2">{percent(a.handoffRate)}</td>
                    <td className="p-2">{a.csatResponses ? `${percent(a.csat)} (${a.csatResponses})` : "–"}</td>
                    <td className="p-2">{usd(a.costUsd)}</td>
                    <td className="p-2">{usd(a.costPerResolution)}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="operators-heading">
        <h2 id="operators-heading" className="font-semibold">
          By operator
        </h2>
        <div className="mt-2 overflow-x-auto">
          <table className="w-full text-left text-sm" data-testid="by-operator">
            <thead className="text-xs text-slate-600">
              <tr>
                <th className="p-2">Operator</th>
                <th className="p-2">Conversations replied in</th>
                <th className="p-2">Resolved</th>
                <th className="p-2">Escalations claimed</th>
                <th className="p-2">Median wait before their claim</th>
                <th className="p-2">CSAT</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200 border-t border-slate-200">
              {report.byOperator.length === 0 ? (
                <tr>
                  <td colSpan={6} className="p-2 text-slate-600">
                    Nobody from the team took part in this range.
                  </td>
                </tr>
              ) : (
                report.byOperator.map((o) => (
                  <tr key={o.operatorId}>
                    <td className="p-2 font-medium">{o.name}</td>
                    <td className="p-2">{o.conversations}</td>
                    <td className="p-2">{o.resolved}</td>
                    <td className="p-2">{o.claimed}</td>
                    <td className="p-2">{duration(o.claimWaitP50)}</td>
                    <td className="p-2">{o.csatResponses ? `${percent(o.csat)} (${o.csatResponses})` : "–"}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
      </section>
    </main>
  );
}
