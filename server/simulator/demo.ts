import type { Actor } from "../auth/actor.ts";
import { conflict } from "../errors.ts";
import { requireAdmin } from "../operators/service.ts";
import type { Services } from "../services.ts";
import { simulate } from "./run.ts";

let running: Promise<unknown> | null = null;

/**
 * Starts the 60-second demo from the Conductor page (admins): three simulated customers (one
 * going round in circles, one getting angrier, one content) talk to this instance over its own
 * public API while the team watches the conductor react. One demo at a time per instance.
 */
export function startDemo(services: Pick<Services, "localUrl" | "log">, actor: Actor): void {
  requireAdmin(actor);
  if (running) throw conflict("The demo is already running.");
  if (!services.localUrl) throw conflict("This instance is not listening yet.");
  running = simulate({ url: services.localUrl, scenario: "demo" })
    .then((report) => services.log.info({ report: { ...report, conversationIds: undefined } }, "demo finished"))
    .catch((err: unknown) => services.log.warn({ err }, "demo failed"))
    .finally(() => {
      running = null;
    });
}

export const demoRunning = () => running !== null;
