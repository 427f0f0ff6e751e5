import { asc, desc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import {
  incidentStatuses,
  incidents,
  serviceStatuses,
  systemServices,
  type Incident,
  type SystemService,
} from "../../drizzle/schema.ts";
import type { Actor } from "../auth/actor.ts";
import type { Queryable } from "../db/client.ts";
import { badInput, notFound } from "../errors.ts";
import type { EventBus } from "../events/bus.ts";
import { requireAdminOrKey } from "../auth/access.ts";

/** What the check_system_status tool and the status page read: every service and the open incidents. */
export async function getSystemStatus(db: Queryable) {
  const { allOperational, services, incidents: open } = await readStatus(db);
  return {
    allOperational,
    services: services.map((s) => ({ id: s.id, name: s.name, status: s.status })),
    incidents: open.map((i) => ({
      service: i.serviceId,
      title: i.title,
      status: i.status,
      startedAt: i.startedAt.toISOString(),
    })),
  };
}

/** The rows behind the status: services by name, unresolved incidents newest first. */
export async function readStatus(
  db: Queryable,
): Promise<{ allOperational: boolean; services: SystemService[]; incidents: Incident[] }> {
  const services = await db.select().from(systemServices).orderBy(asc(systemServices.name));
  const open = await db.select().from(incidents).where(isNull(incidents.resolvedAt)).orderBy(desc(incidents.startedAt));
  return {
    allOperational: services.every((s) => s.status === "operational") && open.length === 0,
    services,
    incidents: open,
  };
}

type StatusDeps = { db: Queryable; bus: EventBus };

/** Every operator screen refetches, so two operators never see different statuses. */
function announce(bus: EventBus, reason: string) {
  bus.publish("inbox", "all", { type: "status_changed", reason, at: new Date().toISOString() });
}

function oneOf<T extends string>(values: readonly T[], value: string, field: string): T {
  if (!(values as readonly string[]).includes(value))
    throw badInput(`${field} must be one of: ${values.join(", ")}.`, field);
  return value as T;
}

/** Admins set a service's status; the agents' status checks see it at once. */
export async function setServiceStatus(
  { db, bus }: StatusDeps,
  actor: Actor,
  serviceId: string,
  status: string,
  now = new Date(),
): Promise<SystemService> {
  requireAdminOrKey(actor);
  const value = oneOf(serviceStatuses, status, "status");
  const [row] = await db
    .update(systemServices)
    .set({ status: value, updatedAt: now })
    .where(eq(systemServices.id, serviceId))
    .returning();
  if (!row) throw notFound("Service");
  announce(bus, "service");
  return row;
}

const newIncident = z.object({
  serviceId: z.string().min(1, "serviceId is required"),
  title: z.string().trim().min(1, "title is required").max(200, "title is at most 200 characters"),
  status: z.enum(
    ["investigating", "identified", "monitoring"],
    "a new incident is investigating, identified or monitoring",
  ),
});

/** Opens an incident on a service. Customers who ask whether something is down hear of it. */
export async function openIncident(
  { db, bus }: StatusDeps,
  actor: Actor,
  input: { serviceId: string; title: string; status: string },
  now = new Date(),
): Promise<Incident> {
  requireAdminOrKey(actor);
  const parsed = newIncident.safeParse(input);
  if (!parsed.success) throw badInput(parsed.error.issues[0]!.message, String(parsed.error.issues[0]!.path[0]));
  const [service] = await db
    .select({ id: systemServices.id })
    .from(systemServices)
    .where(eq(systemServices.id, parsed.data.serviceId));
  if (!service) throw notFound("Service");
  const [row] = await db
    .insert(incidents)
    .values({ ...parsed.data, startedAt: now })
    .returning();
  announce(bus, "incident_opened");
  return row!;
}

/** Moves an open incident along; "resolved" closes it for good. */
export async function updateIncident(
  { db, bus }: StatusDeps,
  actor: Actor,
  id: string,
  status: string,
  now = new Date(),
): Promise<Incident> {
  requireAdminOrKey(actor);
  const value = oneOf(incidentStatuses, status, "status");
  if (!z.uuid().safeParse(id).success) throw notFound("Incident");
  const [current] = await db.select().from(incidents).where(eq(incidents.id, id));
  if (!current) throw notFound("Incident");
  if (current.resolvedAt) throw badInput("That incident is already resolved; open a new one.", "id");
  const [row] = await db
    .update(incidents)
    .set({ status: value, resolvedAt: value === "resolved" ? now : null })
    .where(eq(incidents.id, id))
    .returning();
  announce(bus, "incident_updated");
  return row!;
}
