import assert from "node:assert/strict";
import { test } from "node:test";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace";
import { SpanStatusCode } from "@opentelemetry/api";
import {
  GraphQLError,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  execute,
  parse,
  type ExecutionArgs,
  type ExecutionResult,
} from "graphql";
import { AppError } from "../errors.ts";
import { createLogger } from "../logger.ts";
import { startTracing } from "../ops/tracing.ts";
import { buildSchema } from "./schema.ts";
import { createSocketSubscribe } from "./subscribe.ts";

/** A schema whose subscription field fails in each of the ways a real one can. */
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: "Query", fields: { ok: { type: GraphQLString } } }),
  subscription: new GraphQLObjectType({
    name: "Subscription",
    fields: {
      events: {
        type: GraphQLString,
        args: { mode: { type: GraphQLString } },
        subscribe: (_root, { mode }: { mode?: string }) => {
          if (mode === "crash") throw new Error("connection to db-primary refused (password=hunter2)");
          if (mode === "forbidden") throw new AppError("FORBIDDEN", "Not your conversation.");
          return (async function* () {
            yield "first";
            yield "broken";
            if (mode === "stream-dies") throw new Error("redis at 10.0.0.3 went away");
            yield "last";
          })();
        },
        resolve: (event: string) => {
          if (event === "broken") throw new Error("row 42 of secret_table is corrupt");
          return event;
        },
      },
    },
  }),
});

function harness() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger(
    { logLevel: "error", env: "test" },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const exporter = new InMemorySpanExporter();
  const tracing = startTracing({ exporter, serviceName: "t", serviceVersion: "0", instanceId: "t" });
  const subscribe = createSocketSubscribe({ log, tracing });
  const run = (query: string, variableValues?: Record<string, unknown>) =>
    subscribe({ schema, document: parse(query), variableValues, contextValue: {} } as ExecutionArgs);
  return { lines, exporter, run };
}

async function drain(stream: AsyncIterableIterator<ExecutionResult>) {
  const results: ExecutionResult[] = [];
  let thrown: unknown;
  try {
    for await (const r of stream) results.push(r);
  } catch (error) {
    thrown = error;
  }
  return { results, thrown };
}

const codeOf = (e: unknown) => (e as GraphQLError).extensions?.code;

// The secrets in the crash are not hex: the error id is a UUID, and must never match them by chance.
test("a socket subscription's unexpected errors are masked with an id that is logged; the domain's own are shown", async () => {
  const { lines, run } = harness();

  const crashed = (await run(`subscription { events(mode: "crash") }`)) as ExecutionResult;
  const error = crashed.errors?.[0];
  assert.equal(error?.message, "Unexpected error.");
  assert.equal(codeOf(error), "INTERNAL_SERVER_ERROR");
  const errorId = error?.extensions?.errorId;
  assert.ok(typeof errorId === "string" && errorId.length > 0);
  assert.doesNotMatch(JSON.stringify(crashed), /hunter2|db-primary/);
  assert.ok(lines.some((l) => l.errorId === errorId && JSON.stringify(l).includes("db-primary")));

  const refused = (await run(`subscription { events(mode: "forbidden") }`)) as ExecutionResult;
  assert.equal(refused.errors?.[0]?.message, "Not your conversation.");
  assert.equal(codeOf(refused.errors?.[0]), "FORBIDDEN");

  // graphql-js's own errors (a variable that does not coerce) are shown, with a code.
  const invalid = (await run(`subscription ($m: String) { events(mode: $m) }`, { m: 5 })) as ExecutionResult;
  assert.match(invalid.errors?.[0]?.message ?? "", /\$m/);
  assert.equal(codeOf(invalid.errors?.[0]), "BAD_USER_INPUT");
});

test("each event of a socket subscription is masked, and a stream that dies ends with a masked error", async () => {
  const { run } = harness();
  const stream = (await run(`subscription { events }`)) as AsyncIterableIterator<ExecutionResult>;
  const { results, thrown } = await drain(stream);
  assert.deepEqual(
    results.map((r) => r.data?.events ?? null),
    ["first", null, "last"],
  );
  assert.equal(results[1]?.errors?.[0]?.message, "Unexpected error.");
  assert.doesNotMatch(JSON.stringify(results), /secret_table/);
  assert.equal(thrown, undefined);

  const dying = (await run(`subscription { events(mode: "stream-dies") }`)) as AsyncIterableIterator<ExecutionResult>;
  const died = await drain(dying);
  assert.equal(died.results.length, 2);
  assert.equal(codeOf(died.thrown), "INTERNAL_SERVER_ERROR");
  assert.doesNotMatch(String((died.thrown as Error).message), /10\.0\.0\.3/);
});

test("the input floor refuses a socket subscription's control characters, in variables and in literals", async () => {
  const { run } = harness();
  for (const [query, variables] of [
    [`subscription ($m: String) { events(mode: $m) }`, { m: "a\u202Eb" }],
    [`subscription { events(mode: "bell\\u0007") }`, undefined],
  ] as const) {
    const result = (await run(query, variables)) as ExecutionResult;
    assert.equal(codeOf(result.errors?.[0]), "BAD_INPUT", query);
    assert.match(result.errors?.[0]?.message ?? "", /control or direction-override/);
  }
});

test("a socket subscription gets its span, failed when setting it up fails", async () => {
  const { exporter, run } = harness();
  const stream = (await run(`subscription Watch { events }`)) as AsyncIterableIterator<ExecutionResult>;
  await stream.return?.();
  await run(`subscription Crash { events(mode: "crash") }`);
  const spans = exporter.getFinishedSpans();
  const watch = spans.find((s) => s.name === "subscription Watch");
  const crash = spans.find((s) => s.name === "subscription Crash");
  assert.equal(watch?.attributes["graphql.operation.type"], "subscription");
  assert.equal(watch?.status.code, SpanStatusCode.UNSET);
  assert.equal(crash?.status.code, SpanStatusCode.ERROR);
});

test("a socket subscription's compiled events read exactly as graphql-js executes them, for each kind of reader", async () => {
  const at = "2026-12-01T10:00:00.000Z";
  const message = {
    id: "m1",
    conversationId: "c1",
    seq: 1,
    role: "agent",
    authorType: "ai",
    author: "billing",
    authorName: "Billing",
    content: "Your invoice is paid.",
    status: "complete",
    clientMessageId: null,
    usage: { model: "offline", inputTokens: 12, outputTokens: 5, costUsd: 0 },
    mentions: null,
    notice: null,
    createdAt: at,
    completedAt: at,
  };
  const events = [
    { conversationId: "c1", seq: 1, type: "message_created", at, payload: { message } },
    {
      conversationId: "c1",
      seq: null,
      type: "message_delta",
      at,
      payload: { messageId: "m2", offset: 4, text: "word " },
    },
    {
      conversationId: "c1",
      seq: null,
      type: "message_snapshot",
      at,
      payload: { messageId: "m2", offset: 0, text: "all" },
    },
    {
      conversationId: "c1",
      seq: 2,
      type: "handoff",
      at,
      payload: { agent: "billing", note: "To billing.", operatorNote: "VIP" },
    },
    {
      conversationId: "c1",
      seq: 3,
      type: "tool_result",
      at,
      payload: { tool: "lookup_invoice", output: { amount: 10 } },
    },
    { conversationId: "c1", seq: 4, type: "status_changed", at, payload: { status: "waiting_human" } },
    // A decision's event carries the decision's status, not the conversation's: no status, no error.
    {
      conversationId: "c1",
      seq: 5,
      type: "decision",
      at,
      payload: { decisionId: "d1", action: "refund", status: "proposed" },
    },
    { conversationId: "c1", seq: null, type: "typing", at, payload: { role: "operator", name: "Pia" } },
    {
      conversationId: "c1",
      seq: null,
      type: "viewing",
      at,
      payload: { operatorId: "o1", name: "Pia", composing: true },
    },
  ];
  const real = buildSchema();
  // The real schema and resolvers; only the source of events is this test's.
  real.getSubscriptionType()!.getFields().conversationEvents!.subscribe = async function* () {
    yield* events;
  };
  const document = parse(/* GraphQL */ `
    subscription Events($id: ID!) {
      conversationEvents(conversationId: $id) {
        seq
        type
        at
        conversationId
        agent
        note
        status
        tool
        toolOutput
        delta {
          messageId
          offset
          text
        }
        typing {
          role
          name
        }
        viewing {
          operatorId
          name
          composing
        }
        message {
          id
          seq
          role
          authorType
          author
          authorName
          content
          status
          clientMessageId
          createdAt
          completedAt
          mentions
          usage {
            model
            inputTokens
            outputTokens
            costUsd
          }
        }
      }
    }
  `);
  const log = createLogger({ logLevel: "silent", env: "test" });
  const subscribe = createSocketSubscribe({
    log,
    tracing: startTracing({ serviceName: "t", serviceVersion: "0", instanceId: "t" }),
  });
  const readers = [
    { kind: "customer", conversationId: "c1" },
    { kind: "operator", operatorId: "o1", role: "operator", name: "Pia" },
    { kind: "integration", apiKeyId: "k1", name: "CRM", scopes: [], rateLimitPerMinute: 60 },
  ];
  for (const actor of readers) {
    const args = { schema: real, document, variableValues: { id: "c1" }, contextValue: { actor } };
    const { results } = await drain((await subscribe(args as ExecutionArgs)) as AsyncIterableIterator<ExecutionResult>);
    const expected = await Promise.all(events.map((event) => execute({ ...args, rootValue: event })));
    assert.deepEqual(JSON.parse(JSON.stringify(results)), JSON.parse(JSON.stringify(expected)), actor.kind);
    assert.equal(results.length, events.length);
    assert.ok(
      results.every((r) => !r.errors),
      JSON.stringify(results.find((r) => r.errors)),
    );
  }
  // The team reads the operator's note and the tool's output; a customer reads neither.
  const handoff = (actor: unknown) =>
    execute({ schema: real, document, variableValues: { id: "c1" }, contextValue: { actor }, rootValue: events[3] });
  assert.equal(((await handoff(readers[1])).data?.conversationEvents as { note: string }).note, "VIP");
  assert.equal(((await handoff(readers[0])).data?.conversationEvents as { note: string }).note, "To billing.");
});

test("an event the document cannot serialise is an error in that event, sent as the socket sends it, and the stream goes on", async () => {
  const at = "2026-12-01T10:00:00.000Z";
  const real = buildSchema();
  real.getSubscriptionType()!.getFields().conversationEvents!.subscribe = async function* () {
    // Not a conversation status the schema knows: the field fails, the event still arrives.
    yield { conversationId: "c1", seq: 1, type: "status_changed", at, payload: { status: "on_the_moon" } };
    yield { conversationId: "c1", seq: 2, type: "status_changed", at, payload: { status: "resolved" } };
  };
  const log = createLogger({ logLevel: "silent", env: "test" });
  const subscribe = createSocketSubscribe({
    log,
    tracing: startTracing({ serviceName: "t", serviceVersion: "0", instanceId: "t" }),
  });
  const stream = await subscribe({
    schema: real,
    document: parse(`subscription ($id: ID!) { conversationEvents(conversationId: $id) { seq status } }`),
    variableValues: { id: "c1" },
    contextValue: { actor: { kind: "customer", conversationId: "c1" } },
  } as ExecutionArgs);
  const { results, thrown } = await drain(stream as AsyncIterableIterator<ExecutionResult>);
  assert.equal(thrown, undefined);
  assert.equal(results.length, 2);
  // graphql-ws sends each error's toJSON().
  const [failed] = results[0]!.errors!.map((e) => e.toJSON());
  assert.match(failed!.message, /cannot represent value: "ON_THE_MOON"/);
  assert.deepEqual(failed!.path, ["conversationEvents", "status"]);
  assert.equal(typeof failed!.extensions?.code, "string");
  assert.deepEqual(results[1]!.data, { conversationEvents: { seq: 2, status: "RESOLVED" } });
});
