import type { Decision } from "../../drizzle/schema.ts";

/** Summary statistics over a set of decisions, for the history page and its exports. */
export interface DecisionSummary {
  total: number;
  byAction: Record<string, number>;
  byStatus: Record<string, number>;
  /** Of the decisions a person decided, the share they approved. */
  approvalRate: number | null;
  /** Of all decided decisions, the share that ran without asking anyone. */
  autoApprovalRate: number | null;
  /** Of the actions that ran, the share later reversed. */
  reversalRate: number | null;
  /** Median seconds from proposal to a person's decision. */
  medianSecondsToDecision: number | null;
}

const ratio = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 1000 : null);

export function summarise(rows: Decision[]): DecisionSummary {
  const byAction: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  for (const d of rows) {
    byAction[d.action] = (byAction[d.action] ?? 0) + 1;
    byStatus[d.status] = (byStatus[d.status] ?? 0) + 1;
  }
  const byPerson = rows.filter((d) => d.decidedBy);
  const approvedByPerson = byPerson.filter((d) => d.status !== "rejected").length;
  const auto = rows.filter((d) => d.decidedAt && !d.decidedBy && d.status !== "expired").length;
  const decided = rows.filter((d) => d.decidedAt && d.status !== "expired").length;
  const ran = rows.filter((d) => d.status === "executed");
  const reversed = ran.filter((d) => (d.result as { reversed?: boolean } | null)?.reversed).length;
  const waits = byPerson.map((d) => (d.decidedAt!.getTime() - d.createdAt.getTime()) / 1000).sort((a, b) => a - b);
  const mid = Math.floor(waits.length / 2);
  const median = waits.length === 0 ? null : waits.length % 2 ? waits[mid]! : (waits[mid - 1]! + waits[mid]!) / 2;
  return {
    total: rows.length,
    byAction,
    byStatus,
    approvalRate: ratio(approvedByPerson, byPerson.length),
    autoApprovalRate: ratio(auto, decided),
    reversalRate: ratio(reversed, ran.length),
    medianSecondsToDecision: median === null ? null : Math.round(median),
  };
}

const COLUMNS = [
  "id",
  "createdAt",
  "conversationId",
  "agent",
  "action",
  "summary",
  "status",
  "confidence",
  "calibratedConfidence",
  "decidedByName",
  "decidedAt",
  "rejectionReason",
  "reasoning",
] as const;

/** RFC 4180 CSV; cells that a spreadsheet would run as a formula are prefixed with a quote. */
export function cell(value: unknown): string {
  let text = value instanceof Date ? value.toISOString() : value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: Decision[]): string {
  const lines = [COLUMNS.join(",")];
  for (const d of rows) lines.push(COLUMNS.map((c) => cell(d[c])).join(","));
  return `${lines.join("\r\n")}\r\n`;
}
