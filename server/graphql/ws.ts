import type { IncomingMessage, Server } from "node:http";
import { randomUUID } from "node:crypto";
import { GraphQLError, type ExecutionArgs } from "graphql";
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, handleProtocols, makeServer } from "graphql-ws";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import type { Actor } from "../auth/actor.ts";
import {
  CUSTOMER_COOKIE,
  readCookie,
  resolveSession,
  type Credentials,
  type ResolvedSession,
} from "../auth/resolve-actor.ts";
import { OPERATOR_COOKIE } from "../operators/service.ts";
import type { Services } from "../services.ts";
import { clientAddress, originAllowed, type TrustFn } from "../http/edge.ts";
import type { TandemYoga } from "./yoga.ts";
import { createSocketSubscribe } from "./subscribe.ts";

/** Close code for a session that no longer holds (signed out, disabled, demoted, expired). */
export const SESSION_REVOKED = CloseCode.Forbidden; // 4403

/**
 * One socket: what the server keeps for it, and the transport graphql-ws's protocol core talks
 * to (`protocol`, `send`, `close`, `onMessage`). Thousands of idle sockets each keep one of these,
 * so its methods live on the prototype and the upgrade request is not kept: the cookie header is
 * the only part of it a later session check needs.
 */
class Connection {
  readonly socket: WebSocket;
  readonly address: string;
  readonly cookieHeader: string | undefined;
  readonly requestId = randomUUID();
  credentials?: Credentials;
  session?: ResolvedSession;
  /** Subscriptions counted against the cap from the moment they are asked for, so a burst cannot overshoot it. */
  readonly operations = new Set<string>();
  expiry?: NodeJS.Timeout;
  /** A ping went out and its pong has not come back. */
  awaitingPong = false;
  /** graphql-ws's handler of this socket's messages, and its clean-up when the socket closes. */
  receive?: (data: string) => Promise<void>;
  closed?: (code?: number, reason?: string) => Promise<void>;

  constructor(socket: WebSocket, address: string, cookieHeader: string | undefined) {
    this.socket = socket;
    this.address = address;
    this.cookieHeader = cookieHeader;
  }

  get protocol(): string {
    return this.socket.protocol;
  }

  send(data: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.readyState !== WebSocket.OPEN) return resolve();
      this.socket.send(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  onMessage(receive: (data: string) => Promise<void>): void {
    this.receive = receive;
  }
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Two sessions grant the same rights: same person, same role, same password state. */
function sameRights(a: Actor, b: Actor): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "operator" && b.kind === "operator")
    return a.operatorId === b.operatorId && a.role === b.role && !!a.mustChangePassword === !!b.mustChangePassword;
  if (a.kind === "customer" && b.kind === "customer") return a.conversationId === b.conversationId;
  if (a.kind === "integration" && b.kind === "integration")
    return (
      a.apiKeyId === b.apiKeyId && a.scopes.join() === b.scopes.join() && a.rateLimitPerMinute === b.rateLimitPerMinute
    );
  return true;
}

/**
 * graphql-ws on the same port and path as HTTP GraphQL. Every operation is parsed, validated and
 * given its context through yoga.getEnveloped, so armor limits, introspection rules and the
 * context are the very plugins HTTP uses; queries and mutations execute through it too, and
 * subscriptions through `subscribe.ts`, which applies the same masking, input floor and span.
 * Only the graphql-transport-ws subprotocol is served.
 *
 * A socket's session is checked again on every operation, and every instance re-checks an
 * operator's sockets the moment a revocation for them is published on the bus (sign-out,
 * disable, role change, password reset): a session that no longer holds closes with 4403.
 */
export function attachGraphQLWebSocket(httpServer: Server, yoga: TandemYoga, services: Services, trust: TrustFn) {
  const { config, log } = services;
  const perAddress = new Map<string, number>();
  const connections = new Map<WebSocket, Connection>();

  const wss = new WebSocketServer({
    server: httpServer,
    path: yoga.graphqlEndpoint,
    maxPayload: 64 * 1024,
    handleProtocols: (offered: Set<string>) => handleProtocols(offered),
    verifyClient: (info: { req: IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void) => {
      const offered = String(info.req.headers["sec-websocket-protocol"] ?? "")
        .split(",")
        .map((p) => p.trim());
      // The legacy subscriptions-transport-ws protocol ("graphql-ws") is unmaintained and is not served.
      if (!offered.includes(GRAPHQL_TRANSPORT_WS_PROTOCOL))
        return done(false, 400, `Use the ${GRAPHQL_TRANSPORT_WS_PROTOCOL} subprotocol`);
      // A browser socket that carries a session cookie must come from an allowed origin (no cross-site WebSocket hijacking).
      const cookies = info.req.headers.cookie;
      const hasSession = !!(readCookie(cookies, OPERATOR_COOKIE) || readCookie(cookies, CUSTOMER_COOKIE));
      if (hasSession && !originAllowed(info.req.headers.origin, info.req, config, trust))
        return done(false, 403, "Origin not allowed");
      const address = clientAddress(info.req, trust);
      if ((perAddress.get(address) ?? 0) >= config.limits.maxSocketsPerAddress)
        return done(false, 429, "Too many connections from this address");
      done(true);
    },
  });

  // Listeners shared by every socket (ws calls them with the socket as `this`).
  function onSocketMessage(this: WebSocket, data: RawData) {
    const conn = connections.get(this);
    conn?.receive?.(String(data)).catch((err: unknown) => {
      log.error({ err, requestId: conn.requestId }, "WebSocket message handling failed");
      this.close(CloseCode.InternalServerError, "Internal server error");
    });
  }
  function onSocketError(this: WebSocket, err: Error) {
    log.warn({ err, requestId: connections.get(this)?.requestId }, "WebSocket error");
    this.close(CloseCode.InternalServerError, "Internal server error");
  }
  function onSocketPong(this: WebSocket) {
    const conn = connections.get(this);
    if (conn) conn.awaitingPong = false;
  }
  function onSocketClose(this: WebSocket, code: number, reason: Buffer) {
    const conn = connections.get(this);
    if (!conn) return;
    if (conn.expiry) clearTimeout(conn.expiry);
    connections.delete(this);
    const left = (perAddress.get(conn.address) ?? 1) - 1;
    if (left <= 0) perAddress.delete(conn.address);
    else perAddress.set(conn.address, left);
    conn.closed?.(code, String(reason)).catch((err: unknown) => log.warn({ err }, "WebSocket clean-up failed"));
  }

  wss.on("connection", (socket: WebSocket, req: IncomingMessage) => {
    const conn = new Connection(socket, clientAddress(req, trust), req.headers.cookie);
    perAddress.set(conn.address, (perAddress.get(conn.address) ?? 0) + 1);
    connections.set(socket, conn);
    socket.on("message", onSocketMessage);
    socket.on("error", onSocketError);
    socket.on("pong", onSocketPong);
    socket.on("close", onSocketClose);
    conn.closed = protocol.opened(conn, conn);
  });
  wss.on("error", (err) => {
    log.error({ err }, "WebSocket server error");
    for (const socket of wss.clients) socket.close(CloseCode.InternalServerError, "Internal server error");
  });

  // One timer for every socket: each is pinged, and one that did not answer the last ping is dropped.
  const keepAlive = setInterval(() => {
    for (const conn of connections.values()) {
      if (conn.awaitingPong) {
        conn.socket.terminate();
        continue;
      }
      if (conn.socket.readyState !== WebSocket.OPEN) continue;
      conn.awaitingPong = true;
      conn.socket.ping();
    }
  }, config.websocket.keepAliveMs);
  keepAlive.unref();

  const socketSubscribe = createSocketSubscribe(services);

  /** The connection behind a graphql-ws context, while its socket is open. */
  const connOf = (ctx: { extra: Connection }) => (connections.has(ctx.extra.socket) ? ctx.extra : undefined);

  const revoke = (conn: Connection, reason: string) => {
    log.info({ requestId: conn.requestId, reason }, "socket session no longer valid; closing");
    conn.socket.close(SESSION_REVOKED, "Forbidden");
  };

  /** Re-reads the session behind the socket; closes it if it no longer holds or grants different rights. */
  const recheck = async (conn: Connection): Promise<ResolvedSession | null> => {
    if (!conn.credentials || !conn.session) return null;
    const fresh = await resolveSession(services.db, conn.credentials);
    if (fresh === "invalid" || !sameRights(conn.session.actor, fresh.actor)) {
      revoke(conn, fresh === "invalid" ? "revoked" : "rights changed");
      return null;
    }
    conn.session = fresh;
    return fresh;
  };

  // One listener per instance: a revocation published anywhere reaches this instance's sockets.
  const revocations = services.bus.subscribe("session", "all");
  void (async () => {
    for await (const event of revocations) {
      for (const conn of connections.values()) {
        const actor = conn.session?.actor;
        const concerned =
          (actor?.kind === "operator" && actor.operatorId === event.operatorId) ||
          (actor?.kind === "integration" && actor.apiKeyId === event.apiKeyId);
        if (concerned) {
          await recheck(conn).catch((err) => log.warn({ err }, "socket session re-check failed"));
        }
      }
    }
  })();

  const protocol = makeServer<Record<string, unknown> | undefined, Connection>({
    // A query's or mutation's enveloped execute travels in rootValue from onSubscribe (Yoga's documented pattern).
    execute: (args: ExecutionArgs) => (args.rootValue as { execute: (a: ExecutionArgs) => never }).execute(args),
    // A subscription runs without envelop's per-subscription layers (see subscribe.ts).
    subscribe: socketSubscribe,
    onConnect: async (ctx) => {
      const conn = connOf(ctx);
      if (!conn) return false;
      const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
      // A customer or operator token in `token`, an API key in `apiKey` (either field carries any of them).
      const given = typeof params.apiKey === "string" ? params.apiKey : params.token;
      const token = typeof given === "string" ? given.slice(0, 300) : undefined;
      const credentials = { bearer: token, cookieHeader: conn.cookieHeader };
      const session = await resolveSession(services.db, credentials);
      // false closes the socket with 4403 Forbidden.
      if (session === "invalid") return false;
      conn.credentials = credentials;
      conn.session = session;
      if (session.expiresAt) {
        const ms = Math.min(MAX_TIMER_MS, Math.max(0, session.expiresAt.getTime() - Date.now()));
        conn.expiry = setTimeout(() => void recheck(conn), Math.min(MAX_TIMER_MS, ms + 50));
        conn.expiry.unref();
      }
      return true;
    },
    onSubscribe: async (ctx, id, payload) => {
      const conn = connOf(ctx);
      if (!conn) return [new GraphQLError("The connection is closing.", { extensions: { code: "UNAUTHENTICATED" } })];
      // Reserve the slot before anything asynchronous, so a burst of subscribes cannot overshoot the cap.
      if (conn.operations.size >= config.limits.maxSubscriptionsPerSocket) {
        return [
          new GraphQLError("Too many subscriptions on one connection.", { extensions: { code: "RATE_LIMITED" } }),
        ];
      }
      conn.operations.add(id);
      try {
        // Every operation re-checks the session: a revoked one is refused and the socket closed.
        const session = await recheck(conn);
        if (!session) {
          conn.operations.delete(id);
          return [
            new GraphQLError("Your session has ended. Sign in again.", { extensions: { code: "UNAUTHENTICATED" } }),
          ];
        }
        const { schema, execute, contextFactory, parse, validate } = yoga.getEnveloped({
          params: payload,
          actor: session.actor,
          credentials: conn.credentials,
          requestId: conn.requestId,
          clientIp: conn.address,
        });
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          conn.operations.delete(id);
          if (!(error instanceof GraphQLError))
            return [
              new GraphQLError("Could not parse the document.", { extensions: { code: "GRAPHQL_PARSE_FAILED" } }),
            ];
          const code =
            error.extensions.code ??
            (error.message.startsWith("Syntax Error: Unexpected") || error.message.startsWith("Syntax Error: Expected")
              ? "GRAPHQL_PARSE_FAILED"
              : "GRAPHQL_VALIDATION_FAILED");
          return [new GraphQLError(error.message, { extensions: { ...error.extensions, code } })];
        }
        const args = {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) {
          conn.operations.delete(id);
          return errors;
        }
        return args;
      } catch (error) {
        conn.operations.delete(id);
        throw error;
      }
    },
    onComplete: (ctx, id) => {
      connOf(ctx)?.operations.delete(id);
    },
    onError: (ctx, id) => {
      connOf(ctx)?.operations.delete(id);
    },
  });

  return {
    wss,
    /** Open sockets on this instance (for tests and metrics). */
    connectionCount: () => connections.size,
    /** Going-away (1001) tells clients to reconnect, possibly to another instance. */
    async close() {
      await revocations.return();
      clearInterval(keepAlive);
      for (const socket of wss.clients) socket.close(1001, "Server shutting down");
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
