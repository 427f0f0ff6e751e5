import type { LanguageModelV4Prompt } from "@ai-sdk/provider";
import { readCaseDetails, readMessage, type Reading } from "./read.ts";
import { phraseToolResult } from "./phrasing.ts";

export type Decision = { kind: "text"; text: string } | { kind: "tool"; name: string; input: Record<string, unknown> };

type AgentKey = "triage" | "technical" | "billing" | "sales";

export interface Situation {
  agent: AgentKey;
  customerLinked: boolean;
  openCase: { step: string; missing: string[]; summary: string; department: string; priority: string } | null;
  tools: Set<string>;
  latest: Reading;
  /** Customer messages before the latest one in this conversation, oldest first. */
  earlier: string[];
  userTurns: number;
  lastAssistantText: string;
  /** Tools this agent already called since the customer's latest message. */
  calledThisTurn: string[];
  lastToolResult: { toolName: string; output: unknown; input: unknown } | null;
  /** Set on the turn right after an operator handed the conversation back: who, and their note. */
  handBack: { operator: string; note: string } | null;
  /** The ticket the last case in this conversation created, for "what's the status of that ticket?". */
  lastTicketId: string | null;
}

const textOf = (content: unknown): string =>
  typeof content === "string"
    ? content
    : Array.isArray(content)
      ? content.map((p: { type: string; text?: string }) => (p.type === "text" ? (p.text ?? "") : "")).join("")
      : "";

/** Reads the same prompt a hosted model would get: instructions, facts, history, tool results. */
export function readSituation(prompt: LanguageModelV4Prompt, toolNames: string[]): Situation {
  const system = prompt
    .filter((m) => m.role === "system")
    .map((m) => textOf(m.content))
    .join("\n");
  const agent = (/Current agent: (\w+)/.exec(system)?.[1] ?? "triage") as AgentKey;
  const caseLine =
    /Open case: step=(\w+); department=(\w+); priority=(\w+); escalate=\w+; missing=([\w,]*); summary=(.*)/.exec(
      system,
    );
  const lastUserIndex = prompt.findLastIndex((m) => m.role === "user");
  const users = prompt.filter((m) => m.role === "user").map((m) => textOf(m.content));
  const after = prompt.slice(lastUserIndex + 1);
  const calledThisTurn = after.flatMap((m) =>
    m.role === "assistant" && Array.isArray(m.content)
      ? m.content.filter((p) => p.type === "tool-call").map((p) => (p as { toolName: string }).toolName)
      : [],
  );
  const last = prompt.at(-1);
  let lastToolResult: Situation["lastToolResult"] = null;
  if (last?.role === "tool") {
    const part = last.content.findLast((p) => p.type === "tool-result");
    if (part && part.type === "tool-result") {
      const call = after
        .flatMap((m) => (m.role === "assistant" && Array.isArray(m.content) ? m.content : []))
        .find((p) => p.type === "tool-call" && (p as { toolCallId: string }).toolCallId === part.toolCallId) as
        { input?: unknown } | undefined;
      const output = part.output.type === "json" || part.output.type === "text" ? part.output.value : null;
      lastToolResult = { toolName: part.toolName, output, input: call?.input ?? null };
    }
  }
  const assistantTexts = prompt
    .filter((m) => m.role === "assistant")
    .map((m) => textOf(m.content))
    .filter(Boolean);
  return {
    agent,
    customerLinked: !/Customer: none linked/.test(system),
    openCase: caseLine
      ? {
          step: caseLine[1]!,
          department: caseLine[2]!,
          priority: caseLine[3]!,
          missing: caseLine[4] ? caseLine[4].split(",") : [],
          summary: caseLine[5]!,
        }
      : null,
    tools: new Set(toolNames),
    latest: readMessage(users.at(-1) ?? ""),
    earlier: users.slice(0, -1),
    userTurns: users.length,
    lastAssistantText: assistantTexts.at(-1) ?? "",
    calledThisTurn,
    lastToolResult,
    handBack: (() => {
      const m = /Hand-back from operator (.+?): (.*)\. This note is internal/s.exec(system);
      return m ? { operator: m[1]!, note: m[2]! } : null;
    })(),
    lastTicketId: /Last case: ticket (TK-\d+)/.exec(system)?.[1] ?? null,
  };
}

const say = (text: string): Decision => ({ kind: "text", text });
const call = (name: string, input: Record<string, unknown> = {}): Decision => ({ kind: "tool", name, input });

const specialistFor: Record<string, AgentKey> = { technical: "technical", billing: "billing", sales: "sales" };

const reasons: Record<string, (r: Reading) => string> = {
  technical: (r) => (r.entities.devices[0] ? `problem with ${r.entities.devices[0]}` : "technical problem"),
  billing: (r) =>
    /\b(twice|double|duplicate)\b/i.test(r.text)
      ? `double charge${r.entities.invoices[0] ? ` on invoice ${r.entities.invoices[0]}` : ""}`
      : /\brefund/i.test(r.text)
        ? "refund request"
        : r.entities.invoices[0]
          ? `question about invoice ${r.entities.invoices[0]}`
          : "billing question",
  sales: (r) =>
    /\bupgrad/i.test(r.text)
      ? "plan upgrade"
      : /\b(differen|compar|vs\.?|versus)\b/i.test(r.text)
        ? "comparing plans"
        : "plans and pricing",
};

/** The offline model's policy: given the situation, one tool call or one reply. */
export function decide(s: Situation): Decision {
  if (s.lastToolResult) return afterTool(s);
  if (s.handBack) {
    const names: Record<AgentKey, string> = {
      triage: "Tandem's assistant",
      technical: "Technical Support",
      billing: "Billing",
      sales: "Sales",
    };
    // The note is for the agent only: it shapes what comes next and is never repeated to the customer.
    const read = s.handBack.note === "(no note)" ? "" : " I've read their notes on your case.";
    return say(
      `Hi again, this is ${names[s.agent]}. ${s.handBack.operator} from our team passed this conversation back to me.${read} I'll take it from here. Is there anything else you need on this?`,
    );
  }
  const r = s.latest;

  // Guardrails first, for every agent: no tool is ever called on these.
  if (r.intent === "injection") {
    return say(
      "I can't do that. I follow Northwind's support rules, I can't share or change my instructions, and refunds always go through a verified review by our billing team. I'm glad to help with your devices, orders or account, though. What do you need?",
    );
  }
  if (r.intent === "offtopic" || (r.intent === "unknown" && r.topic === "offtopic" && r.topicConfidence > 2)) {
    return say(
      "That's outside what I can help with here: I'm Northwind's support assistant. I can help with technical problems, billing, orders and plans. Is there something like that I can do for you?",
    );
  }
  if (s.calledThisTurn.includes("escalate_to_human"))
    return say("A member of our support team will join this conversation shortly.");
  if (r.intent === "human") {
    return call("escalate_to_human", {
      reason: "Customer asked to speak to a person",
      summary: r.text,
      priority: r.frustrated ? "high" : "medium",
    });
  }
  if (r.intent === "authority") {
    return call("escalate_to_human", {
      reason: "Decision beyond the assistant's authority",
      summary: r.text,
      priority: "high",
    });
  }

  const caseDecision = continueCase(s);
  if (caseDecision) return caseDecision;

  if (r.intent === "ticket_status") {
    const id = r.entities.ticketIds[0] ?? s.lastTicketId;
    return id
      ? call("get_ticket_status", { ticket_id: id })
      : say("Which ticket do you mean? Ticket numbers look like TK-12345.");
  }
  if (r.intent === "service_status" && s.tools.has("check_system_status")) return call("check_system_status");

  // A specialist asked something outside its area hands back to triage, which re-routes.
  const topicAgent = specialistFor[r.intent];
  if (s.agent !== "triage" && topicAgent && topicAgent !== s.agent) {
    return call("transfer_to_triage", { reason: `${reasons[r.intent]!(r)} is outside ${s.agent}` });
  }

  switch (s.agent) {
    case "triage":
      return triage(s);
    case "technical":
      return technical(s);
    case "billing":
      return billing(s);
    case "sales":
      return sales(s);
  }
}

function triage(s: Situation): Decision {
  const r = s.latest;
  const hello = s.userTurns <= 1 ? "Hi, I'm Tandem's assistant for Northwind. " : "";
  if (r.intent === "greeting")
    return say(
      `${hello || "Hello again! "}I can help with technical problems, billing questions, and plans or pricing. What can I do for you today?`,
    );
  if (r.intent === "thanks") return say("You're welcome! Is there anything else I can help you with?");
  if (r.intent === "complaint") {
    return call("update_case", {
      reason: summariseComplaint(s),
      priority: "high",
      escalate: true,
      ...readCaseDetails(r.text, r.entities),
    });
  }
  if (r.intent === "knowledge") return call("search_knowledge", { query: r.text });
  const target = specialistFor[r.intent];
  if (target && s.tools.has(`transfer_to_${target}`))
    return call(`transfer_to_${target}`, { reason: reasons[r.intent]!(r) });
  if (r.intent === "not_helped" || r.intent === "deny")
    return say(
      "I'm sorry to hear that. Could you tell me a bit more about what is going wrong, so I can get you to the right team?",
    );
  return say(
    `${hello}Could you tell me a bit more about what you need? I can help with technical problems, billing, and plans or pricing.`,
  );
}

function technical(s: Situation): Decision {
  const r = s.latest;
  if (r.intent === "not_helped" || (r.intent === "affirm" && /open a ticket/i.test(s.lastAssistantText))) {
    const problem = [...s.earlier].reverse().find((t) => readMessage(t).intent === "technical") ?? r.text;
    const details = [problem, ...s.earlier.slice(-3), r.text].reduce(
      (acc, t) => ({ ...readCaseDetails(t, readMessage(t).entities), ...acc }),
      {},
    );
    return call("update_case", {
      reason: shorten(problem),
      department: "technical",
      priority: r.frustrated ? "high" : "medium",
      ...details,
    });
  }
  if (r.intent === "technical" || r.intent === "unknown" || r.intent === "knowledge")
    return call("search_knowledge", { query: r.text });
  if (r.intent === "greeting" || r.intent === "thanks")
    return say("Happy to help with anything technical. What's going on with your device?");
  return say(
    "Could you describe what the device does, or doesn't do? For example, whether it powers on, shows an error, or loses connection.",
  );
}

function billing(s: Situation): Decision {
  const r = s.latest;
  if (r.intent === "affirm" && /open a case/i.test(s.lastAssistantText)) {
    const duplicate = /invoice (INV-\d+)/.exec(s.lastAssistantText);
    return call("update_case", {
      reason: duplicate ? `Duplicate charge on invoice ${duplicate[1]}` : "Billing issue needing verification",
      department: "billing",
      priority: "high",
      escalate: true,
      device: duplicate?.[1] ?? "billing account",
      since: "this billing period",
      tried: "Reported to the billing assistant",
    });
  }
  if (
    !s.calledThisTurn.includes("lookup_account") &&
    (r.intent === "billing" || r.intent === "unknown" || r.intent === "knowledge")
  ) {
    return call("lookup_account");
  }
  if (r.intent === "greeting" || r.intent === "thanks")
    return say("I'm here for anything about payments, invoices or refunds. What can I look at for you?");
  return say("Could you tell me which invoice or payment this is about?");
}

function sales(s: Situation): Decision {
  const r = s.latest;
  if (/\bupgrad|my (current )?plan\b/i.test(r.text) && !s.calledThisTurn.includes("lookup_account"))
    return call("lookup_account");
  if (r.intent === "greeting" || r.intent === "thanks")
    return say("Happy to help you choose. Are you comparing plans, or looking at a specific device?");
  return call("search_knowledge", { query: `plans pricing ${r.text}` });
}

/** The escalation workflow, when a case is open. Returns null when the message is about something else. */
function continueCase(s: Situation): Decision | null {
  const c = s.openCase;
  if (!c || !s.tools.has("update_case")) return null;
  const r = s.latest;
  if (r.intent === "cancel") return call("update_case", { cancel: true });
  if (c.step === "ticket") {
    return call("create_ticket", { description: c.summary, department: c.department, priority: c.priority });
  }
  if (c.step === "confirm") {
    if (r.intent === "affirm") return call("update_case", { confirmed: true });
    if (r.intent === "deny") return call("update_case", { confirmed: false, ...readCaseDetails(r.text, r.entities) });
  }
  const details = readCaseDetails(r.text, r.entities);
  const answersQuestion =
    Object.keys(details).length > 0 ||
    (c.step === "details" && !["ticket_status", "service_status", "billing", "sales", "knowledge"].includes(r.intent));
  if (answersQuestion) {
    // An answer that names no field is taken as the answer to the question we asked.
    const field = c.missing[0];
    const fallback = field && Object.keys(details).length === 0 ? { [field]: r.text.slice(0, 200) } : {};
    return call("update_case", { ...fallback, ...details });
  }
  return null;
}

function summariseComplaint(s: Situation): string {
  const earlierTopic = [...s.earlier]
    .reverse()
    .map(readMessage)
    .find((m) => ["technical", "billing", "sales"].includes(m.intent));
  return earlierTopic
    ? `Unresolved for a long time: ${shorten(earlierTopic.text)}`
    : `Frustrated customer: ${shorten(s.latest.text)}`;
}

function shorten(text: string): string {
  const t = text
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[.!?]+$/, "");
  return t.length > 120 ? `${t.slice(0, 117)}…` : t;
}

function afterTool(s: Situation): Decision {
  return phraseToolResult(s);
}
