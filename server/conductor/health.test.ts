import assert from "node:assert/strict";
import { test } from "node:test";
import type { StoredConversationEvent } from "../events/types.ts";
import { anomaliesOf, emptyReading, explain, fold, scoreOf, THRESHOLDS, type HealthReading } from "./health.ts";

const t0 = Date.parse("2026-11-25T10:00:00Z");
let seq = 0;
const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
const event = (type: StoredConversationEvent["type"], payload: Record<string, unknown>, minutes = 0) =>
  ({ conversationId: "c", seq: ++seq, type, at: at(minutes), payload }) as StoredConversationEvent;
const customer = (content: string, minutes = 0) =>
  event("message_created", { message: { role: "customer", content, status: "complete" } }, minutes);
const aiReply = (content: string, status = "complete", minutes = 0) =>
  event("message_completed", { message: { role: "agent", content, status } }, minutes);
const run = (events: StoredConversationEvent[]) => events.reduce<HealthReading>(fold, emptyReading());
const now = (minutes: number) => new Date(t0 + minutes * 60_000);

test("a customer growing angrier is frustration rising, with the fall in the explanation", () => {
  const r = run([
    customer("Hi, my invoice INV-1042 looks odd, can you check it?"),
    aiReply("Let me look."),
    customer("That is not right, I was charged twice."),
    aiReply("I see one charge."),
    customer("This is ridiculous and unacceptable, I am furious. Terrible service!"),
  ]);
  assert.deepEqual(anomaliesOf(r, now(1)), ["frustration_rising"]);
  assert.match(
    explain("frustration_rising", r, now(1)),
    /^Frustration rising: sentiment fell from \w+ to (very )?negative over 3 messages/,
  );
  assert.ok(scoreOf(r, now(1)) < 0.8);
  const angrier = fold(r, customer("Still nothing? This is useless, I am fed up!"));
  assert.deepEqual(anomaliesOf(angrier, now(1)), ["frustration_rising"]);
  // Content again: the trouble is over, even with two angry messages among the last three.
  const calmed = fold(angrier, customer("OK, thanks for letting me know, I appreciate it."));
  assert.deepEqual(anomaliesOf(calmed, now(1)), []);
});

test("calm messages are no anomaly", () => {
  const r = run([
    customer("Hello, how do I reset my router?"),
    aiReply("Hold the button for 10 seconds."),
    customer("Thanks, that worked!"),
  ]);
  assert.deepEqual(anomaliesOf(r, now(1)), []);
  assert.ok(scoreOf(r, now(1)) > 0.9);
});

test("the same question a third time is a loop, naming what was asked", () => {
  const r = run([
    customer("Where is my refund for INV-1042?"),
    aiReply("It is on its way."),
    customer("When do I get the refund for INV-1042?"),
    aiReply("Within 5 days."),
  ]);
  assert.deepEqual(anomaliesOf(r, now(1)), [], "twice is not yet a loop");
  const third = fold(r, customer("Any update on INV-1042? Still no refund."));
  assert.deepEqual(anomaliesOf(third, now(1)), ["stuck_in_loop"]);
  assert.match(explain("stuck_in_loop", third, now(1)), /asked about INV-1042 3 times/);
  const movedOn = fold(third, customer("OK, and how do I change my delivery address?"));
  assert.deepEqual(anomaliesOf(movedOn, now(1)), [], "a new question ends the loop");
});

test("being bounced between agents is a loop; a person handing back starts afresh", () => {
  const handoff = (from: string, agent: string) => event("handoff", { from, agent, note: "routing" });
  const bounced = run([
    customer("I need help"),
    handoff("triage", "billing"),
    handoff("billing", "technical"),
    handoff("technical", "billing"),
  ]);
  assert.deepEqual(anomaliesOf(bounced, now(1)), ["stuck_in_loop"]);
  const handedBack = fold(bounced, handoff("operator:x", "billing"));
  assert.deepEqual(anomaliesOf(handedBack, now(1)), []);
});

test("waiting for a person past the threshold is waiting too long; a person joining ends it", () => {
  const waiting = run([customer("A human please", 0), event("status_changed", { status: "waiting_human" }, 0)]);
  const limit = THRESHOLDS.waitingMs / 60_000;
  assert.deepEqual(anomaliesOf(waiting, now(limit - 1)), []);
  assert.deepEqual(anomaliesOf(waiting, now(limit + 1)), ["waiting_too_long"]);
  const joined = fold(waiting, event("operator_joined", { operatorId: "o" }, limit + 2));
  assert.deepEqual(anomaliesOf(joined, now(limit + 10)), [], "a person's conversation is left to them");
});

test("a message nobody answers for as long is waiting too long as well", () => {
  const unanswered = run([customer("Can you check my order?", 0)]);
  const limit = THRESHOLDS.waitingMs / 60_000;
  assert.deepEqual(anomaliesOf(unanswered, now(limit - 1)), []);
  assert.deepEqual(anomaliesOf(unanswered, now(limit + 1)), ["waiting_too_long"]);
  assert.match(explain("waiting_too_long", unanswered, now(limit + 1)), /last message unanswered for \d+ min/);
  const answered = fold(unanswered, aiReply("Here it is.", "complete", limit + 2));
  assert.deepEqual(anomaliesOf(answered, now(limit + 10)), []);
});

test("failed AI replies in a row are the AI failing; a good reply resets the count", () => {
  const notice = (kind: string) =>
    event("message_created", { message: { role: "system", content: "…", status: "complete", notice: kind } });
  // Nothing streamed the first time (only the notice); half a reply the second time (and its notice).
  const failing = run([
    customer("Help with my laptop"),
    notice("ai_failed"),
    customer("Hello?"),
    aiReply("Half a rep", "failed"),
    notice("ai_interrupted"),
  ]);
  assert.equal(failing.aiFailures, 2, "each failure counts once");
  assert.deepEqual(anomaliesOf(failing, now(1)), ["ai_failing"]);
  const recovered = fold(failing, aiReply("Sorry about that, here is the fix.", "complete"));
  assert.deepEqual(anomaliesOf(recovered, now(1)), []);
});
