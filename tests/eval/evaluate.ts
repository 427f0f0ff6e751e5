import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { and, asc, eq } from "drizzle-orm";
import { conversationEvents } from "../../drizzle/schema.ts";
import { seedCustomers } from "../../drizzle/seed-data.ts";
import { sendCustomerMessage } from "../../server/conversations/service.ts";
import { startLinkedConversation } from "../support/app.ts";
import type { Services } from "../../server/services.ts";

export interface Utterance {
  text: string;
  category: string;
  /** The first agent the conversation is routed to (triage when triage handles it itself). */
  agent: string;
  /** Tools that must be called; an empty list means no tool may be called. */
  tools: string[];
  escalate: boolean;
}

export interface Outcome {
  utterance: Utterance;
  agent: string;
  tools: string[];
  escalated: boolean;
  pass: boolean;
}

/**
 * The labelled sets: `dev` is for tuning the model; `heldout` is frozen (its checksum is pinned
 * by a test) and never overlaps the training corpus or the development set.
 */
export type EvalSet = "dev" | "heldout";

export function loadUtterances(set: EvalSet = "dev"): Utterance[] {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`./${set}.json`, import.meta.url)), "utf8")) as Utterance[];
}

/** Runs one utterance as a new customer message through the app's own runner and reads the stored events. */
export async function evaluateOne(services: Services, utterance: Utterance): Promise<Outcome> {
  const { conversation } = await startLinkedConversation(services, seedCustomers[0].email);
  const actor = { kind: "customer" as const, conversationId: conversation.id };
  await sendCustomerMessage(services.conversationDeps, actor, {
    conversationId: conversation.id,
    content: utterance.text,
    clientMessageId: "eval",
  });
  await services.runner.idle();
  const events = await services.db
    .select()
    .from(conversationEvents)
    .where(and(eq(conversationEvents.conversationId, conversation.id)))
    .orderBy(asc(conversationEvents.seq));
  const firstHandoff = events.find((e) => e.type === "handoff");
  const agent = firstHandoff ? String(firstHandoff.payload.agent) : "triage";
  const tools = events.filter((e) => e.type === "tool_result").map((e) => String(e.payload.tool));
  const escalated = events.some((e) => e.type === "escalation");
  const toolsOk = utterance.tools.length === 0 ? tools.length === 0 : utterance.tools.every((t) => tools.includes(t));
  return {
    utterance,
    agent,
    tools,
    escalated,
    pass: agent === utterance.agent && toolsOk && escalated === utterance.escalate,
  };
}

export interface Report {
  outcomes: Outcome[];
  byCategory: Map<string, { passed: number; total: number }>;
  confusion: Map<string, Map<string, number>>;
  minAccuracy: number;
  accuracy: number;
}

/** The bar in CI: every held-out category at least this accurate. */
export const HELD_OUT_BAR = 0.95;

export async function runEval(services: Services, set: EvalSet | Utterance[] = "dev"): Promise<Report> {
  const utterances = Array.isArray(set) ? set : loadUtterances(set);
  const outcomes: Outcome[] = [];
  for (const u of utterances) outcomes.push(await evaluateOne(services, u));
  const byCategory = new Map<string, { passed: number; total: number }>();
  const confusion = new Map<string, Map<string, number>>();
  for (const o of outcomes) {
    const c = byCategory.get(o.utterance.category) ?? { passed: 0, total: 0 };
    c.total++;
    if (o.pass) c.passed++;
    byCategory.set(o.utterance.category, c);
    const row = confusion.get(o.utterance.agent) ?? new Map<string, number>();
    row.set(o.agent, (row.get(o.agent) ?? 0) + 1);
    confusion.set(o.utterance.agent, row);
  }
  const minAccuracy = Math.min(...[...byCategory.values()].map((c) => c.passed / c.total));
  const accuracy = outcomes.filter((o) => o.pass).length / outcomes.length;
  return { outcomes, byCategory, confusion, minAccuracy, accuracy };
}

export function formatReport(report: Report): string {
  const lines: string[] = ["Accuracy by category (routing, tools and escalation all right):"];
  for (const [category, c] of [...report.byCategory].sort()) {
    lines.push(
      `  ${category.padEnd(16)} ${String(c.passed).padStart(3)}/${String(c.total).padEnd(3)} ${((100 * c.passed) / c.total).toFixed(1)}%`,
    );
  }
  const agents = ["triage", "technical", "billing", "sales"];
  lines.push(
    "",
    "Routing confusion (rows: expected first agent, columns: actual):",
    `  ${"".padEnd(10)}${agents.map((a) => a.padStart(10)).join("")}`,
  );
  for (const expected of agents) {
    const row = report.confusion.get(expected);
    if (!row) continue;
    lines.push(`  ${expected.padEnd(10)}${agents.map((a) => String(row.get(a) ?? 0).padStart(10)).join("")}`);
  }
  const failures = report.outcomes.filter((o) => !o.pass);
  if (failures.length) {
    lines.push("", "Misses:");
    for (const f of failures) {
      lines.push(
        `  [${f.utterance.category}] "${f.utterance.text}" → agent ${f.agent}, tools [${f.tools.join(", ")}], escalated ${f.escalated}`,
      );
    }
  }
  return lines.join("\n");
}
