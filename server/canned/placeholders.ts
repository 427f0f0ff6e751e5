/**
 * Placeholders a saved reply may hold, filled when an operator inserts it. Pure, so the browser's
 * composer and the server (validation) use the same list.
 */
export const placeholders = {
  "customer.first_name": "The customer's first name",
  "customer.name": "The customer's full name",
  "operator.first_name": "Your first name",
  "operator.name": "Your full name",
} as const;

export type Placeholder = keyof typeof placeholders;
export type PlaceholderValues = Partial<Record<Placeholder, string | null>>;

const PATTERN = /\{\{\s*([a-z_.]+)\s*\}\}/g;

/** The placeholder names a body uses that are not known. */
export function unknownPlaceholders(body: string): string[] {
  return [...body.matchAll(PATTERN)].map((m) => m[1]!).filter((name) => !(name in placeholders));
}

/** The body with each placeholder replaced; a value nobody knows becomes a neutral word, never "{{…}}". */
export function fillPlaceholders(body: string, values: PlaceholderValues): string {
  return body.replace(PATTERN, (_, name: string) => {
    const value = values[name as Placeholder]?.trim();
    if (value) return value;
    return name.startsWith("customer.") ? "there" : "our team";
  });
}

export const firstName = (name: string | null | undefined) => name?.trim().split(/\s+/)[0] ?? null;
