import type { LanguageModelV4Prompt } from "@ai-sdk/provider";
import { readCaseDetails, readMessage, type Reading } from "./read.ts";
import type { AgentKey, ConversationFacts } from "../context.ts";
import { phraseToolResult, SAFETY_ADVICE } from "./phrasing.ts";

export type Decision = { kind: "text"; text: string } | { kind: "tool"; name: string; input: Record<string, unknown> };

export interface Situation {
  agent: AgentKey;
  /** What Tandem knows about the conversation, as a typed value (the same facts a hosted model reads as text). */
  facts: ConversationFacts;
  tools: Set<string>;
  latest: Reading;
  /** Customer messages before the latest one in this conversation, oldest first. */
  earlier: string[];
  userTurns: number;
  /** Tools this agent already called since the customer's latest message. */
  calledThisTurn: string[];
  lastToolResult: { toolName: string; output: unknown; input: unknown } | null;
}

const textOf = (content: unknown): string =>
  typeof content === "string"
    ? content
    : Array.isArray(content)
      ? content.map((p: { type: string; text?: string }) => (p.type === "text" ? (p.text ?? "") : "")).join("")
      : "";

/** Facts for a call that came without any (a model used outside the runner): nothing known. */
export const NO_FACTS: ConversationFacts = {
  agent: "triage",
  customer: null,
  openCase: null,
  lastTicketId: null,
  handoffs: [],
  handBack: null,
  notes: [],
  pendingDecisions: [],
  previousTurn: [],
  notices: [],
};

/** Reads the chat turns and tool results of the prompt; everything else comes from the facts value. */
export function readSituation(prompt: LanguageModelV4Prompt, toolNames: string[], facts: ConversationFacts): Situation {
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
  return {
    agent: facts.agent,
    facts,
    tools: new Set(toolNames),
    latest: readMessage(users.at(-1) ?? ""),
    earlier: users.slice(0, -1),
    userTurns: users.length,
    calledThisTurn,
    lastToolResult,
  };
}

/** What an agent found while answering the customer's previous message: a tool's output, if it ran. */
function previously(s: Situation, agent: AgentKey, tool: string): Record<string, unknown> | null {
  const hit = s.facts.previousTurn.findLast((t) => t.agent === agent && t.tool === tool);
  return hit && hit.output && typeof hit.output === "object" && !Array.isArray(hit.output)
    ? (hit.output as Record<string, unknown>)
    : null;
}

const say = (text: string): Decision => ({ kind: "text", text });
const call = (name: string, input: Record<string, unknown> = {}): Decision => ({ kind: "tool", name, input });

const specialistFor: Record<string, AgentKey> = {
  technical: "technical",
  billing: "billing",
  cancel_subscription: "billing",
  sales: "sales",
};

/** The latest message, read with the one before it when it says too little on its own ("the bill one"). */
function withContext(s: Situation): Reading {
  const r = s.latest;
  const previous = s.earlier.at(-1);
  if (r.intent !== "unknown" || !previous) return r;
  const joined = readMessage(`${previous}\n${r.text}`);
  return specialistFor[joined.intent] || joined.intent === "knowledge" ? { ...joined, text: r.text } : r;
}

/** A question about an account that is not the customer's own: another person's email, or plainly about someone else. */
function asksAboutSomeoneElse(s: Situation, r: Reading): boolean {
  const own = s.facts.customer?.email.toLowerCase();
  const other = r.entities.emails.some((e) => e.toLowerCase() !== own) && !/\bmy (e-?mail|address)\b/i.test(r.text);
  if (r.intent === "other_account" || (other && ACCOUNT_WORDS.test(r.text))) return true;
  // "What plan is she on?" right after asking about someone else is still about them.
  const previous = s.earlier.at(-1);
  return (
    !!previous &&
    /\b(she|he|her|his|him|they|their|them)\b/i.test(r.text) &&
    ACCOUNT_WORDS.test(r.text) &&
    asksAboutSomeoneElse({ ...s, earlier: s.earlier.slice(0, -1) }, readMessage(previous))
  );
}

const ACCOUNT_WORDS =
  /\b(account|details|invoices?|bills?|billing|plan|payments?|paid|pay|orders?|ordered|tickets?|address|profile|password|devices?|refunds?|phone number|buy|bought|history)\b/i;

function stillHere(s: Situation): string {
  const about: Record<AgentKey, string> = {
    triage: "What can I help you with?",
    technical: "Tell me what the device is doing now, and we'll carry on from there.",
    billing: "What would you like to check about your payments or invoices?",
    sales: "What would you like to know about our plans or devices?",
  };
  return `Yes, I'm still here. ${about[s.agent]}`;
}

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
  cancel_subscription: () => "cancelling the subscription",
  sales: (r) =>
    /\bupgrad/i.test(r.text)
      ? "plan upgrade"
      : /\b(differen|compar|vs\.?|versus)\b/i.test(r.text)
        ? "comparing plans"
        : "plans and pricing",
};

/** The offline model's policy: given the situation, one tool call or one reply. */
export function decide(situation: Situation): Decision {
  let s = situation;
  if (s.lastToolResult) return afterTool(s);
  const handBack = s.facts.handBack;
  if (handBack) {
    const names: Record<AgentKey, string> = {
      triage: "Tandem's assistant",
      technical: "Technical Support",
      billing: "Billing",
      sales: "Sales",
    };
    // The note is for the agent only: it shapes what comes next and is never repeated to the customer.
    const read = handBack.note ? " I've read their notes on your case." : "";
    return say(
      `Hi again, this is ${names[s.agent]}. ${handBack.operatorName} from our team passed this conversation back to me.${read} I'll take it from here. Is there anything else you need on this?`,
    );
  }
  const r = withContext(s);
  s = { ...s, latest: r };

  // Guardrails first, for every agent: no tool is ever called on these.
  if (r.intent === "injection") {
    return say(
      "I can't do that. I follow Northwind's support rules, I can't share or change my instructions, and refunds always go through a verified review by our billing team. I'm glad to help with your devices, orders or account, though. What do you need?",
    );
  }
  // Safety before anything else the customer asked: advice now, and a person with urgent priority.
  if (r.intent === "safety") {
    if (s.calledThisTurn.includes("escalate_to_human")) return say(SAFETY_ADVICE);
    return call("escalate_to_human", {
      reason: `Safety: ${shorten(r.text)}`,
      summary: r.text,
      priority: "urgent",
    });
  }
  if (r.intent === "offtopic") {
    return say(
      "That's outside what I can help with here: I'm Northwind's support assistant. I can help with technical problems, billing, orders and plans. Is there something like that I can do for you?",
    );
  }
  if (asksAboutSomeoneElse(s, r)) {
    return say(
      "I can only help with your own account, so I can't share or look up anything about another person's account. If they need help, they're welcome to contact us themselves. Is there anything about your own account I can do?",
    );
  }
  if (s.calledThisTurn.includes("escalate_to_human"))
    return say("A member of our support team will join this conversation shortly.");
  if (r.intent === "human") {
    const callback = /\b(call|ring|phone)\b/i.test(r.text);
    return call("escalate_to_human", {
      reason: callback ? "Customer asked for a call back" : "Customer asked to speak to a person",
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
    const id = r.entities.ticketIds[0] ?? s.facts.lastTicketId;
    return id
      ? call("get_ticket_status", { ticket_id: id })
      : say("Which ticket do you mean? Ticket numbers look like TK-12345.");
  }
  if (r.intent === "service_status" && s.tools.has("check_system_status")) return call("check_system_status");
  if (r.intent === "presence") return say(stillHere(s));

  // A specialist asked something outside its area hands back to triage, which re-routes. A short
  // follow-up the model is unsure about stays with the current agent and topic.
  const topicAgent = specialistFor[r.intent];
  const followUp = s.userTurns > 1 && r.confidence < 0.6 && r.text.trim().split(/\s+/).length <= 6;
  if (s.agent !== "triage" && topicAgent && topicAgent !== s.agent && !followUp) {
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
  // Unsure between two teams: ask, rather than send the customer to the wrong one.
  const options = r.ranked.map((x) => TOPIC_CHOICE[x.intent]).filter((x): x is string => !!x);
  if (r.intent === "unknown" && options.length >= 2 && r.ranked[0]!.p >= 0.15)
    return say(`${hello}I'd like to get you to the right place. Is this about ${options[0]}, or ${options[1]}?`);
  return say(
    `${hello}Could you tell me a bit more about what you need? I can help with technical problems, billing, and plans or pricing.`,
  );
}

const TOPIC_CHOICE: Partial<Record<string, string>> = {
  technical: "a technical problem with a device",
  billing: "a payment, an invoice or a refund",
  cancel_subscription: "cancelling your plan",
  sales: "our plans, prices or buying something",
  knowledge: "our warranty, returns or protection plan",
};

function technical(s: Situation): Decision {
  const r = s.latest;
  // After troubleshooting steps, a "yes" takes up the offer that came with them: a ticket.
  const triedSteps = previously(s, "technical", "search_knowledge") !== null;
  if (r.intent === "not_helped" || (r.intent === "affirm" && triedSteps)) {
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
  // A duplicate found last turn that this agent could not refund came with an offer of a case.
  const found = previously(s, "billing", "lookup_account");
  const duplicate = (found?.duplicateCharges as Array<{ invoiceId: string }> | undefined)?.[0]?.invoiceId;
  if (r.intent === "affirm" && duplicate && !s.tools.has("refund_payment")) {
    return call("update_case", {
      reason: `Duplicate charge on invoice ${duplicate}`,
      department: "billing",
      priority: "high",
      escalate: true,
      device: duplicate,
      since: "this billing period",
      tried: "Reported to the billing assistant",
    });
  }
  if (r.intent === "cancel_subscription" && s.tools.has("cancel_subscription")) {
    return call("cancel_subscription", {
      reason: "Customer asked to cancel",
      reasoning: `The customer asked for it in their own words: "${shorten(r.text)}".`,
      confidence: 0.8,
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

const PLANS = ["Basic", "Pro", "Business"] as const;

function sales(s: Situation): Decision {
  const r = s.latest;
  // The account was looked up on the previous turn and the next plan offered: a yes, or a named
  // plan with a word of change, asks for the change.
  const account = previously(s, "sales", "lookup_account");
  const current = PLANS.find((p) => p === account?.plan);
  if (current && s.tools.has("change_plan")) {
    const named = PLANS.find((p) => p !== current && new RegExp(`\\b${p}\\b`, "i").test(r.text));
    const next = PLANS[PLANS.indexOf(current) + 1];
    const wantsChange = r.intent === "affirm" || /\b(yes|move|switch|upgrade|change|go ahead)\b/i.test(r.text);
    const target = named ?? (r.intent === "affirm" ? next : undefined);
    if (target && wantsChange) {
      return call("change_plan", {
        plan: target,
        reason: `Customer asked to move from ${current} to ${target}`,
        reasoning: `The customer is on ${current} and asked to move to ${target}: "${shorten(r.text)}".`,
        confidence: 0.85,
      });
    }
  }
  if (/\bupgrad|my (current )?plan\b/i.test(r.text) && !s.calledThisTurn.includes("lookup_account"))
    return call("lookup_account");
  if (r.intent === "greeting" || r.intent === "thanks")
    return say("Happy to help you choose. Are you comparing plans, or looking at a specific device?");
  return call("search_knowledge", { query: `plans pricing ${r.text}` });
}

/** The customer says the problem went away while a case was being opened. */
const FIXED =
  /\b(it'?s (working|fixed|fine|ok(ay)?) (now|again)|it (works|started working|is working)( again| now)?|(problem|issue) (is )?(solved|fixed|gone)|never ?mind)\b/i;

/** The escalation workflow, when a case is open. Returns null when the message is about something else. */
function continueCase(s: Situation): Decision | null {
  const c = s.facts.openCase;
  if (!c || !s.tools.has("update_case")) return null;
  const r = s.latest;
  if (r.intent === "cancel" || FIXED.test(r.text)) return call("update_case", { cancel: true });
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
