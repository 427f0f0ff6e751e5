import { AppError } from "#server/errors.ts";

/** Runs a form action; a user error becomes `{ error }` with its HTTP status, anything else is rethrown. */
export async function runAction<T>(work: () => Promise<T>): Promise<T | Response> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError) {
      const retryAfter = error.extensions.retryAfter;
      return Response.json(
        { error: error.message, code: error.code },
        { status: error.status, headers: retryAfter ? { "Retry-After": String(retryAfter) } : {} },
      );
    }
    throw error;
  }
}
