import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import { escalations, operators, tickets } from "../../drizzle/schema.ts";
import { availableOperators, offerWaiting, updateAssignmentSettings } from "../../server/escalations/assignment.ts";
import { escalateConversation } from "../../server/escalations/service.ts";
import { writeWithEvents } from "../../server/conversations/log.ts";
import { createTicket } from "../../server/tickets/service.ts";
import type { OperatorNotice } from "../../server/events/types.ts";
import { eventually, send, startConversation, startTestApp, type TestApp } from "../support/app.ts";
import { collect } from "../support/collect.ts";
import { adminActor, newOperator } from "../support/operators.ts";

let t: TestApp;
before(async () => {
  t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "5", SLA_FIRST_RESPONSE_MINUTES: "7" });
});
after(() => t.close());

const LIST = `query ($filter: ConversationFilter) {
  conversations(filter: $filter, first: 200) {
    conversation { id status }
    customerName
    owner { name }
    escalation { priority reason }
    lastMessagePreview
    lastMessageRole
    waitingSince
    slaDueAt
    unread
  }
}`;
const COUNTS = `{ conversationCounts { mine unassigned allOpen ai waiting unreadMine } }`;
const TAKE_OVER = `mutation ($id: ID!) { takeOverConversation(conversationId: $id) { id } }`;
const RESOLVE = `mutation ($id: ID!) { resolveConversation(conversationId: $id) { id } }`;
const REASSIGN = `mutation ($c: ID!, $o: ID!) { reassignConversation(conversationId: $c, operatorId: $o) { id status } }`;
const READ = `mutation ($c: ID!) { markConversationRead(conversationId: $c) }`;
const AVAILABILITY = `mutation ($a: Availability!) { setAvailability(availability: $a) { id } }`;

type Item = {
  conversation: { id: string; status: string };
  customerName: string;
  owner: { name: string } | null;
  escalation: { priority: string; reason: string } | null;
  lastMessagePreview: string | null;
  lastMessageRole: string | null;
  waitingSince: string | null;
  slaDueAt: string | null;
  unread: boolean;
};

async function list(token: string, filter: Record<string, unknown>): Promise<Item[]> {
  const r = await t.gql<{ conversations: Item[] }>(LIST, { filter }, token);
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.conversations;
}
const ids = (items: Item[]) => items.map((i) => i.conversation.id);

/** Each test run tags its customers, so views on a shared database are read through search. */
const tag = `zq${crypto.randomUUID().slice(0, 8)}`;
/** The queue test's own tag, so the conversations above never show in its views. */
const waitTag = `zw${crypto.randomUUID().slice(0, 8)}`;

describe("inbox views, search and counts", () => {
  let aiConv: { id: string; token: string };
  let waitingConv: { id: string; token: string };
  let mineConv: { id: string; token: string };
  let me: Awaited<ReturnType<typeof newOperator>>;
  let other: Awaited<ReturnType<typeof newOperator>>;

  before(async () => {
    // The escalation below must wait in the queue, not be offered to whoever is online (the
    // database and its assignment setting may be shared with other test files).
    await updateAssignmentSettings(t.app.services.db, await adminActor(t), { mode: "manual" });
    me = await newOperator(t, "Rosa");
    other = await newOperator(t, "Tomas");
    aiConv = await startConversation(t, `${tag} Alma`);
    await send(t, aiConv, "How do I reset my router?");
    waitingConv = await startConversation(t, `${tag} Bea`);
    await send(t, waitingConv, "I want to talk to a person");
    mineConv = await startConversation(t, `${tag} Cruz`);
    await send(t, mineConv, "Hello there");
    await t.app.services.runner.idle();
    await t.gql(TAKE_OVER, { id: mineConv.id }, me.token);
  });

  test("each view holds the conversations it names, for the operator asking", async () => {
    const view = (token: string, v: string) => list(token, { view: v, query: tag }).then(ids);
    assert.deepEqual(await view(me.token, "MINE"), [mineConv.id]);
    assert.deepEqual(await view(other.token, "MINE"), []);
    assert.deepEqual(await view(me.token, "AI"), [aiConv.id]);
    assert.deepEqual(await view(me.token, "WAITING"), [waitingConv.id]);
    assert.deepEqual((await view(me.token, "ALL_OPEN")).sort(), [aiConv.id, waitingConv.id, mineConv.id].sort());
    assert.deepEqual(await view(me.token, "RESOLVED"), []);
    // Taken over, the conversation stays in sight: in Mine, with its owner, not vanished.
    const [mine] = await list(me.token, { view: "MINE", query: tag });
    assert.equal(mine!.owner?.name, "Rosa");
    assert.equal(mine!.conversation.status, "WITH_HUMAN");
    const [waiting] = await list(me.token, { view: "WAITING", query: tag });
    assert.ok(waiting!.escalation, "the waiting one shows its escalation");
    assert.ok(waiting!.waitingSince && waiting!.slaDueAt);
    assert.equal(Date.parse(waiting!.slaDueAt!) - Date.parse(waiting!.waitingSince!), 7 * 60_000);
  });

  test("search finds customers by name, message text and ticket id; bad filters are refused", async () => {
    assert.deepEqual(ids(await list(me.token, { query: `${tag} bea` })), [waitingConv.id]);
    const byText = await list(me.token, { query: "reset my router" });
    assert.ok(ids(byText).includes(aiConv.id));
    const ticket = await writeWithEvents(t.app.services.db, t.app.services.bus, (tx) =>
      createTicket(tx, {
        customerId: null,
        conversationId: aiConv.id,
        department: "technical",
        priority: "low",
        subject: "Router",
        description: "Router reset",
        actor: "system",
      }),
    );
    assert.deepEqual(ids(await list(me.token, { query: ticket.id })), [aiConv.id]);
    await t.app.services.db.delete(tickets).where(eq(tickets.id, ticket.id));
    // LIKE wildcards are text, not patterns.
    assert.deepEqual(ids(await list(me.token, { query: `${tag}%` })), []);
    for (const filter of [{ department: "legal" }, { query: "x".repeat(201) }]) {
      const r = await t.gql(LIST, { filter }, me.token);
      assert.equal(r.errors?.[0]?.extensions?.code, "BAD_INPUT", JSON.stringify(filter));
    }
    const customer = await t.gql(LIST, { filter: {} }, aiConv.token);
    assert.equal(customer.errors?.[0]?.extensions?.code, "FORBIDDEN");
  });

  test("unread: a customer reply marks the conversation unread for its owner until read; counts follow", async () => {
    await t.gql(READ, { c: mineConv.id }, me.token);
    const before = (await t.gql<{ conversationCounts: { unreadMine: number; mine: number } }>(COUNTS, {}, me.token))
      .data!.conversationCounts;
    assert.equal((await list(me.token, { view: "MINE", query: tag }))[0]!.unread, false);

    const heard: OperatorNotice[] = [];
    const stop = new AbortController();
    const sub = t.app.services.bus.subscribe("notice", me.operator.id, stop.signal);
    void (async () => {
      for await (const n of sub) heard.push(n);
    })();
    await sub.ready;
    await send(t, mineConv, "Are you still there?");
    const [item] = await list(me.token, { view: "MINE", query: tag });
    assert.equal(item!.unread, true);
    assert.equal(item!.lastMessagePreview, "Are you still there?");
    assert.ok(item!.waitingSince, "an unanswered customer message starts the clock");
    const during = (await t.gql<{ conversationCounts: { unreadMine: number } }>(COUNTS, {}, me.token)).data!
      .conversationCounts;
    assert.equal(during.unreadMine, before.unreadMine + 1);
    await eventually(() => heard.find((n) => n.type === "customer_reply"), 3000, "the reply notice");
    stop.abort();

    await t.gql(READ, { c: mineConv.id }, me.token);
    assert.equal((await list(me.token, { view: "MINE", query: tag }))[0]!.unread, false);
  });

  test("reassign: the new owner is notified and sees it in Mine; others may not move it", async () => {
    const third = await newOperator(t, "Uma");
    const refused = await t.gql(REASSIGN, { c: mineConv.id, o: third.operator.id }, other.token);
    assert.equal(refused.errors?.[0]?.extensions?.code, "FORBIDDEN");
    const nobody = await t.gql(REASSIGN, { c: mineConv.id, o: crypto.randomUUID() }, me.token);
    assert.equal(nobody.errors?.[0]?.extensions?.code, "NOT_FOUND");
    const asCustomer = await t.gql(REASSIGN, { c: mineConv.id, o: other.operator.id }, mineConv.token);
    assert.equal(asCustomer.errors?.[0]?.extensions?.code, "FORBIDDEN");

    const heard: OperatorNotice[] = [];
    const stop = new AbortController();
    const sub = t.app.services.bus.subscribe("notice", other.operator.id, stop.signal);
    void (async () => {
      for await (const n of sub) heard.push(n);
    })();
    await sub.ready;
    const customer = collect(t.ws(mineConv.token), mineConv.id, 0);
    const r = await t.gql<{ reassignConversation: { status: string } }>(
      REASSIGN,
      { c: mineConv.id, o: other.operator.id },
      me.token,
    );
    assert.equal(r.data?.reassignConversation.status, "WITH_HUMAN", JSON.stringify(r.errors));
    assert.deepEqual(ids(await list(other.token, { view: "MINE", query: tag })), [mineConv.id]);
    assert.deepEqual(ids(await list(me.token, { view: "MINE", query: tag })), []);
    const notice = await eventually(() => heard.find((n) => n.type === "assigned"), 3000, "the assignment notice");
    assert.equal(notice.by, "Rosa");
    assert.equal(notice.conversationId, mineConv.id);
    stop.abort();
    // The customer reads one line that a person joined; nothing about who moved it to whom.
    await eventually(
      () => customer.events.find((e) => e.message?.content === "Tomas from the support team joined the conversation."),
      5000,
      "the join line",
    );
    assert.ok(!JSON.stringify(customer.events).includes("assigned it"));
    customer.stop();
    // An AI-handled conversation can be given to a person by any operator; the AI stops.
    const given = await t.gql<{ reassignConversation: { status: string } }>(
      REASSIGN,
      { c: aiConv.id, o: third.operator.id },
      other.token,
    );
    assert.equal(given.data?.reassignConversation.status, "WITH_HUMAN");
    await t.gql(RESOLVE, { id: aiConv.id }, third.token);
    assert.deepEqual(ids(await list(me.token, { view: "RESOLVED", query: tag })), [aiConv.id]);
  });
});

describe("escalations raised while nobody was free", () => {
  test("are offered to the next operator who comes online, who is notified", async () => {
    const admin = await adminActor(t);
    const op = await newOperator(t, "Vera");
    const conv = await startConversation(t, `${waitTag} Dora`);
    await send(t, conv, "hello");
    await t.app.services.runner.idle();
    // Manual while it is raised, so it lands in the shared queue whoever is online.
    await updateAssignmentSettings(t.app.services.db, admin, { mode: "manual" });
    const escalation = await writeWithEvents(t.app.services.db, t.app.services.bus, (tx, batch) =>
      escalateConversation(tx, batch, {
        conversationId: conv.id,
        reason: "Customer asked for a person",
        summary: "Wants a person",
        priority: "urgent",
        agent: "triage",
      }),
    );
    await updateAssignmentSettings(t.app.services.db, admin, { mode: "auto" });
    assert.deepEqual(ids(await list(op.token, { view: "UNASSIGNED", query: waitTag })), [conv.id]);
    // Each test decides who is online; the database may be shared with other test files.
    await t.app.services.db.update(operators).set({ availability: "offline" });
    assert.equal((await availableOperators(t.app.services.db)).length, 0);
    const heard: OperatorNotice[] = [];
    const stop = new AbortController();
    const sub = t.app.services.bus.subscribe("notice", op.operator.id, stop.signal);
    void (async () => {
      for await (const n of sub) heard.push(n);
    })();
    await sub.ready;
    try {
      await offerWaiting(t.app.services);
      assert.deepEqual(
        ids(await list(op.token, { view: "UNASSIGNED", query: waitTag })),
        [conv.id],
        "nobody to offer it to",
      );
      await t.gql(AVAILABILITY, { a: "ONLINE" }, op.token);
      const [row] = await t.app.services.db.select().from(escalations).where(eq(escalations.id, escalation.id));
      assert.equal(row!.assignedTo, op.operator.id);
      const notice = await eventually(() => heard.find((n) => n.type === "escalation"), 3000, "the offer notice");
      assert.equal(notice.conversationId, conv.id);
      assert.deepEqual(ids(await list(op.token, { view: "MINE", query: waitTag })), [conv.id]);
    } finally {
      stop.abort();
      await t.gql(AVAILABILITY, { a: "OFFLINE" }, op.token);
    }
  });
});
