import type { Logger } from "pino";
import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { useCSRFPrevention } from "@graphql-yoga/plugin-csrf-prevention";
import type { IncomingMessage } from "node:http";
import { GraphQLError, getOperationAST, parse, visit, type DocumentNode } from "graphql";
import { admitApiKeyUse } from "../apikeys/service.ts";
import { assertCleanStrings } from "../policy/input.ts";
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import type { Actor } from "../auth/actor.ts";
import { bearerFrom, resolveActor, type Credentials } from "../auth/resolve-actor.ts";
import { AppError } from "../errors.ts";
import type { Services } from "../services.ts";
import { clientAddress, originAllowed, type TrustFn } from "../http/edge.ts";
import type { GraphQLContext } from "./context.ts";
import { buildSchema } from "./schema.ts";
import { graphiqlAccess, renderGraphiQLPage } from "./graphiql.ts";
import { useOperationMetrics } from "../ops/metrics.ts";
import { useOperationTracing } from "../ops/tracing.ts";

export const CSRF_HEADER = "x-tandem-csrf";

/** What the WebSocket adapter passes in; HTTP requests carry `request` instead. */
export interface ServerContext {
  actor?: Actor;
  credentials?: Credentials;
  requestId?: string;
  clientIp?: string;
  /** Set by the Express adapter. */
  req?: IncomingMessage;
  /** The operation, as the WebSocket adapter received it. */
  params?: { query?: string; operationName?: string | null };
}

export type TandemYoga = YogaServerInstance<ServerContext, GraphQLContext>;

export function createGraphQLServer(services: Services, trust: TrustFn = () => false): TandemYoga {
  const { config, log } = services;
  const plugins: Plugin[] = [
    // Cookie-authenticated browsers must prove the request is not a cross-site form post.
    useCSRFPrevention({ requestHeaders: [CSRF_HEADER, "x-graphql-yoga-csrf"] }),
    EnvelopArmorPlugin({
      maxDepth: { n: 10 },
      maxAliases: { n: 15 },
      maxTokens: { n: 2000 },
      maxDirectives: { n: 20 },
      // A full page of messages (first: 200, every Message field) costs about 29,400 by armor's count.
      costLimit: { maxCost: 40_000 },
      blockFieldSuggestion: { enabled: !config.graphql.introspection },
    }),
  ];
  const graphiql = graphiqlAccess(config, services.db);
  if (graphiql.plugin) plugins.push(graphiql.plugin);
  const quotas = new WeakMap<Request, { limit: number; remaining: number }>();
  plugins.push(useInputFloor(), useRefusalCodes(), useOperationMetrics(services.metrics), useRateLimitHeaders(quotas));
  if (services.tracing.enabled) plugins.push(useOperationTracing(services.tracing.tracer));

  return createYoga<ServerContext, GraphQLContext>({
    schema: buildSchema(),
    graphqlEndpoint: "/graphql",
    // Only the app's own origin and CORS_ORIGINS get CORS headers; any other origin gets none, so browsers refuse.
    cors: (request, serverContext) => {
      const origin = request.headers.get("origin");
      const req = (serverContext as ServerContext).req;
      if (!origin || !req || !originAllowed(origin, req, config, trust)) return false;
      return {
        origin: [origin],
        credentials: true,
        methods: ["GET", "POST", "OPTIONS"],
        allowedHeaders: ["content-type", "authorization", CSRF_HEADER],
      };
    },
    graphiql: graphiql.graphiql,
    renderGraphiQL: (options) => renderGraphiQLPage(options as Record<string, unknown>),
    landingPage: false,
    // Every HTTP request reaches Yoga through the edge's body limit (a Content-Length is required
    // and at most MAX_BODY_BYTES), so Yoga's own limit, which pipes each body through a stream
    // to count it, would only repeat it.
    maxRequestBodySize: false,
    // Yoga's own log lines: errors go through the scrubbing serializer, never as their raw text.
    logging: {
      // Yoga writes several debug lines per request; at any other level they cost nothing.
      debug: (...args) => log.isLevelEnabled("debug") && log.debug(logArgs(args), "graphql"),
      info: (...args) => log.info(logArgs(args), "graphql"),
      warn: (...args) => log.warn(logArgs(args), "graphql"),
      error: (...args) => log.error(logArgs(args), "graphql"),
    },
    maskedErrors: { maskError: maskErrors(log), errorMessage: MASKED_MESSAGE },
    plugins,
    context: async (initial): Promise<GraphQLContext> => {
      const requestId = initial.requestId ?? initial.request?.headers.get("x-request-id") ?? "unknown";
      let actor = initial.actor;
      const credentials = initial.credentials ?? {
        bearer: bearerFrom(initial.request?.headers.get("authorization")),
        cookieHeader: initial.request?.headers.get("cookie"),
      };
      if (!actor) {
        const resolved = await resolveActor(services.db, credentials);
        // A credential that does not hold is refused before anything runs, with HTTP's own 401.
        if (resolved === "invalid")
          throw new AppError("UNAUTHENTICATED", "The token is invalid or has been revoked.", {
            http: { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="tandem"' } },
          });
        actor = resolved;
      }
      const clientIp = initial.clientIp ?? (initial.req ? clientAddress(initial.req, trust) : "unknown");
      if (actor.kind === "integration") {
        // Every operation of a key, over HTTP or a socket, is limited and recorded here, once.
        const quota = await admitApiKeyUse(services, actor, {
          ...describeOperation(initial.params),
          clientIp,
          requestId,
        });
        if (initial.request) quotas.set(initial.request, quota);
      }
      // The request's child logger is made when something logs: most operations never do, and a
      // subscription would keep it for as long as its socket lives.
      let requestLog: Logger | undefined;
      return {
        actor,
        credentials,
        services,
        requestId,
        clientIp,
        get log() {
          return (requestLog ??= log.child({ requestId }));
        },
        signal: initial.request?.signal,
      };
    },
  });
}

/** The operation's type and name (its root fields when unnamed), for the API keys' audit trail. */
function describeOperation(params: { query?: string; operationName?: string | null } | undefined) {
  try {
    const operation = getOperationAST(parse(params?.query ?? ""), params?.operationName ?? undefined);
    if (!operation) return { operationType: "unknown", operation: params?.operationName ?? "unknown" };
    const fields = operation.selectionSet.selections.map((s) => (s.kind === "Field" ? s.name.value : "…"));
    return { operationType: operation.operation, operation: operation.name?.value ?? fields.join(",") };
  } catch {
    return { operationType: "unknown", operation: "unparsable" };
  }
}

/** An API key's HTTP responses say how much of its limit is left (IETF RateLimit header fields). */
function useRateLimitHeaders(quotas: WeakMap<Request, { limit: number; remaining: number }>): Plugin {
  return {
    onResponse({ request, response }) {
      const quota = quotas.get(request);
      if (!quota) return;
      response.headers.set("RateLimit-Limit", String(quota.limit));
      response.headers.set("RateLimit-Remaining", String(quota.remaining));
      response.headers.set("RateLimit-Reset", String(Math.ceil((quota.limit - quota.remaining) * (60 / quota.limit))));
    },
  };
}

/** A variable that does not fit its type is the caller's mistake: say so with a code, like every other bad input. */
function withInputCode(error: GraphQLError): GraphQLError {
  // A compiled subscription's errors (graphql-jit) may carry no extensions at all.
  if (error.extensions?.code) return error;
  // Armor's limits (cost, depth, aliases, tokens) refuse while parsing, with no code of their own.
  const code = error.message.startsWith('Variable "$')
    ? "BAD_USER_INPUT"
    : error.message.includes("CSRF")
      ? "FORBIDDEN"
      : "GRAPHQL_VALIDATION_FAILED";
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}

/** What a client sees of an error the server did not mean to show. */
export const MASKED_MESSAGE = "Unexpected error.";

/**
 * Masks an error before it leaves the server: the domain's own errors and graphql-js's (a bad
 * document, a variable that does not coerce) are shown; anything else is logged with an id and
 * the client gets MASKED_MESSAGE with that id.
 */
export function maskErrors(log: Logger) {
  return (error: unknown, message: string = MASKED_MESSAGE): Error => {
    const original = error instanceof GraphQLError ? error.originalError : undefined;
    if (error instanceof AppError || original instanceof AppError) return error as Error;
    if (error instanceof GraphQLError && (!original || original instanceof GraphQLError)) return withInputCode(error);
    // The id ties what the client sees to the log line, without leaking the error itself.
    const errorId = crypto.randomUUID();
    log.error({ err: original ?? error, errorId }, "unexpected GraphQL error");
    return new GraphQLError(message, { extensions: { code: "INTERNAL_SERVER_ERROR", errorId } });
  };
}

// Parsed documents are cached and shared, and their literals never change: each is walked once.
const cleanDocuments = new WeakSet<DocumentNode>();

/**
 * The floor under every field's own validation: no string argument (variable or literal) longer
 * than MAX_ANY_STRING or carrying a control or direction-override character reaches a resolver.
 * Domain functions apply tighter limits; this covers every field, including future ones. Throws
 * the refusal as a GraphQLError.
 */
export function checkInputFloor(args: { document: DocumentNode; variableValues?: Record<string, unknown> | null }) {
  assertCleanStrings(args.variableValues ?? {}, "variables");
  if (cleanDocuments.has(args.document)) return;
  visit(args.document, {
    StringValue(node) {
      assertCleanStrings(node.value, "argument");
    },
  });
  cleanDocuments.add(args.document);
}

/** The input floor for every operation Yoga executes or subscribes. */
function useInputFloor(): Plugin {
  const refuse = (hook: {
    args: Parameters<typeof checkInputFloor>[0];
    setResultAndStopExecution: (result: { errors: GraphQLError[] }) => void;
  }) => {
    try {
      checkInputFloor(hook.args);
    } catch (error) {
      hook.setResultAndStopExecution({ errors: [error as GraphQLError] });
    }
  };
  return { onExecute: refuse, onSubscribe: refuse };
}

/** Refusals raised by validation rules (armor's cost, depth and alias limits, introspection) carry a code like every other error. */
function useRefusalCodes(): Plugin {
  return {
    // Armor refuses while parsing; Yoga sends those errors without running maskError.
    onResultProcess({ result, setResult }) {
      const r = result as { errors?: GraphQLError[] } | undefined;
      if (!r || Array.isArray(r) || !r.errors?.some((e) => !e.extensions?.code)) return;
      setResult({ ...r, errors: r.errors.map((e) => (e instanceof GraphQLError ? withInputCode(e) : e)) } as never);
    },
    onValidate() {
      return ({ result, setResult }) => {
        if (!result.length) return;
        setResult(
          result.map((error) =>
            error.extensions.code
              ? error
              : new GraphQLError(error.message, {
                  nodes: error.nodes,
                  source: error.source,
                  positions: error.positions,
                  path: error.path,
                  originalError: error.originalError,
                  extensions: { ...error.extensions, code: "GRAPHQL_VALIDATION_FAILED" },
                }),
          ),
        );
      };
    },
  };
}

function logArgs(args: unknown[]): Record<string, unknown> {
  const err = args.find((a) => a instanceof Error);
  const notes = args.filter((a) => typeof a === "string") as string[];
  return {
    ...(err ? { err } : {}),
    note: notes
      .join(" ")
      .replace(/Failed query:[\s\S]*/, "Failed query (omitted)")
      .slice(0, 300),
  };
}
