import { asc, eq } from "drizzle-orm";
import { cannedResponses, type CannedResponse } from "../../drizzle/schema.ts";
import type { Actor } from "../auth/actor.ts";
import type { Queryable } from "../db/client.ts";
import { badInput, conflict, notFound } from "../errors.ts";
import { requireAdmin, requireOperator } from "../operators/service.ts";
import { cleanText, parseId } from "../policy/input.ts";
import { placeholders, unknownPlaceholders } from "./placeholders.ts";

/** The one module that writes `canned_responses`: every operator reads them, admins manage them. */

export async function listCannedResponses(db: Queryable, actor: Actor): Promise<CannedResponse[]> {
  requireOperator(actor);
  return db.select().from(cannedResponses).orderBy(asc(cannedResponses.shortcut));
}

function parseInput(input: { shortcut?: unknown; title?: unknown; body?: unknown }, partial: boolean) {
  const out: Partial<Pick<CannedResponse, "shortcut" | "title" | "body">> = {};
  if (!partial || input.shortcut !== undefined) {
    const shortcut = cleanText(input.shortcut, "shortcut", 40).trim().toLowerCase();
    if (!/^[a-z0-9][a-z0-9-]{1,31}$/.test(shortcut))
      throw badInput("shortcut is 2 to 32 letters, digits or dashes, e.g. refund-timeline.", "shortcut");
    out.shortcut = shortcut;
  }
  if (!partial || input.title !== undefined) {
    const title = cleanText(input.title, "title", 80).trim();
    if (!title) throw badInput("A saved reply needs a title.", "title");
    out.title = title;
  }
  if (!partial || input.body !== undefined) {
    const body = cleanText(input.body, "body", 2000, { multiline: true }).trim();
    if (!body) throw badInput("A saved reply needs a text.", "body");
    const unknown = unknownPlaceholders(body);
    if (unknown.length)
      throw badInput(
        `Unknown placeholder ${unknown.map((u) => `{{${u}}}`).join(", ")}. Use: ${Object.keys(placeholders)
          .map((p) => `{{${p}}}`)
          .join(", ")}.`,
        "body",
      );
    out.body = body;
  }
  return out;
}

async function taken(db: Queryable, shortcut: string, except?: string) {
  const [row] = await db.select().from(cannedResponses).where(eq(cannedResponses.shortcut, shortcut));
  if (row && row.id !== except) throw conflict(`The shortcut /${shortcut} is already used.`);
}

export async function createCannedResponse(
  db: Queryable,
  actor: Actor,
  input: { shortcut?: unknown; title?: unknown; body?: unknown },
): Promise<CannedResponse> {
  const admin = requireAdmin(actor);
  const values = parseInput(input, false) as Pick<CannedResponse, "shortcut" | "title" | "body">;
  await taken(db, values.shortcut);
  const [row] = await db
    .insert(cannedResponses)
    .values({ ...values, createdBy: admin.operatorId })
    .onConflictDoNothing()
    .returning();
  if (!row) throw conflict(`The shortcut /${values.shortcut} is already used.`);
  return row;
}

export async function updateCannedResponse(
  db: Queryable,
  actor: Actor,
  id: unknown,
  input: { shortcut?: unknown; title?: unknown; body?: unknown },
): Promise<CannedResponse> {
  requireAdmin(actor);
  const key = parseId(id, "id");
  const values = parseInput(input, true);
  if (values.shortcut) await taken(db, values.shortcut, key);
  const [row] = await db
    .update(cannedResponses)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(cannedResponses.id, key))
    .returning();
  if (!row) throw notFound("Saved reply");
  return row;
}

export async function deleteCannedResponse(db: Queryable, actor: Actor, id: unknown): Promise<CannedResponse> {
  requireAdmin(actor);
  const [row] = await db
    .delete(cannedResponses)
    .where(eq(cannedResponses.id, parseId(id, "id")))
    .returning();
  if (!row) throw notFound("Saved reply");
  return row;
}
