/**
 * What the AI SDK costs per streamed word: CPU time per text part read from `streamText`'s
 * `fullStream` (with tools and stop conditions), read as the runner reads a reply (the words
 * tapped at the model's stream, server/ai/word-tap.ts), from the SDK's single-consumer
 * `experimental_streamTextLowMemory`, and, as the baseline in the same run, from
 * the model's own stream read directly. The model is a stub that emits its words at once, so only
 * the stream plumbing is measured; each word arrives in a turn of the event loop of its own, as a
 * model's words do. BENCH_ROUNDS sets the repetitions (default 15).
 */
import type { LanguageModelV4, LanguageModelV4StreamPart } from "@ai-sdk/provider";
import { experimental_streamTextLowMemory, isStepCount, streamText, tool } from "ai";
import { z } from "zod";
import { tapWords } from "../server/ai/word-tap.ts";
import { printAgainst, takingTurns } from "./lib/stats.ts";

const WORDS = 1000;
const rounds = Number(process.env.BENCH_ROUNDS ?? 15);

const model: LanguageModelV4 = {
  specificationVersion: "v4",
  provider: "bench",
  modelId: "words",
  supportedUrls: {},
  doGenerate: () => Promise.reject(new Error("streaming only")),
  doStream: () => {
    let sent = 0;
    const stream = new ReadableStream<LanguageModelV4StreamPart>({
      start(controller) {
        controller.enqueue({ type: "stream-start", warnings: [] });
        controller.enqueue({ type: "text-start", id: "t0" });
      },
      async pull(controller) {
        await new Promise((resolve) => setImmediate(resolve));
        if (sent++ < WORDS) return controller.enqueue({ type: "text-delta", id: "t0", delta: "word " });
        controller.enqueue({ type: "text-end", id: "t0" });
        controller.enqueue({
          type: "finish",
          usage: {
            inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
            outputTokens: { total: WORDS, text: WORDS, reasoning: 0 },
          },
          finishReason: { unified: "stop", raw: "stop" },
        });
        controller.close();
      },
    });
    return Promise.resolve({ stream });
  },
};

const tools = {
  lookup_order: tool({
    description: "Looks an order up",
    inputSchema: z.object({ orderId: z.string() }),
    execute: () => Promise.resolve("found"),
  }),
  transfer_to_billing: tool({
    description: "Hands over",
    inputSchema: z.object({ reason: z.string() }),
    execute: () => Promise.resolve("done"),
  }),
};
const options = {
  model,
  prompt: "My laptop will not start",
  tools,
  stopWhen: [isStepCount(6)],
  maxRetries: 0,
  onError: () => {},
  abortSignal: AbortSignal.timeout(600_000),
};

type Parts = AsyncIterable<{ type: string }>;
const readers: Record<string, () => Promise<{ parts: Parts; done?: PromiseLike<unknown> }>> = {
  "the model's own stream": async () => ({ parts: (await model.doStream({ prompt: [] })).stream as unknown as Parts }),
  "streamText's fullStream": async () => {
    const result = streamText(options);
    return { parts: result.fullStream, done: result.totalUsage };
  },
  // As the runner reads a reply: the words at the model's stream, the rest through fullStream.
  "streamText with the words tapped": async () => {
    let words = 0;
    const result = streamText({ ...options, model: tapWords(model, () => void words++) });
    const rest = (async function* () {
      for await (const part of result.fullStream) if (part.type !== "text-delta") yield part;
      for (let i = 0; i < words; i++) yield { type: "text-delta" };
    })();
    return { parts: rest, done: result.totalUsage };
  },
  "streamTextLowMemory's fullStream": async () => {
    const result = experimental_streamTextLowMemory(options);
    return { parts: result.fullStream, done: result.totalUsage };
  },
};

/** CPU microseconds per word of one reply read through `read`. */
async function perWord(read: () => Promise<{ parts: Parts; done?: PromiseLike<unknown> }>): Promise<number> {
  const before = process.cpuUsage();
  const { parts, done } = await read();
  let words = 0;
  for await (const part of parts) if (part.type === "text-delta") words++;
  await done;
  const used = process.cpuUsage(before);
  if (words !== WORDS) throw new Error(`read ${words} words of ${WORDS}`);
  return (used.user + used.system) / words;
}

const samples = await takingTurns(
  Object.fromEntries(Object.entries(readers).map(([name, read]) => [name, () => perWord(read)])),
  rounds,
  3,
);
console.log(`\nCPU per streamed word (µs), ${rounds} rounds of ${WORDS} words, median (min–max):`);
printAgainst(samples, "the model's own stream", "µs", "× the model's own", 1);
