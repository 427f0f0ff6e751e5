import { agents } from "../server/ai/agents.ts";

/** Every tool name any agent may call: the offline model decides against the full set. */
export function buildAgentToolNames(): string[] {
  return [...new Set(Object.values(agents).flatMap((a) => [...a.tools, ...a.handoffs.map((h) => `transfer_to_${h}`)]))];
}
