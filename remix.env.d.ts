/// <reference types="@remix-run/dev" />

import "@remix-run/node";
import type { AppLoadContext as ServerLoadContext } from "./server/remix-context";

declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AppLoadContext extends ServerLoadContext {}
}
