import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { loadConfig, type Config } from "../../server/config.ts";
import { createApp, type App, type AppOptions } from "../../server/app.ts";
import type { Services } from "../../server/services.ts";
import { signIdentity } from "../../server/auth/tokens.ts";
import { startConversation as startConversationAs } from "../../server/conversations/service.ts";

/** One Redis namespace per test process, so files never see each other's events or buckets. */
/** This test file's Redis namespace: a server it spawns must use it to share the bus with its apps. */
export const FILE_NAMESPACE = `test-${process.pid}-${Date.now().toString(36)}`;

export const TEST_ADMIN_EMAIL = "admin@tandem.local";
export const TEST_ADMIN_PASSWORD = "correct horse battery staple";

export interface TestApp {
  app: App;
  url: string;
  wsUrl: string;
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<{ status: number; data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> }>;
  ws(token?: string): Client;
  close(): Promise<void>;
}

/**
 * Starts the real app on port 0 against DATABASE_URL when set, otherwise an in-memory PGlite.
 * The offline model streams with a small delay so tests can catch a reply mid-stream.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  opts: AppOptions & {
    config?: Partial<Config>;
    realRateLimits?: boolean;
    /** With real rate limits: the configured capacities, but no token comes back during the test, so counts never depend on the machine's speed. */
    noRefill?: boolean;
  } = {},
): Promise<TestApp> {
  const config = loadConfig(
    {
      NODE_ENV: "test",
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
      PGLITE_DIR: "memory://",
      OFFLINE_MODEL_DELAY_MS: "5",
      AI_RETRY_BASE_MS: "10",
      IDENTITY_SECRET: "test-identity-secret-0123456789",
      // A test file may hold dozens of apps on one Postgres server: each keeps a small pool.
      DATABASE_POOL_MAX: "3",
      // Each test file has Redis channels and rate-limit buckets of its own (its apps share them).
      REDIS_NAMESPACE: FILE_NAMESPACE,
      ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
      ...env,
    },
    opts.config,
  );
  // Every test client shares 127.0.0.1; only the rate-limit test wants the real limits.
  if (!opts.realRateLimits) {
    for (const name of Object.keys(config.limits.rate) as Array<keyof typeof config.limits.rate>) {
      config.limits.rate[name] = { capacity: 10_000, refillMs: 1 };
    }
  }
  if (opts.noRefill) {
    for (const limit of Object.values(config.limits.rate)) limit.refillMs = 24 * 60 * 60_000;
  }
  const app = await createApp(config, { ui: false, ...opts });
  const { url } = await app.listen(0, "127.0.0.1");
  const wsUrl = `${url.replace("http", "ws")}/graphql`;
  const clients: Client[] = [];
  return {
    app,
    url,
    wsUrl,
    async gql(query, variables, token) {
      const res = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, ...((await res.json()) as object) };
    },
    ws(token) {
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: token ? { token } : undefined,
        retryAttempts: 0,
        lazy: true,
      });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.dispose()));
      await app.close();
    },
  };
}

export const START = /* GraphQL */ `
  mutation Start($name: String) {
    startConversation(input: { customerName: $name }) {
      token
      conversation {
        id
        lastSeq
        status
      }
    }
  }
`;

export const START_WITH_INPUT = /* GraphQL */ `
  mutation StartWith($input: StartConversationInput) {
    startConversation(input: $input) {
      token
      conversation {
        id
        lastSeq
        status
        customerLinked
      }
    }
  }
`;

export const SEND = /* GraphQL */ `
  mutation Send($input: SendMessageInput!) {
    sendMessage(input: $input) {
      duplicate
      message {
        id
        seq
        role
        content
        clientMessageId
        status
      }
    }
  }
`;

export const EVENTS = /* GraphQL */ `
  subscription Events($conversationId: ID!, $after: Int) {
    conversationEvents(conversationId: $conversationId, after: $after) {
      seq
      type
      status
      note
      agent
      typing {
        role
        name
      }
      viewing {
        operatorId
        name
        composing
      }
      delta {
        messageId
        offset
        text
      }
      message {
        id
        seq
        role
        authorName
        content
        status
        clientMessageId
        createdAt
      }
    }
  }
`;

export const HISTORY = /* GraphQL */ `
  query History($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
    conversation(id: $id) {
      id
      lastSeq
      status
      messages(first: $first, after: $after, last: $last, before: $before) {
        edges {
          cursor
          node {
            id
            seq
            role
            content
            status
            authorName
            usage {
              inputTokens
              outputTokens
              model
            }
          }
        }
        pageInfo {
          hasNextPage
          hasPreviousPage
          startCursor
          endCursor
        }
      }
    }
  }
`;

export async function startConversation(t: TestApp, name = "Test customer") {
  const r = await t.gql<{ startConversation: { token: string; conversation: { id: string } } }>(START, { name });
  if (!r.data) throw new Error(`startConversation failed: ${JSON.stringify(r.errors)}`);
  return { token: r.data.startConversation.token, id: r.data.startConversation.conversation.id };
}

export async function send(
  t: TestApp,
  conv: { id: string; token: string },
  content: string,
  clientMessageId: string = crypto.randomUUID(),
) {
  return t.gql<{ sendMessage: { duplicate: boolean; message: { id: string; seq: number; content: string } } }>(
    SEND,
    { input: { conversationId: conv.id, content, clientMessageId } },
    conv.token,
  );
}

/** Polls until `check` returns a value (not undefined), or fails after `ms`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  ms = 10_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Starts a conversation linked to a seeded customer the way a host site does: with an identity
 * signature under the server's IDENTITY_SECRET that expires in an hour. Null: not linked.
 */
export async function startLinkedConversation(services: Services, email: string | null) {
  const secret = services.config.identity.secret;
  if (!email) return startConversationAs(services.conversationDeps, {}, { clientIp: "127.0.0.1" });
  if (!secret) throw new Error("startLinkedConversation needs IDENTITY_SECRET");
  const identityExpiresAt = Math.floor(Date.now() / 1000) + 3600;
  return startConversationAs(
    services.conversationDeps,
    { customerEmail: email, identityExpiresAt, identitySignature: signIdentity(secret, email, identityExpiresAt) },
    { clientIp: "127.0.0.1" },
  );
}
