import { z } from "zod";
import { badInput } from "../errors.ts";

/**
 * Rules every text input obeys, whatever the transport: a maximum length checked before
 * anything else is done with the value, and no control characters (C0 except newline and tab,
 * DEL) or bidirectional overrides and isolates, which hide or reorder text for the person who
 * reads it. Browsers send textarea line breaks as CRLF; they are folded to LF first.
 */
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000D\u000E-\u001F\u007F\u202A-\u202E\u2066-\u2069]/;

/** The longest any single string argument may be, for inputs with no tighter limit of their own. */
export const MAX_ANY_STRING = 16_384;

export function forbiddenCharacter(value: string): string | null {
  const match = FORBIDDEN.exec(value);
  return match ? `U+${match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}` : null;
}

/**
 * Checks one text value and returns it (line breaks normalised). Throws BAD_INPUT naming the
 * field. Length is checked first, so an oversized value is refused before it is hashed, parsed
 * or used as a key.
 */
export function cleanText(value: unknown, field: string, max: number, opts: { multiline?: boolean } = {}): string {
  if (typeof value !== "string") throw badInput(`${field} must be text.`, field);
  if (value.length > max * 2) throw badInput(`${field} is at most ${max} characters.`, field);
  const text = opts.multiline ? value.replace(/\r\n?/g, "\n") : value;
  if (text.length > max) throw badInput(`${field} is at most ${max} characters.`, field);
  const bad = forbiddenCharacter(text);
  if (bad) throw badInput(`${field} contains a control or direction-override character (${bad}).`, field);
  if (!opts.multiline && text.includes("\n")) throw badInput(`${field} must be a single line.`, field);
  return text;
}

/** The same rule as a zod schema, for inputs validated as an object. */
export const text = (field: string, max: number, opts: { multiline?: boolean } = {}) =>
  z.unknown().transform((value, ctx) => {
    try {
      return cleanText(value, field, max, opts);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message });
      return z.NEVER;
    }
  });

/** An optional text input: undefined, null and "" mean "not given". */
export function optionalText(
  value: unknown,
  field: string,
  max: number,
  opts: { multiline?: boolean } = {},
): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  return cleanText(value, field, max, opts);
}

const uuid = z.uuid();

/**
 * An id (a UUID) from the outside: its length is checked first, then its form. BAD_INPUT names
 * the field: "<field> must be a valid <what>."
 */
export function parseId(value: unknown, field: string, what = "id"): string {
  const parsed = uuid.safeParse(typeof value === "string" && value.length <= 64 ? value : "");
  if (!parsed.success) throw badInput(`${field} must be a valid ${what}.`, field);
  return parsed.data;
}

/** Throws BAD_INPUT for the first issue of a failed zod parse, naming its field. */
export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badInput(issue.message, issue.path.length ? String(issue.path[0]) : undefined);
  }
  return parsed.data;
}

/**
 * Walks every string inside a value (GraphQL variables, a form) and applies the universal rules:
 * no string longer than MAX_ANY_STRING, no forbidden character. Domain functions apply their
 * own tighter limits; this guarantees the floor for every field, including ones added later.
 */
export function assertCleanStrings(value: unknown, path = "input", depth = 0): void {
  if (depth > 20) throw badInput("The input is nested too deeply.", path);
  if (typeof value === "string") {
    if (value.length > MAX_ANY_STRING) throw badInput(`${path} is at most ${MAX_ANY_STRING} characters.`, path);
    const bad = forbiddenCharacter(value.replace(/\r\n/g, "\n"));
    if (bad) throw badInput(`${path} contains a control or direction-override character (${bad}).`, path);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => assertCleanStrings(v, `${path}[${i}]`, depth + 1));
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) assertCleanStrings(v, `${path}.${k}`, depth + 1);
  }
}

/**
 * A non-empty choice from a fixed list (scopes, event types): each value must be one of `allowed`;
 * repeats collapse, and the result keeps the list's own order.
 */
export function parseChoices<T extends string>(
  value: unknown,
  allowed: readonly T[],
  field: string,
  what: { none: string; one: string },
): T[] {
  if (!Array.isArray(value) || value.length === 0) throw badInput(what.none, field);
  const chosen = new Set<T>();
  for (const item of value) {
    if (!allowed.includes(item as T))
      throw badInput(`Unknown ${what.one} ${String(item).slice(0, 40)}. Use: ${allowed.join(", ")}.`, field);
    chosen.add(item as T);
  }
  return allowed.filter((a) => chosen.has(a));
}
