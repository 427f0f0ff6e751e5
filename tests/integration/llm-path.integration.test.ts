import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { getConversationUsage } from "../../server/conversations/service.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { openChat, textOf } from "../support/chat.ts";
import { startFakeOpenAI, systemOf, type ChatRequest, type FakeOpenAI } from "../support/fake-openai.ts";

let fake: FakeOpenAI;
let t: TestApp;
before(async () => {
  // A scripted LLM: triage hands off, billing looks the account up, then answers from the tool result.
  fake = await startFakeOpenAI((req) => {
    const system = systemOf(req);
    const last = req.messages.at(-1)!;
    if (/Current agent: triage/.test(system))
      return { tool: "transfer_to_billing", args: { reason: "double charge on invoice INV-1042" } };
    if (last.role === "tool")
      return { text: "I can see invoice INV-1042 was paid twice. A colleague will verify the refund." };
    return { tool: "lookup_account", args: {} };
  });
  t = await startTestApp({ OPENAI_BASE_URL: fake.url, AI_MODEL: "gpt-4o-mini", OPENAI_API_KEY: "test-key" });
});
after(async () => {
  await t.close();
  await fake.close();
});

test("through an OpenAI-compatible server, the same handoff and tool flow completes", async () => {
  assert.equal(t.app.services.model.offline, false);
  const chat = await openChat(t);
  // Unique text: on a shared database, other conversations may reach the same fake server.
  const text = `I was charged twice this month (order ${crypto.randomUUID().slice(0, 8)})`;
  const reply = await chat.say(text);
  assert.equal(reply[0]!.content, "You're now talking to Billing (AI).");
  assert.equal(reply.at(-1)!.authorName, "Billing");
  assert.equal(reply.at(-1)!.content, "I can see invoice INV-1042 was paid twice. A colleague will verify the refund.");
  assert.deepEqual(await chat.toolsCalled(), ["transfer_to_billing", "lookup_account"]);

  // The billing agent saw the history, its own instructions, the transfer, and the real tool result.
  const billingCalls = fake.requests.filter(
    (r) =>
      /Current agent: billing/.test(systemOf(r)) && r.messages.some((m) => m.role === "user" && m.content === text),
  );
  assert.equal(billingCalls.length, 2);
  // The model-written transfer reason is shown as a notice, never inside the facts Tandem vouches for.
  const [facts, notices] = systemOf(billingCalls[0]!).split("Recent notices");
  assert.match(notices ?? "", /Transferred to Billing: double charge/);
  assert.doesNotMatch(facts!.split("Conversation facts")[1]!, /double charge/);
  assert.deepEqual(billingCalls[0]!.tools?.map((x) => x.function.name).sort(), [
    "cancel_subscription",
    "change_plan",
    "create_ticket",
    "escalate_to_human",
    "get_ticket_status",
    "issue_credit",
    "lookup_account",
    "refund_payment",
    "resolve_conversation",
    "search_knowledge",
    "transfer_to_triage",
    "update_case",
    "update_ticket",
  ]);
  const toolMessage = billingCalls[1]!.messages.find((m) => m.role === "tool");
  assert.match(String(toolMessage?.content), /PAY-70421/);

  // Usage and an estimated cost are recorded on the message from the price table.
  const usage = reply.at(-1)!.usage!;
  assert.equal(usage.model, "gpt-4o-mini");
  assert.ok(usage.inputTokens >= 240 && usage.outputTokens >= 60, JSON.stringify(usage));
  assert.ok(Math.abs(usage.costUsd! - (usage.inputTokens * 0.15 + usage.outputTokens * 0.6) / 1e6) < 1e-9);
  const total = await getConversationUsage(t.app.services.db, chat.id);
  assert.equal(total.outputTokens, usage.outputTokens);
  assert.ok(Math.abs(total.costUsd - usage.costUsd!) < 1e-9);
  assert.match(textOf(reply), /paid twice/);
});

test("a 5xx from the model server is retried", async () => {
  let calls = 0;
  const text = `hi (${crypto.randomUUID().slice(0, 8)})`;
  const ours = (req: ChatRequest) => req.messages.some((m) => m.role === "user" && m.content === text);
  const flaky = await startFakeOpenAI((req) =>
    ours(req) && ++calls === 1 ? { status: 503 } : { text: "Hello! How can I help?" },
  );
  const app = await startTestApp({ OPENAI_BASE_URL: flaky.url, AI_MODEL: "local-model", AI_RETRY_BASE_MS: "5" });
  try {
    const chat = await openChat(app);
    const reply = await chat.say(text);
    assert.equal(reply.at(-1)!.content, "Hello! How can I help?");
    assert.equal(calls, 2);
    assert.equal(reply.at(-1)!.usage!.costUsd, 0, "a model missing from the price table costs 0");
  } finally {
    await app.close();
    await flaky.close();
  }
});
