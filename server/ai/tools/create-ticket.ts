import { tool } from "ai";
import { z } from "zod";
import { departments, priorities, type Priority } from "../../../drizzle/schema.ts";
import { writeWithEvents } from "../../conversations/log.ts";
import { ActionRefused } from "../../autonomy/actions.ts";
import { requestAction } from "../../autonomy/decisions.ts";
import { openCaseTicket } from "../case-ticket.ts";
import type { ToolContext } from "./context.ts";

const departmentInput = z.enum(["Technical Support", "Billing", "Sales", ...departments]);
const toKey = (d: z.infer<typeof departmentInput>) =>
  d === "Technical Support" ? "technical" : d === "Billing" ? "billing" : d === "Sales" ? "sales" : d;

const ticketInput = z.object({
  description: z.string().min(3).max(2000),
  department: departmentInput,
  priority: z.enum(priorities),
});

/**
 * Creates a ticket, but only for a case the customer has confirmed: the workflow is enforced in
 * code, not just in the prompt, so no model can skip the confirmation. A high or urgent ticket
 * is a decision (pre-approved by default, so Semi-Auto opens it at once; Manual proposes it).
 */
export const createTicketTool = (ctx: ToolContext) =>
  tool({
    description:
      "Create a support ticket for the confirmed case. Departments: Technical Support, Billing, Sales. Priorities: low, medium, high, urgent. Give the customer the returned ticket id.",
    inputSchema: ticketInput,
    execute: async ({ description, department, priority }) => {
      const input = { description, department: toKey(department), priority: priority as Priority };
      if (priority === "high" || priority === "urgent") {
        try {
          const { decision } = await requestAction(ctx, {
            conversationId: ctx.conversationId,
            agent: ctx.agent.key,
            action: "create_ticket",
            args: input,
            reasoning: `The customer confirmed the case summary; ${priority} priority because of what they reported.`,
          });
          if (decision.status === "executed") return decision.result;
          if (decision.status === "failed") return { error: decision.error ?? "The ticket could not be opened." };
          return {
            status: decision.status,
            summary: decision.summary,
            message: "A person is checking this before the ticket is opened.",
          };
        } catch (error) {
          if (error instanceof ActionRefused) return { error: error.message };
          throw error;
        }
      }
      try {
        return await writeWithEvents(ctx.db, ctx.bus, (tx, batch) =>
          openCaseTicket(
            tx,
            batch,
            { conversationId: ctx.conversationId, customerId: ctx.customerId, agent: ctx.agent.key },
            input,
          ),
        );
      } catch (error) {
        // Refused before anything was written: the model relays what to do first.
        if (error instanceof ActionRefused) return { error: error.message };
        throw error;
      }
    },
  });
