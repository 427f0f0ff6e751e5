import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import { conversations } from "../../drizzle/schema.ts";
import { resolveModel } from "../../server/ai/model.ts";
import { summariseConversation, summaryInput, renderSummarySource } from "../../server/ai/summary.ts";
import { setSummary } from "../../server/conversations/transitions.ts";
import { send, startConversation, startLinkedConversation, startTestApp, type TestApp } from "../support/app.ts";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.ts";
import { signInAs } from "../support/operators.ts";

let t: TestApp;
before(async () => {
  t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "0", SUMMARY_DELAY_MS: "0" });
});
after(() => t.close());

const summaryOf = async (id: string) =>
  (await t.app.services.db.select({ s: conversations.summary }).from(conversations).where(eq(conversations.id, id)))[0]!
    .s;
const settle = async () => {
  await t.app.services.runner.idle();
  await t.app.services.summaries.idle();
};
const SUMMARY = `query ($id: ID!) { conversation(id: $id) { summary { wants facts { label value } tried pending atSeq model } } }`;

describe("case summaries (offline model)", () => {
  test("an escalation gets a real summary: what they want, facts, what was tried, what is pending", async () => {
    const { conversation, token } = await startLinkedConversation(t.app.services, "ada@example.com");
    const conv = { id: conversation.id, token };
    await send(t, conv, "I was charged twice for invoice INV-1042, 49.00 euros, on my Aero 14 laptop order");
    await settle();
    await send(t, conv, "I want to talk to a person please");
    await settle();
    const s = await summaryOf(conv.id);
    assert.ok(s, "written when the conversation was escalated");
    assert.match(s.wants, /billing/i);
    assert.match(s.wants, /charged twice/);
    assert.ok(!/talk to a person/.test(s.wants), "not the customer's last message");
    assert.ok(
      s.facts.some((f) => f.label === "Invoice" && f.value === "INV-1042"),
      JSON.stringify(s.facts),
    );
    assert.ok(
      s.facts.some((f) => f.label === "Account" && /Ada/.test(f.value)),
      JSON.stringify(s.facts),
    );
    assert.ok(s.tried.length >= 1 && !s.tried.includes("Nothing yet"), JSON.stringify(s.tried));
    assert.match(s.pending, /A person needs to pick this up/);
    assert.equal(s.model, "Tandem offline model");

    // The conversation moves on while it waits: the summary is written again and covers it.
    const before = s.atSeq;
    await send(t, conv, "Also the laptop will not charge since yesterday");
    await settle();
    const later = await summaryOf(conv.id);
    assert.ok(later!.atSeq > before);
    assert.match(later!.pending, /will not charge/);

    // Operators read it over the API; the customer never does.
    const op = await signInAs(t);
    const asOperator = await t.gql<{ conversation: { summary: { wants: string } | null } }>(
      SUMMARY,
      { id: conv.id },
      op.token,
    );
    assert.equal(asOperator.data!.conversation.summary?.wants, later!.wants);
    const asCustomer = await t.gql<{ conversation: { summary: unknown } }>(SUMMARY, { id: conv.id }, conv.token);
    assert.equal(asCustomer.data!.conversation.summary, null);
  });

  test("a conversation the AI is handling is not summarised on every message", async () => {
    const conv = await startConversation(t);
    await send(t, conv, "How do I reset my router?");
    await settle();
    assert.equal(await summaryOf(conv.id), null);
  });

  test("nothing new since the last summary calls no model; an older summary never replaces a newer one", async () => {
    // A conversation the AI handles: nothing else writes to it while the test runs.
    const conv = await startConversation(t);
    await send(t, conv, "How do I reset my router?");
    await t.app.services.runner.idle();
    const deps = {
      ...t.app.services,
      model: resolveModel(t.app.services.config.ai).model,
      modelLabel: "offline",
      timeoutMs: 5000,
    };
    const first = await summariseConversation(deps, conv.id);
    assert.ok(first);
    const refusing = {
      ...deps,
      model: { ...deps.model, doGenerate: () => Promise.reject(new Error("no model call expected")) },
    };
    assert.deepEqual(await summariseConversation(refusing as typeof deps, conv.id), first);
    const older = { ...first, atSeq: first.atSeq - 1, wants: "An older reading" };
    assert.equal(await setSummary(t.app.services.db, conv.id, older), false);
    assert.equal((await summaryOf(conv.id))?.wants, first.wants);
  });
});

describe("case summaries (hosted model)", () => {
  let fake: FakeOpenAI;
  before(async () => {
    fake = await startFakeOpenAI(() => ({
      text: JSON.stringify({
        wants: "A refund for a duplicate charge",
        facts: [{ label: "Invoice", value: "INV-1042" }],
        tried: ["Looked up the account"],
        pending: "An operator must approve the refund",
      }),
    }));
  });
  after(() => fake.close());

  test("asks the configured model for structured output and stores what it returns", async () => {
    const conv = await startConversation(t);
    await send(t, conv, "I was charged twice");
    await t.app.services.runner.idle();
    const model = resolveModel({ ...t.app.services.config.ai, apiKey: "test", baseURL: fake.url, model: "gpt-test" });
    const summary = await summariseConversation(
      { ...t.app.services, model: model.model, modelLabel: model.label, timeoutMs: 5000 },
      conv.id,
    );
    assert.equal(summary?.wants, "A refund for a duplicate charge");
    assert.equal(summary?.model, "gpt-test");
    const request = fake.requests.at(-1)!;
    assert.equal(request.response_format?.type, "json_schema");
    const input = await summaryInput(t.app.services.db, conv.id);
    assert.ok(
      request.messages.some((m) => m.content === renderSummarySource(input!.source)),
      "the transcript is the prompt",
    );
    assert.deepEqual((await summaryOf(conv.id))?.facts, [{ label: "Invoice", value: "INV-1042" }]);
  });

  test("output that does not fit the schema is refused and stores nothing", async () => {
    const bad = await startFakeOpenAI(() => ({ text: JSON.stringify({ wants: "", facts: "none" }) }));
    try {
      const conv = await startConversation(t);
      await send(t, conv, "hello");
      await t.app.services.runner.idle();
      const model = resolveModel({ ...t.app.services.config.ai, apiKey: "test", baseURL: bad.url, model: "gpt-test" });
      await assert.rejects(
        summariseConversation(
          { ...t.app.services, model: model.model, modelLabel: model.label, timeoutMs: 5000 },
          conv.id,
        ),
      );
      assert.equal(await summaryOf(conv.id), null);
    } finally {
      await bad.close();
    }
  });
});
