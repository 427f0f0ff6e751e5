import assert from "node:assert/strict";
import { test } from "node:test";
import { interval90, mean, PRIOR, sampleBeta, seededRandom, thompsonPick, update, HALF_LIFE_DAYS } from "./bandit.ts";

const arm = (successes: number, failures: number) => ({
  alpha: 1 + successes,
  beta: 1 + failures,
  attempts: successes + failures,
  successes,
});

test("Beta draws centre on the posterior mean", () => {
  const random = seededRandom(7);
  for (const [a, b] of [
    [2, 8],
    [30, 10],
    [0.5, 0.5],
  ] as const) {
    let sum = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) sum += sampleBeta(a, b, random);
    assert.ok(Math.abs(sum / n - a / (a + b)) < 0.02, `Beta(${a}, ${b}) mean ${sum / n}`);
  }
});

test("Thompson sampling picks the arm with the better evidence most of the time, and still explores", () => {
  const random = seededRandom(42);
  const arms = { good: arm(40, 10), poor: arm(10, 40), fresh: arm(0, 0) };
  const counts = { good: 0, poor: 0, fresh: 0 };
  let explored = 0;
  for (let i = 0; i < 2000; i++) {
    const pick = thompsonPick(arms, random);
    counts[pick.arm]++;
    if (pick.explored) explored++;
    assert.equal(pick.explored, pick.arm !== "good");
  }
  assert.ok(counts.good > 1500, `good picked ${counts.good} times`);
  // A fresh arm's wide posterior still wins some draws: it gets tried.
  assert.ok(counts.fresh > 50, `fresh picked ${counts.fresh} times`);
  assert.ok(counts.poor < counts.fresh, "the arm known to be poor is tried least");
  assert.equal(explored, counts.poor + counts.fresh);
});

test("the same seed gives the same picks", () => {
  const arms = { a: arm(3, 3), b: arm(2, 2), c: arm(0, 0) };
  const run = (seed: number) => {
    const random = seededRandom(seed);
    return Array.from({ length: 20 }, () => thompsonPick(arms, random).arm).join(",");
  };
  assert.equal(run(5), run(5));
  assert.notEqual(run(5), run(6));
});

test("outcomes move the posterior, and old evidence decays towards the prior", () => {
  let p = PRIOR;
  for (let i = 0; i < 8; i++) p = update(p, true, 0);
  p = update(p, false, 0);
  assert.deepEqual([p.alpha, p.beta, p.attempts, p.successes], [9, 2, 9, 8]);
  assert.ok(mean(p) > 0.8);
  // A half-life later, the evidence counts half: a failure now moves the mean much further.
  const later = update(p, false, HALF_LIFE_DAYS * 86_400_000);
  assert.equal(later.alpha, 1 + 8 * 0.5);
  assert.equal(later.beta, 1 + 1 * 0.5 + 1);
  assert.equal(later.attempts, 10, "raw counts are kept whole");
  const [low, high] = interval90(later);
  assert.ok(low < mean(later) && mean(later) < high);
  const width = (x: { alpha: number; beta: number }) => interval90(x)[1] - interval90(x)[0];
  assert.ok(width(arm(40, 10)) < width(later) && width(later) < width(PRIOR), "more evidence, narrower interval");
});
