import { tool, type ToolSet } from "ai";
import { z } from "zod";
import { ActionRefused } from "../../autonomy/actions.ts";
import { requestAction } from "../../autonomy/decisions.ts";
import type { ToolContext } from "./context.ts";

/** What every gated action asks the model for, besides its own arguments. */
const why = {
  reasoning: z.string().min(3).max(2000).describe("Why this is right, in plain words from the facts you found."),
  confidence: z.number().min(0).max(1).optional().describe("Your confidence that a person would approve it, 0 to 1."),
};

const outcomeText: Record<string, string> = {
  executed: "It has been done.",
  failed: "It could not be completed; a person will follow up.",
  proposed: "A person is checking it before it goes through.",
  approved: "It was approved.",
  auto_approved: "It was approved.",
};

/**
 * A tool for an action with real effects. Whether it runs now or waits for a person is not the
 * model's choice: the autonomy mode, the admin's limits and the track record decide.
 */
function gated<S extends z.ZodRawShape>(action: string, description: string, shape: S) {
  // Built once per action (see buildTools).
  const inputSchema = z.object({ ...shape, ...why });
  return (ctx: ToolContext): ToolSet[string] =>
    tool({
      description: `${description} Depending on the autonomy mode it runs now or waits for a person's approval: tell the customer exactly what it returned, and never promise it before it has run.`,
      inputSchema,
      execute: async (input: Record<string, unknown>) => {
        const { reasoning, confidence, ...args } = input as { reasoning: string; confidence?: number } & Record<
          string,
          unknown
        >;
        try {
          const { decision, outcome } = await requestAction(ctx, {
            conversationId: ctx.conversationId,
            agent: ctx.agent.key,
            action,
            args,
            reasoning,
            confidence,
          });
          return {
            outcome,
            status: decision.status,
            decisionId: decision.id,
            summary: decision.summary,
            message: outcomeText[decision.status] ?? decision.status,
          };
        } catch (error) {
          if (error instanceof ActionRefused) return { error: error.message };
          throw error;
        }
      },
    });
}

export const refundPayment = gated(
  "refund_payment",
  "Refund a payment on the linked account (for example the second of two payments for one invoice).",
  {
    paymentId: z.string().min(3).max(40).describe("The payment to refund, e.g. PAY-70422."),
    amount: z
      .number()
      .positive()
      .max(100_000)
      .optional()
      .describe("Amount in the payment's currency; the whole payment if omitted."),
    reason: z.string().min(3).max(200).describe("Short reason, e.g. 'duplicate payment'."),
  },
);

export const issueCredit = gated(
  "issue_credit",
  "Add a goodwill credit (in EUR) to the linked account, taken off the next invoice.",
  {
    amount: z.number().positive().max(500).describe("Amount in EUR."),
    reason: z.string().min(3).max(200),
  },
);

export const changePlan = gated("change_plan", "Move the linked account to another plan (Basic, Pro or Business).", {
  plan: z.enum(["Basic", "Pro", "Business"]),
  reason: z.string().min(3).max(200),
});

export const cancelSubscription = gated("cancel_subscription", "Cancel the linked account's subscription.", {
  reason: z.string().min(3).max(200),
});

export const sendReplacementTool = gated(
  "send_replacement",
  "Send the customer a replacement device (an RMA with a shipment).",
  {
    device: z.string().min(2).max(100).describe("The device to replace, e.g. 'Aero 14'."),
    reason: z.string().min(3).max(200),
  },
);

export const resolveConversationTool = gated(
  "resolve_conversation",
  "Close the conversation once the customer's question is fully answered and they have nothing else.",
  { reason: z.string().min(3).max(200) },
);
