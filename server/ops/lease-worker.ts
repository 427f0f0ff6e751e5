/**
 * Renews an instance's lease from a thread of its own, on a connection of its own, so a lease
 * says "this process is alive" however busy the main thread is (see Liveness). Asked to stop, it
 * lets a renewal under way finish and closes its connection before it answers, so the lease can
 * then be given up without a late renewal bringing it back.
 */
import { parentPort, workerData } from "node:worker_threads";
import postgres from "postgres";

const { url, instanceId, intervalMs } = workerData as { url: string; instanceId: string; intervalMs: number };
const sql = postgres(url, { max: 1, idle_timeout: 0, onnotice: () => {} });
let renewing: Promise<unknown> = Promise.resolve();

const timer = setInterval(() => {
  renewing = sql`insert into instances (id) values (${instanceId})
    on conflict (id) do update set last_seen = now()`.catch((err: Error) =>
    parentPort!.postMessage({ type: "error", message: err.message }),
  );
}, intervalMs);

parentPort!.on("message", (message: { type: string }) => {
  if (message.type !== "stop") return;
  clearInterval(timer);
  void renewing
    .then(() => sql.end({ timeout: 5 }))
    .finally(() => {
      parentPort!.postMessage({ type: "stopped" });
      parentPort!.close();
    });
});
