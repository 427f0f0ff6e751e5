import { tool } from "ai";
import { z } from "zod";
import { setCurrentAgent } from "../../conversations/transitions.ts";
import { writeWithEvents } from "../../conversations/log.ts";
import { insertMessage } from "../../conversations/messages.ts";
import type { AgentDefinition } from "../agents.ts";
import type { ToolContext } from "./context.ts";

export const transferToolName = (target: string) => `transfer_to_${target}`;
export const isTransferTool = (name: string) => name.startsWith("transfer_to_");

/** The one line a customer reads when a specialist takes over. */
export const transferLine = (target: Pick<AgentDefinition, "name">) => `You're now talking to ${target.name} (AI).`;

/** A handoff: the conversation's current agent changes; the customer reads one friendly line, the reason stays on the event. */
export const transferTo = (ctx: ToolContext, target: AgentDefinition) =>
  tool({
    description: `Hand the conversation to ${target.name}: ${target.handoffDescription}`,
    inputSchema: z.object({
      reason: z.string().min(3).max(200).describe("A short reason, for the next agent and the team."),
    }),
    execute: ({ reason }) => handOff(ctx, target, reason),
  });

/** Makes the current agent's handoff: the tool's effect, also used when the runner keeps an agent's promise for it. */
export async function handOff(ctx: ToolContext, target: AgentDefinition, reason: string) {
  await writeWithEvents(ctx.db, ctx.bus, async (tx, batch) => {
    await setCurrentAgent(tx, ctx.conversationId, target.key);
    await batch.append(tx, ctx.conversationId, "handoff", { from: ctx.agent.key, agent: target.key, note: reason });
    // The customer reads who joined; the reason (written by an AI agent) is the team's and the agents'.
    await insertMessage(tx, batch, ctx.conversationId, { role: "system", content: transferLine(target) });
  });
  return { transferred: true, to: target.key, reason };
}
