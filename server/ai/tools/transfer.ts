import { tool } from "ai";
import { z } from "zod";
import { setCurrentAgent } from "../../conversations/transitions.ts";
import { writeWithEvents, type EventBatch } from "../../conversations/log.ts";
import type { Transaction } from "../../db/client.ts";
import { insertMessage } from "../../conversations/messages.ts";
import type { AgentDefinition } from "../agents.ts";
import type { ToolContext } from "./context.ts";

const reasonInput = z.object({
  reason: z.string().min(3).max(200).describe("A short reason, for the next agent and the team."),
});

export const transferToolName = (target: string) => `transfer_to_${target}`;
export const isTransferTool = (name: string) => name.startsWith("transfer_to_");

/** The one line a customer reads when a specialist takes over. */
export const transferLine = (target: Pick<AgentDefinition, "name">) => `You're now talking to ${target.name} (AI).`;

/** A handoff: the conversation's current agent changes; the customer reads one friendly line, the reason stays on the event. */
export const transferTo = (ctx: ToolContext, target: AgentDefinition) =>
  tool({
    description: `Hand the conversation to ${target.name}: ${target.handoffDescription}`,
    inputSchema: reasonInput,
    execute: ({ reason }) => handOff(ctx, target, reason),
  });

/** Makes the current agent's handoff: the tool's effect, also used when the runner keeps an agent's promise for it. */
export async function handOff(ctx: ToolContext, target: AgentDefinition, reason: string) {
  await writeWithEvents(ctx.db, ctx.bus, (tx, batch) =>
    recordHandoff(tx, batch, ctx.conversationId, ctx.agent.key, target, reason),
  );
  return { transferred: true, to: target.key, reason };
}

/** A handoff inside the caller's transaction (an agent's tool, or the conductor switching specialist). */
export async function recordHandoff(
  tx: Transaction,
  batch: EventBatch,
  conversationId: string,
  from: string,
  target: AgentDefinition,
  reason: string,
): Promise<void> {
  await setCurrentAgent(tx, conversationId, target.key);
  await batch.append(tx, conversationId, "handoff", { from, agent: target.key, note: reason });
  // The customer reads who joined; the reason (written by an AI agent) is the team's and the agents'.
  await insertMessage(tx, batch, conversationId, { role: "system", content: transferLine(target) });
}
