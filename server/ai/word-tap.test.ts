import assert from "node:assert/strict";
import { test } from "node:test";
import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4StreamPart } from "@ai-sdk/provider";
import { isStepCount, streamText, tool } from "ai";
import { z } from "zod";
import { afterEachTool, coalesceText, tapWords } from "./word-tap.ts";

const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 1, text: 1, reasoning: 0 },
};
const textParts = (id: string, words: string[]): LanguageModelV4StreamPart[] => [
  { type: "text-start", id },
  ...words.map((delta) => ({ type: "text-delta" as const, id, delta })),
  { type: "text-end", id },
];
const finish = (unified: "stop" | "tool-calls"): LanguageModelV4StreamPart => ({
  type: "finish",
  usage,
  finishReason: { unified, raw: unified },
});

/**
 * A model that streams the parts of each step in turn, one part per read, and records every
 * call's prompt. `pulled` counts the parts handed out so far.
 */
function scripted(steps: LanguageModelV4StreamPart[][]) {
  const prompts: LanguageModelV4CallOptions["prompt"][] = [];
  const state = { pulled: 0, cancelled: null as unknown };
  const model: LanguageModelV4 = {
    specificationVersion: "v4",
    provider: "test",
    modelId: "scripted",
    supportedUrls: {},
    doGenerate: () => Promise.reject(new Error("streaming only")),
    doStream: (options) => {
      prompts.push(options.prompt);
      const parts = [
        { type: "stream-start", warnings: [] } as LanguageModelV4StreamPart,
        ...steps[prompts.length - 1]!,
      ];
      let i = 0;
      const stream = new ReadableStream<LanguageModelV4StreamPart>({
        pull(controller) {
          if (i === parts.length) return controller.close();
          state.pulled++;
          controller.enqueue(parts[i++]!);
        },
        cancel(reason) {
          state.cancelled = reason;
        },
      });
      return Promise.resolve({ stream });
    },
  };
  return { model, prompts, state };
}

async function readAll<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  const reader = stream.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) out.push(r.value);
  return out;
}

test("the words reach the sink one by one; streamText gets each block as one part, so its text is whole", async () => {
  const { model } = scripted([[...textParts("a", ["Try ", "holding ", "power."]), finish("stop")]]);
  const words: string[] = [];
  const result = streamText({ model: tapWords(model, (w) => void words.push(w)), prompt: "hi" });
  const deltas: string[] = [];
  for await (const part of result.fullStream) if (part.type === "text-delta") deltas.push(part.text);
  assert.deepEqual(words, ["Try ", "holding ", "power."]);
  assert.deepEqual(deltas, ["Try holding power."]);
  assert.equal(await result.text, "Try holding power.");
});

test("tool calls pass through: the tool runs, and the next step's prompt holds the text said before it", async () => {
  const { model, prompts } = scripted([
    [
      ...textParts("a", ["Let me ", "look."]),
      { type: "tool-call", toolCallId: "c1", toolName: "lookup", input: JSON.stringify({ orderId: "A-1" }) },
      finish("tool-calls"),
    ],
    [...textParts("b", ["It ", "shipped."]), finish("stop")],
  ]);
  const words: string[] = [];
  const ran: string[] = [];
  const result = streamText({
    model: tapWords(model, (w) => void words.push(w)),
    prompt: "where is my order",
    tools: {
      lookup: tool({
        inputSchema: z.object({ orderId: z.string() }),
        execute: ({ orderId }) => (ran.push(orderId), Promise.resolve("shipped")),
      }),
    },
    stopWhen: isStepCount(3),
  });
  const results: unknown[] = [];
  for await (const part of result.fullStream) if (part.type === "tool-result") results.push(part.output);
  assert.deepEqual(words, ["Let me ", "look.", "It ", "shipped."]);
  assert.deepEqual(ran, ["A-1"]);
  assert.deepEqual(results, ["shipped"]);
  const assistant = prompts[1]!.find((m) => m.role === "assistant");
  assert.deepEqual(
    assistant?.content.filter((c) => c.type === "text").map((c) => (c as { text: string }).text),
    ["Let me look."],
  );
});

test("what is recorded after a tool comes before any word of the next step", async () => {
  const { model } = scripted([
    [
      { type: "tool-call", toolCallId: "c1", toolName: "lookup", input: JSON.stringify({ orderId: "A-1" }) },
      finish("tool-calls"),
    ],
    [...textParts("b", ["It ", "shipped."]), finish("stop")],
  ]);
  const log: string[] = [];
  const result = streamText({
    model: tapWords(model, (w) => void log.push(`word ${w}`)),
    prompt: "where is my order",
    tools: afterEachTool(
      {
        lookup: tool({
          inputSchema: z.object({ orderId: z.string() }),
          execute: () => Promise.resolve("shipped"),
        }),
      },
      async (name, input, output) => {
        // A slow store: several turns of the event loop.
        for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
        log.push(`recorded ${name} ${JSON.stringify(input)} ${JSON.stringify(output)}`);
      },
    ),
    stopWhen: isStepCount(3),
  });
  await result.consumeStream();
  assert.deepEqual(log, ['recorded lookup {"orderId":"A-1"} "shipped"', "word It ", "word shipped."]);
});

test("a sink that throws ends the model's stream with its error and cancels the model", async () => {
  const { model, state } = scripted([[...textParts("a", ["one ", "two ", "three ", "four"]), finish("stop")]]);
  const refusal = new Error("taken over");
  const words: string[] = [];
  const tapped = coalesceText((await model.doStream({ prompt: [] })).stream, (w) => {
    if (words.length === 2) throw refusal;
    words.push(w);
  });
  await assert.rejects(readAll(tapped), (err) => err === refusal);
  assert.deepEqual(words, ["one ", "two "]);
  assert.equal(state.cancelled, refusal);
  // Nothing was read up to the model's finish (each stream reads at most one part ahead).
  assert.ok(state.pulled < 8, `read ${state.pulled} of 8 parts`);
});

test("the model is read only as fast as the sink takes the words", async () => {
  const { model, state } = scripted([[...textParts("a", ["one ", "two ", "three"]), finish("stop")]]);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let sinking = 0;
  const tapped = coalesceText((await model.doStream({ prompt: [] })).stream, async () => {
    if (sinking++ === 0) await held;
  });
  const reading = readAll(tapped);
  // Give the stream every chance to read ahead while the first word is held.
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  const whileHeld = state.pulled;
  release();
  const parts = await reading;
  // stream-start, text-start and the held word, and one part the model's own stream queued
  // ahead; not the rest.
  assert.equal(whileHeld, 4);
  assert.deepEqual(
    parts.map((p) => p.type),
    ["stream-start", "text-start", "text-delta", "text-end", "finish"],
  );
});

test("a block the model never ends is passed on whole before its finish", async () => {
  const { model } = scripted([
    [
      { type: "text-start", id: "a" },
      { type: "text-delta", id: "a", delta: "cut " },
      { type: "text-delta", id: "a", delta: "short" },
      finish("stop"),
    ],
  ]);
  const parts = await readAll(coalesceText((await model.doStream({ prompt: [] })).stream, () => {}));
  assert.deepEqual(
    parts.filter((p) => p.type !== "stream-start"),
    [{ type: "text-start", id: "a" }, { type: "text-delta", id: "a", delta: "cut short" }, finish("stop")],
  );
});
