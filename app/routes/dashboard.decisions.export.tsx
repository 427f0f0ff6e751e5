import type { LoaderFunctionArgs } from "@remix-run/node";
import { listDecisions } from "#server/autonomy/decisions.ts";
import { summarise, toCsv } from "#server/autonomy/report.ts";
import { runAction } from "~/lib/action-error.server.ts";
import { decisionFilterFrom } from "~/lib/decision-filter.server.ts";
import { requireOperatorSession } from "~/lib/operator.server.ts";

/** The decision history as CSV (one row a decision) or JSON (summary statistics and the rows), with the page's filters. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  return runAction(async () => {
    const url = new URL(request.url);
    const filter = decisionFilterFrom(url);
    const rows = await listDecisions(context.services.db, actor, filter, 500);
    const stamp = new Date().toISOString().slice(0, 10);
    if (url.searchParams.get("format") === "csv") {
      return new Response(toCsv(rows), {
        headers: {
          "Content-Type": "text/csv; charset=utf-8",
          "Content-Disposition": `attachment; filename="decisions-${stamp}.csv"`,
        },
      });
    }
    return new Response(JSON.stringify({ summary: summarise(rows), decisions: rows }, null, 2), {
      headers: {
        "Content-Type": "application/json",
        "Content-Disposition": `attachment; filename="decisions-${stamp}.json"`,
      },
    });
  });
}
