import { createHash, timingSafeEqual } from "node:crypto";
import { sql } from "drizzle-orm";
import type { RequestHandler } from "express";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { escalations, interventions } from "../../drizzle/schema.ts";
import type { Database } from "../db/client.ts";
import type { EventBus } from "../events/bus.ts";
import { getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { TurnTelemetry } from "../ai/runner.ts";

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === "object" && value !== null && Symbol.asyncIterator in value;

/**
 * Tandem's Prometheus metrics, one registry per app (tests run several in one process). Names
 * start with `tandem_`. Counters and histograms count what this instance did; the gauges read
 * at scrape time (escalations waiting, interventions) are the deployment's, from the database.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: "tandem_http_request_duration_seconds",
    help: "HTTP requests by method, route and status.",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly graphqlDuration = new Histogram({
    name: "tandem_graphql_operation_duration_seconds",
    help: "GraphQL operations (over HTTP and WebSocket) by operation name, type and outcome.",
    labelNames: ["operation", "type", "outcome"] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly aiTurnDuration = new Histogram({
    name: "tandem_ai_turn_duration_seconds",
    help: "One agent's answer, from the model call to the last word, by agent, model and outcome.",
    labelNames: ["agent", "model", "outcome"] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 60],
    registers: [this.registry],
  });

  readonly aiFirstToken = new Histogram({
    name: "tandem_ai_time_to_first_token_seconds",
    help: "From the model call to the first streamed word, by agent and model.",
    labelNames: ["agent", "model"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    registers: [this.registry],
  });

  readonly aiTokens = new Counter({
    name: "tandem_ai_tokens_total",
    help: "Tokens sent to and received from the model, by model, agent and direction.",
    labelNames: ["model", "agent", "direction"] as const,
    registers: [this.registry],
  });

  readonly aiCost = new Counter({
    name: "tandem_ai_cost_usd_total",
    help: "Estimated model spend in USD, by model and agent.",
    labelNames: ["model", "agent"] as const,
    registers: [this.registry],
  });

  readonly aiFailures = new Counter({
    name: "tandem_ai_failures_total",
    help: "Model calls retried, and answers that failed, by agent, model and kind.",
    labelNames: ["agent", "model", "kind"] as const,
    registers: [this.registry],
  });

  readonly eventsPublished = new Counter({
    name: "tandem_events_published_total",
    help: "Events this instance published on the bus, by topic.",
    labelNames: ["topic"] as const,
    registers: [this.registry],
  });

  readonly decisions = new Counter({
    name: "tandem_decisions_total",
    help: "Decision changes this instance made, by status.",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: "tandem_rate_limited_total",
    help: "Requests refused by a rate limit, by limit.",
    labelNames: ["limit"] as const,
    registers: [this.registry],
  });

  readonly webhookDeliveries = new Counter({
    name: "tandem_webhook_deliveries_total",
    help: "Webhook delivery attempts this instance made, by outcome (delivered, retry, failed).",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });

  readonly whatsappSends = new Counter({
    name: "tandem_whatsapp_sends_total",
    help: "WhatsApp replies this instance tried to send, by outcome (sent, retry, failed).",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });

  /** Open WebSocket connections on this instance: set once the socket server is attached. */
  connections: () => number = () => 0;

  constructor(sources: { db: Database; bus: EventBus }) {
    collectDefaultMetrics({ register: this.registry, prefix: "tandem_" });
    const wsGauge: Gauge = new Gauge({
      name: "tandem_ws_connections",
      help: "Open WebSocket connections on this instance.",
      registers: [this.registry],
      collect: () => wsGauge.set(this.connections()),
    });
    new Gauge({
      name: "tandem_subscriptions_active",
      help: "Live bus subscriptions on this instance (GraphQL subscriptions and internal readers).",
      registers: [this.registry],
      collect() {
        this.set(sources.bus.activeSubscriptions);
      },
    });
    new Gauge({
      name: "tandem_escalations_waiting",
      help: "Escalations waiting for a person to claim them (the deployment's).",
      registers: [this.registry],
      async collect() {
        const [row] = await sources.db
          .select({ n: sql<number>`count(*)::int` })
          .from(escalations)
          .where(sql`${escalations.status} = 'pending'`);
        this.set(Number(row?.n ?? 0));
      },
    });
    new Gauge({
      name: "tandem_escalation_oldest_wait_seconds",
      help: "How long the longest-waiting escalation has waited (0 when none waits).",
      registers: [this.registry],
      async collect() {
        const [row] = await sources.db
          .select({ s: sql<number>`coalesce(extract(epoch from now() - min(${escalations.createdAt})), 0)::float8` })
          .from(escalations)
          .where(sql`${escalations.status} = 'pending'`);
        this.set(Number(row?.s ?? 0));
      },
    });
    new Gauge({
      name: "tandem_interventions",
      help: "The conductor's interventions (the deployment's), by intervention and outcome.",
      labelNames: ["intervention", "outcome"] as const,
      registers: [this.registry],
      async collect() {
        const rows = await sources.db
          .select({
            intervention: interventions.intervention,
            outcome: interventions.outcome,
            n: sql<number>`count(*)::int`,
          })
          .from(interventions)
          .groupBy(interventions.intervention, interventions.outcome);
        this.reset();
        for (const r of rows) this.set({ intervention: r.intervention, outcome: r.outcome }, Number(r.n));
      },
    });
    sources.bus.observeLocal((topic, _id, event) => {
      this.eventsPublished.inc({ topic });
      if (topic === "decision" && "status" in event && event.status) this.decisions.inc({ status: event.status });
    });
  }
}

/**
 * GET /metrics: the Prometheus text format, only with `Authorization: Bearer <METRICS_TOKEN>`
 * (compared in constant time). Without a configured token the endpoint does not exist.
 */
export function metricsHandler(services: { config: { metricsToken?: string }; metrics: Metrics }): RequestHandler {
  return async (req, res, next) => {
    if (!services.config.metricsToken) return next();
    if (!metricsTokenMatches(services.config.metricsToken, req.headers.authorization)) {
      res.status(401).type("text/plain").send("A metrics token is required.");
      return;
    }
    const body = await services.metrics.registry.metrics();
    res.setHeader("Content-Type", services.metrics.registry.contentType);
    res.end(body);
  };
}

/** Whether an Authorization header carries the metrics token (compared in constant time); never without a token. */
export function metricsTokenMatches(token: string | undefined, authorization: string | undefined): boolean {
  if (!token) return false;
  const given = /^Bearer (.+)$/.exec(authorization ?? "")?.[1] ?? "";
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** The runner's report of each answer, as metrics. */
export function aiTelemetry(metrics: Metrics, model: string): TurnTelemetry {
  return {
    retried: (agent) => metrics.aiFailures.inc({ agent, model, kind: "retry" }),
    finished: (turn) => {
      const agent = turn.agent;
      metrics.aiTurnDuration.observe({ agent, model, outcome: turn.outcome }, turn.seconds);
      if (turn.firstWordSeconds !== null) metrics.aiFirstToken.observe({ agent, model }, turn.firstWordSeconds);
      if (turn.outcome === "failed") metrics.aiFailures.inc({ agent, model, kind: "failed" });
      metrics.aiTokens.inc({ model, agent, direction: "input" }, turn.usage.inputTokens);
      metrics.aiTokens.inc({ model, agent, direction: "output" }, turn.usage.outputTokens);
      metrics.aiCost.inc({ model, agent }, turn.costUsd);
    },
  };
}

/** At most this many distinct operation names are labelled; the rest are "other" (clients choose names). */
const MAX_OPERATION_NAMES = 200;

/** Times every GraphQL operation, over HTTP and WebSocket alike, by name, type and outcome. */
export function useOperationMetrics(metrics: Metrics): Plugin {
  const names = new Set<string>();
  const nameOf = (raw: string | undefined) => {
    const name = raw && /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(raw) ? raw : "anonymous";
    if (names.has(name)) return name;
    if (names.size >= MAX_OPERATION_NAMES) return "other";
    names.add(name);
    return name;
  };
  return {
    onExecute({ args }) {
      const started = performance.now();
      const operation = getOperationAST(args.document, args.operationName);
      const labels = { operation: nameOf(operation?.name?.value), type: operation?.operation ?? "unknown" };
      return {
        onExecuteDone({ result }) {
          const failed = !isAsyncIterable(result) && Boolean(result.errors?.length);
          metrics.graphqlDuration.observe(
            { ...labels, outcome: failed ? "error" : "ok" },
            (performance.now() - started) / 1000,
          );
        },
      };
    },
  };
}

/** A bounded route label: the API, health, the dashboard's sections, help articles, assets, the rest. */
export function routeLabel(path: string): string {
  if (path === "/graphql") return "/graphql";
  if (path.startsWith("/health")) return path.split("?")[0]!.slice(0, 20);
  if (path === "/metrics") return "/metrics";
  if (path.startsWith("/build/") || path.startsWith("/assets/")) return "static";
  if (path.startsWith("/help/")) return "/help/:slug";
  const dashboard = /^\/dashboard(\/(conversations|tickets)\/[^/]+|\/[a-z-]+)?/.exec(path);
  if (dashboard) return dashboard[2] ? `/dashboard/${dashboard[2]}/:id` : (dashboard[0] ?? "/dashboard");
  if (path === "/" || path.startsWith("/?")) return "/";
  return "other";
}
