/**
 * Memory per idle subscribed socket: BENCH_SOCKETS sockets (default 5,000), each subscribed to a
 * conversation's events, held by Tandem and, as the baseline in the same run, by a bare `ws`
 * server; the servers' RSS and heap after a full GC, before and after, divided by the sockets.
 * Then every socket closes, and what the server still holds over its idle baseline is "kept
 * after close". Goals: at most 1.5× bare `ws` per socket; nothing kept after close.
 */
import { startServer, type Memory, type ServerProcess } from "./lib/child.ts";
import { subscribe, type Subscriber } from "./lib/socket.ts";
import { rounds, spread, until } from "./lib/stats.ts";

const count = Number(process.env.BENCH_SOCKETS ?? 5000);
const KiB = 1024;

interface Sample {
  rssPerSocket: number;
  heapPerSocket: number;
  keptHeapPerSocket: number;
  keptRssPerSocket: number;
  subscriptionsAfterClose: number;
}

async function measure(server: ServerProcess, conversation: { id: string; token: string } | null): Promise<Sample> {
  const base = await server.ask<{ sockets: number; subscriptions: number }>("stats");
  const before = await server.ask<Memory>("mem");
  const sockets: Subscriber[] = [];
  for (let i = 0; i < count; i += 250) {
    const batch = Array.from({ length: Math.min(250, count - i) }, () =>
      subscribe(
        `ws://127.0.0.1:${server.port}/graphql`,
        conversation?.token ?? null,
        conversation?.id ?? "x",
        () => {},
      ),
    );
    sockets.push(...(await Promise.all(batch)));
  }
  await until(
    async () => (await server.ask("stats")).subscriptions! >= base.subscriptions + count,
    60_000,
    "every subscription live",
  );
  const held = await server.ask<Memory>("mem");
  await Promise.all(sockets.map((s) => s.close()));
  let last = base;
  await until(
    async () => {
      last = await server.ask<{ sockets: number; subscriptions: number }>("stats");
      return last.sockets === base.sockets && last.subscriptions === base.subscriptions;
    },
    60_000,
    "every socket and subscription gone",
  ).catch((err: Error) => {
    // What was still open says whether it is slow or a leak.
    throw new Error(
      `${err.message}: ${last.sockets - base.sockets} sockets and ${last.subscriptions - base.subscriptions} subscriptions left`,
    );
  });
  const after = await server.ask<Memory>("mem");
  const stats = await server.ask<{ subscriptions: number }>("stats");
  return {
    rssPerSocket: (held.rss - before.rss) / count,
    heapPerSocket: (held.heapUsed - before.heapUsed) / count,
    keptRssPerSocket: (after.rss - before.rss) / count,
    keptHeapPerSocket: (after.heapUsed - before.heapUsed) / count,
    subscriptionsAfterClose: stats.subscriptions - base.subscriptions,
  };
}

export async function benchSockets(databaseUrl?: string) {
  const tandem: Sample[] = [];
  const bare: Sample[] = [];
  for (let i = 0; i < rounds(); i++) {
    const b = await startServer("bare-ws");
    try {
      bare.push(await measure(b, null));
    } finally {
      await b.stop();
    }
    const t = await startServer("tandem", databaseUrl ? { DATABASE_URL: databaseUrl } : {});
    try {
      const [conversation] = await t.ask<Array<{ id: string; token: string }>>("conversations", { count: 1 });
      // A first socket and close, so what is made once per process is not counted per socket.
      const idle = await t.ask<{ sockets: number; subscriptions: number }>("stats");
      const warm = await subscribe(`ws://127.0.0.1:${t.port}/graphql`, conversation!.token, conversation!.id, () => {});
      await warm.close();
      // The server may hear of that close a moment after the client: measure from a server with none open.
      await until(
        async () => {
          const stats = await t.ask<{ sockets: number; subscriptions: number }>("stats");
          return stats.sockets === idle.sockets && stats.subscriptions === idle.subscriptions;
        },
        10_000,
        "the first socket gone",
      );
      tandem.push(await measure(t, conversation!));
    } finally {
      await t.stop();
    }
  }
  const kib = (xs: number[]) =>
    spread(
      xs.map((x) => x / KiB),
      1,
    );
  const ratios = tandem.map((t, i) => t.rssPerSocket / bare[i]!.rssPerSocket);
  return [
    {
      row: `memory per idle subscribed socket (${count.toLocaleString("en")} sockets)`,
      result: `RSS ${kib(tandem.map((s) => s.rssPerSocket))} KiB, heap ${kib(tandem.map((s) => s.heapPerSocket))} KiB`,
      baseline: `bare \`ws\`: RSS ${kib(bare.map((s) => s.rssPerSocket))} KiB, heap ${kib(bare.map((s) => s.heapPerSocket))} KiB`,
      ratio: `RSS Tandem/bare ${spread(ratios)} (goal ≤ 1.5)`,
      pass: Math.max(...ratios) <= 1.5,
    },
    {
      row: "memory kept after the sockets close",
      result: `heap ${kib(tandem.map((s) => s.keptHeapPerSocket))} KiB, RSS ${kib(tandem.map((s) => s.keptRssPerSocket))} KiB per closed socket; live subscriptions left: ${Math.max(...tandem.map((s) => s.subscriptionsAfterClose))}`,
      baseline: `bare \`ws\`: heap ${kib(bare.map((s) => s.keptHeapPerSocket))} KiB per closed socket`,
      ratio: "goal: heap back to the idle baseline (≤ 1 KiB per closed socket)",
      pass:
        Math.max(...tandem.map((s) => s.keptHeapPerSocket)) <= KiB &&
        tandem.every((s) => s.subscriptionsAfterClose === 0),
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchSockets(process.env.DATABASE_URL));
