/** Pieces of the conductor's screens: the health bar, status badge, and the learned-posterior chart. */

export const statusLabels: Record<string, string> = {
  monitoring: "Monitoring",
  waiting_approval: "Waiting for approval",
  intervening: "Intervening",
  learning: "Learning",
  idle: "Idle",
};

const statusStyle: Record<string, string> = {
  monitoring: "bg-emerald-50 text-emerald-900 ring-emerald-200",
  waiting_approval: "bg-amber-50 text-amber-900 ring-amber-300",
  intervening: "bg-red-50 text-red-900 ring-red-200",
  learning: "bg-sky-50 text-sky-900 ring-sky-200",
  idle: "bg-slate-100 text-slate-700 ring-slate-200",
};

export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <span
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ${statusStyle[status] ?? statusStyle.idle}`}
      data-testid={testId}
    >
      {statusLabels[status] ?? status}
    </span>
  );
}

export const anomalyLabels: Record<string, string> = {
  frustration_rising: "Frustration rising",
  stuck_in_loop: "Stuck in a loop",
  waiting_too_long: "Waiting too long",
  ai_failing: "AI failing",
};

export const interventionNames: Record<string, string> = {
  offer_human: "Offer a person",
  raise_priority: "Raise priority",
  apologise_with_status: "Apologise with status",
  switch_specialist: "Switch specialist",
  send_article: "Send help article",
  offer_callback: "Offer email follow-up",
  goodwill_credit: "Goodwill credit",
};

const percent = (v: number) => `${Math.round(v * 100)} %`;

/** One part of a learning context in words: "Pro plan", "negative mood", "billing", "no wait". */
function contextWords({ key, value }: { key: string; value: string }): string {
  switch (key) {
    case "plan":
      return value === "none" ? "no plan" : `${value} plan`;
    case "sentiment":
      return `${value} mood`;
    case "waiting":
      return { none: "no wait", short: "waiting < 5 min", long: "waiting longer" }[value] ?? value;
    default:
      return value;
  }
}

/** Health from 0 to 1 as a labelled bar: green when healthy, amber, red when bad. */
export function HealthBar({ score, label }: { score: number; label: string }) {
  const colour = score >= 0.75 ? "bg-emerald-600" : score >= 0.5 ? "bg-amber-500" : "bg-red-600";
  return (
    <div className="flex items-center gap-2">
      <div
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(score * 100)}
        className="h-2 w-24 overflow-hidden rounded-full bg-slate-200"
      >
        <div className={`h-full ${colour}`} style={{ width: `${Math.round(score * 100)}%` }} />
      </div>
      <span className="text-xs tabular-nums text-slate-700">{percent(score)}</span>
    </div>
  );
}

export interface LearnedRow {
  intervention: string;
  context: Array<{ key: string; value: string }>;
  attempts: number;
  successes: number;
  mean: number;
  low: number;
  high: number;
}

/**
 * What the conductor learned, one row per intervention and context: the posterior's 90 % interval
 * as a band, its mean as a mark, and the counts in words, so it reads at a glance and aloud.
 */
export function LearnedChart({ rows }: { rows: LearnedRow[] }) {
  const byAnomaly = new Map<string, LearnedRow[]>();
  for (const row of rows) {
    const anomaly = row.context.find((c) => c.key === "anomaly")?.value ?? "other";
    byAnomaly.set(anomaly, [...(byAnomaly.get(anomaly) ?? []), row]);
  }
  return (
    <div className="space-y-4" data-testid="learned-chart">
      {[...byAnomaly].map(([anomaly, list]) => (
        <figure key={anomaly} className="rounded-lg border border-slate-200 bg-white p-3">
          <figcaption className="text-sm font-semibold">{anomalyLabels[anomaly] ?? anomaly}</figcaption>
          <div className="mt-1 grid grid-cols-[minmax(0,16rem)_minmax(8rem,1fr)_auto] items-center gap-x-3 gap-y-2 text-xs">
            <span className="text-slate-600">Intervention, context</span>
            <span className="flex justify-between text-slate-600" aria-hidden="true">
              <span>0 %</span>
              <span>50 %</span>
              <span>100 %</span>
            </span>
            <span className="text-slate-600">Worked</span>
            {list.map((row) => {
              const context = row.context
                .filter((c) => c.key !== "anomaly")
                .map(contextWords)
                .join(" · ");
              const words = `${interventionNames[row.intervention] ?? row.intervention}, ${context}: worked ${row.successes} of ${row.attempts} times, posterior mean ${percent(row.mean)}, 90 % interval ${percent(row.low)} to ${percent(row.high)}`;
              return (
                <div key={`${row.intervention} ${context}`} className="contents" data-testid="learned-row">
                  <span className="min-w-0">
                    <span className="font-medium">{interventionNames[row.intervention] ?? row.intervention}</span>
                    <span className="block truncate text-slate-600">{context}</span>
                  </span>
                  <div role="img" aria-label={words} className="relative h-4 rounded bg-slate-100">
                    <div
                      className="absolute inset-y-0.5 rounded bg-sky-300"
                      style={{ left: `${row.low * 100}%`, width: `${Math.max(1, (row.high - row.low) * 100)}%` }}
                    />
                    <div
                      className="absolute inset-y-0 w-0.5 bg-brand-700"
                      style={{ left: `calc(${row.mean * 100}% - 1px)` }}
                    />
                  </div>
                  <span className="tabular-nums text-slate-800">
                    {row.successes}/{row.attempts} · {percent(row.mean)}
                  </span>
                </div>
              );
            })}
          </div>
        </figure>
      ))}
    </div>
  );
}

/** What the Conductor page looks like while its data loads: the panels' outlines, announced as busy. */
export function ConductorSkeleton() {
  const block = "animate-pulse rounded-lg bg-slate-200";
  return (
    <main aria-busy="true" aria-label="Loading the conductor" className="mx-auto w-full max-w-6xl space-y-6 px-4 py-6">
      <div className={`${block} h-8 w-64`} />
      <div className={`${block} h-5 w-2/3`} />
      {["watched", "waiting", "learned", "history"].map((panel) => (
        <div key={panel} className="space-y-2">
          <div className={`${block} h-5 w-48`} />
          <div className={`${block} h-24 w-full`} />
        </div>
      ))}
    </main>
  );
}
