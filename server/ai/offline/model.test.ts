import assert from "node:assert/strict";
import { test } from "node:test";
import { wordStream } from "./model.ts";

const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 3, text: 3, reasoning: 0 },
};
/** Lets every promise that can settle now do so (setImmediate is not among the mocked timers). */
const settled = () => new Promise((resolve) => setImmediate(resolve));

/** A read that can be asked whether it has come back yet. */
function pending<T>(read: Promise<T>) {
  const state = { done: false, value: undefined as T | undefined };
  const whole = read.then((value) => Object.assign(state, { done: true, value }));
  return { state, whole };
}

test("a word is made only once the reader has taken the one before", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const reader = wordStream(["one ", "two ", "three"], 25, usage, undefined).getReader();
  for (const type of ["stream-start", "response-metadata", "text-start"])
    assert.equal((await reader.read()).value?.type, type);
  const first = pending(reader.read());
  await settled();
  assert.equal(first.state.done, false);
  t.mock.timers.tick(25);
  await first.whole;
  assert.deepEqual(first.state.value?.value, { type: "text-delta", id: "t0", delta: "one " });
  // The reader is busy for ten words' time: one word waits for it, not all of them.
  for (let i = 0; i < 10; i++) {
    t.mock.timers.tick(25);
    await settled();
  }
  assert.equal((await reader.read()).value?.type, "text-delta");
  const third = pending(reader.read());
  await settled();
  assert.equal(third.state.done, false, "the third word came before its time");
  t.mock.timers.tick(25);
  await third.whole;
  assert.deepEqual(third.state.value?.value, { type: "text-delta", id: "t0", delta: "three" });
  assert.deepEqual(
    [(await reader.read()).value?.type, (await reader.read()).value?.type, (await reader.read()).done],
    ["text-end", "finish", true],
  );
});

test("an abort ends the stream with its reason and leaves no timer behind", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const abort = new AbortController();
  const reader = wordStream(["one ", "two"], 25, usage, abort.signal).getReader();
  for (let i = 0; i < 3; i++) await reader.read();
  const word = reader.read();
  await settled();
  const reason = new Error("timed out");
  abort.abort(reason);
  await assert.rejects(word, (err) => err === reason);
  // The word's timer was cleared: running the clock on enqueues nothing into an errored stream.
  assert.doesNotThrow(() => t.mock.timers.tick(100));
});
