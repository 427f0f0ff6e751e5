import assert from "node:assert/strict";
import { after, test } from "node:test";
import { eq, sql } from "drizzle-orm";
import { conversations, messages } from "../../drizzle/schema.ts";
import net from "node:net";
import postgres from "postgres";
import { migrationState, openDatabase, rowsOf, type DatabaseHandle, type Queryable } from "../../server/db/client.ts";
import { lastStatement } from "../../server/db/pipelined-transactions.ts";
import { tableRows } from "../../server/db/table-rows.ts";

const url = process.env.DATABASE_URL;
const skip = url ? false : "needs Postgres (DATABASE_URL)";
const handles: DatabaseHandle[] = [];
after(() => Promise.all(handles.map((h) => h.close())));

/** Runs a parameterised Drizzle query, then lists what this connection has prepared. */
async function preparedAfterQuery(q: Queryable, customerName: string): Promise<string[]> {
  await q.select({ id: conversations.id }).from(conversations).where(eq(conversations.customerName, customerName));
  const rows = rowsOf<{ statement: string }>(await q.execute(sql`select statement from pg_prepared_statements`));
  return rows.map((r) => r.statement);
}

const isOurSelect = (s: string) => s.includes(`"customer_name" = $1`);

test(
  "each parameterised query on Postgres runs as a prepared statement, in a transaction and a savepoint too",
  { skip },
  async () => {
    const handle = await openDatabase({ url, pgliteDir: "memory://", poolMax: 1 });
    handles.push(handle);
    await handle.db.transaction(async (tx) => {
      assert.ok((await preparedAfterQuery(tx, "Ada")).some(isOurSelect), "prepared inside a transaction");
      await tx.transaction(async (inner) => {
        const statements = await preparedAfterQuery(inner, "Grace");
        assert.equal(statements.filter(isOurSelect).length, 1, "the second run reuses the statement");
      });
    });
    // Prepared statements return the same rows as unnamed ones.
    const [row] = await handle.db
      .insert(conversations)
      .values({ customerName: "Prepared", tokenHash: `prepared-${Date.now()}` })
      .returning();
    const found = await handle.db.select().from(conversations).where(eq(conversations.id, row!.id));
    assert.deepEqual(found, [row]);
  },
);

test(
  "DATABASE_PREPARE=off sends unnamed statements (for a pooler that cannot keep prepared ones)",
  { skip },
  async () => {
    const handle = await openDatabase({ url, pgliteDir: "memory://", poolMax: 1, prepare: false });
    handles.push(handle);
    await handle.db.transaction(async (tx) => {
      assert.deepEqual((await preparedAfterQuery(tx, "Ada")).filter(isOurSelect), []);
    });
  },
);

test(
  "a transaction keeps its connection to itself while every connection is busy and the pipelines are full",
  { skip },
  async () => {
    // postgres.js 3.4.9 sent a BEGIN that filled a connection's pipeline without reserving the
    // connection, so the transaction failed with UNSAFE_TRANSACTION or another BEGIN landed in it
    // (PostgreSQL's 25001 notice); see docs/decisions/019 and 020.
    const { default: postgres } = await import("postgres");
    const notices: string[] = [];
    const outcomes = { committed: 0, refused: [] as string[], plainInsideTransaction: 0 };
    // A short pipeline (an option the driver's types leave out) makes the full pipeline certain.
    const options = { max: 3, max_pipeline: 2, onnotice: (n: { code?: unknown }) => void notices.push(String(n.code)) };
    for (let round = 0; round < 10; round++) {
      const client = postgres(url!, options);
      try {
        await Promise.all([client`select 1`, client`select 1`, client`select 1`]);
        const work: Array<Promise<unknown>> = [0, 1, 2].map(() => client`select pg_sleep(0.1)`);
        for (let i = 0; i < 6; i++)
          work.push(
            client`select current_setting('transaction_isolation') as iso`.then(([row]) => {
              if (row?.iso !== "read committed") outcomes.plainInsideTransaction++;
            }),
          );
        for (let i = 0; i < 5; i++)
          work.push(
            client
              .begin("isolation level serializable", async (tx) => {
                const [row] = await tx`select current_setting('transaction_isolation') as iso`;
                assert.equal(row?.iso, "serializable");
                outcomes.committed++;
              })
              .catch((err: { code?: string; message: string }) => outcomes.refused.push(err.code ?? err.message)),
          );
        await Promise.all(work);
      } finally {
        await client.end({ timeout: 1 });
      }
    }
    assert.deepEqual(outcomes, { committed: 50, refused: [], plainInsideTransaction: 0 });
    assert.deepEqual(notices, []);
  },
);

test("rows read with written-out SQL are the rows Drizzle's select gives: dates, JSON and nulls alike", async () => {
  const handle = await openDatabase({ url, pgliteDir: "memory://", poolMax: 1 });
  handles.push(handle);
  const { db } = handle;
  const [conversation] = await db
    .insert(conversations)
    .values({
      customerName: "Rows",
      tokenHash: `rows-${Date.now()}`,
      tokenExpiresAt: new Date("2030-01-02T03:04:05.678Z"),
    })
    .returning();
  await db.insert(messages).values([
    {
      conversationId: conversation!.id,
      seq: 1,
      role: "agent",
      content: "Hello",
      usage: { inputTokens: 12, outputTokens: 3, model: "m", costUsd: 0.5 },
      mentions: ["a", "b"],
      heartbeatAt: new Date("2030-01-02T03:04:06.001Z"),
    },
    { conversationId: conversation!.id, seq: 2, role: "customer", content: "Hi" },
  ]);
  for (const [table, where] of [
    [conversations, eq(conversations.id, conversation!.id)],
    [messages, eq(messages.conversationId, conversation!.id)],
  ] as const) {
    const built = await db.select().from(table).where(where);
    const written = tableRows(table)(
      await db.execute(
        sql`select * from ${table} where ${table === messages ? sql`conversation_id` : sql`id`} = ${conversation!.id}`,
      ),
    );
    assert.equal(written.length, table === messages ? 2 : 1);
    assert.deepEqual(
      [...written].sort((a, b) => String(a.id).localeCompare(String(b.id))),
      [...built].sort((a, b) => String(a.id).localeCompare(String(b.id))),
    );
  }
});

/** Counts the writes to every socket while `work` runs: each is a packet to Postgres (or a wake-up of it). */
async function socketWrites(work: () => Promise<unknown>): Promise<number> {
  let writes = 0;
  const write = net.Socket.prototype.write;
  net.Socket.prototype.write = function (this: net.Socket, ...args: unknown[]) {
    writes++;
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof write;
  try {
    await work();
  } finally {
    net.Socket.prototype.write = write;
  }
  return writes;
}

/** A database on Postgres (closed after this file) with the probe table the pipelining tests write to. */
async function probeDatabase(poolMax: number) {
  const handle = await openDatabase({ url, pgliteDir: "memory://", poolMax });
  handles.push(handle);
  await handle.db.execute(sql`create table if not exists pipelined_probe (id serial primary key, note text not null)`);
  return handle.db;
}
const insertNote = (note: string | null) => sql`insert into pipelined_probe (note) values (${note})`;
const notesLike = async (q: Queryable, prefix: string) =>
  rowsOf<{ note: string }>(
    await q.execute(sql`select note from pipelined_probe where note like ${`${prefix}%`} order by id`),
  ).map((r) => r.note);

test(
  "a transaction on Postgres sends BEGIN with its first statements and COMMIT with its marked last one",
  { skip },
  async () => {
    const db = await probeDatabase(1);
    const transaction = (last: boolean) =>
      db.transaction(async (tx) => {
        await Promise.all([tx.execute(sql`select ${1}::int as one`), tx.execute(sql`select ${2}::int as two`)]);
        await (last ? lastStatement(tx) : tx).execute(insertNote(`writes-${last}`));
      });
    // Once, so every statement is prepared on the connection and the counts are the steady ones.
    await transaction(true);
    await transaction(false);
    // BEGIN with the two selects; the insert; COMMIT (the driver alone: BEGIN, selects, insert, COMMIT).
    assert.equal(await socketWrites(() => transaction(false)), 3);
    // BEGIN with the two selects; the insert with its COMMIT.
    assert.equal(await socketWrites(() => transaction(true)), 2);
    assert.deepEqual(await notesLike(db, "writes-"), ["writes-true", "writes-false", "writes-false", "writes-true"]);
  },
);

test(
  "a pipelined transaction still commits all or nothing: a throw, a failed last statement, a savepoint, a statement after the last",
  { skip },
  async () => {
    const db = await probeDatabase(2);
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.execute(insertNote("acid-thrown"));
        throw new Error("changed my mind");
      }),
      /changed my mind/,
    );
    // The last statement fails (a null note): its COMMIT is answered with ROLLBACK, the first insert goes too.
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.execute(insertNote("acid-before-failed-last"));
        await lastStatement(tx).execute(insertNote(null));
      }),
      (error: Error & { cause?: { code?: string } }) => error.cause?.code === "23502",
    );
    // A statement that failed without being awaited aborts the transaction; the COMMIT says so.
    await assert.rejects(
      db.transaction(async (tx) => {
        tx.execute(insertNote(null)).catch(() => {});
        await tx.execute(sql`select 1`).catch(() => {});
      }),
      /rolled back/,
    );
    await db.transaction(async (tx) => {
      await tx.execute(insertNote("acid-outer"));
      await assert.rejects(
        tx.transaction(async (inner) => {
          await inner.execute(insertNote("acid-inner"));
          throw new Error("inner only");
        }),
        /inner only/,
      );
    });
    // Nothing may follow the last statement: it is refused before it is sent.
    await assert.rejects(
      db.transaction(async (tx) => {
        await lastStatement(tx).execute(insertNote("acid-last"));
        await tx.execute(insertNote("acid-after-last"));
      }),
      (error: Error & { cause?: Error }) => /nothing may follow/.test(String(error.cause?.message)),
    );
    assert.deepEqual(await notesLike(db, "acid-"), ["acid-outer", "acid-last"]);
  },
);

test("transactions and plain queries fired together on a small pool never share a transaction", { skip }, async () => {
  const db = await probeDatabase(3);
  const seen: string[] = [];
  const work: Array<Promise<unknown>> = [];
  for (let i = 0; i < 60; i++) {
    work.push(
      db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('application_name', ${`tx-${i}`}, true)`);
        await tx.execute(sql`select pg_sleep(0.002)`);
        const [row] = rowsOf<{ name: string }>(
          await tx.execute(sql`select current_setting('application_name') as name`),
        );
        assert.equal(row?.name, `tx-${i}`);
      }),
      db
        .execute(sql`select current_setting('application_name') as name`)
        .then((r) => void seen.push(rowsOf<{ name: string }>(r)[0]!.name)),
    );
  }
  await Promise.all(work);
  assert.equal(seen.length, 60);
  assert.deepEqual(
    seen.filter((name) => name.startsWith("tx-")),
    [],
    "no plain query ran inside a transaction",
  );
});

test(
  "a Postgres connection cut under a query or a transaction fails them, and the pool goes on",
  { skip },
  async () => {
    // postgres.js 3.4.9 left the next queries waiting for ever when Postgres closed a connection
    // as a query was written to it (docs/decisions/020).
    const db = await probeDatabase(1);
    const admin = postgres(url!, { max: 1, onnotice: () => {} });
    try {
      const pid = async (q: Queryable) =>
        rowsOf<{ pid: number }>(await q.execute(sql`select pg_backend_pid() as pid`))[0]!.pid;
      const cut = async (backend: number) => {
        await admin`select pg_terminate_backend(${backend})`;
      };
      const withDeadline = <T>(p: Promise<T>, what: string) =>
        Promise.race([
          p,
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error(`${what} is still waiting`)), 10_000).unref(),
          ),
        ]);

      // Under a plain query: the query fails (or, if the pool noticed first, runs on a new connection).
      await cut(await pid(db));
      await withDeadline(
        db.execute(sql`select 1`).catch(() => null),
        "the query on the cut connection",
      );
      // Under a transaction: it fails, and what it wrote is not there.
      await assert.rejects(
        withDeadline(
          db.transaction(async (tx) => {
            await tx.execute(insertNote("cut-in-transaction"));
            await cut(await pid(tx));
            await tx.execute(sql`select 1`);
          }),
          "the cut transaction",
        ),
        (error: Error) => !/still waiting/.test(error.message),
      );
      for (let i = 0; i < 3; i++) {
        const rows = await withDeadline(db.execute(sql`select ${i}::int as n`), `query ${i} after the cuts`);
        assert.equal(rowsOf<{ n: number }>(rows)[0]?.n, i);
      }
      assert.deepEqual(await notesLike(db, "cut-"), []);
    } finally {
      await admin.end({ timeout: 1 });
    }
  },
);

test(
  "instances starting together on a fresh database take turns to migrate, and every one starts",
  { skip },
  async () => {
    // A database of its own, with nothing in it: the migrations have not run yet.
    const name = `tandem_migrate_${process.pid}_${Date.now()}`;
    const admin = postgres(url!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const fresh = new URL(url!);
    fresh.pathname = `/${name}`;
    const started: DatabaseHandle[] = [];
    try {
      const opened = await Promise.allSettled(
        [0, 1, 2].map(() => openDatabase({ url: fresh.href, pgliteDir: "memory://", poolMax: 1 })),
      );
      for (const o of opened) if (o.status === "fulfilled") started.push(o.value);
      assert.deepEqual(
        opened.map((o) => (o.status === "rejected" ? String((o.reason as Error).message).slice(0, 120) : "started")),
        ["started", "started", "started"],
      );
      for (const handle of started) assert.equal((await migrationState(handle.db)).upToDate, true);
    } finally {
      await Promise.all(started.map((h) => h.close()));
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 1 });
    }
  },
);
