/**
 * Health: /health/ready is ready only while the database and the bus answer and the schema is
 * migrated (a Redis that is killed for real makes it unready, and back); /health/detailed tells
 * admins and the metrics token each component with its latency, and nobody else anything.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { after, test } from "node:test";
import { sql } from "drizzle-orm";
import { eventually, startTestApp, type TestApp } from "../support/app.ts";
import { newOperator, signInAs } from "../support/operators.ts";

const TOKEN = "metrics-token-0123456789";
const apps: TestApp[] = [];
after(() => Promise.all(apps.map((t) => t.close())));
async function app(env: Record<string, string> = {}) {
  const t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "0", METRICS_TOKEN: TOKEN, ...env });
  apps.push(t);
  return t;
}

const ready = async (t: TestApp) => {
  const res = await fetch(`${t.url}/health/ready`);
  return { status: res.status, body: (await res.json()) as { status: string } };
};
type Detail = {
  status: string;
  versions: { tandem: string; node: string };
  components: {
    database: { ok: boolean; latencyMs: number; driver: string; serverVersion: string };
    bus: { ok: boolean; kind: string };
    migrations: { ok: boolean; expected: number; applied: number; upToDate: boolean };
    outbox: { ok: boolean; webhooks: { pending: number }; whatsapp: { pending: number } };
    ai: { ok: boolean; model: string; lastHour: { replies: number; errorRate: number } };
  };
  sockets: { open: number; subscriptions: number };
};

const detailed = async (t: TestApp, headers: Record<string, string> = {}) => {
  const res = await fetch(`${t.url}/health/detailed`, { headers });
  return { status: res.status, body: (await res.json()) as Detail };
};

test("/health/detailed: each component with its latency, for admins and the metrics token only", async () => {
  const t = await app();
  const admin = await signInAs(t);
  const operator = await newOperator(t, "Pia");
  assert.equal((await detailed(t)).status, 401);
  assert.equal((await detailed(t, { authorization: "Bearer not-the-token-0123" })).status, 401);
  assert.equal((await detailed(t, { authorization: `Bearer ${operator.token}` })).status, 401);

  for (const headers of [{ authorization: `Bearer ${TOKEN}` }, { cookie: `tandem_op=${admin.token}` }] as Array<
    Record<string, string>
  >) {
    const { status, body } = await detailed(t, headers);
    assert.equal(status, 200, JSON.stringify(body));
    const d = body;
    assert.equal(d.status, "ready");
    assert.match(d.versions.node, /^v\d+/);
    assert.ok(d.components.database.ok && d.components.database.latencyMs >= 0);
    assert.match(d.components.database.serverVersion, /^\d+/);
    assert.equal(d.components.database.driver, process.env.DATABASE_URL ? "postgres" : "pglite");
    assert.equal(d.components.bus.kind, t.app.services.bus.kind);
    assert.ok(d.components.migrations.upToDate);
    assert.equal(d.components.migrations.applied, d.components.migrations.expected);
    assert.equal(typeof d.components.outbox.webhooks.pending, "number");
    assert.equal(typeof d.components.outbox.whatsapp.pending, "number");
    assert.equal(typeof d.components.ai.lastHour.errorRate, "number");
    assert.equal(typeof d.sockets.open, "number");
    // Nothing that locates or unlocks the infrastructure.
    assert.doesNotMatch(JSON.stringify(body), /postgres:\/\/|redis:\/\/|password/i);
  }
});

test("a database whose migrations lag behind the code is not ready", async () => {
  const t = await app();
  assert.equal((await ready(t)).status, 200);
  const db = t.app.services.db;
  const rows = (await db.execute(
    sql`select id, hash, created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`,
  )) as unknown;
  const [last] = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows) as Array<{
    id: number;
    hash: string;
    created_at: string;
  }>;
  await db.execute(sql`delete from drizzle.__drizzle_migrations where id = ${last!.id}`);
  try {
    assert.deepEqual(await ready(t), { status: 503, body: { status: "unavailable" } });
    const { body } = await detailed(t, { authorization: `Bearer ${TOKEN}` });
    assert.equal(body.components.migrations.upToDate, false);
  } finally {
    await db.execute(
      sql`insert into drizzle.__drizzle_migrations (id, hash, created_at) values (${last!.id}, ${last!.hash}, ${last!.created_at})`,
    );
  }
  assert.equal((await ready(t)).status, 200);
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

async function startRedis(port: number): Promise<ChildProcess> {
  const redis = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: "ignore",
    },
  );
  await eventually(
    () =>
      new Promise<true | undefined>((resolve) => {
        const probe = createServer();
        probe.once("error", () => resolve(true)).listen(port, "127.0.0.1", () => probe.close(() => resolve(undefined)));
      }),
    5000,
    "redis-server listening",
  );
  return redis;
}

const redisServer = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].some((p) => existsSync(p));

test(
  "a Redis that goes away makes the instance unready, and ready again when it is back",
  { skip: !redisServer },
  async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    // Closed here, while its Redis runs again, rather than with the others.
    const t = await startTestApp({
      OFFLINE_MODEL_DELAY_MS: "0",
      METRICS_TOKEN: TOKEN,
      REDIS_URL: `redis://127.0.0.1:${port}`,
    });
    try {
      assert.equal((await ready(t)).status, 200);
      redis.kill("SIGKILL");
      await eventually(
        async () => ((await ready(t)).status === 503 ? true : undefined),
        10_000,
        "unready without Redis",
      );
      const { body } = await detailed(t, { authorization: `Bearer ${TOKEN}` });
      assert.equal(body.components.bus.ok, false);

      redis = await startRedis(port);
      await eventually(
        async () => ((await ready(t)).status === 200 ? true : undefined),
        15_000,
        "ready with Redis back",
      );
    } finally {
      await t.close();
      redis.kill("SIGKILL");
    }
  },
);
