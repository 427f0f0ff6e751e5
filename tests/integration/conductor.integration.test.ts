import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { and, desc, eq, inArray } from "drizzle-orm";
import {
  accountCredits,
  conversationHealth,
  conversations,
  customers,
  decisions,
  interventionArms,
  interventions,
  messages,
} from "../../drizzle/schema.ts";
import { APICallError } from "ai";
import { OfflineLanguageModel } from "../../server/ai/offline/model.ts";
import { seededRandom } from "../../server/conductor/bandit.ts";
import { Conductor, REPLY_GRACE_MS } from "../../server/conductor/conductor.ts";
import { THRESHOLDS } from "../../server/conductor/health.ts";
import { OUTCOME_WINDOW_MS, settleDue } from "../../server/conductor/outcomes.ts";
import { overdueWaits } from "../../server/conductor/readings.ts";
import { requestAction } from "../../server/autonomy/decisions.ts";
import { demoRunning, startDemo } from "../../server/simulator/demo.ts";
import { eventually, startTestApp, type TestApp } from "../support/app.ts";
import { openChat } from "../support/chat.ts";
import { newOperator, signInAs } from "../support/operators.ts";

// The app's own conductor is off here: each test drives one with a seeded draw and its own clock.
let t: TestApp;
let operator: { token: string };
before(async () => {
  t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "0", CONDUCTOR: "off" });
  operator = await newOperator(t, "Conductor watcher");
});
after(() => t.close());

let clock = new Date();
const conductor = (seed = 1) =>
  new Conductor({
    db: t.app.services.db,
    bus: t.app.services.bus,
    log: t.app.services.log,
    random: seededRandom(seed),
    now: () => clock,
  });

// The customers here are not linked to an account: on a database shared with other test files, a
// linked customer's refund (which Auto would run) would change what those files read.
async function inMode(mode: "MANUAL" | "SEMI_AUTO" | "AUTO", email: string | null = null) {
  const chat = await openChat(t, email);
  const r = await t.gql(
    `mutation ($id: ID!, $mode: AutonomyMode) { setAutonomyMode(conversationId: $id, mode: $mode) { mode } }`,
    { id: chat.id, mode },
    operator.token,
  );
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return chat;
}

const interventionsOf = (conversationId: string) =>
  t.app.services.db.select().from(interventions).where(eq(interventions.conversationId, conversationId));
const decisionsOf = (conversationId: string) =>
  t.app.services.db
    .select()
    .from(decisions)
    .where(and(eq(decisions.conversationId, conversationId), eq(decisions.agent, "conductor")));
const healthOf = async (conversationId: string) =>
  (
    await t.app.services.db
      .select()
      .from(conversationHealth)
      .where(eq(conversationHealth.conversationId, conversationId))
  )[0]!;
const armOf = async (intervention: string, contextKey: string) =>
  (
    await t.app.services.db
      .select()
      .from(interventionArms)
      .where(and(eq(interventionArms.intervention, intervention), eq(interventionArms.contextKey, contextKey)))
  )[0];

const settledWith = (intervention: string, contextKey: string, at: Date) =>
  t.app.services.db
    .select()
    .from(interventions)
    .where(
      and(
        eq(interventions.intervention, intervention),
        eq(interventions.contextKey, contextKey),
        eq(interventions.settledAt, at),
      ),
    );

async function askThreeTimes(chat: Awaited<ReturnType<typeof openChat>>) {
  await chat.say("Where is my refund for INV-1042?");
  await chat.say("When will the refund for INV-1042 arrive?");
  await chat.say("Any news on INV-1042? Still no refund.");
}

describe("the conductor", () => {
  test("the same question a third time is a loop; in Auto the picked intervention runs once, with its reasoning", async () => {
    clock = new Date();
    const chat = await inMode("AUTO");
    await askThreeTimes(chat);
    const c = conductor();
    await Promise.all([c.conduct(chat.id), conductor(2).conduct(chat.id)]);

    const health = await healthOf(chat.id);
    assert.ok(health.anomalies.stuck_in_loop !== undefined, JSON.stringify(health.anomalies));
    const [picked, ...more] = await interventionsOf(chat.id);
    assert.equal(more.length, 0, "one intervention per anomaly, whichever conductor got there first");
    assert.equal(picked!.anomaly, "stuck_in_loop");
    assert.match(picked!.contextKey, /anomaly=stuck_in_loop;plan=\w+;sentiment=\w+;topic=\w+;waiting=none/);
    const [decision, ...others] = await decisionsOf(chat.id);
    assert.equal(others.length, 0);
    assert.equal(decision!.id, picked!.decisionId);
    assert.equal(decision!.action, picked!.intervention);
    assert.equal(decision!.status, "executed", `${decision!.action}: ${decision!.error}`);
    assert.match(decision!.reasoning, /^Stuck in a loop: .*asked about INV-1042 3 times/);
    assert.match(decision!.reasoning, /by Thompson sampling \(draw 0\.\d\d\)/);
    const pick = decision!.arguments.pick as { explored: boolean; attempts: number; sampled: number };
    assert.equal(typeof pick.explored, "boolean");
    assert.ok(Math.abs(pick.sampled - picked!.sampled) < 1e-6, "the pick's draw is on the decision");

    // Conducting again, on any instance, changes nothing: the episode has its intervention, so
    // nothing is asked for or announced again.
    const announced: unknown[] = [];
    let listening = true;
    t.app.services.bus.observeLocal((name, _id, event) => {
      if (listening && name === "conductor" && "conversationId" in event && event.conversationId === chat.id)
        if (event.type === "intervention_changed") announced.push(event);
    });
    await c.conduct(chat.id);
    listening = false;
    assert.deepEqual(announced, []);
    assert.equal((await interventionsOf(chat.id)).length, 1);

    // The customer moves on, content: a success at once, without waiting for the window.
    await chat.say("Thank you so much, that is great!");
    await c.conduct(chat.id);
    await settleDue(t.app.services.db, clock);
    const [settled] = await interventionsOf(chat.id);
    assert.equal(settled!.outcome, "success");
    assert.equal(settled!.outcomeReason, "the customer's mood recovered");
  });

  test("while the agent's answer is still being written the conductor waits, however long the customer has waited", async () => {
    clock = new Date();
    const chat = await inMode("AUTO");
    await askThreeTimes(chat);
    const db = t.app.services.db;
    const [answer] = await db
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.conversationId, chat.id), eq(messages.role, "agent")))
      .orderBy(desc(messages.seq))
      .limit(1);
    await db.update(messages).set({ status: "streaming" }).where(eq(messages.id, answer!.id));
    // Past the grace period: only the answer being written holds the conductor back.
    clock = new Date(Date.now() + REPLY_GRACE_MS + 1000);
    const c = conductor(5);
    await c.conduct(chat.id);
    assert.ok((await healthOf(chat.id)).anomalies.stuck_in_loop !== undefined);
    assert.equal((await interventionsOf(chat.id)).length, 0, "no intervention while the answer streams");
    await db.update(messages).set({ status: "complete" }).where(eq(messages.id, answer!.id));
    await c.conduct(chat.id);
    assert.equal((await interventionsOf(chat.id)).length, 1, "once it is written, the conductor steps in");
  });

  test("an instance that finds the episode's decision already asked for records that decision's draw, not its own", async () => {
    clock = new Date();
    const chat = await inMode("MANUAL");
    await askThreeTimes(chat);
    // Past the grace Manual leaves the team to send the agent's draft (see the Manual test below).
    clock = new Date(Date.now() + REPLY_GRACE_MS + 1000);
    await conductor(1).conduct(chat.id);
    const [decision] = await decisionsOf(chat.id);
    assert.equal(decision!.status, "proposed");
    // As if the first instance had asked for the decision and not yet recorded its pick.
    await t.app.services.db.delete(interventions).where(eq(interventions.conversationId, chat.id));
    await conductor(7).conduct(chat.id);

    const [picked, ...more] = await interventionsOf(chat.id);
    assert.equal(more.length, 0);
    assert.equal((await decisionsOf(chat.id)).length, 1, "the second instance asked for no decision of its own");
    assert.equal(picked!.decisionId, decision!.id);
    const pick = decision!.arguments.pick as { sampled: number; explored: boolean };
    assert.ok(Math.abs(picked!.sampled - pick.sampled) < 1e-6, `${picked!.sampled} is the decision's ${pick.sampled}`);
    assert.equal(picked!.explored, pick.explored);
  });

  test("the customer moves on: the intervention is judged a success when its window closes, and the posterior learns it", async () => {
    clock = new Date();
    const chat = await inMode("AUTO");
    await askThreeTimes(chat);
    const c = conductor(3);
    await c.conduct(chat.id);
    const [picked] = await interventionsOf(chat.id);
    const before = await armOf(picked!.intervention, picked!.contextKey);

    await chat.say("How do I change my delivery address?");
    await c.conduct(chat.id);
    await settleDue(t.app.services.db, clock);
    assert.equal((await interventionsOf(chat.id))[0]!.outcome, "pending", "too early to judge");

    clock = new Date(clock.getTime() + OUTCOME_WINDOW_MS + 1000);
    await settleDue(t.app.services.db, clock);
    const [settled] = await interventionsOf(chat.id);
    assert.equal(settled!.outcome, "success", settled!.outcomeReason ?? "");
    assert.equal(settled!.outcomeReason, "the trouble eased within the window");
    // Every outcome settled in this arm and context now counts (on a shared database, others may too).
    const judged = await settledWith(picked!.intervention, picked!.contextKey, clock);
    const after = await armOf(picked!.intervention, picked!.contextKey);
    assert.equal(after!.attempts, (before?.attempts ?? 0) + judged.length);
    assert.equal(after!.successes, (before?.successes ?? 0) + judged.filter((i) => i.outcome === "success").length);
    assert.ok(after!.alpha > (before?.alpha ?? 1), "alpha grows with a success");
  });

  test("in Manual the intervention waits for an operator, the customer hears nothing of it, and a rejection counts as a failure", async () => {
    clock = new Date();
    const chat = await inMode("MANUAL");
    await askThreeTimes(chat);
    // In Manual the agent's answer is a draft the customer has not seen: the conductor first
    // leaves the team the grace period to send it, then steps in.
    clock = new Date();
    const c = conductor(4);
    await c.conduct(chat.id);
    assert.equal((await decisionsOf(chat.id)).length, 0, "held back while an answer may still come");
    clock = new Date(Date.now() + REPLY_GRACE_MS + 1000);
    await c.sweep();
    const [decision] = await decisionsOf(chat.id);
    assert.equal(decision!.status, "proposed");
    const customerLines = await t.app.services.db
      .select()
      .from(messages)
      .where(and(eq(messages.conversationId, chat.id), eq(messages.role, "system")));
    assert.ok(
      !customerLines.some((m) => m.createdAt >= decision!.createdAt),
      "no 'a person is checking this' line for the team's own move",
    );
    const before = await armOf(decision!.action, decision!.contextKey);
    const rejected = await t.gql(
      `mutation ($id: ID!) { rejectDecision(id: $id, reason: "not now") { status } }`,
      { id: decision!.id },
      operator.token,
    );
    assert.equal(rejected.errors, undefined, JSON.stringify(rejected.errors));
    await settleDue(t.app.services.db, clock);
    const [settled] = await interventionsOf(chat.id);
    assert.equal(settled!.outcome, "failure");
    assert.equal(settled!.outcomeReason, "an operator rejected it");
    const judged = await settledWith(decision!.action, decision!.contextKey, clock);
    const after = await armOf(decision!.action, decision!.contextKey);
    assert.equal(after!.attempts, (before?.attempts ?? 0) + judged.length);
    assert.equal(after!.successes, (before?.successes ?? 0) + judged.filter((i) => i.outcome === "success").length);
    assert.ok(after!.beta > (before?.beta ?? 1), "beta grows with a failure");
  });

  test("a conversation another system handed over is read, never intervened in: its own agent speaks there", async () => {
    clock = new Date();
    const admin = await signInAs(t);
    const key = await t.gql<{ createApiKey: { secret: string } }>(
      `mutation { createApiKey(input: { name: "Voice bot", scopes: [ESCALATIONS_WRITE] }) { secret } }`,
      {},
      admin.token,
    );
    const created = await t.gql<{ createEscalation: { escalation: { conversation: { id: string } } } }>(
      `mutation ($input: CreateEscalationInput!) { createEscalation(input: $input) { escalation { conversation { id } } } }`,
      { input: { externalConversationId: crypto.randomUUID(), reason: "Needs a person" } },
      key.data!.createApiKey.secret,
    );
    const id = created.data!.createEscalation.escalation.conversation.id;
    const c = conductor(5);
    await c.conduct(id);
    clock = new Date(Date.now() + THRESHOLDS.waitingMs + 60_000);
    assert.ok((await overdueWaits(t.app.services.db, clock)).includes(id));
    await c.sweep();
    const [reading] = await t.app.services.db
      .select()
      .from(conversationHealth)
      .where(eq(conversationHealth.conversationId, id));
    assert.ok(reading, "the conductor read its health");
    assert.deepEqual(await interventionsOf(id), []);
  });

  test("a customer waiting for a person too long is found by the clock; once a person takes over, nothing more runs", async () => {
    clock = new Date();
    const chat = await inMode("MANUAL", null);
    await chat.say("I want to talk to a person");
    assert.equal((await chat.escalations()).length, 1);
    const c = conductor(5);
    await c.conduct(chat.id);
    assert.equal((await interventionsOf(chat.id)).length, 0, "not yet waiting too long");

    clock = new Date(Date.now() + THRESHOLDS.waitingMs + 60_000);
    assert.ok((await overdueWaits(t.app.services.db, clock)).includes(chat.id));
    await c.sweep();
    const [picked] = await interventionsOf(chat.id);
    assert.equal(picked!.anomaly, "waiting_too_long");
    assert.ok(["raise_priority", "apologise_with_status", "offer_callback"].includes(picked!.intervention));
    const [proposal] = await decisionsOf(chat.id);
    assert.equal(proposal!.status, "proposed");
    assert.match(proposal!.reasoning, /waiting for a person for \d+ min/);

    // A person takes the conversation: the proposal lapses and cannot be approved afterwards.
    const took = await t.gql(
      `mutation ($id: ID!) { takeOverConversation(conversationId: $id) { id } }`,
      { id: chat.id },
      operator.token,
    );
    assert.equal(took.errors, undefined, JSON.stringify(took.errors));
    const approve = await t.gql(
      `mutation ($id: ID!) { approveDecision(id: $id) { status } }`,
      { id: proposal!.id },
      operator.token,
    );
    assert.equal(approve.errors?.[0]?.extensions?.code, "CONFLICT");

    // Even with the customer as unhappy as can be, the conductor stands back from a person's conversation.
    await chat.say("This is ridiculous, terrible, unacceptable service!");
    await chat.say("I am furious, this is useless!");
    clock = new Date(clock.getTime() + THRESHOLDS.waitingMs);
    await c.conduct(chat.id);
    await c.sweep();
    assert.equal((await decisionsOf(chat.id)).length, 1);
    assert.deepEqual((await healthOf(chat.id)).anomalies, {});
    const [lapsed] = await interventionsOf(chat.id);
    assert.equal(lapsed!.outcome, "failure");
  });
});

test("sweeps never overlap: one asked for while another runs starts after it", async () => {
  let started = 0;
  const c = new Conductor({
    db: t.app.services.db,
    bus: t.app.services.bus,
    log: t.app.services.log,
    // A sweep reads the clock once, as it starts, before its first statement.
    now: () => {
      started++;
      return new Date();
    },
  });
  const first = c.sweep();
  const second = c.sweep();
  assert.equal(started, 1, "the second waits for the first");
  await Promise.all([first, second]);
  assert.ok(started >= 2, "and runs once it has ended");
});

test("a goodwill credit is an intervention within Auto's monthly limit, and proposed beyond it", async () => {
  const email = `goodwill.${crypto.randomUUID().slice(0, 8)}@example.com`;
  const [customer] = await t.app.services.db
    .insert(customers)
    .values({ email, name: "Gus Goodwill", plan: "Pro" })
    .returning();
  const ask = async (mode: "AUTO" | "SEMI_AUTO", episodeSeq: number) => {
    const chat = await inMode(mode, email);
    const { decision } = await requestAction(
      { db: t.app.services.db, bus: t.app.services.bus },
      {
        conversationId: chat.id,
        agent: "conductor",
        action: "goodwill_credit",
        args: {
          anomaly: "frustration_rising",
          episodeSeq,
          bucket: { anomaly: "frustration_rising", plan: "Pro" },
          pick: { sampled: 0.5, mean: 0.5, attempts: 0, successes: 0, explored: false },
        },
        reasoning: "Frustration rising.",
      },
    );
    return { chat, decision };
  };
  const credits = () =>
    t.app.services.db.select().from(accountCredits).where(eq(accountCredits.customerId, customer!.id));

  const semi = await ask("SEMI_AUTO", 1);
  assert.equal(semi.decision.status, "proposed", "Semi-Auto asks before giving money away");
  assert.equal((await credits()).length, 0);

  const first = await ask("AUTO", 1);
  assert.equal(first.decision.status, "executed");
  assert.equal((await credits()).length, 1);
  const said = await t.app.services.db
    .select()
    .from(messages)
    .where(and(eq(messages.conversationId, first.chat.id), eq(messages.role, "agent")));
  assert.ok(said.some((m) => m.content.includes("goodwill credit of €10.00")));
  await ask("AUTO", 1);
  // A third €10 would take the month past Auto's €20: it waits for a person.
  const third = await ask("AUTO", 1);
  assert.equal(third.decision.status, "proposed");
  assert.equal((await credits()).length, 2);
});

test("a model that keeps failing is the AI failing: the conductor offers a person or a follow-up", async () => {
  // A hosted model whose every call fails the way an overloaded API does.
  const failing = new (class extends OfflineLanguageModel {
    override async doStream(): Promise<never> {
      throw new APICallError({
        message: "Service Unavailable",
        url: "http://model.invalid/v1/chat/completions",
        requestBodyValues: {},
        statusCode: 503,
        isRetryable: true,
      });
    }
  })({ delayMs: 0 });
  const broken = await startTestApp(
    { CONDUCTOR: "off", AI_MAX_RETRIES: "0" },
    { model: { model: failing, label: "failing", offline: false } },
  );
  try {
    const chat = await openChat(broken, null);
    await chat.say("Hello, my laptop will not start");
    await chat.say("Hello? Is anyone there?");
    const notices = await broken.app.services.db
      .select()
      .from(messages)
      .where(and(eq(messages.conversationId, chat.id), eq(messages.role, "system")));
    assert.equal(notices.filter((m) => m.notice === "ai_failed").length, 2);
    const c = new Conductor({
      db: broken.app.services.db,
      bus: broken.app.services.bus,
      log: broken.app.services.log,
      random: seededRandom(9),
      now: () => new Date(Date.now() + REPLY_GRACE_MS + 1000),
    });
    await c.conduct(chat.id);
    const [picked] = await broken.app.services.db
      .select()
      .from(interventions)
      .where(eq(interventions.conversationId, chat.id));
    assert.equal(picked!.anomaly, "ai_failing");
    assert.ok(["offer_human", "offer_callback"].includes(picked!.intervention), picked!.intervention);
  } finally {
    await broken.close();
  }
});

test("only admins start the demo, one at a time, and its customers talk to this instance over the API", async () => {
  const operatorActor = { kind: "operator", operatorId: crypto.randomUUID(), role: "operator", name: "Op" } as const;
  const adminActor = { ...operatorActor, role: "admin" } as const;
  assert.throws(() => startDemo(t.app.services, operatorActor), { extensions: { code: "FORBIDDEN" } });
  assert.throws(() => startDemo(t.app.services, { kind: "customer", conversationId: crypto.randomUUID() }), {
    extensions: { code: "FORBIDDEN" },
  });
  startDemo(t.app.services, adminActor);
  assert.throws(() => startDemo(t.app.services, adminActor), { extensions: { code: "CONFLICT" } });
  // The demo's three customers start their conversations through the public API.
  const names = await eventually(async () => {
    const rows = await t.app.services.db
      .select({ name: conversations.customerName })
      .from(conversations)
      .where(inArray(conversations.customerName, ["Lou (looping)", "Fay (frustrated)", "Pat (patient)"]));
    return rows.length === 3 ? rows.map((r) => r.name).sort() : undefined;
  }, 15_000);
  assert.deepEqual(names, ["Fay (frustrated)", "Lou (looping)", "Pat (patient)"]);
  await eventually(() => (demoRunning() ? undefined : true), 90_000, "the demo to finish");
});

test("the app's own conductor reacts to the events it writes, without being asked", async () => {
  const live = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "0" });
  try {
    const chat = await openChat(live, null);
    await chat.say("Where is my refund for INV-1042?");
    await chat.say("When will the refund for INV-1042 arrive?");
    await chat.say("Any news on INV-1042? Still no refund.");
    const picked = await eventually(
      async () =>
        (await live.app.services.db.select().from(interventions).where(eq(interventions.conversationId, chat.id)))[0],
      10_000,
      "the conductor's intervention",
    );
    assert.equal(picked.anomaly, "stuck_in_loop");
  } finally {
    await live.close();
  }
});

test(
  "two instances on one database conduct each conversation once",
  { skip: !(process.env.DATABASE_URL && process.env.REDIS_URL) && "needs DATABASE_URL and REDIS_URL" },
  async () => {
    const a = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "0", REDIS_URL: process.env.REDIS_URL! });
    const b = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "0", REDIS_URL: process.env.REDIS_URL! });
    try {
      const chats = await Promise.all([openChat(a, null), openChat(a, null)]);
      // Each message goes to the other instance in turn, so both write this conversation's events.
      for (const [i, text] of [
        "Where is my refund for INV-1042?",
        "When will the refund for INV-1042 arrive?",
        "Any news on INV-1042? Still no refund.",
      ].entries()) {
        for (const chat of chats) await (i % 2 ? chat.say(text) : chat.sayThrough(b, text));
      }
      for (const chat of chats) {
        await eventually(
          async () =>
            (await a.app.services.db.select().from(interventions).where(eq(interventions.conversationId, chat.id)))
              .length || undefined,
          10_000,
          "an intervention",
        );
        await Promise.all([a.app.services.conductor.conduct(chat.id), b.app.services.conductor.conduct(chat.id)]);
        await Promise.all([a.app.services.conductor.idle(), b.app.services.conductor.idle()]);
        const rows = await a.app.services.db
          .select()
          .from(interventions)
          .where(eq(interventions.conversationId, chat.id));
        assert.equal(rows.length, 1);
        const made = await a.app.services.db
          .select()
          .from(decisions)
          .where(and(eq(decisions.conversationId, chat.id), eq(decisions.agent, "conductor")));
        assert.equal(made.length, 1);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  },
);
