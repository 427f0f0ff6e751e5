/**
 * Customer tokens: every customer request resolves one, so the grant is kept in memory once read.
 * What the database says decides: an expired grant is refused, an unknown token is asked about
 * again next time, and the memory is bounded.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { sql } from "drizzle-orm";
import { conversations } from "../../drizzle/schema.ts";
import { hashToken } from "../../server/auth/tokens.ts";
import { TOKEN_CACHE_SIZE, findConversationByToken } from "../../server/conversations/service.ts";
import { openDatabase, type DatabaseHandle, type Queryable } from "../../server/db/client.ts";

let handle: DatabaseHandle;
before(async () => {
  handle = await openDatabase({ url: process.env.DATABASE_URL, pgliteDir: "memory://", poolMax: 2 });
});
after(() => handle.close());

/** The database as the lookup sees it, counting the statements it runs. */
function counting(db: Queryable): { db: Queryable; statements: () => number } {
  let n = 0;
  const proxy = new Proxy(db, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === "execute") n++;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: proxy, statements: () => n };
}

async function conversationWithToken(token: string, expiresAt: Date) {
  const [row] = await handle.db
    .insert(conversations)
    .values({ customerName: "Token Tess", tokenHash: hashToken(token), tokenExpiresAt: expiresAt })
    .returning();
  return row!;
}

test("a token is read from the database once, then known until it expires", async () => {
  const expiresAt = new Date(Date.now() + 60_000);
  const token = `ct_once_${crypto.randomUUID()}`;
  const conversation = await conversationWithToken(token, expiresAt);
  const { db, statements } = counting(handle.db);
  assert.deepEqual(await findConversationByToken(db, token), { id: conversation.id, expiresAt });
  assert.deepEqual(await findConversationByToken(db, token), { id: conversation.id, expiresAt });
  assert.equal(statements(), 1, "the second use needed no statement");
  // Past its expiry the same grant is refused, though it was known.
  assert.equal(await findConversationByToken(db, token, new Date(expiresAt.getTime() + 1)), null);
});

test("an unknown token is asked about each time: a conversation started since is found", async () => {
  const token = `ct_later_${crypto.randomUUID()}`;
  const { db, statements } = counting(handle.db);
  assert.equal(await findConversationByToken(db, token), null);
  const conversation = await conversationWithToken(token, new Date(Date.now() + 60_000));
  assert.equal((await findConversationByToken(db, token))?.id, conversation.id);
  assert.equal(statements(), 2);
});

test(`at most ${TOKEN_CACHE_SIZE} grants are kept, the oldest dropped first`, async () => {
  const prefix = `ct_many_${crypto.randomUUID()}_`;
  const count = TOKEN_CACHE_SIZE + 1;
  await handle.db.execute(sql`
    insert into ${conversations} (customer_name, token_hash, token_expires_at)
    select 'Many', encode(sha256(convert_to(${prefix} || g, 'UTF8')), 'hex'), now() + interval '1 hour'
    from generate_series(1, ${count}::int) g`);
  const { db, statements } = counting(handle.db);
  for (let i = 1; i <= count; i++) assert.ok(await findConversationByToken(db, `${prefix}${i}`), `token ${i}`);
  assert.equal(statements(), count);
  assert.ok(await findConversationByToken(db, `${prefix}${count}`));
  assert.equal(statements(), count, "the newest is still known");
  assert.ok(await findConversationByToken(db, `${prefix}1`));
  assert.equal(statements(), count + 1, "the oldest was dropped and read again");
});
