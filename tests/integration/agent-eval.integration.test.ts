import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { corpus } from "../../server/ai/offline/corpus.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { formatReport, HELD_OUT_BAR, loadUtterances, runEval } from "../eval/evaluate.ts";
import { nearCopy, overlaps } from "../eval/overlap.ts";

/** The held-out set is frozen: changing it needs a new checksum here, in plain sight of review. */
const HELD_OUT_SHA256 = "b181d16fdb5c8850ec64f96b82940552d5851ce8b858526ff6c551d40b13394c";

describe("the evaluation sets", () => {
  const heldOut = loadUtterances("heldout");
  const dev = loadUtterances("dev");
  const training = Object.values(corpus).flat();

  test("the held-out set is frozen, at least 150 sentences, at least 20 in each category", () => {
    const bytes = readFileSync(fileURLToPath(new URL("../eval/heldout.json", import.meta.url)));
    assert.equal(createHash("sha256").update(bytes).digest("hex"), HELD_OUT_SHA256);
    assert.ok(heldOut.length >= 150);
    const sizes = new Map<string, number>();
    for (const u of heldOut) sizes.set(u.category, (sizes.get(u.category) ?? 0) + 1);
    for (const [category, n] of sizes) assert.ok(n >= 20, `${category} has ${n}`);
  });

  test("no held-out sentence, or a near-copy of one, is in the training corpus or the development set", () => {
    assert.deepEqual(
      overlaps(
        heldOut.map((u) => u.text),
        training,
      ),
      [],
    );
    assert.deepEqual(
      overlaps(
        heldOut.map((u) => u.text),
        dev.map((u) => u.text),
      ),
      [],
    );
  });

  test("near-copies are caught: reordered words, changed case and punctuation, a typo or two", () => {
    assert.ok(nearCopy("My laptop won't boot", "my laptop wont boot!"));
    assert.ok(nearCopy("I was charged twice this month", "this month I was charged twice"));
    assert.ok(
      nearCopy(
        "the charger gets really hot and smells like burning",
        "the charger get realy hot and smells like burning",
      ),
    );
    assert.ok(!nearCopy("My laptop won't boot", "Is theft covered by the device protection?"));
  });
});

describe("the offline model on the labelled sets", () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "0" });
  });
  after(() => t.close());

  test(`held out: routing, tools and escalation right in every category (>= ${HELD_OUT_BAR * 100} %)`, async () => {
    const report = await runEval(t.app.services, "heldout");
    assert.ok(report.minAccuracy >= HELD_OUT_BAR, formatReport(report));
  });

  test("development set: every category at least 90 % (it is the set the model is tuned on)", async () => {
    const report = await runEval(t.app.services, "dev");
    assert.ok(report.minAccuracy >= 0.9, formatReport(report));
  });
});
