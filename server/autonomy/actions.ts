import { eq } from "drizzle-orm";
import { customers, type Conversation, type Decision } from "../../drizzle/schema.ts";
import { formatMoney } from "../accounts/service.ts";
import { issueRefund, refundablePayment, RefundRefused } from "../accounts/refunds.ts";
import type { Queryable, Transaction } from "../db/client.ts";
import { amountBucket } from "./learning.ts";

/** An action the AI may want to take, described before anyone decides on it. */
export interface PreparedAction {
  arguments: Record<string, unknown>;
  summary: string;
  /** One live decision per real-world effect. */
  dedupeKey: string;
  /** What Auto's limit is compared with (0 for actions without an amount). */
  amountCents: number;
  context: Record<string, string>;
}

export interface ActionDefinition {
  name: string;
  risk: "low" | "medium" | "high";
  /** Validates the request against real data; throws ActionRefused with a message the model relays. */
  prepare(
    db: Queryable,
    conversation: Conversation,
    agent: string,
    args: Record<string, unknown>,
  ): Promise<PreparedAction>;
  /** Does the real thing inside the decision's transaction; returns the result and what the customer is told. */
  execute(
    tx: Transaction,
    decision: Decision,
    conversation: Conversation,
  ): Promise<{ result: Record<string, unknown>; customerMessage: string }>;
}

export class ActionRefused extends Error {}

const refundPayment: ActionDefinition = {
  name: "refund_payment",
  risk: "high",
  async prepare(db, conversation, agent, args) {
    if (!conversation.customerId) throw new ActionRefused("No customer account is linked to this conversation.");
    const paymentId = String(args.paymentId ?? "")
      .trim()
      .toUpperCase();
    const payment = await refundablePayment(db, conversation.customerId, paymentId).catch((err: unknown) => {
      throw err instanceof RefundRefused ? new ActionRefused(err.message) : err;
    });
    const amount = typeof args.amount === "number" ? args.amount : payment.amountCents / 100;
    const amountCents = Math.round(amount * 100);
    if (!(amountCents > 0) || amountCents > payment.amountCents) {
      throw new ActionRefused(
        `The refund must be more than 0 and at most ${formatMoney(payment.amountCents, payment.currency)}.`,
      );
    }
    const reason =
      String(args.reason ?? "")
        .trim()
        .slice(0, 200) || "refund requested";
    const [customer] = await db
      .select({ plan: customers.plan })
      .from(customers)
      .where(eq(customers.id, conversation.customerId));
    return {
      arguments: { paymentId: payment.id, amountCents, currency: payment.currency, reason },
      summary: `Refund ${formatMoney(amountCents, payment.currency)} of payment ${payment.id}${payment.invoiceId ? ` on ${payment.invoiceId}` : ""} (${reason})`,
      dedupeKey: `refund_payment:${payment.id}`,
      amountCents,
      context: { agent, plan: customer?.plan ?? "none", amount: amountBucket(amountCents) },
    };
  },
  async execute(tx, decision, conversation) {
    const args = decision.arguments as { paymentId: string; amountCents: number; currency: string; reason: string };
    const refund = await issueRefund(tx, {
      decisionId: decision.id,
      customerId: conversation.customerId!,
      paymentId: args.paymentId,
      amountCents: args.amountCents,
      reason: args.reason,
    });
    return {
      result: { refundId: refund.id, paymentId: refund.paymentId, amountCents: refund.amountCents },
      customerMessage: `Your refund of ${formatMoney(refund.amountCents, refund.currency)} for payment ${refund.paymentId} has been issued. It reaches your account in 3–5 business days.`,
    };
  },
};

export const actions: Record<string, ActionDefinition> = { refund_payment: refundPayment };

export function getAction(name: string): ActionDefinition | undefined {
  return Object.hasOwn(actions, name) ? actions[name] : undefined;
}
