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
      res.json({ status: "ready", database: services.dbHandle.driver, bus: services.bus.kind, model: services.model.label });
    } catch {
      res.status(503).json({ status: "unavailable", reason: "database unreachable" });
    }
  });
  return router;
}
