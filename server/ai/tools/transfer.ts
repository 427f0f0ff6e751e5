import { tool } from "ai";
import { z } from "zod";
import { setCurrentAgent } from "../../conversations/transitions.ts";
import { writeWithEvents } from "../../conversations/log.ts";
import { insertMessage } from "../../conversations/messages.ts";
import type { AgentDefinition } from "../agents.ts";
import type { ToolContext } from "./context.ts";

export const transferToolName = (target: string) => `transfer_to_${target}`;
export const isTransferTool = (name: string) => name.startsWith("transfer_to_");

/** A handoff: the conversation's current agent changes, and the customer sees why. */
export const transferTo = (ctx: ToolContext, target: AgentDefinition) =>
  tool({
    description: `Hand the conversation to ${target.name}: ${target.handoffDescription}`,
    inputSchema: z.object({ reason: z.string().min(3).max(200).describe("A short reason the customer will see.") }),
    execute: async ({ reason }) => {
      await writeWithEvents(ctx.db, ctx.bus, async (tx, batch) => {
        await setCurrentAgent(tx, ctx.conversationId, target.key);
        await batch.append(tx, ctx.conversationId, "handoff", { from: ctx.agent.key, agent: target.key, note: reason });
        await insertMessage(tx, batch, ctx.conversationId, {
          role: "system",
          content: `Transferred to ${target.name}: ${reason}`,
        });
      });
      return { transferred: true, to: target.key, reason };
    },
  });
