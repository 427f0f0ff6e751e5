import { mkdir, readFile } from "node:fs/promises";
import { sql } from "drizzle-orm";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { Tracer } from "@opentelemetry/api";
import * as schema from "../../drizzle/schema.ts";
import { endWith, startQuerySpan } from "../ops/tracing.ts";
import { pipeliningTransactions } from "./pipelined-transactions.ts";
import { rowsOf } from "./rows.ts";

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
/** Anything a domain function can run queries on: the database or an open transaction. */
export type Queryable = Database | Transaction;
/** What a writer that sends its own SQL needs: the database, a transaction, or a single statement's turn. */
export type Executor = Pick<Database, "execute">;

export interface DatabaseHandle {
  db: Database;
  driver: "postgres" | "pglite";
  close(): Promise<void>;
}

const migrationsFolder = fileURLToPath(new URL("../../drizzle/migrations", import.meta.url));

/**
 * Postgres when a URL is given, otherwise embedded PGlite. `memory://` keeps PGlite in memory;
 * any other value is a data folder. Migrations are applied on open; re-running them is a no-op.
 */
export async function openDatabase(opts: {
  url?: string;
  pgliteDir: string;
  poolMax?: number;
  /** Postgres: send each parameterised query as a named prepared statement (default on). */
  prepare?: boolean;
  /** With tracing on: a span for every query, in transactions too. */
  tracer?: Tracer;
}): Promise<DatabaseHandle> {
  if (opts.url) {
    const { default: postgres } = await import("postgres");
    const { drizzle } = await import("drizzle-orm/postgres-js");
    const { migrate } = await import("drizzle-orm/postgres-js/migrator");
    // Idle connections are given back after 30 s, so a quiet instance holds few of the server's slots.
    // Connections are also renewed after 30 to 60 minutes (the driver's default), which bounds
    // the prepared statements each one keeps.
    const client = postgres(opts.url, { max: opts.poolMax ?? 10, idle_timeout: 30, onnotice: () => {} });
    // A transaction sends BEGIN with its first statement, and COMMIT with a statement marked as
    // its last (see pipelined-transactions.ts).
    const pipelined = pipeliningTransactions(client);
    let driven: typeof client = opts.prepare === false ? pipelined : preparing(pipelined);
    if (opts.tracer) driven = traced(driven, opts.tracer, "unsafe", ["begin", "savepoint"]);
    const db = drizzle(driven, { schema });
    await inTurn(postgres(opts.url, { max: 1, onnotice: () => {} }), () => migrate(db, { migrationsFolder }));
    return { db: db as unknown as Database, driver: "postgres", close: () => client.end({ timeout: 5 }) };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  const inMemory = opts.pgliteDir === "memory://";
  if (!inMemory) await mkdir(path.resolve(opts.pgliteDir), { recursive: true });
  const client = inMemory ? new PGlite() : new PGlite(path.resolve(opts.pgliteDir));
  const db = drizzle(opts.tracer ? traced(client, opts.tracer, "query", ["transaction"]) : client, { schema });
  await migrate(db, { migrationsFolder });
  return { db: db as unknown as Database, driver: "pglite", close: () => client.close() };
}

/** Any number, the same in every instance: the advisory lock that instances migrate under. */
const MIGRATION_LOCK = 7_338_146_012;

/**
 * Instances that start together on one database take turns to migrate: each holds a session-level
 * advisory lock, on a connection of its own, while it runs the migrations, so the first applies
 * them and the others then find them applied. Without it two instances starting on a fresh
 * database both create the same tables in their own transactions, and one fails. Ending the lock's
 * connection releases the lock, however `run` ended.
 */
async function inTurn(lock: import("postgres").Sql, run: () => Promise<unknown>): Promise<void> {
  try {
    await lock.unsafe(`select pg_advisory_lock(${MIGRATION_LOCK})`);
    await run();
  } finally {
    await lock.end({ timeout: 5 });
  }
}

/** The migrations this code knows and those the database has applied (drizzle's own record). */
export async function migrationState(db: Queryable): Promise<{ expected: number; applied: number; upToDate: boolean }> {
  const journal = JSON.parse(await readFile(path.join(migrationsFolder, "meta/_journal.json"), "utf8")) as {
    entries: Array<{ when: number }>;
  };
  const latest = Math.max(...journal.entries.map((e) => e.when));
  const [row] = rowsOf<{ applied: number; latest: number }>(
    await db.execute(
      sql`select count(*)::int as applied, coalesce(max(created_at), 0)::float8 as latest from drizzle.__drizzle_migrations`,
    ),
  );
  const applied = Number(row?.applied ?? 0);
  // A database a newer version has migrated further is still one this code can run on.
  return { expected: journal.entries.length, applied, upToDate: Number(row?.latest ?? 0) >= latest };
}

export { rowsOf } from "./rows.ts";

/**
 * The driver's client with every SQL call through `run` (the method Drizzle sends SQL through)
 * handed to `wrap`; `scopes` are the methods that hand a transaction's own client to a callback,
 * which gets the same treatment. Everything else passes through untouched.
 */
function intercepting<C extends object>(
  client: C,
  run: string,
  scopes: string[],
  wrap: (call: (...args: unknown[]) => unknown, text: string, ...rest: unknown[]) => unknown,
): C {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (prop === run)
        return (text: string, ...rest: unknown[]) => wrap((...args) => fn.apply(target, args), text, ...rest);
      if (typeof prop === "string" && scopes.includes(prop))
        return (...args: unknown[]) =>
          fn.apply(
            target,
            args.map((a) =>
              typeof a === "function"
                ? (inner: object) => (a as (c: object) => unknown)(intercepting(inner, run, scopes, wrap))
                : a,
            ),
          );
      return fn.bind(target);
    },
  });
}

/**
 * postgres.js with every parameterised query Drizzle sends run as a named prepared statement.
 * Drizzle asks for unnamed ones, and for those the driver first sends Parse and Describe and waits
 * for the parameter types before it binds: two round trips per statement, and the server parses and
 * plans it each time. Prepared, a statement is described once per connection and then costs one
 * round trip. Transactions' and savepoints' own clients are wrapped the same way.
 */
function preparing<C extends object>(client: C): C {
  return intercepting(client, "unsafe", ["begin", "savepoint"], (call, text, params, options) =>
    call(
      text,
      params,
      (params as unknown[] | undefined)?.length ? { ...(options as object | undefined), prepare: true } : options,
    ),
  );
}

/** The driver's client with a span around each query, in transactions too. */
function traced<C extends object>(client: C, tracer: Tracer, run: string, scopes: string[]): C {
  return intercepting(client, run, scopes, (call, text, ...rest) => {
    const span = startQuerySpan(tracer, text);
    const pending = call(text, ...rest) as PromiseLike<unknown>;
    endWith(span, pending);
    return pending;
  });
}
