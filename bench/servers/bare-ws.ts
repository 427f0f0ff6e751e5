/**
 * The baseline for sockets: a bare `ws` server that speaks just enough graphql-transport-ws
 * (ack the init, remember each subscription) and, on `broadcast`, streams words to every
 * subscriber on a timer per stream, the way a reply would come with no framework in between.
 */
import { createServer } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import { serveIpc } from "../lib/child.ts";

const server = createServer();
const wss = new WebSocketServer({ server, path: "/graphql" });
const subscribers = new Map<WebSocket, string>();
wss.on("connection", (socket) => {
  socket.on("message", (raw) => {
    const message = JSON.parse(String(raw)) as { type: string; id?: string };
    if (message.type === "connection_init") socket.send(JSON.stringify({ type: "connection_ack" }));
    else if (message.type === "subscribe") subscribers.set(socket, message.id!);
    else if (message.type === "complete") subscribers.delete(socket);
  });
  socket.on("close", () => subscribers.delete(socket));
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address() as { port: number };

serveIpc(port, (cmd, args) => {
  if (cmd === "stats") return { sockets: wss.clients.size, subscriptions: subscribers.size };
  if (cmd === "broadcast") {
    // Each subscriber gets its own stream of `words` words, one every `intervalMs`.
    const words = Number(args.words);
    const intervalMs = Number(args.intervalMs);
    for (const [socket, id] of subscribers) {
      let sent = 0;
      const timer = setInterval(() => {
        const text = `word${sent} `;
        socket.send(
          JSON.stringify({
            id,
            type: "next",
            payload: { data: { conversationEvents: { type: "MESSAGE_DELTA", delta: { offset: sent, text } } } },
          }),
        );
        if (++sent >= words) clearInterval(timer);
      }, intervalMs);
    }
    return { streams: subscribers.size };
  }
  throw new Error(`unknown command ${cmd}`);
});
process.on("SIGTERM", () => {
  for (const c of wss.clients) c.terminate();
  server.close(() => process.exit(0));
});
