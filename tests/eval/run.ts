/**
 * `npm run eval`: the labelled utterances through the same runner the app uses, on an in-memory
 * database with the configured model (the offline model unless OPENAI_* is set). Exits non-zero
 * when any category is under 90 %.
 */
import { randomBytes } from "node:crypto";
import { createApp } from "../../server/app.ts";
import { loadConfig } from "../../server/config.ts";
import { formatReport, runEval } from "./evaluate.ts";

const config = loadConfig({
  ...process.env,
  PGLITE_DIR: "memory://",
  OFFLINE_MODEL_DELAY_MS: "0",
  LOG_LEVEL: "silent",
  DATABASE_URL: undefined,
  // The evaluation links its conversations as a host site would, and starts many from one address.
  IDENTITY_SECRET: randomBytes(32).toString("hex"),
  ADMIN_PASSWORD: randomBytes(18).toString("base64url"),
  RATE_LIMIT_START_CONVERSATION: "100000/1ms",
});
const app = await createApp(config, { ui: false });
try {
  const report = await runEval(app.services);
  console.log(formatReport(report));
  console.log(
    `\n${report.outcomes.length} utterances, lowest category ${(report.minAccuracy * 100).toFixed(1)}% (threshold 90%)`,
  );
  process.exitCode = report.minAccuracy >= 0.9 ? 0 : 1;
} finally {
  await app.close();
}
