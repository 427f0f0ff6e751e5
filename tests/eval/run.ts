/**
 * `npm run eval`: the development and the frozen held-out utterances through the same runner
 * the app uses, on an in-memory database with the configured model (the offline model unless
 * OPENAI_* is set), then the simulation scenarios (tests/eval/scenarios.ts). Exits non-zero when
 * any held-out category is under 95 %, or, with the offline model, when any scenario fails.
 */
import { resolveModel } from "../../server/ai/model.ts";
import { calibrate, formatCalibration } from "./calibration.ts";
import { scenarios } from "./scenarios.ts";
import { formatSuite, inMemoryApp, runSuite } from "./simulate.ts";
import { formatReport, HELD_OUT_BAR, loadUtterances, runEval } from "./evaluate.ts";

// The evaluation links its conversations as a host site would, and starts many from one address.
const app = await inMemoryApp({ RATE_LIMIT_START_CONVERSATION: "100000/1ms" });
try {
  let ok = true;
  for (const set of ["dev", "heldout"] as const) {
    const report = await runEval(app.services, set);
    console.log(`\n=== ${set === "dev" ? "Development set" : "Held-out set (frozen)"} ===\n${formatReport(report)}`);
    console.log(
      `\n${report.outcomes.length} utterances, ${(report.accuracy * 100).toFixed(1)}% overall, lowest category ${(report.minAccuracy * 100).toFixed(1)}%` +
        (set === "heldout" ? ` (bar ${HELD_OUT_BAR * 100}%)` : ""),
    );
    if (set === "heldout" && report.minAccuracy < HELD_OUT_BAR) ok = false;
  }
  // The scenarios: scripted customers with the offline model; an LLM customer, k runs each, with OPENAI_*.
  const llm = app.services.model.offline ? undefined : resolveModel(app.services.config.ai).model;
  const k = llm ? Number(process.env.EVAL_K ?? 3) : 1;
  const suite = await runSuite(scenarios, { k, customerModel: llm });
  console.log(`\n=== Scenarios (${llm ? "LLM customer" : "scripted customer"}) ===\n${formatSuite(suite)}`);
  if (suite.runs.flat().some((r) => !r.pass) && !llm) ok = false;
  // The temperature in server/ai/offline/classifier.ts is fitted here, on the development set only.
  console.log(`\n=== Calibration (development set) ===\n${formatCalibration(calibrate(loadUtterances("dev")))}`);
  console.log(`\n=== Calibration check (held-out set) ===\n${formatCalibration(calibrate(loadUtterances("heldout")))}`);
  process.exitCode = ok ? 0 : 1;
} finally {
  await app.close();
}
