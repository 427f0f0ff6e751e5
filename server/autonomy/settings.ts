import { eq } from "drizzle-orm";
import { autonomyAudit, autonomyModes, settings, type AutonomyMode, type Conversation } from "../../drizzle/schema.ts";
import { desc } from "drizzle-orm";
import type { Actor } from "../auth/actor.ts";
import type { Database, Queryable } from "../db/client.ts";
import type { EventBus } from "../events/bus.ts";
import { badInput } from "../errors.ts";
import { requireAdmin, requireOperator, requireStaff } from "../auth/access.ts";
import { getConversation } from "../conversations/service.ts";
import { writeWithEvents } from "../conversations/log.ts";
import { setAutonomyOverride } from "../conversations/transitions.ts";

/** What an admin sets for one gated action. */
export interface ActionPolicy {
  /** Semi-Auto runs it without asking. */
  preApproved: boolean;
  /** Auto runs it up to this amount (cents); above it, it proposes. −1: Auto always asks. */
  autoLimitCents: number;
  /** Semi-Auto also runs it once the track record's lower bound is above this... */
  threshold: number;
  /** ...with at least this many decisions behind it. */
  minDecisions: number;
}

export interface AutonomySettings {
  mode: AutonomyMode;
  /** A proposal nobody decides within this long expires. */
  proposalTtlMinutes: number;
  actions: Record<string, ActionPolicy>;
  updatedBy?: string;
}

export const DEFAULT_AUTONOMY: AutonomySettings = {
  mode: "semi_auto",
  proposalTtlMinutes: 60,
  actions: {
    refund_payment: { preApproved: false, autoLimitCents: 10_000, threshold: 0.9, minDecisions: 30 },
    // Auto grants credits up to €20 per customer per calendar month.
    issue_credit: { preApproved: false, autoLimitCents: 2_000, threshold: 0.9, minDecisions: 30 },
    // Actions without an amount: Auto runs them (limit 0 ≥ 0); Semi-Auto asks.
    change_plan: { preApproved: false, autoLimitCents: 0, threshold: 0.9, minDecisions: 30 },
    // −1: always asks, even in Auto.
    cancel_subscription: { preApproved: false, autoLimitCents: -1, threshold: 0.95, minDecisions: 50 },
    send_replacement: { preApproved: false, autoLimitCents: 0, threshold: 0.9, minDecisions: 30 },
    // High and urgent tickets: pre-approved, so Semi-Auto opens them at once; Manual proposes them.
    create_ticket: { preApproved: true, autoLimitCents: 0, threshold: 0.9, minDecisions: 30 },
    resolve_conversation: { preApproved: false, autoLimitCents: 0, threshold: 0.9, minDecisions: 30 },
    // The conductor's interventions. Semi-Auto runs the light ones (bringing in a person, raising a
    // priority, an apology with the status, a help article) and asks before the rest; Auto runs
    // them all; Manual asks for every one.
    offer_human: { preApproved: true, autoLimitCents: 0, threshold: 0.9, minDecisions: 30 },
    raise_priority: { preApproved: true, autoLimitCents: 0, threshold: 0.9, minDecisions: 30 },
    apologise_with_status: { preApproved: true, autoLimitCents: 0, threshold: 0.9, minDecisions: 30 },
    send_article: { preApproved: true, autoLimitCents: 0, threshold: 0.9, minDecisions: 30 },
    switch_specialist: { preApproved: false, autoLimitCents: 0, threshold: 0.9, minDecisions: 30 },
    offer_callback: { preApproved: false, autoLimitCents: 0, threshold: 0.9, minDecisions: 30 },
    // A goodwill credit: Auto grants it within €20 of credit per customer per month, like issue_credit.
    goodwill_credit: { preApproved: false, autoLimitCents: 2_000, threshold: 0.9, minDecisions: 30 },
  },
};

export async function getAutonomySettings(db: Queryable): Promise<AutonomySettings> {
  const [row] = await db.select().from(settings).where(eq(settings.key, "autonomy"));
  const stored = (row?.value ?? {}) as Partial<AutonomySettings>;
  return { ...DEFAULT_AUTONOMY, ...stored, actions: { ...DEFAULT_AUTONOMY.actions, ...(stored.actions ?? {}) } };
}

export async function saveAutonomySettings(
  db: Queryable,
  actor: Actor,
  next: AutonomySettings,
): Promise<AutonomySettings> {
  const admin = requireAdmin(actor);
  for (const [name, p] of Object.entries(next.actions)) {
    if (!Number.isInteger(p.autoLimitCents) || p.autoLimitCents < -1)
      throw badInput(`${name}: autoLimitCents is a whole number of 0 or more, or −1 (Auto always asks).`);
    if (!(p.threshold >= 0 && p.threshold <= 1)) throw badInput(`${name}: threshold is between 0 and 1.`);
    if (!Number.isInteger(p.minDecisions) || p.minDecisions < 0)
      throw badInput(`${name}: minDecisions is a whole number of 0 or more.`);
  }
  const value = { ...next, updatedBy: admin.name };
  await db
    .insert(settings)
    .values({ key: "autonomy", value })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: new Date() } });
  return value;
}

/** The mode that applies to a conversation: its own override, else the global one. */
export const effectiveMode = (
  conversation: Pick<Conversation, "autonomyMode">,
  global: AutonomySettings,
): AutonomyMode => conversation.autonomyMode ?? global.mode;

/**
 * Sets the autonomy mode: for one conversation (any operator), or globally (admins). Takes effect
 * at the AI's next step, is recorded, and every operator screen is told.
 */
export async function setAutonomyMode(
  deps: { db: Database; bus: EventBus },
  actor: Actor,
  mode: AutonomyMode | null,
  conversationId?: unknown,
): Promise<{ mode: AutonomyMode; conversationId: string | null }> {
  const op = requireOperator(actor);
  if (mode !== null && !autonomyModes.includes(mode)) throw badInput("Unknown mode.", "mode");
  if (conversationId === undefined || conversationId === null) {
    if (mode === null) throw badInput("The global mode cannot be cleared.", "mode");
    const current = await getAutonomySettings(deps.db);
    await saveAutonomySettings(deps.db, actor, { ...current, mode });
    await audit(deps.db, op, { scope: "global", subject: mode, change: { from: current.mode, to: mode } });
    deps.bus.publish("decision", "all", { type: "mode_changed", mode, at: new Date().toISOString() });
    return { mode, conversationId: null };
  }
  const conversation = await getConversation(deps.db, actor, conversationId);
  const updated = await writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
    const row = await setAutonomyOverride(tx, conversation.id, mode);
    await audit(tx, op, {
      scope: "conversation",
      conversationId: conversation.id,
      subject: mode ?? "global",
      change: { from: conversation.autonomyMode ?? "global", to: mode ?? "global" },
    });
    await batch.append(tx, conversation.id, "decision", { kind: "mode", mode: mode ?? "global", by: op.name });
    batch.publishAfterCommit("decision", "all", {
      type: "mode_changed",
      conversationId: conversation.id,
      mode: mode ?? "global",
      at: new Date().toISOString(),
    });
    return row;
  });
  return { mode: effectiveMode(updated, await getAutonomySettings(deps.db)), conversationId: conversation.id };
}

/** An admin changes one action's policy (pre-approval, Auto's limit, the learning threshold). */
export async function updateActionPolicy(
  db: Queryable,
  actor: Actor,
  action: unknown,
  patch: Partial<Record<keyof ActionPolicy, unknown>>,
): Promise<AutonomySettings> {
  requireAdmin(actor);
  const current = await getAutonomySettings(db);
  const name = typeof action === "string" ? action : "";
  if (!Object.hasOwn(current.actions, name))
    throw badInput(`Unknown action. Choose one of: ${Object.keys(current.actions).join(", ")}.`, "action");
  const next: ActionPolicy = { ...current.actions[name]! };
  if (patch.preApproved !== undefined && patch.preApproved !== null) next.preApproved = Boolean(patch.preApproved);
  for (const key of ["autoLimitCents", "threshold", "minDecisions"] as const) {
    const value = patch[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || !Number.isFinite(value)) throw badInput(`${key} must be a number.`, key);
    next[key] = value;
  }
  const saved = await saveAutonomySettings(db, actor, { ...current, actions: { ...current.actions, [name]: next } });
  await audit(db, requireAdmin(actor), {
    scope: "policy",
    subject: name,
    change: { from: current.actions[name], to: next },
  });
  return saved;
}

async function audit(
  db: Queryable,
  op: { operatorId: string; name: string },
  entry: {
    scope: "global" | "conversation" | "policy";
    conversationId?: string;
    subject: string;
    change: Record<string, unknown>;
  },
): Promise<void> {
  await db.insert(autonomyAudit).values({ ...entry, operatorId: op.operatorId, operatorName: op.name });
}

/** The latest changes to modes and limits (operators may read who changed what). */
export async function listAutonomyAudit(db: Queryable, actor: Actor, limit = 20) {
  requireStaff(actor, "decisions:read");
  return db.select().from(autonomyAudit).orderBy(desc(autonomyAudit.createdAt)).limit(limit);
}
