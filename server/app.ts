import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import type { Logger } from "pino";
import type { Config } from "./config.ts";
import type { ResolvedModel } from "./ai/model.ts";
import { createLogger } from "./logger.ts";
import { createServices, type Services } from "./services.ts";
import { createGraphQLServer, type TandemYoga } from "./graphql/yoga.ts";
import { attachGraphQLWebSocket } from "./graphql/ws.ts";
import { graphiqlRouter } from "./graphql/graphiql.ts";
import { healthRouter } from "./ops/health.ts";
import { whatsappRouter } from "./whatsapp/http.ts";
import { metricsHandler, routeLabel } from "./ops/metrics.ts";
import { httpTracing } from "./ops/tracing.ts";
import type { SpanExporter } from "@opentelemetry/sdk-trace";
import {
  bodyLimit,
  bodyRefusal,
  clientAddress,
  clientProtocol,
  compileTrust,
  refuseBody,
  securityHeaders,
} from "./http/edge.ts";
import { offerWaiting, reassignStale } from "./escalations/assignment.ts";
import { presenceWatcher } from "./operators/presence.ts";
import { markAwayIfGone } from "./operators/service.ts";
import { expireStaleProposals } from "./autonomy/decisions.ts";
import type { AppLoadContext } from "./remix-context.ts";
import { periodic } from "./ops/periodic.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const buildPath = path.join(root, "build/index.js");

export interface App {
  services: Services;
  yoga: TandemYoga;
  server: Server;
  listen(port?: number, host?: string): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
  /** Serve the Remix UI (needs `npm run build`). API-only tests turn it off. */
  ui?: boolean;
  /** Replaces the configured language model: the one seam tests swap it at. */
  model?: ResolvedModel;
  /** Traces go here instead of to an OTLP collector (the tests' in-memory exporter). */
  traceExporter?: SpanExporter;
}

/** The GraphQL endpoint itself, with or without a query string (not /graphql/anything). */
function isApiPath(url: string | undefined, endpoint: string): boolean {
  if (!url?.startsWith(endpoint)) return false;
  const rest = url.charCodeAt(endpoint.length);
  return Number.isNaN(rest) || rest === 63; /* "?" */
}

/**
 * Gives every request its id (a well-formed incoming X-Request-Id, or a new one), and when it
 * finishes, its duration to the metrics and one log line (static assets only to the metrics).
 */
function requestObserver(services: Services, log: Logger) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const incoming = req.headers["x-request-id"];
    const requestId = typeof incoming === "string" && /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    req.headers["x-request-id"] = requestId;
    res.setHeader("x-request-id", requestId);
    const started = performance.now();
    // Express rewrites req.url inside mounted routers; the original is what was asked for.
    const url = req.url ?? "/";
    res.once("finish", () => {
      const path = url.split("?")[0] ?? "/";
      const ms = performance.now() - started;
      services.metrics.httpDuration.observe(
        { method: req.method ?? "GET", route: routeLabel(path), status: String(res.statusCode) },
        ms / 1000,
      );
      if (path.startsWith("/build/")) return;
      log.info({ requestId, method: req.method, path, status: res.statusCode, ms: Math.round(ms) }, "request");
    });
  };
}

/** Builds the whole server once. Nothing listens until `listen()`; tests use port 0. */
export async function createApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const log = opts.logger ?? createLogger(config);
  const services = await createServices(config, log, opts.model, opts.traceExporter);
  const trustFn = compileTrust(config.http.trustProxy);
  const yoga = createGraphQLServer(services, trustFn);
  const app = express();
  app.disable("x-powered-by");
  const trust = trustFn;
  app.set("trust proxy", trust);
  const tracing = services.tracing.enabled ? httpTracing(services.tracing.tracer) : null;
  const headers = securityHeaders(config);
  const observe = requestObserver(services, log);
  if (tracing) app.use(tracing);
  app.use(headers.pages);
  app.use((req, res, next) => {
    observe(req, res);
    next();
  });
  app.use(bodyLimit(config.http.maxBodyBytes));
  const onListening: Array<() => Promise<void> | void> = [];

  app.use(healthRouter(services));
  app.get("/metrics", metricsHandler(services));
  app.use("/webhooks/whatsapp", whatsappRouter(services));
  if (config.graphql.graphiql) app.use(graphiqlRouter());
  // GraphQL over HTTP goes the short way (see `api` below); this serves what reaches it through Express.
  app.use(yoga.graphqlEndpoint, yoga as unknown as express.RequestHandler);

  if (opts.ui !== false) {
    app.use("/build", express.static(path.join(root, "public/build"), { immutable: true, maxAge: "1y" }));
    app.use(express.static(path.join(root, "public"), { maxAge: "1h" }));
    if (existsSync(buildPath)) {
      const build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;
      app.all(
        "*",
        createRequestHandler({
          build,
          mode: config.env === "production" ? "production" : "development",
          getLoadContext: (req, res): AppLoadContext => ({
            services,
            requestId: String(req.headers["x-request-id"]),
            clientIp: clientAddress(req, trust),
            protocol: clientProtocol(req, trust),
            cspNonce: String(res.locals.cspNonce ?? ""),
          }),
        }),
      );
      // Set by `remix dev`, which waits for this signal before live-reloading the browser.
      if (process.env.REMIX_DEV_ORIGIN) {
        const { broadcastDevReady } = await import("@remix-run/node");
        onListening.push(() => broadcastDevReady(build));
      }
    } else {
      app.all("*", (_req, res) => {
        res.status(503).type("text/plain").send("The web UI is not built yet. Run `npm run build`, then restart.");
      });
    }
  }

  // The API endpoint skips Express: the same edge (trace, headers, body limit, request id, log,
  // metrics), then Yoga. Express's routing and request decoration cost about a fifth of a small
  // query's time, and nothing in it concerns the API.
  const api = (req: IncomingMessage, res: ServerResponse) => {
    headers.api(res);
    observe(req, res);
    const refusal = bodyRefusal(req, config.http.maxBodyBytes);
    if (refusal) refuseBody(req, res, refusal);
    else void yoga(req, res);
  };
  const server = createServer((req, res) => {
    if (!isApiPath(req.url, yoga.graphqlEndpoint)) return app(req, res);
    if (tracing) tracing(req, res, () => api(req, res));
    else api(req, res);
  });
  const ws = attachGraphQLWebSocket(server, yoga, services, trust);
  services.metrics.connections = ws.connectionCount;
  // This instance's lease first: nothing it streams may look orphaned to the others.
  await services.liveness.start();
  const sweeper = periodic(
    () => services.runner.sweepOrphans(),
    Math.max(250, Math.floor(Math.min(config.streaming.staleAfterMs, config.streaming.leaseMs) / 3)),
    (err) => log.warn({ err }, "orphan sweep failed"),
  );
  // A peer that stops gracefully leaves "interrupted" notices behind: answer them now, not at
  // the next restart (exactly one instance takes each one on).
  const peers = services.bus.subscribe("instance", "all");
  void (async () => {
    for await (const event of peers) {
      if (event.type === "stopped" && event.instanceId !== services.instanceId)
        await services.runner
          .resumePendingTurns()
          .catch((err) => log.warn({ err }, "resuming a peer's replies failed"));
    }
  })().catch(() => {});
  const watchPresence = presenceWatcher(services.db, services.bus);
  const reassigner = setInterval(() => {
    void reassignStale(services)
      .then(() => offerWaiting(services))
      .catch((err) => log.warn({ err }, "reassignment sweep failed"));
    void watchPresence().catch((err) => log.warn({ err }, "presence check failed"));
    void markAwayIfGone(services, config.inbox.awayAfterMs).catch((err) => log.warn({ err }, "away sweep failed"));
    void expireStaleProposals(services).catch((err) => log.warn({ err }, "proposal expiry sweep failed"));
  }, 15_000);
  reassigner.unref();
  if (config.conductor.enabled) services.conductor.start(config.conductor.sweepMs);
  services.webhooks.start();
  services.whatsapp.start();
  let closed: Promise<void> | null = null;

  return {
    services,
    yoga,
    server,
    async listen(port = config.port, host = config.host) {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => resolve());
      });
      const address = server.address();
      const actual = typeof address === "object" && address ? address.port : port;
      const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${actual}`;
      services.localUrl = url;
      log.info({ url }, "Tandem is listening");
      if (config.env === "production" && config.cookies.secure && !["127.0.0.1", "localhost", "::1"].includes(host)) {
        // Browsers drop Secure cookies over plain HTTP: without TLS in front, every sign-in would seem to fail.
        log.warn(
          "operator sign-in needs HTTPS in production (session cookies are Secure): serve Tandem behind TLS and set TRUST_PROXY for the proxy, or set COOKIE_SECURE=false on a plain-HTTP network",
        );
      }
      for (const ready of onListening.splice(0)) await ready();
      await services.runner.sweepOrphans();
      await services.runner.resumePendingTurns();
      return { port: actual, url };
    },
    close() {
      closed ??= (async () => {
        sweeper.stop();
        clearInterval(reassigner);
        // Stop taking work, tell sockets to go elsewhere, fail in-flight replies visibly, then close.
        server.close();
        await ws.close();
        await services.runner.shutdown();
        await peers.return();
        // The lease goes and the others hear of it: they answer what this instance interrupted.
        await services.liveness.stop().catch((err) => log.warn({ err }, "could not give up the instance lease"));
        services.bus.publish("instance", "all", {
          type: "stopped",
          instanceId: services.instanceId,
          at: new Date().toISOString(),
        });
        services.conductor.close();
        await services.summaries.close();
        await services.webhooks.stop();
        await services.whatsapp.stop();
        await services.conductor.idle();
        server.closeAllConnections();
        await yoga.dispose();
        await services.bus.close();
        await services.rateLimits.close();
        await services.dbHandle.close();
        await services.tracing.shutdown();
        log.info("Tandem stopped");
      })();
      return closed;
    },
  };
}
