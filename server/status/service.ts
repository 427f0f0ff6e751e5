import { asc, ne } from "drizzle-orm";
import { incidents, systemServices } from "../../drizzle/schema.ts";
import type { Queryable } from "../db/client.ts";

export async function getSystemStatus(db: Queryable) {
  const services = await db.select().from(systemServices).orderBy(asc(systemServices.name));
  const open = await db.select().from(incidents).where(ne(incidents.status, "resolved"));
  return {
    allOperational: services.every((s) => s.status === "operational"),
    services: services.map((s) => ({ id: s.id, name: s.name, status: s.status })),
    incidents: open.map((i) => ({ service: i.serviceId, title: i.title, status: i.status, startedAt: i.startedAt.toISOString() })),
  };
}
