/**
 * Churn on two real instances (one Postgres, one Redis), after AnyCable's benchmark: customers'
 * sockets, spread over both instances, watch conversations while messages are sent into them
 * through both instances; all the while sockets drop without a close frame (a phone losing its
 * network) and come back on either instance, resuming with `after` set to the last seq they saw.
 * Measured at the sockets: the share of messages each socket saw (goal 100 %), events seen twice
 * (goal none), and catch-up, the time from a reconnect's start to the newest message that was
 * stored while that socket was away. Afterwards every socket closes and both instances must be
 * back to the sockets and subscriptions they held before the first one.
 */
import { startServer, type ServerProcess } from "./lib/child.ts";
import { BENCH_REDIS, redisAnswers } from "./lib/redis.ts";
import { sendMessage, subscribe, type Subscriber } from "./lib/socket.ts";
import { quantile, rounds, spread, until } from "./lib/stats.ts";

const CLIENTS = Number(process.env.BENCH_CHURN_CLIENTS ?? 600);
const PER_CONVERSATION = 10;
const SECONDS = Number(process.env.BENCH_CHURN_SECONDS ?? 15);
/** Each conversation gets a message this often. */
const MESSAGE_EVERY_MS = 500;
/** Every tick, this share of the connected sockets drops; each comes back after up to RETURN_MS. */
const TICK_MS = 100;
const DROP_SHARE = 0.01;
const RETURN_MS = 500;

type Conversation = { id: string; token: string };

interface Client {
  conversation: Conversation;
  socket: Subscriber | null;
  /** The highest seq this socket has seen, over all its connections. */
  lastSeq: number;
  seen: Set<number>;
  duplicates: number;
  /** A reconnect under way: when it began and the newest message stored by then. */
  catchingUp: { from: number; target: number } | null;
}

interface Round {
  deliveredShare: number;
  duplicates: number;
  catchUpMs: number[];
  reconnects: number;
  /** Sockets and subscriptions still held by the instances after every socket closed. */
  left: number;
}

async function once(databaseUrl: string): Promise<Round> {
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: BENCH_REDIS,
    REDIS_NAMESPACE: `bench-churn-${process.pid}`,
  };
  const servers = await Promise.all([startServer("tandem", env), startServer("tandem", env)]);
  const clients: Client[] = [];
  try {
    // Conversations a person has taken over: the AI stays out, so every event is a message sent here.
    const conversations = await servers[0]!.ask<Conversation[]>("conversations", {
      count: Math.ceil(CLIENTS / PER_CONVERSATION),
      human: true,
    });
    const stored = new Map<string, number[]>(conversations.map((c) => [c.id, []]));
    const newest = (c: Conversation) => stored.get(c.id)!.at(-1) ?? 0;
    const pick = () => servers[Math.floor(Math.random() * servers.length)]!;
    const catchUpMs: number[] = [];

    // What each instance holds before any socket (its own internal subscriptions), to come back to.
    const stats = () => Promise.all(servers.map((s) => s.ask<{ sockets: number; subscriptions: number }>("stats")));
    const base = await stats();
    /** Sockets and subscriptions beyond that, over both instances. */
    const held = async () => {
      const now = await stats();
      return {
        sockets: now.reduce((sum, s, i) => sum + s.sockets - base[i]!.sockets, 0),
        subscriptions: now.reduce((sum, s, i) => sum + s.subscriptions - base[i]!.subscriptions, 0),
      };
    };
    const connect = async (client: Client, server: ServerProcess) => {
      const socket = await subscribe(
        `ws://127.0.0.1:${server.port}/graphql`,
        client.conversation.token,
        client.conversation.id,
        (e, at) => {
          if (e.seq === null) return;
          if (client.seen.has(e.seq)) client.duplicates++;
          client.seen.add(e.seq);
          client.lastSeq = Math.max(client.lastSeq, e.seq);
          if (client.catchingUp && client.lastSeq >= client.catchingUp.target) {
            catchUpMs.push(at - client.catchingUp.from);
            client.catchingUp = null;
          }
        },
        client.lastSeq || undefined,
      );
      socket.socket.on("error", () => {});
      client.socket = socket;
    };
    for (let i = 0; i < CLIENTS; i++) {
      const client: Client = {
        conversation: conversations[i % conversations.length]!,
        socket: null,
        lastSeq: 0,
        seen: new Set(),
        duplicates: 0,
        catchingUp: null,
      };
      clients.push(client);
      await connect(client, servers[i % servers.length]!);
    }
    await until(async () => (await held()).subscriptions >= CLIENTS, 30_000, "every subscription");

    let reconnects = 0;
    const returning = new Set<Promise<void>>();
    const deadline = performance.now() + SECONDS * 1000;
    let turn = 0;
    const senders = conversations.map(async (c) => {
      while (performance.now() < deadline) {
        const seq = await sendMessage(servers[turn++ % servers.length]!.url, c, "Any news on my order?");
        stored.get(c.id)!.push(seq);
        await new Promise((r) => setTimeout(r, MESSAGE_EVERY_MS));
      }
    });
    const churn = setInterval(() => {
      for (const client of clients) {
        if (!client.socket || Math.random() >= DROP_SHARE) continue;
        client.socket.socket.terminate();
        client.socket = null;
        const back = (async () => {
          await new Promise((r) => setTimeout(r, Math.random() * RETURN_MS));
          const from = performance.now();
          const target = newest(client.conversation);
          client.catchingUp = target > client.lastSeq ? { from, target } : null;
          await connect(client, pick());
          reconnects++;
        })();
        returning.add(back);
        void back.finally(() => returning.delete(back));
      }
    }, TICK_MS);
    await Promise.all(senders);
    clearInterval(churn);
    await Promise.all(returning);

    // Every socket should now see every message of its conversation.
    const missing = () => clients.filter((c) => stored.get(c.conversation.id)!.some((seq) => !c.seen.has(seq)));
    await until(() => missing().length === 0, 30_000, "every socket to see every message").catch(() => {});
    let expected = 0;
    let delivered = 0;
    for (const c of clients)
      for (const seq of stored.get(c.conversation.id)!) {
        expected++;
        if (c.seen.has(seq)) delivered++;
      }
    await Promise.all(clients.map((c) => c.socket?.close()));
    // Nothing kept: both instances back to where they were before the first socket.
    const nothingHeld = async () => {
      const now = await held();
      return now.sockets === 0 && now.subscriptions === 0;
    };
    await until(nothingHeld, 30_000, "the sockets and subscriptions to end").catch(() => {});
    const left = await held();
    return {
      deliveredShare: delivered / expected,
      duplicates: clients.reduce((sum, c) => sum + c.duplicates, 0),
      catchUpMs,
      reconnects,
      left: left.sockets + left.subscriptions,
    };
  } finally {
    for (const c of clients) c.socket?.socket.terminate();
    await Promise.all(servers.map((s) => s.stop()));
  }
}

export async function benchChurn(databaseUrl?: string) {
  const row = `churn: ${CLIENTS} sockets on two instances, 1 % dropping every ${TICK_MS} ms and resuming`;
  if (!databaseUrl || !(await redisAnswers()))
    return { row, result: "skipped: needs Postgres and Redis (BENCH_POSTGRES, BENCH_REDIS)" };
  const runs: Round[] = [];
  for (let i = 0; i < rounds(); i++) runs.push(await once(databaseUrl));
  const p = (q: number) => runs.map((r) => quantile(r.catchUpMs, q));
  const duplicates = runs.reduce((sum, r) => sum + r.duplicates, 0);
  const left = runs.reduce((sum, r) => sum + r.left, 0);
  return {
    row,
    result:
      `delivered ${spread(
        runs.map((r) => r.deliveredShare * 100),
        3,
      )} %, ${duplicates} seen twice; ` +
      `catch-up p50 ${spread(p(0.5), 0)} ms, p99 ${spread(p(0.99), 0)} ms over ${spread(
        runs.map((r) => r.catchUpMs.length),
        0,
      )} ` +
      `reconnects that missed messages (of ${spread(
        runs.map((r) => r.reconnects),
        0,
      )}); ${left} sockets or subscriptions left after close`,
    baseline: "—",
    ratio: "goal: 100 % delivered, none twice, none left",
    pass: runs.every((r) => r.deliveredShare === 1) && duplicates === 0 && left === 0,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { benchDatabase } = await import("./lib/db.ts");
  const db = await benchDatabase();
  try {
    console.log(await benchChurn(db?.url));
  } finally {
    await db?.drop();
  }
}
