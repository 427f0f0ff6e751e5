import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import { decisions } from "../../drizzle/schema.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { openChat, textOf } from "../support/chat.ts";
import { startFakeOpenAI, systemOf, type ChatRequest, type FakeOpenAI } from "../support/fake-openai.ts";

const firstUser = (req: ChatRequest) => String(req.messages.find((m) => m.role === "user")?.content ?? "");

let fake: FakeOpenAI;
let t: TestApp;
before(async () => {
  // One scripted model for every case; the customer's first words pick the script.
  fake = await startFakeOpenAI((req) => {
    const system = systemOf(req);
    const last = req.messages.at(-1)!;
    const user = firstUser(req);
    const agent = /Current agent: (\w+)/.exec(system)?.[1];
    if (agent === "billing") return { text: "Billing here: I can help with that invoice." };
    if (user.startsWith("MALFORMED"))
      return last.role === "tool"
        ? { text: "Sorry, I could not look that up. Which ticket do you mean?" }
        : { tool: "get_ticket_status", args: '{"ticket_id": "TK-1' };
    if (user.startsWith("UNKNOWN"))
      return last.role === "tool"
        ? { text: "I can't issue refunds from here; Billing can." }
        : { tool: "refund_payment", args: { paymentId: "PAY-70422", reason: "duplicate", reasoning: "x".repeat(5) } };
    if (user.startsWith("ANNOUNCE-STUBBORN")) return { text: "I'll transfer you to our billing team now." };
    if (user.startsWith("ANNOUNCE"))
      return /Correction:/.test(system)
        ? { tool: "transfer_to_billing", args: { reason: "invoice question" } }
        : { text: "I'll transfer you to our billing team now." };
    return { text: "Hello." };
  });
  t = await startTestApp({ OPENAI_BASE_URL: fake.url, AI_MODEL: "gpt-test", OPENAI_API_KEY: "test-key" });
});
after(async () => {
  await t.close();
  await fake.close();
});

const requestsFor = (marker: string) => fake.requests.filter((r) => firstUser(r).startsWith(marker));

describe("a hosted model that gets tools wrong", () => {
  test("malformed tool arguments: nothing runs, the model is told, and the customer gets its answer", async () => {
    const chat = await openChat(t);
    const marker = `MALFORMED ${crypto.randomUUID()}`;
    const reply = await chat.say(`${marker} what about my ticket?`);
    assert.deepEqual(await chat.toolsCalled(), []);
    assert.equal(
      textOf(reply.filter((m) => m.role === "agent")),
      "Sorry, I could not look that up. Which ticket do you mean?",
    );
    const told = requestsFor(marker)
      .at(-1)!
      .messages.find((m) => m.role === "tool");
    assert.match(String(told?.content), /invalid|error/i);
  });

  test("a tool the agent does not have is never run; the model is told so", async () => {
    const chat = await openChat(t);
    const marker = `UNKNOWN ${crypto.randomUUID()}`;
    const reply = await chat.say(`${marker} refund me`);
    assert.deepEqual(await chat.toolsCalled(), []);
    assert.deepEqual(await t.app.services.db.select().from(decisions).where(eq(decisions.conversationId, chat.id)), []);
    assert.equal(textOf(reply.filter((m) => m.role === "agent")), "I can't issue refunds from here; Billing can.");
    const told = requestsFor(marker)
      .at(-1)!
      .messages.find((m) => m.role === "tool");
    assert.match(String(told?.content), /refund_payment/);
  });

  test("a model that says it will hand off without calling the tool is corrected once, and then calls it", async () => {
    const chat = await openChat(t);
    const marker = `ANNOUNCE ${crypto.randomUUID()}`;
    const reply = await chat.say(`${marker} question about my invoice`);
    const handoffs = (await chat.events()).filter((e) => e.type === "handoff");
    assert.deepEqual(
      handoffs.map((h) => [h.payload.from, h.payload.agent, h.payload.note]),
      [["triage", "billing", "invoice question"]],
    );
    assert.equal(reply.at(-1)!.authorName, "Billing");
    const triageCalls = requestsFor(marker).filter((r) => /Current agent: triage/.test(systemOf(r)));
    assert.equal(triageCalls.length, 2, "one call, one correction");
    assert.match(systemOf(triageCalls[1]!), /Correction: you told the customer you would hand them to Billing/);
  });

  test("a model that still does not call the tool after the correction is handed off for it", async () => {
    const chat = await openChat(t);
    const marker = `ANNOUNCE-STUBBORN ${crypto.randomUUID()}`;
    const reply = await chat.say(`${marker} question about my invoice`);
    const handoffs = (await chat.events()).filter((e) => e.type === "handoff");
    assert.equal(handoffs.length, 1);
    assert.equal(handoffs[0]!.payload.from, "triage");
    assert.equal(handoffs[0]!.payload.agent, "billing");
    assert.match(String(handoffs[0]!.payload.note), /said it would hand over/);
    assert.deepEqual(
      reply.filter((m) => m.role === "agent").map((m) => [m.authorName, m.content]),
      [
        ["Triage", "I'll transfer you to our billing team now."],
        ["Billing", "Billing here: I can help with that invoice."],
      ],
      "the correction's own text is never shown",
    );
    assert.equal(requestsFor(marker).filter((r) => /Current agent: triage/.test(systemOf(r))).length, 2);
  });
});
