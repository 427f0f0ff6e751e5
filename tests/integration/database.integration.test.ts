import assert from "node:assert/strict";
import { after, test } from "node:test";
import { eq, sql } from "drizzle-orm";
import { conversations } from "../../drizzle/schema.ts";
import { openDatabase, rowsOf, type DatabaseHandle, type Queryable } from "../../server/db/client.ts";

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
