import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { asc, eq } from "drizzle-orm";
import { messages } from "../../drizzle/schema.ts";
import { INTERRUPTED_NOTICE } from "../../server/ai/runner.ts";
import { writeWithEvents } from "../../server/conversations/log.ts";
import { insertMessage } from "../../server/conversations/messages.ts";
import {
  eventually,
  FILE_NAMESPACE,
  HISTORY,
  SEND,
  START,
  startConversation,
  startTestApp,
  type TestApp,
} from "../support/app.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
let dataDir: string;
before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "tandem-restart-"));
});
after(() => rm(dataDir, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** The real server, as a separate process we can kill. Same database across restarts. */
async function startServer(port: number, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["server/index.ts"], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "test",
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "error",
      OFFLINE_MODEL_DELAY_MS: "40",
      STREAM_STALE_AFTER_MS: "1000",
      PGLITE_DIR: path.join(dataDir, "db"),
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
      ...env,
    },
  });
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
      return ok ? true : undefined;
    },
    60_000,
    "the server to start",
  );
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  // A child killed by a signal has no exit code, only a signal code.
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((r) => child.once("exit", (code) => r(code)));
}

async function gql<T>(port: number, query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

type Row = { role: string; status: string; content: string };
async function history(port: number, id: string, token: string): Promise<Row[]> {
  const data = await gql<{ conversation: { messages: { edges: Array<{ node: Row }> } } }>(
    port,
    HISTORY,
    { id, last: 50 },
    token,
  );
  return data.conversation.messages.edges.map((e) => e.node);
}

/**
 * Starts a conversation on the server at `port` and returns once the AI's reply to it is
 * genuinely mid-stream (partial text persisted), so a kill cuts it off.
 */
async function replyInMidStream(port: number, name: string): Promise<{ id: string; token: string }> {
  const { startConversation: started } = await gql<{
    startConversation: { token: string; conversation: { id: string } };
  }>(port, START, { name });
  const { token } = started;
  const id = started.conversation.id;
  await gql(
    port,
    SEND,
    { input: { conversationId: id, content: "My laptop will not boot at all", clientMessageId: crypto.randomUUID() } },
    token,
  );
  await eventually(
    async () => {
      const rows = await history(port, id, token);
      return rows.some((r) => r.role === "AGENT" && r.status === "STREAMING" && r.content.length > 0)
        ? true
        : undefined;
    },
    15_000,
    "a reply in mid-stream",
  );
  return { id, token };
}

for (const signal of ["SIGKILL", "SIGTERM"] as const) {
  test(`a reply interrupted by ${signal} is failed visibly and answered again after restart`, async () => {
    const port = await freePort();
    let server = await startServer(port);
    try {
      const { id, token } = await replyInMidStream(port, "Restart");
      server.kill(signal);
      const code = await exited(server);
      if (signal === "SIGTERM") assert.equal(code, 0, "graceful shutdown exits cleanly");

      server = await startServer(port);
      const settled = await eventually(
        async () => {
          const rows = await history(port, id, token);
          const done = rows.at(-1)?.role === "AGENT" && rows.at(-1)?.status === "COMPLETE";
          return done ? rows : undefined;
        },
        30_000,
        "the conversation to settle",
      );
      // Triage hands the laptop to Technical Support, whose reply is the one cut off.
      assert.deepEqual(
        settled.map((r) => [r.role, r.status]),
        [
          ["CUSTOMER", "COMPLETE"],
          ["SYSTEM", "COMPLETE"],
          ["AGENT", "FAILED"],
          ["SYSTEM", "COMPLETE"],
          ["AGENT", "COMPLETE"],
        ],
      );
      assert.equal(settled[3]!.content, INTERRUPTED_NOTICE);
      assert.ok(settled[2]!.content.length > 0, "the partial text is kept, marked failed");
      assert.ok(!settled.some((r) => r.status === "STREAMING"));
    } finally {
      server.kill("SIGTERM");
      await exited(server);
    }
  });
}

for (const signal of ["SIGKILL", "SIGTERM"] as const) {
  test(
    `with two instances, a reply cut off by ${signal} on one is answered by the other within 3 s`,
    { skip: !(process.env.DATABASE_URL && process.env.REDIS_URL) && "needs DATABASE_URL and REDIS_URL" },
    async () => {
      // Leases of 1.5 s (the default is 2 s): a dead writer is noticed within a lease and a sweep.
      const shared = { REDIS_URL: process.env.REDIS_URL!, REDIS_NAMESPACE: FILE_NAMESPACE, INSTANCE_LEASE_MS: "1500" };
      const survivor = await startTestApp({ ...shared, OFFLINE_MODEL_DELAY_MS: "40", STREAM_STALE_AFTER_MS: "60000" });
      const port = await freePort();
      const doomed = await startServer(port, { ...shared, STREAM_STALE_AFTER_MS: "60000" });
      try {
        const { id } = await replyInMidStream(port, "Failover");
        const killedAt = Date.now();
        doomed.kill(signal);
        // The other instance fails the cut-off reply visibly (or finds the notice the stopping one
        // wrote) and starts answering again.
        const answering = await eventually(
          async () => {
            const rows = await survivorHistory(survivor, id);
            const notice = rows.findIndex((r) => r.content === INTERRUPTED_NOTICE);
            return notice >= 0 && rows.slice(notice + 1).some((r) => r.role === "agent") ? Date.now() : undefined;
          },
          10_000,
          "the other instance to answer again",
        );
        assert.ok(answering - killedAt < 3000, `answered again after ${answering - killedAt} ms`);
        const settled = await eventually(
          async () => {
            const rows = await survivorHistory(survivor, id);
            return rows.at(-1)?.role === "agent" && rows.at(-1)?.status === "complete" ? rows : undefined;
          },
          20_000,
          "the new answer to complete",
        );
        const cut = settled.find((r) => r.role === "agent" && r.status === "failed");
        assert.ok(cut && cut.content.length > 0, "the text the customer already saw is kept, marked failed");
        assert.equal(settled.filter((r) => r.content === INTERRUPTED_NOTICE).length, 1);
      } finally {
        doomed.kill("SIGKILL");
        await exited(doomed);
        await survivor.close();
      }
    },
  );
}

const survivorHistory = (t: TestApp, id: string) =>
  t.app.services.db.select().from(messages).where(eq(messages.conversationId, id)).orderBy(asc(messages.seq));

test(
  "two instances starting together answer an interrupted reply exactly once",
  { skip: process.env.DATABASE_URL ? false : "needs DATABASE_URL: two instances share one database" },
  async () => {
    const a = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "20" });
    const b = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "20" });
    try {
      // The state a shutdown leaves: a customer message, then the "interrupted" notice.
      const conv = await startConversation(a);
      await writeWithEvents(a.app.services.db, a.app.services.bus, async (tx, batch) => {
        await insertMessage(tx, batch, conv.id, { role: "customer", content: "Is the service down?" });
        await insertMessage(tx, batch, conv.id, {
          role: "system",
          content: INTERRUPTED_NOTICE,
          notice: "ai_interrupted",
        });
      });
      await Promise.all([a.app.services.runner.resumePendingTurns(), b.app.services.runner.resumePendingTurns()]);
      await Promise.all([a.app.services.runner.idle(), b.app.services.runner.idle()]);
      const rows = await a.app.services.db.select().from(messages).where(eq(messages.conversationId, conv.id));
      const replies = rows.filter((m) => m.role === "agent" && m.status === "complete");
      assert.equal(replies.length, 1, `exactly one answer: ${rows.map((m) => `${m.role}:${m.status}`).join(", ")}`);
    } finally {
      await a.close();
      await b.close();
    }
  },
);
