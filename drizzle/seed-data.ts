import { sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "../server/db/client.ts";
import {
  customers,
  incidents,
  invoices,
  knowledgeArticles,
  payments,
  systemServices,
  ticketAudit,
  tickets,
} from "./schema.ts";
import { knowledgeSeed } from "./knowledge.ts";

/**
 * Demo data for Northwind Devices, a company that sells laptops and devices with service plans
 * (Basic, Pro, Business) and a device-protection add-on. Dates are relative to the seeding day
 * so "this month" always means something.
 */
export const seedCustomers = [
  {
    id: "00000000-0000-4000-8000-000000000001",
    email: "ada@example.com",
    name: "Ada Lovelace",
    company: "Analytical Engines Ltd",
    plan: "Business",
    protectionPlan: true,
  },
  {
    id: "00000000-0000-4000-8000-000000000002",
    email: "grace@example.com",
    name: "Grace Hopper",
    company: null,
    plan: "Pro",
    protectionPlan: false,
  },
  {
    id: "00000000-0000-4000-8000-000000000003",
    email: "alan@example.com",
    name: "Alan Turing",
    company: "Bletchley Labs",
    plan: "Basic",
    protectionPlan: true,
  },
] as const;

// One reference instant, so rows seeded "at the same time" really share a timestamp.
const seededAt = Date.now();
const daysAgo = (n: number) => new Date(seededAt - n * 86_400_000);

export async function seed(db: Database): Promise<void> {
  const [ada, grace, alan] = seedCustomers;
  await db
    .insert(customers)
    .values(seedCustomers.map((c) => ({ ...c })))
    .onConflictDoNothing();
  await db
    .insert(invoices)
    .values([
      {
        id: "INV-1040",
        customerId: ada.id,
        description: "Business plan, 5 seats",
        amountCents: 8900,
        status: "paid",
        issuedAt: daysAgo(62),
      },
      {
        id: "INV-1041",
        customerId: ada.id,
        description: "Business plan, 5 seats",
        amountCents: 8900,
        status: "paid",
        issuedAt: daysAgo(32),
      },
      {
        id: "INV-1042",
        customerId: ada.id,
        description: "Business plan, 5 seats",
        amountCents: 8900,
        status: "paid",
        issuedAt: daysAgo(3),
      },
      {
        id: "INV-2051",
        customerId: grace.id,
        description: "Pro plan",
        amountCents: 2900,
        status: "paid",
        issuedAt: daysAgo(34),
      },
      {
        id: "INV-2052",
        customerId: grace.id,
        description: "Pro plan",
        amountCents: 2900,
        status: "paid",
        issuedAt: daysAgo(4),
      },
      {
        id: "INV-3007",
        customerId: alan.id,
        description: "Basic plan + Device Protection",
        amountCents: 1800,
        status: "open",
        issuedAt: daysAgo(2),
      },
    ])
    .onConflictDoNothing();
  await db
    .insert(payments)
    .values([
      {
        id: "PAY-70401",
        customerId: ada.id,
        invoiceId: "INV-1040",
        amountCents: 8900,
        method: "Visa ending 4242",
        status: "succeeded",
        paidAt: daysAgo(61),
      },
      {
        id: "PAY-70411",
        customerId: ada.id,
        invoiceId: "INV-1041",
        amountCents: 8900,
        method: "Visa ending 4242",
        status: "succeeded",
        paidAt: daysAgo(31),
      },
      // The double charge the billing agent should find.
      {
        id: "PAY-70421",
        customerId: ada.id,
        invoiceId: "INV-1042",
        amountCents: 8900,
        method: "Visa ending 4242",
        status: "succeeded",
        paidAt: daysAgo(2),
      },
      {
        id: "PAY-70422",
        customerId: ada.id,
        invoiceId: "INV-1042",
        amountCents: 8900,
        method: "Visa ending 4242",
        status: "succeeded",
        paidAt: new Date(daysAgo(2).getTime() + 90_000),
      },
      {
        id: "PAY-80511",
        customerId: grace.id,
        invoiceId: "INV-2051",
        amountCents: 2900,
        method: "Mastercard ending 5100",
        status: "succeeded",
        paidAt: daysAgo(33),
      },
      {
        id: "PAY-80521",
        customerId: grace.id,
        invoiceId: "INV-2052",
        amountCents: 2900,
        method: "Mastercard ending 5100",
        status: "succeeded",
        paidAt: daysAgo(3),
      },
    ])
    .onConflictDoNothing();
  await db
    .insert(systemServices)
    .values([
      { id: "portal", name: "Customer portal", status: "operational" },
      { id: "activation", name: "Device activation", status: "operational" },
      { id: "backup", name: "Cloud backup", status: "degraded" },
      { id: "payments", name: "Payments", status: "operational" },
    ])
    .onConflictDoNothing();
  const [open] = await db.select({ n: sql<number>`count(*)::int` }).from(incidents);
  if ((open?.n ?? 0) === 0) {
    await db.insert(incidents).values({
      serviceId: "backup",
      title: "Delayed backups in the EU region",
      status: "identified",
      startedAt: daysAgo(0.1),
    });
  }
  await db
    .insert(tickets)
    .values([
      {
        id: "TK-48213",
        customerId: ada.id,
        department: "technical",
        priority: "medium",
        status: "in_progress",
        subject: "Battery drains quickly",
        description: "Laptop battery drops 30% an hour since the last update.",
        createdAt: daysAgo(5),
        updatedAt: daysAgo(1),
      },
      {
        id: "TK-73051",
        customerId: grace.id,
        department: "billing",
        priority: "low",
        status: "resolved",
        subject: "Invoice address change",
        description: "Update the billing address on invoices.",
        createdAt: daysAgo(20),
        updatedAt: daysAgo(18),
      },
    ])
    .onConflictDoNothing();
  await db
    .insert(ticketAudit)
    .values([
      {
        ticketId: "TK-48213",
        actor: "customer",
        action: "created",
        statusAfter: "open",
        priorityAfter: "medium",
        createdAt: daysAgo(5),
      },
      {
        ticketId: "TK-48213",
        actor: "system",
        action: "status",
        statusBefore: "open",
        statusAfter: "in_progress",
        note: "Diagnostics requested",
        createdAt: daysAgo(1),
      },
    ])
    .onConflictDoNothing();
  await db.insert(knowledgeArticles).values(knowledgeSeed).onConflictDoNothing();
}

/** Seeds a brand-new database once; later starts leave data alone. */
export async function seedIfEmpty(db: Database, log: Logger): Promise<void> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(customers);
  if ((row?.n ?? 0) > 0) return;
  await seed(db);
  log.info({ customers: seedCustomers.length }, "seeded an empty database");
}
