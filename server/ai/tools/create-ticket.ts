import { tool } from "ai";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { conversations, departments, priorities } from "../../../drizzle/schema.ts";
import { writeWithEvents } from "../../conversations/log.ts";
import { escalateConversation } from "../../escalations/service.ts";
import { createTicket, departmentLabels } from "../../tickets/service.ts";
import { customerConfirmed, readCase, summarise } from "../case.ts";
import { setWorkflow } from "../../conversations/transitions.ts";
import { customerRepliesAfter } from "./update-case.ts";
import type { ToolContext } from "./context.ts";

const departmentInput = z.enum(["Technical Support", "Billing", "Sales", ...departments]);
const toKey = (d: z.infer<typeof departmentInput>) =>
  d === "Technical Support" ? "technical" : d === "Billing" ? "billing" : d === "Sales" ? "sales" : d;

/**
 * Creates a ticket, but only for a case the customer has confirmed: the workflow is enforced
 * here, not just in the prompt, so no model can skip the confirmation.
 */
export const createTicketTool = (ctx: ToolContext) =>
  tool({
    description:
      "Create a support ticket for the confirmed case. Departments: Technical Support, Billing, Sales. Priorities: low, medium, high, urgent. Give the customer the returned ticket id.",
    inputSchema: z.object({
      description: z.string().min(3).max(2000),
      department: departmentInput,
      priority: z.enum(priorities),
    }),
    execute: async ({ description, department, priority }) =>
      writeWithEvents(ctx.db, ctx.bus, async (tx, batch) => {
        const [row] = await tx
          .select()
          .from(conversations)
          .where(eq(conversations.id, ctx.conversationId))
          .for("update");
        const state = readCase(row?.workflow);
        // Checked again from the stored messages: only the customer's own "yes" after the summary opens the way.
        const confirmed =
          !!state && customerConfirmed(state, await customerRepliesAfter(tx, ctx.conversationId, state.summaryAtSeq));
        if (!state || state.step !== "confirm" || !confirmed) {
          return {
            error: "The customer has not confirmed the case summary yet. Summarise it and ask them to confirm first.",
          };
        }
        const ticket = await createTicket(tx, {
          customerId: ctx.customerId,
          conversationId: ctx.conversationId,
          department: toKey(department),
          priority,
          subject: state.reason,
          description: `${summarise(state)}. ${description}`,
          actor: `agent:${ctx.agent.key}`,
        });
        let escalated = false;
        if (state.escalate) {
          await escalateConversation(tx, batch, {
            conversationId: ctx.conversationId,
            reason: state.reason,
            summary: summarise(state),
            priority,
            agent: ctx.agent.key,
            ticketId: ticket.id,
          });
          escalated = true;
        }
        await setWorkflow(tx, ctx.conversationId, {
          ...(row!.workflow ?? {}),
          case: { ...state, step: "done", ticketId: ticket.id, confirmed: true },
        });
        return {
          ticketId: ticket.id,
          department: departmentLabels[ticket.department],
          priority: ticket.priority,
          status: ticket.status,
          escalated,
        };
      }),
  });
