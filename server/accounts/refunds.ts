import { and, eq } from "drizzle-orm";
import { payments, refunds, type Payment, type Refund } from "../../drizzle/schema.ts";
import type { Queryable, Transaction } from "../db/client.ts";

/**
 * The one module that writes refunds and the refund state of payments. A refund is tied to the
 * decision that approved it (unique), so it happens exactly once.
 */

export class RefundRefused extends Error {}

/** The customer's own payment that can still be refunded, or a plain refusal. */
export async function refundablePayment(db: Queryable, customerId: string, paymentId: string): Promise<Payment> {
  const [payment] = await db
    .select()
    .from(payments)
    .where(and(eq(payments.id, paymentId.trim().toUpperCase()), eq(payments.customerId, customerId)))
    .limit(1);
  if (!payment) throw new RefundRefused(`Payment ${paymentId} was not found on this customer's account.`);
  if (payment.status !== "succeeded")
    throw new RefundRefused(`Payment ${payment.id} is ${payment.status} and cannot be refunded.`);
  return payment;
}

export async function issueRefund(
  tx: Transaction,
  input: { decisionId: string; customerId: string; paymentId: string; amountCents: number; reason: string },
): Promise<Refund> {
  const [payment] = await tx.select().from(payments).where(eq(payments.id, input.paymentId)).for("update");
  if (!payment || payment.customerId !== input.customerId)
    throw new RefundRefused("The payment is not on this account.");
  if (payment.status !== "succeeded") throw new RefundRefused(`Payment ${payment.id} is already ${payment.status}.`);
  if (input.amountCents <= 0 || input.amountCents > payment.amountCents)
    throw new RefundRefused("The amount is more than was paid.");
  const [refund] = await tx
    .insert(refunds)
    .values({ ...input, currency: payment.currency })
    .returning();
  await tx.update(payments).set({ status: "refunded" }).where(eq(payments.id, payment.id));
  return refund!;
}
