import { randomBytes } from "node:crypto";
import { and, asc, eq, gt, isNull } from "drizzle-orm";
import { z } from "zod";
import { operatorSessions, operators, type Availability, type Operator, type OperatorRole } from "../../drizzle/schema.ts";
import type { Actor } from "../auth/actor.ts";
import { generateToken, hashToken } from "../auth/tokens.ts";
import type { Queryable } from "../db/client.ts";
import type { EventBus } from "../events/bus.ts";
import { AppError, badInput, conflict, forbidden, notFound, unauthenticated } from "../errors.ts";
import { DUMMY_HASH, hashPassword, verifyPassword } from "./passwords.ts";
import { touchOperator } from "./presence.ts";

export const OPERATOR_COOKIE = "tandem_op";
export const SESSION_TTL_MS = 12 * 60 * 60_000;

export type OperatorActor = Extract<Actor, { kind: "operator" }>;

export function requireOperator(actor: Actor): OperatorActor {
  if (actor.kind === "operator") return actor;
  if (actor.kind === "anonymous") throw unauthenticated("Sign in as an operator.");
  throw forbidden("Only operators can do that.");
}

export function requireAdmin(actor: Actor): OperatorActor {
  const op = requireOperator(actor);
  if (op.role !== "admin") throw forbidden("Only admins can do that.");
  return op;
}

/** Signs in with email and password; returns a new session token (only its hash is stored). */
export async function signIn(db: Queryable, email: string, password: string, now = new Date()): Promise<{ token: string; operator: Operator }> {
  const [op] = await db.select().from(operators).where(eq(operators.email, email.trim().toLowerCase())).limit(1);
  const ok = await verifyPassword(password, op?.passwordHash ?? DUMMY_HASH);
  if (!op || !ok || op.disabled) throw new AppError("UNAUTHENTICATED", "Wrong email or password.");
  const token = generateToken("os");
  await db.insert(operatorSessions).values({ tokenHash: hashToken(token), operatorId: op.id, expiresAt: new Date(now.getTime() + SESSION_TTL_MS) });
  // Signing in means being at work: the operator shows as online until they say otherwise.
  const [online] = await db.update(operators).set({ availability: "online", lastSeenAt: now }).where(eq(operators.id, op.id)).returning();
  return { token, operator: online ?? op };
}

export async function signOut(db: Queryable, token: string, now = new Date()): Promise<void> {
  const [session] = await db.update(operatorSessions).set({ revokedAt: now }).where(eq(operatorSessions.tokenHash, hashToken(token))).returning();
  if (session) await db.update(operators).set({ availability: "offline" }).where(eq(operators.id, session.operatorId));
}

/** The operator behind a live session token, or null (unknown, expired, revoked, or disabled). */
export async function findOperatorBySession(db: Queryable, token: string, now = new Date()): Promise<Operator | null> {
  if (!token.startsWith("os_") || token.length > 200) return null;
  const [row] = await db
    .select({ operator: operators })
    .from(operatorSessions)
    .innerJoin(operators, eq(operators.id, operatorSessions.operatorId))
    .where(and(eq(operatorSessions.tokenHash, hashToken(token)), isNull(operatorSessions.revokedAt), gt(operatorSessions.expiresAt, now)))
    .limit(1);
  if (!row || row.operator.disabled) return null;
  await touchOperator(db, row.operator, now);
  return row.operator;
}

const newOperator = z.object({
  email: z.email("email must be an email address"),
  name: z.string().trim().min(1, "name is required").max(100),
  role: z.enum(["operator", "admin"]),
  password: z.string().min(12, "password must be at least 12 characters").max(200),
});

export async function createOperator(db: Queryable, actor: Actor, input: { email: string; name: string; role: OperatorRole; password: string }): Promise<Operator> {
  requireAdmin(actor);
  const parsed = newOperator.safeParse(input);
  if (!parsed.success) throw badInput(parsed.error.issues[0]!.message, String(parsed.error.issues[0]!.path[0]));
  const [row] = await db
    .insert(operators)
    .values({ email: parsed.data.email.toLowerCase(), name: parsed.data.name, role: parsed.data.role, passwordHash: await hashPassword(parsed.data.password) })
    .onConflictDoNothing()
    .returning();
  if (!row) throw conflict("An operator with that email already exists.");
  return row;
}

export async function updateOperator(db: Queryable, actor: Actor, id: string, patch: { role?: OperatorRole; disabled?: boolean; capacity?: number }): Promise<Operator> {
  const admin = requireAdmin(actor);
  if (id === admin.operatorId && (patch.disabled || patch.role === "operator")) throw conflict("You cannot disable or demote yourself.");
  if (patch.capacity !== undefined && (!Number.isInteger(patch.capacity) || patch.capacity < 1 || patch.capacity > 50)) throw badInput("capacity is 1 to 50.", "capacity");
  const [row] = await db.update(operators).set(patch).where(eq(operators.id, id)).returning();
  if (!row) throw notFound("Operator");
  if (patch.disabled) await db.update(operatorSessions).set({ revokedAt: new Date() }).where(eq(operatorSessions.operatorId, id));
  return row;
}

/** An operator says whether they want work; every operator screen is told. */
export async function setAvailability({ db, bus }: { db: Queryable; bus: EventBus }, actor: Actor, availability: Availability): Promise<Operator> {
  const op = requireOperator(actor);
  const [row] = await db.update(operators).set({ availability }).where(eq(operators.id, op.operatorId)).returning();
  bus.publish("inbox", "all", { type: "operator_changed", operatorId: op.operatorId, reason: "availability", at: new Date().toISOString() });
  return row!;
}

export async function listOperators(db: Queryable, actor: Actor): Promise<Operator[]> {
  requireOperator(actor);
  return db.select().from(operators).orderBy(asc(operators.name));
}

/** The seed's admin: its password comes from ADMIN_PASSWORD or is generated and printed once. */
export async function ensureAdmin(db: Queryable, email: string, password?: string): Promise<{ email: string; password: string } | null> {
  const [existing] = await db.select({ id: operators.id }).from(operators).limit(1);
  if (existing) return null;
  const secret = password ?? randomBytes(12).toString("base64url");
  await db.insert(operators).values({ email, name: "Admin", role: "admin", passwordHash: await hashPassword(secret) }).onConflictDoNothing();
  return { email, password: secret };
}
