import { tool } from "ai";
import { z } from "zod";
import { ActionRefused } from "../../autonomy/actions.ts";
import { requestAction } from "../../autonomy/decisions.ts";
import type { ToolContext } from "./context.ts";

/**
 * Asks to refund one of the customer's payments. Whether it runs now or waits for a person is
 * not the model's choice: the autonomy mode, the admin's limits and the track record decide.
 */
export const refundPayment = (ctx: ToolContext) =>
  tool({
    description:
      "Refund a payment on the linked account (for example the second of two payments for one invoice). Give the reasoning in plain words from the facts you found, and your confidence. Depending on the autonomy mode it runs now or waits for a person's approval: tell the customer exactly what it returned.",
    inputSchema: z.object({
      paymentId: z.string().min(3).max(40).describe("The payment to refund, e.g. PAY-70422."),
      amount: z
        .number()
        .positive()
        .max(100_000)
        .optional()
        .describe("Amount in the payment's currency; the whole payment if omitted."),
      reason: z.string().min(3).max(200).describe("Short reason, e.g. 'duplicate payment on INV-1042'."),
      reasoning: z.string().min(3).max(2000).describe("Why this refund is right, from the facts you found."),
      confidence: z
        .number()
        .min(0)
        .max(1)
        .optional()
        .describe("Your confidence that a person would approve it, 0 to 1."),
    }),
    execute: async ({ paymentId, amount, reason, reasoning, confidence }) => {
      try {
        const { decision, outcome } = await requestAction(ctx, {
          conversationId: ctx.conversationId,
          agent: ctx.agent.key,
          action: "refund_payment",
          args: { paymentId, amount, reason },
          reasoning,
          confidence,
        });
        return {
          outcome,
          status: decision.status,
          decisionId: decision.id,
          summary: decision.summary,
          message:
            decision.status === "executed"
              ? "The refund has been issued."
              : decision.status === "failed"
                ? "The refund could not be completed; a person will follow up."
                : "A person is checking the refund before it goes through.",
        };
      } catch (error) {
        if (error instanceof ActionRefused) return { error: error.message };
        throw error;
      }
    },
  });
