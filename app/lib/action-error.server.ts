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

/**
 * Runs a loader; a user error (a missing conversation, a forbidden ticket) becomes an error
 * response with its own status, shown by the route's error boundary inside the dashboard,
 * instead of a 500.
 */
export async function runLoader<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError) throw new Response(error.message, { status: error.status });
    throw error;
  }
}
