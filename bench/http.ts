/**
 * `{__typename}` over HTTP: Tandem's whole request path (edge middleware, request log, metrics,
 * Yoga with its plugins, on Postgres as in production) against bare Yoga with a one-field schema,
 * each in a process of its own, loaded by autocannon with the same connections for the same time.
 * Rounds alternate the two, so a machine that slows down weighs on both alike. Goal: bare Yoga at most 1.2× Tandem.
 */
import autocannon from "autocannon";
import { startServer } from "./lib/child.ts";
import { rounds, spread } from "./lib/stats.ts";

const seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 5);
const connections = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 32);

async function load(url: string): Promise<number> {
  const run = (duration: number) =>
    autocannon({
      url: `${url}/graphql`,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
      connections,
      duration,
    });
  await run(1); // warm-up: JIT, pools, caches
  const result = await run(seconds);
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

export async function benchHttp(databaseUrl?: string) {
  const tandem: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < rounds(); i++) {
    for (const [name, out] of [
      ["bare-yoga", bare],
      ["tandem", tandem],
    ] as const) {
      const server = await startServer(name, databaseUrl && name === "tandem" ? { DATABASE_URL: databaseUrl } : {});
      try {
        out.push(await load(server.url));
      } finally {
        await server.stop();
      }
    }
  }
  const ratios = bare.map((b, i) => b / tandem[i]!);
  return {
    row: "`{__typename}` over HTTP",
    result: `${spread(tandem, 0)} req/s`,
    baseline: `bare Yoga ${spread(bare, 0)} req/s`,
    ratio: `bare/Tandem ${spread(ratios)} (goal ≤ 1.2)`,
    pass: Math.max(...ratios) <= 1.2,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchHttp(process.env.DATABASE_URL));
