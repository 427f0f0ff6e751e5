import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { RateLimitName } from "../config.ts";
import { AppError } from "../errors.ts";

/** Keys of any length become a fixed-size digest, so a huge input can never become a huge key. */
export const limitKey = (key: string) =>
  key.length <= 64 ? key : createHash("sha256").update(key).digest("base64url");

/** The most buckets one in-process limiter keeps; the least recently used go first. */
export const MAX_BUCKETS = 50_000;

/** Takes one token for `key`, or throws RATE_LIMITED saying when to retry. */
export interface RateLimit {
  take(key: string): void | Promise<void>;
}

function rateLimited(retryAfter: number, headers: Record<string, string> = {}): AppError {
  return new AppError("RATE_LIMITED", `Too many requests. Try again in ${retryAfter} s.`, {
    retryAfter,
    // Yoga turns this into the HTTP status and header of the response.
    http: { status: 429, headers: { "Retry-After": String(retryAfter), ...headers } },
  });
}

/**
 * A token bucket per key, in process memory: the limiter of a single instance, and the fallback
 * of the shared one. Idle buckets are dropped so the map cannot grow without bound.
 */
export class RateLimiter implements RateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  private readonly capacity: number;
  private readonly refillEveryMs: number;
  private readonly maxBuckets: number;
  constructor(capacity: number, refillEveryMs: number, maxBuckets = MAX_BUCKETS) {
    this.capacity = capacity;
    this.refillEveryMs = refillEveryMs;
    this.maxBuckets = maxBuckets;
  }

  get size(): number {
    return this.buckets.size;
  }

  take(rawKey: string, now = Date.now()): void {
    this.takeWith(rawKey, this.capacity, this.refillEveryMs, now);
  }

  /** Takes one token from a bucket of the given size; returns the whole tokens left. */
  takeWith(rawKey: string, capacity: number, refillEveryMs: number, now = Date.now()): number {
    const key = limitKey(rawKey);
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    const refilled = Math.min(capacity, bucket.tokens + (now - bucket.at) / refillEveryMs);
    // Delete and re-insert: the map's order is then least recently used first.
    this.buckets.delete(key);
    if (refilled < 1) {
      this.buckets.set(key, { tokens: refilled, at: now });
      throw rateLimited(Math.max(1, Math.ceil(((1 - refilled) * refillEveryMs) / 1000)));
    }
    this.buckets.set(key, { tokens: refilled - 1, at: now });
    while (this.buckets.size > this.maxBuckets) this.buckets.delete(this.buckets.keys().next().value!);
    return Math.floor(refilled - 1);
  }
}

/**
 * The same bucket, kept in Redis and updated atomically by a script on Redis's own clock, so
 * every instance draws from one bucket per key. Returns {1, 0} when allowed, {0, retryAfterSeconds}
 * when not. A bucket expires once it would be full again (at most a day).
 */
const TAKE_SCRIPT = `
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or capacity
local at = tonumber(bucket[2]) or now
tokens = math.min(capacity, tokens + (now - at) / refill)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.min(86400000, math.ceil((capacity - tokens) * refill) + 1000))
if allowed == 1 then return {1, 0, math.floor(tokens)} end
return {0, math.max(1, math.ceil((1 - tokens) * refill / 1000)), 0}
`;

/** Keys are `<REDIS_NAMESPACE>:ratelimit:<limit>:<key>`; this is the default namespace's prefix. */
export const RATE_LIMIT_KEY_PREFIX = "tandem:ratelimit:";

class SharedRateLimiter implements RateLimit {
  private readonly fallback: RateLimiter;

  private readonly redis: Redis;
  private readonly name: string;
  private readonly capacity: number;
  private readonly refillEveryMs: number;
  private readonly log: Logger;
  private readonly namespace: string;
  constructor(redis: Redis, name: string, capacity: number, refillEveryMs: number, log: Logger, namespace: string) {
    this.redis = redis;
    this.name = name;
    this.capacity = capacity;
    this.refillEveryMs = refillEveryMs;
    this.log = log;
    this.namespace = namespace;
    this.fallback = new RateLimiter(capacity, refillEveryMs);
  }

  async take(key: string): Promise<void> {
    await this.takeWith(key, this.capacity, this.refillEveryMs);
  }

  async takeWith(key: string, capacity: number, refillEveryMs: number): Promise<number> {
    let result: [number, number, number];
    try {
      result = (await this.redis.eval(
        TAKE_SCRIPT,
        1,
        `${this.namespace}:ratelimit:${this.name}:${limitKey(key)}`,
        capacity,
        refillEveryMs,
      )) as [number, number, number];
    } catch (err) {
      // Abuse control must not take the product down with Redis: limit per instance meanwhile.
      this.log.warn({ err, limit: this.name }, "shared rate limit unavailable; limiting in this instance");
      return this.fallback.takeWith(key, capacity, refillEveryMs);
    }
    if (result[0] !== 1) throw rateLimited(result[1]);
    return result[2];
  }
}

type LimitConfig = Record<RateLimitName, { capacity: number; refillMs: number }>;

/**
 * Failed sign-ins per account, to slow guessing down without ever locking the owner out:
 * counts decay by half every `halfLifeMs`. Kept in process memory (bounded); an attacker spread
 * over instances gets each instance's delay, which the per-address limits already bound.
 */
export class FailureCounter {
  private readonly counts = new Map<string, { n: number; at: number }>();
  private readonly halfLifeMs: number;
  private readonly maxKeys: number;
  constructor(halfLifeMs = 10 * 60_000, maxKeys = MAX_BUCKETS) {
    this.halfLifeMs = halfLifeMs;
    this.maxKeys = maxKeys;
  }

  get(rawKey: string, now = Date.now()): number {
    const entry = this.counts.get(limitKey(rawKey));
    return entry ? entry.n * 0.5 ** ((now - entry.at) / this.halfLifeMs) : 0;
  }

  add(rawKey: string, now = Date.now()): void {
    const key = limitKey(rawKey);
    const n = this.get(rawKey, now) + 1;
    this.counts.delete(key);
    this.counts.set(key, { n, at: now });
    while (this.counts.size > this.maxKeys) this.counts.delete(this.counts.keys().next().value!);
  }

  clear(rawKey: string): void {
    this.counts.delete(limitKey(rawKey));
  }
}

/**
 * The product's rate limits. With Redis they are shared by every instance, so running more
 * instances does not multiply what one client may do; without it each instance limits alone.
 * Domain functions take from them; transports never do.
 */
export class RateLimits {
  readonly startConversation: RateLimit;
  readonly sendMessage: RateLimit;
  readonly signIn: RateLimit;
  readonly signInAddress: RateLimit;
  readonly typing: RateLimit;
  readonly rateConversation: RateLimit;
  /** Per API key, each with its own size: see takeApiKey. */
  private readonly apiKeys: RateLimiter | SharedRateLimiter;
  /** Failed sign-ins per account email: they slow that account's sign-ins down, never lock it. */
  readonly signInFailures = new FailureCounter();
  readonly kind: "memory" | "redis";
  private readonly redis: Redis | null;
  /** Told of every refusal, by limit (the metrics count them). */
  onLimited: (name: RateLimitName | "apiKey") => void = () => {};

  constructor(config: LimitConfig, redisUrl: string | undefined, log: Logger, namespace = "tandem") {
    this.redis = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: 1 }) : null;
    this.redis?.on("error", (err) => log.warn({ err }, "rate-limit redis connection error"));
    this.kind = this.redis ? "redis" : "memory";
    const make = (name: RateLimitName): RateLimit => {
      const { capacity, refillMs } = config[name];
      const limit: RateLimit = this.redis
        ? new SharedRateLimiter(this.redis, name, capacity, refillMs, log, namespace)
        : new RateLimiter(capacity, refillMs);
      return {
        take: async (key) => {
          try {
            await limit.take(key);
          } catch (err) {
            if (err instanceof AppError && err.code === "RATE_LIMITED") this.onLimited(name);
            throw err;
          }
        },
      };
    };
    this.startConversation = make("startConversation");
    this.sendMessage = make("sendMessage");
    this.signIn = make("signIn");
    this.signInAddress = make("signInAddress");
    this.typing = make("typing");
    this.rateConversation = make("rateConversation");
    this.apiKeys = this.redis
      ? new SharedRateLimiter(this.redis, "apiKey", 1, 1, log, namespace)
      : new RateLimiter(1, 1);
  }

  /**
   * One request of an API key that may make `perMinute` requests a minute (bursting up to that
   * many at once). Returns what the RateLimit-* headers say; throws RATE_LIMITED past the limit.
   */
  async takeApiKey(apiKeyId: string, perMinute: number): Promise<{ limit: number; remaining: number }> {
    const refillMs = 60_000 / perMinute;
    try {
      const remaining = await this.apiKeys.takeWith(apiKeyId, perMinute, refillMs);
      return { limit: perMinute, remaining };
    } catch (err) {
      if (err instanceof AppError && err.code === "RATE_LIMITED") {
        this.onLimited("apiKey");
        const retryAfter = Number(err.extensions.retryAfter);
        throw rateLimited(retryAfter, {
          "RateLimit-Limit": String(perMinute),
          "RateLimit-Remaining": "0",
          "RateLimit-Reset": String(retryAfter),
        });
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => {});
  }
}
