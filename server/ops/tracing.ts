import type { IncomingMessage, ServerResponse } from "node:http";
import {
  context,
  defaultTextMapGetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type Tracer,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  TracerProvider,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import type { Plugin } from "graphql-yoga";
import { getOperationAST } from "graphql";
import type { ToolSet } from "ai";
import { wrapEachExecute } from "../ai/tools/wrap.ts";
import { routeLabel } from "./metrics.ts";

/**
 * OpenTelemetry traces: an HTTP request, the GraphQL operation it carries, every query it runs,
 * an AI turn and each tool call in it. Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (or a test
 * hands in an exporter); off, every helper here is a no-op and nothing is wrapped.
 *
 * Each app has its own provider rather than the process-global one, so two apps in one process
 * (the tests) keep their spans apart. The context manager is process-wide: AsyncLocalStorage
 * carries the active span across awaits.
 */
export interface Tracing {
  enabled: boolean;
  tracer: Tracer;
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
}

const noop: Tracing = { enabled: false, tracer: trace.getTracer("tandem"), shutdown: async () => {} };

let contextManagerRegistered = false;

export function startTracing(opts: {
  /** The collector's base URL; spans go to `<endpoint>/v1/traces` as OTLP/HTTP JSON. */
  endpoint?: string;
  /** Replaces the OTLP exporter (tests use an in-memory one); spans are exported one by one. */
  exporter?: SpanExporter;
  serviceName: string;
  serviceVersion: string;
  instanceId: string;
}): Tracing {
  if (!opts.endpoint && !opts.exporter) return noop;
  if (!contextManagerRegistered) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    contextManagerRegistered = true;
  }
  const processor: SpanProcessor = opts.exporter
    ? new SimpleSpanProcessor({ exporter: opts.exporter })
    : new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${opts.endpoint!.replace(/\/$/, "")}/v1/traces` }),
      });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      "service.name": opts.serviceName,
      "service.version": opts.serviceVersion,
      "service.instance.id": opts.instanceId,
    }),
    spanProcessors: [processor],
  });
  return {
    enabled: true,
    tracer: provider.getTracer("tandem", opts.serviceVersion),
    shutdown: () => provider.shutdown(),
  };
}

/** Runs `fn` in a span that ends when it settles, marked as an error if it throws. */
export function inSpan<T>(
  tracer: Tracer,
  name: string,
  options: { attributes?: Attributes; kind?: SpanKind; root?: boolean; linkActive?: boolean },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const active = trace.getActiveSpan()?.spanContext();
  const links = options.linkActive && active ? [{ context: active }] : undefined;
  return tracer.startActiveSpan(
    name,
    { attributes: options.attributes, kind: options.kind, root: options.root, links },
    async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        failSpan(span, err);
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

export function failSpan(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

const propagator = new W3CTraceContextPropagator();

/**
 * A server span per HTTP request, continuing the caller's trace when it sends `traceparent`.
 * Named by the bounded route label the metrics use, so names stay low-cardinality.
 */
export function httpTracing(tracer: Tracer) {
  return (req: IncomingMessage & { originalUrl?: string }, res: ServerResponse, next: () => void) => {
    const parent = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
    const path = (req.originalUrl ?? req.url ?? "/").split("?")[0] ?? "/";
    const route = routeLabel(path);
    const span = tracer.startSpan(
      `${req.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { "http.request.method": req.method ?? "GET", "http.route": route, "url.path": path },
      },
      parent,
    );
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      span.setAttribute("http.response.status_code", res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.on("finish", end);
    res.on("close", end);
    context.with(trace.setSpan(parent, span), next);
  };
}

/** A GraphQL operation's span, named by its type and name. */
export function startOperationSpan(
  tracer: Tracer,
  args: { document: Parameters<typeof getOperationAST>[0]; operationName?: string | null },
): Span {
  const operation = getOperationAST(args.document, args.operationName);
  const type = operation?.operation ?? "unknown";
  const name = operation?.name?.value;
  return tracer.startSpan(name ? `${type} ${name}` : type, {
    attributes: { "graphql.operation.type": type, ...(name ? { "graphql.operation.name": name } : {}) },
  });
}

/** Ends an operation's span, failed with the first error's message when the result has errors. */
export function finishOperationSpan(span: Span, result: unknown): void {
  const errors = (result as { errors?: ReadonlyArray<{ message: string }> } | undefined)?.errors;
  if (errors?.length) span.setStatus({ code: SpanStatusCode.ERROR, message: errors[0]!.message });
  span.end();
}

/**
 * A span per GraphQL operation over HTTP, and per query or mutation over a socket (a socket's
 * subscriptions get theirs from `server/graphql/subscribe.ts`), named by its type and name.
 */
export function useOperationTracing(tracer: Tracer): Plugin {
  return {
    onExecute({ args, setExecuteFn, executeFn }) {
      const span = startOperationSpan(tracer, args);
      // Resolvers run inside the span, so their queries are its children.
      setExecuteFn((a) => context.with(trace.setSpan(context.active(), span), () => executeFn(a)));
      return { onExecuteDone: ({ result }) => finishOperationSpan(span, result) };
    },
    onSubscribe({ args }) {
      // A subscription lives as long as its socket: its span covers setting it up.
      const span = startOperationSpan(tracer, args);
      return { onSubscribeResult: ({ result }) => finishOperationSpan(span, result) };
    },
  };
}

/** Each tool's execution in a span (`execute_tool <name>`), so its queries sit under it. */
export function traceTools<T extends ToolSet>(tracer: Tracer, tools: T): T {
  return wrapEachExecute(
    tools,
    (name, execute) => (input, options) =>
      inSpan(
        tracer,
        `execute_tool ${name}`,
        { attributes: { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name } },
        () => execute(input, options),
      ),
  );
}

/** `SELECT`, `INSERT`… and the first table named: the span name for a query, never its values. */
export function querySpanName(text: string): string {
  const op = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? "QUERY";
  if (op === "WITH") {
    // A statement with data-modifying CTEs is named by what it stores: its first insert, else
    // its first update or delete (`with allocated as (update conversations …) insert into messages …`).
    const write =
      /\binsert\s+into\s+"?(\w+)"?/i.exec(text) ??
      /\bupdate\s+"?(\w+)"?\s+set\b/i.exec(text) ??
      /\bdelete\s+from\s+"?(\w+)"?/i.exec(text);
    if (write) return `${write[0].split(/\s+/)[0]!.toUpperCase()} ${write[1]}`;
  }
  const table = /\b(?:from|into|update)\s+"?(\w+)"?/i.exec(text)?.[1];
  return table ? `${op} ${table}` : op;
}

/** Starts a client span for one query; the caller ends it. The text is parameterised: no values. */
export function startQuerySpan(tracer: Tracer, text: string): Span {
  return tracer.startSpan(querySpanName(text), {
    kind: SpanKind.CLIENT,
    attributes: { "db.system.name": "postgresql", "db.query.text": text.slice(0, 2000) },
  });
}

/** Ends a query's span when its promise settles, without changing what the caller awaits. */
export function endWith<T>(span: Span, pending: PromiseLike<T>): void {
  pending.then(
    () => span.end(),
    (err: unknown) => {
      failSpan(span, err);
      span.end();
    },
  );
}
