import http from "node:http";
import WebSocket from "ws";

/**
 * A lean graphql-transport-ws client for load: one socket, one subscription, a callback per
 * `next`. Thousands of these stay cheap in the benchmark's own process.
 */
export interface Subscriber {
  socket: WebSocket;
  close(): Promise<void>;
}

export const EVENTS = /* GraphQL */ `
  subscription Events($conversationId: ID!, $after: Int) {
    conversationEvents(conversationId: $conversationId, after: $after) {
      seq
      type
      delta {
        messageId
        offset
        text
      }
      message {
        id
        role
        content
      }
    }
  }
`;

const SEND = /* GraphQL */ `
  mutation Send($input: SendMessageInput!) {
    sendMessage(input: $input) {
      message {
        seq
      }
    }
  }
`;

/**
 * Keep-alive connections for the load's HTTP requests. node:http rather than fetch: the client
 * shares the machine's cores with the server under test, and fetch costs it several times the CPU
 * per request.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** A customer's message over HTTP, as the web app sends it; its seq; throws on any error. */
export function sendMessage(baseUrl: string, c: { id: string; token: string }, content: string): Promise<number> {
  const body = JSON.stringify({
    query: SEND,
    variables: { input: { conversationId: c.id, content, clientMessageId: crypto.randomUUID() } },
  });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${baseUrl}/graphql`,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          authorization: `Bearer ${c.token}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          const { data, errors } = JSON.parse(text) as {
            data?: { sendMessage: { message: { seq: number } } };
            errors?: unknown[];
          };
          if (res.statusCode !== 200 || errors || !data)
            reject(new Error(`sendMessage: ${res.statusCode} ${JSON.stringify(errors ?? "")}`));
          else resolve(data.sendMessage.message.seq);
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export interface WireEvent {
  seq: number | null;
  type: string;
  delta?: { messageId: string; offset: number; text: string } | null;
  message?: { id: string; role: string; content: string } | null;
}

/**
 * Opens a socket, subscribes to a conversation's events (those after seq `after`, when given, then
 * live ones), and resolves once the server has acked.
 */
export function subscribe(
  wsUrl: string,
  token: string | null,
  conversationId: string,
  onEvent: (event: WireEvent, at: number) => void,
  after?: number,
): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, "graphql-transport-ws");
    socket.once("error", reject);
    socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: token ? { token } : {} })));
    socket.on("message", (raw) => {
      const at = performance.now();
      const message = JSON.parse(String(raw)) as {
        type: string;
        payload?: { data?: { conversationEvents?: WireEvent } };
      };
      if (message.type === "connection_ack") {
        socket.send(
          JSON.stringify({
            id: "1",
            type: "subscribe",
            payload: { query: EVENTS, variables: { conversationId, after: after ?? null } },
          }),
        );
        resolve({
          socket,
          close: () =>
            new Promise<void>((done) => {
              if (socket.readyState === WebSocket.CLOSED) return done();
              socket.once("close", () => done());
              socket.close();
            }),
        });
      } else if (message.type === "next" && message.payload?.data?.conversationEvents) {
        onEvent(message.payload.data.conversationEvents, at);
      } else if (message.type === "ping") socket.send(JSON.stringify({ type: "pong" }));
    });
  });
}
