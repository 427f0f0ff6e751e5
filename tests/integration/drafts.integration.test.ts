/**
 * Manual mode: the AI's replies are drafts only operators see, until one is sent (as written or
 * edited) or discarded. The customer reads nothing of a draft, through the API or the live stream.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { drafts, messages } from "../../drizzle/schema.ts";
import { HISTORY, eventually, send, startConversation, startTestApp, type TestApp } from "../support/app.ts";
import { collect } from "../support/collect.ts";
import { newOperator } from "../support/operators.ts";

let t: TestApp;
before(async () => {
  t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "0" });
});
after(() => t.close());

const SEND_DRAFT = `mutation ($id: ID!, $content: String) { sendDraft(id: $id, content: $content) { id status content } }`;
const DISCARD = `mutation ($id: ID!) { discardDraft(id: $id) { id status } }`;
const DRAFTS = `query ($id: ID!) { drafts(conversationId: $id) { id content agentName status } }`;

async function manualConversation() {
  const op = await newOperator(t, "Drafter");
  const conv = await startConversation(t);
  const set = await t.gql(
    `mutation ($id: ID!) { setAutonomyMode(mode: MANUAL, conversationId: $id) { mode } }`,
    { id: conv.id },
    op.token,
  );
  assert.ok(set.data, JSON.stringify(set.errors));
  return { op, conv };
}

test("in Manual mode a reply is a draft the customer never sees, until an operator sends it", async () => {
  const { op, conv } = await manualConversation();
  const live = collect(t.ws(conv.token), conv.id, 0);
  await send(t, conv, "Does my protection plan cover water damage?");
  await t.app.services.runner.idle();

  const listed = await t.gql<{ drafts: Array<{ id: string; content: string; agentName: string }> }>(
    DRAFTS,
    { id: conv.id },
    op.token,
  );
  const [draft] = listed.data!.drafts;
  assert.ok(draft, "a draft was written");
  assert.match(draft.content, /water/i);
  const agentRows = await t.app.services.db.select().from(messages).where(eq(messages.conversationId, conv.id));
  assert.ok(!agentRows.some((m) => m.role === "agent"), "nothing of the draft is in the conversation");
  const history = await t.gql<{ conversation: { messages: { edges: unknown[] } } }>(
    HISTORY,
    { id: conv.id, last: 50 },
    conv.token,
  );
  assert.ok(!JSON.stringify(history.data).includes(draft.content.slice(0, 20)));
  assert.equal((await t.gql(DRAFTS, { id: conv.id }, conv.token)).errors?.[0]?.extensions?.code, "FORBIDDEN");

  const edited = "Yes: the Device Protection plan covers liquid damage. Want me to start a claim?";
  const sent = await t.gql<{ sendDraft: { status: string; content: string } }>(
    SEND_DRAFT,
    { id: draft.id, content: edited },
    op.token,
  );
  assert.equal(sent.data?.sendDraft.status, "SENT");
  await eventually(
    () => live.events.find((e) => e.message?.role === "AGENT" && e.message.content === edited),
    5000,
    "the sent draft in the customer's stream",
  );
  assert.ok(
    !JSON.stringify(live.events).includes(draft.content.slice(0, 20)) || draft.content === edited,
    "the unedited draft never reached the customer",
  );
  assert.equal(
    (await t.gql(SEND_DRAFT, { id: draft.id }, op.token)).errors?.[0]?.extensions?.code,
    "CONFLICT",
    "sent exactly once",
  );
  live.stop();
});

test("a discarded draft is never sent, and the next customer message gets a new draft", async () => {
  const { op, conv } = await manualConversation();
  await send(t, conv, "hello there");
  await t.app.services.runner.idle();
  const [first] = await t.app.services.db.select().from(drafts).where(eq(drafts.conversationId, conv.id));
  assert.equal(
    (await t.gql<{ discardDraft: { status: string } }>(DISCARD, { id: first!.id }, op.token)).data?.discardDraft.status,
    "DISCARDED",
  );
  assert.equal((await t.gql(SEND_DRAFT, { id: first!.id }, op.token)).errors?.[0]?.extensions?.code, "CONFLICT");
  await send(t, conv, "Is the service down?");
  await t.app.services.runner.idle();
  const all = await t.app.services.db.select().from(drafts).where(eq(drafts.conversationId, conv.id));
  assert.equal(all.length, 2);
  const rows = await t.app.services.db.select().from(messages).where(eq(messages.conversationId, conv.id));
  assert.ok(!rows.some((m) => m.role === "agent"));
});

test("back to the global mode, the AI replies live again", async () => {
  const { op, conv } = await manualConversation();
  await t.gql(
    `mutation ($id: ID!) { setAutonomyMode(mode: null, conversationId: $id) { mode } }`,
    { id: conv.id },
    op.token,
  );
  await send(t, conv, "hello");
  await t.app.services.runner.idle();
  const rows = await t.app.services.db.select().from(messages).where(eq(messages.conversationId, conv.id));
  assert.ok(rows.some((m) => m.role === "agent" && m.status === "complete"));
});
