import { pino, type Logger } from "pino";
import type { Config } from "./config.ts";

export function createLogger(config: Pick<Config, "logLevel" | "env">): Logger {
  return pino({
    level: config.logLevel,
    base: { service: "tandem" },
    redact: { paths: ["req.headers.authorization", "req.headers.cookie", "token", "*.token"], censor: "[redacted]" },
  });
}
