/**
 * Tandem as it runs in production (NODE_ENV=production, the default log level, the API only),
 * for the benchmarks. Limits meant for strangers on the internet are lifted: every simulated
 * client comes from this machine. Set up over IPC: `conversations` starts some (optionally taken
 * over by the admin, so the AI stays out), `stats` counts sockets and live subscriptions.
 */
import { eq } from "drizzle-orm";
import { operators } from "../../drizzle/schema.ts";
import { createApp } from "../../server/app.ts";
import { loadConfig } from "../../server/config.ts";
import { takeOverConversation } from "../../server/conversations/operator-actions.ts";
import { startConversation } from "../../server/conversations/service.ts";
import { serveIpc } from "../lib/child.ts";

const config = loadConfig({
  NODE_ENV: "production",
  PGLITE_DIR: "memory://",
  ADMIN_PASSWORD: "bench admin password",
  IDENTITY_SECRET: "bench-identity-secret-0123456789",
  CONDUCTOR: "off",
  ...Object.fromEntries(
    [
      "DATABASE_URL",
      "REDIS_URL",
      "REDIS_NAMESPACE",
      "OFFLINE_MODEL_DELAY_MS",
      "LOG_LEVEL",
      "DATABASE_POOL_MAX",
      "DATABASE_PREPARE",
    ].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])),
  ),
});
for (const limit of Object.values(config.limits.rate)) Object.assign(limit, { capacity: 10_000_000, refillMs: 1 });
config.limits.maxSocketsPerAddress = 1_000_000;

const app = await createApp(config, { ui: false });
const { port } = await app.listen(0, "127.0.0.1");
const { services } = app;
const [admin] = await services.db.select().from(operators).where(eq(operators.role, "admin")).limit(1);
const adminActor = { kind: "operator", operatorId: admin!.id, role: "admin", name: admin!.name } as const;

serveIpc(port, async (cmd, args) => {
  if (cmd === "stats")
    return { sockets: services.metrics.connections(), subscriptions: services.bus.activeSubscriptions };
  if (cmd === "conversations") {
    const out: Array<{ id: string; token: string }> = [];
    for (let i = 0; i < Number(args.count); i++) {
      const { conversation, token } = await startConversation(
        services.conversationDeps,
        { customerName: `Bench ${i}` },
        { clientIp: "127.0.0.1" },
      );
      if (args.human) await takeOverConversation(services.conversationDeps, adminActor, conversation.id);
      out.push({ id: conversation.id, token });
    }
    return out;
  }
  if (cmd === "idle") {
    // Nothing left over from what came before: no turn, and no case summary waiting or running.
    await services.runner.idle();
    return services.summaries.idle();
  }
  throw new Error(`unknown command ${cmd}`);
});

process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
