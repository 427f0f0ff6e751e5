import { createRequire } from "node:module";
import { z } from "zod";
import type { SpendCaps } from "./ai/spend.ts";

/** Tandem's own version, from package.json. */
export const VERSION = (createRequire(import.meta.url)("../package.json") as { version: string }).version;

const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

/** A token bucket written as "capacity/refill", e.g. "10/30s": 10 at once, then one more every 30 s. */
const bucket = z
  .string()
  .regex(/^\d{1,6}\/\d{1,7}(ms|s|m|h)$/, 'must look like "10/30s" (capacity/refill time in ms, s, m or h)')
  .transform((v) => {
    const [, capacity, amount, unit] = /^(\d+)\/(\d+)(ms|s|m|h)$/.exec(v)!;
    const scale = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as "ms" | "s" | "m" | "h"];
    return { capacity: Math.max(1, Number(capacity)), refillMs: Math.max(1, Number(amount) * scale) };
  });

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
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /** Named prepared statements on Postgres; `off` for a pooler that cannot keep them (PgBouncer before 1.21 in transaction mode). */
  DATABASE_PREPARE: z.enum(["on", "off"]).default("on"),
  PGLITE_DIR: z.string().default(".data/pglite"),
  DATA_DIR: z.string().default(".data"),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_NAMESPACE: z
    .string()
    .regex(/^[\w.-]{1,64}$/, "must be 1 to 64 letters, digits, dots, dashes or underscores")
    .default("tandem"),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url().optional(),
  AI_MODEL: z.string().min(1).default("gpt-4o-mini"),
  AI_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  AI_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  AI_RETRY_BASE_MS: z.coerce.number().int().min(0).default(500),
  OFFLINE_MODEL_DELAY_MS: z.coerce.number().int().min(0).max(2000).default(25),
  STREAM_STALE_AFTER_MS: z.coerce.number().int().min(500).default(15_000),
  INSTANCE_LEASE_MS: z.coerce.number().int().min(500).max(60_000).default(2000),
  SUMMARY_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(1500),
  /** OpenTelemetry: traces go to this collector (OTLP over HTTP) when set; off otherwise. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().trim().min(1).max(100).default("tandem"),
  /** Spend caps in USD: past one the AI stops and the conversation goes to a person. Unset: no cap. */
  AI_MAX_COST_USD_PER_CONVERSATION: z.coerce.number().positive().optional(),
  AI_MAX_COST_USD_PER_DAY: z.coerce.number().positive().optional(),
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  CONDUCTOR: z.enum(["on", "off"]).default("on"),
  CONDUCTOR_SWEEP_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  /** WhatsApp Cloud API: the channel is on when the app secret, access token and phone number id are set. */
  WHATSAPP_VERIFY_TOKEN: z.string().min(8).max(200).optional(),
  WHATSAPP_APP_SECRET: z.string().min(8).max(200).optional(),
  WHATSAPP_ACCESS_TOKEN: z.string().min(8).max(1000).optional(),
  WHATSAPP_PHONE_NUMBER_ID: z
    .string()
    .regex(/^\d{1,30}$/, "digits only")
    .optional(),
  WHATSAPP_API_URL: z.url().default("https://graph.facebook.com/v21.0"),
  /** How long a reply keeps being retried while the Cloud API fails (WhatsApp's own reply window is a day). */
  WHATSAPP_GIVE_UP_AFTER_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(7 * 24 * 3_600_000)
    .default(24 * 3_600_000),
  /** Webhooks: how often the outbox is checked, the first retry's delay (it doubles), and when to give up. */
  WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(10_000),
  WEBHOOK_GIVE_UP_AFTER_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(7 * 24 * 3_600_000)
    .default(24 * 3_600_000),
  CONDUCTOR_SEED: z.coerce.number().int().min(0).optional(),
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
  /** GraphiQL: for everyone while introspection is open to all, otherwise for signed-in admins. */
  GRAPHIQL: bool.optional(),
  COOKIE_SECURE: bool.optional(),
  SEED_DEMO: bool.optional(),
  TRUST_PROXY: z.string().trim().max(2000).optional(),
  CORS_ORIGINS: z
    .string()
    .transform((v, ctx) => {
      const origins = v
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean);
      for (const o of origins) {
        let url: URL | null = null;
        try {
          url = new URL(o);
        } catch {
          /* reported below */
        }
        if (!url || url.origin !== o.replace(/\/$/, "")) {
          ctx.addIssue({ code: "custom", message: `"${o}" is not an origin like https://example.com` });
          return z.NEVER;
        }
      }
      return origins.map((o) => new URL(o).origin);
    })
    .optional(),
  OPERATOR_SESSION_TTL_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 30)
    .default(12),
  CUSTOMER_TOKEN_TTL_DAYS: z.coerce.number().positive().max(3650).default(30),
  MAX_MESSAGE_LENGTH: z.coerce.number().int().min(100).max(100_000).default(4000),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(64 * 1024),
  AWAY_AFTER_MINUTES: z.coerce.number().int().min(1).max(1440).default(5),
  SLA_FIRST_RESPONSE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(10),
  MAX_SOCKETS_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(50),
  WS_KEEPALIVE_MS: z.coerce.number().int().min(100).max(300_000).default(12_000),
  MAX_SUBSCRIPTIONS_PER_SOCKET: z.coerce.number().int().min(1).max(1000).default(20),
  MAX_CONCURRENT_PASSWORD_HASHES: z.coerce.number().int().min(1).max(64).default(2),
  RATE_LIMIT_START_CONVERSATION: bucket.prefault("10/30s"),
  RATE_LIMIT_SEND_MESSAGE: bucket.prefault("20/1s"),
  RATE_LIMIT_SIGN_IN: bucket.prefault("5/60s"),
  RATE_LIMIT_SIGN_IN_ADDRESS: bucket.prefault("20/30s"),
  RATE_LIMIT_TYPING: bucket.prefault("10/1s"),
  RATE_LIMIT_RATE_CONVERSATION: bucket.prefault("5/60s"),
  /** What a new API key may do per minute unless its creator sets its own limit. */
  API_KEY_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(600),
});

export type Env = z.infer<typeof envSchema>;

/** Public list prices, USD per million tokens [input, output]. Override or extend with AI_PRICES. */
export const defaultPrices: Record<string, [number, number]> = {
  "gpt-4o-mini": [0.15, 0.6],
  "gpt-4o": [2.5, 10],
  "gpt-4.1-mini": [0.4, 1.6],
  "gpt-4.1": [2, 8],
};

export function estimateCostUsd(
  prices: Record<string, [number, number]>,
  model: string,
  usage: { inputTokens: number; outputTokens: number },
): number {
  const [input, output] = prices[model] ?? [0, 0];
  return Math.round(((usage.inputTokens * input + usage.outputTokens * output) / 1e6) * 1e6) / 1e6;
}

export interface Config {
  env: Env["NODE_ENV"];
  port: number;
  host: string;
  logLevel: Env["LOG_LEVEL"];
  /** Postgres: at most `poolMax` connections, each closed after 30 s idle. */
  database: { url?: string; pgliteDir: string; poolMax: number; prepare: boolean };
  /** Where files Tandem writes for its operators go (the generated first-admin password). */
  dataDir: string;
  redisUrl?: string;
  /** Prefix of every Redis channel and key, so deployments can share one Redis. */
  redisNamespace: string;
  ai: {
    apiKey?: string;
    baseURL?: string;
    model: string;
    timeoutMs: number;
    maxRetries: number;
    retryBaseMs: number;
    offlineDelayMs: number;
    /** How long a conversation must be quiet before its case summary is (re)written. */
    summaryDelayMs: number;
    /** USD per million input and output tokens, by model name. */
    prices: Record<string, [number, number]>;
    /** Spend caps (server/ai/spend.ts). */
    caps: SpendCaps;
  };
  /** `/metrics` answers only with this bearer token; unset, `/metrics` is off. */
  metricsToken?: string;
  /** OpenTelemetry traces (server/ops/tracing.ts): exported when `endpoint` is set. */
  tracing: { endpoint?: string; serviceName: string; serviceVersion: string };
  /** The conductor watches open conversations and intervenes (server/conductor/). */
  whatsapp: {
    enabled: boolean;
    verifyToken?: string;
    appSecret?: string;
    accessToken?: string;
    phoneNumberId?: string;
    apiUrl: string;
    giveUpAfterMs: number;
  };
  webhooks: {
    pollMs: number;
    retryBaseMs: number;
    giveUpAfterMs: number;
    /** Plain-http endpoint URLs (outside production only; production requires https). */
    allowHttp: boolean;
  };
  conductor: {
    enabled: boolean;
    /** How often it checks the clock-driven signals (long waits) and judges outcomes. */
    sweepMs: number;
    /** Seeds Thompson sampling's draws (simulations and demos); unset, they are random. */
    seed?: number;
  };
  /** introspection: open to every caller; graphiql: served (to admins only when introspection is not open). */
  graphql: { introspection: boolean; graphiql: boolean };
  cookies: { secure: boolean };
  /** Demo data (Northwind Devices) is seeded into an empty database only when this is on. */
  seedDemo: boolean;
  http: {
    /** Express's `trust proxy`: false, a hop count, or a list of addresses/CIDRs (and loopback, linklocal, uniquelocal). */
    trustProxy: boolean | number | string[];
    /** Origins besides the app's own that browsers may call the API from. */
    corsOrigins: string[];
    maxBodyBytes: number;
  };
  sessions: { operatorTtlMs: number; customerTokenTtlMs: number };
  /** The first admin, created on first start; without a password one is generated and printed once. */
  admin: { email: string; password?: string };
  identity: {
    /** Secret the host site uses to sign customer emails (HMAC-SHA256) for startConversation. */
    secret?: string;
    /** The built-in chat page may link a conversation to a seeded account by email. Never in production unless set. */
    demoAccounts: boolean;
  };
  /** How often an in-flight reply writes its partial text, and how stale one may be before a sweeper fails it. */
  streaming: { persistIntervalMs: number; staleAfterMs: number; leaseMs: number };
  /** The first-response target: how long a customer waiting for a person may wait before it is overdue. */
  inbox: {
    firstResponseMs: number;
    /** An operator online by choice but not seen (dashboard closed) for this long becomes away. */
    awayAfterMs: number;
  };
  /** Every socket is pinged this often; one that has not answered the previous ping by then is dropped. */
  websocket: { keepAliveMs: number };
  limits: {
    maxMessageLength: number;
    maxSubscriptionsPerSocket: number;
    maxSocketsPerAddress: number;
    maxConcurrentPasswordHashes: number;
    /** Token buckets: `capacity` requests at once, then one more every `refillMs`. */
    rate: Record<RateLimitName, { capacity: number; refillMs: number }>;
    /** The default requests per minute of a new API key. */
    apiKeyPerMinute: number;
  };
}

export type RateLimitName =
  "startConversation" | "sendMessage" | "signIn" | "signInAddress" | "typing" | "rateConversation";

export class ConfigError extends Error {}

/** TRUST_PROXY as Express reads `trust proxy`: true/false, a hop count, or a comma-separated list of addresses, CIDRs or names. */
export function parseTrustProxy(value: string | undefined): boolean | number | string[] {
  if (!value || value === "false" || value === "0") return false;
  if (value === "true") return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
}

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
    database: {
      url: env.DATABASE_URL,
      pgliteDir: env.PGLITE_DIR,
      poolMax: env.DATABASE_POOL_MAX,
      prepare: env.DATABASE_PREPARE === "on",
    },
    dataDir: env.DATA_DIR,
    redisUrl: env.REDIS_URL,
    redisNamespace: env.REDIS_NAMESPACE,
    ai: {
      apiKey: env.OPENAI_API_KEY,
      baseURL: env.OPENAI_BASE_URL,
      model: env.AI_MODEL,
      timeoutMs: env.AI_TIMEOUT_MS,
      maxRetries: env.AI_MAX_RETRIES,
      retryBaseMs: env.AI_RETRY_BASE_MS,
      offlineDelayMs: env.OFFLINE_MODEL_DELAY_MS,
      summaryDelayMs: env.SUMMARY_DELAY_MS,
      prices: { ...defaultPrices, ...env.AI_PRICES },
      caps: { perConversationUsd: env.AI_MAX_COST_USD_PER_CONVERSATION, perDayUsd: env.AI_MAX_COST_USD_PER_DAY },
    },
    metricsToken: env.METRICS_TOKEN,
    tracing: {
      endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: env.OTEL_SERVICE_NAME,
      serviceVersion: VERSION,
    },
    conductor: { enabled: env.CONDUCTOR === "on", sweepMs: env.CONDUCTOR_SWEEP_MS, seed: env.CONDUCTOR_SEED },
    whatsapp: {
      enabled: !!(env.WHATSAPP_APP_SECRET && env.WHATSAPP_ACCESS_TOKEN && env.WHATSAPP_PHONE_NUMBER_ID),
      verifyToken: env.WHATSAPP_VERIFY_TOKEN,
      appSecret: env.WHATSAPP_APP_SECRET,
      accessToken: env.WHATSAPP_ACCESS_TOKEN,
      phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID,
      apiUrl: env.WHATSAPP_API_URL.replace(/\/$/, ""),
      giveUpAfterMs: env.WHATSAPP_GIVE_UP_AFTER_MS,
    },
    webhooks: {
      pollMs: env.WEBHOOK_POLL_MS,
      retryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
      giveUpAfterMs: env.WEBHOOK_GIVE_UP_AFTER_MS,
      allowHttp: !production,
    },
    graphql: { introspection: env.GRAPHQL_INTROSPECTION ?? !production, graphiql: env.GRAPHIQL ?? !production },
    cookies: { secure: env.COOKIE_SECURE ?? production },
    seedDemo: env.SEED_DEMO ?? !production,
    http: {
      trustProxy: parseTrustProxy(env.TRUST_PROXY),
      corsOrigins: env.CORS_ORIGINS ?? [],
      maxBodyBytes: env.MAX_BODY_BYTES,
    },
    sessions: {
      operatorTtlMs: env.OPERATOR_SESSION_TTL_HOURS * 3_600_000,
      customerTokenTtlMs: env.CUSTOMER_TOKEN_TTL_DAYS * 86_400_000,
    },
    admin: { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD },
    identity: { secret: env.IDENTITY_SECRET, demoAccounts: env.DEMO_ACCOUNTS ?? !production },
    streaming: { persistIntervalMs: 250, staleAfterMs: env.STREAM_STALE_AFTER_MS, leaseMs: env.INSTANCE_LEASE_MS },
    inbox: { firstResponseMs: env.SLA_FIRST_RESPONSE_MINUTES * 60_000, awayAfterMs: env.AWAY_AFTER_MINUTES * 60_000 },
    websocket: { keepAliveMs: env.WS_KEEPALIVE_MS },
    limits: {
      maxMessageLength: env.MAX_MESSAGE_LENGTH,
      maxSubscriptionsPerSocket: env.MAX_SUBSCRIPTIONS_PER_SOCKET,
      maxSocketsPerAddress: env.MAX_SOCKETS_PER_ADDRESS,
      maxConcurrentPasswordHashes: env.MAX_CONCURRENT_PASSWORD_HASHES,
      rate: {
        // Per client address.
        startConversation: env.RATE_LIMIT_START_CONVERSATION,
        // Per conversation and author.
        sendMessage: env.RATE_LIMIT_SEND_MESSAGE,
        // Per client address and email.
        signIn: env.RATE_LIMIT_SIGN_IN,
        // Per client address, whatever the email (password spraying).
        signInAddress: env.RATE_LIMIT_SIGN_IN_ADDRESS,
        // Per person and conversation.
        typing: env.RATE_LIMIT_TYPING,
        // Per conversation.
        rateConversation: env.RATE_LIMIT_RATE_CONVERSATION,
      },
      apiKeyPerMinute: env.API_KEY_RATE_LIMIT_PER_MINUTE,
    },
    ...overrides,
  };
}
