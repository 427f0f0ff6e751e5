import { sql } from "drizzle-orm";
import type { ReservedSql, Sql, TransactionSql } from "postgres";
import type { Executor, Transaction } from "./client.ts";

/**
 * Ends a statement that is its transaction's last: on Postgres, COMMIT goes out right behind it,
 * in the same write, instead of after its answer (see `pipeliningTransactions`). Elsewhere it is
 * only a comment. Put it on the last statement only: nothing may run in the transaction after it.
 */
const LAST_STATEMENT = "/* last statement: commit */";

/**
 * The executor for a transaction's last statement: on Postgres its COMMIT goes out in the same
 * write, so the transaction ends one round trip sooner. Nothing may run in the transaction after
 * it; on Postgres, a statement that tries is refused. (This module imports no runtime code of the
 * database client, so domain modules that the browser bundle also reaches can use it.)
 */
export function lastStatement(tx: Transaction): Executor {
  return { execute: (query) => tx.execute(sql`${query} ${sql.raw(LAST_STATEMENT)}`) };
}

/**
 * postgres.js whose transactions carry no round trips of their own: BEGIN goes out in the same
 * write as the transaction's first statement, and COMMIT in the same write as a statement marked
 * as the last (`LAST_STATEMENT`).
 *
 * The driver's own `begin` sends BEGIN and waits for its answer before it runs the transaction's
 * callback, then sends COMMIT once the callback has resolved: two round trips, and two socket
 * writes that wake Postgres, carrying nothing. Here the transaction takes a connection of its own
 * (`reserve`), queues BEGIN on it without waiting, and runs the callback at once; Postgres runs
 * what a connection sends in order, and a statement that fails aborts the transaction for those
 * behind it. Everything else is as the driver does it: COMMIT when the callback resolves (unless
 * its last statement took it along), ROLLBACK when it throws, savepoints for nested transactions,
 * and a COMMIT that Postgres answers with ROLLBACK is an error. The connection goes back to the
 * pool at the end; the driver closes it instead if it is still inside a transaction, and a
 * connection that was lost is the pool's already.
 */
export function pipeliningTransactions(client: Sql): Sql {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === "begin") return (...args: unknown[]) => transaction(target, args);
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

type Callback = (tx: TransactionSql) => unknown;
type Pending = ReturnType<ReservedSql["unsafe"]>;

/** `begin([mode], callback)`, as the driver takes it. */
function parse(args: unknown[]): { mode: string; fn: Callback } {
  return typeof args[0] === "function"
    ? { mode: "", fn: args[0] as Callback }
    : { mode: String(args[0]), fn: args[1] as Callback };
}

async function transaction(client: Sql, args: unknown[]): Promise<unknown> {
  const { mode, fn } = parse(args);
  const connection = await client.reserve();
  try {
    // Queued, not awaited: it goes out with the callback's first statement. If it fails (the
    // connection lost), so does everything queued behind it; that is reported below.
    const begun = connection.unsafe(`begin ${mode.replace(/[^a-z ]/gi, "")}`).execute();
    begun.catch(() => {});
    const scope = transactionScope(connection);
    let result: unknown;
    try {
      result = await fn(scope.tx);
      await begun;
    } catch (error) {
      // With the last statement's COMMIT sent there is nothing left to roll back: the statement
      // failed (and Postgres answered the COMMIT with ROLLBACK), or what failed came after it.
      if (scope.committing) await scope.committing.catch(() => {});
      else await connection.unsafe("rollback").catch(() => {});
      throw error;
    }
    const done = await (scope.committing ?? connection.unsafe("commit"));
    if (done.command !== "COMMIT")
      throw new Error("The transaction was rolled back: one of its statements failed without being awaited.");
    return result;
  } finally {
    connection.release();
  }
}

/**
 * The reserved connection as a transaction's client: `savepoint` (and a nested `begin`) runs a
 * nested transaction, and a statement marked `LAST_STATEMENT` takes the COMMIT along.
 */
function transactionScope(connection: ReservedSql) {
  let savepoints = 0;
  let depth = 0;
  const scope: { tx: TransactionSql; committing: Pending | null } = {
    tx: new Proxy(connection, {
      get(target, prop, receiver) {
        if (prop === "savepoint" || prop === "begin") return savepoint;
        if (prop === "unsafe") return unsafe;
        return Reflect.get(target, prop, receiver) as unknown;
      },
    }) as unknown as TransactionSql,
    committing: null,
  };
  function unsafe(...args: Parameters<ReservedSql["unsafe"]>): Pending {
    if (scope.committing) throw new Error("The transaction's last statement has been sent: nothing may follow it.");
    const query = (connection.unsafe as (...a: unknown[]) => Pending)(...args);
    if (!args[0].endsWith(LAST_STATEMENT)) return query;
    if (depth > 0) throw new Error("A savepoint's statement cannot be its transaction's last.");
    // The statement first, then COMMIT behind it: the driver sends in the order they are executed.
    query.execute();
    scope.committing = connection.unsafe("commit").execute();
    scope.committing.catch(() => {});
    return query;
  }
  async function savepoint(...args: unknown[]): Promise<unknown> {
    const fn = args.find((a): a is Callback => typeof a === "function")!;
    const name = `s${savepoints++}`;
    await connection.unsafe(`savepoint ${name}`);
    depth++;
    try {
      return await fn(scope.tx);
    } catch (error) {
      await connection.unsafe(`rollback to ${name}`);
      throw error;
    } finally {
      depth--;
    }
  }
  return scope;
}
