/**
 * Streaming at load: BENCH_STREAMS concurrent replies (50 and 200 by default) by the offline
 * model (a word every 25 ms), each watched by its customer's socket; every customer asks about a
 * laptop that will not start, so Triage hands over to Technical Support, which streams a long
 * answer. Measured at the sockets:
 * - the added delay between words: the gap between two words of a reply minus the model's 25 ms;
 * - the time to the first word when all the messages arrive at once (a burst);
 * - the time to the first word of a new message while those replies stream (probes, one at a
 *   time, each in a conversation of its own).
 * The baselines, in the same run: for the delay between words, a bare `ws` server streaming words
 * to as many sockets on a 25 ms timer each (a raw broadcast); for the first word, the same number
 * of messages sent at once into conversations a person holds, so no AI answers, timed to their own
 * event at the customer's socket (a first word cannot come before its message is stored). Goals
 * at 200: added delay p99 at most 2× the raw broadcast's; first word p99 under 300 ms.
 */
import { startServer, type ServerProcess } from "./lib/child.ts";
import { sendMessage, subscribe, type Subscriber } from "./lib/socket.ts";
import { quantile, rounds, spread, until } from "./lib/stats.ts";

const WORD_MS = 25;
const WORDS = 40;
const PROBES = 10;
const levels = (process.env.BENCH_STREAMS ?? "50,200").split(",").map(Number);
const QUESTION = "My laptop will not start";

interface Run {
  /** The same number of messages at once with no AI turn: each until its own event arrives. */
  storedOnly: number[];
  burstFirstWord: number[];
  probeFirstWord: number[];
  added: number[];
}

type Conversation = { id: string; token: string };

/** Gaps between consecutive words of each stream, less the nominal interval. */
function addedDelays(streams: Map<string, number[]>): number[] {
  const out: number[] = [];
  for (const times of streams.values())
    for (let i = 1; i < times.length; i++) out.push(times[i]! - times[i - 1]! - WORD_MS);
  return out;
}

/** Messages sent at once into conversations a person holds: how long each takes to come back. */
async function storedOnly(server: ServerProcess, count: number, sockets: Subscriber[]): Promise<number[]> {
  const conversations = await server.ask<Conversation[]>("conversations", { count, human: true });
  const sentAt = new Map<string, number>();
  const took = new Map<string, number>();
  for (const c of conversations)
    sockets.push(
      await subscribe(`ws://127.0.0.1:${server.port}/graphql`, c.token, c.id, (e, at) => {
        if (e.type === "MESSAGE_CREATED" && e.message?.role === "CUSTOMER") took.set(c.id, at - sentAt.get(c.id)!);
      }),
    );
  await Promise.all(
    conversations.map((c) => {
      sentAt.set(c.id, performance.now());
      return sendMessage(server.url, c, QUESTION);
    }),
  );
  await until(() => took.size === count, 30_000, "the stored messages' events");
  return [...took.values()];
}

/** Conversations with a subscriber each, recording when each sees its first word and every word. */
async function watched(server: ServerProcess, count: number, sockets: Subscriber[]) {
  const conversations = await server.ask<Conversation[]>("conversations", { count });
  const streams = new Map<string, number[]>();
  const sentAt = new Map<string, number>();
  const firstWord = new Map<string, number>();
  for (const c of conversations)
    sockets.push(
      await subscribe(`ws://127.0.0.1:${server.port}/graphql`, c.token, c.id, (e, at) => {
        if (e.type !== "MESSAGE_DELTA" || !e.delta) return;
        if (!firstWord.has(c.id)) firstWord.set(c.id, at - sentAt.get(c.id)!);
        const times = streams.get(e.delta.messageId) ?? [];
        times.push(at);
        streams.set(e.delta.messageId, times);
      }),
    );
  const ask = async (c: Conversation) => {
    sentAt.set(c.id, performance.now());
    await sendMessage(server.url, c, QUESTION);
  };
  return { conversations, streams, firstWord, ask };
}

async function tandemRun(n: number, databaseUrl?: string): Promise<Run> {
  const server = await startServer("tandem", {
    OFFLINE_MODEL_DELAY_MS: String(WORD_MS),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const sockets: Subscriber[] = [];
  try {
    // A server that has answered before: the first replies of a new process compile their code.
    const warm = await watched(server, 10, sockets);
    for (const c of warm.conversations) await warm.ask(c);
    await server.ask("idle");
    const stored = await storedOnly(server, n, sockets);
    // The case summaries those messages scheduled (a person holds the conversations) run now,
    // not during the burst.
    await server.ask("idle");

    const load = await watched(server, n, sockets);
    const probes = await watched(server, PROBES, sockets);
    const burst = Promise.all(load.conversations.map((c) => load.ask(c)));
    // The probes go in while the burst's replies stream, one at a time.
    await until(() => load.firstWord.size >= n * 0.9, 120_000, "the burst's replies to stream");
    for (const c of probes.conversations) {
      await probes.ask(c);
      await until(() => probes.firstWord.has(c.id), 30_000, "a probe's first word");
    }
    await burst;
    await server.ask("idle");
    if (load.firstWord.size < n) throw new Error(`${n - load.firstWord.size} replies streamed no word`);
    return {
      storedOnly: stored,
      burstFirstWord: [...load.firstWord.values()],
      probeFirstWord: [...probes.firstWord.values()],
      added: addedDelays(load.streams),
    };
  } finally {
    await Promise.all(sockets.map((s) => s.close()));
    await server.stop();
  }
}

async function rawRun(n: number): Promise<number[]> {
  const server = await startServer("bare-ws");
  const sockets: Subscriber[] = [];
  try {
    const streams = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const key = String(i);
      streams.set(key, []);
      sockets.push(
        await subscribe(`ws://127.0.0.1:${server.port}/graphql`, null, key, (e, at) => {
          if (e.delta) streams.get(key)!.push(at);
        }),
      );
    }
    await until(async () => (await server.ask("stats")).subscriptions! >= n, 30_000, "subscriptions");
    await server.ask("broadcast", { words: WORDS, intervalMs: WORD_MS });
    await until(() => [...streams.values()].every((t) => t.length >= WORDS), 30_000, "every word");
    return addedDelays(streams);
  } finally {
    await Promise.all(sockets.map((s) => s.close()));
    await server.stop();
  }
}

export async function benchStreaming(databaseUrl?: string) {
  const rows = [];
  for (const n of levels) {
    const tandem: Run[] = [];
    const raw: number[][] = [];
    for (let i = 0; i < rounds(); i++) {
      raw.push(await rawRun(n));
      tandem.push(await tandemRun(n, databaseUrl));
    }
    const p = (xs: number[][], q: number) => xs.map((x) => quantile(x, q));
    const added = p(
      tandem.map((t) => t.added),
      0.99,
    );
    const rawAdded = p(raw, 0.99);
    const ratios = added.map((a, i) => Math.max(1, a) / Math.max(1, rawAdded[i]!));
    const burst = tandem.map((t) => t.burstFirstWord);
    const stored = p(
      tandem.map((t) => t.storedOnly),
      0.99,
    );
    const burstOverStored = p(burst, 0.99).map((b, i) => b / Math.max(1, stored[i]!));
    const probe = tandem.map((t) => t.probeFirstWord);
    rows.push(
      {
        row: `added delay between streamed words, p99, ${n} concurrent replies`,
        result: `${spread(added, 1)} ms`,
        baseline: `raw \`ws\` broadcast ${spread(rawAdded, 1)} ms`,
        ratio: `Tandem/raw ${spread(ratios)} (goal ≤ 2 at 200; both floored at 1 ms)`,
        pass: n < 200 || Math.max(...ratios) <= 2,
      },
      {
        row: `time to first word, ${n} messages at once`,
        result: `p50 ${spread(p(burst, 0.5), 0)} ms, p99 ${spread(p(burst, 0.99), 0)} ms`,
        baseline: `the ${n} messages stored and delivered with no AI turn, p99 ${spread(stored, 0)} ms`,
        ratio: `first word/stored p99 ${spread(burstOverStored)} (goal: p99 < 300 ms at 200)`,
        pass: n < 200 || Math.max(...p(burst, 0.99)) < 300,
      },
      {
        row: `time to first word of a new message while ${n} replies stream`,
        result: `p50 ${spread(p(probe, 0.5), 0)} ms, max of ${PROBES} ${spread(p(probe, 1), 0)} ms`,
        baseline: "—",
        ratio: "goal: p99 < 300 ms at 200",
        pass: n < 200 || Math.max(...p(probe, 1)) < 300,
      },
    );
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchStreaming(process.env.DATABASE_URL));
