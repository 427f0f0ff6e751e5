import postgres from "postgres";

/**
 * A Postgres database of the benchmark's own on BENCH_POSTGRES (default: the local server), so
 * the database runs out of the server's process as in production; dropped by `drop()`. Null
 * when no Postgres answers: the caller falls back to embedded PGlite and says so.
 */
export async function benchDatabase(): Promise<{ url: string; drop(): Promise<void> } | null> {
  const server = process.env.BENCH_POSTGRES ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const admin = postgres(server, { max: 1, onnotice: () => {}, connect_timeout: 3 });
  const name = `tandem_bench_${Date.now()}_${process.pid}`;
  try {
    await admin.unsafe(`create database ${name}`);
  } catch {
    await admin.end({ timeout: 1 }).catch(() => {});
    return null;
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}
