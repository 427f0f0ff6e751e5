/**
 * Who may do what, for every root field of the schema × every kind of caller. The fields come
 * from the executable schema itself: a new Query, Mutation or Subscription field without a row
 * here fails the first test. "ok" means no error; otherwise the expected extensions.code.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq, inArray } from "drizzle-orm";
import {
  apiScopes,
  customers,
  escalations,
  payments,
  webhookDeliveries,
  webhookEndpoints,
  type ApiScope,
} from "../../drizzle/schema.ts";
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
  /**
   * What an API key needs: a scope (a key with it, its write scope, or admin gets the admin's
   * outcome; any other key FORBIDDEN), "person" and "customer" (every key FORBIDDEN), or "public" (every key ok).
   */
  scope: ApiScope | "person" | "customer" | "public";
  /** Where a granted key's outcome is not the admin's (fields only an integration uses, on its own escalations). */
  keys?: Partial<Record<ApiScope, Outcome>>;
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
/** A key of the matrix's own, made by the admin (to list the uses of, or to revoke). */
async function freshKey(): Promise<string> {
  const r = await t.gql<{ createApiKey: { apiKey: { id: string } } }>(
    `mutation { createApiKey(input: { name: "Matrix spare", scopes: [TICKETS_READ] }) { apiKey { id } } }`,
    {},
    tokens.admin,
  );
  return r.data!.createApiKey.apiKey.id;
}
/** An escalation handed over by the escalations:write key (only that key may use it). */
async function externalEscalation(): Promise<string> {
  const r = await t.gql<{ createEscalation: { escalation: { id: string } } }>(
    `mutation ($input: CreateEscalationInput!) { createEscalation(input: $input) { escalation { id } } }`,
    {
      input: { externalConversationId: unique(), reason: "Matrix", transcript: [{ role: "CUSTOMER", content: "Hi" }] },
    },
    keys["escalations:write"],
  );
  return r.data!.createEscalation.escalation.id;
}
/** Fields only an integration uses: a person is refused, and only the key that handed the conversation over may use it. */
const integrationOnly: Outcome[] = [UA, FB, FB, FB, UA, FB];
const ownEscalation: Row["keys"] = { "escalations:write": "ok", admin: "NOT_FOUND" };
/** Webhook endpoints of the matrix's own (disabled, pointing nowhere real), removed at the end. */
const madeEndpoints: string[] = [];
async function freshEndpoint(): Promise<string> {
  const [row] = await t.app.services.db
    .insert(webhookEndpoints)
    .values({
      url: "https://example.invalid/hook",
      events: ["ticket.created"],
      secret: "whsec_matrix_0123456789abcdefghij",
      enabled: false,
      createdBy: crypto.randomUUID(),
      createdByName: "Matrix",
    })
    .returning();
  madeEndpoints.push(row!.id);
  return row!.id;
}
/** A delivery to an endpoint that is on (so it may be redelivered), for an event that never leaves. */
async function freshDelivery(): Promise<string> {
  const endpointId = await freshEndpoint();
  await t.app.services.db.update(webhookEndpoints).set({ enabled: true }).where(eq(webhookEndpoints.id, endpointId));
  const [row] = await t.app.services.db
    .insert(webhookDeliveries)
    .values({
      endpointId,
      eventId: crypto.randomUUID(),
      eventType: "ticket.created",
      payload: {},
      status: "failed",
      nextAttemptAt: new Date(Date.now() + 86_400_000),
    })
    .returning();
  return row!.id;
}
/** One key per scope, each with that scope alone. */
const keys = {} as Record<ApiScope, string>;
const keyOutcome = (row: Row, scope: ApiScope): Outcome =>
  row.keys?.[scope] ??
  (row.scope === "public"
    ? "ok"
    : row.scope === "person" || row.scope === "customer"
      ? FB
      : scope === row.scope ||
          scope === "admin" ||
          (row.scope.endsWith(":read") && scope === row.scope.replace(":read", ":write"))
        ? row.expect[callers.indexOf("admin")]!
        : FB);
const freshConversation = async () => ({ id: (await startConversation(t)).id });
const unique = () => crypto.randomUUID();

const rows: Record<string, Row> = {
  // Queries
  conversation: {
    scope: "conversations:read",
    doc: `query ($id: ID!) { conversation(id: $id) { id } }`,
    vars: () => ({ id: convA.id }),
    expect: [UA, "ok", "NOT_FOUND", "ok", UA, "ok"],
  },
  me: { scope: "person", doc: `{ me { id } }`, expect: operatorOnly },
  inbox: { scope: "escalations:read", doc: `{ inbox { escalations { id } } }`, expect: operatorOnly },
  operators: { scope: "person", doc: `{ operators { id } }`, expect: operatorOnly },
  systemStatus: { scope: "admin", doc: `{ systemStatus { allOperational } }`, expect: operatorOnly },
  tickets: { scope: "tickets:read", doc: `{ tickets { id } }`, expect: operatorOnly },
  ticket: {
    scope: "tickets:read",
    doc: `query ($id: ID!) { ticket(id: $id) { id } }`,
    vars: () => ({ id: ticketId }),
    expect: operatorOnly,
  },
  // Mutations
  startConversation: {
    scope: "public",
    doc: `mutation { startConversation { token } }`,
    expect: ["ok", "ok", "ok", "ok", UA, "ok"],
  },
  sendMessage: {
    scope: "customer",
    doc: `mutation ($input: SendMessageInput!) { sendMessage(input: $input) { duplicate } }`,
    vars: () => ({ input: { conversationId: convA.id, content: "hello", clientMessageId: unique() } }),
    expect: [UA, "ok", "NOT_FOUND", FB, UA, FB],
  },
  setTyping: {
    scope: "customer",
    doc: `mutation ($id: ID!) { setTyping(conversationId: $id) }`,
    vars: () => ({ id: convA.id }),
    expect: [UA, "ok", "NOT_FOUND", "CONFLICT", UA, "CONFLICT"],
  },
  rateConversation: {
    scope: "customer",
    doc: `mutation ($input: RateConversationInput!) { rateConversation(input: $input) { id } }`,
    vars: () => ({ input: { conversationId: convA.id, score: 5 } }),
    // A's conversation is still open: A is allowed to rate, but not yet.
    expect: [UA, "CONFLICT", "NOT_FOUND", FB, UA, FB],
  },
  signIn: {
    scope: "public",
    doc: `mutation ($email: String!, $password: String!) { signIn(email: $email, password: $password) { token } }`,
    vars: () => ({ email: spare.email, password: spare.password }),
    expect: ["ok", "ok", "ok", "ok", UA, "ok"],
  },
  signOut: { scope: "person", doc: `mutation { signOut }`, expect: [UA, FB, FB, "ok", UA, "ok"], freshSession: true },
  changePassword: {
    scope: "person",
    doc: `mutation { changePassword(currentPassword: "not the password", newPassword: "another long password") { id } }`,
    expect: [UA, FB, FB, "BAD_INPUT", UA, "BAD_INPUT"],
  },
  resetOperatorPassword: {
    scope: "person",
    doc: `mutation ($id: ID!) { resetOperatorPassword(operatorId: $id, newPassword: "a reset long password") { id } }`,
    vars: () => ({ id: victimId }),
    expect: adminOnly,
  },
  claimEscalation: {
    scope: "person",
    doc: `mutation ($id: ID!) { claimEscalation(id: $id) { id } }`,
    vars: async () => ({ id: await escalated() }),
    expect: operatorOnly,
  },
  takeOverConversation: {
    scope: "person",
    doc: `mutation ($id: ID!) { takeOverConversation(conversationId: $id) { id } }`,
    vars: freshConversation,
    expect: operatorOnly,
  },
  sendOperatorMessage: {
    scope: "person",
    doc: `mutation ($input: SendMessageInput!) { sendOperatorMessage(input: $input) { duplicate } }`,
    vars: async () => ({
      input: { conversationId: (await freshConversation()).id, content: "hi", clientMessageId: unique() },
    }),
    // Allowed for operators, but only in a conversation they own.
    expect: [UA, FB, FB, "CONFLICT", UA, "CONFLICT"],
  },
  handBackToAgent: {
    scope: "person",
    doc: `mutation ($input: HandBackInput!) { handBackToAgent(input: $input) { id } }`,
    vars: async () => ({ input: { conversationId: (await freshConversation()).id, agent: "billing", note: "x" } }),
    expect: [UA, FB, FB, "CONFLICT", UA, "CONFLICT"],
  },
  addPrivateNote: {
    scope: "person",
    doc: `mutation ($input: AddPrivateNoteInput!) { addPrivateNote(input: $input) { id } }`,
    vars: async () => ({ input: { conversationId: (await freshConversation()).id, body: "a note" } }),
    expect: operatorOnly,
  },
  resolveConversation: {
    scope: "conversations:write",
    doc: `mutation ($id: ID!) { resolveConversation(conversationId: $id) { id } }`,
    vars: freshConversation,
    expect: operatorOnly,
  },
  setAvailability: {
    scope: "person",
    doc: `mutation { setAvailability(availability: ONLINE) { id } }`,
    expect: operatorOnly,
  },
  createOperator: {
    scope: "person",
    doc: `mutation ($input: CreateOperatorInput!) { createOperator(input: $input) { id } }`,
    vars: () => ({
      input: { email: `${unique()}@tandem.local`, name: "New", role: "OPERATOR", password: "long enough password" },
    }),
    expect: adminOnly,
  },
  updateOperator: {
    scope: "person",
    doc: `mutation ($id: ID!) { updateOperator(id: $id, input: { capacity: 3 }) { id } }`,
    vars: () => ({ id: spare.id }),
    expect: adminOnly,
  },
  updateTicket: {
    scope: "tickets:write",
    doc: `mutation ($id: ID!) { updateTicket(id: $id, input: { note: "checked" }) { id } }`,
    vars: () => ({ id: ticketId }),
    expect: operatorOnly,
  },
  setServiceStatus: {
    scope: "admin",
    doc: `mutation { setServiceStatus(serviceId: "portal", status: OPERATIONAL) { id } }`,
    expect: adminOnly,
  },
  openIncident: {
    scope: "admin",
    doc: `mutation { openIncident(input: { serviceId: "portal", title: "Matrix check", status: INVESTIGATING }) { id } }`,
    expect: adminOnly,
    after: (data) => openedIncidents.push((data as { openIncident: { id: string } }).openIncident.id),
  },
  updateIncident: {
    scope: "admin",
    doc: `mutation ($id: ID!) { updateIncident(id: $id, status: MONITORING) { id } }`,
    vars: () => ({ id: incidentId }),
    expect: adminOnly,
  },
  autonomy: { scope: "decisions:read", doc: `{ autonomy { mode } }`, expect: operatorOnly },
  decisions: { scope: "decisions:read", doc: `{ decisions { id } }`, expect: operatorOnly },
  decision: {
    scope: "decisions:read",
    doc: `query ($id: ID!) { decision(id: $id) { id } }`,
    vars: async () => ({ id: await freshDecision() }),
    expect: operatorOnly,
  },
  setAutonomyMode: {
    scope: "person",
    doc: `mutation { setAutonomyMode(mode: SEMI_AUTO) { mode } }`,
    expect: adminOnly,
  },
  approveDecision: {
    scope: "decisions:write",
    doc: `mutation ($id: ID!) { approveDecision(id: $id) { id } }`,
    vars: async () => ({ id: await freshDecision() }),
    expect: operatorOnly,
  },
  rejectDecision: {
    scope: "decisions:write",
    doc: `mutation ($id: ID!) { rejectDecision(id: $id, reason: "no") { id } }`,
    vars: async () => ({ id: await freshDecision() }),
    expect: operatorOnly,
  },
  updateActionPolicy: {
    scope: "person",
    doc: `mutation { updateActionPolicy(action: "refund_payment", input: { minDecisions: 30 }) { mode } }`,
    expect: adminOnly,
  },
  drafts: {
    scope: "conversations:read",
    doc: `query ($id: ID!) { drafts(conversationId: $id) { id } }`,
    vars: () => ({ id: convA.id }),
    expect: operatorOnly,
  },
  sendDraft: {
    scope: "person",
    doc: `mutation ($id: ID!) { sendDraft(id: $id, content: "Edited reply") { id } }`,
    vars: async () => ({ id: await freshDraft() }),
    expect: operatorOnly,
  },
  discardDraft: {
    scope: "person",
    doc: `mutation ($id: ID!) { discardDraft(id: $id) { id } }`,
    vars: async () => ({ id: await freshDraft() }),
    expect: operatorOnly,
  },
  decisionEvents: {
    scope: "decisions:read",
    doc: `subscription { decisionEvents { type } }`,
    expect: operatorOnly,
    trigger: () => t.gql(`mutation { setAutonomyMode(mode: SEMI_AUTO) { mode } }`, {}, tokens.admin),
  },
  conductor: {
    scope: "decisions:read",
    doc: `{ conductor { status watched { conversationId } } }`,
    expect: operatorOnly,
  },
  conversationHealth: {
    scope: "decisions:read",
    doc: `query ($c: ID!) { conversationHealth(conversationId: $c) { score } }`,
    vars: () => ({ c: convA.id }),
    expect: operatorOnly,
  },
  interventions: { scope: "decisions:read", doc: `{ interventions { id } }`, expect: operatorOnly },
  interventionStats: { scope: "decisions:read", doc: `{ interventionStats { intervention } }`, expect: operatorOnly },
  analytics: {
    scope: "conversations:read",
    doc: `{ analytics(days: 7) { days totals { conversations } byDay { day } } }`,
    expect: operatorOnly,
  },
  conductorEvents: {
    scope: "decisions:read",
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
  cannedResponses: { scope: "person", doc: `{ cannedResponses { id } }`, expect: operatorOnly },
  createCannedResponse: {
    scope: "person",
    doc: `mutation ($input: CannedResponseInput!) { createCannedResponse(input: $input) { id } }`,
    vars: () => ({ input: { shortcut: `m-${unique().slice(0, 8)}`, title: "Matrix", body: "Hello" } }),
    expect: adminOnly,
  },
  updateCannedResponse: {
    scope: "person",
    doc: `mutation ($id: ID!) { updateCannedResponse(id: $id, input: { title: "Matrix 2" }) { id } }`,
    vars: async () => ({ id: await freshCanned() }),
    expect: adminOnly,
  },
  deleteCannedResponse: {
    scope: "person",
    doc: `mutation ($id: ID!) { deleteCannedResponse(id: $id) { id } }`,
    vars: async () => ({ id: await freshCanned() }),
    expect: adminOnly,
  },
  setViewing: {
    scope: "person",
    doc: `mutation ($id: ID!) { setViewing(conversationId: $id, composing: true) }`,
    vars: () => ({ id: convA.id }),
    expect: operatorOnly,
  },
  leaveFollowUpEmail: {
    scope: "customer",
    doc: `mutation ($id: ID!) { leaveFollowUpEmail(conversationId: $id, email: "ada@example.com") }`,
    vars: () => ({ id: convA.id }),
    expect: [UA, "ok", "NOT_FOUND", FB, UA, FB],
  },
  conversations: {
    scope: "conversations:read",
    doc: `{ conversations(filter: { view: MINE }) { conversation { id } } }`,
    expect: operatorOnly,
  },
  conversationCounts: { scope: "conversations:read", doc: `{ conversationCounts { mine } }`, expect: operatorOnly },
  reassignConversation: {
    scope: "person",
    doc: `mutation ($c: ID!, $o: ID!) { reassignConversation(conversationId: $c, operatorId: $o) { id } }`,
    vars: async () => ({ c: (await freshConversation()).id, o: spare.id }),
    expect: operatorOnly,
  },
  markConversationRead: {
    scope: "person",
    doc: `mutation ($c: ID!) { markConversationRead(conversationId: $c) }`,
    vars: () => ({ c: convA.id }),
    expect: operatorOnly,
  },
  myNotices: {
    scope: "person",
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
    scope: "conversations:read",
    doc: `subscription ($id: ID!) { conversationEvents(conversationId: $id, after: 0) { seq } }`,
    vars: () => ({ id: convA.id }),
    expect: [UA, "ok", "NOT_FOUND", "ok", UA, "ok"],
  },
  inboxEvents: {
    scope: "conversations:read",
    doc: `subscription { inboxEvents { type } }`,
    expect: operatorOnly,
    trigger: () => t.gql(`mutation { setAvailability(availability: ONLINE) { id } }`, {}, tokens.admin),
  },
  ticketEvents: {
    scope: "tickets:read",
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
  apiKeys: { scope: "admin", doc: `{ apiKeys { id } }`, expect: adminOnly },
  apiKeyUses: {
    scope: "admin",
    doc: `query ($id: ID!) { apiKeyUses(id: $id) { operation } }`,
    vars: async () => ({ id: await freshKey() }),
    expect: adminOnly,
  },
  createApiKey: {
    scope: "admin",
    doc: `mutation { createApiKey(input: { name: "Matrix", scopes: [TICKETS_READ] }) { secret } }`,
    expect: adminOnly,
  },
  revokeApiKey: {
    scope: "admin",
    doc: `mutation ($id: ID!) { revokeApiKey(id: $id) { id } }`,
    vars: async () => ({ id: await freshKey() }),
    expect: adminOnly,
  },
  createEscalation: {
    scope: "escalations:write",
    doc: `mutation ($input: CreateEscalationInput!) { createEscalation(input: $input) { duplicate } }`,
    vars: () => ({ input: { externalConversationId: unique(), reason: "Matrix" } }),
    expect: integrationOnly,
    keys: { "escalations:write": "ok", admin: "ok" },
  },
  postExternalMessage: {
    scope: "escalations:write",
    doc: `mutation ($input: PostExternalMessageInput!) { postExternalMessage(input: $input) { duplicate } }`,
    vars: async () => ({
      input: { escalationId: await externalEscalation(), content: "More", clientMessageId: unique() },
    }),
    expect: integrationOnly,
    keys: ownEscalation,
  },
  closeExternalConversation: {
    scope: "escalations:write",
    doc: `mutation ($id: ID!) { closeExternalConversation(escalationId: $id) { id } }`,
    vars: async () => ({ id: await externalEscalation() }),
    expect: integrationOnly,
    keys: ownEscalation,
  },
  escalationEvents: {
    scope: "escalations:write",
    doc: `subscription ($id: ID!) { escalationEvents(escalationId: $id, after: 0) { seq } }`,
    vars: async () => ({ id: await externalEscalation() }),
    expect: integrationOnly,
    keys: ownEscalation,
  },
  webhookEndpoints: { scope: "webhooks:manage", doc: `{ webhookEndpoints { id } }`, expect: adminOnly },
  webhookDeliveries: {
    scope: "webhooks:manage",
    doc: `query ($id: ID!) { webhookDeliveries(endpointId: $id) { id } }`,
    vars: async () => ({ id: await freshEndpoint() }),
    expect: adminOnly,
  },
  createWebhookEndpoint: {
    scope: "webhooks:manage",
    doc: `mutation { createWebhookEndpoint(input: { url: "https://example.invalid/hook", events: [TICKET_CREATED] }) { endpoint { id } } }`,
    expect: adminOnly,
    after: (data) =>
      madeEndpoints.push(
        (data as { createWebhookEndpoint: { endpoint: { id: string } } }).createWebhookEndpoint.endpoint.id,
      ),
  },
  updateWebhookEndpoint: {
    scope: "webhooks:manage",
    doc: `mutation ($id: ID!) { updateWebhookEndpoint(id: $id, input: { enabled: false }) { id } }`,
    vars: async () => ({ id: await freshEndpoint() }),
    expect: adminOnly,
  },
  deleteWebhookEndpoint: {
    scope: "webhooks:manage",
    doc: `mutation ($id: ID!) { deleteWebhookEndpoint(id: $id) { id } }`,
    vars: async () => ({ id: await freshEndpoint() }),
    expect: adminOnly,
  },
  redeliverWebhook: {
    scope: "webhooks:manage",
    doc: `mutation ($id: ID!) { redeliverWebhook(deliveryId: $id) { id } }`,
    vars: async () => ({ id: await freshDelivery() }),
    expect: adminOnly,
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
  for (const scope of apiScopes) {
    const r = await t.gql<{ createApiKey: { secret: string } }>(
      `mutation ($s: ApiScope!) { createApiKey(input: { name: "Matrix key", scopes: [$s] }) { secret } }`,
      { s: scope.toUpperCase().replace(":", "_") },
      tokens.admin,
    );
    keys[scope] = r.data!.createApiKey.secret;
  }
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
  if (madeEndpoints.length)
    await t.app.services.db.delete(webhookEndpoints).where(inArray(webhookEndpoints.id, madeEndpoints));
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
  // One trigger at a time, each given time to be seen on its own: a burst of them can cancel out
  // (the conductor folds an angry and a happy message into the same score and says nothing).
  let lastTrigger = 0;
  try {
    return await eventually(
      async () => {
        if (outcome === undefined && row.trigger && Date.now() - lastTrigger >= 750) {
          lastTrigger = Date.now();
          await row.trigger();
        }
        return outcome;
      },
      15_000,
      "the subscription's first result",
    );
  } finally {
    stop();
  }
}

/** What one caller gets: "ok" or the first error's code. */
async function outcomeOf(field: string, row: Row, token: string | undefined, who: string): Promise<string> {
  const variables = (await row.vars?.()) ?? {};
  if (row.doc.trimStart().startsWith("subscription")) return subscribeOnce(token, row, variables);
  const r = await t.gql(row.doc, variables, token);
  const outcome = r.errors ? String(r.errors[0]?.extensions?.code) : "ok";
  if (outcome === "ok") row.after?.(r.data);
  else assert.equal(r.data?.[field as never] ?? null, null, `${field} as ${who} returned data with its error`);
  return outcome;
}

for (const [field, row] of Object.entries(rows)) {
  test(`${field}: ${callers.map((c, i) => `${c} → ${row.expect[i]}`).join(", ")}`, async () => {
    for (const [i, caller] of callers.entries()) {
      assert.equal(
        await outcomeOf(field, row, await tokenFor(caller, row), caller),
        row.expect[i],
        `${field} as ${caller}`,
      );
    }
  });
  test(`${field} with an API key (${row.scope})`, async () => {
    for (const scope of apiScopes) {
      const who = `a ${scope} key`;
      assert.equal(await outcomeOf(field, row, keys[scope], who), keyOutcome(row, scope), `${field} as ${who}`);
    }
  });
}
