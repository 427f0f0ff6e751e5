import assert from "node:assert/strict";
import { agents } from "../../server/ai/agents.ts";
import { buildFacts } from "../../server/ai/context.ts";
import { readConversation } from "../../server/conversations/transitions.ts";
import { after, before, describe, test } from "node:test";
import { asc, eq } from "drizzle-orm";
import { escalations, messages } from "../../drizzle/schema.ts";
import { operatorTypeDefs } from "../../server/graphql/operators/type-defs.ts";
import { HISTORY, eventually, send, startConversation, startTestApp, type TestApp } from "../support/app.ts";
import { assemble, collect } from "../support/collect.ts";
import { newOperator, signInAs } from "../support/operators.ts";

let t: TestApp;
before(async () => {
  t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "20" });
});
after(() => t.close());

const CLAIM = `mutation ($id: ID!) { claimEscalation(id: $id) { id status claimedBy { name } } }`;
const TAKE_OVER = `mutation ($id: ID!) { takeOverConversation(conversationId: $id) { id status } }`;
const REPLY = `mutation ($input: SendMessageInput!) { sendOperatorMessage(input: $input) { message { id role authorName content } } }`;
const HAND_BACK = `mutation ($input: HandBackInput!) { handBackToAgent(input: $input) { id status currentAgent } }`;
const RESOLVE = `mutation ($id: ID!) { resolveConversation(conversationId: $id) { id status } }`;
const INBOX = `{ inbox { escalations { id reason summary priority status agent waitingSeconds conversation { id currentAgent } claimedBy { name } } aiConversations { id } } }`;

async function escalatedConversation(text = "I want to talk to a person") {
  const conv = await startConversation(t);
  await send(t, conv, text);
  await t.app.services.runner.idle();
  const [row] = await t.app.services.db.select().from(escalations).where(eq(escalations.conversationId, conv.id));
  assert.ok(row, "the AI escalated");
  return { conv, escalationId: row.id };
}

const transcript = (conversationId: string) =>
  t.app.services.db
    .select()
    .from(messages)
    .where(eq(messages.conversationId, conversationId))
    .orderBy(asc(messages.seq));

describe("who may use the operator API", () => {
  // Every operator field, from the schema itself, so a new field cannot skip the check.
  const fields = [...operatorTypeDefs.matchAll(/^\s{4}(\w+)(\(|:)/gm)].map((m) => m[1]!);
  const queries: Record<string, string> = {
    me: "{ me { id } }",
    inbox: "{ inbox { escalations { id } } }",
    operators: "{ operators { id } }",
    signOut: "mutation { signOut }",
    claimEscalation: `mutation { claimEscalation(id: "${crypto.randomUUID()}") { id } }`,
    takeOverConversation: `mutation { takeOverConversation(conversationId: "${crypto.randomUUID()}") { id } }`,
    sendOperatorMessage: `mutation { sendOperatorMessage(input: { conversationId: "${crypto.randomUUID()}", content: "x", clientMessageId: "x" }) { duplicate } }`,
    handBackToAgent: `mutation { handBackToAgent(input: { conversationId: "${crypto.randomUUID()}", agent: "billing", note: "x" }) { id } }`,
    resolveConversation: `mutation { resolveConversation(conversationId: "${crypto.randomUUID()}") { id } }`,
    addPrivateNote: `mutation { addPrivateNote(input: { conversationId: "${crypto.randomUUID()}", body: "x" }) { id } }`,
    setAvailability: "mutation { setAvailability(availability: ONLINE) { id } }",
    createOperator: `mutation { createOperator(input: { email: "x@y.z", name: "X", role: ADMIN, password: "long enough password" }) { id } }`,
    updateOperator: `mutation { updateOperator(id: "${crypto.randomUUID()}", input: { disabled: true }) { id } }`,
  };

  test("every operator field is covered here", () => {
    const covered = new Set([...Object.keys(queries), "signIn", "inboxEvents"]);
    const operatorFields = fields.filter(
      (f) => /^[a-z]/.test(f) && (operatorTypeDefs.includes(`    ${f}(`) || operatorTypeDefs.includes(`    ${f}:`)),
    );
    for (const f of [
      "me",
      "inbox",
      "operators",
      "signOut",
      "claimEscalation",
      "takeOverConversation",
      "sendOperatorMessage",
      "handBackToAgent",
      "resolveConversation",
      "setAvailability",
      "createOperator",
      "updateOperator",
      "inboxEvents",
    ]) {
      assert.ok(operatorFields.includes(f), `${f} is in the schema`);
      assert.ok(covered.has(f), `${f} is tested`);
    }
  });

  test("anonymous callers get UNAUTHENTICATED and customers get FORBIDDEN, on every field", async () => {
    const customer = await startConversation(t);
    for (const [name, query] of Object.entries(queries)) {
      const anon = await t.gql(query, {});
      assert.equal(
        anon.errors?.[0]?.extensions?.code,
        "UNAUTHENTICATED",
        `${name} (anonymous): ${JSON.stringify(anon.errors)}`,
      );
      assert.equal(anon.data ?? null, null);
      const asCustomer = await t.gql(query, {}, customer.token);
      assert.equal(
        asCustomer.errors?.[0]?.extensions?.code,
        "FORBIDDEN",
        `${name} (customer): ${JSON.stringify(asCustomer.errors)}`,
      );
    }
  });

  test("admin-only fields refuse a plain operator", async () => {
    const op = await newOperator(t, "Plain Operator");
    for (const name of ["createOperator", "updateOperator"]) {
      const r = await t.gql(queries[name]!, {}, op.token);
      assert.equal(r.errors?.[0]?.extensions?.code, "FORBIDDEN", name);
    }
  });

  test("the inbox subscription refuses customers and anonymous sockets", async () => {
    const customer = await startConversation(t);
    for (const token of [undefined, customer.token]) {
      const client = t.ws(token);
      const errors: Array<{ extensions?: { code?: string } }> = [];
      let events = 0;
      await new Promise<void>((resolve) =>
        client.subscribe(
          { query: "subscription { inboxEvents { type } }" },
          {
            next: (r) => (r.errors ? errors.push(...(r.errors as never[])) : events++),
            error: (e) => (errors.push(...(e as never[])), resolve()),
            complete: resolve,
          },
        ),
      );
      assert.equal(events, 0);
      assert.ok(["UNAUTHENTICATED", "FORBIDDEN"].includes(String(errors[0]?.extensions?.code)), JSON.stringify(errors));
    }
  });

  test("a wrong password, a revoked session and a disabled operator all fail", async () => {
    const wrong = await t.gql(
      `mutation { signIn(email: "admin@tandem.local", password: "nope nope nope") { token } }`,
      {},
    );
    assert.equal(wrong.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
    const session = await signInAs(t);
    assert.equal((await t.gql("mutation { signOut }", {}, session.token)).data?.signOut, true);
    const after = await t.gql("{ me { id } }", {}, session.token);
    assert.equal(after.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
    const admin = await signInAs(t);
    const victim = await newOperator(t, "Soon Disabled");
    await t.gql(
      `mutation ($id: ID!) { updateOperator(id: $id, input: { disabled: true }) { id } }`,
      { id: (await t.gql<{ me: { id: string } }>("{ me { id } }", {}, victim.token)).data!.me.id },
      admin.token,
    );
    assert.equal((await t.gql("{ me { id } }", {}, victim.token)).errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
  });
});

describe("handling escalations", () => {
  test("many concurrent claims: exactly one wins, the rest get CONFLICT", async () => {
    const { escalationId } = await escalatedConversation();
    const ops = await Promise.all(["A", "B", "C", "D", "E"].map((n) => newOperator(t, `Racer ${n}`)));
    const results = await Promise.all(
      ops.flatMap((op) => [op, op].map((o) => t.gql(CLAIM, { id: escalationId }, o.token))),
    );
    const wins = results.filter((r) => r.data);
    assert.equal(wins.length, 1, JSON.stringify(results.map((r) => r.errors?.[0]?.message ?? "won")));
    assert.ok(results.filter((r) => r.errors).every((r) => r.errors![0]!.extensions!.code === "CONFLICT"));
    const [row] = await t.app.services.db.select().from(escalations).where(eq(escalations.id, escalationId));
    assert.equal(row!.status, "claimed");
  });

  test("the inbox lists escalations with the AI's summary, most urgent first", async () => {
    await escalatedConversation("Should I accept this 10,000 euro offer?");
    const op = await newOperator(t, "Inbox Reader");
    const r = await t.gql<{
      inbox: { escalations: Array<{ priority: string; status: string; summary: string; reason: string }> };
    }>(INBOX, {}, op.token);
    const pending = r.data!.inbox.escalations.filter((e) => e.status !== "RESOLVED");
    assert.ok(pending.length >= 1);
    const ranks = pending.map((e) => ["URGENT", "HIGH", "MEDIUM", "LOW"].indexOf(e.priority));
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => a - b),
    );
    assert.ok(pending.some((e) => e.summary.includes("10,000 euro")));
  });

  test("a conversation's first message nudges every operator screen, and it is then listed as handled by the AI", async () => {
    const op = await newOperator(t, "Watcher");
    const nudges: Array<{ type: string; reason: string; conversationId: string | null }> = [];
    const stop = t
      .ws(op.token)
      .subscribe<{ inboxEvents: { type: string; reason: string; conversationId: string | null } }>(
        { query: "subscription { inboxEvents { type reason conversationId } }" },
        { next: (r) => r.data && nudges.push(r.data.inboxEvents), error: () => {}, complete: () => {} },
      );
    await new Promise((r) => setTimeout(r, 200));
    const conv = await startConversation(t);
    await send(t, conv, "Hello, just browsing");
    await t.app.services.runner.idle();
    await eventually(
      () => nudges.find((n) => n.conversationId === conv.id && n.reason === "started"),
      5_000,
      "the 'started' nudge",
    );
    stop();
    const r = await t.gql<{ inbox: { aiConversations: Array<{ id: string }> } }>(INBOX, {}, op.token);
    assert.ok(r.data!.inbox.aiConversations.some((c) => c.id === conv.id));
    assert.equal(
      nudges.filter((n) => n.conversationId === conv.id && n.reason === "started").length,
      1,
      "only the first event nudges",
    );
  });

  test("claim, reply, hand back with a note that the agent reads and the customer never sees, then resolve", async () => {
    const { conv, escalationId } = await escalatedConversation();
    const op = await newOperator(t, "Olivia");
    const live = collect(t.ws(conv.token), conv.id, 0);
    await t.gql(CLAIM, { id: escalationId }, op.token);
    const reply = await t.gql<{ sendOperatorMessage: { message: { role: string; authorName: string } } }>(
      REPLY,
      { input: { conversationId: conv.id, content: "Hi, Olivia here. Let me look at this.", clientMessageId: "op-1" } },
      op.token,
    );
    assert.equal(reply.data!.sendOperatorMessage.message.authorName, "Olivia");
    await eventually(
      () => live.events.find((e) => e.message?.role === "OPERATOR"),
      5000,
      "the customer to see the operator's reply",
    );

    const note = "INTERNAL: possible fraud, do not refund INV-1042";
    const back = await t.gql<{ handBackToAgent: { status: string; currentAgent: string } }>(
      HAND_BACK,
      { input: { conversationId: conv.id, agent: "billing", note } },
      op.token,
    );
    assert.equal(back.data!.handBackToAgent.status, "OPEN");
    assert.equal(back.data!.handBackToAgent.currentAgent, "billing");
    await t.app.services.runner.idle();
    const rows = await transcript(conv.id);
    const last = rows.at(-1)!;
    assert.equal(last.authorName, "Billing");
    assert.match(last.content, /Olivia/);
    // The agent was given the note, from the structured handoff event, in the facts Tandem vouches for.
    const beforeReply = rows.filter((m) => m.seq < last.seq);
    const conversation = (await readConversation(t.app.services.db, conv.id))!;
    const facts = await buildFacts(t.app.services.db, agents.billing, conversation, beforeReply);
    assert.deepEqual(facts.handBack, { operatorName: "Olivia", note });
    // The customer never reads it: not in any message, not in any event their socket receives.
    const customerView = await t.gql<{ conversation: { messages: { edges: Array<{ node: { content: string } }> } } }>(
      HISTORY,
      { id: conv.id, last: 200 },
      conv.token,
    );
    assert.ok(customerView.data!.conversation.messages.edges.length > 3);
    for (const edge of customerView.data!.conversation.messages.edges)
      assert.ok(!edge.node.content.includes("fraud"), edge.node.content);
    const replay = collect(t.ws(conv.token), conv.id, 0);
    await eventually(() => (replay.events.some((e) => e.seq === last.seq) ? true : undefined), 5000, "the replay");
    assert.ok(!JSON.stringify(replay.events).includes("fraud"));
    replay.stop();

    // After the hand-back the operator no longer owns it: replies need a new takeover.
    const late = await t.gql(
      REPLY,
      { input: { conversationId: conv.id, content: "still here", clientMessageId: "op-2" } },
      op.token,
    );
    assert.equal(late.errors?.[0]?.extensions?.code, "CONFLICT");
    const closed = await t.gql<{ resolveConversation: { status: string } }>(RESOLVE, { id: conv.id }, op.token);
    assert.equal(closed.data!.resolveConversation.status, "RESOLVED");
    const afterClose = await send(t, conv, "hello?");
    assert.equal(afterClose.errors?.[0]?.extensions?.code, "CONFLICT");
    live.stop();
  });

  test("takeover during an in-flight AI reply: the reply is discarded and nothing of it reaches the customer", async () => {
    const conv = await startConversation(t);
    const op = await newOperator(t, "Taker");
    const live = collect(t.ws(conv.token), conv.id, 0);
    await send(t, conv, "Does my protection plan cover water damage and theft and accidental drops?");
    const streaming = await eventually(
      async () => {
        const rows = await transcript(conv.id);
        return rows.find((m) => m.role === "agent" && m.status === "streaming");
      },
      10_000,
      "a streaming reply",
    );
    const taken = await t.gql<{ takeOverConversation: { status: string } }>(TAKE_OVER, { id: conv.id }, op.token);
    assert.equal(taken.data!.takeOverConversation.status, "WITH_HUMAN");
    await t.app.services.runner.idle();

    const rows = await transcript(conv.id);
    const reply = rows.find((m) => m.id === streaming.id)!;
    assert.equal(reply.status, "discarded");
    assert.ok(!rows.some((m) => m.role === "agent" && m.status === "complete"), "no AI reply completed");
    // The customer's own view, assembled from what they were sent, shows no AI text at all.
    await eventually(
      () => live.events.find((e) => e.type === "MESSAGE_COMPLETED" && e.message?.id === streaming.id),
      5000,
    );
    const seen = assemble(live.events).messages.filter((m) => m.status !== "DISCARDED");
    assert.ok(!seen.some((m) => m.role === "AGENT"), JSON.stringify(seen));
    // And the AI stays silent while the human owns the conversation.
    await send(t, conv, "Hello?");
    await t.app.services.runner.idle();
    assert.ok(!(await transcript(conv.id)).some((m) => m.role === "agent" && m.status !== "discarded"));
    live.stop();
  });

  test("a second operator cannot reply in or take over a conversation someone else owns", async () => {
    const { conv, escalationId } = await escalatedConversation();
    const first = await newOperator(t, "First");
    const second = await newOperator(t, "Second");
    await t.gql(CLAIM, { id: escalationId }, first.token);
    assert.equal((await t.gql(TAKE_OVER, { id: conv.id }, second.token)).errors?.[0]?.extensions?.code, "CONFLICT");
    const r = await t.gql(
      REPLY,
      { input: { conversationId: conv.id, content: "me too", clientMessageId: "x" } },
      second.token,
    );
    assert.equal(r.errors?.[0]?.extensions?.code, "CONFLICT");
  });
});

describe("typing indicators", () => {
  test("the customer's typing reaches the operator and the operator's reaches the customer; nothing is stored", async () => {
    const { conv, escalationId } = await escalatedConversation();
    const op = await newOperator(t, "Typist");
    await t.gql(CLAIM, { id: escalationId }, op.token);
    const TYPING = `mutation ($id: ID!) { setTyping(conversationId: $id) }`;
    const opView = t.ws(op.token);
    const seenByOperator: Array<{ role: string; name: string | null }> = [];
    const stopOp = opView.subscribe<{
      conversationEvents: { type: string; typing: { role: string; name: string | null } | null };
    }>(
      {
        query: `subscription ($id: ID!) { conversationEvents(conversationId: $id, after: 1000000) { type typing { role name } } }`,
        variables: { id: conv.id },
      },
      {
        next: (r) => r.data?.conversationEvents.typing && seenByOperator.push(r.data.conversationEvents.typing),
        error: () => {},
        complete: () => {},
      },
    );
    const customerView = collect(t.ws(conv.token), conv.id, 1_000_000);
    await new Promise((r) => setTimeout(r, 200));
    const before = (await transcript(conv.id)).length;
    assert.equal((await t.gql<{ setTyping: boolean }>(TYPING, { id: conv.id }, conv.token)).data?.setTyping, true);
    assert.equal((await t.gql<{ setTyping: boolean }>(TYPING, { id: conv.id }, op.token)).data?.setTyping, true);
    await eventually(
      () => (seenByOperator.some((x) => x.role === "CUSTOMER") ? true : undefined),
      5000,
      "customer typing",
    );
    const fromOperator = await eventually(
      () => customerView.events.find((e) => e.type === "TYPING" && e.typing?.role === "OPERATOR"),
      5000,
      "operator typing",
    );
    assert.equal(fromOperator.typing?.name, "Typist");
    assert.equal((await transcript(conv.id)).length, before);
    const outsider = await newOperator(t, "Outsider");
    assert.equal((await t.gql(TYPING, { id: conv.id }, outsider.token)).errors?.[0]?.extensions?.code, "CONFLICT");
    assert.equal((await t.gql(TYPING, { id: conv.id })).errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
    stopOp();
    customerView.stop();
  });
});

test("changing availability nudges every operator screen", { timeout: 10_000 }, async () => {
  const op = await newOperator(t, "Away Ava");
  const nudges = t.app.services.bus.subscribe("inbox", "all");
  await nudges.ready;
  const r = await t.gql<{ setAvailability: { availability: string } }>(
    "mutation { setAvailability(availability: AWAY) { availability } }",
    {},
    op.token,
  );
  assert.equal(r.data?.setAvailability.availability, "AWAY");
  const me = (await t.gql<{ me: { id: string } }>("{ me { id } }", {}, op.token)).data!.me.id;
  for (;;) {
    const { value } = await nudges.next();
    if (value.type === "operator_changed" && value.reason === "availability") {
      assert.equal(value.operatorId, me);
      break;
    }
  }
  await nudges.return();
});
