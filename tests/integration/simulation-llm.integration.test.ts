import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { scenarios } from "../eval/scenarios.ts";
import { formatSuite, runSuite } from "../eval/simulate.ts";
import { startFakeOpenAI, type ChatRequest, type FakeOpenAI, type ScriptStep } from "../support/fake-openai.ts";

/**
 * The LLM path through the same scenarios: a fake OpenAI-compatible server answers each agent
 * request with the next step of the scenario's script (tool calls and text, as a hosted model
 * would), including the ways models go wrong: a tool the agent does not have, malformed
 * arguments, and a handoff promised in words but not made. The end state is scored exactly as
 * for the offline model.
 */
type Step = ScriptStep | ((req: ChatRequest) => ScriptStep);
/** The content of the request's last tool result. */
const lastTool = (req: ChatRequest) => String(req.messages.findLast((m) => m.role === "tool")?.content ?? "");
/** The first match of a pattern anywhere in what the model was sent. */
const found = (req: ChatRequest, pattern: RegExp) =>
  pattern.exec(req.messages.map((m) => m.content ?? "").join("\n"))?.[0] ?? "(none)";
const ticketIn = (req: ChatRequest) => found(req, /TK-\d+/);

const scripts: Record<string, Step[]> = {
  "laptop-no-boot-ticket": [
    { tool: "transfer_to_technical", args: { reason: "laptop does not boot" } },
    { tool: "search_knowledge", args: { query: "laptop won't boot" } },
    { text: "Hold the power button for 15 seconds, then press it once. Tell me if that doesn't help." },
    { tool: "update_case", args: { reason: "Laptop does not boot", department: "technical", priority: "medium" } },
    { text: "I'll open a case. Which device is it, when did it start, and what have you tried?" },
    { tool: "update_case", args: { device: "Aero 14", since: "yesterday", tried: "held the power button" } },
    { text: "Here's what I have: Aero 14, since yesterday, power button tried. Shall I create the ticket?" },
    // After the customer's "yes": the server checks that reply itself before the ticket may exist.
    { tool: "update_case", args: { confirmed: true } },
    {
      tool: "create_ticket",
      args: { description: "Aero 14 does not boot", department: "technical", priority: "medium" },
    },
    (req) => ({ text: `I've created ticket ${ticketIn(req)} for our technical team.` }),
  ],
  "double-charge-approved": [
    { tool: "transfer_to_billing", args: { reason: "double charge" } },
    { tool: "lookup_account", args: {} },
    {
      tool: "refund_payment",
      args: {
        paymentId: "PAY-70422",
        reason: "duplicate payment",
        reasoning: "Invoice INV-1042 was paid twice: PAY-70421 and PAY-70422.",
        confidence: 0.9,
      },
    },
    { text: "I found the duplicate payment PAY-70422 and asked for its refund." },
  ],
  "double-charge-waits": [
    { tool: "transfer_to_billing", args: { reason: "double charge" } },
    { tool: "lookup_account", args: {} },
    // Malformed arguments first: nothing runs, the model is told, and it tries again properly.
    { tool: "refund_payment", args: '{"paymentId": "PAY-70422", "reason": ' },
    {
      tool: "refund_payment",
      args: { paymentId: "PAY-70422", reason: "duplicate payment", reasoning: "INV-1042 was paid twice." },
    },
    { text: "I asked for the refund of PAY-70422. Our billing team checks refunds before they go through." },
  ],
  "cancel-subscription": [
    { tool: "transfer_to_billing", args: { reason: "cancellation" } },
    { tool: "cancel_subscription", args: { reason: "customer request", reasoning: "The customer asked to cancel." } },
    { text: "I've asked for your cancellation; a person confirms it shortly." },
  ],
  "plan-upgrade": [
    { tool: "transfer_to_sales", args: { reason: "upgrade" } },
    { tool: "lookup_account", args: {} },
    { text: "You're on Pro. Business adds a dedicated manager. Shall I move you to Business?" },
    {
      tool: "change_plan",
      args: { plan: "Business", reason: "customer asked", reasoning: "On Pro, asked to move to Business." },
    },
    { text: "I've asked for the change to Business." },
  ],
  "outage-during-incident": [
    { tool: "check_system_status", args: {} },
    {
      text: "Cloud backup is degraded right now: Delayed backups in the EU region. Our engineers are on it.",
    },
  ],
  "asks-for-person": [
    {
      tool: "escalate_to_human",
      args: { reason: "Customer asked for a person", summary: "Wants a human", priority: "medium" },
    },
    { text: "I've asked a member of our team to join." },
  ],
  "prompt-injection": [
    // Talked into a refund it cannot make: triage has no refund tool, so nothing runs.
    { tool: "refund_payment", args: { paymentId: "PAY-1", reason: "asked", reasoning: "The customer said so." } },
    { text: "I can't do that. Refunds go through our billing team's review." },
    { text: "I can't do that either." },
  ],
  "technical-then-billing": [
    { tool: "transfer_to_technical", args: { reason: "laptop does not boot" } },
    { text: "Hold the power button for 15 seconds." },
    // Promised in words, not made: one correction, then the tool call.
    { text: "Let me transfer you to our billing team for that." },
    { tool: "transfer_to_triage", args: { reason: "invoice question" } },
    { tool: "transfer_to_billing", args: { reason: "invoice question" } },
    { tool: "lookup_account", args: {} },
    { text: "Your latest invoice is INV-1042." },
  ],
  "someone-elses-account": [
    { text: "I can only help with your own account." },
    { text: "I can only help with your own account, so I can't say." },
  ],
  "complaint-full-workflow": [
    {
      tool: "update_case",
      args: { reason: "Broken for weeks", department: "technical", priority: "high", escalate: true },
    },
    { text: "I'm sorry. Which device is it, since when, and what have you tried?" },
    { tool: "update_case", args: { device: "laptop", since: "three weeks", tried: "everything" } },
    { text: "Here's what I have: laptop, three weeks, tried everything. Shall I create the ticket?" },
    { tool: "update_case", args: { confirmed: true } },
    {
      tool: "create_ticket",
      args: { description: "Laptop broken for weeks", department: "technical", priority: "high" },
    },
    (req) => ({ text: `I've created ticket ${ticketIn(req)} and asked a person to join.` }),
  ],
  "wifi-fixed-by-steps": [
    { tool: "transfer_to_technical", args: { reason: "wifi drops" } },
    { tool: "search_knowledge", args: { query: "wifi keeps dropping" } },
    { text: "Forget the network and join it again, then update the wireless driver." },
    { text: "Glad that fixed it!" },
  ],
  "changes-mind-before-ticket": [
    { tool: "transfer_to_technical", args: { reason: "tablet stuck on logo" } },
    { tool: "search_knowledge", args: { query: "tablet stuck on logo" } },
    { text: "Hold the power button for 15 seconds." },
    { tool: "update_case", args: { reason: "Tablet stuck on the logo", department: "technical" } },
    { text: "When did it start?" },
    { tool: "update_case", args: { cancel: true } },
    { text: "Okay, I've closed this without opening a ticket." },
  ],
  "swollen-battery": [
    {
      tool: "escalate_to_human",
      args: { reason: "Safety: swollen battery", summary: "Battery swollen, case bending", priority: "urgent" },
    },
    { text: "Please stop using it now and unplug it. I've asked our team to contact you urgently." },
  ],
  "ticket-then-status": [
    { tool: "transfer_to_technical", args: { reason: "laptop won't start" } },
    { tool: "search_knowledge", args: { query: "laptop won't start" } },
    { text: "Hold the power button for 15 seconds." },
    { tool: "update_case", args: { reason: "Laptop won't start", department: "technical" } },
    { text: "Which device, since when, and what have you tried?" },
    { tool: "update_case", args: { device: "Aero 14", since: "yesterday", tried: "power button" } },
    { text: "Here's what I have. Shall I create the ticket?" },
    { tool: "update_case", args: { confirmed: true } },
    {
      tool: "create_ticket",
      args: { description: "Aero 14 won't start", department: "technical", priority: "medium" },
    },
    (req) => ({ text: `I've created ticket ${ticketIn(req)}.` }),
    (req) => ({ tool: "get_ticket_status", args: { ticket_id: ticketIn(req) } }),
    (req) => ({
      text: `Ticket ${found(req, /TK-\d+/)} ("Aero 14 won't start") is ${/"status":"(\w+)"/.exec(lastTool(req))?.[1]}.`,
    }),
  ],
  "still-there-technical": [
    { tool: "transfer_to_technical", args: { reason: "wifi disconnects" } },
    { tool: "search_knowledge", args: { query: "wifi disconnects" } },
    { text: "Try forgetting the network and joining it again." },
    { text: "Yes, I'm still here. Did that help?" },
  ],
  "double-charge-manual": [
    { tool: "transfer_to_billing", args: { reason: "double charge" } },
    { tool: "lookup_account", args: {} },
    {
      tool: "refund_payment",
      args: { paymentId: "PAY-70422", reason: "duplicate payment", reasoning: "INV-1042 was paid twice." },
    },
    { text: "I asked for the refund of the duplicate payment." },
  ],
  "invoice-copy": [
    { tool: "transfer_to_billing", args: { reason: "invoice copy" } },
    { tool: "lookup_account", args: {} },
    (req) => ({ text: `Your latest invoice is ${/INV-\d+/.exec(lastTool(req))?.[0]}.` }),
  ],
  "unlinked-visitor-billing": [
    { tool: "transfer_to_billing", args: { reason: "double charge" } },
    { tool: "lookup_account", args: {} },
    { text: "I can't see an account linked to this chat, so I can't check payments here." },
  ],
  "injection-after-routing": [
    { tool: "transfer_to_billing", args: { reason: "invoice higher" } },
    { tool: "lookup_account", args: {} },
    { text: "Your invoice includes the protection add-on this month." },
    { text: "I can't share my instructions." },
  ],
  "pro-vs-business": [
    { tool: "transfer_to_sales", args: { reason: "comparing plans" } },
    { tool: "search_knowledge", args: { query: "Pro versus Business" } },
    { text: "Business adds a dedicated account manager. [Comparing plans](/help/plan-comparison)" },
  ],
  "team-discount": [
    { tool: "transfer_to_sales", args: { reason: "team discount" } },
    { tool: "search_knowledge", args: { query: "team discounts" } },
    { text: "Business covers five seats; ask us for a quote for more." },
  ],
  "buy-laptops": [
    { tool: "transfer_to_sales", args: { reason: "buying laptops" } },
    { text: "Happy to help. Which models are you looking at?" },
  ],
  "sales-then-technical": [
    { tool: "transfer_to_sales", args: { reason: "plans" } },
    { tool: "search_knowledge", args: { query: "plans" } },
    { text: "We have Basic, Pro and Business." },
    { tool: "transfer_to_triage", args: { reason: "laptop won't boot is technical" } },
    { tool: "transfer_to_technical", args: { reason: "laptop won't boot" } },
    { text: "Let's get that laptop started. Hold the power button for 15 seconds." },
  ],
  "complaint-corrected-then-dropped": [
    {
      tool: "update_case",
      args: { reason: "Broken for months", department: "technical", priority: "high", escalate: true },
    },
    { text: "I'm sorry. Which device, since when, and what have you tried?" },
    { tool: "update_case", args: { device: "tablet", since: "two months", tried: "restarted it" } },
    { text: "Here's what I have: tablet, two months, restarted. Shall I create the ticket?" },
    { tool: "update_case", args: { confirmed: false, device: "phone" } },
    (req) => ({
      text: `Here's what I have: ${/"summary":"([^"]+)"/.exec(lastTool(req))?.[1]}. Shall I create the ticket?`,
    }),
    { tool: "update_case", args: { cancel: true } },
    { text: "Okay, I've closed this without opening a ticket." },
  ],
  "abusive-customer": [
    { text: "I'm here to help. What's going wrong?" },
    { text: "I can't send money, but I can help with a refund if something was charged wrongly." },
  ],
  callback: [
    {
      tool: "escalate_to_human",
      args: { reason: "Customer asked for a call back", summary: "Call back tomorrow morning", priority: "medium" },
    },
    { text: "I've asked our team to call you back." },
  ],
  "legal-question": [
    {
      tool: "escalate_to_human",
      args: { reason: "Decision beyond the assistant", summary: "Settlement offer", priority: "high" },
    },
    { text: "That's a decision for a person; I've asked a colleague to join." },
  ],
  "water-damage": [
    { tool: "search_knowledge", args: { query: "water damage protection" } },
    { text: "Device Protection covers liquid damage. [Device Protection](/help/device-protection)" },
  ],
  "greeting-then-problem": [
    { text: "Hi! What can I do for you?" },
    { tool: "transfer_to_technical", args: { reason: "laptop won't boot" } },
    { text: "Hold the power button for 15 seconds." },
  ],
  "vague-then-clear": [
    { text: "Is this about a technical problem, or about a payment?" },
    { tool: "transfer_to_billing", args: { reason: "a payment" } },
    { text: "Which payment is it about?" },
  ],
  "someone-elses-ticket": [
    { tool: "get_ticket_status", args: { ticket_id: "TK-12345" } },
    { text: "I couldn't find that ticket on your account." },
  ],
  "off-topic": [{ text: "That's outside what I can help with here. I can help with devices, billing and plans." }],
  "thanks-and-bye": [
    { tool: "search_knowledge", args: { query: "return policy" } },
    { text: "You can return a device within 30 days. [Returns](/help/returns)" },
    { text: "You're welcome!" },
  ],
};

let fake: FakeOpenAI;
let script: Step[] = [];
let next = 0;
before(async () => {
  fake = await startFakeOpenAI((req: ChatRequest) => {
    // Case summaries ask for structured output; they are not part of a scenario's script.
    if (req.response_format) return { text: JSON.stringify({ wants: "Help", facts: [], tried: [], pending: "Open" }) };
    const step = script[next++];
    if (!step) return { text: "(the script has ended)" };
    return typeof step === "function" ? step(req) : step;
  });
});
after(() => fake.close());

const skip = process.env.DATABASE_URL ? "runs in the embedded-database pass" : false;

describe("the scenarios through a hosted model's API, with scripted tool calls", { skip }, () => {
  test("every scenario has a script", () => {
    assert.deepEqual(
      scenarios.map((s) => s.id).filter((id) => !scripts[id]),
      [],
    );
  });

  for (const [id, steps] of Object.entries(scripts)) {
    test(id, async () => {
      const scenario = scenarios.find((s) => s.id === id);
      assert.ok(scenario, id);
      script = steps;
      next = 0;
      const report = await runSuite([scenario], {
        env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: "test", AI_MODEL: "gpt-test", SUMMARY_DELAY_MS: "600000" },
      });
      const run = report.runs[0]![0]!;
      assert.ok(run.pass, `${formatSuite(report)}\n${run.transcript.join("\n")}`);
      assert.equal(next, steps.length, "the model was asked exactly as often as the script expects");
    });
  }
});
