import { tool } from "ai";
import { z } from "zod";
import { AppError } from "../../errors.ts";
import { departmentLabels, getCustomerTicket } from "../../tickets/service.ts";
import type { ToolContext } from "./context.ts";

const ticketIdInput = z.object({ ticket_id: z.string().regex(/^TK-\d{5,6}$/i, "Ticket ids look like TK-12345") });

export const getTicketStatus = (ctx: ToolContext) =>
  tool({
    description: "Get the status of one of this customer's support tickets by its id (TK-12345).",
    inputSchema: ticketIdInput,
    execute: async ({ ticket_id }) => {
      try {
        const t = await getCustomerTicket(ctx.db, ctx, ticket_id);
        return {
          ticketId: t.id,
          subject: t.subject,
          status: t.status,
          priority: t.priority,
          department: departmentLabels[t.department],
          updatedAt: t.updatedAt.toISOString().slice(0, 10),
        };
      } catch (error) {
        if (error instanceof AppError && error.code === "NOT_FOUND") {
          return { error: `No ticket ${ticket_id.toUpperCase()} was found for this account.` };
        }
        throw error;
      }
    },
  });
