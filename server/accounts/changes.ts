import { randomInt } from "node:crypto";
import { and, eq, gte, sql } from "drizzle-orm";
import {
  accountCredits,
  customers,
  replacements,
  shipments,
  subscriptionChanges,
  type Customer,
} from "../../drizzle/schema.ts";
import type { Queryable, Transaction } from "../db/client.ts";

/**
 * The one module that changes customer accounts on a decision's behalf: goodwill credits, plan
 * changes, cancellations and replacement devices. Each row carries its decision id under a unique
 * constraint, so an approved action happens exactly once.
 */

export class AccountChangeRefused extends Error {}

export const plans = ["Basic", "Pro", "Business"] as const;
export type Plan = (typeof plans)[number];

export async function customerById(db: Queryable, id: string): Promise<Customer> {
  const [row] = await db.select().from(customers).where(eq(customers.id, id));
  if (!row) throw new AccountChangeRefused("No customer account is linked to this conversation.");
  return row;
}

/** Credit granted to a customer since the start of this calendar month (UTC), in cents. */
export async function creditThisMonth(db: Queryable, customerId: string, now = new Date()): Promise<number> {
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const [row] = await db
    .select({ total: sql<number>`coalesce(sum(${accountCredits.amountCents}), 0)::int` })
    .from(accountCredits)
    .where(and(eq(accountCredits.customerId, customerId), gte(accountCredits.createdAt, monthStart)));
  return Number(row?.total ?? 0);
}

export async function grantCredit(
  tx: Transaction,
  input: { decisionId: string; customerId: string; amountCents: number; reason: string },
) {
  if (input.amountCents <= 0) throw new AccountChangeRefused("A credit must be more than 0.");
  const [row] = await tx
    .insert(accountCredits)
    .values({ ...input, currency: "EUR" })
    .returning();
  return row!;
}

export async function changePlan(
  tx: Transaction,
  input: { decisionId: string; customerId: string; toPlan: Plan; reason: string },
) {
  const [customer] = await tx.select().from(customers).where(eq(customers.id, input.customerId)).for("update");
  if (!customer) throw new AccountChangeRefused("The account was not found.");
  if (customer.status === "cancelled") throw new AccountChangeRefused("The subscription is cancelled.");
  if (customer.plan === input.toPlan) throw new AccountChangeRefused(`The account is already on ${input.toPlan}.`);
  await tx.update(customers).set({ plan: input.toPlan }).where(eq(customers.id, customer.id));
  const [row] = await tx
    .insert(subscriptionChanges)
    .values({
      decisionId: input.decisionId,
      customerId: customer.id,
      kind: "plan_change",
      fromPlan: customer.plan,
      toPlan: input.toPlan,
      reason: input.reason,
    })
    .returning();
  return row!;
}

export async function cancelSubscription(
  tx: Transaction,
  input: { decisionId: string; customerId: string; reason: string },
) {
  const [customer] = await tx.select().from(customers).where(eq(customers.id, input.customerId)).for("update");
  if (!customer) throw new AccountChangeRefused("The account was not found.");
  if (customer.status === "cancelled") throw new AccountChangeRefused("The subscription is already cancelled.");
  await tx.update(customers).set({ status: "cancelled" }).where(eq(customers.id, customer.id));
  const [row] = await tx
    .insert(subscriptionChanges)
    .values({
      decisionId: input.decisionId,
      customerId: customer.id,
      kind: "cancellation",
      fromPlan: customer.plan,
      toPlan: null,
      reason: input.reason,
    })
    .returning();
  return row!;
}

/** An RMA with random, non-sequential id and its shipment row (label created). */
export async function sendReplacement(
  tx: Transaction,
  input: { decisionId: string; customerId: string; device: string; reason: string },
) {
  const id = `RMA-${randomInt(100_000, 1_000_000)}`;
  const [replacement] = await tx
    .insert(replacements)
    .values({ id, ...input })
    .returning();
  const [shipment] = await tx.insert(shipments).values({ replacementId: id }).returning();
  return { replacement: replacement!, shipment: shipment! };
}
