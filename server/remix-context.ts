import type { Services } from "./services.ts";

/** What every Remix loader and action receives as `context`. */
export interface AppLoadContext {
  services: Services;
  requestId: string;
  clientIp: string;
  /** "https" or "http", as seen by the client (TRUST_PROXY decides whether X-Forwarded-Proto counts). */
  protocol: string;
  /** Per-response nonce for the Content-Security-Policy; Remix's inline scripts carry it. */
  cspNonce: string;
  [key: string]: unknown;
}
