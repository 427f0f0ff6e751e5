import { GraphQLError } from "graphql";

export type ErrorCode = "BAD_INPUT" | "NOT_FOUND" | "FORBIDDEN" | "UNAUTHENTICATED" | "CONFLICT" | "RATE_LIMITED";

const httpStatus: Record<ErrorCode, number> = {
  BAD_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
};

/**
 * A user error: a stable code and a message a person can act on. Domain functions throw it;
 * GraphQL passes it through unmasked and Remix actions turn it into a 4xx.
 */
export class AppError extends GraphQLError {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extra } });
    this.code = code;
  }
  get status(): number {
    return httpStatus[this.code];
  }
}

export const badInput = (message: string, field?: string) => new AppError("BAD_INPUT", message, field ? { field } : {});
export const notFound = (what: string) => new AppError("NOT_FOUND", `${what} was not found.`);
export const forbidden = (message = "You are not allowed to do that.") => new AppError("FORBIDDEN", message);
export const unauthenticated = (message = "Sign in or provide a valid token.") =>
  new AppError("UNAUTHENTICATED", message);
export const conflict = (message: string) => new AppError("CONFLICT", message);
