import { and, asc, eq, isNotNull, lt, not, or, sql } from "drizzle-orm";
import { escalations, operators, settings, type Escalation, type Operator } from "../../drizzle/schema.ts";
import type { Actor } from "../auth/actor.ts";
import type { Database, Queryable } from "../db/client.ts";
import { badInput } from "../errors.ts";
import type { EventBus } from "../events/bus.ts";
import { availableNow } from "../operators/presence.ts";
import { requireAdmin } from "../operators/service.ts";

export interface AssignmentSettings {
  /** "auto": new escalations go to the least-loaded available operator; "manual": they wait to be claimed. */
  mode: "auto" | "manual";
  /** An assigned escalation nobody has claimed after this long moves to someone else. */
  reassignAfterMs: number;
}

const DEFAULTS: AssignmentSettings = { mode: "auto", reassignAfterMs: 5 * 60_000 };

export async function getAssignmentSettings(db: Queryable): Promise<AssignmentSettings> {
  const [row] = await db.select().from(settings).where(eq(settings.key, "assignment"));
  return { ...DEFAULTS, ...((row?.value as Partial<AssignmentSettings>) ?? {}) };
}

export async function updateAssignmentSettings(db: Queryable, actor: Actor, patch: Partial<AssignmentSettings>): Promise<AssignmentSettings> {
  requireAdmin(actor);
  if (patch.mode && patch.mode !== "auto" && patch.mode !== "manual") throw badInput("mode is auto or manual.", "mode");
  if (patch.reassignAfterMs !== undefined && (!Number.isInteger(patch.reassignAfterMs) || patch.reassignAfterMs < 10_000)) {
    throw badInput("reassignAfterMs is at least 10000.", "reassignAfterMs");
  }
  const next = { ...(await getAssignmentSettings(db)), ...patch };
  await db
    .insert(settings)
    .values({ key: "assignment", value: next })
    .onConflictDoUpdate({ target: settings.key, set: { value: next, updatedAt: new Date() } });
  return next;
}

/** Available operators (online and connected) with room, least loaded first. Load counts escalations assigned to or claimed by them. */
export async function availableOperators(db: Queryable, exclude: string[] = []): Promise<Operator[]> {
  const load = sql<number>`(select count(*)::int from ${escalations} e where e.status <> 'resolved' and (e.claimed_by = ${operators.id} or (e.status = 'pending' and e.assigned_to = ${operators.id})))`;
  const rows = await db
    .select({ operator: operators, load })
    .from(operators)
    .where(availableNow())
    .orderBy(asc(load), asc(operators.createdAt));
  return rows.filter((r) => r.load < r.operator.capacity && !exclude.includes(r.operator.id)).map((r) => r.operator);
}

/** Whether anyone is there to pick up an escalation: online by choice and connected in fact. */
export async function anyOperatorOnline(db: Queryable): Promise<boolean> {
  const [row] = await db.select({ id: operators.id }).from(operators).where(availableNow()).limit(1);
  return !!row;
}

/**
 * Moves escalations that sat assigned but unclaimed past the timeout, or whose assignee is no
 * longer available (went away, signed out, or dropped off), to the next operator, or back to the
 * shared queue when nobody else is free. `now` (injectable for tests) drives the timeout;
 * presence is always judged by the real clock.
 */
export async function reassignStale(deps: { db: Database; bus: EventBus }, now = new Date()): Promise<Escalation[]> {
  const { mode, reassignAfterMs } = await getAssignmentSettings(deps.db);
  if (mode !== "auto") return [];
  const cutoff = new Date(now.getTime() - reassignAfterMs);
  const stale = (
    await deps.db
      .select({ escalation: escalations })
      .from(escalations)
      .innerJoin(operators, eq(operators.id, escalations.assignedTo))
      .where(and(eq(escalations.status, "pending"), isNotNull(escalations.assignedTo), or(lt(escalations.assignedAt, cutoff), not(availableNow()))))
  ).map((r) => r.escalation);
  const moved: Escalation[] = [];
  for (const e of stale) {
    const [next] = await availableOperators(deps.db, [e.assignedTo!]);
    const [row] = await deps.db
      .update(escalations)
      .set({ assignedTo: next?.id ?? null, assignedAt: next ? now : null })
      .where(and(eq(escalations.id, e.id), eq(escalations.status, "pending"), eq(escalations.assignedTo, e.assignedTo!)))
      .returning();
    if (row) {
      moved.push(row);
      deps.bus.publish("inbox", "all", { type: "conversation_changed", conversationId: row.conversationId, reason: "reassigned", at: now.toISOString() });
    }
  }
  return moved;
}

