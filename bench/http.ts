/**
 * `{__typename}` over HTTP: Tandem's whole request path (edge middleware, request log, metrics,
 * Yoga with its plugins, on Postgres as in production) against bare Yoga with a one-field schema,
 * each in a process of its own, loaded by autocannon with the same connections for the same time.
 * Rounds alternate them, so a machine that slows down weighs on all alike. Goal: bare Yoga at most
 * 1.2× Tandem. Bare Yoga runs twice: as it comes, and without the stream it pipes each request
 * body through to count it (Tandem refuses large bodies at its edge and turns that stream off),
 * so the second ratio is Tandem's own overhead over Yoga's core.
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
  const lean: number[] = [];
  for (let i = 0; i < rounds(); i++) {
    for (const [name, out, env] of [
      ["bare-yoga", bare, {}],
      ["bare-yoga", lean, { BENCH_YOGA_BODY_STREAM: "off" }],
      ["tandem", tandem, databaseUrl ? { DATABASE_URL: databaseUrl } : {}],
    ] as const) {
      const server = await startServer(name, env);
      try {
        out.push(await load(server.url));
      } finally {
        await server.stop();
      }
    }
  }
  const ratios = bare.map((b, i) => b / tandem[i]!);
  const leanRatios = lean.map((b, i) => b / tandem[i]!);
  return {
    row: "`{__typename}` over HTTP",
    result: `${spread(tandem, 0)} req/s`,
    baseline: `bare Yoga ${spread(bare, 0)} req/s; without its body-size stream ${spread(lean, 0)} req/s`,
    ratio: `bare/Tandem ${spread(ratios)} (goal ≤ 1.2); against Yoga without the body-size stream ${spread(leanRatios)}`,
    pass: Math.max(...ratios) <= 1.2,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchHttp(process.env.DATABASE_URL));
