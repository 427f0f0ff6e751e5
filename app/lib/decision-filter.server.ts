import { decisionStatuses, type DecisionStatus } from "#drizzle/schema.ts";
import type { DecisionFilter } from "#server/autonomy/decisions.ts";
import { badInput } from "#server/errors.ts";

/** The history filters, from a URL's query string (the page and its exports share them). */
export function decisionFilterFrom(url: URL): DecisionFilter & { raw: Record<string, string> } {
  const get = (k: string) => url.searchParams.get(k)?.trim() || undefined;
  const status = get("status");
  if (status && !decisionStatuses.includes(status as DecisionStatus)) throw badInput("Unknown status.", "status");
  const date = (k: string) => {
    const v = get(k);
    if (!v) return undefined;
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) throw badInput(`${k} is not a date.`, k);
    return d;
  };
  const to = date("to");
  return {
    status: status as DecisionStatus | undefined,
    action: get("action"),
    agent: get("agent"),
    decidedBy: get("operator"),
    from: date("from"),
    // "to" is a day: everything created that day is included.
    to: to ? new Date(to.getTime() + 86_400_000) : undefined,
    raw: Object.fromEntries(url.searchParams),
  };
}
