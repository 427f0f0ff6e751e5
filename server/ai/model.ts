import { createOpenAI } from "@ai-sdk/openai";
import type { LanguageModelV4 } from "@ai-sdk/provider";
import type { Config } from "../config.ts";
import { OfflineLanguageModel } from "./offline/model.ts";

export interface ResolvedModel {
  model: LanguageModelV4;
  /** Shown to people: the offline model is labelled as such. */
  label: string;
  offline: boolean;
}

/**
 * The one seam where the language model is chosen. Any OpenAI-compatible server speaks chat
 * completions, so the configured provider uses `.chat()` rather than the Responses API.
 */
export function resolveModel(ai: Config["ai"]): ResolvedModel {
  if (ai.apiKey || ai.baseURL) {
    const provider = createOpenAI({ apiKey: ai.apiKey ?? "not-needed", baseURL: ai.baseURL });
    return { model: provider.chat(ai.model), label: ai.model, offline: false };
  }
  return {
    model: new OfflineLanguageModel({ delayMs: ai.offlineDelayMs }),
    label: "Tandem offline model",
    offline: true,
  };
}
