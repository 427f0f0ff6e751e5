import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0"])
  .transform((v) => v === "true" || v === "1");

/**
 * Every variable Tandem reads. README.md documents each one; keep the two in step.
 * Parsing fails fast and names the offending variable.
 */
const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  PGLITE_DIR: z.string().default(".data/pglite"),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url().optional(),
  AI_MODEL: z.string().min(1).default("gpt-4o-mini"),
  AI_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  AI_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  AI_RETRY_BASE_MS: z.coerce.number().int().min(0).default(500),
  OFFLINE_MODEL_DELAY_MS: z.coerce.number().int().min(0).max(2000).default(25),
  STREAM_STALE_AFTER_MS: z.coerce.number().int().min(500).default(15_000),
  ADMIN_EMAIL: z.email().default("admin@tandem.local"),
  ADMIN_PASSWORD: z.string().min(12, "must be at least 12 characters").optional(),
  IDENTITY_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  DEMO_ACCOUNTS: bool.optional(),
  AI_PRICES: z
    .string()
    .transform((v, ctx) => {
      try {
        return z.record(z.string(), z.tuple([z.number().min(0), z.number().min(0)])).parse(JSON.parse(v));
      } catch {
        ctx.addIssue({ code: "custom", message: 'must be JSON like {"model":[inputUsdPerMTok,outputUsdPerMTok]}' });
        return z.NEVER;
      }
    })
    .optional(),
  GRAPHQL_INTROSPECTION: bool.optional(),
  COOKIE_SECURE: bool.optional(),
});

export type Env = z.infer<typeof envSchema>;

/** Public list prices, USD per million tokens [input, output]. Override or extend with AI_PRICES. */
export const defaultPrices: Record<string, [number, number]> = {
  "gpt-4o-mini": [0.15, 0.6],
  "gpt-4o": [2.5, 10],
  "gpt-4.1-mini": [0.4, 1.6],
  "gpt-4.1": [2, 8],
};

export function estimateCostUsd(prices: Record<string, [number, number]>, model: string, usage: { inputTokens: number; outputTokens: number }): number {
  const [input, output] = prices[model] ?? [0, 0];
  return Math.round(((usage.inputTokens * input + usage.outputTokens * output) / 1e6) * 1e6) / 1e6;
}

export interface Config {
  env: Env["NODE_ENV"];
  port: number;
  host: string;
  logLevel: Env["LOG_LEVEL"];
  database: { url?: string; pgliteDir: string };
  redisUrl?: string;
  ai: {
    apiKey?: string;
    baseURL?: string;
    model: string;
    timeoutMs: number;
    maxRetries: number;
    retryBaseMs: number;
    offlineDelayMs: number;
    /** USD per million input and output tokens, by model name. */
    prices: Record<string, [number, number]>;
  };
  graphql: { introspection: boolean };
  cookies: { secure: boolean };
  /** The first admin, created on first start; without a password one is generated and printed once. */
  admin: { email: string; password?: string };
  identity: {
    /** Secret the host site uses to sign customer emails (HMAC-SHA256) for startConversation. */
    secret?: string;
    /** The built-in chat page may link a conversation to a seeded account by email. Never in production unless set. */
    demoAccounts: boolean;
  };
  /** How often an in-flight reply writes its partial text, and how stale one may be before a sweeper fails it. */
  streaming: { persistIntervalMs: number; staleAfterMs: number };
  limits: {
    maxMessageLength: number;
    maxSubscriptionsPerSocket: number;
    /** Token buckets: `capacity` requests at once, then one more every `refillMs`. */
    rate: Record<"startConversation" | "sendMessage" | "signIn", { capacity: number; refillMs: number }>;
  };
}

export class ConfigError extends Error {}

export type EnvSource = Record<string, string | undefined>;

export function parseEnv(source: EnvSource): Env {
  // Empty strings in .env files mean "unset", not "invalid".
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ""));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join("\n")}`);
  }
  return result.data;
}

export function loadConfig(source: EnvSource = process.env, overrides: Partial<Config> = {}): Config {
  const env = parseEnv(source);
  const production = env.NODE_ENV === "production";
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    database: { url: env.DATABASE_URL, pgliteDir: env.PGLITE_DIR },
    redisUrl: env.REDIS_URL,
    ai: {
      apiKey: env.OPENAI_API_KEY,
      baseURL: env.OPENAI_BASE_URL,
      model: env.AI_MODEL,
      timeoutMs: env.AI_TIMEOUT_MS,
      maxRetries: env.AI_MAX_RETRIES,
      retryBaseMs: env.AI_RETRY_BASE_MS,
      offlineDelayMs: env.OFFLINE_MODEL_DELAY_MS,
      prices: { ...defaultPrices, ...env.AI_PRICES },
    },
    graphql: { introspection: env.GRAPHQL_INTROSPECTION ?? !production },
    cookies: { secure: env.COOKIE_SECURE ?? production },
    admin: { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD },
    identity: { secret: env.IDENTITY_SECRET, demoAccounts: env.DEMO_ACCOUNTS ?? !production },
    streaming: { persistIntervalMs: 250, staleAfterMs: env.STREAM_STALE_AFTER_MS },
    limits: {
      maxMessageLength: 4000,
      maxSubscriptionsPerSocket: 20,
      rate: {
        // Per client address.
        startConversation: { capacity: 10, refillMs: 30_000 },
        // Per conversation.
        sendMessage: { capacity: 20, refillMs: 1_000 },
        // Per client address and email: 5 attempts, then one a minute.
        signIn: { capacity: 5, refillMs: 60_000 },
      },
    },
    ...overrides,
  };
}
