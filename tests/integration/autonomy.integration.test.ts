/**
 * Autonomy, first step: the AI's refunds are decisions. In Semi-Auto they wait for an operator;
 * in Auto they run within the admin's limit and are proposed above it. Approval runs the refund
 * exactly once; rejection, takeover and expiry run nothing. The model is the OpenAI-compatible
 * fake, scripted to ask for the refund; each test has its own customer and payments.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { and, asc, eq } from "drizzle-orm";
import {
  accountCredits,
  autonomyAudit,
  customers,
  decisions,
  invoices,
  messages,
  payments,
  refunds,
  shipments,
  subscriptionChanges,
} from "../../drizzle/schema.ts";
import { expireStaleProposals } from "../../server/autonomy/decisions.ts";
import { eventually, startLinkedConversation, startTestApp, type TestApp } from "../support/app.ts";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.ts";
import { newOperator, signInAs } from "../support/operators.ts";

let t: TestApp;
let fake: FakeOpenAI;
/** The payment the scripted model asks to refund, per conversation. */
const refundFor = new Map<string, string>();
/** Other actions the scripted model asks for, per conversation: which agent, which tool, what arguments. */
const scripted = new Map<string, { agent: string; tool: string; args: Record<string, unknown> }>();

before(async () => {
  fake = await startFakeOpenAI((req) => {
    const last = req.messages.at(-1);
    if (last?.role === "tool") return { text: "I've put that through for you; you'll see the outcome here." };
    const tools = req.tools?.map((x) => x.function.name) ?? [];
    const conversation = [...refundFor.keys(), ...scripted.keys()].find((id) =>
      req.messages.some((m) => m.content?.includes(id)),
    );
    const script = conversation ? scripted.get(conversation) : undefined;
    if (script) {
      if (tools.includes(`transfer_to_${script.agent}`))
        return { tool: `transfer_to_${script.agent}`, args: { reason: "the right team" } };
      return { tool: script.tool, args: { ...script.args, reasoning: "The facts support it.", confidence: 0.8 } };
    }
    if (tools.includes("transfer_to_billing"))
      return { tool: "transfer_to_billing", args: { reason: "a payment question" } };
    const paymentId = conversation ? refundFor.get(conversation)! : "PAY-UNKNOWN";
    return {
      tool: "refund_payment",
      args: {
        paymentId,
        reason: "duplicate payment",
        reasoning: `The invoice was paid twice; ${paymentId} is the second payment.`,
        confidence: 0.92,
      },
    };
  });
  t = await startTestApp({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: "test-key", OFFLINE_MODEL_DELAY_MS: "0" });
});
after(async () => {
  await t.close();
  await fake.close();
});

/** A customer of its own with an invoice paid twice; returns the linked conversation and the second payment. */
async function doubleCharged(amountCents = 8900) {
  const db = t.app.services.db;
  const tag = crypto.randomUUID().slice(0, 8).toUpperCase();
  const [customer] = await db
    .insert(customers)
    .values({ email: `auto.${tag.toLowerCase()}@example.com`, name: `Customer ${tag}`, plan: "Business" })
    .returning();
  await db.insert(invoices).values({
    id: `INV-${tag}`,
    customerId: customer!.id,
    description: "Business plan",
    amountCents,
    status: "paid",
    issuedAt: new Date(),
  });
  for (const n of [1, 2]) {
    await db.insert(payments).values({
      id: `PAY-${tag}${n}`,
      customerId: customer!.id,
      invoiceId: `INV-${tag}`,
      amountCents,
      method: "Visa ending 4242",
      status: "succeeded",
      paidAt: new Date(),
    });
  }
  const { conversation, token } = await startLinkedConversation(t.app.services, customer!.email);
  refundFor.set(conversation.id, `PAY-${tag}2`);
  return { conversationId: conversation.id, token, paymentId: `PAY-${tag}2` };
}

/** The customer asks; the scripted model asks for the refund; returns the decision row. */
async function customerAsks(c: { conversationId: string; token: string }) {
  const r = await t.gql(
    `mutation ($input: SendMessageInput!) { sendMessage(input: $input) { duplicate } }`,
    {
      input: {
        conversationId: c.conversationId,
        content: `I was charged twice (${c.conversationId}), please refund`,
        clientMessageId: crypto.randomUUID(),
      },
    },
    c.token,
  );
  assert.ok(r.data, JSON.stringify(r.errors));
  await t.app.services.runner.idle();
  const [decision] = await t.app.services.db
    .select()
    .from(decisions)
    .where(eq(decisions.conversationId, c.conversationId));
  assert.ok(decision, "the refund became a decision");
  return decision;
}

const customerLines = async (conversationId: string) =>
  (
    await t.app.services.db
      .select()
      .from(messages)
      .where(eq(messages.conversationId, conversationId))
      .orderBy(asc(messages.seq))
  ).map((m) => m.content);
const refundsOf = (paymentId: string) =>
  t.app.services.db.select().from(refunds).where(eq(refunds.paymentId, paymentId));
const APPROVE = `mutation ($id: ID!) { approveDecision(id: $id) { id status result } }`;
const REJECT = `mutation ($id: ID!, $reason: String) { rejectDecision(id: $id, reason: $reason) { id status rejectionReason } }`;

test("Semi-Auto: a double charge becomes a proposed refund with reasoning and confidence; an approval elsewhere runs it once", async () => {
  const op = await newOperator(t, "Approver");
  const events: Array<{ type: string; status?: string }> = [];
  const errors: unknown[] = [];
  const watcher = t.ws(op.token);
  const stop = watcher.subscribe<{ decisionEvents: { type: string; status?: string } }>(
    { query: `subscription { decisionEvents { type status decisionId } }` },
    {
      next: (r) => (r.errors ? errors.push(r.errors) : r.data && events.push(r.data.decisionEvents)),
      error: (e) => errors.push(e),
      complete: () => {},
    },
  );
  const admin = await signInAs(t);
  await eventually(
    async () => {
      await t.gql(`mutation { setAutonomyMode(mode: SEMI_AUTO) { mode } }`, {}, admin.token);
      return events.some((e) => e.type === "MODE_CHANGED") ? true : undefined;
    },
    10_000,
    `the operator's screen to be live (errors: ${JSON.stringify(errors)})`,
  );

  const c = await doubleCharged();
  const decision = await customerAsks(c);
  assert.equal(decision.status, "proposed");
  assert.equal(decision.action, "refund_payment");
  assert.match(
    decision.summary,
    new RegExp(`Refund €89\\.00 of payment ${c.paymentId} on INV-\\w+ \\(duplicate payment\\)`),
  );
  assert.match(decision.reasoning, /paid twice/);
  assert.equal(decision.confidence, 0.92);
  assert.ok(decision.calibratedConfidence > 0 && decision.calibratedConfidence < 1);
  await eventually(
    () => (events.some((e) => e.type === "DECISION_CHANGED" && e.status === "PROPOSED") ? true : undefined),
    5000,
    "the proposal on the operator's screen",
  );
  assert.ok((await customerLines(c.conversationId)).some((l) => /A person from our team is checking this/.test(l)));
  assert.equal((await refundsOf(c.paymentId)).length, 0, "nothing runs before approval");

  const approved = await t.gql<{ approveDecision: { status: string } }>(APPROVE, { id: decision.id }, op.token);
  assert.equal(approved.data?.approveDecision.status, "EXECUTED", JSON.stringify(approved.errors));
  const again = await t.gql(APPROVE, { id: decision.id }, op.token);
  assert.equal(again.errors?.[0]?.extensions?.code, "CONFLICT");
  assert.equal((await refundsOf(c.paymentId)).length, 1);
  const [payment] = await t.app.services.db.select().from(payments).where(eq(payments.id, c.paymentId));
  assert.equal(payment!.status, "refunded");
  assert.ok(
    (await customerLines(c.conversationId)).some((l) =>
      l.includes(`Your refund of €89.00 for payment ${c.paymentId} has been issued`),
    ),
  );
  const shown = await t.gql<{ decision: { trackRecord: { approvals: number }; decidedBy: { name: string } } }>(
    `query ($id: ID!) { decision(id: $id) { decidedBy { name } trackRecord { approvals } } }`,
    { id: decision.id },
    op.token,
  );
  assert.equal(shown.data!.decision.decidedBy.name, "Approver");
  assert.ok(shown.data!.decision.trackRecord.approvals >= 1);
  stop();
});

test("a rejection runs nothing and tells the customer a person will follow up", async () => {
  const op = await newOperator(t, "Rejecter");
  const c = await doubleCharged();
  const decision = await customerAsks(c);
  const rejected = await t.gql<{ rejectDecision: { status: string; rejectionReason: string } }>(
    REJECT,
    { id: decision.id, reason: "Already refunded by bank" },
    op.token,
  );
  assert.equal(rejected.data?.rejectDecision.status, "REJECTED");
  assert.equal(rejected.data?.rejectDecision.rejectionReason, "Already refunded by bank");
  assert.equal((await refundsOf(c.paymentId)).length, 0);
  assert.ok((await customerLines(c.conversationId)).some((l) => /will follow up with you here/.test(l)));
});

test("two operators approving at once: exactly one wins, the refund exists once", async () => {
  const [a, b] = [await newOperator(t, "Racer A"), await newOperator(t, "Racer B")];
  const c = await doubleCharged();
  const decision = await customerAsks(c);
  const results = await Promise.all([
    t.gql(APPROVE, { id: decision.id }, a.token),
    t.gql(APPROVE, { id: decision.id }, b.token),
  ]);
  assert.equal(results.filter((r) => r.data).length, 1, JSON.stringify(results));
  assert.equal(results.filter((r) => r.errors?.[0]?.extensions?.code === "CONFLICT").length, 1);
  assert.equal((await refundsOf(c.paymentId)).length, 1);
});

test("a takeover expires the proposal: a later approval runs nothing", async () => {
  const op = await newOperator(t, "Taker");
  const c = await doubleCharged();
  const decision = await customerAsks(c);
  await t.gql(
    `mutation ($id: ID!) { takeOverConversation(conversationId: $id) { id } }`,
    { id: c.conversationId },
    op.token,
  );
  const [row] = await t.app.services.db.select().from(decisions).where(eq(decisions.id, decision.id));
  assert.equal(row!.status, "expired");
  assert.equal((await t.gql(APPROVE, { id: decision.id }, op.token)).errors?.[0]?.extensions?.code, "CONFLICT");
  assert.equal((await refundsOf(c.paymentId)).length, 0);
});

test("a proposal nobody decides in time expires, and the customer is told", async () => {
  const op = await newOperator(t, "Late");
  const c = await doubleCharged();
  const decision = await customerAsks(c);
  assert.ok((await expireStaleProposals(t.app.services, new Date(Date.now() + 2 * 3600_000))) >= 1);
  assert.equal((await t.gql(APPROVE, { id: decision.id }, op.token)).errors?.[0]?.extensions?.code, "CONFLICT");
  assert.ok((await customerLines(c.conversationId)).some((l) => /taking longer than expected/.test(l)));
});

test("Auto for one conversation: a refund within the limit runs at once; above it, it is proposed", async () => {
  const op = await newOperator(t, "Auto Setter");
  const small = await doubleCharged(1500);
  const set = await t.gql<{ setAutonomyMode: { mode: string } }>(
    `mutation ($id: ID!) { setAutonomyMode(mode: AUTO, conversationId: $id) { mode } }`,
    { id: small.conversationId },
    op.token,
  );
  assert.equal(set.data?.setAutonomyMode.mode, "AUTO");
  const ran = await customerAsks(small);
  assert.equal(ran.status, "executed");
  assert.equal(ran.decidedByName, "Tandem (autonomy policy)");
  assert.equal((await refundsOf(small.paymentId)).length, 1);

  const large = await doubleCharged(15_000);
  await t.gql(
    `mutation ($id: ID!) { setAutonomyMode(mode: AUTO, conversationId: $id) { mode } }`,
    { id: large.conversationId },
    op.token,
  );
  const proposed = await customerAsks(large);
  assert.equal(proposed.status, "proposed", "€150 is over the €100 limit");
  assert.equal((await refundsOf(large.paymentId)).length, 0);
});

test("Manual: the refund is only a proposal", async () => {
  const op = await newOperator(t, "Manual Setter");
  const c = await doubleCharged(1500);
  await t.gql(
    `mutation ($id: ID!) { setAutonomyMode(mode: MANUAL, conversationId: $id) { mode } }`,
    { id: c.conversationId },
    op.token,
  );
  const decision = await customerAsks(c);
  assert.equal(decision.status, "proposed");
  const listed = await t.gql<{ decisions: Array<{ id: string }> }>(
    `query ($id: ID!) { decisions(filter: { conversationId: $id, status: PROPOSED }) { id } }`,
    { id: c.conversationId },
    op.token,
  );
  assert.deepEqual(
    listed.data?.decisions.map((d) => d.id),
    [decision.id],
  );
  const live = await t.app.services.db
    .select()
    .from(decisions)
    .where(and(eq(decisions.conversationId, c.conversationId), eq(decisions.status, "executed")));
  assert.equal(live.length, 0);
});

test(
  "an approval arriving on another instance runs the refund once, and this instance's screens hear of it",
  { skip: !(process.env.DATABASE_URL && process.env.REDIS_URL) && "needs DATABASE_URL and REDIS_URL" },
  async () => {
    const other = await startTestApp({
      REDIS_URL: process.env.REDIS_URL!,
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: "test-key",
    });
    const here = await startTestApp({
      REDIS_URL: process.env.REDIS_URL!,
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: "test-key",
    });
    try {
      const op = await newOperator(here, "Watcher");
      const seen: string[] = [];
      const stop = here
        .ws(op.token)
        .subscribe<{ decisionEvents: { status: string } }>(
          { query: `subscription { decisionEvents { status } }` },
          { next: (r) => r.data && seen.push(r.data.decisionEvents.status), error: () => {}, complete: () => {} },
        );
      const c = await doubleCharged();
      const decision = await customerAsks(c);
      const approver = await newOperator(other, "Elsewhere");
      const [a, b] = await Promise.all([
        other.gql(APPROVE, { id: decision.id }, approver.token),
        here.gql(APPROVE, { id: decision.id }, op.token),
      ]);
      assert.equal([a, b].filter((r) => r.data).length, 1, JSON.stringify([a, b]));
      assert.equal((await refundsOf(c.paymentId)).length, 1);
      await eventually(
        () => (seen.includes("EXECUTED") ? true : undefined),
        5000,
        "the execution on the watching instance",
      );
      stop();
    } finally {
      await other.close();
      await here.close();
    }
  },
);

/** A customer of its own (Pro plan, active) with a linked conversation whose model asks for `tool`. */
async function customerWanting(agent: string, tool: string, args: Record<string, unknown>, email?: string) {
  const tag = crypto.randomUUID().slice(0, 8);
  const address = email ?? `acts.${tag}@example.com`;
  if (!email)
    await t.app.services.db.insert(customers).values({ email: address, name: `Customer ${tag}`, plan: "Pro" });
  const { conversation, token } = await startLinkedConversation(t.app.services, address);
  scripted.set(conversation.id, { agent, tool, args });
  return { conversationId: conversation.id, token, email: address };
}

async function customerOf(email: string) {
  const [row] = await t.app.services.db.select().from(customers).where(eq(customers.email, email));
  return row!;
}

test("goodwill credit: Auto grants up to €20 per customer per month, then proposes", async () => {
  const op = await newOperator(t, "Credit Setter");
  const auto = (id: string) =>
    t.gql(`mutation ($id: ID!) { setAutonomyMode(mode: AUTO, conversationId: $id) { mode } }`, { id }, op.token);
  const first = await customerWanting("billing", "issue_credit", { amount: 15, reason: "late delivery" });
  await auto(first.conversationId);
  assert.equal((await customerAsks(first)).status, "executed");
  const customer = await customerOf(first.email);
  assert.equal(
    (await t.app.services.db.select().from(accountCredits).where(eq(accountCredits.customerId, customer.id))).length,
    1,
  );
  assert.ok(
    (await customerLines(first.conversationId)).some((l) => /goodwill credit of €15\.00 has been added/.test(l)),
  );

  const second = await customerWanting("billing", "issue_credit", { amount: 10, reason: "still late" }, first.email);
  await auto(second.conversationId);
  assert.equal((await customerAsks(second)).status, "proposed", "€25 this month is over the €20 limit");
});

test("plan change: Auto runs it and the account moves plan; cancellation always asks, and runs once approved", async () => {
  const op = await newOperator(t, "Plan Setter");
  const auto = (id: string) =>
    t.gql(`mutation ($id: ID!) { setAutonomyMode(mode: AUTO, conversationId: $id) { mode } }`, { id }, op.token);
  const upgrade = await customerWanting("sales", "change_plan", { plan: "Business", reason: "needs more seats" });
  await auto(upgrade.conversationId);
  const changed = await customerAsks(upgrade);
  assert.equal(changed.status, "executed");
  assert.equal((await customerOf(upgrade.email)).plan, "Business");

  const cancel = await customerWanting("billing", "cancel_subscription", { reason: "moving abroad" });
  await auto(cancel.conversationId);
  const proposed = await customerAsks(cancel);
  assert.equal(proposed.status, "proposed", "cancellations ask even in Auto");
  assert.equal((await customerOf(cancel.email)).status, "active");
  assert.equal(
    (await t.gql<{ approveDecision: { status: string } }>(APPROVE, { id: proposed.id }, op.token)).data?.approveDecision
      .status,
    "EXECUTED",
  );
  assert.equal((await customerOf(cancel.email)).status, "cancelled");
  const rows = await t.app.services.db
    .select()
    .from(subscriptionChanges)
    .where(eq(subscriptionChanges.decisionId, proposed.id));
  assert.equal(rows.length, 1);
});

test("replacement: Technical proposes it in Semi-Auto; approved, an RMA and its shipment exist once", async () => {
  const op = await newOperator(t, "Rma Approver");
  const c = await customerWanting("technical", "send_replacement", { device: "Aero 14", reason: "battery swelling" });
  const decision = await customerAsks(c);
  assert.equal(decision.status, "proposed");
  assert.equal(decision.agent, "technical");
  const approved = await t.gql<{ approveDecision: { status: string; result: { replacementId: string } } }>(
    APPROVE,
    { id: decision.id },
    op.token,
  );
  const rma = approved.data!.approveDecision.result.replacementId;
  assert.match(rma, /^RMA-\d{6}$/);
  assert.equal((await t.app.services.db.select().from(shipments).where(eq(shipments.replacementId, rma))).length, 1);
  assert.equal((await t.gql(APPROVE, { id: decision.id }, op.token)).errors?.[0]?.extensions?.code, "CONFLICT");
  assert.ok((await customerLines(c.conversationId)).some((l) => l.includes(`return reference is ${rma}`)));
});

test("an admin's pre-approval lets Semi-Auto run the refund by itself; bad limits are refused", async () => {
  const admin = await signInAs(t);
  const POLICY = `mutation ($action: String!, $input: ActionPolicyInput!) { updateActionPolicy(action: $action, input: $input) { actions { action preApproved risk } } }`;
  assert.equal(
    (await t.gql(POLICY, { action: "constructor", input: { preApproved: true } }, admin.token)).errors?.[0]?.extensions
      ?.code,
    "BAD_INPUT",
  );
  assert.equal(
    (await t.gql(POLICY, { action: "refund_payment", input: { threshold: 2 } }, admin.token)).errors?.[0]?.extensions
      ?.code,
    "BAD_INPUT",
  );
  const op = await newOperator(t, "Not Admin");
  assert.equal(
    (await t.gql(POLICY, { action: "refund_payment", input: { preApproved: true } }, op.token)).errors?.[0]?.extensions
      ?.code,
    "FORBIDDEN",
  );
  const set = await t.gql<{
    updateActionPolicy: { actions: Array<{ action: string; preApproved: boolean; risk: string }> };
  }>(POLICY, { action: "refund_payment", input: { preApproved: true } }, admin.token);
  assert.deepEqual(
    set.data!.updateActionPolicy.actions.find((a) => a.action === "refund_payment"),
    { action: "refund_payment", preApproved: true, risk: "high" },
  );
  try {
    const c = await doubleCharged();
    assert.equal((await customerAsks(c)).status, "executed");
    assert.equal((await refundsOf(c.paymentId)).length, 1);
  } finally {
    await t.gql(POLICY, { action: "refund_payment", input: { preApproved: false } }, admin.token);
  }
  const audit = await t.app.services.db.select().from(autonomyAudit).where(eq(autonomyAudit.subject, "refund_payment"));
  assert.ok(
    audit.some(
      (a) =>
        a.scope === "policy" &&
        (a.change.to as { preApproved: boolean }).preApproved === true &&
        a.operatorName === "Admin",
    ),
  );
});

test("mode changes are recorded with who made them", async () => {
  const op = await newOperator(t, "Mode Auditor");
  const c = await doubleCharged();
  await t.gql(
    `mutation ($id: ID!) { setAutonomyMode(mode: MANUAL, conversationId: $id) { mode } }`,
    { id: c.conversationId },
    op.token,
  );
  const [row] = await t.app.services.db
    .select()
    .from(autonomyAudit)
    .where(eq(autonomyAudit.conversationId, c.conversationId));
  assert.equal(row?.operatorName, "Mode Auditor");
  assert.deepEqual(row?.change, { from: "global", to: "manual" });
});
