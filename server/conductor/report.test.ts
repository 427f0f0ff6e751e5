import assert from "node:assert/strict";
import { test } from "node:test";
import type { Intervention } from "../../drizzle/schema.ts";
import { interventionsCsv, summariseInterventions } from "./report.ts";

const row = (over: Partial<Intervention>): Intervention => ({
  id: crypto.randomUUID(),
  conversationId: crypto.randomUUID(),
  decisionId: null,
  anomaly: "stuck_in_loop",
  episodeSeq: 3,
  anomalyAt: null,
  intervention: "send_article",
  contextKey: "anomaly=stuck_in_loop;plan=Pro",
  sampled: 0.5,
  explored: false,
  scoreBefore: 0.7,
  outcome: "pending",
  outcomeReason: null,
  dueAt: new Date("2026-11-25T10:10:00Z"),
  settledAt: null,
  createdAt: new Date("2026-11-25T10:00:00Z"),
  ...over,
});

test("the summary counts outcomes, success rates over settled ones, and exploration", () => {
  const s = summariseInterventions([
    row({ outcome: "success" }),
    row({ outcome: "failure", explored: true }),
    row({ outcome: "pending" }),
    row({ intervention: "offer_human", anomaly: "frustration_rising", outcome: "success" }),
  ]);
  assert.equal(s.total, 4);
  assert.equal(s.pending, 1);
  assert.equal(s.successRate, 0.667);
  assert.equal(s.explorationRate, 0.25);
  assert.deepEqual(s.byIntervention.send_article, { total: 3, successes: 1, failures: 1, successRate: 0.5 });
  assert.deepEqual(s.byAnomaly, { stuck_in_loop: 3, frustration_rising: 1 });
  assert.equal(summariseInterventions([]).successRate, null);
  const timed = summariseInterventions(
    [100, 300, 200].map((ms) =>
      row({
        anomalyAt: new Date(Date.parse("2026-11-25T10:00:00Z") - ms),
        createdAt: new Date("2026-11-25T10:00:00Z"),
      }),
    ),
  );
  assert.deepEqual(timed.reactionMs, { median: 200, p95: 300 });
});

test("the CSV quotes what needs quoting and defuses spreadsheet formulas", () => {
  const csv = interventionsCsv([row({ outcome: "failure", outcomeReason: '=HYPERLINK("x"), said "no"' })]);
  const [header, line] = csv.trimEnd().split("\r\n");
  assert.equal(header!.split(",")[5], "intervention");
  assert.ok(line!.includes(`"'=HYPERLINK(""x""), said ""no"""`), line);
});
