import assert from "node:assert/strict";
import { test } from "node:test";
import { applyDelta, applyEvent, type ChatMessage, type Transcript } from "./transcript.ts";

const reply = (content: string, status: ChatMessage["status"] = "STREAMING"): ChatMessage => ({
  id: "m1",
  seq: 2,
  role: "AGENT",
  authorName: "Triage",
  content,
  status,
  clientMessageId: null,
  createdAt: "2026-01-01T00:00:00.000Z",
});

const empty: Transcript = { lastSeq: 0, status: "OPEN", messages: [], pending: [] };

test("applyDelta appends, ignores repeats and overlaps, and skips holes", () => {
  assert.equal(applyDelta("Hello", 5, " world"), "Hello world");
  assert.equal(applyDelta("Hello world", 5, " world"), "Hello world");
  assert.equal(applyDelta("Hello wo", 5, " world"), "Hello world");
  assert.equal(applyDelta("Hello", 9, "xyz"), "Hello");
});

test("stored events are applied once, in seq order", () => {
  let s = applyEvent(empty, { seq: 2, type: "MESSAGE_CREATED", message: reply("") });
  const again = applyEvent(s, { seq: 2, type: "MESSAGE_CREATED", message: reply("") });
  assert.equal(again, s);
  s = applyEvent(s, { seq: null, type: "MESSAGE_DELTA", delta: { messageId: "m1", offset: 0, text: "Hi " } });
  s = applyEvent(s, { seq: null, type: "MESSAGE_DELTA", delta: { messageId: "m1", offset: 0, text: "Hi " } });
  s = applyEvent(s, { seq: null, type: "MESSAGE_DELTA", delta: { messageId: "m1", offset: 3, text: "there" } });
  assert.equal(s.messages[0]!.content, "Hi there");
  s = applyEvent(s, { seq: 3, type: "MESSAGE_COMPLETED", message: reply("Hi there!", "COMPLETE") });
  assert.equal(s.messages[0]!.content, "Hi there!");
  assert.equal(s.lastSeq, 3);
  // A delta for a completed message changes nothing.
  const after = applyEvent(s, { seq: null, type: "MESSAGE_DELTA", delta: { messageId: "m1", offset: 9, text: "??" } });
  assert.equal(after.messages[0]!.content, "Hi there!");
});

test("a snapshot heals a hole left by missed deltas but never shortens text", () => {
  let s = applyEvent(empty, { seq: 2, type: "MESSAGE_CREATED", message: reply("") });
  s = applyEvent(s, { seq: null, type: "MESSAGE_DELTA", delta: { messageId: "m1", offset: 6, text: "world" } });
  assert.equal(s.messages[0]!.content, "");
  s = applyEvent(s, {
    seq: null,
    type: "MESSAGE_SNAPSHOT",
    delta: { messageId: "m1", offset: 0, text: "Hello world" },
  });
  assert.equal(s.messages[0]!.content, "Hello world");
  s = applyEvent(s, { seq: null, type: "MESSAGE_SNAPSHOT", delta: { messageId: "m1", offset: 0, text: "Hello" } });
  assert.equal(s.messages[0]!.content, "Hello world");
});

test("the customer's pending message is replaced by the stored one", () => {
  const s0: Transcript = { ...empty, pending: [{ clientMessageId: "c1", content: "hi", failed: false }] };
  const customer: ChatMessage = {
    ...reply("hi", "COMPLETE"),
    id: "m0",
    seq: 1,
    role: "CUSTOMER",
    clientMessageId: "c1",
  };
  const s = applyEvent(s0, { seq: 1, type: "MESSAGE_CREATED", message: customer });
  assert.equal(s.pending.length, 0);
  assert.equal(s.messages.length, 1);
});
