import { pino, stdSerializers, type DestinationStream, type Logger } from "pino";
import type { Config } from "./config.ts";

/**
 * Fields of errors that carry what customers and operators typed or own: the request body sent
 * to a model (the whole prompt), SQL text and its parameters (password hashes, emails), GraphQL
 * source text and variables, HTTP bodies. They never reach a log line.
 */
const SENSITIVE_KEYS = new Set([
  "requestBodyValues",
  "responseBody",
  "body",
  "prompt",
  "messages",
  "parameters",
  "params",
  "query",
  "source",
  "variables",
  "detail",
  "where",
  "data",
  "text",
  "input",
  "value",
  "password",
  "passwordHash",
  "token",
]);

/** Messages that embed SQL and its parameters (drizzle's "Failed query: … params: …"). */
const SQL_MESSAGE = /^Failed query:/;
/** The same in a stack, which starts with the error's name ("Error: Failed query: …"). */
const SQL_STACK = /^[\w.]*: Failed query:/;

function scrub(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (SENSITIVE_KEYS.has(key)) out[key] = "[omitted]";
    else if (key === "message" && typeof v === "string" && SQL_MESSAGE.test(v))
      out[key] = "Failed query (SQL and parameters omitted)";
    else if (key === "stack" && typeof v === "string" && (SQL_MESSAGE.test(v) || SQL_STACK.test(v)))
      out[key] = "[omitted: contained SQL]";
    else out[key] = scrub(v, depth + 1);
  }
  return out;
}

/** pino's error serializer, then every sensitive field removed (in causes too). */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return scrub(err);
  return scrub(stdSerializers.err(err));
}

export function createLogger(config: Pick<Config, "logLevel" | "env">, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: "tandem" },
      serializers: { err: serializeError, error: serializeError },
      redact: {
        paths: ["req.headers.authorization", "req.headers.cookie", "token", "*.token", "password", "*.password"],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
