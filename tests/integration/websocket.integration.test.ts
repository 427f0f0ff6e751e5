import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { asc, eq } from "drizzle-orm";
import WebSocket from "ws";
import { messages } from "../../drizzle/schema.ts";
import { eventually, send, startConversation, startTestApp, type TestApp } from "../support/app.ts";
import { assemble, collect, storedSeqs } from "../support/collect.ts";

let t: TestApp;
before(async () => {
  t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "25" });
});
after(() => t.close());

function closeCode(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.on("close", (code) => resolve(code)));
}

test("a subscription receives the reply as deltas, then its completion", async () => {
  const conv = await startConversation(t);
  const sub = collect(t.ws(conv.token), conv.id, 0);
  await send(t, conv, "Hello");
  const completed = await eventually(
    () => sub.events.find((e) => e.type === "MESSAGE_COMPLETED" && e.message?.role === "AGENT"),
    15_000,
  );
  sub.stop();
  const deltas = sub.events.filter((e) => e.type === "MESSAGE_DELTA");
  assert.ok(deltas.length > 5, `expected many deltas, got ${deltas.length}`);
  // Everything the stream carried before the completion (a snapshot first, if the subscription
  // went live after the first words, then deltas) already spells the whole reply.
  const streamed = assemble(sub.events.slice(0, sub.events.indexOf(completed)));
  assert.equal(streamed.messages.find((m) => m.id === completed.message!.id)?.content, completed.message!.content);
  assert.deepEqual(
    sub.events.filter((e) => e.seq !== null).map((e) => e.type),
    ["MESSAGE_CREATED", "MESSAGE_CREATED", "MESSAGE_COMPLETED"],
  );
});

test("killing the socket mid-stream and resuming with `after` gives the server's exact transcript", async () => {
  const conv = await startConversation(t);
  const client1 = t.ws(conv.token);
  const first = collect(client1, conv.id, 0);
  await send(t, conv, "My laptop will not boot after the update");
  await eventually(
    () => (first.events.filter((e) => e.type === "MESSAGE_DELTA").length >= 3 ? true : undefined),
    10_000,
  );
  client1.terminate();
  await first.done;
  const held = assemble(first.events);
  assert.ok(
    held.messages.some((m) => m.status === "STREAMING"),
    "the socket died while a reply was streaming",
  );

  // Another message while we are away, then reconnect with the highest seq we hold.
  await send(t, conv, "Also the fan is loud");
  const second = collect(t.ws(conv.token), conv.id, held.lastSeq);
  await t.app.services.runner.idle();
  const serverRows = await t.app.services.db
    .select()
    .from(messages)
    .where(eq(messages.conversationId, conv.id))
    .orderBy(asc(messages.seq));
  await eventually(
    () => {
      const now = assemble(second.events, held);
      return now.messages.length === serverRows.length && now.messages.every((m) => m.status !== "STREAMING")
        ? true
        : undefined;
    },
    15_000,
    "the resumed transcript to settle",
  );
  second.stop();

  const resumed = assemble(second.events, held);
  assert.deepEqual(
    resumed.messages.map((m) => [m.id, m.role, m.status, m.content]),
    serverRows.map((m) => [m.id, m.role.toUpperCase(), m.status.toUpperCase(), m.content]),
  );
  // The resumed stream started exactly after what we held.
  assert.equal(storedSeqs(second.events)[0], held.lastSeq + 1);
});

test("the legacy graphql-ws subprotocol is refused at the handshake", async () => {
  for (const protocols of [["graphql-ws"], []]) {
    const ws = new WebSocket(t.wsUrl, protocols);
    const status = await new Promise<number>((resolve, reject) => {
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => reject(new Error("the handshake was accepted")));
    });
    assert.equal(status, 400);
  }
});

test("a socket that stops answering pings is dropped, and one that answers stays open", async () => {
  const quick = await startTestApp({ WS_KEEPALIVE_MS: "150" });
  try {
    const open = (autoPong: boolean) => {
      const ws = new WebSocket(quick.wsUrl, "graphql-transport-ws", { autoPong });
      const closed = closeCode(ws);
      let pings = 0;
      ws.on("ping", () => pings++);
      ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init" })));
      const acked = new Promise((resolve) =>
        ws.on("message", (raw) => JSON.parse(String(raw)).type === "connection_ack" && resolve(true)),
      );
      return { ws, closed, acked, pings: () => pings };
    };
    const silent = open(false);
    const answering = open(true);
    await Promise.all([silent.acked, answering.acked]);
    // The silent one is pinged, does not answer, and is cut off at the next round.
    assert.equal(await silent.closed, 1006);
    assert.ok(silent.pings() >= 1, "it was pinged before it was dropped");
    // The answering one outlives several rounds.
    await eventually(() => (answering.pings() >= 4 ? true : undefined), 10_000, "four pings answered");
    assert.equal(answering.ws.readyState, WebSocket.OPEN);
    answering.ws.close();
    await answering.closed;
    await eventually(
      () => (quick.app.services.metrics.connections() === 0 ? true : undefined),
      5_000,
      "no socket left",
    );
  } finally {
    await quick.close();
  }
});

test("an invalid token in connection_init closes the socket with 4403", async () => {
  const ws = new WebSocket(t.wsUrl, "graphql-transport-ws");
  await new Promise((r) => ws.on("open", r));
  ws.send(JSON.stringify({ type: "connection_init", payload: { token: "ct_not-a-real-token" } }));
  assert.equal(await closeCode(ws), 4403);
});

test("an anonymous subscriber gets UNAUTHENTICATED", async () => {
  const conv = await startConversation(t);
  const sub = collect(t.ws(), conv.id, 0);
  await sub.done;
  assert.equal((sub.errors[0] as { extensions?: { code?: string } }).extensions?.code, "UNAUTHENTICATED");
  assert.equal(sub.events.length, 0);
});

test("a socket subscription with a control character is BAD_INPUT, and another customer's conversation is NOT_FOUND", async () => {
  const mine = await startConversation(t);
  const theirs = await startConversation(t);
  const bad = collect(t.ws(mine.token), "a\u202Eb", 0);
  await bad.done;
  assert.equal((bad.errors[0] as { extensions?: { code?: string } }).extensions?.code, "BAD_INPUT");
  assert.match((bad.errors[0] as { message: string }).message, /control or direction-override/);
  const other = collect(t.ws(mine.token), theirs.id, 0);
  await other.done;
  assert.equal((other.errors[0] as { extensions?: { code?: string } }).extensions?.code, "NOT_FOUND");
});

test("every plugin that hooks subscribing is one the socket's own subscribe (subscribe.ts) does the work of", () => {
  // Sockets subscribe without envelop's per-subscription hooks; a plugin that adds one must have
  // its work brought to server/graphql/subscribe.ts (then count it here). Today's hooks: Yoga's
  // abort passthrough, result processor and request cancellation (HTTP only), error masking and
  // the input floor, plus the operation's span when tracing is on.
  const plugins = (t.app.yoga as unknown as { plugins: Array<{ onSubscribe?: unknown }> }).plugins;
  const hooking = plugins.filter((p) => typeof p.onSubscribe === "function").length;
  assert.equal(hooking, 5 + (t.app.services.tracing.enabled ? 1 : 0));
});
