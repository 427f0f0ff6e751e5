import assert from "node:assert/strict";
import { test } from "node:test";
import type { Decision } from "../../drizzle/schema.ts";
import { summarise, toCsv } from "./report.ts";
import { runsWithoutAsking } from "./decisions.ts";
import { trackRecord } from "./learning.ts";

const at = (s: number) => new Date(Date.UTC(2026, 10, 1, 12, 0, s));
function decision(over: Partial<Decision>): Decision {
  return {
    id: crypto.randomUUID(),
    conversationId: crypto.randomUUID(),
    agent: "billing",
    action: "refund_payment",
    arguments: {},
    summary: "Refund €89.00 of payment PAY-1 on INV-1 (duplicate payment)",
    reasoning: "Paid twice.",
    confidence: 0.9,
    calibratedConfidence: 0.5,
    context: {},
    contextKey: "",
    status: "proposed",
    dedupeKey: crypto.randomUUID(),
    decidedBy: null,
    decidedByName: null,
    decidedAt: null,
    rejectionReason: null,
    result: null,
    error: null,
    expiresAt: at(3600),
    executedAt: null,
    createdAt: at(0),
    ...over,
  };
}

test("summary statistics: counts, approval and auto-approval rates, reversals, median time to decision", () => {
  const person = crypto.randomUUID();
  const rows = [
    decision({ status: "executed", decidedBy: person, decidedAt: at(30) }),
    decision({ status: "executed", decidedBy: person, decidedAt: at(90), result: { reversed: true } }),
    decision({ status: "rejected", decidedBy: person, decidedAt: at(60) }),
    decision({ status: "executed", decidedAt: at(0), decidedByName: "Tandem (autonomy policy)" }),
    decision({ status: "expired", decidedAt: at(4000) }),
    decision({ status: "proposed", action: "issue_credit" }),
  ];
  const s = summarise(rows);
  assert.equal(s.total, 6);
  assert.deepEqual(s.byAction, { refund_payment: 5, issue_credit: 1 });
  assert.deepEqual(s.byStatus, { executed: 3, rejected: 1, expired: 1, proposed: 1 });
  assert.equal(s.approvalRate, 0.667, "2 of the 3 a person decided were approved");
  assert.equal(s.autoApprovalRate, 0.25, "1 of the 4 decided ran without asking (expired ones are not decided)");
  assert.equal(s.reversalRate, 0.333, "1 of the 3 that ran was reversed");
  assert.equal(s.medianSecondsToDecision, 60);
  assert.deepEqual(summarise([]), {
    total: 0,
    byAction: {},
    byStatus: {},
    approvalRate: null,
    autoApprovalRate: null,
    reversalRate: null,
    medianSecondsToDecision: null,
  });
});

test("CSV: one row a decision, quoted where needed, and no cell a spreadsheet would run as a formula", () => {
  const csv = toCsv([
    decision({ reasoning: 'Paid "twice",\nsee INV-1', rejectionReason: "=HYPERLINK(1)", status: "rejected" }),
  ]);
  const [header, row] = csv.split("\r\n");
  assert.equal(
    header,
    "id,createdAt,conversationId,agent,action,summary,status,confidence,calibratedConfidence,decidedByName,decidedAt,rejectionReason,reasoning",
  );
  assert.match(
    row!,
    /,refund_payment,Refund €89\.00 of payment PAY-1 on INV-1 \(duplicate payment\),rejected,0\.9,0\.5,,,'=HYPERLINK\(1\),"Paid ""twice"",$/m,
  );
  assert.ok(csv.endsWith('see INV-1"\r\n'));
});

test("gating: Manual never runs alone; Auto runs within its limit; Semi-Auto runs when pre-approved or earned", () => {
  const policy = { preApproved: false, autoLimitCents: 10_000, threshold: 0.9, minDecisions: 30 };
  const none = trackRecord(undefined);
  const earned = trackRecord({ approved: 60, rejected: 0, reversed: 0 });
  const lucky = trackRecord({ approved: 5, rejected: 0, reversed: 0 });
  assert.equal(runsWithoutAsking("manual", { ...policy, preApproved: true }, 100, earned), false);
  assert.equal(runsWithoutAsking("auto", policy, 10_000, none), true);
  assert.equal(runsWithoutAsking("auto", policy, 10_001, earned), false);
  assert.equal(runsWithoutAsking("semi_auto", policy, 100, none), false);
  assert.equal(runsWithoutAsking("semi_auto", { ...policy, preApproved: true }, 100, none), true);
  assert.ok(earned.lowerBound > 0.9 && earned.attempts >= 30);
  assert.equal(runsWithoutAsking("semi_auto", policy, 100, earned), true);
  assert.equal(
    runsWithoutAsking("semi_auto", { ...policy, minDecisions: 0 }, 100, lucky),
    false,
    "5 of 5 is not enough evidence for a 0.9 bound",
  );
  assert.equal(runsWithoutAsking("semi_auto", undefined, 100, earned), false);
  assert.equal(runsWithoutAsking("auto", { ...policy, autoLimitCents: -1 }, 0, earned), false, "−1: Auto always asks");
  assert.equal(
    runsWithoutAsking("auto", { ...policy, autoLimitCents: 0 }, 0, none),
    true,
    "an action without an amount runs in Auto at limit 0",
  );
});
