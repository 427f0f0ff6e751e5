import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestApp, type TestApp } from "../support/app.ts";
import { formatReport, loadUtterances, runEval } from "../eval/evaluate.ts";

let t: TestApp;
before(async () => {
  t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "0" });
});
after(() => t.close());

test("the labelled set routes, calls tools and escalates correctly in every category (>= 90 %)", async () => {
  const utterances = loadUtterances();
  assert.ok(utterances.length >= 80, "the evaluation set has at least 80 utterances");
  const report = await runEval(t.app.services, utterances);
  assert.ok(report.minAccuracy >= 0.9, formatReport(report));
});
