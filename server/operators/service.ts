import { randomBytes } from "node:crypto";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { and, asc, eq, gt, isNull, lt, ne, or } from "drizzle-orm";
import { z } from "zod";
import {
  operatorSessions,
  operators,
  type Availability,
  type Operator,
  type OperatorRole,
} from "../../drizzle/schema.ts";
import type { Actor } from "../auth/actor.ts";
import { generateToken, hashToken } from "../auth/tokens.ts";
import type { Database, Queryable } from "../db/client.ts";
import { offerWaiting } from "../escalations/assignment.ts";
import type { EventBus } from "../events/bus.ts";
import { AppError, badInput, conflict, notFound } from "../errors.ts";
import { DUMMY_HASH, hashPassword, needsRehash, verifyPassword } from "./passwords.ts";
import type { RateLimits } from "../auth/rate-limit.ts";
import { cleanText, parseId } from "../policy/input.ts";
import { touchOperator } from "./presence.ts";

export const OPERATOR_COOKIE = "tandem_op";
export const SESSION_TTL_MS = 12 * 60 * 60_000;

import { requireAdmin, requireOperator, type OperatorActor } from "../auth/access.ts";

export { requireAdmin, requireOperator, type OperatorActor };

export interface OperatorDomainDeps {
  db: Queryable;
  bus: EventBus;
  rateLimits: RateLimits;
  sessionTtlMs?: number;
}

/** Tells every instance that this operator's sessions or rights changed: open sockets re-check at once. */
export function announceRevocation(bus: EventBus, operatorId: string, reason: string): void {
  bus.publish("session", "all", { operatorId, reason, at: new Date().toISOString() });
}

/** Past this many recent failures for one account, each further attempt waits a little longer (never refused). */
const SLOW_AFTER_FAILURES = 5;
const MAX_SLOWDOWN_MS = 2_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Signs in with email and password; returns a new session token (only its hash is stored).
 * Limits, in this order: input lengths; attempts per client address whatever the email
 * (password spraying); attempts per address and email (guessing one account); then a slow-down
 * per account that grows with its recent failures from anywhere, which delays but never refuses,
 * so someone else's failures cannot lock the owner out. At most MAX_CONCURRENT_PASSWORD_HASHES
 * hashes run at once.
 */
export async function signIn(
  deps: OperatorDomainDeps,
  input: { email: unknown; password: unknown },
  caller: { clientIp: string },
  now = new Date(),
): Promise<{ token: string; operator: Operator }> {
  const email = cleanText(input.email, "email", 254).trim().toLowerCase();
  const password = cleanText(input.password, "password", 1024);
  await deps.rateLimits.signInAddress.take(caller.clientIp);
  await deps.rateLimits.signIn.take(`${caller.clientIp}:${email}`);
  const failures = deps.rateLimits.signInFailures.get(email);
  if (failures > SLOW_AFTER_FAILURES)
    await sleep(Math.min(MAX_SLOWDOWN_MS, 100 * 2 ** Math.min(5, failures - SLOW_AFTER_FAILURES)));
  const [op] = await deps.db.select().from(operators).where(eq(operators.email, email)).limit(1);
  const ok = await verifyPassword(password, op?.passwordHash ?? DUMMY_HASH);
  if (!op || !ok || op.disabled) {
    deps.rateLimits.signInFailures.add(email);
    throw new AppError("UNAUTHENTICATED", "Wrong email or password.");
  }
  deps.rateLimits.signInFailures.clear(email);
  const token = generateToken("os");
  await deps.db.insert(operatorSessions).values({
    tokenHash: hashToken(token),
    operatorId: op.id,
    expiresAt: new Date(now.getTime() + (deps.sessionTtlMs ?? SESSION_TTL_MS)),
  });
  // Signing in means being at work: the operator shows as online until they say otherwise.
  const patch: Partial<Operator> = { availability: "online", lastSeenAt: now };
  if (needsRehash(op.passwordHash)) patch.passwordHash = await hashPassword(password);
  const [online] = await deps.db.update(operators).set(patch).where(eq(operators.id, op.id)).returning();
  return { token, operator: online ?? op };
}

export async function signOut(deps: { db: Queryable; bus: EventBus }, token: string, now = new Date()): Promise<void> {
  const [session] = await deps.db
    .update(operatorSessions)
    .set({ revokedAt: now })
    .where(eq(operatorSessions.tokenHash, hashToken(token)))
    .returning();
  if (!session) return;
  await deps.db.update(operators).set({ availability: "offline" }).where(eq(operators.id, session.operatorId));
  announceRevocation(deps.bus, session.operatorId, "signed-out");
}

/** The operator behind a live session token and when the session ends, or null (unknown, expired, revoked, or disabled). */
export async function findOperatorBySession(
  db: Queryable,
  token: string,
  now = new Date(),
): Promise<{ operator: Operator; expiresAt: Date } | null> {
  if (!token.startsWith("os_") || token.length > 200) return null;
  const [row] = await db
    .select({ operator: operators, expiresAt: operatorSessions.expiresAt })
    .from(operatorSessions)
    .innerJoin(operators, eq(operators.id, operatorSessions.operatorId))
    .where(
      and(
        eq(operatorSessions.tokenHash, hashToken(token)),
        isNull(operatorSessions.revokedAt),
        gt(operatorSessions.expiresAt, now),
      ),
    )
    .limit(1);
  if (!row || row.operator.disabled) return null;
  await touchOperator(db, row.operator, now);
  return row;
}

const newPassword = (field: string) => (value: unknown) => {
  const password = cleanText(value, field, 1024);
  if (password.length < 12) throw badInput(`${field} must be at least 12 characters.`, field);
  return password;
};

/** An operator changes their own password; their other sessions end. */
export async function changePassword(
  deps: { db: Queryable; bus: EventBus },
  actor: Actor,
  input: { currentPassword: unknown; newPassword: unknown },
  currentToken?: string,
): Promise<Operator> {
  const op = requireOperator(actor, { allowPasswordChange: true });
  const current = cleanText(input.currentPassword, "currentPassword", 1024);
  const next = newPassword("newPassword")(input.newPassword);
  if (next === current) throw badInput("Choose a password different from the current one.", "newPassword");
  const [row] = await deps.db.select().from(operators).where(eq(operators.id, op.operatorId));
  if (!row || !(await verifyPassword(current, row.passwordHash)))
    throw badInput("The current password is not right.", "currentPassword");
  const [updated] = await deps.db
    .update(operators)
    .set({ passwordHash: await hashPassword(next), mustChangePassword: false })
    .where(eq(operators.id, op.operatorId))
    .returning();
  const keep = currentToken ? hashToken(currentToken) : "";
  await deps.db
    .update(operatorSessions)
    .set({ revokedAt: new Date() })
    .where(
      and(
        eq(operatorSessions.operatorId, op.operatorId),
        isNull(operatorSessions.revokedAt),
        ne(operatorSessions.tokenHash, keep),
      ),
    );
  announceRevocation(deps.bus, op.operatorId, "password-changed");
  return updated!;
}

/** An admin sets another operator's password: they must change it at next sign-in, and every session of theirs ends now. */
export async function resetOperatorPassword(
  deps: { db: Queryable; bus: EventBus },
  actor: Actor,
  input: { operatorId: unknown; newPassword: unknown },
): Promise<Operator> {
  requireAdmin(actor);
  const id = parseId(input.operatorId, "operatorId");
  const password = newPassword("newPassword")(input.newPassword);
  const [row] = await deps.db
    .update(operators)
    .set({ passwordHash: await hashPassword(password), mustChangePassword: true })
    .where(eq(operators.id, id))
    .returning();
  if (!row) throw notFound("Operator");
  await deps.db
    .update(operatorSessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(operatorSessions.operatorId, id), isNull(operatorSessions.revokedAt)));
  announceRevocation(deps.bus, id, "password-reset");
  return row;
}

const newOperator = z.object({
  email: z.email("email must be an email address"),
  name: z.string().trim().min(1, "name is required").max(100),
  role: z.enum(["operator", "admin"]),
  password: z.string().min(12, "password must be at least 12 characters").max(200),
});

export async function createOperator(
  db: Queryable,
  actor: Actor,
  input: { email: unknown; name: unknown; role: OperatorRole; password: unknown },
): Promise<Operator> {
  requireAdmin(actor);
  const parsed = newOperator.safeParse({
    email: cleanText(input.email, "email", 254).trim(),
    name: cleanText(input.name, "name", 100),
    role: input.role,
    password: cleanText(input.password, "password", 1024),
  });
  if (!parsed.success) throw badInput(parsed.error.issues[0]!.message, String(parsed.error.issues[0]!.path[0]));
  const [row] = await db
    .insert(operators)
    .values({
      email: parsed.data.email.toLowerCase(),
      name: parsed.data.name,
      role: parsed.data.role,
      passwordHash: await hashPassword(parsed.data.password),
    })
    .onConflictDoNothing()
    .returning();
  if (!row) throw conflict("An operator with that email already exists.");
  return row;
}

export async function updateOperator(
  { db, bus }: { db: Queryable; bus: EventBus },
  actor: Actor,
  id: string,
  patch: { role?: OperatorRole; disabled?: boolean; capacity?: number },
): Promise<Operator> {
  const admin = requireAdmin(actor);
  parseId(id, "id");
  if (id === admin.operatorId && (patch.disabled || patch.role === "operator"))
    throw conflict("You cannot disable or demote yourself.");
  if (patch.capacity !== undefined && (!Number.isInteger(patch.capacity) || patch.capacity < 1 || patch.capacity > 50))
    throw badInput("capacity is 1 to 50.", "capacity");
  const [row] = await db.update(operators).set(patch).where(eq(operators.id, id)).returning();
  if (!row) throw notFound("Operator");
  if (patch.disabled)
    await db.update(operatorSessions).set({ revokedAt: new Date() }).where(eq(operatorSessions.operatorId, id));
  // Disabled or with other rights: every open socket of theirs re-checks (and closes) now.
  if (patch.disabled || patch.role) announceRevocation(bus, id, patch.disabled ? "disabled" : "role-changed");
  return row;
}

/** An operator says whether they want work; every operator screen is told. */
/** Online, away or offline. Coming online picks up escalations that waited for someone to be there. */
export async function setAvailability(
  { db, bus }: { db: Database; bus: EventBus },
  actor: Actor,
  availability: Availability,
): Promise<Operator> {
  const op = requireOperator(actor);
  const [row] = await db
    .update(operators)
    .set({ availability, lastSeenAt: new Date() })
    .where(eq(operators.id, op.operatorId))
    .returning();
  bus.publish("inbox", "all", {
    type: "operator_changed",
    operatorId: op.operatorId,
    reason: "availability",
    at: new Date().toISOString(),
  });
  if (availability === "online") await offerWaiting({ db, bus });
  return row!;
}

/**
 * Operators who said they are online but closed the dashboard (no sign of life for `graceMs`)
 * become away, so the team's view and the assignment of new work match who is really there.
 * Every screen hears of it.
 */
export async function markAwayIfGone(
  { db, bus }: { db: Queryable; bus: EventBus },
  graceMs: number,
  now = new Date(),
): Promise<string[]> {
  const cutoff = new Date(now.getTime() - graceMs);
  const rows = await db
    .update(operators)
    .set({ availability: "away" })
    .where(
      and(eq(operators.availability, "online"), or(isNull(operators.lastSeenAt), lt(operators.lastSeenAt, cutoff))),
    )
    .returning({ id: operators.id });
  for (const r of rows)
    bus.publish("inbox", "all", {
      type: "operator_changed",
      operatorId: r.id,
      reason: "away",
      at: now.toISOString(),
    });
  return rows.map((r) => r.id);
}

export async function listOperators(db: Queryable, actor: Actor): Promise<Operator[]> {
  requireOperator(actor);
  return db.select().from(operators).orderBy(asc(operators.name));
}

/**
 * The first admin, on the first start of an empty database. Its password comes from
 * ADMIN_PASSWORD, or is generated: then it is written to a file only its owner can read (never
 * to the log or the terminal) and must be changed at first sign-in.
 */
export async function ensureAdmin(
  db: Queryable,
  email: string,
  password: string | undefined,
  secretsDir: string,
): Promise<{ email: string; passwordFile: string | null } | null> {
  const [existing] = await db.select({ id: operators.id }).from(operators).limit(1);
  if (existing) return null;
  const secret = password ?? randomBytes(18).toString("base64url");
  const [created] = await db
    .insert(operators)
    .values({
      email,
      name: "Admin",
      role: "admin",
      passwordHash: await hashPassword(secret),
      mustChangePassword: !password,
    })
    .onConflictDoNothing()
    .returning();
  if (!created || password) return { email, passwordFile: null };
  await mkdir(secretsDir, { recursive: true, mode: 0o700 });
  const passwordFile = path.resolve(secretsDir, "initial-admin-password");
  await writeFile(passwordFile, `${secret}\n`, { mode: 0o600 });
  await chmod(passwordFile, 0o600);
  return { email, passwordFile };
}
