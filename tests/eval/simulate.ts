/**
 * The simulation suite, in the style of τ-bench: a simulated customer works through a scenario
 * with the real agents, tools and database; the scenario is scored by the database's end state
 * (tickets, escalations, decisions, the account) and by facts that must and must not be said.
 *
 * With the offline model the customer follows the scenario's scripted turns. With OPENAI_* set,
 * an LLM plays the customer from the scenario's instructions, and each scenario runs k times
 * (pass^k: the share of scenarios that pass every one of their k runs).
 */
import { randomBytes } from "node:crypto";
import { generateText, type LanguageModel } from "ai";
import { and, asc, eq, gt } from "drizzle-orm";
import {
  conversationEvents,
  conversations,
  customers,
  decisions,
  escalations,
  messages,
  operators,
  tickets,
} from "../../drizzle/schema.ts";
import { seedCustomers } from "../../drizzle/seed-data.ts";
import { createApp, type App } from "../../server/app.ts";
import { approveDecision } from "../../server/autonomy/decisions.ts";
import { setAutonomyMode } from "../../server/autonomy/settings.ts";
import { loadConfig } from "../../server/config.ts";
import { sendCustomerMessage } from "../../server/conversations/service.ts";
import { setAvailability } from "../../server/operators/service.ts";
import type { Actor } from "../../server/auth/actor.ts";
import { startLinkedConversation } from "../support/app.ts";
import type { Scenario } from "./scenarios.ts";

export interface ScenarioRun {
  scenario: Scenario;
  pass: boolean;
  /** What was wrong, one line each; empty when it passed. */
  failures: string[];
  transcript: string[];
}

/** A fresh app on its own in-memory database and bus: every scenario (and `npm run eval`) starts from the same world. */
export async function inMemoryApp(env: Record<string, string | undefined> = {}): Promise<App> {
  const config = loadConfig({
    ...process.env,
    NODE_ENV: "test",
    PGLITE_DIR: "memory://",
    DATABASE_URL: undefined,
    REDIS_URL: undefined,
    OFFLINE_MODEL_DELAY_MS: "0",
    LOG_LEVEL: "silent",
    IDENTITY_SECRET: randomBytes(32).toString("hex"),
    ADMIN_PASSWORD: randomBytes(18).toString("base64url"),
    ...env,
  });
  return createApp(config, { ui: false });
}

async function adminActor(app: App): Promise<Actor> {
  const [admin] = await app.services.db.select().from(operators).where(eq(operators.role, "admin")).limit(1);
  return { kind: "operator", operatorId: admin!.id, role: "admin", name: admin!.name };
}

/** The customer side: the next message, or null when the customer is done. */
export type Customer = (transcript: string[], turn: number) => Promise<string | null>;

export const scriptedCustomer =
  (scenario: Scenario): Customer =>
  async (_transcript, turn) =>
    scenario.turns[turn] ?? null;

/** An LLM plays the customer from the scenario's instructions. */
export const llmCustomer =
  (scenario: Scenario, model: LanguageModel): Customer =>
  async (transcript, turn) => {
    if (turn >= scenario.turns.length + 3) return null;
    const { text } = await generateText({
      model,
      system: `You are role-playing a customer of Northwind Devices in a support chat. ${scenario.instructions}
Write only your next chat message, in the customer's voice, short. Start with: ${JSON.stringify(scenario.turns[0])} as your first message.
When your goal is met, or it clearly cannot be met, reply with exactly: DONE`,
      prompt: transcript.length
        ? `The chat so far:\n${transcript.join("\n")}\n\nYour next message:`
        : "Your first message:",
      maxRetries: 1,
    });
    const next = text.trim();
    return !next || next === "DONE" ? null : next;
  };

export async function runScenario(app: App, scenario: Scenario, customer: Customer): Promise<ScenarioRun> {
  const { services } = app;
  const { db } = services;
  const admin = await adminActor(app);
  if (scenario.setup?.operatorOnline) await setAvailability(services, admin, "online");
  const email = scenario.customer === null ? null : (scenario.customer ?? seedCustomers[0].email);
  const { conversation } = await startLinkedConversation(services, email);
  if (scenario.setup?.mode) await setAutonomyMode(services, admin, scenario.setup.mode, conversation.id);
  const actor = { kind: "customer" as const, conversationId: conversation.id };
  const transcript: string[] = [];
  let seen = 0;
  const readNew = async () => {
    const rows = await db
      .select()
      .from(messages)
      .where(and(eq(messages.conversationId, conversation.id), gt(messages.seq, seen)))
      .orderBy(asc(messages.seq));
    seen = rows.at(-1)?.seq ?? seen;
    for (const m of rows)
      if (m.role !== "customer" && m.role !== "note" && m.status === "complete" && m.content)
        transcript.push(`${m.role === "system" ? "Notice" : (m.authorName ?? "Agent")}: ${m.content}`);
  };
  for (let turn = 0; ; turn++) {
    const text = await customer(transcript, turn);
    if (text === null) break;
    transcript.push(`Customer: ${text}`);
    await sendCustomerMessage(services.conversationDeps, actor, {
      conversationId: conversation.id,
      content: text,
      clientMessageId: `sim-${turn}`,
    });
    await services.runner.idle();
    // An operator approves what waits for approval, when the scenario says so.
    if (scenario.setup?.approveProposals) {
      const proposed = await db
        .select()
        .from(decisions)
        .where(and(eq(decisions.conversationId, conversation.id), eq(decisions.status, "proposed")));
      for (const d of proposed) await approveDecision(services.conversationDeps, admin, d.id);
    }
    await readNew();
  }
  const failures = await score(app, scenario, conversation.id, email, transcript);
  return { scenario, pass: failures.length === 0, failures, transcript };
}

async function score(
  app: App,
  scenario: Scenario,
  conversationId: string,
  email: string | null,
  transcript: string[],
): Promise<string[]> {
  const { db } = app.services;
  const e = scenario.expect;
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) failures.push(what);
  };
  const [conversation] = await db.select().from(conversations).where(eq(conversations.id, conversationId));
  const ticketRows = await db.select().from(tickets).where(eq(tickets.conversationId, conversationId));
  const escalationRows = await db.select().from(escalations).where(eq(escalations.conversationId, conversationId));
  const decisionRows = await db.select().from(decisions).where(eq(decisions.conversationId, conversationId));
  const tools = (
    await db
      .select()
      .from(conversationEvents)
      .where(and(eq(conversationEvents.conversationId, conversationId), eq(conversationEvents.type, "tool_result")))
  ).map((r) => String(r.payload.tool));
  const account = email ? (await db.select().from(customers).where(eq(customers.email, email)))[0] : undefined;

  if (e.tickets !== undefined)
    check(ticketRows.length === e.tickets, `tickets: ${ticketRows.length}, want ${e.tickets}`);
  if (e.ticket) {
    const t = ticketRows[0];
    if (e.ticket.department) check(t?.department === e.ticket.department, `ticket department ${t?.department}`);
    if (e.ticket.priority) check(t?.priority === e.ticket.priority, `ticket priority ${t?.priority}`);
  }
  if (e.escalations !== undefined)
    check(escalationRows.length === e.escalations, `escalations: ${escalationRows.length}, want ${e.escalations}`);
  if (e.escalationPriority)
    check(
      escalationRows.some((x) => x.priority === e.escalationPriority),
      `no ${e.escalationPriority} escalation (${escalationRows.map((x) => x.priority).join(", ")})`,
    );
  for (const want of e.decisions ?? []) {
    check(
      decisionRows.some((d) => d.action === want.action && (!want.status || d.status === want.status)),
      `no ${want.action} decision${want.status ? ` with status ${want.status}` : ""} (${decisionRows.map((d) => `${d.action}:${d.status}`).join(", ") || "none"})`,
    );
  }
  if (e.noDecisions)
    check(decisionRows.length === 0, `decisions exist: ${decisionRows.map((d) => d.action).join(", ")}`);
  for (const tool of e.tools ?? []) check(tools.includes(tool), `tool ${tool} not called (${tools.join(", ")})`);
  for (const tool of e.notTools ?? []) check(!tools.includes(tool), `tool ${tool} was called`);
  if (e.agent) check(conversation?.currentAgent === e.agent, `agent ${conversation?.currentAgent}, want ${e.agent}`);
  if (e.status) check(conversation?.status === e.status, `status ${conversation?.status}, want ${e.status}`);
  if (e.account) {
    if (e.account.plan) check(account?.plan === e.account.plan, `plan ${account?.plan}, want ${e.account.plan}`);
    if (e.account.status)
      check(account?.status === e.account.status, `account ${account?.status}, want ${e.account.status}`);
  }
  const said = transcript.filter((l) => !l.startsWith("Customer: ")).join("\n");
  for (const re of e.say ?? []) check(re.test(said), `never said ${re}`);
  for (const re of e.neverSay ?? []) check(!re.test(said), `said ${re}`);
  return failures;
}

export interface SuiteReport {
  runs: ScenarioRun[][];
  /** Per agent: scenarios, passed once (first run), passed every run. */
  byAgent: Map<string, { total: number; passed: number; passedAll: number }>;
  k: number;
}

export async function runSuite(
  scenarios: Scenario[],
  opts: {
    k?: number;
    customerModel?: LanguageModel;
    filter?: (s: Scenario) => boolean;
    /** Overrides for each scenario's app configuration (e.g. which model the agents use). */
    env?: Record<string, string | undefined>;
  } = {},
): Promise<SuiteReport> {
  const k = opts.k ?? 1;
  const runs: ScenarioRun[][] = [];
  const byAgent = new Map<string, { total: number; passed: number; passedAll: number }>();
  for (const scenario of scenarios.filter(opts.filter ?? (() => true))) {
    const mine: ScenarioRun[] = [];
    for (let i = 0; i < k; i++) {
      const app = await inMemoryApp(opts.env);
      try {
        const customer = opts.customerModel ? llmCustomer(scenario, opts.customerModel) : scriptedCustomer(scenario);
        mine.push(await runScenario(app, scenario, customer));
      } finally {
        await app.close();
      }
    }
    runs.push(mine);
    const row = byAgent.get(scenario.agent) ?? { total: 0, passed: 0, passedAll: 0 };
    row.total++;
    if (mine[0]!.pass) row.passed++;
    if (mine.every((r) => r.pass)) row.passedAll++;
    byAgent.set(scenario.agent, row);
  }
  return { runs, byAgent, k };
}

export function formatSuite(report: SuiteReport): string {
  const lines = [`Scenarios by agent (k = ${report.k}${report.k > 1 ? "; pass^k: every run passed" : ""}):`];
  for (const [agent, r] of [...report.byAgent].sort()) {
    lines.push(
      `  ${agent.padEnd(10)} ${String(r.passed).padStart(2)}/${r.total} passed` +
        (report.k > 1 ? `, pass^${report.k} ${r.passedAll}/${r.total}` : ""),
    );
  }
  const failed = report.runs.flat().filter((r) => !r.pass);
  if (failed.length) {
    lines.push("", "Failures:");
    for (const f of failed) lines.push(`  [${f.scenario.id}] ${f.failures.join("; ")}`);
  }
  return lines.join("\n");
}
