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

/** What the host site signs: the lower-cased email and the expiry in Unix seconds, joined by a colon. */
export const identityPayload = (email: string, expiresAt: number) => `${email.trim().toLowerCase()}:${expiresAt}`;

/** hex(HMAC-SHA256(secret, "<email>:<expiresAt>")): the host site's proof that it signed this customer in. */
export function signIdentity(secret: string, email: string, expiresAt: number): string {
  return createHmac("sha256", secret).update(identityPayload(email, expiresAt)).digest("hex");
}

export function verifyIdentity(
  secret: string | undefined,
  email: string,
  expiresAt: number,
  signature: string,
): boolean {
  if (!secret || !/^[0-9a-f]{64}$/i.test(signature.trim())) return false;
  return safeEqual(signIdentity(secret, email, expiresAt), signature.trim().toLowerCase());
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
