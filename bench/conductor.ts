/**
 * The conductor under load: BENCH_CONVERSATIONS (default 200) simulated customers talk to a real
 * server over its public API (server/simulator), once with the conductor on and once, as the
 * baseline in the same run, with it off. Reports the conductor's CPU cost per conversation (the
 * difference between the two runs' process CPU time, divided by the conversations), that cost as
 * a ratio of the baseline's, and its reaction time from an anomaly to its decision.
 * The server runs in this process on an in-memory database (or DATABASE_URL).
 */
import { loadConfig } from "../server/config.ts";
import { createApp } from "../server/app.ts";
import { signInOperator, simulate, type SimulationReport } from "../server/simulator/run.ts";

const conversations = Number(process.env.BENCH_CONVERSATIONS ?? 200);
const durationS = Number(process.env.BENCH_DURATION_S ?? 60);
const password = "bench admin password";

async function run(conductor: "on" | "off"): Promise<{ cpuMs: number; report: SimulationReport }> {
  const config = loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    PGLITE_DIR: "memory://",
    ADMIN_PASSWORD: password,
    CONDUCTOR: conductor,
    CONDUCTOR_SWEEP_MS: "1000",
    CONDUCTOR_SEED: "7",
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  });
  // Every simulated customer comes from this machine: the per-address limits would stop the load.
  for (const limit of Object.values(config.limits.rate)) Object.assign(limit, { capacity: 1_000_000, refillMs: 1 });
  config.limits.maxSocketsPerAddress = 100_000;
  const app = await createApp(config, { ui: false });
  const { url } = await app.listen(0, "127.0.0.1");
  try {
    const token = await signInOperator(url, "admin@tandem.local", password);
    const before = process.cpuUsage();
    const report = await simulate({ url, scenario: "load", conversations, durationS, operatorToken: token });
    await app.services.runner.idle();
    await app.services.conductor.sweep();
    const used = process.cpuUsage(before);
    return { cpuMs: (used.user + used.system) / 1000, report };
  } finally {
    await app.close();
  }
}

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const results: Array<{ off: Awaited<ReturnType<typeof run>>; on: Awaited<ReturnType<typeof run>> }> = [];
// Off and on alternate, so a machine that slows down mid-run weighs on both alike.
for (let i = 0; i < rounds; i++) results.push({ off: await run("off"), on: await run("on") });

const perConversation = (ms: number) => ms / conversations;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const spread = (values: number[], digits = 1) =>
  `median ${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
const fmt = (ms: number | null | undefined) => (ms === null || ms === undefined ? "n/a" : `${Math.round(ms)} ms`);
const costs = results.map((r) => perConversation(r.on.cpuMs - r.off.cpuMs));
const ratios = results.map((r) => r.on.cpuMs / r.off.cpuMs);
console.log(
  `Conductor under load: ${conversations} simulated conversations over ${durationS} s, ${rounds} rounds of off and on`,
);
console.log(
  `  CPU per conversation, conductor off (baseline): ${spread(
    results.map((r) => perConversation(r.off.cpuMs)),
    0,
  )} ms`,
);
console.log(
  `  CPU per conversation, conductor on:             ${spread(
    results.map((r) => perConversation(r.on.cpuMs)),
    0,
  )} ms`,
);
console.log(`  the conductor's cost: ${spread(costs)} ms CPU per conversation; on/off ratio ${spread(ratios, 3)}`);
for (const [i, r] of results.entries()) {
  const c = r.on.report.conductor;
  console.log(
    `  round ${i + 1}: answers median ${fmt(r.off.report.answerMs.median)} off, ${fmt(r.on.report.answerMs.median)} on; ` +
      `${c?.interventions ?? 0} interventions; reaction median ${fmt(c?.reactionMs.median)}, p95 ${fmt(c?.reactionMs.p95)}; ` +
      `helped ${Object.entries(r.on.report.byPersona)
        .map(([p, v]) => `${p} ${v.helped}/${v.conversations}`)
        .join(", ")}`,
  );
}
