/**
 * The offline model's worst case on the main thread: the longest time one customer message
 * holds the event loop while the model decides, for messages built to be expensive (4,000
 * digits, 4,000 characters of entities, long words), in a conversation with long earlier turns.
 * Baseline in the same run: one JSON.parse + JSON.stringify of the same prompt, which any
 * request handler pays anyway. Prints the ratio and the absolute worst case (goal: under 50 ms).
 */
import { decide, NO_FACTS, readSituation } from "../server/ai/offline/brain.ts";
import { buildAgentToolNames } from "./support.ts";

const payloads: Record<string, string> = {
  digits: "1234567890".repeat(400),
  entities: "INV-1042 €89.00 ada@example.com TK-48213 since yesterday ".repeat(70).slice(0, 4000),
  words: "my laptop will not boot again and the battery is swollen ".repeat(70).slice(0, 4000),
  unbroken: "x".repeat(4000),
};

const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const tools = buildAgentToolNames();
const results: Array<{ name: string; worstMs: number; medianMs: number; baselineMs: number }> = [];
for (const [name, text] of Object.entries(payloads)) {
  const prompt = [
    { role: "system" as const, content: "Current agent: billing\nCustomer: none linked" },
    ...Array.from({ length: 6 }, (_, i) => [
      { role: "user" as const, content: [{ type: "text" as const, text: `${text}${i}` }] },
      { role: "assistant" as const, content: [{ type: "text" as const, text: "Let me check that for you." }] },
    ]).flat(),
    { role: "user" as const, content: [{ type: "text" as const, text }] },
  ];
  const times: number[] = [];
  const base: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const variant = prompt.map((m, i) =>
      i === prompt.length - 1 ? { ...m, content: [{ type: "text" as const, text: `${text.slice(0, -2)}${r}` }] } : m,
    );
    let t0 = performance.now();
    decide(readSituation(variant as never, tools, { ...NO_FACTS, agent: "billing" }));
    times.push(performance.now() - t0);
    t0 = performance.now();
    JSON.parse(JSON.stringify(variant));
    base.push(performance.now() - t0);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const baseSorted = [...base].sort((a, b) => a - b);
  results.push({
    name,
    worstMs: sorted.at(-1)!,
    medianMs: sorted[Math.floor(sorted.length / 2)]!,
    baselineMs: baseSorted[Math.floor(baseSorted.length / 2)]!,
  });
}
console.log("offline model, main-thread time per customer message (worst of", rounds, "rounds)");
for (const r of results) {
  console.log(
    `  ${r.name.padEnd(9)} worst ${r.worstMs.toFixed(1).padStart(6)} ms  median ${r.medianMs.toFixed(1).padStart(6)} ms  ` +
      `baseline (JSON round trip) ${r.baselineMs.toFixed(2)} ms  ratio ${(r.medianMs / Math.max(0.01, r.baselineMs)).toFixed(1)}x`,
  );
}
const worst = Math.max(...results.map((r) => r.worstMs));
console.log(`  worst case overall: ${worst.toFixed(1)} ms (goal < 50 ms)`);
process.exitCode = worst < 50 ? 0 : 1;
