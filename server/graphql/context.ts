import type { Logger } from "pino";
import type { Actor } from "../auth/actor.ts";
import type { Services } from "../services.ts";

export interface GraphQLContext {
  actor: Actor;
  services: Services;
  requestId: string;
  /** The peer address, for per-client rate limits. */
  clientIp: string;
  log: Logger;
  signal?: AbortSignal;
}
