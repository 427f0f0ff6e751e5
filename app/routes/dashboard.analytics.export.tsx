import type { LoaderFunctionArgs } from "@remix-run/node";
import { analyticsCsv, analyticsRange, analyticsReport } from "#server/analytics/report.ts";
import { runLoader } from "~/lib/action-error.server.ts";
import { requireOperatorSession } from "~/lib/operator.server.ts";

/** The analytics as CSV: `view=days` (one row a day, the default) or `view=agents` (one an AI agent). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const url = new URL(request.url);
  const days = analyticsRange(url.searchParams.get("days"));
  const view = url.searchParams.get("view") === "agents" ? "agents" : "days";
  const report = await runLoader(() => analyticsReport(context.services.db, actor, { days }));
  return new Response(analyticsCsv(report, view), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="analytics-${view}-${report.to.slice(0, 10)}-${days}d.csv"`,
    },
  });
}
