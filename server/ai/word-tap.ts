import type { LanguageModelV4, LanguageModelV4StreamPart, SharedV4ProviderMetadata } from "@ai-sdk/provider";
import { wrapLanguageModel, type ToolSet } from "ai";
import { wrapEachExecute } from "./tools/wrap.ts";

/**
 * Receives each piece of a reply's text as the model produces it. It may be async: the model's
 * stream waits for it (the first word waits for the reply's row). If it throws, the model's
 * stream fails with that error, so the turn ends as it would on any model error.
 */
export type WordSink = (delta: string) => void | Promise<void>;

/**
 * The model as `streamText` sees it when the runner reads the words itself.
 *
 * `streamText` passes every part through about ten web-stream stages (the step's transforms,
 * tool handling, its event processor, the tee behind `fullStream`). Per streamed word that is
 * several times the model's own cost, and at hundreds of concurrent replies it was the largest
 * share of the server's thread (docs/decisions/012-operations.md, tenth pass). So the words are
 * read here, at the model's stream, and handed to `sink`; `streamText` gets each block of text
 * as one part when the block ends. Everything else the model sends (tool calls, reasoning,
 * usage, finish, errors) passes through unchanged, so steps, tools, stop conditions and the
 * messages of the next step are `streamText`'s as before, with the same text.
 */
export function tapWords(model: LanguageModelV4, sink: WordSink): LanguageModelV4 {
  return wrapLanguageModel({
    model,
    middleware: {
      specificationVersion: "v4",
      wrapStream: async ({ doStream }) => {
        const result = await doStream();
        return { ...result, stream: coalesceText(result.stream, sink) };
      },
    },
  });
}

/**
 * `source` with each text block's deltas given to `sink` as they arrive and passed on as one
 * delta just before the block's end. Reads `source` only as fast as it is read (pull), so the
 * model's own backpressure holds.
 */
export function coalesceText(
  source: ReadableStream<LanguageModelV4StreamPart>,
  sink: WordSink,
): ReadableStream<LanguageModelV4StreamPart> {
  const reader = source.getReader();
  const blocks = new Map<string, { text: string; providerMetadata?: SharedV4ProviderMetadata }>();
  /** The text of blocks not yet ended, passed on before the model's finish if no end came. */
  const flush = (controller: ReadableStreamDefaultController<LanguageModelV4StreamPart>, id?: string) => {
    for (const [key, block] of blocks) {
      if (id !== undefined && key !== id) continue;
      blocks.delete(key);
      if (block.text)
        controller.enqueue({
          type: "text-delta",
          id: key,
          delta: block.text,
          ...(block.providerMetadata ? { providerMetadata: block.providerMetadata } : {}),
        });
    }
  };
  return new ReadableStream<LanguageModelV4StreamPart>({
    async pull(controller) {
      for (;;) {
        const { done, value: part } = await reader.read();
        if (done) {
          flush(controller);
          return controller.close();
        }
        if (part.type !== "text-delta") {
          if (part.type === "text-end") flush(controller, part.id);
          else if (part.type === "finish") flush(controller);
          return controller.enqueue(part);
        }
        const block = blocks.get(part.id) ?? { text: "" };
        block.text += part.delta;
        if (part.providerMetadata) block.providerMetadata = part.providerMetadata;
        blocks.set(part.id, block);
        if (!part.delta) continue;
        try {
          await sink(part.delta);
        } catch (err) {
          await reader.cancel(err).catch(() => {});
          throw err;
        }
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/**
 * `tools` with `after` run on each tool's input and output once the tool has returned, before
 * `streamText` sees the result. `streamText` starts a step only after the last step's tools have
 * returned, so what `after` records comes before any word of the next step, which a tapped model
 * hands over the moment the model says it.
 */
export function afterEachTool<T extends ToolSet>(
  tools: T,
  after: (name: string, input: unknown, output: unknown) => Promise<void>,
): T {
  return wrapEachExecute(tools, (name, execute) => async (input, options) => {
    const output = await execute(input, options);
    await after(name, input, output);
    return output;
  });
}
