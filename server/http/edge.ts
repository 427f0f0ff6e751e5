import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { NextFunction, Request, Response } from "express";
import proxyaddr from "proxy-addr";
import type { Config } from "../config.ts";

/**
 * What every request passes through before the API or the UI sees it: which address and
 * scheme the client really has (TRUST_PROXY), which origins may call the API with credentials
 * (CORS_ORIGINS), the security headers, and the body size cap.
 */

export type TrustFn = (address: string, hop: number) => boolean;

/** TRUST_PROXY with the meaning of Express's `trust proxy`: nobody, everybody, a hop count, or addresses/CIDRs. */
export function compileTrust(value: Config["http"]["trustProxy"]): TrustFn {
  if (value === true) return () => true;
  if (value === false) return () => false;
  if (typeof value === "number") return (_address, hop) => hop < value;
  return proxyaddr.compile(value);
}

/** The client's address: the socket's peer, or the nearest untrusted address in X-Forwarded-For. */
export function clientAddress(req: IncomingMessage, trust: TrustFn): string {
  return proxyaddr(req as Parameters<typeof proxyaddr>[0], trust) || req.socket.remoteAddress || "unknown";
}

/** "https" or "http" as the client used it: X-Forwarded-Proto counts only from a trusted proxy. */
export function clientProtocol(req: IncomingMessage, trust: TrustFn): "http" | "https" {
  const direct = (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
  if (!trust(req.socket.remoteAddress ?? "", 0)) return direct;
  const forwarded = String(req.headers["x-forwarded-proto"] ?? "")
    .split(",")[0]!
    .trim()
    .toLowerCase();
  return forwarded === "https" || forwarded === "http" ? forwarded : direct;
}

/** The app's own origin for this request, as the browser sees it. */
export function ownOrigin(req: IncomingMessage, trust: TrustFn): string | null {
  const forwardedHost = trust(req.socket.remoteAddress ?? "", 0)
    ? String(req.headers["x-forwarded-host"] ?? "")
        .split(",")[0]!
        .trim()
    : "";
  const host = forwardedHost || req.headers.host;
  return host ? `${clientProtocol(req, trust)}://${host}` : null;
}

/** Whether a browser on `origin` may use this server with the user's credentials. */
export function originAllowed(
  origin: string | null | undefined,
  req: IncomingMessage,
  config: Config,
  trust: TrustFn,
): boolean {
  if (!origin) return true;
  if (origin === ownOrigin(req, trust)) return true;
  return config.http.corsOrigins.includes(origin);
}

/**
 * Security headers on every response. HTML gets a Content-Security-Policy whose only allowed
 * inline scripts are Remix's, which carry this response's nonce (res.locals.cspNonce).
 */
export function securityHeaders(config: Config) {
  const production = config.env === "production";
  return (req: Request, res: Response, next: NextFunction) => {
    const nonce = randomBytes(16).toString("base64");
    res.locals.cspNonce = nonce;
    res.setHeader(
      "Content-Security-Policy",
      [
        "default-src 'self'",
        `script-src 'self' 'nonce-${nonce}'`,
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        `connect-src 'self'${production ? "" : " ws://localhost:* ws://127.0.0.1:*"}`,
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
      ].join("; "),
    );
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "strict-origin-when-cross-origin");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    if (production) res.setHeader("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    next();
  };
}

/** Refuses bodies larger than MAX_BODY_BYTES (413), and bodies of unknown length (411), before anyone reads them. */
export function bodyLimit(maxBytes: number) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return next();
    const length = req.headers["content-length"];
    const refuse = (status: number, code: string, message: string) => {
      res
        .status(status)
        .type("application/json")
        .send(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
      req.resume();
    };
    if (length === undefined) {
      if (req.headers["transfer-encoding"])
        return refuse(411, "LENGTH_REQUIRED", "Send a Content-Length with the request body.");
      return next();
    }
    if (!/^\d+$/.test(length) || Number(length) > maxBytes)
      return refuse(413, "PAYLOAD_TOO_LARGE", `The request body is at most ${maxBytes} bytes.`);
    next();
  };
}
