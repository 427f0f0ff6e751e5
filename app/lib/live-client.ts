import { createClient, type Client } from "graphql-ws";

export type ConnectionState = "connecting" | "live" | "reconnecting";

/**
 * A graphql-ws client that reconnects forever with backoff, treats a socket that stops
 * answering pings as dead, and drops the socket when the browser goes offline. `onConnected`
 * gets the connection count, so callers can resubscribe or refetch after a reconnect.
 */
export function createLiveClient(handlers: {
  onState: (s: ConnectionState) => void;
  onConnected?: (count: number) => void;
}): {
  client: Client;
  dispose: () => void;
} {
  let connections = 0;
  let disposed = false;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
  const client: Client = createClient({
    url,
    lazy: false,
    keepAlive: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait: async (retries) => {
      await new Promise((r) => setTimeout(r, Math.min(5000, 300 * 2 ** retries) + Math.random() * 300));
    },
    on: {
      connected: () => {
        connections++;
        handlers.onState("live");
        handlers.onConnected?.(connections);
      },
      closed: () => !disposed && handlers.onState(connections > 0 ? "reconnecting" : "connecting"),
      ping: (received) => {
        if (!received) pongTimer = setTimeout(() => client.terminate(), 5_000);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
    },
  });
  const goOffline = () => client.terminate();
  window.addEventListener("offline", goOffline);
  return {
    client,
    dispose: () => {
      disposed = true;
      window.removeEventListener("offline", goOffline);
      clearTimeout(pongTimer);
      void client.dispose();
    },
  };
}

export const connectionText: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  live: "Connected",
  reconnecting: "Reconnecting…",
};
