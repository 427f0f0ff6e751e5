import assert from "node:assert/strict";
import { after, test } from "node:test";
import { eq, sql } from "drizzle-orm";
import { conversations, messages } from "../../drizzle/schema.ts";
import { openDatabase, rowsOf, type DatabaseHandle, type Queryable } from "../../server/db/client.ts";
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
    // The driver as installed (patches/postgres+3.4.9.patch): unpatched, a BEGIN sent onto a
    // connection whose pipeline it fills is never reserved, so the transaction fails with
    // UNSAFE_TRANSACTION or another BEGIN lands in it (PostgreSQL's 25001 notice).
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
