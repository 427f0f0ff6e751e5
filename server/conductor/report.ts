import type { Intervention } from "../../drizzle/schema.ts";
import { cell } from "../autonomy/report.ts";

/** Summary statistics over interventions, for the Conductor page's exports. */
export interface InterventionSummary {
  total: number;
  pending: number;
  successes: number;
  failures: number;
  /** Of the settled ones, the share that worked. */
  successRate: number | null;
  /** The share of picks that explored (another intervention had the better record). */
  explorationRate: number | null;
  byIntervention: Record<string, { total: number; successes: number; failures: number; successRate: number | null }>;
  byAnomaly: Record<string, number>;
  /** From the anomaly to the decision, in milliseconds (those with a known anomaly time). */
  reactionMs: { median: number | null; p95: number | null };
}

const reactions = (rows: Intervention[]) =>
  rows
    .filter((r) => r.anomalyAt)
    .map((r) => r.createdAt.getTime() - r.anomalyAt!.getTime())
    .sort((a, b) => a - b);

/** The nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const ratio = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 1000 : null);

export function summariseInterventions(rows: Intervention[]): InterventionSummary {
  const byIntervention: InterventionSummary["byIntervention"] = {};
  const byAnomaly: Record<string, number> = {};
  for (const row of rows) {
    const entry = (byIntervention[row.intervention] ??= { total: 0, successes: 0, failures: 0, successRate: null });
    entry.total++;
    if (row.outcome === "success") entry.successes++;
    if (row.outcome === "failure") entry.failures++;
    byAnomaly[row.anomaly] = (byAnomaly[row.anomaly] ?? 0) + 1;
  }
  for (const entry of Object.values(byIntervention))
    entry.successRate = ratio(entry.successes, entry.successes + entry.failures);
  const successes = rows.filter((r) => r.outcome === "success").length;
  const failures = rows.filter((r) => r.outcome === "failure").length;
  return {
    total: rows.length,
    pending: rows.length - successes - failures,
    successes,
    failures,
    successRate: ratio(successes, successes + failures),
    explorationRate: ratio(rows.filter((r) => r.explored).length, rows.length),
    byIntervention,
    byAnomaly,
    reactionMs: {
      median: percentile(reactions(rows), 0.5),
      p95: percentile(reactions(rows), 0.95),
    },
  };
}

const COLUMNS = [
  "id",
  "createdAt",
  "conversationId",
  "decisionId",
  "anomaly",
  "intervention",
  "contextKey",
  "sampled",
  "explored",
  "scoreBefore",
  "anomalyAt",
  "outcome",
  "outcomeReason",
  "dueAt",
  "settledAt",
] as const;

/** RFC 4180 CSV, one row an intervention. */
export function interventionsCsv(rows: Intervention[]): string {
  const lines = [COLUMNS.join(",")];
  for (const row of rows) lines.push(COLUMNS.map((c) => cell(row[c])).join(","));
  return `${lines.join("\r\n")}\r\n`;
}
