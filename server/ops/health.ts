import { sql } from "drizzle-orm";
import { Router, type Request } from "express";
import { bearerFrom, resolveActor } from "../auth/resolve-actor.ts";
import { migrationState, rowsOf } from "../db/client.ts";
import type { Services } from "../services.ts";
import { VERSION } from "../config.ts";
import { metricsTokenMatches } from "./metrics.ts";

const startedAt = Date.now();

/** Longest any one check may take: a hung database or Redis makes the instance unready, not the probe hang. */
const CHECK_TIMEOUT_MS = 2000;

interface Check<T> {
  ok: boolean;
  latencyMs: number;
  value?: T;
  error?: string;
}

async function timed<T>(work: () => Promise<T>): Promise<Check<T>> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const value = await Promise.race([
      work(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started), value };
  } catch (error) {
    // Only the kind of failure: a driver's message may carry a host name or a query.
    const reason = error instanceof Error && error.message.startsWith("no answer") ? error.message : "failed";
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: reason };
  } finally {
    clearTimeout(timer);
  }
}

/** What readiness needs: the database answers, the bus answers, and the schema is migrated. */
async function coreChecks(services: Services) {
  const [database, bus, migrations] = await Promise.all([
    timed(async () => {
      const [row] = rowsOf<{ v: string }>(
        await services.db.execute(sql`select current_setting('server_version') as v`),
      );
      return row?.v ?? "unknown";
    }),
    timed(() => services.bus.ping(CHECK_TIMEOUT_MS)),
    timed(() => migrationState(services.db)),
  ]);
  const ready = database.ok && bus.ok && migrations.ok && migrations.value!.upToDate;
  return { ready, database, bus, migrations };
}

/** Admins (session cookie or bearer token) and holders of the metrics token may read the details. */
async function mayReadDetails(services: Services, req: Request): Promise<boolean> {
  if (metricsTokenMatches(services.config.metricsToken, req.headers.authorization)) return true;
  const actor = await resolveActor(services.db, {
    bearer: bearerFrom(req.headers.authorization),
    cookieHeader: req.headers.cookie,
  }).catch(() => "invalid" as const);
  return actor !== "invalid" && actor.kind === "operator" && actor.role === "admin" && !actor.mustChangePassword;
}

export function healthRouter(services: Services): Router {
  const router = Router();
  router.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/health/ready", async (_req, res) => {
    const { ready } = await coreChecks(services);
    // Anonymous callers learn only whether the server is ready; nothing about what it runs on.
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "unavailable" });
  });
  router.get("/health/detailed", async (req, res) => {
    if (!(await mayReadDetails(services, req))) {
      res.status(401).setHeader("WWW-Authenticate", 'Bearer realm="tandem"').json({ error: "Admins only." });
      return;
    }
    const core = await coreChecks(services);
    const [outbox, ai] = await Promise.all([
      timed(async () => {
        const rows = rowsOf<{ kind: string; pending: number; failed: number; oldest: number }>(
          await services.db.execute(sql`
            select 'webhooks' as kind, count(*) filter (where status = 'pending')::int as pending,
              count(*) filter (where status = 'failed')::int as failed,
              coalesce(extract(epoch from now() - min(created_at) filter (where status = 'pending')), 0)::float8 as oldest
            from webhook_deliveries
            union all
            select 'whatsapp', count(*) filter (where status = 'pending')::int,
              count(*) filter (where status = 'failed')::int,
              coalesce(extract(epoch from now() - min(created_at) filter (where status = 'pending')), 0)::float8
            from whatsapp_outbox`),
        );
        return Object.fromEntries(
          rows.map((r) => [
            r.kind,
            { pending: Number(r.pending), failed: Number(r.failed), oldestPendingSeconds: Math.round(r.oldest) },
          ]),
        );
      }),
      timed(async () => {
        // The deployment's AI replies in the last hour, and how many of them failed.
        const [row] = rowsOf<{ replies: number; failed: number }>(
          await services.db.execute(sql`
            select count(*)::int as replies, count(*) filter (where status = 'failed')::int as failed
            from messages where role = 'agent' and created_at > now() - interval '1 hour'
              and status in ('complete', 'failed')`),
        );
        const replies = Number(row?.replies ?? 0);
        const failed = Number(row?.failed ?? 0);
        return {
          model: services.model.label,
          offline: services.model.offline,
          lastHour: { replies, failed, errorRate: replies ? failed / replies : 0 },
        };
      }),
    ]);
    const component = <T>(check: Check<T>, extra: Record<string, unknown> = {}) => ({
      ok: check.ok,
      latencyMs: check.latencyMs,
      ...(check.error ? { error: check.error } : {}),
      ...extra,
    });
    res.status(core.ready ? 200 : 503).json({
      status: core.ready ? "ready" : "unavailable",
      versions: { tandem: VERSION, node: process.version },
      instance: { id: services.instanceId, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) },
      components: {
        database: component(core.database, { driver: services.dbHandle.driver, serverVersion: core.database.value }),
        bus: component(core.bus, { kind: services.bus.kind }),
        migrations: component(core.migrations, core.migrations.value ?? {}),
        outbox: component(outbox, outbox.value ?? {}),
        ai: component(ai, ai.value ?? {}),
      },
      sockets: { open: services.metrics.connections(), subscriptions: services.bus.activeSubscriptions },
    });
  });
  return router;
}
