import assert from "node:assert/strict";
import { test } from "node:test";
import { classifier, features, IntentClassifier, tokens } from "./classifier.ts";
import { corpus } from "./corpus.ts";

test("training is deterministic: two classifiers from the same corpus give the same probabilities", () => {
  const again = new IntentClassifier(corpus);
  for (const text of ["my screen is black", "refund the second payment", "hello, quick question"]) {
    assert.deepEqual(again.predict(text).ranked, classifier().predict(text).ranked);
  }
});

test("features: placeholders for ids and emails, negation marked, character n-grams inside words", () => {
  assert.deepEqual(tokens("TK-12345 from ada@example.com costs €89.00"), [
    "zzticket",
    "from",
    "zzemail",
    "costs",
    "zzmoney",
  ]);
  const negated = features("it is not working");
  assert.ok(negated.has("w:!work"), "the word after a negation is marked");
  assert.ok(!negated.has("w:work"));
  assert.ok(features("it is working").has("w:work"));
  assert.ok(features("disconects").has("c:<dis"), "a misspelt word still shares its character n-grams");
});

test("probabilities are a distribution, best first", () => {
  const p = classifier().predict("the wifi keeps dropping");
  const total = p.ranked.reduce((sum, r) => sum + r.p, 0);
  assert.ok(Math.abs(total - 1) < 1e-9);
  assert.equal(p.intent, p.ranked[0]!.intent);
  assert.equal(p.confidence, p.ranked[0]!.p);
  assert.ok(p.ranked.every((r, i) => i === 0 || r.p <= p.ranked[i - 1]!.p));
});

test("paraphrases and typos it was never trained on still land", () => {
  assert.equal(classifier().predict("my notbook wont powr on").intent, "technical");
  assert.equal(classifier().predict("somebody took my cash two times for one bill").intent, "billing");
});
