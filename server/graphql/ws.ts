import type { IncomingMessage, Server } from "node:http";
import { randomUUID } from "node:crypto";
import { GraphQLError, type ExecutionArgs } from "graphql";
import { GRAPHQL_TRANSPORT_WS_PROTOCOL } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer, type WebSocket } from "ws";
import type { Actor } from "../auth/actor.ts";
import { resolveActor, type Credentials } from "../auth/resolve-actor.ts";
import type { Services } from "../services.ts";
import type { TandemYoga } from "./yoga.ts";

interface SocketExtra {
  actor?: Actor;
  credentials?: Credentials;
  requestId: string;
  subscriptions: Set<string>;
}

/**
 * graphql-ws on the same port and path as HTTP GraphQL. Every operation runs through
 * yoga.getEnveloped, so armor limits, masking and the context are the very plugins HTTP uses.
 * Only the graphql-transport-ws subprotocol is served.
 */
export function attachGraphQLWebSocket(httpServer: Server, yoga: TandemYoga, services: Services) {
  const wss = new WebSocketServer({
    server: httpServer,
    path: yoga.graphqlEndpoint,
    maxPayload: 64 * 1024,
    // Refuse the handshake outright unless the client speaks graphql-transport-ws; the legacy
    // subscriptions-transport-ws protocol ("graphql-ws") is unmaintained and is not served.
    verifyClient: (info: { req: IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void) => {
      const offered = String(info.req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
      if (offered.includes(GRAPHQL_TRANSPORT_WS_PROTOCOL)) done(true);
      else done(false, 400, `Use the ${GRAPHQL_TRANSPORT_WS_PROTOCOL} subprotocol`);
    },
  });
  const extras = new WeakMap<object, SocketExtra>();
  const extraOf = (ctx: { extra: object }) => {
    let extra = extras.get(ctx.extra);
    if (!extra) extras.set(ctx.extra, (extra = { requestId: randomUUID(), subscriptions: new Set() }));
    return extra;
  };

  const disposable = useServer(
    {
      // The enveloped execute/subscribe travel in rootValue from onSubscribe (Yoga's documented pattern).
      execute: (args: ExecutionArgs) => (args.rootValue as { execute: (a: ExecutionArgs) => never }).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as { subscribe: (a: ExecutionArgs) => never }).subscribe(args),
      onConnect: async (ctx) => {
        const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
        const token = typeof params.token === "string" ? params.token : undefined;
        const credentials = { bearer: token, cookieHeader: ctx.extra.request.headers.cookie };
        const actor = await resolveActor(services.db, credentials);
        // false closes the socket with 4403 Forbidden.
        if (actor === "invalid") return false;
        extraOf(ctx).actor = actor;
        extraOf(ctx).credentials = credentials;
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const extra = extraOf(ctx);
        if (extra.subscriptions.size >= services.config.limits.maxSubscriptionsPerSocket) {
          return [
            new GraphQLError("Too many subscriptions on one connection.", { extensions: { code: "RATE_LIMITED" } }),
          ];
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          actor: extra.actor,
          credentials: extra.credentials,
          requestId: extra.requestId,
          clientIp: ctx.extra.request.socket.remoteAddress ?? "unknown",
        });
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError("Could not parse the document.")];
        }
        const args = {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        extra.subscriptions.add(id);
        return args;
      },
      onComplete: (ctx, id) => {
        extraOf(ctx).subscriptions.delete(id);
      },
    },
    wss,
  );

  return {
    wss,
    /** Going-away (1001) tells clients to reconnect, possibly to another instance. */
    async close() {
      for (const socket of wss.clients as Set<WebSocket>) socket.close(1001, "Server shutting down");
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
