import {
  GraphQLError,
  createSourceEventStream,
  execute,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import type { Services } from "../services.ts";
import { finishOperationSpan, startOperationSpan } from "../ops/tracing.ts";
import { checkInputFloor, maskErrors } from "./yoga.ts";

type Mask = (error: unknown) => Error;

/**
 * How a socket runs a subscription. graphql-js's `subscribe` is two steps, the source stream
 * (the field's `subscribe` resolver) and an `execute` of the document for each event; this does
 * the same two steps with one small object per subscription. Going through envelop's `subscribe`
 * instead wraps each subscription in an iterator per plugin hook (error masking, its error
 * handler, graphql-js's own mapping), about 4.5 KiB of closures for every idle socket.
 *
 * What those plugins do for a subscription is done here with the very same functions: the input
 * floor (`checkInputFloor`), error masking (`maskErrors`, for the setup's errors, each event's and
 * a stream that fails) and the operation's span. Parsing, validation (armor's limits included)
 * and the context still go through Yoga's envelop in the socket's `onSubscribe`.
 * The websocket integration test counts the plugins with an `onSubscribe` hook and fails when
 * one is added, so that its work is brought here too.
 */
export function createSocketSubscribe(services: Pick<Services, "log" | "tracing">) {
  const mask: Mask = maskErrors(services.log);
  return async (args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    try {
      checkInputFloor(args);
    } catch (error) {
      return { errors: [mask(error) as GraphQLError] };
    }
    const span = services.tracing.enabled ? startOperationSpan(services.tracing.tracer, args) : undefined;
    // The event is each execution's root value; nothing else of the arguments is kept.
    const perEvent: EventArgs = {
      schema: args.schema,
      document: args.document,
      contextValue: args.contextValue,
      variableValues: args.variableValues,
      operationName: args.operationName,
    };
    let result: AsyncIterableIterator<ExecutionResult> | ExecutionResult;
    try {
      const source = await createSourceEventStream({ ...perEvent, rootValue: undefined });
      result =
        Symbol.asyncIterator in source
          ? new SubscriptionResults((source as AsyncIterable<unknown>)[Symbol.asyncIterator](), perEvent, mask)
          : masked(source as ExecutionResult, mask);
    } catch (error) {
      result = { errors: [mask(error) as GraphQLError] };
    }
    if (span) finishOperationSpan(span, result);
    return result;
  };
}

interface EventArgs {
  schema: GraphQLSchema;
  document: DocumentNode;
  contextValue: unknown;
  variableValues?: ExecutionArgs["variableValues"];
  operationName?: string | null;
}

function masked(result: ExecutionResult, mask: Mask): ExecutionResult {
  return result.errors ? { ...result, errors: result.errors.map((e) => mask(e) as GraphQLError) } : result;
}

/**
 * Every event of a subscription runs its document again, so each validated document is compiled
 * once into a function (graphql-jit) and kept as long as the document is: Yoga's parse cache
 * hands every socket that sends the same text the same document. graphql-js's `execute` builds
 * its execution context and walks the selection on every call, about 20 µs for the events the
 * customer's page subscribes to against about 1 µs compiled (decision 012, ninth pass). A document
 * graphql-jit cannot compile keeps graphql-js's `execute` (false).
 */
const compiledDocuments = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, CompiledQuery | false>>>();

function compiledFor({ schema, document, operationName }: EventArgs): CompiledQuery | false {
  let bySchema = compiledDocuments.get(schema);
  if (!bySchema) compiledDocuments.set(schema, (bySchema = new WeakMap()));
  let byOperation = bySchema.get(document);
  if (!byOperation) bySchema.set(document, (byOperation = new Map()));
  const key = operationName ?? "";
  let compiled = byOperation.get(key);
  if (compiled === undefined) {
    const made = compileQuery(schema, document, operationName ?? undefined);
    compiled = isCompiledQuery(made) ? made : false;
    byOperation.set(key, compiled);
  }
  return compiled;
}

/** A subscription's results: each event of the source, executed against the document. */
class SubscriptionResults implements AsyncIterableIterator<ExecutionResult> {
  private readonly source: AsyncIterator<unknown>;
  private readonly args: EventArgs;
  private readonly mask: Mask;
  /** Set at the first event: a subscription that never gets one costs no compilation. */
  private compiled: CompiledQuery | false | undefined = undefined;

  constructor(source: AsyncIterator<unknown>, args: EventArgs, mask: Mask) {
    this.source = source;
    this.args = args;
    this.mask = mask;
  }

  async next(): Promise<IteratorResult<ExecutionResult>> {
    let step: IteratorResult<unknown>;
    try {
      step = await this.source.next();
    } catch (error) {
      throw this.mask(error);
    }
    if (step.done) return { done: true, value: undefined };
    this.compiled ??= compiledFor(this.args);
    const { contextValue, variableValues } = this.args;
    const result = this.compiled
      ? await this.compiled.query(step.value, contextValue, variableValues ?? {})
      : await execute({ ...this.args, rootValue: step.value });
    return { done: false, value: masked(result, this.mask) };
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    await this.source.return?.(undefined);
    return { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
    await this.source.return?.(undefined);
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
