import { sql } from "drizzle-orm";
import { Router } from "express";
import type { Services } from "../services.ts";

export function healthRouter(services: Services): Router {
  const router = Router();
  router.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/health/ready", async (_req, res) => {
    try {
      await services.db.execute(sql`select 1`);
      // Anonymous callers learn only whether the server is ready; nothing about what it runs on.
      res.json({ status: "ready" });
    } catch {
      res.status(503).json({ status: "unavailable" });
    }
  });
  return router;
}
