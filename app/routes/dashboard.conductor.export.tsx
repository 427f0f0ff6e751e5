import type { LoaderFunctionArgs } from "@remix-run/node";
import { interventionHistory, interventionStats } from "#server/conductor/view.ts";
import { interventionsCsv, summariseInterventions } from "#server/conductor/report.ts";
import { runAction } from "~/lib/action-error.server.ts";
import { requireOperatorSession } from "~/lib/operator.server.ts";

/** The interventions as CSV (one row each) or JSON (summary statistics, the learned table and the rows). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  return runAction(async () => {
    const url = new URL(request.url);
    const rows = await interventionHistory(context.services.db, actor, { first: 1000 });
    const stamp = new Date().toISOString().slice(0, 10);
    if (url.searchParams.get("format") === "csv") {
      return new Response(interventionsCsv(rows), {
        headers: {
          "Content-Type": "text/csv; charset=utf-8",
          "Content-Disposition": `attachment; filename="interventions-${stamp}.csv"`,
        },
      });
    }
    const body = {
      summary: summariseInterventions(rows),
      learned: await interventionStats(context.services.db, actor),
      interventions: rows,
    };
    return new Response(JSON.stringify(body, null, 2), {
      headers: {
        "Content-Type": "application/json",
        "Content-Disposition": `attachment; filename="interventions-${stamp}.json"`,
      },
    });
  });
}
