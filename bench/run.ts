/**
 * `npm run bench`: every figure of the operations table, each against its baseline measured in
 * the same run, repeated BENCH_ROUNDS times (default 3) and given as "median (min–max)". Servers
 * run in processes of their own against a Postgres database made for the run (BENCH_POSTGRES,
 * default the local server), or embedded PGlite when no Postgres answers. BENCH_ONLY=http,send,
 * sockets,streaming,failover,churn picks some. The offline model's and the conductor's benchmarks follow as
 * their own scripts.
 */
import { benchChurn } from "./churn.ts";
import { benchFailover } from "./failover.ts";
import { benchHttp } from "./http.ts";
import { benchDatabase } from "./lib/db.ts";
import { benchSendMessage } from "./send-message.ts";
import { benchSockets } from "./sockets.ts";
import { benchStreaming } from "./streaming.ts";

interface Row {
  row: string;
  result: string;
  baseline?: string;
  ratio?: string;
  pass?: boolean;
}

const only = process.env.BENCH_ONLY?.split(",");
const wanted = (name: string) => !only || only.includes(name);
const rows: Row[] = [];
const db = await benchDatabase();
console.log(
  `Benchmarks: ${process.env.BENCH_ROUNDS ?? 3} rounds; database: ${db ? "Postgres (its own database)" : "embedded PGlite (no Postgres answered)"}`,
);
try {
  const run = async (name: string, f: () => Promise<Row | Row[]>) => {
    if (!wanted(name)) return;
    const started = performance.now();
    const out = await f();
    for (const r of [out].flat()) {
      rows.push(r);
      console.log(
        `\n${r.row}\n  Tandem:   ${r.result}\n  baseline: ${r.baseline ?? "—"}\n  ${r.ratio ?? ""}${r.pass === undefined ? "" : r.pass ? "  [meets the goal]" : "  [misses the goal]"}`,
      );
    }
    console.log(`  (${name}: ${((performance.now() - started) / 1000).toFixed(0)} s)`);
  };
  await run("http", () => benchHttp(db?.url));
  await run("send", benchSendMessage);
  await run("sockets", () => benchSockets(db?.url));
  await run("streaming", () => benchStreaming(db?.url));
  await run("failover", () => benchFailover(db?.url));
  await run("churn", () => benchChurn(db?.url));
} finally {
  await db?.drop();
}

console.log("\n| figure | Tandem | baseline in the same run | ratio and goal |\n|---|---|---|---|");
for (const r of rows)
  console.log(
    `| ${r.row} | ${r.result} | ${r.baseline ?? "—"} | ${r.ratio ?? "—"}${r.pass === false ? " (missed)" : ""} |`,
  );
