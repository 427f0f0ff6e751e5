import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { estimateCostUsd, type Config } from "./config.ts";
import { openDatabase, type Database, type DatabaseHandle } from "./db/client.ts";
import { EventBus } from "./events/bus.ts";
import { resolveModel, type ResolvedModel } from "./ai/model.ts";
import { AgentRunner } from "./ai/runner.ts";
import { SummaryScheduler } from "./ai/summary.ts";
import { Conductor } from "./conductor/conductor.ts";
import { seededRandom } from "./conductor/bandit.ts";
import { aiTelemetry, Metrics } from "./ops/metrics.ts";
import { Liveness } from "./ops/liveness.ts";
import { startTracing, type Tracing } from "./ops/tracing.ts";
import type { SpanExporter } from "@opentelemetry/sdk-trace";
import { WebhookDispatcher } from "./webhooks/dispatcher.ts";
import { WhatsAppSender } from "./whatsapp/sender.ts";
import type { OperatorDeps } from "./conversations/operator-actions.ts";
import { RateLimits } from "./auth/rate-limit.ts";
import { ensureAdmin, type OperatorDomainDeps } from "./operators/service.ts";
import { configureHashing } from "./operators/passwords.ts";
import { seedIfEmpty } from "../drizzle/seed-data.ts";

/** Everything stateful, built once per process and handed to GraphQL and Remix alike. */
export interface Services {
  config: Config;
  log: Logger;
  db: Database;
  dbHandle: DatabaseHandle;
  bus: EventBus;
  runner: AgentRunner;
  /** Writes case summaries for the team when a conversation is escalated or moves on. */
  summaries: SummaryScheduler;
  conversationDeps: OperatorDeps;
  model: { label: string; offline: boolean };
  instanceId: string;
  rateLimits: RateLimits;
  /** What the operator domain functions (sign-in, sessions, passwords) need. */
  operatorDeps: OperatorDomainDeps;
  /** Watches open conversations and intervenes; started by the app when CONDUCTOR is on. */
  conductor: Conductor;
  /** Where this instance listens (loopback), once it does: the demo simulator calls its own API there. */
  localUrl: string | null;
  /** Prometheus metrics (served at /metrics with METRICS_TOKEN). */
  metrics: Metrics;
  /** This instance's lease, so others notice in seconds when it dies. */
  liveness: Liveness;
  /** Sends the webhook outbox (started by the app). */
  webhooks: WebhookDispatcher;
  /** Sends replies to WhatsApp customers (started by the app when the channel is configured). */
  whatsapp: WhatsAppSender;
  /** OpenTelemetry traces (server/ops/tracing.ts); a no-op unless an OTLP endpoint is configured. */
  tracing: Tracing;
}

export async function createServices(
  config: Config,
  log: Logger,
  model?: ResolvedModel,
  traceExporter?: SpanExporter,
): Promise<Services> {
  const instanceId = randomUUID();
  const tracing = startTracing({ ...config.tracing, exporter: traceExporter, instanceId });
  const dbHandle = await openDatabase({ ...config.database, tracer: tracing.enabled ? tracing.tracer : undefined });
  const db = dbHandle.db;
  configureHashing(config.limits.maxConcurrentPasswordHashes);
  if (config.seedDemo) await seedIfEmpty(db, log);
  const admin = await ensureAdmin(db, config.admin.email, config.admin.password, config.dataDir);
  if (admin?.passwordFile) {
    // The password itself never reaches a log or a terminal; only its owner can read the file.
    log.warn(
      { passwordFile: admin.passwordFile },
      "first admin created: its generated password is in passwordFile (readable only by this user); it must be changed at first sign-in",
    );
  }
  const bus = config.redisUrl ? EventBus.redis(config.redisUrl, log, config.redisNamespace) : EventBus.inMemory();
  const metrics = new Metrics({ db, bus });
  const resolved = model ?? resolveModel(config.ai);
  // The offline model costs nothing; a hosted one is priced by the configured table.
  const pricing = (usage: { inputTokens: number; outputTokens: number }) =>
    resolved.offline ? 0 : estimateCostUsd(config.ai.prices, config.ai.model, usage);
  const runner = new AgentRunner({
    db,
    bus,
    log,
    model: resolved.model,
    modelLabel: resolved.label,
    instanceId,
    timeoutMs: config.ai.timeoutMs,
    maxRetries: config.ai.maxRetries,
    retryBaseMs: config.ai.retryBaseMs,
    persistIntervalMs: config.streaming.persistIntervalMs,
    staleAfterMs: config.streaming.staleAfterMs,
    leaseMs: config.streaming.leaseMs,
    pricing,
    caps: config.ai.caps,
    telemetry: aiTelemetry(metrics, resolved.label),
    tracer: tracing.enabled ? tracing.tracer : undefined,
  });
  const summaries = new SummaryScheduler(
    {
      db,
      bus,
      log,
      model: resolved.model,
      modelLabel: resolved.label,
      timeoutMs: config.ai.timeoutMs,
      spend: { pricing, caps: config.ai.caps },
    },
    config.ai.summaryDelayMs,
  );
  const rateLimits = new RateLimits(config.limits.rate, config.redisUrl, log, config.redisNamespace);
  rateLimits.onLimited = (limit) => metrics.rateLimited.inc({ limit });
  const conversationDeps: OperatorDeps = {
    db,
    bus,
    rateLimits,
    maxMessageLength: config.limits.maxMessageLength,
    customerTokenTtlMs: config.sessions.customerTokenTtlMs,
    identity: config.identity,
    // Only a conversation the AI answers has a turn to take; one a person owns costs no read.
    onCustomerMessage: (conversation) => {
      if (conversation.owner === "ai" && conversation.status === "open") void runner.scheduleTurn(conversation.id);
    },
    onHandBack: (conversationId) => void runner.scheduleTurn(conversationId, { handBack: true }),
  };
  const conductor = new Conductor({
    db,
    bus,
    log,
    random: config.conductor.seed === undefined ? undefined : seededRandom(config.conductor.seed),
  });
  log.info({ driver: dbHandle.driver, bus: bus.kind, model: resolved.label }, "services ready");
  return {
    config,
    log,
    db,
    dbHandle,
    bus,
    runner,
    summaries,
    conversationDeps,
    model: { label: resolved.label, offline: resolved.offline },
    instanceId,
    rateLimits,
    operatorDeps: { db, bus, rateLimits, sessionTtlMs: config.sessions.operatorTtlMs },
    conductor,
    localUrl: null,
    metrics,
    tracing,
    liveness: new Liveness(db, instanceId, config.streaming.leaseMs, log, config.database.url),
    webhooks: new WebhookDispatcher({
      db,
      log,
      ...config.webhooks,
      onOutcome: (outcome) => metrics.webhookDeliveries.inc({ outcome }),
    }),
    whatsapp: new WhatsAppSender({
      db,
      bus,
      log,
      config: config.whatsapp,
      pollMs: config.webhooks.pollMs,
      retryBaseMs: config.webhooks.retryBaseMs,
      onOutcome: (outcome) => metrics.whatsappSends.inc({ outcome }),
    }),
  };
}
