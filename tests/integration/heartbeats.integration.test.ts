import assert from "node:assert/strict";
import { after, test } from "node:test";
import { and, eq, inArray } from "drizzle-orm";
import { messages } from "../../drizzle/schema.ts";
import { Heartbeats } from "../../server/ai/heartbeats.ts";
import { writeWithEvents } from "../../server/conversations/log.ts";
import { insertMessage } from "../../server/conversations/messages.ts";
import type { Database } from "../../server/db/client.ts";
import { eventually, send, startConversation, startTestApp, type TestApp } from "../support/app.ts";

const apps: TestApp[] = [];
after(() => Promise.all(apps.map((a) => a.close())));

test("every streaming reply's heartbeat is one statement; a reply taken away is told, the others keep their text", async () => {
  const t = await startTestApp();
  apps.push(t);
  const { db, bus } = t.app.services;
  const streaming = async () => {
    const conv = await startConversation(t);
    return writeWithEvents(db, bus, (tx, batch) =>
      insertMessage(tx, batch, conv.id, { role: "agent", content: "", status: "streaming", heartbeatAt: new Date(0) }),
    );
  };
  const replies = [await streaming(), await streaming(), await streaming()];
  // Counts the statements the heartbeat sends.
  let statements = 0;
  const counted = new Proxy(db, {
    get: (target, key, receiver) =>
      key === "execute"
        ? (...args: unknown[]) => {
            statements++;
            return (target.execute as (...a: unknown[]) => unknown).apply(target, args);
          }
        : Reflect.get(target, key, receiver),
  }) as Database;
  const hearts = new Heartbeats(counted, 60_000, t.app.services.log);
  const texts = new Map(replies.map((r, i) => [r.id, `Reply ${i} so far`]));
  const lost = new Set<string>();
  const told: string[] = [];
  for (const r of replies)
    hearts.add({
      messageId: r.id,
      text: () => texts.get(r.id)!,
      lost: () => lost.add(r.id),
      persisted: (text) => told.push(text),
    });

  const at = new Date();
  await hearts.beat(at);
  assert.equal(statements, 1);
  const stored = async () =>
    new Map(
      (
        await db
          .select({ id: messages.id, content: messages.content, heartbeatAt: messages.heartbeatAt })
          .from(messages)
          .where(
            inArray(
              messages.id,
              replies.map((r) => r.id),
            ),
          )
      ).map((r) => [r.id, r]),
    );
  for (const [i, r] of replies.entries()) {
    assert.equal((await stored()).get(r.id)?.content, `Reply ${i} so far`);
    assert.equal((await stored()).get(r.id)?.heartbeatAt?.getTime(), at.getTime());
  }
  assert.deepEqual(told.sort(), ["Reply 0 so far", "Reply 1 so far", "Reply 2 so far"]);

  // The first reply is failed by someone else (a sweeper); the second streams on; the third's text stands still.
  await db.update(messages).set({ status: "failed", content: "cut" }).where(eq(messages.id, replies[0]!.id));
  texts.set(replies[0]!.id, "Reply 0 went on");
  texts.set(replies[1]!.id, "Reply 1 so far, and more");
  told.length = 0;
  await hearts.beat(new Date(at.getTime() + 1000));
  assert.equal(statements, 2);
  assert.deepEqual([...lost], [replies[0]!.id], "only the reply taken away is told it is lost");
  assert.deepEqual(told, ["Reply 1 so far, and more"], "only changed text is stored and announced");
  const now = await stored();
  assert.equal(now.get(replies[0]!.id)?.content, "cut", "a reply that is no longer streaming is left alone");
  assert.equal(now.get(replies[1]!.id)?.content, "Reply 1 so far, and more");
  assert.equal(now.get(replies[2]!.id)?.content, "Reply 2 so far");
  assert.equal(now.get(replies[2]!.id)?.heartbeatAt?.getTime(), at.getTime() + 1000, "its heartbeat still moves");
  hearts.close();
});

test("a sweep never fails a reply this instance is still streaming, however stale it looks; a real orphan it fails", async () => {
  // Words slow enough that the reply is still streaming while the test looks.
  const t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "100" });
  apps.push(t);
  const { db, bus, runner } = t.app.services;
  const live = await startConversation(t);
  await send(t, live, "My router keeps dropping the connection every evening, what can I do?");
  const streaming = await eventually(
    async () => {
      const [row] = await db
        .select({ id: messages.id })
        .from(messages)
        .where(and(eq(messages.conversationId, live.id), eq(messages.status, "streaming")));
      return row;
    },
    10_000,
    "a streaming reply",
  );
  // A reply whose writer is gone: streaming, and nobody beats for it.
  const gone = await startConversation(t);
  const orphan = await writeWithEvents(db, bus, (tx, batch) =>
    insertMessage(tx, batch, gone.id, { role: "agent", content: "", status: "streaming", heartbeatAt: new Date() }),
  );
  // A minute later by the sweep's clock, both heartbeats are stale. (On a shared Postgres the
  // sweep may also take what other tests' apps left streaming: only these two are looked at.)
  await runner.sweepOrphans(new Date(Date.now() + 60_000));
  const status = async (id: string) =>
    (await db.select({ status: messages.status }).from(messages).where(eq(messages.id, id)))[0]?.status;
  assert.equal(await status(orphan.id), "failed");
  assert.equal(await status(streaming.id), "streaming", "the live reply streams on");
  await runner.idle();
  assert.equal(await status(streaming.id), "complete");
});
