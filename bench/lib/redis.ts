/** The Redis the multi-instance benchmarks use (BENCH_REDIS, default the local server). */
export const BENCH_REDIS = process.env.BENCH_REDIS ?? "redis://127.0.0.1:6379";

/** Whether that Redis answers; the benchmarks that need it are skipped when it does not. */
export async function redisAnswers(): Promise<boolean> {
  const { Redis } = await import("ioredis");
  const client = new Redis(BENCH_REDIS, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
