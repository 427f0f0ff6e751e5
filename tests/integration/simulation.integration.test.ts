import assert from "node:assert/strict";
import { test } from "node:test";
import { createOpenAI } from "@ai-sdk/openai";
import { scenarios, type Scenario } from "../eval/scenarios.ts";
import { formatSuite, runSuite } from "../eval/simulate.ts";
import { startFakeOpenAI } from "../support/fake-openai.ts";

const OFFLINE = { OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined };
// Every scenario runs on a fresh in-memory database of its own, whatever DATABASE_URL says, so the
// Postgres pass would only run the same thing again.
const skip = process.env.DATABASE_URL ? "runs in the embedded-database pass" : false;

test(
  "the simulated customers' scenarios all pass with the offline model, judged by end state and by what was said",
  { skip, timeout: 600_000 },
  async () => {
    assert.ok(scenarios.length >= 30, `${scenarios.length} scenarios`);
    assert.equal(new Set(scenarios.map((s) => s.id)).size, scenarios.length, "scenario ids are unique");
    const report = await runSuite(scenarios, { env: OFFLINE });
    const failed = report.runs.flat().filter((r) => !r.pass);
    assert.deepEqual(
      failed.map((f) => f.scenario.id),
      [],
      `${formatSuite(report)}\n\n${failed.map((f) => `${f.scenario.id}:\n${f.transcript.join("\n")}`).join("\n\n")}`,
    );
  },
);

test(
  "a scenario fails when its end state is wrong, and an LLM customer is run k times for pass^k",
  { skip },
  async () => {
    // The offline agents never create a ticket for a greeting: a scenario that wants one fails, with the reason.
    const wrong: Scenario = {
      id: "wants-a-ticket",
      agent: "triage",
      instructions: "You say hello.",
      turns: ["hello"],
      expect: { tickets: 1, say: [/a sentence nobody says/] },
    };
    const failing = await runSuite([wrong], { env: OFFLINE });
    assert.deepEqual(failing.runs[0]![0]!.failures, ["tickets: 0, want 1", "never said /a sentence nobody says/"]);

    // An LLM plays the customer (here a fake OpenAI-compatible server): its first message, then DONE.
    let customerTurns = 0;
    const fake = await startFakeOpenAI((req) => {
      if (String(req.messages[0]?.content).startsWith("You are role-playing a customer"))
        return { text: customerTurns++ % 2 === 0 ? "Is cloud backup down?" : "DONE" };
      return { text: "Let me check that for you." };
    });
    try {
      const customerModel = createOpenAI({ apiKey: "test", baseURL: fake.url }).chat("gpt-customer");
      const scenario = scenarios.find((s) => s.id === "outage-during-incident")!;
      const report = await runSuite([scenario], {
        k: 2,
        customerModel,
        env: { ...OFFLINE, OPENAI_API_KEY: "test", OPENAI_BASE_URL: fake.url },
      });
      assert.equal(report.runs[0]!.length, 2, "k runs");
      assert.match(report.runs[0]![0]!.transcript[0]!, /^Customer: Is cloud backup down\?/);
      // The fake agent never checks the status: both runs fail, so pass^2 is 0 of 1.
      assert.deepEqual(report.byAgent.get("triage"), { total: 1, passed: 0, passedAll: 0 });
      assert.match(formatSuite(report), /pass\^2 0\/1/);
    } finally {
      await fake.close();
    }
  },
);
