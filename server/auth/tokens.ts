import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** A random, URL-safe secret with a readable prefix so a leaked token is recognisable in logs. */
export function generateToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}

/**
 * Tokens are 256-bit random secrets, so a fast hash is enough to make the stored value useless
 * to a thief; a slow KDF is only needed for secrets people choose (passwords).
 */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** The host site's proof that it signed in this email: HMAC-SHA256(secret, email), hex. */
export function verifyIdentity(secret: string | undefined, email: string | null | undefined, signature: string | null | undefined): boolean {
  if (!secret || !email || !signature) return false;
  const expected = createHmac("sha256", secret).update(email.trim().toLowerCase()).digest("hex");
  return safeEqual(expected, signature.trim().toLowerCase());
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
