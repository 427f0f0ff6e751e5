import type { Logger } from "pino";
import type { Actor } from "../auth/actor.ts";
import type { Credentials } from "../auth/resolve-actor.ts";
import type { Services } from "../services.ts";

export interface GraphQLContext {
  actor: Actor;
  services: Services;
  requestId: string;
  /** What the caller presented, e.g. to revoke the very session on signOut. */
  credentials: Credentials;
  /** The peer address, for per-client rate limits. */
  clientIp: string;
  log: Logger;
  signal?: AbortSignal;
}
