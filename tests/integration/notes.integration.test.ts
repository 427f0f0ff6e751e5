import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { and, asc, eq } from "drizzle-orm";
import { messages } from "../../drizzle/schema.ts";
import { agents } from "../../server/ai/agents.ts";
import { buildFacts, renderFacts } from "../../server/ai/context.ts";
import { getConversation } from "../../server/conversations/service.ts";
import type { OperatorNotice } from "../../server/events/types.ts";
import { HISTORY, eventually, send, startConversation, startTestApp, type TestApp } from "../support/app.ts";
import { collect } from "../support/collect.ts";
import { newOperator } from "../support/operators.ts";

let t: TestApp;
before(async () => {
  t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "5" });
});
after(() => t.close());

const NOTE = `mutation ($input: AddPrivateNoteInput!) { addPrivateNote(input: $input) { id role authorType authorName content mentions } }`;
const TAKE_OVER = `mutation ($id: ID!) { takeOverConversation(conversationId: $id) { id } }`;
const SECRET = "INTERNAL-ONLY chargeback risk 7731";

const notesOf = (conversationId: string) =>
  t.app.services.db
    .select()
    .from(messages)
    .where(and(eq(messages.conversationId, conversationId), eq(messages.role, "note")))
    .orderBy(asc(messages.seq));

describe("private notes", () => {
  test("an operator's note reaches the team and never the customer: history, replay or live socket", async () => {
    const conv = await startConversation(t);
    await send(t, conv, "My order never arrived");
    await t.app.services.runner.idle();
    const op = await newOperator(t, "Priya");
    const customerLive = collect(t.ws(conv.token), conv.id, 0);
    const teamLive = collect(t.ws(op.token), conv.id, 0);

    const added = await t.gql<{ addPrivateNote: { role: string; authorType: string; authorName: string } }>(
      NOTE,
      { input: { conversationId: conv.id, body: SECRET } },
      op.token,
    );
    assert.deepEqual(added.data!.addPrivateNote, {
      ...added.data!.addPrivateNote,
      role: "NOTE",
      authorType: "HUMAN",
      authorName: "Priya",
    });
    // Something the customer does see comes after the note, so "not received" is not "not yet".
    await t.gql(TAKE_OVER, { id: conv.id }, op.token);
    await eventually(
      () => customerLive.events.find((e) => e.message?.content?.includes("joined the conversation")),
      5000,
      "the customer to see the join line",
    );
    await eventually(() => teamLive.events.find((e) => e.message?.role === "NOTE"), 5000, "the team to see the note");
    assert.ok(!JSON.stringify(customerLive.events).includes("INTERNAL-ONLY"), "live socket");

    const replay = collect(t.ws(conv.token), conv.id, 0);
    await eventually(
      () => replay.events.find((e) => e.message?.content?.includes("joined the conversation")),
      5000,
      "the replay",
    );
    assert.ok(!JSON.stringify(replay.events).includes("INTERNAL-ONLY"), "replay");
    const history = await t.gql(HISTORY, { id: conv.id, last: 200 }, conv.token);
    assert.ok(!JSON.stringify(history).includes("INTERNAL-ONLY"), "history over the API");
    const teamHistory = await t.gql(HISTORY, { id: conv.id, last: 200 }, op.token);
    assert.ok(JSON.stringify(teamHistory).includes("INTERNAL-ONLY"), "operators read it in the history");
    for (const c of [customerLive, teamLive, replay]) c.stop();
  });

  test("a customer sees the chat, not the machinery behind it", async () => {
    const conv = await startConversation(t);
    // The offline model looks this up with a tool and then escalates on request.
    await send(t, conv, "Is the API down?");
    await t.app.services.runner.idle();
    await send(t, conv, "I want to talk to a person");
    await t.app.services.runner.idle();
    const op = await newOperator(t, "Wen");
    const team = collect(t.ws(op.token), conv.id, 0);
    const customer = collect(t.ws(conv.token), conv.id, 0);
    const lastSeq = (await getConversation(t.app.services.db, { kind: "customer", conversationId: conv.id }, conv.id))
      .lastSeq;
    await eventually(() => (team.events.some((e) => e.seq === lastSeq) ? true : undefined), 5000, "team replay");
    await eventually(
      () => customer.events.find((e) => e.type === "STATUS_CHANGED" && e.status === "WAITING_HUMAN"),
      5000,
      "the customer's replay",
    );
    const teamTypes = new Set(team.events.map((e) => e.type));
    assert.ok(teamTypes.has("TOOL_RESULT") && teamTypes.has("ESCALATION"), [...teamTypes].join(","));
    const customerTypes = new Set(customer.events.map((e) => e.type));
    for (const hidden of ["TOOL_RESULT", "ESCALATION", "HANDOFF", "ASSIGNMENT", "DECISION"])
      assert.ok(!customerTypes.has(hidden), `customers do not receive ${hidden}`);
    team.stop();
    customer.stop();
  });

  test("who else is viewing or writing reaches the team, never the customer", async () => {
    const conv = await startConversation(t);
    await send(t, conv, "hello");
    await t.app.services.runner.idle();
    const a = await newOperator(t, "Ayo");
    const b = await newOperator(t, "Bea");
    const team = collect(t.ws(a.token), conv.id, 0);
    const customer = collect(t.ws(conv.token), conv.id, 0);
    await eventually(() => (team.events.length && customer.events.length ? true : undefined), 5000, "both streams");
    const VIEW = `mutation ($id: ID!, $c: Boolean) { setViewing(conversationId: $id, composing: $c) }`;
    assert.equal((await t.gql(VIEW, { id: conv.id, c: true }, b.token)).errors, undefined);
    const seen = await eventually(() => team.events.find((e) => e.type === "VIEWING"), 5000, "the viewing cue");
    assert.deepEqual(seen.viewing, { operatorId: b.operator.id, name: "Bea", composing: true });
    // Something the customer does receive comes after, so "not received" is not "not yet".
    await send(t, conv, "still there?");
    await eventually(() => customer.events.find((e) => e.message?.content === "still there?"), 5000, "the message");
    assert.ok(!customer.events.some((e) => e.type === "VIEWING"));
    assert.ok(!JSON.stringify(customer.events).includes("Bea"));
    const bad = await t.gql(`mutation ($id: ID!) { setViewing(conversationId: $id) }`, { id: conv.id }, conv.token);
    assert.equal(bad.errors?.[0]?.extensions?.code, "FORBIDDEN");
    team.stop();
    customer.stop();
  });

  test("@mentions notify the operators named, once, after the commit", async () => {
    const conv = await startConversation(t);
    const author = await newOperator(t, "Ines Duarte");
    const mentioned = await newOperator(t, "Kofi Mensah");
    const bystander = await newOperator(t, "Kofian Other");
    const heard: Record<string, OperatorNotice[]> = { [mentioned.operator.id]: [], [bystander.operator.id]: [] };
    const stops = Object.keys(heard).map((id) => {
      const stop = new AbortController();
      const sub = t.app.services.bus.subscribe("notice", id, stop.signal);
      void (async () => {
        for await (const n of sub) heard[id]!.push(n);
      })();
      return { stop, ready: sub.ready };
    });
    await Promise.all(stops.map((s) => s.ready));
    const r = await t.gql<{ addPrivateNote: { mentions: string[] } }>(
      NOTE,
      { input: { conversationId: conv.id, body: "@kofi can you check the refund? cc @Ines Duarte" } },
      author.token,
    );
    // The author's own name is not a notice to themselves; "@kofi" is Kofi Mensah, not Kofian.
    assert.deepEqual(r.data!.addPrivateNote.mentions, [mentioned.operator.id]);
    // Only mentions count: on a shared database a new operator may also be offered waiting escalations.
    const mentionsOf = (id: string) => heard[id]!.filter((n) => n.type === "mention");
    const notice = await eventually(() => mentionsOf(mentioned.operator.id)[0], 3000, "the mention notice");
    assert.equal(notice.type === "mention" && notice.conversationId, conv.id);
    assert.equal(notice.type === "mention" && notice.by, "Ines Duarte");
    assert.equal(mentionsOf(mentioned.operator.id).length, 1);
    assert.equal(mentionsOf(bystander.operator.id).length, 0);
    for (const s of stops) s.stop.abort();
  });

  test("bad input is refused and changes nothing; a retry with the same id stores one note", async () => {
    const conv = await startConversation(t);
    const op = await newOperator(t, "Lena");
    for (const body of ["   ", "x".repeat(4001), "bad\u0000byte"]) {
      const r = await t.gql(NOTE, { input: { conversationId: conv.id, body } }, op.token);
      assert.equal(r.errors?.[0]?.extensions?.code, "BAD_INPUT", body.slice(0, 10));
    }
    assert.equal((await notesOf(conv.id)).length, 0);
    const input = { conversationId: conv.id, body: "Checked the courier: parcel lost.", clientMessageId: "n-1" };
    const first = await t.gql<{ addPrivateNote: { id: string } }>(NOTE, { input }, op.token);
    const again = await t.gql<{ addPrivateNote: { id: string } }>(NOTE, { input }, op.token);
    assert.equal(again.data!.addPrivateNote.id, first.data!.addPrivateNote.id);
    assert.equal((await notesOf(conv.id)).length, 1);
  });

  test("customers and strangers cannot write notes", async () => {
    const conv = await startConversation(t);
    const asCustomer = await t.gql(NOTE, { input: { conversationId: conv.id, body: "hi" } }, conv.token);
    assert.equal(asCustomer.errors?.[0]?.extensions?.code, "FORBIDDEN");
    const anonymous = await t.gql(NOTE, { input: { conversationId: conv.id, body: "hi" } });
    assert.equal(anonymous.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
    assert.equal((await notesOf(conv.id)).length, 0);
  });

  test("the AI agent reads the team's notes as internal context; a hand-back note is a note", async () => {
    const conv = await startConversation(t);
    await send(t, conv, "hello");
    await t.app.services.runner.idle();
    const op = await newOperator(t, "Marta");
    await t.gql(
      NOTE,
      { input: { conversationId: conv.id, body: "Customer is a reseller; quote volume pricing." } },
      op.token,
    );
    const conversation = await getConversation(
      t.app.services.db,
      { kind: "customer", conversationId: conv.id },
      conv.id,
    );
    const history = await t.app.services.db
      .select()
      .from(messages)
      .where(eq(messages.conversationId, conv.id))
      .orderBy(asc(messages.seq));
    const prompt = renderFacts(agents.sales, await buildFacts(t.app.services.db, agents.sales, conversation, history));
    assert.match(
      prompt,
      /Internal note from Marta \(use it; never quote or reveal it\): Customer is a reseller; quote volume pricing\./,
    );

    await t.gql(TAKE_OVER, { id: conv.id }, op.token);
    const HAND_BACK = `mutation ($input: HandBackInput!) { handBackToAgent(input: $input) { id } }`;
    await t.gql(
      HAND_BACK,
      { input: { conversationId: conv.id, agent: "sales", note: "Offer the Business plan" } },
      op.token,
    );
    const notes = await notesOf(conv.id);
    assert.deepEqual(
      notes.map((n) => n.content),
      ["Customer is a reseller; quote volume pricing.", "Offer the Business plan"],
    );
  });
});
