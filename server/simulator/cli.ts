import { parseArgs } from "node:util";
import { signInOperator, simulate } from "./run.ts";

/**
 * npm run simulate -- [--url http://127.0.0.1:3000] [--scenario demo|load] [--conversations N]
 *   [--duration S] [--email E --password P] [--json]
 * Operator credentials (or TANDEM_OPERATOR_EMAIL / TANDEM_OPERATOR_PASSWORD) add the conductor's
 * figures to the report.
 */
const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://127.0.0.1:3000" },
    scenario: { type: "string", default: "demo" },
    conversations: { type: "string" },
    duration: { type: "string" },
    email: { type: "string", default: process.env.TANDEM_OPERATOR_EMAIL },
    password: { type: "string", default: process.env.TANDEM_OPERATOR_PASSWORD },
    json: { type: "boolean", default: false },
  },
});

const scenario = values.scenario === "load" ? "load" : values.scenario === "demo" ? "demo" : null;
if (!scenario) {
  console.error(`Unknown scenario "${values.scenario}": use demo or load.`);
  process.exit(2);
}
const url = values.url!.replace(/\/$/, "");
const operatorToken =
  values.email && values.password ? await signInOperator(url, values.email, values.password) : undefined;
const report = await simulate({
  url,
  scenario,
  conversations: values.conversations ? Number(values.conversations) : undefined,
  durationS: values.duration ? Number(values.duration) : undefined,
  operatorToken,
  log: scenario === "demo" && !values.json ? (line) => console.log(line) : undefined,
});
console.log(values.json ? JSON.stringify(report) : JSON.stringify(report, null, 2));
