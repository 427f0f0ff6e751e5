/**
 * Where a subscribed socket's memory goes: heap snapshots of the Tandem server with no sockets
 * and with BENCH_SOCKETS (default 500) subscribed sockets, and the difference by object kind,
 * per socket, largest first. For finding what to cut, not a benchmark row.
 *
 *   npx tsx bench/heap-diff.ts            (PGlite in memory)
 *   DATABASE_URL=postgres://… npx tsx bench/heap-diff.ts
 */
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "./lib/child.ts";
import { subscribe, type Subscriber } from "./lib/socket.ts";
import { until } from "./lib/stats.ts";

const count = Number(process.env.BENCH_SOCKETS ?? 500);

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Count and self size by "type:name" over every node of a snapshot file. */
async function census(file: string): Promise<Map<string, { count: number; size: number }>> {
  const snap = JSON.parse(await readFile(file, "utf8")) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const out = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + typeAt]!]!;
    // Strings and numbers by type only: their names are their contents.
    const name = ["string", "concatenated string", "sliced string", "number"].includes(type)
      ? ""
      : snap.strings[snap.nodes[i + nameAt]!]!.slice(0, 60);
    const key = `${type}:${name}`;
    const entry = out.get(key) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += snap.nodes[i + sizeAt]!;
    out.set(key, entry);
  }
  return out;
}

const server = await startServer("tandem", process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {});
const files: string[] = [];
try {
  const [conversation] = await server.ask<Array<{ id: string; token: string }>>("conversations", { count: 1 });
  const url = `ws://127.0.0.1:${server.port}/graphql`;
  // What is made once per process comes with the first socket: not counted.
  await (await subscribe(url, conversation!.token, conversation!.id, () => {})).close();
  const snap = async (name: string) => {
    const { file } = await server.ask<{ file: string }>("snapshot", {
      file: join(tmpdir(), `tandem-${name}.heapsnapshot`),
    });
    files.push(file);
    return census(file);
  };
  const before = await snap("before");
  const sockets: Subscriber[] = [];
  for (let i = 0; i < count; i++) sockets.push(await subscribe(url, conversation!.token, conversation!.id, () => {}));
  await until(async () => (await server.ask("stats")).subscriptions! >= count, 30_000, "every subscription live");
  const held = await snap("held");
  const rows = [...held]
    .map(([key, h]) => {
      const b = before.get(key) ?? { count: 0, size: 0 };
      return { key, perSocket: (h.count - b.count) / count, bytes: (h.size - b.size) / count };
    })
    .filter((r) => r.bytes > 8)
    .sort((a, b) => b.bytes - a.bytes);
  const total = rows.reduce((sum, r) => sum + r.bytes, 0);
  console.log(`${count} subscribed sockets: ${(total / 1024).toFixed(1)} KiB of self size per socket by kind`);
  for (const r of rows.slice(0, Number(process.env.BENCH_TOP ?? 60)))
    console.log(`${r.bytes.toFixed(0).padStart(7)} B  ${r.perSocket.toFixed(2).padStart(6)}×  ${r.key}`);
  await Promise.all(sockets.map((s) => s.close()));
} finally {
  await server.stop();
  if (!process.env.BENCH_KEEP) await Promise.all(files.map((f) => rm(f, { force: true })));
}
