/**
 * Failover on two real instances (one Postgres, one Redis, default leases): a customer watches
 * from instance B while instance A streams the reply; A is then killed (SIGKILL, a crash) or
 * stopped (SIGTERM, a deploy). Measured at B's socket, from the signal: when the cut-off reply is
 * failed visibly (the "interrupted" notice) and when the first word of the new answer arrives.
 * Goal: both under 3 s. Needs Postgres and Redis (BENCH_REDIS, default the local server).
 */
import { INTERRUPTED_NOTICE } from "../server/ai/runner.ts";
import { startServer } from "./lib/child.ts";
import { BENCH_REDIS, redisAnswers } from "./lib/redis.ts";
import { sendMessage, subscribe } from "./lib/socket.ts";
import { rounds, spread, until } from "./lib/stats.ts";

async function once(databaseUrl: string, signal: "SIGKILL" | "SIGTERM") {
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: BENCH_REDIS,
    REDIS_NAMESPACE: `bench-failover-${process.pid}`,
    OFFLINE_MODEL_DELAY_MS: "40",
  };
  const [a, b] = await Promise.all([startServer("tandem", env), startServer("tandem", env)]);
  try {
    const [c] = await a.ask<Array<{ id: string; token: string }>>("conversations", { count: 1 });
    let firstWord = false;
    let signalled = 0;
    let cutMessage: string | undefined;
    let noticeAt = 0;
    let answeredAt = 0;
    const watcher = await subscribe(`ws://127.0.0.1:${b.port}/graphql`, c!.token, c!.id, (e, at) => {
      if (e.type === "MESSAGE_DELTA" && e.delta) {
        if (!signalled) {
          firstWord = true;
          cutMessage = e.delta.messageId;
        } else if (!answeredAt && e.delta.messageId !== cutMessage) answeredAt = at;
      }
      if (signalled && e.type === "MESSAGE_CREATED" && e.message?.content === INTERRUPTED_NOTICE) noticeAt ||= at;
    });
    try {
      await until(async () => (await b.ask("stats")).subscriptions! >= 1, 10_000, "the watcher's subscription");
      await sendMessage(a.url, c!, "My laptop will not boot at all");
      await until(() => firstWord, 15_000, "the reply to stream");
      signalled = performance.now();
      await a.kill(signal);
      await until(() => answeredAt > 0, 30_000, "the other instance to answer again");
      if (!noticeAt) throw new Error("the customer was never told the reply was cut off");
      return { failedMs: noticeAt - signalled, answeredMs: answeredAt - signalled };
    } finally {
      await watcher.close();
    }
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}

export async function benchFailover(databaseUrl?: string) {
  const name = "a reply cut off on one of two instances: failed visibly, then answered again";
  if (!databaseUrl || !(await redisAnswers()))
    return { row: name, result: "skipped: needs Postgres and Redis (BENCH_POSTGRES, BENCH_REDIS)" };
  const out = [];
  for (const signal of ["SIGKILL", "SIGTERM"] as const) {
    const samples = [];
    for (let i = 0; i < rounds(); i++) samples.push(await once(databaseUrl, signal));
    const failed = samples.map((s) => s.failedMs);
    const answered = samples.map((s) => s.answeredMs);
    out.push({
      row: `${name} (${signal === "SIGKILL" ? "SIGKILL, a crash" : "SIGTERM, a graceful stop"})`,
      result: `failed ${spread(failed, 0)} ms, first new word ${spread(answered, 0)} ms after the signal`,
      baseline: "—",
      ratio: "goal: < 3000 ms",
      pass: Math.max(...answered) < 3000,
    });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchFailover(process.env.DATABASE_URL));
