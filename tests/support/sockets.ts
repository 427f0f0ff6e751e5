import WebSocket from "ws";
import { eventually } from "./app.ts";

/** Resolves with the promise's value, or fails after `ms`, so a rule that does not hold fails fast instead of hanging. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)),
  ]);
}

/** A raw graphql-transport-ws socket, for what a well-behaved client library would not do. */
export async function rawSocket(
  url: string,
  token?: string,
  headers: Record<string, string> = {},
  init: Record<string, unknown> = token ? { token } : {},
) {
  const ws = new WebSocket(url, "graphql-transport-ws", { headers });
  const received: Array<Record<string, unknown>> = [];
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  ws.on("message", (data) => received.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  ws.send(JSON.stringify({ type: "connection_init", payload: init }));
  await eventually(
    () => (received.some((m) => m.type === "connection_ack") ? true : undefined),
    5000,
    "connection_ack",
  );
  return { ws, received, closed };
}
