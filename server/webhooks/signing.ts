import { createHmac } from "node:crypto";
import { safeEqual } from "../auth/tokens.ts";

/**
 * `Tandem-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. The time
 * is signed with the body, so a receiver that rejects old timestamps also rejects replays.
 */
export const SIGNATURE_HEADER = "Tandem-Signature";

export function sign(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex")}`;
}

/** What a receiver does (docs/api.md has the same in a few lines): true for a fresh, matching signature. */
export function verify(
  secret: string,
  body: string,
  header: string | null | undefined,
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceSeconds = 300,
): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(
    header.split(",").map((p) => {
      const i = p.indexOf("=");
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()];
    }),
  );
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds || !parts.v1) return false;
  return safeEqual(sign(secret, body, t).split("v1=")[1]!, parts.v1);
}
