/**
 * A small typed client for Tandem's API: queries and mutations over HTTP, subscriptions over
 * graphql-ws, each taking a typed document node from examples/generated/graphql.ts, so the
 * variables and the answer are checked against the schema at compile time.
 */
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

export interface TandemClientOptions {
  /** Where Tandem runs, e.g. http://localhost:3000. */
  url: string;
  /** An API key (`tdm_…`), or an operator's or customer's token. */
  token: string;
}

/** An error Tandem answered with: its code is `extensions.code` (BAD_INPUT, FORBIDDEN, RATE_LIMITED, …). */
export class TandemError extends Error {
  readonly code: string | undefined;
  readonly status: number;
  constructor(message: string, code: string | undefined, status: number) {
    super(message);
    this.code = code;
    this.status = status;
    this.name = "TandemError";
  }
}

type GraphQLErrors = Array<{ message: string; extensions?: { code?: string } }>;

export function tandemClient(options: TandemClientOptions) {
  const base = options.url.replace(/\/$/, "");
  let socket: Client | null = null;
  const ws = () =>
    (socket ??= createClient({
      url: `${base.replace(/^http/, "ws")}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: options.token.startsWith("tdm_") ? { apiKey: options.token } : { token: options.token },
    }));

  return {
    /** Runs a query or mutation; throws TandemError when Tandem refuses it. */
    async request<R, V extends Record<string, unknown>>(document: TypedDocumentNode<R, V>, variables: V): Promise<R> {
      const response = await fetch(`${base}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${options.token}` },
        body: JSON.stringify({ query: print(document), variables }),
      });
      const body = (await response.json().catch(() => ({}))) as { data?: R | null; errors?: GraphQLErrors };
      const error = body.errors?.[0];
      if (error || !body.data)
        throw new TandemError(error?.message ?? `HTTP ${response.status}`, error?.extensions?.code, response.status);
      return body.data;
    },

    /** The subscription's events, in order, until the caller stops reading or the server ends it. */
    async *subscribe<R, V extends Record<string, unknown>>(
      document: TypedDocumentNode<R, V>,
      variables: V,
    ): AsyncGenerator<R> {
      const events = ws().iterate<R>({ query: print(document), variables });
      try {
        for await (const result of events) {
          const error = result.errors?.[0];
          if (error || !result.data)
            throw new TandemError(error?.message ?? "no data", (error?.extensions as { code?: string })?.code, 200);
          yield result.data;
        }
      } finally {
        await events.return?.();
      }
    },

    async dispose(): Promise<void> {
      await socket?.dispose();
    },
  };
}
