import { createServer, type Server } from "node:http";

/**
 * A small OpenAI-compatible server for tests: POST /v1/chat/completions with streaming,
 * text deltas, tool calls and usage (or a plain completion when not streaming), driven by a
 * script that looks at each request.
 */
export interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content?: string | null; tool_calls?: unknown[]; tool_call_id?: string }>;
  tools?: Array<{ type: "function"; function: { name: string } }>;
  stream?: boolean;
  /** Set when structured output is asked for (json_schema). */
  response_format?: { type: string; json_schema?: { name?: string; schema?: unknown } };
}

export type ScriptStep =
  | { text: string }
  /** A tool call; `args` as a string is sent as it is, so a test can send arguments that are not JSON. */
  | { tool: string; args: Record<string, unknown> | string }
  | { status: number };

/** The system text of a request, where the agent's instructions and facts are. */
export const systemOf = (req: ChatRequest) =>
  req.messages
    .filter((m) => m.role === "system")
    .map((m) => m.content)
    .join("\n");

export interface FakeOpenAI {
  url: string;
  requests: ChatRequest[];
  close(): Promise<void>;
}

export async function startFakeOpenAI(script: (req: ChatRequest, index: number) => ScriptStep): Promise<FakeOpenAI> {
  const requests: ChatRequest[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
        res.writeHead(404).end();
        return;
      }
      const request = JSON.parse(body) as ChatRequest;
      requests.push(request);
      const step = script(request, requests.length - 1);
      if ("status" in step) {
        res
          .writeHead(step.status, { "content-type": "application/json" })
          .end(JSON.stringify({ error: { message: "scripted failure" } }));
        return;
      }
      if (!request.stream) {
        // A plain (non-streaming) completion, as generateText and structured output ask for.
        const message =
          "text" in step
            ? { role: "assistant", content: step.text }
            : {
                role: "assistant",
                content: null,
                tool_calls: [
                  {
                    id: `call_${requests.length}`,
                    type: "function",
                    function: {
                      name: step.tool,
                      arguments: typeof step.args === "string" ? step.args : JSON.stringify(step.args),
                    },
                  },
                ],
              };
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            id: `chatcmpl-${requests.length}`,
            object: "chat.completion",
            created: Math.floor(Date.now() / 1000),
            model: request.model,
            choices: [{ index: 0, message, finish_reason: "text" in step ? "stop" : "tool_calls" }],
            usage: { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 },
          }),
        );
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      const base = {
        id: `chatcmpl-${requests.length}`,
        object: "chat.completion.chunk",
        created: Math.floor(Date.now() / 1000),
        model: request.model,
      };
      const send = (chunk: object) => res.write(`data: ${JSON.stringify({ ...base, ...chunk })}\n\n`);
      if ("text" in step) {
        send({ choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] });
        for (const piece of step.text.match(/\S+\s*/g) ?? [])
          send({ choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
        send({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
      } else {
        send({
          choices: [
            {
              index: 0,
              delta: {
                role: "assistant",
                tool_calls: [
                  {
                    index: 0,
                    id: `call_${requests.length}`,
                    type: "function",
                    function: {
                      name: step.tool,
                      arguments: typeof step.args === "string" ? step.args : JSON.stringify(step.args),
                    },
                  },
                ],
              },
              finish_reason: null,
            },
          ],
        });
        send({ choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] });
      }
      send({ choices: [], usage: { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 } });
      res.end("data: [DONE]\n\n");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
