import { tool } from "ai";
import { z } from "zod";
import { formatMoney, getAccountSummary } from "../../accounts/service.ts";
import type { ToolContext } from "./context.ts";

const accountInput = z.object({
  email: z.string().optional().describe("Only to confirm identity; it must match the linked account."),
  customer_id: z.string().optional().describe("Only to confirm identity; it must match the linked account."),
});

export const lookupAccount = (ctx: ToolContext) =>
  tool({
    description:
      "Look up the account linked to this conversation: plan, status, protection plan, recent invoices and payments, and duplicate charges. It only ever returns the conversation's own customer.",
    inputSchema: accountInput,
    execute: async ({ email, customer_id }) => {
      if (!ctx.customerId) return { error: "No customer account is linked to this conversation." };
      const account = await getAccountSummary(ctx.db, ctx.customerId);
      if (!account) return { error: "No customer account is linked to this conversation." };
      if (
        (email && email.trim().toLowerCase() !== account.customer.email) ||
        (customer_id && customer_id.trim() !== account.customer.id)
      ) {
        return { error: "I can only look up the account linked to this conversation." };
      }
      return {
        customerId: account.customer.id,
        name: account.customer.name,
        email: account.customer.email,
        plan: account.customer.plan,
        status: account.customer.status,
        protectionPlan: account.customer.protectionPlan,
        invoices: account.invoices.map((i) => ({
          id: i.id,
          description: i.description,
          amount: formatMoney(i.amountCents, i.currency),
          status: i.status,
          issuedAt: i.issuedAt.toISOString().slice(0, 10),
        })),
        payments: account.payments.map((p) => ({
          id: p.id,
          invoiceId: p.invoiceId,
          amount: formatMoney(p.amountCents, p.currency),
          method: p.method,
          status: p.status,
          paidAt: p.paidAt.toISOString().slice(0, 10),
        })),
        duplicateCharges: account.duplicateCharges.map((d) => ({
          invoiceId: d.invoiceId,
          amount: formatMoney(d.amountCents, d.currency),
          payments: d.payments,
        })),
      };
    },
  });
