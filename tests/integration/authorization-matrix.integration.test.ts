/**
 * Who may do what, for every root field of the schema × every kind of caller. The fields come
 * from the executable schema itself: a new Query, Mutation or Subscription field without a row
 * here fails the first test. "ok" means no error; otherwise the expected extensions.code.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { customers, escalations, payments } from "../../drizzle/schema.ts";
import { requestAction } from "../../server/autonomy/decisions.ts";
import { saveDraft } from "../../server/autonomy/drafts.ts";
import { createTicket } from "../../server/tickets/service.ts";
import { buildSchema } from "../../server/graphql/schema.ts";
import {
  eventually,
  send,
  startConversation,
  startLinkedConversation,
  startTestApp,
  type TestApp,
} from "../support/app.ts";
import { newOperator, signInAs } from "../support/operators.ts";

type Caller = "anonymous" | "customerA" | "customerB" | "operator" | "disabled" | "admin";
const callers: Caller[] = ["anonymous", "customerA", "customerB", "operator", "disabled", "admin"];
type Outcome = "ok" | "UNAUTHENTICATED" | "FORBIDDEN" | "NOT_FOUND" | "CONFLICT" | "BAD_INPUT";
/** Outcomes in the order of `callers`. */
type Row = {
  /** Sees the data of each successful call (to clean up what it made). */
  after?: (data: unknown) => void;
  doc: string;
  vars?: () => Promise<Record<string, unknown>> | Record<string, unknown>;
  expect: Outcome[];
  freshSession?: boolean;
  trigger?: () => Promise<unknown>;
};

let t: TestApp;
const tokens = {} as Record<Exclude<Caller, "anonymous">, string>;
let convA: { id: string; token: string };
let moodSwing = false;
let spare: { email: string; password: string; id: string };
let victimId: string;
let incidentId: string;
/** A ticket and incidents of the matrix's own: on a shared database, other files' seeded rows stay untouched. */
let ticketId: string;
const openedIncidents: string[] = [];

const UA = "UNAUTHENTICATED";
const FB = "FORBIDDEN";
const operatorOnly: Outcome[] = [UA, FB, FB, "ok", UA, "ok"];
const adminOnly: Outcome[] = [UA, FB, FB, FB, UA, "ok"];

async function escalated() {
  const conv = await startConversation(t);
  await send(t, conv, "I want to talk to a person");
  await t.app.services.runner.idle();
  const [row] = await t.app.services.db.select().from(escalations).where(eq(escalations.conversationId, conv.id));
  return row!.id;
}
/** A matrix-only customer with a linked conversation; each call makes a new payment and a proposed refund of it. */
let linked: { conversationId: string; customerId: string };
async function freshDecision(): Promise<string> {
  const paymentId = `PAY-M${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
  await t.app.services.db.insert(payments).values({
    id: paymentId,
    customerId: linked.customerId,
    amountCents: 1500,
    method: "Test card",
    status: "succeeded",
    paidAt: new Date(),
  });
  const { decision } = await requestAction(t.app.services, {
    conversationId: linked.conversationId,
    agent: "billing",
    action: "refund_payment",
    args: { paymentId, reason: "matrix check" },
    reasoning: "For the authorization matrix.",
  });
  return decision.id;
}
/** A pending draft on a conversation of its own. */
async function freshDraft(): Promise<string> {
  const { id } = await startConversation(t);
  const draft = await saveDraft(t.app.services, {
    conversationId: id,
    agent: "triage",
    agentName: "Triage",
    content: "Draft reply",
    afterSeq: 0,
  });
  return draft.id;
}
/** A saved reply of the matrix's own, made by the admin. */
async function freshCanned(): Promise<string> {
  const r = await t.gql<{ createCannedResponse: { id: string } }>(
    `mutation ($input: CannedResponseInput!) { createCannedResponse(input: $input) { id } }`,
    { input: { shortcut: `m-${unique().slice(0, 8)}`, title: "Matrix", body: "Hello" } },
    tokens.admin,
  );
  return r.data!.createCannedResponse.id;
}
const freshConversation = async () => ({ id: (await startConversation(t)).id });
const unique = () => crypto.randomUUID();

const rows: Record<string, Row> = {
  // Queries
  conversation: {
    doc: `query ($id: ID!) { conversation(id: $id) { id } }`,
    vars: () => ({ id: convA.id }),
    expect: [UA, "ok", "NOT_FOUND", "ok", UA, "ok"],
  },
  me: { doc: `{ me { id } }`, expect: operatorOnly },
  inbox: { doc: `{ inbox { escalations { id } } }`, expect: operatorOnly },
  operators: { doc: `{ operators { id } }`, expect: operatorOnly },
  systemStatus: { doc: `{ systemStatus { allOperational } }`, expect: operatorOnly },
  tickets: { doc: `{ tickets { id } }`, expect: operatorOnly },
  ticket: { doc: `query ($id: ID!) { ticket(id: $id) { id } }`, vars: () => ({ id: ticketId }), expect: operatorOnly },
  // Mutations
  startConversation: { doc: `mutation { startConversation { token } }`, expect: ["ok", "ok", "ok", "ok", UA, "ok"] },
  sendMessage: {
    doc: `mutation ($input: SendMessageInput!) { sendMessage(input: $input) { duplicate } }`,
    vars: () => ({ input: { conversationId: convA.id, content: "hello", clientMessageId: unique() } }),
    expect: [UA, "ok", "NOT_FOUND", FB, UA, FB],
  },
  setTyping: {
    doc: `mutation ($id: ID!) { setTyping(conversationId: $id) }`,
    vars: () => ({ id: convA.id }),
    expect: [UA, "ok", "NOT_FOUND", "CONFLICT", UA, "CONFLICT"],
  },
  rateConversation: {
    doc: `mutation ($input: RateConversationInput!) { rateConversation(input: $input) { id } }`,
    vars: () => ({ input: { conversationId: convA.id, score: 5 } }),
    // A's conversation is still open: A is allowed to rate, but not yet.
    expect: [UA, "CONFLICT", "NOT_FOUND", FB, UA, FB],
  },
  signIn: {
    doc: `mutation ($email: String!, $password: String!) { signIn(email: $email, password: $password) { token } }`,
    vars: () => ({ email: spare.email, password: spare.password }),
    expect: ["ok", "ok", "ok", "ok", UA, "ok"],
  },
  signOut: { doc: `mutation { signOut }`, expect: [UA, FB, FB, "ok", UA, "ok"], freshSession: true },
  changePassword: {
    doc: `mutation { changePassword(currentPassword: "not the password", newPassword: "another long password") { id } }`,
    expect: [UA, FB, FB, "BAD_INPUT", UA, "BAD_INPUT"],
  },
  resetOperatorPassword: {
    doc: `mutation ($id: ID!) { resetOperatorPassword(operatorId: $id, newPassword: "a reset long password") { id } }`,
    vars: () => ({ id: victimId }),
    expect: adminOnly,
  },
  claimEscalation: {
    doc: `mutation ($id: ID!) { claimEscalation(id: $id) { id } }`,
    vars: async () => ({ id: await escalated() }),
    expect: operatorOnly,
  },
  takeOverConversation: {
    doc: `mutation ($id: ID!) { takeOverConversation(conversationId: $id) { id } }`,
    vars: freshConversation,
    expect: operatorOnly,
  },
  sendOperatorMessage: {
    doc: `mutation ($input: SendMessageInput!) { sendOperatorMessage(input: $input) { duplicate } }`,
    vars: async () => ({
      input: { conversationId: (await freshConversation()).id, content: "hi", clientMessageId: unique() },
    }),
    // Allowed for operators, but only in a conversation they own.
    expect: [UA, FB, FB, "CONFLICT", UA, "CONFLICT"],
  },
  handBackToAgent: {
    doc: `mutation ($input: HandBackInput!) { handBackToAgent(input: $input) { id } }`,
    vars: async () => ({ input: { conversationId: (await freshConversation()).id, agent: "billing", note: "x" } }),
    expect: [UA, FB, FB, "CONFLICT", UA, "CONFLICT"],
  },
  addPrivateNote: {
    doc: `mutation ($input: AddPrivateNoteInput!) { addPrivateNote(input: $input) { id } }`,
    vars: async () => ({ input: { conversationId: (await freshConversation()).id, body: "a note" } }),
    expect: operatorOnly,
  },
  resolveConversation: {
    doc: `mutation ($id: ID!) { resolveConversation(conversationId: $id) { id } }`,
    vars: freshConversation,
    expect: operatorOnly,
  },
  setAvailability: { doc: `mutation { setAvailability(availability: ONLINE) { id } }`, expect: operatorOnly },
  createOperator: {
    doc: `mutation ($input: CreateOperatorInput!) { createOperator(input: $input) { id } }`,
    vars: () => ({
      input: { email: `${unique()}@tandem.local`, name: "New", role: "OPERATOR", password: "long enough password" },
    }),
    expect: adminOnly,
  },
  updateOperator: {
    doc: `mutation ($id: ID!) { updateOperator(id: $id, input: { capacity: 3 }) { id } }`,
    vars: () => ({ id: spare.id }),
    expect: adminOnly,
  },
  updateTicket: {
    doc: `mutation ($id: ID!) { updateTicket(id: $id, input: { note: "checked" }) { id } }`,
    vars: () => ({ id: ticketId }),
    expect: operatorOnly,
  },
  setServiceStatus: {
    doc: `mutation { setServiceStatus(serviceId: "portal", status: OPERATIONAL) { id } }`,
    expect: adminOnly,
  },
  openIncident: {
    doc: `mutation { openIncident(input: { serviceId: "portal", title: "Matrix check", status: INVESTIGATING }) { id } }`,
    expect: adminOnly,
    after: (data) => openedIncidents.push((data as { openIncident: { id: string } }).openIncident.id),
  },
  updateIncident: {
    doc: `mutation ($id: ID!) { updateIncident(id: $id, status: MONITORING) { id } }`,
    vars: () => ({ id: incidentId }),
    expect: adminOnly,
  },
  autonomy: { doc: `{ autonomy { mode } }`, expect: operatorOnly },
  decisions: { doc: `{ decisions { id } }`, expect: operatorOnly },
  decision: {
    doc: `query ($id: ID!) { decision(id: $id) { id } }`,
    vars: async () => ({ id: await freshDecision() }),
    expect: operatorOnly,
  },
  setAutonomyMode: { doc: `mutation { setAutonomyMode(mode: SEMI_AUTO) { mode } }`, expect: adminOnly },
  approveDecision: {
    doc: `mutation ($id: ID!) { approveDecision(id: $id) { id } }`,
    vars: async () => ({ id: await freshDecision() }),
    expect: operatorOnly,
  },
  rejectDecision: {
    doc: `mutation ($id: ID!) { rejectDecision(id: $id, reason: "no") { id } }`,
    vars: async () => ({ id: await freshDecision() }),
    expect: operatorOnly,
  },
  updateActionPolicy: {
    doc: `mutation { updateActionPolicy(action: "refund_payment", input: { minDecisions: 30 }) { mode } }`,
    expect: adminOnly,
  },
  drafts: {
    doc: `query ($id: ID!) { drafts(conversationId: $id) { id } }`,
    vars: () => ({ id: convA.id }),
    expect: operatorOnly,
  },
  sendDraft: {
    doc: `mutation ($id: ID!) { sendDraft(id: $id, content: "Edited reply") { id } }`,
    vars: async () => ({ id: await freshDraft() }),
    expect: operatorOnly,
  },
  discardDraft: {
    doc: `mutation ($id: ID!) { discardDraft(id: $id) { id } }`,
    vars: async () => ({ id: await freshDraft() }),
    expect: operatorOnly,
  },
  decisionEvents: {
    doc: `subscription { decisionEvents { type } }`,
    expect: operatorOnly,
    trigger: () => t.gql(`mutation { setAutonomyMode(mode: SEMI_AUTO) { mode } }`, {}, tokens.admin),
  },
  conductor: { doc: `{ conductor { status watched { conversationId } } }`, expect: operatorOnly },
  conversationHealth: {
    doc: `query ($c: ID!) { conversationHealth(conversationId: $c) { score } }`,
    vars: () => ({ c: convA.id }),
    expect: operatorOnly,
  },
  interventions: { doc: `{ interventions { id } }`, expect: operatorOnly },
  interventionStats: { doc: `{ interventionStats { intervention } }`, expect: operatorOnly },
  conductorEvents: {
    doc: `subscription { conductorEvents { type } }`,
    expect: operatorOnly,
    // Unhappy and happy messages in turn change the conversation's health: the conductor says so.
    trigger: () =>
      send(
        t,
        convA,
        (moodSwing = !moodSwing) ? "This is ridiculous and unacceptable, terrible service!" : "Thanks, wonderful!",
      ),
  },
  cannedResponses: { doc: `{ cannedResponses { id } }`, expect: operatorOnly },
  createCannedResponse: {
    doc: `mutation ($input: CannedResponseInput!) { createCannedResponse(input: $input) { id } }`,
    vars: () => ({ input: { shortcut: `m-${unique().slice(0, 8)}`, title: "Matrix", body: "Hello" } }),
    expect: adminOnly,
  },
  updateCannedResponse: {
    doc: `mutation ($id: ID!) { updateCannedResponse(id: $id, input: { title: "Matrix 2" }) { id } }`,
    vars: async () => ({ id: await freshCanned() }),
    expect: adminOnly,
  },
  deleteCannedResponse: {
    doc: `mutation ($id: ID!) { deleteCannedResponse(id: $id) { id } }`,
    vars: async () => ({ id: await freshCanned() }),
    expect: adminOnly,
  },
  setViewing: {
    doc: `mutation ($id: ID!) { setViewing(conversationId: $id, composing: true) }`,
    vars: () => ({ id: convA.id }),
    expect: operatorOnly,
  },
  leaveFollowUpEmail: {
    doc: `mutation ($id: ID!) { leaveFollowUpEmail(conversationId: $id, email: "ada@example.com") }`,
    vars: () => ({ id: convA.id }),
    expect: [UA, "ok", "NOT_FOUND", FB, UA, FB],
  },
  conversations: {
    doc: `{ conversations(filter: { view: MINE }) { conversation { id } } }`,
    expect: operatorOnly,
  },
  conversationCounts: { doc: `{ conversationCounts { mine } }`, expect: operatorOnly },
  reassignConversation: {
    doc: `mutation ($c: ID!, $o: ID!) { reassignConversation(conversationId: $c, operatorId: $o) { id } }`,
    vars: async () => ({ c: (await freshConversation()).id, o: spare.id }),
    expect: operatorOnly,
  },
  markConversationRead: {
    doc: `mutation ($c: ID!) { markConversationRead(conversationId: $c) }`,
    vars: () => ({ c: convA.id }),
    expect: operatorOnly,
  },
  myNotices: {
    doc: `subscription { myNotices { type } }`,
    expect: operatorOnly,
    // A notice for every operator of the matrix: each caller hears only their own.
    trigger: async () => {
      for (const token of [tokens.operator, tokens.admin]) {
        const me = await t.gql<{ me: { id: string } }>(`{ me { id } }`, {}, token);
        t.app.services.bus.publish("notice", me.data!.me.id, {
          type: "mention",
          conversationId: convA.id,
          by: "Matrix",
          text: "ping",
          at: new Date().toISOString(),
        });
      }
    },
  },
  // Subscriptions (over WebSocket). A disabled operator's socket is refused at connection.
  conversationEvents: {
    doc: `subscription ($id: ID!) { conversationEvents(conversationId: $id, after: 0) { seq } }`,
    vars: () => ({ id: convA.id }),
    expect: [UA, "ok", "NOT_FOUND", "ok", UA, "ok"],
  },
  inboxEvents: {
    doc: `subscription { inboxEvents { type } }`,
    expect: operatorOnly,
    trigger: () => t.gql(`mutation { setAvailability(availability: ONLINE) { id } }`, {}, tokens.admin),
  },
  ticketEvents: {
    doc: `subscription ($id: ID!) { ticketEvents(ticketId: $id) { type } }`,
    vars: () => ({ id: ticketId }),
    expect: operatorOnly,
    trigger: () =>
      t.gql(
        `mutation ($id: ID!) { updateTicket(id: $id, input: { note: "ping" }) { id } }`,
        { id: ticketId },
        tokens.admin,
      ),
  },
};

before(async () => {
  t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "0" });
  convA = await startConversation(t, "Customer A");
  await send(t, convA, "hello");
  await t.app.services.runner.idle();
  tokens.customerA = convA.token;
  tokens.customerB = (await startConversation(t, "Customer B")).token;
  tokens.operator = (await newOperator(t, "Matrix Operator")).token;
  tokens.admin = (await signInAs(t)).token;
  const disabled = await newOperator(t, "Disabled Operator");
  const me = await t.gql<{ me: { id: string } }>(`{ me { id } }`, {}, disabled.token);
  await t.gql(
    `mutation ($id: ID!) { updateOperator(id: $id, input: { disabled: true }) { id } }`,
    { id: me.data!.me.id },
    tokens.admin,
  );
  tokens.disabled = disabled.token;
  const password = "spare operator password";
  const email = `spare.${unique().slice(0, 6)}@tandem.local`;
  const created = await t.gql<{ createOperator: { id: string } }>(
    `mutation ($input: CreateOperatorInput!) { createOperator(input: $input) { id } }`,
    { input: { email, name: "Spare", role: "OPERATOR", password } },
    tokens.admin,
  );
  spare = { email, password, id: created.data!.createOperator.id };
  const victim = await t.gql<{ createOperator: { id: string } }>(
    `mutation ($input: CreateOperatorInput!) { createOperator(input: $input) { id } }`,
    { input: { email: `victim.${unique().slice(0, 6)}@tandem.local`, name: "Victim", role: "OPERATOR", password } },
    tokens.admin,
  );
  victimId = victim.data!.createOperator.id;
  const opened = await t.gql<{ openIncident: { id: string } }>(
    `mutation { openIncident(input: { serviceId: "payments", title: "Matrix incident", status: INVESTIGATING }) { id } }`,
    {},
    tokens.admin,
  );
  incidentId = opened.data!.openIncident.id;
  openedIncidents.push(incidentId);
  const customerEmail = `matrix.${unique().slice(0, 8)}@example.com`;
  const [customer] = await t.app.services.db
    .insert(customers)
    .values({ email: customerEmail, name: "Matrix Customer", plan: "Pro" })
    .returning();
  linked = {
    conversationId: (await startLinkedConversation(t.app.services, customerEmail)).conversation.id,
    customerId: customer!.id,
  };
  ticketId = (
    await createTicket(t.app.services.db, {
      customerId: null,
      conversationId: null,
      department: "technical",
      priority: "low",
      subject: "Matrix ticket",
      description: "For the authorization matrix",
      actor: "system",
    })
  ).id;
});
after(async () => {
  for (const id of openedIncidents) {
    await t.gql(`mutation ($id: ID!) { updateIncident(id: $id, status: RESOLVED) { id } }`, { id }, tokens.admin);
  }
  await t.close();
});

test("every Query, Mutation and Subscription field has a row in the matrix", () => {
  const schema = buildSchema();
  const fields = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((type) =>
    Object.keys(type?.getFields() ?? {}),
  );
  const missing = fields.filter((f) => !rows[f]);
  assert.deepEqual(missing, [], `fields with no authorization row: ${missing.join(", ")}`);
  assert.deepEqual(
    Object.keys(rows).filter((f) => !fields.includes(f)),
    [],
    "rows for fields that no longer exist",
  );
});

async function tokenFor(caller: Caller, row: Row): Promise<string | undefined> {
  if (caller === "anonymous") return undefined;
  if (row.freshSession && caller === "admin") return (await signInAs(t)).token;
  if (row.freshSession && caller === "operator") return (await signInAs(t, spare.email, spare.password)).token;
  return tokens[caller];
}

/** The first result of a subscription: "ok" on the first event, else the error's code. */
async function subscribeOnce(token: string | undefined, row: Row, variables: Record<string, unknown>): Promise<string> {
  const client = t.ws(token);
  let outcome: string | undefined;
  const stop = client.subscribe(
    { query: row.doc, variables },
    {
      next: (r) => (outcome ??= r.errors ? String(r.errors[0]?.extensions?.code) : "ok"),
      error: (e) => {
        const code = (e as { code?: number }).code;
        outcome ??=
          code === 4403 || code === 4401
            ? UA
            : Array.isArray(e)
              ? String((e[0] as { extensions?: { code?: string } }).extensions?.code)
              : String(e);
      },
      complete: () => (outcome ??= "completed"),
    },
  );
  try {
    return await eventually(
      async () => {
        if (outcome === undefined && row.trigger) await row.trigger();
        return outcome;
      },
      10_000,
      "the subscription's first result",
    );
  } finally {
    stop();
  }
}

for (const [field, row] of Object.entries(rows)) {
  test(`${field}: ${callers.map((c, i) => `${c} → ${row.expect[i]}`).join(", ")}`, async () => {
    const subscription = row.doc.trimStart().startsWith("subscription");
    for (const [i, caller] of callers.entries()) {
      const variables = (await row.vars?.()) ?? {};
      const token = await tokenFor(caller, row);
      let outcome: string;
      if (subscription) outcome = await subscribeOnce(token, row, variables);
      else {
        const r = await t.gql(row.doc, variables, token);
        outcome = r.errors ? String(r.errors[0]?.extensions?.code) : "ok";
        if (outcome === "ok") row.after?.(r.data);
        if (outcome !== "ok")
          assert.equal(r.data?.[field as never] ?? null, null, `${field} as ${caller} returned data with its error`);
      }
      assert.equal(outcome, row.expect[i], `${field} as ${caller}`);
    }
  });
}
