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

const baseline = await run("off");
const measured = await run("on");
const perConversation = (ms: number) => ms / conversations;
const extra = perConversation(measured.cpuMs - baseline.cpuMs);
const fmt = (ms: number | null | undefined) => (ms === null || ms === undefined ? "n/a" : `${Math.round(ms)} ms`);
console.log(`Conductor under load: ${conversations} simulated conversations over ${durationS} s, per run`);
console.log(
  `  baseline (conductor off): ${fmt(perConversation(baseline.cpuMs))} CPU per conversation; answers median ${fmt(baseline.report.answerMs.median)}, p95 ${fmt(baseline.report.answerMs.p95)}`,
);
console.log(
  `  conductor on:             ${fmt(perConversation(measured.cpuMs))} CPU per conversation; answers median ${fmt(measured.report.answerMs.median)}, p95 ${fmt(measured.report.answerMs.p95)}`,
);
console.log(
  `  the conductor's cost: ${extra.toFixed(1)} ms CPU per conversation (${((measured.cpuMs / baseline.cpuMs - 1) * 100).toFixed(1)} % over the baseline)`,
);
const c = measured.report.conductor;
console.log(
  `  interventions: ${c?.interventions ?? 0} (${JSON.stringify(c?.byIntervention ?? {})}); reaction from anomaly to decision: median ${fmt(c?.reactionMs.median)}, p95 ${fmt(c?.reactionMs.p95)}`,
);
console.log(
  `  customers helped: ${Object.entries(measured.report.byPersona)
    .map(([p, v]) => `${p} ${v.helped}/${v.conversations}`)
    .join(", ")} (baseline: ${Object.entries(baseline.report.byPersona)
    .map(([p, v]) => `${p} ${v.helped}/${v.conversations}`)
    .join(", ")})`,
);
