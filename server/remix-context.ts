import type { Services } from "./services.ts";

/** What every Remix loader and action receives as `context`. */
export interface AppLoadContext {
  services: Services;
  requestId: string;
  clientIp: string;
  [key: string]: unknown;
}
