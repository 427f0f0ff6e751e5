import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { SEND, startConversation, startTestApp, type TestApp } from "../support/app.ts";

const apps: TestApp[] = [];
after(() => Promise.all(apps.map((a) => a.close())));

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";

const idOf = (s: ReadableSpan) => s.spanContext().spanId;
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

/** Whether `span` sits somewhere under `ancestor` in the spans recorded. */
function descends(spans: ReadableSpan[], span: ReadableSpan, ancestor: ReadableSpan): boolean {
  const byId = new Map(spans.map((s) => [idOf(s), s]));
  for (let at: ReadableSpan | undefined = span; at; at = byId.get(parentOf(at) ?? "")) {
    if (parentOf(at) === idOf(ancestor)) return true;
  }
  return false;
}

test("a request, its GraphQL operation, its queries, the AI turn and its tool calls are one connected picture", async () => {
  const exporter = new InMemorySpanExporter();
  const t = await startTestApp({}, { traceExporter: exporter });
  apps.push(t);
  const conv = await startConversation(t);
  const secret = "My laptop will not start. Reference 4111-2222.";
  exporter.reset();

  // The caller's trace context is continued.
  const res = await fetch(`${t.url}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${conv.token}`,
      traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01`,
    },
    body: JSON.stringify({
      query: SEND,
      variables: { input: { conversationId: conv.id, content: secret, clientMessageId: crypto.randomUUID() } },
    }),
  });
  assert.equal(res.status, 200);
  await res.json();
  await t.app.services.runner.idle();
  const spans = exporter.getFinishedSpans();

  const http = spans.find((s) => s.kind === SpanKind.SERVER && s.spanContext().traceId === TRACE_ID);
  assert.ok(http, "an HTTP server span in the caller's trace");
  assert.equal(http.name, "POST /graphql");
  assert.equal(parentOf(http), CALLER_SPAN);
  assert.equal(http.attributes["http.response.status_code"], 200);

  const operation = spans.find((s) => s.name === "mutation Send");
  assert.ok(operation, "a span for the GraphQL operation");
  assert.equal(parentOf(operation), idOf(http));
  assert.equal(operation.attributes["graphql.operation.name"], "Send");

  const requestQueries = spans.filter((s) => s.kind === SpanKind.CLIENT && descends(spans, s, operation));
  assert.ok(
    requestQueries.some((s) => s.name === "INSERT messages"),
    `the message insert is under the operation (saw ${requestQueries.map((s) => s.name).join(", ")})`,
  );
  assert.ok(requestQueries.every((s) => s.attributes["db.system.name"] === "postgresql"));

  // The AI's answer is a trace of its own, linked to the request that asked for it.
  const triage = spans.find((s) => s.name === "invoke_agent triage");
  assert.ok(triage, "a span for triage's answer");
  assert.equal(parentOf(triage), undefined);
  assert.notEqual(triage.spanContext().traceId, TRACE_ID);
  assert.ok(triage.links.some((l) => l.context.traceId === TRACE_ID));
  assert.equal(triage.attributes["tandem.conversation.id"], conv.id);
  assert.equal(triage.attributes["tandem.outcome"], "handed_off");
  assert.ok(Number(triage.attributes["gen_ai.usage.input_tokens"]) > 0);

  const transfer = spans.find((s) => s.name === "execute_tool transfer_to_technical");
  assert.ok(transfer, `a span for the transfer tool (saw ${[...new Set(spans.map((s) => s.name))].join(", ")})`);
  assert.equal(parentOf(transfer), idOf(triage));
  assert.ok(
    spans.some((s) => s.kind === SpanKind.CLIENT && descends(spans, s, transfer)),
    "the tool's queries are under its span",
  );
  const technical = spans.find((s) => s.name === "invoke_agent technical");
  assert.ok(technical, "the next agent's answer has its span");
  assert.equal(technical.attributes["tandem.outcome"], "answered");

  // What the customer wrote is in no span: queries are recorded with placeholders.
  for (const s of spans) {
    for (const value of Object.values(s.attributes)) assert.ok(!String(value).includes("4111"), s.name);
  }
});

test("with OTEL_EXPORTER_OTLP_ENDPOINT spans are sent to the collector as OTLP/HTTP", async () => {
  const received: Array<{ path: string; body: unknown }> = [];
  const collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => collector.listen(0, "127.0.0.1", r));
  try {
    const { port } = collector.address() as AddressInfo;
    const t = await startTestApp({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
    assert.equal(t.app.services.tracing.enabled, true);
    assert.equal((await fetch(`${t.url}/health`)).status, 200);
    // Closing flushes what the batch processor holds.
    await t.close();
    const body = JSON.stringify(received.map((r) => r.body));
    assert.ok(
      received.every((r) => r.path === "/v1/traces"),
      received.map((r) => r.path).join(),
    );
    assert.match(body, /"service\.name","value":\{"stringValue":"tandem"\}/);
    assert.match(body, /"name":"GET \/health"/);
  } finally {
    collector.close();
  }
});

test("without an endpoint tracing is off", async () => {
  const t = await startTestApp();
  apps.push(t);
  assert.equal(t.app.services.tracing.enabled, false);
});
