import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4GenerateResult,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
  LanguageModelV4Usage,
} from "@ai-sdk/provider";
import { FACTS_OPTION, type ConversationFacts } from "../context.ts";
import { decide, NO_FACTS, readSituation, type Decision } from "./brain.ts";
import { SUMMARY_OPTION, type SummarySource } from "../summary.ts";
import { offlineSummary } from "./summarise.ts";

export const OFFLINE_MODEL_ID = "tandem-offline-1";

/** Rough token count (4 characters a token), labelled as an estimate wherever it is shown. */
export const estimateTokens = (text: string) => Math.ceil(text.length / 4);

function textOf(message: LanguageModelV4Prompt[number]): string {
  if (typeof message.content === "string") return message.content;
  return message.content.map((p) => (p.type === "text" ? p.text : "")).join("");
}

function usageFor(prompt: LanguageModelV4Prompt, output: string): LanguageModelV4Usage {
  const input = estimateTokens(prompt.map(textOf).join("\n"));
  const out = estimateTokens(output);
  return {
    inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: out, text: out, reasoning: 0 },
  };
}

/** The facts the runner passed along with the prompt (see server/ai/context.ts). */
function factsOf(options: LanguageModelV4CallOptions): ConversationFacts {
  const facts = options.providerOptions?.[FACTS_OPTION]?.facts;
  return facts && typeof facts === "object" ? (facts as unknown as ConversationFacts) : NO_FACTS;
}

/** Splits text into word-sized pieces, keeping whitespace so the pieces join back exactly. */
export function chunkText(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? (text ? [text] : []);
}

/**
 * The built-in model: real, deterministic software behind the same LanguageModelV4 interface
 * as a hosted LLM. It reads the conversation, decides what to say, and streams it word by word.
 */
export class OfflineLanguageModel implements LanguageModelV4 {
  readonly specificationVersion = "v4" as const;
  readonly provider = "tandem-offline";
  readonly modelId = OFFLINE_MODEL_ID;
  readonly supportedUrls = {};

  private readonly opts: { delayMs: number };
  constructor(opts: { delayMs: number }) {
    this.opts = opts;
  }

  private respond(options: LanguageModelV4CallOptions): Decision {
    // A request for structured output: the case summary is the one this model knows how to write.
    if (options.responseFormat?.type === "json") {
      const source = options.providerOptions?.[SUMMARY_OPTION]?.source;
      if (source && typeof source === "object")
        return { kind: "text", text: JSON.stringify(offlineSummary(source as unknown as SummarySource)) };
      return { kind: "text", text: "{}" };
    }
    const toolNames = (options.tools ?? []).map((t) => t.name);
    const decision = decide(readSituation(options.prompt, toolNames, factsOf(options)));
    if (decision.kind === "tool" && !toolNames.includes(decision.name)) {
      return {
        kind: "text",
        text: "I'm not able to do that from here, but I can bring in a member of our team if you'd like.",
      };
    }
    return decision;
  }

  async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    const decision = this.respond(options);
    const id = `call_${Date.now().toString(36)}`;
    const content: LanguageModelV4Content[] =
      decision.kind === "text"
        ? [{ type: "text", text: decision.text }]
        : [{ type: "tool-call", toolCallId: id, toolName: decision.name, input: JSON.stringify(decision.input) }];
    return {
      content,
      finishReason:
        decision.kind === "text" ? { unified: "stop", raw: "stop" } : { unified: "tool-calls", raw: "tool_calls" },
      usage: usageFor(options.prompt, decision.kind === "text" ? decision.text : JSON.stringify(decision.input)),
      warnings: [],
    };
  }

  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const decision = this.respond(options);
    if (decision.kind === "tool") return { stream: toolCallStream(options, decision) };
    const text = decision.text;
    const chunks = chunkText(text);
    const usage = usageFor(options.prompt, text);
    return { stream: wordStream(chunks, this.opts.delayMs, usage, options.abortSignal) };
  }
}

/**
 * The reply's words, one every `delayMs`, as a model streams them. A word is made only when the
 * reader has taken the one before (pull), so a busy reader gets no pile of words at once; one
 * abort listener serves the whole stream.
 */
export function wordStream(
  chunks: string[],
  delayMs: number,
  usage: ReturnType<typeof usageFor>,
  signal: AbortSignal | undefined,
): ReadableStream<LanguageModelV4StreamPart> {
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  let onAbort = () => {};
  const stop = () => {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  };
  return new ReadableStream<LanguageModelV4StreamPart>({
    start(controller) {
      if (signal?.aborted) return controller.error(signal.reason);
      onAbort = () => {
        stop();
        controller.error(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      controller.enqueue({ type: "stream-start", warnings: [] });
      controller.enqueue({
        type: "response-metadata",
        id: `offline-${Date.now()}`,
        modelId: OFFLINE_MODEL_ID,
        timestamp: new Date(),
      });
      controller.enqueue({ type: "text-start", id: "t0" });
    },
    pull(controller) {
      if (next === chunks.length) {
        stop();
        controller.enqueue({ type: "text-end", id: "t0" });
        controller.enqueue({ type: "finish", usage, finishReason: { unified: "stop", raw: "stop" } });
        return controller.close();
      }
      const delta = chunks[next++]!;
      if (delayMs <= 0) return controller.enqueue({ type: "text-delta", id: "t0", delta });
      return new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          controller.enqueue({ type: "text-delta", id: "t0", delta });
          resolve();
        }, delayMs);
      });
    },
    cancel: stop,
  });
}

function toolCallStream(
  options: LanguageModelV4CallOptions,
  decision: Extract<Decision, { kind: "tool" }>,
): ReadableStream<LanguageModelV4StreamPart> {
  const input = JSON.stringify(decision.input);
  const id = `call_${Math.random().toString(36).slice(2, 10)}`;
  const parts: LanguageModelV4StreamPart[] = [
    { type: "stream-start", warnings: [] },
    { type: "response-metadata", id: `offline-${Date.now()}`, modelId: OFFLINE_MODEL_ID, timestamp: new Date() },
    { type: "tool-input-start", id, toolName: decision.name },
    { type: "tool-input-delta", id, delta: input },
    { type: "tool-input-end", id },
    { type: "tool-call", toolCallId: id, toolName: decision.name, input },
    {
      type: "finish",
      usage: usageFor(options.prompt, input),
      finishReason: { unified: "tool-calls", raw: "tool_calls" },
    },
  ];
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    },
  });
}
