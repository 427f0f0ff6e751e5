import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { and, eq } from "drizzle-orm";
import { conversations, messages } from "../../drizzle/schema.ts";
import { eventually, send, startConversation, startTestApp, type TestApp } from "../support/app.ts";
import { assemble, collect, range, storedSeqs } from "../support/collect.ts";
import { signInAs } from "../support/operators.ts";
import { listEventsAfter } from "../../server/conversations/log.ts";
import { visibleEvent } from "../../server/conversations/visibility.ts";

let t: TestApp;
before(async () => {
  // Slow enough that a reply is still streaming while the test joins it.
  t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "30" });
});
after(() => t.close());

const lastSeqOf = async (id: string) =>
  (await t.app.services.db.select({ s: conversations.lastSeq }).from(conversations).where(eq(conversations.id, id)))[0]!
    .s;

test("replay then live: no gap and no duplicate while writes race the subscription", async () => {
  const conv = await startConversation(t);
  for (const text of ["first", "second"]) await send(t, conv, text);
  await t.app.services.runner.idle();
  const from = 2;

  // Writers and the subscriber start together, so events land before, during and after replay.
  const writes = Promise.all(range(1, 12).map((i) => send(t, conv, `burst ${i}`)));
  const sub = collect(t.ws(conv.token), conv.id, from);
  await writes;
  await t.app.services.runner.idle();
  // Every stored event the customer may see (the agents' tool results are the team's), in order.
  const stored = await listEventsAfter(t.app.services.db, conv.id, from);
  const meant = stored.filter((e) => visibleEvent({ kind: "customer", conversationId: conv.id }, e)).map((e) => e.seq);
  assert.equal(stored.at(-1)!.seq, await lastSeqOf(conv.id));
  const final = meant.at(-1)!;
  await eventually(() => (storedSeqs(sub.events).at(-1) === final ? true : undefined), 15_000, `seq ${final}`);
  sub.stop();

  assert.deepEqual(storedSeqs(sub.events), meant);
  assert.ok(meant.length >= 12, "at least the burst itself");
  assert.deepEqual(sub.errors, []);
});

test("a late joiner gets a snapshot of the partial reply, then the rest", async () => {
  const conv = await startConversation(t);
  await send(t, conv, "Hi there, I have a question about my invoice and a refund");
  // Wait until the reply has persisted some partial text, i.e. we really join mid-reply.
  const streaming = await eventually(
    async () => {
      const [m] = await t.app.services.db
        .select()
        .from(messages)
        .where(and(eq(messages.conversationId, conv.id), eq(messages.role, "agent"), eq(messages.status, "streaming")));
      return m && m.content.length > 0 ? m : undefined;
    },
    10_000,
    "a partially persisted reply",
  );

  const sub = collect(t.ws(conv.token), conv.id, 0);
  await eventually(() => sub.events.find((e) => e.type === "MESSAGE_COMPLETED"), 15_000, "completion");
  sub.stop();

  const snapshot = sub.events.find((e) => e.type === "MESSAGE_SNAPSHOT");
  assert.ok(snapshot, "expected a snapshot");
  assert.equal(snapshot.delta!.messageId, streaming.id);
  assert.ok(snapshot.delta!.text.length > 0);
  const [stored] = await t.app.services.db.select().from(messages).where(eq(messages.id, streaming.id));
  assert.equal(stored!.status, "complete");
  // Deltas from before the completion event must assemble into exactly the stored text.
  const beforeCompletion = sub.events.slice(
    0,
    sub.events.findIndex((e) => e.type === "MESSAGE_COMPLETED"),
  );
  const assembled = assemble(beforeCompletion).messages.find((m) => m.id === streaming.id);
  assert.equal(assembled?.content, stored!.content);
});

test("a live snapshot reaches only a subscriber it adds text for: one with every word gets none, one with a hole gets it", async () => {
  const conv = await startConversation(t);
  const sub = collect(t.ws(conv.token), conv.id, 0);
  const at = new Date().toISOString();
  const publish = (type: "message_delta" | "message_snapshot", offset: number, text: string) =>
    t.app.services.bus.publish("conversation", conv.id, {
      conversationId: conv.id,
      seq: null,
      type,
      at,
      payload: { messageId: "00000000-0000-4000-8000-000000000001", offset, text },
    });
  // Wait until the subscription is live: typing signals until one arrives.
  await eventually(
    () => {
      t.app.services.bus.publish("conversation", conv.id, {
        conversationId: conv.id,
        seq: null,
        type: "typing",
        at,
        payload: { role: "operator", name: null },
      });
      return sub.events.some((e) => e.type === "TYPING") || undefined;
    },
    10_000,
    "a live subscription",
  );
  publish("message_delta", 0, "Hello ");
  publish("message_delta", 6, "there");
  publish("message_snapshot", 0, "Hello"); // all of it sent already
  publish("message_snapshot", 0, "Hello there"); // likewise
  publish("message_delta", 20, "!"); // a hole: "Hello there" then a piece past its end
  publish("message_snapshot", 0, "Hello there, my friend"); // heals the hole
  publish("message_delta", 22, "!");
  await eventually(() => sub.events.find((e) => e.delta?.offset === 22), 10_000, "the last piece");
  sub.stop();
  const pieces = sub.events.filter((e) => e.delta).map((e) => `${e.type}@${e.delta!.offset}:${e.delta!.text}`);
  assert.deepEqual(pieces, [
    "MESSAGE_DELTA@0:Hello ",
    "MESSAGE_DELTA@6:there",
    "MESSAGE_DELTA@20:!",
    "MESSAGE_SNAPSHOT@0:Hello there, my friend",
    "MESSAGE_DELTA@22:!",
  ]);
});

test("a subscriber for someone else's conversation gets NOT_FOUND and no events", async () => {
  const mine = await startConversation(t);
  const theirs = await startConversation(t);
  const sub = collect(t.ws(mine.token), theirs.id, 0);
  await send(t, theirs, "secret");
  await sub.done;
  assert.equal(sub.events.length, 0);
  const [error] = sub.errors as Array<{ extensions?: { code?: string } }>;
  assert.equal(error?.extensions?.code, "NOT_FOUND");
});

test("operators receive every stored event, tool results included; the customer every one meant for them", async () => {
  const conv = await startConversation(t);
  await send(t, conv, "Is the service down?");
  await t.app.services.runner.idle();
  const final = await lastSeqOf(conv.id);
  const op = await signInAs(t);
  const sub = collect(t.ws(op.token), conv.id, 0);
  await eventually(() => (storedSeqs(sub.events).at(-1) === final ? true : undefined), 10_000, `seq ${final}`);
  sub.stop();
  assert.deepEqual(sub.errors, []);
  assert.deepEqual(storedSeqs(sub.events), range(1, final));
  assert.ok(sub.events.some((e) => e.type === "TOOL_RESULT"));

  // The customer's stream is the same log with the team's events left out, in order, none lost.
  const stored = await listEventsAfter(t.app.services.db, conv.id, 0);
  const meant = stored.filter((e) => visibleEvent({ kind: "customer", conversationId: conv.id }, e)).map((e) => e.seq);
  assert.ok(meant.length < stored.length, "some events are the team's only");
  const customer = collect(t.ws(conv.token), conv.id, 0);
  await eventually(() => (storedSeqs(customer.events).at(-1) === meant.at(-1) ? true : undefined), 10_000, "customer");
  customer.stop();
  assert.deepEqual(storedSeqs(customer.events), meant);
  assert.ok(!customer.events.some((e) => e.type === "TOOL_RESULT"));
});
