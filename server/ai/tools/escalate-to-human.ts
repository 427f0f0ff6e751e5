import { tool } from "ai";
import { z } from "zod";
import { priorities } from "../../../drizzle/schema.ts";
import { writeWithEvents } from "../../conversations/log.ts";
import { escalateConversation } from "../../escalations/service.ts";
import type { ToolContext } from "./context.ts";

const escalationInput = z.object({
  reason: z.string().min(3).max(300),
  summary: z.string().min(3).max(2000),
  priority: z.enum(priorities),
});

export const escalateToHuman = (ctx: ToolContext) =>
  tool({
    description:
      "Hand the conversation to a human operator: when the customer asks for a person, when a decision is beyond your authority, or when a confirmed case needs one. Tell the customer plainly what happens next.",
    inputSchema: escalationInput,
    execute: async ({ reason, summary, priority }) => {
      const escalation = await writeWithEvents(ctx.db, ctx.bus, (tx, batch) =>
        escalateConversation(tx, batch, {
          conversationId: ctx.conversationId,
          reason,
          summary,
          priority,
          agent: ctx.agent.key,
        }),
      );
      // With nobody online, the request was kept as a ticket and the customer was told so already.
      const someoneOnline = !escalation.ticketId || escalation.assignedTo !== null;
      return {
        escalated: true,
        escalationId: escalation.id,
        priority,
        someoneOnline,
        ticketId: escalation.ticketId,
        next: someoneOnline
          ? "A member of the support team will join this chat."
          : "Nobody from the team is online; the customer has been told, and the request is kept as a ticket. Do not repeat that; say the team will see everything discussed.",
      };
    },
  });
