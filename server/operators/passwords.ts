import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { AppError } from "../errors.ts";

/**
 * scrypt (memory-hard) with a per-password salt, at OWASP's current parameters (N=2^17, r=8,
 * p=1: 128 MiB and a few hundred milliseconds a hash). The parameters are stored with each hash,
 * so older hashes still verify and are re-hashed at the next sign-in (`needsRehash`).
 */
export const PARAMS = { N: 2 ** 17, r: 8, p: 1 } as const;

/**
 * At most this many hashes run at once (each takes 128 MiB and a core), and at most QUEUE_LIMIT
 * wait; past that a sign-in is refused with RATE_LIMITED instead of starving the server.
 */
let maxConcurrent = 2;
const QUEUE_LIMIT = 64;
let running = 0;
let peak = 0;
const waiting: Array<() => void> = [];

export function configureHashing(max: number): void {
  maxConcurrent = Math.max(1, max);
}

/** For tests and metrics: how many hashes run now, and the most that ever ran at once. */
export const hashingStats = () => ({ running, peak, waiting: waiting.length, maxConcurrent });

async function withHashSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= maxConcurrent) {
    if (waiting.length >= QUEUE_LIMIT) {
      throw new AppError("RATE_LIMITED", "The server is busy checking passwords. Try again in a moment.", {
        retryAfter: 1,
        http: { status: 429, headers: { "Retry-After": "1" } },
      });
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  }
  running++;
  peak = Math.max(peak, running);
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function derive(password: string, salt: Buffer, params: ScryptOptions, length = 32): Promise<Buffer> {
  return withHashSlot(
    () =>
      new Promise((resolve, reject) =>
        scrypt(password.normalize("NFKC"), salt, length, { ...params, maxmem: 256 * 1024 * 1024 }, (err, key) =>
          err ? reject(err) : resolve(key),
        ),
      ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, "base64url");
  const actual = await derive(
    password,
    Buffer.from(salt, "base64url"),
    { N: Number(n), r: Number(r), p: Number(p) },
    expected.length,
  );
  return timingSafeEqual(actual, expected);
}

/** A stored hash made with weaker parameters than today's. */
export function needsRehash(stored: string): boolean {
  const [scheme, n, r, p] = stored.split("$");
  return scheme !== "scrypt" || Number(n) < PARAMS.N || Number(r) < PARAMS.r || Number(p) < PARAMS.p;
}

/** A stand-in hash to verify against when the email is unknown, so timing does not reveal which emails exist. */
export const DUMMY_HASH = `scrypt$${PARAMS.N}$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
