import { createHmac } from "node:crypto";
import { safeEqual } from "../auth/tokens.ts";

/** Meta signs each webhook: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app secret>`. */
export function signWhatsApp(appSecret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac("sha256", appSecret).update(rawBody).digest("hex")}`;
}

export function validWhatsAppSignature(appSecret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!header || !/^sha256=[0-9a-f]{64}$/i.test(header.trim())) return false;
  return safeEqual(signWhatsApp(appSecret, rawBody), header.trim().toLowerCase());
}
