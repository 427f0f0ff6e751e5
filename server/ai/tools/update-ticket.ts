import { tool } from "ai";
import { z } from "zod";
import { AppError } from "../../errors.ts";
import { changeTicket, getCustomerTicket } from "../../tickets/service.ts";
import type { ToolContext } from "./context.ts";

const noteInput = z.object({
  ticket_id: z.string().regex(/^TK-\d{5,6}$/i, "Ticket ids look like TK-12345"),
  note: z.string().min(1).max(2000),
});

export const updateTicket = (ctx: ToolContext) =>
  tool({
    description: "Add a note to one of this customer's tickets. Every change is written to the ticket's audit trail.",
    inputSchema: noteInput,
    execute: async ({ ticket_id, note }) => {
      try {
        const ticket = await getCustomerTicket(ctx.db, ctx, ticket_id);
        const updated = await changeTicket(ctx.db, ticket, { actor: `agent:${ctx.agent.key}`, note });
        return { ticketId: updated.id, status: updated.status, noted: true };
      } catch (error) {
        if (error instanceof AppError && error.code === "NOT_FOUND")
          return { error: `No ticket ${ticket_id.toUpperCase()} was found for this account.` };
        throw error;
      }
    },
  });
