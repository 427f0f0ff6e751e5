/**
 * Calls Tandem's own GraphQL endpoint from the browser with the session cookie (and the header
 * that marks the request as not cross-site). Returns null when it worked, "offline" when no
 * answer came back (or the server failed), or the error message the server gave.
 */
export async function callGraphql(query: string, variables: Record<string, unknown>): Promise<string | null> {
  try {
    const response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", "x-tandem-csrf": "1" },
      body: JSON.stringify({ query, variables }),
    });
    if (response.status >= 500) return "offline";
    const body = (await response.json()) as { errors?: Array<{ message: string }> };
    return body.errors?.[0]?.message ?? null;
  } catch {
    return "offline";
  }
}

/** The same, for signals whose loss is harmless (typing, viewing, read marks): failures are ignored. */
export function signal(query: string, variables: Record<string, unknown>): Promise<unknown> {
  return callGraphql(query, variables);
}
