import { sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "../server/db/client.ts";
import { customers } from "./schema.ts";

/** Demo accounts for Northwind Devices, a company selling laptops, devices and service plans. */
export const seedCustomers = [
  { email: "ada@example.com", name: "Ada Lovelace", company: "Analytical Engines Ltd", plan: "Business" },
  { email: "grace@example.com", name: "Grace Hopper", company: null, plan: "Pro" },
  { email: "alan@example.com", name: "Alan Turing", company: "Bletchley Labs", plan: "Basic" },
] as const;

export async function seed(db: Database): Promise<void> {
  await db.insert(customers).values(seedCustomers.map((c) => ({ ...c }))).onConflictDoNothing();
}

/** Seeds a brand-new database once; later starts leave data alone. */
export async function seedIfEmpty(db: Database, log: Logger): Promise<void> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(customers);
  if ((row?.n ?? 0) > 0) return;
  await seed(db);
  log.info({ customers: seedCustomers.length }, "seeded an empty database");
}
