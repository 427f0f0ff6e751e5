import { desc, eq } from "drizzle-orm";
import { customers, invoices, payments, type Customer, type Invoice, type Payment } from "../../drizzle/schema.ts";
import type { Queryable } from "../db/client.ts";

export interface AccountSummary {
  customer: Customer;
  invoices: Invoice[];
  payments: Payment[];
  /** Invoices paid more than once: the usual shape of a "double charge". */
  duplicateCharges: Array<{ invoiceId: string; amountCents: number; currency: string; payments: string[] }>;
}

export async function getAccountSummary(db: Queryable, customerId: string): Promise<AccountSummary | null> {
  const [customer] = await db.select().from(customers).where(eq(customers.id, customerId)).limit(1);
  if (!customer) return null;
  const recentInvoices = await db
    .select()
    .from(invoices)
    .where(eq(invoices.customerId, customerId))
    .orderBy(desc(invoices.issuedAt))
    .limit(6);
  const recentPayments = await db
    .select()
    .from(payments)
    .where(eq(payments.customerId, customerId))
    .orderBy(desc(payments.paidAt))
    .limit(12);
  const byInvoice = new Map<string, Payment[]>();
  for (const p of recentPayments) {
    if (!p.invoiceId || p.status !== "succeeded") continue;
    byInvoice.set(p.invoiceId, [...(byInvoice.get(p.invoiceId) ?? []), p]);
  }
  const duplicateCharges = [...byInvoice.entries()]
    .filter(([, list]) => list.length > 1)
    .map(([invoiceId, list]) => ({
      invoiceId,
      amountCents: list[0]!.amountCents,
      currency: list[0]!.currency,
      // In the order they were charged, so the reply reads the same every time.
      payments: list.map((p) => p.id).sort(),
    }));
  return { customer, invoices: recentInvoices, payments: recentPayments, duplicateCharges };
}

export async function findCustomerByEmail(db: Queryable, email: string): Promise<Customer | null> {
  const [row] = await db.select().from(customers).where(eq(customers.email, email.trim().toLowerCase())).limit(1);
  return row ?? null;
}

export const formatMoney = (cents: number, currency: string) =>
  new Intl.NumberFormat("en-IE", { style: "currency", currency }).format(cents / 100);
