import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { count, eq, sql } from "drizzle-orm";
import { messages } from "../../drizzle/schema.ts";
import { rowsOf } from "../../server/db/client.ts";
import { EventBatch } from "../../server/conversations/log.ts";
import { insertMessage } from "../../server/conversations/messages.ts";
import { lockConversation } from "../../server/conversations/transitions.ts";
import { HISTORY, SEND, eventually, send, startConversation, startTestApp, type TestApp } from "../support/app.ts";

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

async function messageCount(conversationId: string) {
  const [row] = await t.app.services.db
    .select({ n: count() })
    .from(messages)
    .where(eq(messages.conversationId, conversationId));
  return row!.n;
}

describe("sendMessage", () => {
  test("a retry with the same clientMessageId returns the first message and writes nothing", async () => {
    const conv = await startConversation(t);
    const first = await send(t, conv, "Hello", "client-1");
    const retry = await send(t, conv, "Hello", "client-1");
    assert.equal(first.data!.sendMessage.duplicate, false);
    assert.equal(retry.data!.sendMessage.duplicate, true);
    assert.equal(retry.data!.sendMessage.message.id, first.data!.sendMessage.message.id);
    await t.app.services.runner.idle();
    // One customer message and one AI reply: the retry started no second turn.
    assert.equal(await messageCount(conv.id), 2);
  });

  test("concurrent retries of one message create exactly one", async () => {
    const conv = await startConversation(t);
    const results = await Promise.all(Array.from({ length: 8 }, () => send(t, conv, "Same message", "client-race")));
    const ids = new Set(results.map((r) => r.data!.sendMessage.message.id));
    assert.equal(ids.size, 1);
    assert.equal(results.filter((r) => !r.data!.sendMessage.duplicate).length, 1);
    await t.app.services.runner.idle();
    assert.equal(await messageCount(conv.id), 2);
  });

  test(
    "a retry that commits while the message waits for the conversation's lock is answered as the duplicate",
    { skip: process.env.DATABASE_URL ? false : "needs Postgres (DATABASE_URL): two connections at once" },
    async () => {
      const conv = await startConversation(t);
      const { db } = t.app.services;
      const waitingForLocks = async () =>
        rowsOf<{ n: number }>(
          await db.execute(sql`select count(*)::int as n from pg_locks l join pg_stat_activity a using (pid)
            where not l.granted and a.datname = current_database()`),
        )[0]!.n;
      let sending: ReturnType<typeof send> | undefined;
      const first = await db.transaction(async (tx) => {
        await lockConversation(tx, conv.id);
        sending = send(t, conv, "Hello there", "client-lock");
        await eventually(async () => ((await waitingForLocks()) > 0 ? true : undefined), 10_000, "the send to wait");
        // The retry that got in first: stored under the same client id while the send waits.
        return insertMessage(tx, new EventBatch(), conv.id, {
          role: "customer",
          content: "Hello there",
          clientMessageId: "client-lock",
        });
      });
      const answer = (await sending!).data!.sendMessage;
      assert.equal(answer.duplicate, true);
      assert.equal(answer.message.id, first.id);
      await t.app.services.runner.idle();
      const stored = await db.select().from(messages).where(eq(messages.clientMessageId, "client-lock"));
      assert.deepEqual(
        stored.map((m) => m.id),
        [first.id],
      );
    },
  );

  test("reusing a clientMessageId for different content is a CONFLICT", async () => {
    const conv = await startConversation(t);
    await send(t, conv, "One thing", "client-2");
    const r = await send(t, conv, "Another thing", "client-2");
    assert.equal(r.errors?.[0]?.extensions?.code, "CONFLICT");
  });
});

describe("bad input gets a typed error and changes nothing", () => {
  const cases: Array<
    [
      string,
      string,
      (conv: { id: string; token: string }) => Promise<{ errors?: Array<{ extensions?: { code?: string } }> }>,
    ]
  > = [
    ["an empty message", "BAD_INPUT", (conv) => send(t, conv, "   ")],
    ["a message over 4,000 characters", "BAD_INPUT", (conv) => send(t, conv, "x".repeat(4001))],
    ["an id that is not an id", "BAD_INPUT", (conv) => send(t, { ...conv, id: "not-a-uuid" }, "Hi")],
    ["an unknown conversation", "NOT_FOUND", (conv) => send(t, { ...conv, id: crypto.randomUUID() }, "Hi")],
    ["a wrong token", "UNAUTHENTICATED", (conv) => send(t, { ...conv, token: "ct_wrong" }, "Hi")],
    [
      "no token",
      "UNAUTHENTICATED",
      (conv) => t.gql(SEND, { input: { conversationId: conv.id, content: "Hi", clientMessageId: "x" } }),
    ],
    ["an empty clientMessageId", "BAD_INPUT", (conv) => send(t, conv, "Hi", " ")],
  ];
  for (const [name, code, run] of cases) {
    test(name, async () => {
      const conv = await startConversation(t);
      const r = await run(conv);
      assert.equal(r.errors?.[0]?.extensions?.code, code, JSON.stringify(r.errors));
      assert.equal(await messageCount(conv.id), 0);
    });
  }

  test("exactly 4,000 characters is accepted", async () => {
    const conv = await startConversation(t);
    const r = await send(t, conv, "y".repeat(4000));
    assert.equal(r.errors, undefined);
  });

  test("a malformed document is GRAPHQL_PARSE_FAILED", async () => {
    const r = await t.gql("mutation { sendMessage(input: {", {});
    assert.equal(r.errors?.[0]?.extensions?.code, "GRAPHQL_PARSE_FAILED");
  });

  test("an unknown field is GRAPHQL_VALIDATION_FAILED, and a variable of the wrong shape is BAD_USER_INPUT", async () => {
    const conv = await startConversation(t);
    const unknown = await t.gql(`{ conversation(id: "${conv.id}") { secretField } }`, {}, conv.token);
    assert.equal(unknown.errors?.[0]?.extensions?.code, "GRAPHQL_VALIDATION_FAILED");
    const wrongShape = await t.gql(SEND, { input: { conversationId: conv.id, content: 42 } }, conv.token);
    assert.equal(wrongShape.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
    assert.match(wrongShape.errors?.[0]?.message ?? "", /clientMessageId|content/);
    const history = await t.gql<{ conversation: { lastSeq: number } }>(HISTORY, { id: conv.id }, conv.token);
    assert.equal(history.data?.conversation.lastSeq, 0, "nothing was written");
  });

  test("an over-deep or over-aliased query is refused by the armor limits", async () => {
    const conv = await startConversation(t);
    const aliases = Array.from({ length: 30 }, (_, i) => `a${i}: conversation(id: "${conv.id}") { id }`).join(" ");
    const r = await t.gql(`{ ${aliases} }`, {}, conv.token);
    assert.match(r.errors?.[0]?.message ?? "", /aliases limit/i);
    assert.equal(r.data ?? null, null);
  });

  test("a cross-site form post is refused by CSRF prevention", async () => {
    const conv = await startConversation(t);
    const res = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: `tandem_ct=${conv.token}` },
      body: new URLSearchParams({
        query: `mutation { sendMessage(input: {conversationId: "${conv.id}", content: "hi", clientMessageId: "csrf"}) { duplicate } }`,
      }),
    });
    assert.equal(res.status, 403);
    assert.equal(
      ((await res.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code,
      "FORBIDDEN",
    );
    assert.equal(await messageCount(conv.id), 0);
  });
});

describe("who may read what", () => {
  test("a customer token cannot read another conversation", async () => {
    const mine = await startConversation(t, "Mine");
    const theirs = await startConversation(t, "Theirs");
    await send(t, theirs, "Private: my card ends 4242");
    const r = await t.gql(HISTORY, { id: theirs.id, last: 10 }, mine.token);
    assert.equal(r.errors?.[0]?.extensions?.code, "NOT_FOUND");
    assert.equal(r.data ?? null, null);
    const sendIntoTheirs = await send(t, { id: theirs.id, token: mine.token }, "Injected");
    assert.equal(sendIntoTheirs.errors?.[0]?.extensions?.code, "NOT_FOUND");
  });

  test("history paginates with cursors in both directions", async () => {
    const conv = await startConversation(t);
    for (const text of ["one", "two", "three"]) {
      await send(t, conv, text);
      await t.app.services.runner.idle();
    }
    type Page = {
      conversation: {
        messages: {
          edges: Array<{ cursor: string; node: { content: string; role: string } }>;
          pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string; startCursor: string };
        };
      };
    };
    const firstPage = await t.gql<Page>(HISTORY, { id: conv.id, first: 4 }, conv.token);
    const page1 = firstPage.data!.conversation.messages;
    assert.equal(page1.edges.length, 4);
    assert.equal(page1.pageInfo.hasNextPage, true);
    const second = await t.gql<Page>(HISTORY, { id: conv.id, first: 4, after: page1.pageInfo.endCursor }, conv.token);
    const page2 = second.data!.conversation.messages;
    assert.equal(page2.edges.length, 2);
    assert.equal(page2.pageInfo.hasNextPage, false);
    assert.deepEqual(
      [...page1.edges, ...page2.edges].filter((e) => e.node.role === "CUSTOMER").map((e) => e.node.content),
      ["one", "two", "three"],
    );
    const newest = await t.gql<Page>(HISTORY, { id: conv.id, last: 2 }, conv.token);
    assert.equal(newest.data!.conversation.messages.edges[0]!.node.content, "three");
    assert.equal(newest.data!.conversation.messages.pageInfo.hasPreviousPage, true);
    const bad = await t.gql(HISTORY, { id: conv.id, first: 2, after: "garbage" }, conv.token);
    assert.equal(bad.errors?.[0]?.extensions?.code, "BAD_INPUT");
  });

  test("the AI reply is stored with its author and token usage", async () => {
    const conv = await startConversation(t);
    await send(t, conv, "Hi");
    const reply = await eventually(async () => {
      const r = await t.gql<{
        conversation: {
          messages: {
            edges: Array<{
              node: {
                role: string;
                status: string;
                authorName: string;
                usage: { inputTokens: number; outputTokens: number; model: string } | null;
              };
            }>;
          };
        };
      }>(HISTORY, { id: conv.id, last: 5 }, conv.token);
      return r.data!.conversation.messages.edges.find((e) => e.node.role === "AGENT" && e.node.status === "COMPLETE")
        ?.node;
    });
    assert.equal(reply.authorName, "Triage");
    assert.ok(reply.usage && reply.usage.outputTokens > 0 && reply.usage.inputTokens > 0);
    assert.equal(reply.usage.model, "Tandem offline model");
  });
});
