/**
 * An instance's lease says whether its process is alive: on Postgres it is renewed from a thread
 * of its own, so a main thread saturated by a burst does not let it lapse (and hand its live
 * replies to another instance). Watched from another process while this one's main thread is
 * blocked.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { after, test } from "node:test";
import type { Worker } from "node:worker_threads";
import { eq } from "drizzle-orm";
import { instances } from "../../drizzle/schema.ts";
import { eventually, startTestApp, type TestApp } from "../support/app.ts";

const url = process.env.DATABASE_URL;
const apps: TestApp[] = [];
after(() => Promise.all(apps.map((a) => a.close())));

/** An app on Postgres with short leases (renewed every 200 ms). */
async function shortLeases() {
  const t = await startTestApp({ INSTANCE_LEASE_MS: "600" });
  apps.push(t);
  return t.app.services;
}

/** Another process that reads the lease every 50 ms for `ms` and prints what it saw. */
const WATCHER = `
import postgres from "postgres";
const [url, id, ms] = process.argv.slice(1);
const sql = postgres(url, { max: 1, onnotice: () => {} });
await sql\`select 1\`;
console.log("ready");
const seen = [];
for (const end = Date.now() + Number(ms); Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
  const [row] = await sql\`select extract(epoch from last_seen) * 1000 as at from instances where id = \${id}\`;
  seen.push(Number(row?.at ?? 0));
}
console.log(JSON.stringify(seen));
await sql.end();
`;

test(
  "on Postgres the lease is renewed while the main thread is busy, and given up on a graceful stop",
  { skip: url ? false : "needs Postgres (DATABASE_URL): the lease is renewed in the main thread on PGlite" },
  async () => {
    const { liveness, db } = await shortLeases();
    const watcher = spawn(process.execPath, ["--input-type=module", "-e", WATCHER, url!, liveness.instanceId, "1500"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const lines = createInterface({ input: watcher.stdout! })[Symbol.asyncIterator]();
    assert.equal((await lines.next()).value, "ready");
    // Three leases with the main thread blocked, as a burst can hold it.
    for (const end = Date.now() + 1800; Date.now() < end;);
    const seen = JSON.parse((await lines.next()).value as string) as number[];
    await once(watcher, "exit");
    assert.ok(seen.length >= 10, `the watcher read the lease ${seen.length} times`);
    assert.ok(new Set(seen).size >= 4, `renewed while the main thread was blocked: ${seen.join(", ")}`);

    await liveness.stop();
    assert.deepEqual(await db.select().from(instances).where(eq(instances.id, liveness.instanceId)), []);
  },
);

test(
  "if the lease's worker dies, the main thread renews the lease",
  { skip: url ? false : "needs Postgres (DATABASE_URL): there is no worker on PGlite" },
  async () => {
    const { liveness, db } = await shortLeases();
    const lastSeen = async () =>
      (await db.select().from(instances).where(eq(instances.id, liveness.instanceId)))[0]!.lastSeen.getTime();
    const worker = (liveness as unknown as { worker: Worker }).worker;
    await worker.terminate();
    const after = await lastSeen();
    // Two leases later the lease has moved on.
    await eventually(async () => ((await lastSeen()) > after + 1200 ? true : undefined), 10_000, "a renewal");
  },
);
