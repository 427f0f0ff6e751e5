/**
 * What a socket subscription costs per event once the event is on the bus: CPU time per word of a
 * streamed reply delivered through `createSocketSubscribe` (each event executed by the
 * subscription's compiled document, as every socket runs it), against graphql-js's `execute` of
 * the same document for the same events in the same run (what each event cost before). The schema
 * and resolvers are the app's; the events come from a stub source, so only the execution is
 * measured. BENCH_ROUNDS sets the repetitions (default 15).
 */
import { execute, parse, type ExecutionArgs, type ExecutionResult } from "graphql";
import { createLogger } from "../server/logger.ts";
import { startTracing } from "../server/ops/tracing.ts";
import { buildSchema } from "../server/graphql/schema.ts";
import { createSocketSubscribe } from "../server/graphql/subscribe.ts";
import { EVENTS } from "./lib/socket.ts";
import { printAgainst, takingTurns } from "./lib/stats.ts";

const WORDS = 20_000;
const rounds = Number(process.env.BENCH_ROUNDS ?? 15);

const word = (offset: number) => ({
  conversationId: "c1",
  seq: null,
  type: "message_delta",
  at: "2026-12-01T10:00:00.000Z",
  payload: { messageId: "m1", offset, text: "word " },
});
const schema = buildSchema();
schema.getSubscriptionType()!.getFields().conversationEvents!.subscribe = async function* () {
  for (let i = 0; i < WORDS; i++) yield word(i * 5);
};
const args = {
  schema,
  document: parse(EVENTS),
  variableValues: { conversationId: "c1", after: 0 },
  contextValue: { actor: { kind: "customer", conversationId: "c1" } },
} as ExecutionArgs;
const subscribe = createSocketSubscribe({
  log: createLogger({ logLevel: "silent", env: "production" }),
  tracing: startTracing({ serviceName: "bench", serviceVersion: "0", instanceId: "bench" }),
});

const readers: Record<string, () => Promise<void>> = {
  "graphql-js execute per event": async () => {
    for (let i = 0; i < WORDS; i++) await execute({ ...args, rootValue: word(i * 5) });
  },
  "socket subscription (compiled)": async () => {
    const results = (await subscribe(args)) as AsyncIterableIterator<ExecutionResult>;
    let n = 0;
    for await (const result of results) if (result.data) n++;
    if (n !== WORDS) throw new Error(`delivered ${n} of ${WORDS}`);
  },
};

/** CPU microseconds per event. */
async function perEvent(read: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  await read();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / WORDS;
}

const samples = await takingTurns(
  Object.fromEntries(Object.entries(readers).map(([name, read]) => [name, () => perEvent(read)])),
  rounds,
  2,
);
console.log(`\nCPU per delivered event (µs), ${rounds} rounds of ${WORDS} words, median (min–max):`);
printAgainst(samples, "graphql-js execute per event", "µs", " of the baseline", 2);
