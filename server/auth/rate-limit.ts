import { AppError } from "../errors.ts";

/**
 * A token bucket per key, in process memory. Each instance limits on its own; with several
 * instances the effective limit is that many times higher, which is acceptable for abuse
 * control (not billing). Idle buckets are dropped so the map cannot grow without bound.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly capacity: number,
    private readonly refillEveryMs: number,
  ) {}

  /** Takes one token for `key`, or throws RATE_LIMITED saying when to retry. */
  take(key: string, now = Date.now()): void {
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    const refilled = Math.min(this.capacity, bucket.tokens + (now - bucket.at) / this.refillEveryMs);
    if (refilled < 1) {
      const retryAfter = Math.max(1, Math.ceil(((1 - refilled) * this.refillEveryMs) / 1000));
      this.buckets.set(key, { tokens: refilled, at: now });
      throw new AppError("RATE_LIMITED", `Too many requests. Try again in ${retryAfter} s.`, {
        retryAfter,
        // Yoga turns this into the HTTP status and header of the response.
        http: { status: 429, headers: { "Retry-After": String(retryAfter) } },
      });
    }
    this.buckets.set(key, { tokens: refilled - 1, at: now });
    if (this.buckets.size > 10_000) this.prune(now);
  }

  private prune(now: number) {
    const full = this.capacity * this.refillEveryMs;
    for (const [key, b] of this.buckets) if (now - b.at > full) this.buckets.delete(key);
  }
}
