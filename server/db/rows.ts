/**
 * The rows of a raw `execute`: postgres.js answers with the rows, PGlite with `{ rows }`. A module
 * of its own, free of side effects, so code the browser bundle may reach can use it.
 */
export function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}
