import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { percentile } from "../conductor/report.ts";
import { persona, type Persona, type PersonaName } from "./personas.ts";

/**
 * Drives simulated customers through a running Tandem over its public API: conversations started
 * and messages sent over HTTP, the chat followed over a graphql-ws subscription, exactly as a
 * client would. With an operator token it also reads what the conductor did (interventions and
 * their reaction times). Used by `npm run simulate`, the Conductor page's demo, and the benchmark.
 */

export interface SimulationOptions {
  /** The server, e.g. http://127.0.0.1:3000. */
  url: string;
  scenario: "demo" | "load";
  /** Load: how many conversations, started evenly over the first half of `durationS`. */
  conversations?: number;
  durationS?: number;
  /** An operator's session token: lets the report include the conductor's interventions. */
  operatorToken?: string;
  /** Each line the run prints as it goes (the demo narrates; the load stays quiet). */
  log?: (line: string) => void;
  /** How long to wait for an answer to each message. */
  replyTimeoutMs?: number;
}

export interface SimulationReport {
  scenario: string;
  conversations: number;
  conversationIds: string[];
  byPersona: Record<string, { conversations: number; helped: number }>;
  messagesSent: number;
  answers: number;
  /** From a customer's message to the first complete answer after it. */
  answerMs: { median: number | null; p95: number | null };
  seconds: number;
  /** Only with an operator token. */
  conductor?: {
    interventions: number;
    byIntervention: Record<string, number>;
    byOutcome: Record<string, number>;
    reactionMs: { median: number | null; p95: number | null };
  };
}

async function gql<T>(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: Array<{ message: string }> };
  if (!body.data || body.errors?.length) throw new Error(body.errors?.[0]?.message ?? `HTTP ${res.status}`);
  return body.data;
}

interface ChatMessage {
  id: string;
  role: string;
  content: string;
  status: string;
}

/** One simulated customer, from the first message until its persona is done or time runs out. */
class Customer {
  private lines: string[] = [];
  private seen = new Set<string>();
  private answered = 0;
  private wake: (() => void) | null = null;
  private client: Client | null = null;
  id = "";
  sent = 0;
  answers = 0;
  readonly answerMs: number[] = [];

  private readonly url: string;
  readonly name: string;
  readonly persona: Persona;
  private readonly log: (line: string) => void;
  private readonly replyTimeoutMs: number;
  constructor(url: string, name: string, persona: Persona, log: (line: string) => void, replyTimeoutMs: number) {
    this.url = url;
    this.name = name;
    this.persona = persona;
    this.log = log;
    this.replyTimeoutMs = replyTimeoutMs;
  }

  async run(deadline: number): Promise<void> {
    const started = await gql<{ startConversation: { token: string; conversation: { id: string } } }>(
      this.url,
      `mutation ($name: String) { startConversation(input: { customerName: $name }) { token conversation { id } } }`,
      { name: this.name },
    );
    this.id = started.startConversation.conversation.id;
    const token = started.startConversation.token;
    this.client = createClient({
      url: `${this.url.replace(/^http/, "ws")}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { token },
      retryAttempts: 5,
    });
    const stop = this.client.subscribe<{ conversationEvents: { message: ChatMessage | null } }>(
      {
        query: `subscription ($id: ID!) { conversationEvents(conversationId: $id, after: 0) { message { id role content status } } }`,
        variables: { id: this.id },
      },
      {
        next: (r) => this.onMessage(r.data?.conversationEvents.message ?? null),
        error: () => {},
        complete: () => {},
      },
    );
    try {
      let text: string | null = this.persona.opening;
      while (text !== null && Date.now() < deadline) {
        await this.say(token, text);
        text = this.persona.next({ lines: this.lines.splice(0) });
      }
    } finally {
      stop();
      await this.client.dispose();
    }
  }

  private onMessage(m: ChatMessage | null) {
    if (!m || m.status !== "COMPLETE" || m.role === "CUSTOMER" || this.seen.has(m.id)) return;
    this.seen.add(m.id);
    this.lines.push(m.content);
    this.log(`[${this.name}] ← ${m.content.replace(/\s+/g, " ").slice(0, 140)}`);
    if (m.role === "AGENT" || m.role === "OPERATOR") {
      this.answered++;
      this.wake?.();
    }
  }

  private waitFor(condition: () => boolean, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = () => condition() && done();
      if (condition()) done();
    });
  }

  private async say(token: string, text: string): Promise<void> {
    const before = this.answered;
    const at = Date.now();
    this.log(`[${this.name}] → ${text}`);
    await gql(
      this.url,
      `mutation ($input: SendMessageInput!) { sendMessage(input: $input) { duplicate } }`,
      { input: { conversationId: this.id, content: text, clientMessageId: crypto.randomUUID() } },
      token,
    );
    this.sent++;
    await this.waitFor(() => this.answered > before, this.replyTimeoutMs);
    if (this.answered > before) {
      this.answers++;
      this.answerMs.push(Date.now() - at);
    }
    // Whatever follows the answer at once (a handoff line, the team stepping in) is read too.
    const count = this.lines.length;
    await this.waitFor(() => false, 600);
    if (this.lines.length > count) await this.waitFor(() => false, 300);
  }
}

const firstNames = ["Lou", "Fay", "Pat", "Sam", "Ida", "Max", "Ana", "Ben", "Cy", "Dee", "Eli", "Gus"];

function cast(scenario: SimulationOptions["scenario"], n: number): PersonaName[] {
  if (scenario === "demo") return ["looping", "frustrated", "patient"];
  // Mostly customers in trouble, so the conductor has work; some content ones; a few who wait.
  const mix: PersonaName[] = ["looping", "frustrated", "looping", "frustrated", "patient", "silent"];
  return Array.from({ length: n }, (_, i) => mix[i % mix.length]!);
}

export async function simulate(opts: SimulationOptions): Promise<SimulationReport> {
  const log = opts.log ?? (() => {});
  const durationMs = (opts.durationS ?? (opts.scenario === "demo" ? 60 : 120)) * 1000;
  const names = cast(opts.scenario, opts.conversations ?? 20);
  const started = Date.now();
  const deadline = started + durationMs;
  const spread = opts.scenario === "demo" ? 2000 : durationMs / 2 / Math.max(1, names.length);
  const customers = names.map(
    (p, i) =>
      new Customer(
        opts.url,
        `${firstNames[i % firstNames.length]} (${p}${names.length > firstNames.length ? ` ${i + 1}` : ""})`,
        persona(p),
        log,
        opts.replyTimeoutMs ?? 20_000,
      ),
  );
  await Promise.all(
    customers.map(async (c, i) => {
      await new Promise((r) => setTimeout(r, i * spread));
      await c.run(deadline).catch((err: unknown) => log(`[${c.name}] stopped: ${(err as Error).message}`));
    }),
  );
  const answerMs = customers.flatMap((c) => c.answerMs).sort((a, b) => a - b);
  const byPersona: SimulationReport["byPersona"] = {};
  for (const c of customers) {
    const entry = (byPersona[c.persona.name] ??= { conversations: 0, helped: 0 });
    entry.conversations++;
    if (c.persona.helped) entry.helped++;
  }
  const report: SimulationReport = {
    scenario: opts.scenario,
    conversations: customers.length,
    conversationIds: customers.map((c) => c.id).filter(Boolean),
    byPersona,
    messagesSent: customers.reduce((n, c) => n + c.sent, 0),
    answers: customers.reduce((n, c) => n + c.answers, 0),
    answerMs: { median: percentile(answerMs, 0.5), p95: percentile(answerMs, 0.95) },
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
  if (opts.operatorToken)
    report.conductor = await conductorFigures(opts.url, opts.operatorToken, report.conversationIds);
  return report;
}

/** What the conductor did in these conversations, read over the API with an operator's token. */
async function conductorFigures(url: string, token: string, ids: string[]) {
  const wanted = new Set(ids);
  const data = await gql<{
    interventions: Array<{ conversationId: string; intervention: string; outcome: string; reactionMs: number | null }>;
  }>(url, `{ interventions(first: 1000) { conversationId intervention outcome reactionMs } }`, {}, token);
  const mine = data.interventions.filter((i) => wanted.has(i.conversationId));
  const count = (key: "intervention" | "outcome") =>
    mine.reduce<Record<string, number>>((acc, i) => ({ ...acc, [i[key]]: (acc[i[key]] ?? 0) + 1 }), {});
  const reactions = mine
    .map((i) => i.reactionMs)
    .filter((ms): ms is number => ms !== null)
    .sort((a, b) => a - b);
  return {
    interventions: mine.length,
    byIntervention: count("intervention"),
    byOutcome: count("outcome"),
    reactionMs: { median: percentile(reactions, 0.5), p95: percentile(reactions, 0.95) },
  };
}

/** Signs an operator in over the API and returns the session token. */
export async function signInOperator(url: string, email: string, password: string): Promise<string> {
  const data = await gql<{ signIn: { token: string } }>(
    url,
    `mutation ($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`,
    { e: email, p: password },
  );
  return data.signIn.token;
}
