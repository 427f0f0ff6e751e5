import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
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
 * inline scripts are Remix's, which carry this response's nonce (res.locals.cspNonce); the API
 * (JSON, and GraphiQL, which has no inline script) gets the same policy with no nonce.
 */
export function securityHeaders(config: Config) {
  const production = config.env === "production";
  const csp = (nonce: string | null) =>
    [
      "default-src 'self'",
      nonce ? `script-src 'self' 'nonce-${nonce}'` : "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "font-src 'self' data:",
      `connect-src 'self'${production ? "" : " ws://localhost:* ws://127.0.0.1:*"}`,
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join("; ");
  const fixed: Array<[string, string]> = [
    ["X-Content-Type-Options", "nosniff"],
    ["Referrer-Policy", "strict-origin-when-cross-origin"],
    ["X-Frame-Options", "DENY"],
    ["Cross-Origin-Opener-Policy", "same-origin"],
    ...(production ? [["Strict-Transport-Security", "max-age=31536000; includeSubDomains"] as [string, string]] : []),
  ];
  const apiCsp = csp(null);
  const set = (res: ServerResponse, policy: string) => {
    res.setHeader("Content-Security-Policy", policy);
    for (const [name, value] of fixed) res.setHeader(name, value);
  };
  return {
    /** For pages: a fresh nonce per response. */
    pages: (_req: Request, res: Response, next: NextFunction) => {
      const nonce = randomBytes(16).toString("base64");
      res.locals.cspNonce = nonce;
      set(res, csp(nonce));
      next();
    },
    /** For the API: the policy with no nonce, built once. */
    api: (res: ServerResponse) => set(res, apiCsp),
  };
}

/**
 * Bodies larger than MAX_BODY_BYTES (413) and bodies of unknown length (411) are refused before
 * anyone reads them. Null: the request may go on.
 */
export function bodyRefusal(
  req: IncomingMessage,
  maxBytes: number,
): { status: number; code: string; message: string } | null {
  if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return null;
  const length = req.headers["content-length"];
  if (length === undefined)
    return req.headers["transfer-encoding"]
      ? { status: 411, code: "LENGTH_REQUIRED", message: "Send a Content-Length with the request body." }
      : null;
  if (!/^\d+$/.test(length) || Number(length) > maxBytes)
    return { status: 413, code: "PAYLOAD_TOO_LARGE", message: `The request body is at most ${maxBytes} bytes.` };
  return null;
}

/** Answers a refused body in the API's error shape, and drains what the client still sends. */
export function refuseBody(
  req: IncomingMessage,
  res: ServerResponse,
  refusal: NonNullable<ReturnType<typeof bodyRefusal>>,
) {
  res.statusCode = refusal.status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.end(JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] }));
  req.resume();
}

/** bodyRefusal for Express. */
export function bodyLimit(maxBytes: number) {
  return (req: Request, res: Response, next: NextFunction) => {
    const refusal = bodyRefusal(req, maxBytes);
    if (refusal) return refuseBody(req, res, refusal);
    next();
  };
}
