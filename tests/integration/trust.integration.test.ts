/**
 * The trust rules, each over a real transport: sessions re-checked on every socket operation and
 * revoked live, limits enforced in the domain whatever the transport, clients behind a real
 * proxy, origins, headers, input rules, customer tokens, passwords and logs.
 */
import assert from "node:assert/strict";
import { createServer, request as httpRequest, type Server } from "node:http";
import { Writable } from "node:stream";
import { afterEach, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import WebSocket from "ws";
import { createClient } from "graphql-ws";
import { messages, operators } from "../../drizzle/schema.ts";
import { signIdentity } from "../../server/auth/tokens.ts";
import { createLogger } from "../../server/logger.ts";
import { hashingStats } from "../../server/operators/passwords.ts";
import { listEventsAfter, writeStatementWithEvents, writeWithEvents } from "../../server/conversations/log.ts";
import { action as chatAction } from "../../app/routes/_index.tsx";
import { action as loginAction } from "../../app/routes/dashboard.login.tsx";
import type { AppLoadContext } from "../../server/remix-context.ts";
import {
  HISTORY,
  START_WITH_INPUT,
  TEST_ADMIN_EMAIL,
  TEST_ADMIN_PASSWORD,
  eventually,
  send,
  startConversation,
  startTestApp,
  type TestApp,
} from "../support/app.ts";
import { newOperator, signInAs } from "../support/operators.ts";
import { rawSocket, within } from "../support/sockets.ts";
import { startFakeOpenAI } from "../support/fake-openai.ts";

const apps: TestApp[] = [];
async function app(env: Record<string, string> = {}, opts: Parameters<typeof startTestApp>[1] = {}) {
  const t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "0", ...env }, opts);
  apps.push(t);
  return t;
}
// Every test makes its own apps; closing them after each keeps the file's Postgres connections
// to a few (kept to the end, 37 apps' pools came to the server's limit of 100).
afterEach(() => Promise.all(apps.splice(0).map((t) => t.close())));

const CREATE_OPERATOR = `mutation ($input: CreateOperatorInput!) { createOperator(input: $input) { id } }`;
const ME = `{ me { id role } }`;

describe("sessions on open sockets", () => {
  test("a disabled admin's open socket is closed with 4403 and cannot create an admin", async () => {
    const t = await app();
    const admin = await signInAs(t);
    const other = await newOperator(t, "Second Admin", "ADMIN");
    const otherId = (await t.gql<{ me: { id: string } }>(ME, {}, other.token)).data!.me.id;
    const socket = await rawSocket(t.wsUrl, other.token);
    socket.ws.send(
      JSON.stringify({ id: "1", type: "subscribe", payload: { query: "subscription { inboxEvents { type } }" } }),
    );
    await t.gql(
      `mutation ($id: ID!) { updateOperator(id: $id, input: { disabled: true }) { id } }`,
      { id: otherId },
      admin.token,
    );
    assert.equal(await within(socket.closed, 5000, "the socket to close"), 4403);
  });

  test("a demoted admin's next operation on an already open socket is refused", async () => {
    const t = await app();
    const admin = await signInAs(t);
    const other = await newOperator(t, "Demoted Admin", "ADMIN");
    const otherId = (await t.gql<{ me: { id: string } }>(ME, {}, other.token)).data!.me.id;
    const client = createClient({
      url: t.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { token: other.token },
      retryAttempts: 0,
      lazy: false,
    });
    const ok = await client.iterate({ query: ME }).next();
    assert.equal((ok.value as { data: { me: { role: string } } }).data.me.role, "ADMIN");
    await t.gql(
      `mutation ($id: ID!) { updateOperator(id: $id, input: { role: OPERATOR }) { id } }`,
      { id: otherId },
      admin.token,
    );
    const attempt = await client
      .iterate({
        query: CREATE_OPERATOR,
        variables: {
          input: { email: "sneaky@tandem.local", name: "Sneaky", role: "ADMIN", password: "a long enough password" },
        },
      })
      .next()
      .then(
        (r) => r.value as { errors?: Array<{ extensions?: { code?: string } }> },
        (e: unknown) => ({ closed: e }),
      );
    assert.ok(!("data" in (attempt as object)) || (attempt as { errors?: unknown[] }).errors, JSON.stringify(attempt));
    const [created] = await t.app.services.db
      .select()
      .from(operators)
      .where(eq(operators.email, "sneaky@tandem.local"));
    assert.equal(created, undefined, "no admin was created over the old socket");
    await client.dispose();
  });

  test(
    "signing out closes that operator's sockets on another instance (shared bus)",
    { skip: !(process.env.DATABASE_URL && process.env.REDIS_URL) && "needs DATABASE_URL and REDIS_URL" },
    async () => {
      const a = await app({ REDIS_URL: process.env.REDIS_URL! });
      const b = await app({ REDIS_URL: process.env.REDIS_URL! });
      const op = await newOperator(a, "Two Instances");
      const socket = await rawSocket(b.wsUrl, op.token);
      socket.ws.send(
        JSON.stringify({ id: "1", type: "subscribe", payload: { query: "subscription { inboxEvents { type } }" } }),
      );
      const started = Date.now();
      await a.gql(`mutation { signOut }`, {}, op.token);
      assert.equal(await within(socket.closed, 5000, "the socket on the other instance to close"), 4403);
      assert.ok(Date.now() - started < 2000, `closed within about a second (${Date.now() - started} ms)`);
    },
  );

  test("an operator session that expires closes its socket", async () => {
    const t = await app({ OPERATOR_SESSION_TTL_HOURS: "0.0003" }); // about a second
    const op = await signInAs(t);
    const socket = await rawSocket(t.wsUrl, op.token);
    assert.equal(await within(socket.closed, 10_000, "the expired session's socket to close"), 4403);
  });
});

describe("customer tokens", () => {
  test("a resolved conversation's token can read and rate it, nothing more", async () => {
    const t = await app();
    const conv = await startConversation(t);
    await send(t, conv, "hello");
    await t.app.services.runner.idle();
    const admin = await signInAs(t);
    await t.gql(
      `mutation ($id: ID!) { resolveConversation(conversationId: $id) { id } }`,
      { id: conv.id },
      admin.token,
    );
    assert.ok((await t.gql(HISTORY, { id: conv.id, last: 10 }, conv.token)).data);
    const rated = await t.gql<{ rateConversation: { id: string } }>(
      `mutation ($input: RateConversationInput!) { rateConversation(input: $input) { id } }`,
      { input: { conversationId: conv.id, score: 4, comment: "quick" } },
      conv.token,
    );
    assert.equal(rated.data?.rateConversation.id, conv.id);
    // The team reads the rating on the conversation (it feeds the CSAT figures).
    const seen = await t.gql<{ conversation: { rating: { score: number; comment: string } } }>(
      `query ($id: ID!) { conversation(id: $id) { rating { score comment } } }`,
      { id: conv.id },
      admin.token,
    );
    assert.deepEqual(seen.data?.conversation.rating, { score: 4, comment: "quick" });
    assert.equal((await send(t, conv, "one more thing")).errors?.[0]?.extensions?.code, "CONFLICT");
    const typing = await t.gql(`mutation ($id: ID!) { setTyping(conversationId: $id) }`, { id: conv.id }, conv.token);
    assert.equal(typing.errors?.[0]?.extensions?.code, "CONFLICT");
  });

  test("customer tokens stop working after CUSTOMER_TOKEN_TTL_DAYS", async () => {
    const t = await app({ CUSTOMER_TOKEN_TTL_DAYS: "0.00001" }); // under a second
    const conv = await startConversation(t);
    await eventually(
      async () =>
        (await t.gql(HISTORY, { id: conv.id }, conv.token)).errors?.[0]?.extensions?.code === "UNAUTHENTICATED"
          ? true
          : undefined,
      5000,
      "the token to expire",
    );
  });

  test("identity signatures carry an expiry; an expired or malformed one is refused", async () => {
    const t = await app();
    const secret = t.app.services.config.identity.secret!;
    const now = Math.floor(Date.now() / 1000);
    const start = (input: Record<string, unknown>) =>
      t.gql<{ startConversation: { conversation: { customerLinked: boolean } } }>(START_WITH_INPUT, { input });
    const valid = await start({
      customerEmail: "Ada@Example.com",
      identityExpiresAt: now + 600,
      identitySignature: signIdentity(secret, "ada@example.com", now + 600),
    });
    assert.equal(valid.data?.startConversation.conversation.customerLinked, true);
    const expired = await start({
      customerEmail: "ada@example.com",
      identityExpiresAt: now - 1,
      identitySignature: signIdentity(secret, "ada@example.com", now - 1),
    });
    assert.equal(expired.errors?.[0]?.extensions?.code, "BAD_INPUT");
    const oldScheme = await start({
      customerEmail: "ada@example.com",
      identityExpiresAt: now + 600,
      identitySignature: "zz",
    });
    assert.equal(oldScheme.errors?.[0]?.extensions?.code, "BAD_INPUT");
    const otherExpiry = await start({
      customerEmail: "ada@example.com",
      identityExpiresAt: now + 700,
      identitySignature: signIdentity(secret, "ada@example.com", now + 600),
    });
    assert.equal(otherExpiry.errors?.[0]?.extensions?.code, "BAD_INPUT");
  });

  test("the README's test vector", () => {
    const vector = "68b2a1fa75d02e1903e3ccada9e0050f2598bcc86e360fa89fb7105b43081af2";
    assert.equal(signIdentity("test-identity-secret-0123456789", "ada@example.com", 1798761600), vector);
    assert.equal(
      signIdentity("test-identity-secret-0123456789", " ADA@example.com ", 1798761600),
      vector,
      "the email is trimmed and lower-cased",
    );
  });
});

describe("limits in the domain, whatever the transport", () => {
  test("the no-JavaScript chat form is held to the message limit, and answers 429 with Retry-After", async () => {
    const t = await app({ RATE_LIMIT_SEND_MESSAGE: "2/1h" }, { realRateLimits: true });
    const conv = await startConversation(t);
    const context = {
      services: t.app.services,
      requestId: "test",
      clientIp: "192.0.2.10",
      protocol: "http",
      cspNonce: "",
    } as AppLoadContext;
    const post = (content: string) =>
      chatAction({
        request: new Request("http://localhost/", {
          method: "POST",
          headers: { cookie: `tandem_ct=${conv.token}` },
          body: new URLSearchParams({
            intent: "send",
            conversationId: conv.id,
            content,
            clientMessageId: crypto.randomUUID(),
          }),
        }),
        context,
        params: {},
      }) as Promise<Response>;
    assert.equal((await post("one")).status, 302);
    assert.equal((await post("two")).status, 302);
    const third = await post("three");
    assert.equal(third.status, 429);
    assert.ok(Number(third.headers.get("retry-after")) > 0);
  });

  test("the sign-in form answers 429 with Retry-After, not 500", async () => {
    const t = await app({ RATE_LIMIT_SIGN_IN: "2/1h" }, { realRateLimits: true });
    const context = {
      services: t.app.services,
      requestId: "test",
      clientIp: "192.0.2.20",
      protocol: "http",
      cspNonce: "",
    } as AppLoadContext;
    const attempt = () =>
      loginAction({
        request: new Request("http://localhost/dashboard/login", {
          method: "POST",
          body: new URLSearchParams({ email: "nobody@tandem.local", password: "wrong password!" }),
        }),
        context,
        params: {},
      }) as Promise<Response>;
    assert.equal((await attempt()).status, 401);
    assert.equal((await attempt()).status, 401);
    const third = await attempt();
    assert.equal(third.status, 429);
    assert.ok(third.headers.get("retry-after"));
  });

  test("a retry of a stored message does not use up the sender's limit", async () => {
    const t = await app({ RATE_LIMIT_SEND_MESSAGE: "2/1h" }, { realRateLimits: true });
    const conv = await startConversation(t);
    assert.ok((await send(t, conv, "first", "m1")).data);
    assert.ok((await send(t, conv, "second", "m2")).data);
    const retry = await send(t, conv, "first", "m1");
    assert.equal(retry.data?.sendMessage.duplicate, true);
    assert.equal((await send(t, conv, "third", "m3")).errors?.[0]?.extensions?.code, "RATE_LIMITED");
  });

  test("sign-in is limited per address across emails, and someone else's failures never stop the right password", async () => {
    const t = await app({ RATE_LIMIT_SIGN_IN_ADDRESS: "6/1h", RATE_LIMIT_SIGN_IN: "3/1h" }, { realRateLimits: true });
    const deps = t.app.services.operatorDeps;
    const { signIn } = await import("../../server/operators/service.ts");
    const codeOf = (p: Promise<unknown>) =>
      p.then(
        () => "ok",
        (e: { code?: string }) => e.code,
      );
    // Spraying from one address: different emails, one address budget.
    for (let i = 0; i < 6; i++)
      assert.equal(
        await codeOf(signIn(deps, { email: `user${i}@x.io`, password: "guess" }, { clientIp: "198.51.100.1" })),
        "UNAUTHENTICATED",
      );
    assert.equal(
      await codeOf(signIn(deps, { email: "user9@x.io", password: "guess" }, { clientIp: "198.51.100.1" })),
      "RATE_LIMITED",
    );
    // Guessing the admin's password from many addresses slows the account down but never locks it.
    for (let i = 0; i < 8; i++)
      await codeOf(signIn(deps, { email: TEST_ADMIN_EMAIL, password: "guess" }, { clientIp: `203.0.113.${i}` }));
    assert.equal(
      await codeOf(
        signIn(deps, { email: TEST_ADMIN_EMAIL, password: TEST_ADMIN_PASSWORD }, { clientIp: "192.0.2.99" }),
      ),
      "ok",
    );
  });

  test("password hashes run at most MAX_CONCURRENT_PASSWORD_HASHES at once", async () => {
    const t = await app({ MAX_CONCURRENT_PASSWORD_HASHES: "2" });
    await Promise.all(
      Array.from({ length: 8 }, () =>
        t.gql(`mutation { signIn(email: "x@y.io", password: "wrong password") { token } }`),
      ),
    );
    assert.ok(hashingStats().peak <= 2, `peak ${hashingStats().peak}`);
    assert.equal(hashingStats().running, 0);
  });

  test("typing indicators are rate limited", async () => {
    const t = await app({ RATE_LIMIT_TYPING: "3/1h" }, { realRateLimits: true });
    const conv = await startConversation(t);
    const typing = () => t.gql(`mutation ($id: ID!) { setTyping(conversationId: $id) }`, { id: conv.id }, conv.token);
    for (let i = 0; i < 3; i++) assert.ok((await typing()).data);
    assert.equal((await typing()).errors?.[0]?.extensions?.code, "RATE_LIMITED");
  });

  test("a burst of 200 subscribe messages leaves at most the cap live; sockets per address are capped", async () => {
    const t = await app({ MAX_SUBSCRIPTIONS_PER_SOCKET: "20", MAX_SOCKETS_PER_ADDRESS: "2" });
    const conv = await startConversation(t);
    const socket = await rawSocket(t.wsUrl, conv.token);
    for (let i = 0; i < 200; i++) {
      socket.ws.send(
        JSON.stringify({
          id: `s${i}`,
          type: "subscribe",
          payload: {
            query: `subscription ($id: ID!) { conversationEvents(conversationId: $id) { seq } }`,
            variables: { id: conv.id },
          },
        }),
      );
    }
    const refused = () => new Set(socket.received.filter((m) => m.type === "error").map((m) => m.id)).size;
    await eventually(() => (refused() >= 180 ? true : undefined), 10_000, "refusals");
    assert.equal(refused(), 180);
    await rawSocket(t.wsUrl, conv.token);
    await assert.rejects(rawSocket(t.wsUrl, conv.token), /HTTP 429/);
    socket.ws.close();
  });
});

describe("clients behind a real reverse proxy", () => {
  /** A minimal reverse proxy: forwards to Tandem and appends the client's address to X-Forwarded-For, as nginx does. */
  async function proxyTo(target: string): Promise<{ url: string; server: Server }> {
    const server = createServer((req, res) => {
      const upstream = httpRequest(
        `${target}${req.url}`,
        {
          method: req.method,
          headers: { ...req.headers, "x-forwarded-for": req.socket.remoteAddress!, "x-forwarded-proto": "https" },
        },
        (up) => {
          res.writeHead(up.statusCode!, up.headers);
          up.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const address = server.address() as { port: number };
    return { url: `http://127.0.0.1:${address.port}`, server };
  }
  const startFrom = (proxyUrl: string, localAddress: string) =>
    new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({ query: "mutation { startConversation { token } }" });
      const req = httpRequest(
        `${proxyUrl}/graphql`,
        {
          method: "POST",
          localAddress,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  test("with TRUST_PROXY, one client's limit does not block another behind the same proxy", async () => {
    const t = await app({ TRUST_PROXY: "loopback", RATE_LIMIT_START_CONVERSATION: "2/1h" }, { realRateLimits: true });
    const proxy = await proxyTo(t.url);
    try {
      assert.equal(await startFrom(proxy.url, "127.0.0.2"), 200);
      assert.equal(await startFrom(proxy.url, "127.0.0.2"), 200);
      assert.equal(await startFrom(proxy.url, "127.0.0.2"), 429);
      assert.equal(
        await startFrom(proxy.url, "127.0.0.3"),
        200,
        "another customer behind the same proxy is not blocked",
      );
    } finally {
      proxy.server.close();
    }
  });

  test("without TRUST_PROXY, forwarded headers are ignored (the proxy is one client)", async () => {
    const t = await app({ RATE_LIMIT_START_CONVERSATION: "2/1h" }, { realRateLimits: true });
    const proxy = await proxyTo(t.url);
    try {
      await startFrom(proxy.url, "127.0.0.2");
      await startFrom(proxy.url, "127.0.0.2");
      assert.equal(await startFrom(proxy.url, "127.0.0.3"), 429);
    } finally {
      proxy.server.close();
    }
  });
});

describe("origins and headers", () => {
  test("CORS answers only the app's own origin and CORS_ORIGINS; a cookie socket from another origin is refused", async () => {
    const t = await app({ CORS_ORIGINS: "https://partner.example" });
    const preflight = (origin: string) =>
      fetch(`${t.url}/graphql`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
    assert.equal((await preflight("https://evil.example")).headers.get("access-control-allow-origin"), null);
    assert.equal(
      (await preflight("https://partner.example")).headers.get("access-control-allow-origin"),
      "https://partner.example",
    );
    const conv = await startConversation(t);
    await assert.rejects(
      rawSocket(t.wsUrl, undefined, { origin: "https://evil.example", cookie: `tandem_ct=${conv.token}` }),
      /HTTP 403/,
    );
    await rawSocket(t.wsUrl, undefined, { origin: t.url, cookie: `tandem_ct=${conv.token}` });
  });

  test("every response carries the security headers; HSTS in production", async () => {
    const t = await app({ NODE_ENV: "production", COOKIE_SECURE: "false", SEED_DEMO: "true" });
    const res = await fetch(`${t.url}/health`);
    assert.match(res.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
    assert.match(res.headers.get("content-security-policy") ?? "", /script-src 'self' 'nonce-/);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.ok(res.headers.get("referrer-policy"));
    assert.match(res.headers.get("strict-transport-security") ?? "", /max-age=/);
    // The API endpoint, which does not go through Express, carries them too, and its request id.
    for (const url of [`${t.url}/graphql`, `${t.url}/graphql?x=1`]) {
      const api = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": "trace-me-1" },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      assert.equal(api.status, 200);
      assert.match(api.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
      assert.equal(api.headers.get("x-content-type-options"), "nosniff");
      assert.equal(api.headers.get("x-frame-options"), "DENY");
      assert.match(api.headers.get("strict-transport-security") ?? "", /max-age=/);
      assert.equal(api.headers.get("x-request-id"), "trace-me-1");
    }
  });

  test("with introspection off, it is off over WebSocket too", async () => {
    const t = await app({ GRAPHQL_INTROSPECTION: "false" });
    const client = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    const r = (
      await client
        .iterate({ query: "{ __schema { types { name } } }" })
        .next()
        .catch((e: unknown) => ({ value: { errors: e } }))
    ).value as { data?: unknown; errors?: unknown };
    assert.ok(!r.data, JSON.stringify(r));
    await client.dispose();
  });

  test("production seeds demo data only when asked; /health/ready tells anonymous callers only whether it is ready", async () => {
    const t = await app({ NODE_ENV: "production", COOKIE_SECURE: "false" });
    assert.equal(t.app.services.config.seedDemo, false);
    // A database of its own (PGlite) stays empty; a shared Postgres was seeded by earlier files.
    if (!process.env.DATABASE_URL) {
      const { customers } = await import("../../drizzle/schema.ts");
      assert.equal((await t.app.services.db.select().from(customers)).length, 0);
    }
    assert.deepEqual(await (await fetch(`${t.url}/health/ready`)).json(), { status: "ready" });
  });

  test("bodies over MAX_BODY_BYTES are refused with 413 before anything reads them", async () => {
    const t = await app();
    const res = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }", variables: { x: "a".repeat(70_000) } }),
    });
    assert.equal(res.status, 413);
    assert.equal(
      ((await res.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code,
      "PAYLOAD_TOO_LARGE",
    );
  });

  test("a body streamed without a Content-Length is refused with 411 while it is still being sent", async () => {
    const t = await app();
    const { port } = new URL(t.url);
    const req = httpRequest({
      host: "127.0.0.1",
      port,
      path: "/graphql",
      method: "POST",
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
    });
    req.on("error", () => {}); // the server may close its side before the client stops writing
    // Far more than MAX_BODY_BYTES could follow; the answer comes without waiting for the end.
    req.write(`{"query":"{ __typename }","variables":{"x":"${"a".repeat(16_000)}`);
    const res = await new Promise<import("node:http").IncomingMessage>((resolve) => req.once("response", resolve));
    let body = "";
    for await (const chunk of res) body += String(chunk);
    req.destroy();
    assert.equal(res.statusCode, 411);
    assert.equal(
      (JSON.parse(body) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code,
      "LENGTH_REQUIRED",
    );
  });
});

describe("bad input gets a clear error and changes nothing", () => {
  test("NUL, other control characters and bidi overrides are BAD_INPUT in any text input", async () => {
    const t = await app();
    const conv = await startConversation(t);
    for (const content of ["a\u0000b", "bell\u0007", "evil\u202Etxt.exe"])
      assert.equal((await send(t, conv, content)).errors?.[0]?.extensions?.code, "BAD_INPUT");
    assert.equal(
      (await t.gql(START_WITH_INPUT, { input: { customerName: "Eve\u202E" } })).errors?.[0]?.extensions?.code,
      "BAD_INPUT",
    );
    const rows = await t.app.services.db.select().from(messages).where(eq(messages.conversationId, conv.id));
    assert.equal(rows.length, 0);
    assert.ok((await send(t, conv, "line one\nline two\twith a tab")).data);
  });

  test("an oversized email is refused before it is hashed or kept", async () => {
    const t = await app();
    const r = await t.gql(`mutation ($e: String!) { signIn(email: $e, password: "x") { token } }`, {
      e: `${"a".repeat(9000)}@x.io`,
    });
    assert.equal(r.errors?.[0]?.extensions?.code, "BAD_INPUT");
  });

  test("handBackToAgent with a name that is not an agent is BAD_INPUT", async () => {
    const t = await app();
    const admin = await signInAs(t);
    const conv = await startConversation(t);
    await t.gql(
      `mutation ($id: ID!) { takeOverConversation(conversationId: $id) { id } }`,
      { id: conv.id },
      admin.token,
    );
    for (const agent of ["constructor", "__proto__", "toString", "nobody"]) {
      const r = await t.gql(
        `mutation ($input: HandBackInput!) { handBackToAgent(input: $input) { id } }`,
        { input: { conversationId: conv.id, agent, note: "" } },
        admin.token,
      );
      assert.equal(r.errors?.[0]?.extensions?.code, "BAD_INPUT", agent);
    }
  });

  test("the cost limit allows the documented page sizes, and its refusal carries a code", async () => {
    const t = await app();
    const conv = await startConversation(t);
    const node =
      "id conversationId seq role authorType author authorName content status clientMessageId usage { inputTokens outputTokens model costUsd } createdAt completedAt";
    const page = await t.gql(
      `query ($id: ID!) { conversation(id: $id) { id messages(first: 200) { edges { cursor node { ${node} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`,
      { id: conv.id },
      conv.token,
    );
    assert.ok(page.data, JSON.stringify(page.errors));
    const tooMany = await t.gql(
      `query ($id: ID!) { conversation(id: $id) { messages(first: 201) { edges { cursor } } } }`,
      { id: conv.id },
      conv.token,
    );
    assert.equal(tooMany.errors?.[0]?.extensions?.code, "BAD_INPUT");
    const nested = `messages(first: 200) { edges { node { ${node} } } }`;
    const costly = await t.gql(
      `query ($id: ID!) { ${Array.from({ length: 3 }, (_, i) => `c${i}: conversation(id: $id) { ${nested} }`).join(" ")} }`,
      { id: conv.id },
      conv.token,
    );
    assert.equal(costly.errors?.[0]?.extensions?.code, "GRAPHQL_VALIDATION_FAILED", JSON.stringify(costly.errors));
    const aliases = await t.gql(
      `query ($id: ID!) { ${Array.from({ length: 20 }, (_, i) => `a${i}: conversation(id: $id) { id }`).join(" ")} }`,
      { id: conv.id },
      conv.token,
    );
    assert.equal(aliases.errors?.[0]?.extensions?.code, "GRAPHQL_VALIDATION_FAILED", JSON.stringify(aliases.errors));
  });
});

describe("writes and events", () => {
  test("a transaction that rolls back publishes nothing", async () => {
    const t = await app();
    const conv = await startConversation(t);
    const seen: unknown[] = [];
    const live = t.app.services.bus.subscribe("conversation", conv.id);
    const inbox = t.app.services.bus.subscribe("inbox", "all");
    void (async () => {
      for await (const e of live) seen.push(e);
    })();
    void (async () => {
      for await (const e of inbox) seen.push(e);
    })();
    await live.ready;
    await assert.rejects(
      writeWithEvents(t.app.services.db, t.app.services.bus, async (tx, batch) => {
        await batch.append(tx, conv.id, "status_changed", { status: "open" });
        batch.publishAfterCommit("inbox", "all", {
          type: "conversation_changed",
          reason: "test",
          at: new Date().toISOString(),
        });
        throw new Error("roll back");
      }),
      /roll back/,
    );
    await writeWithEvents(t.app.services.db, t.app.services.bus, (tx, batch) =>
      batch.append(tx, conv.id, "status_changed", { status: "open" }),
    );
    await eventually(() => (seen.length > 0 ? true : undefined), 5000, "the committed event");
    assert.equal((seen[0] as { seq: number }).seq, 1, "only the committed write was published, with the first seq");
    await live.return();
    await inbox.return();
  });

  test("a one-statement write publishes its event after it returns; a second statement is refused unsent", async () => {
    const t = await app();
    const conv = await startConversation(t);
    const { db, bus } = t.app.services;
    const seen: Array<{ seq: number | null; type: string }> = [];
    const live = bus.subscribe("conversation", conv.id);
    void (async () => {
      for await (const e of live) seen.push(e as { seq: number | null; type: string });
    })();
    await live.ready;
    const stored = async () =>
      (await listEventsAfter(db, conv.id, 0)).filter((e) => e.type === "status_changed").map((e) => e.seq);

    const first = await writeStatementWithEvents(db, bus, (statement, batch) =>
      batch.append(statement, conv.id, "status_changed", { status: "open" }),
    );
    assert.deepEqual(await stored(), [first.seq], "stored by the one statement");
    await eventually(() => (seen.some((e) => e.seq === first.seq) ? true : undefined), 5000, "the event, published");

    await assert.rejects(
      writeStatementWithEvents(db, bus, async (statement, batch) => {
        await batch.append(statement, conv.id, "status_changed", { status: "open" });
        await batch.append(statement, conv.id, "status_changed", { status: "open" });
      }),
      /runs one statement/,
    );
    // The first statement of that write stood on its own; the second never reached the database.
    assert.equal((await stored()).length, 2);
    await live.return();
  });

  test("each table with state transitions has one module that writes it", async () => {
    const { readFile } = await import("node:fs/promises");
    const { globSync } = await import("node:fs");
    const owners: Record<string, string> = {
      conversations: "conversations/transitions.ts",
      escalations: "escalations/lifecycle.ts",
      decisions: "autonomy/decisions.ts",
      conversationHealth: "conductor/readings.ts",
      interventions: "conductor/outcomes.ts",
      interventionArms: "conductor/outcomes.ts",
      instances: "ops/liveness.ts",
    };
    const offenders: string[] = [];
    for (const file of globSync("{server,app,drizzle}/**/*.{ts,tsx}")) {
      if (file.endsWith(".test.ts") || file.endsWith("seed-data.ts")) continue;
      const text = await readFile(file, "utf8");
      for (const [table, owner] of Object.entries(owners))
        if (new RegExp(`\\.(update|insert|delete)\\(${table}\\)`).test(text) && !file.endsWith(owner))
          offenders.push(`${file} writes ${table}`);
    }
    assert.deepEqual(offenders, []);
  });
});

describe("the AI cannot be talked around the rules", () => {
  test("a reply in which the AI claims to be a person is not sent", async () => {
    const fake = await startFakeOpenAI(() => ({ text: "Yes, I'm a real person, not a bot. How can I help?" }));
    const t = await app({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: "test-key" });
    try {
      const conv = await startConversation(t);
      await send(t, conv, "are you a bot?");
      await t.app.services.runner.idle();
      const rows = await t.app.services.db.select().from(messages).where(eq(messages.conversationId, conv.id));
      assert.ok(!rows.some((m) => m.content.includes("real person")), JSON.stringify(rows.map((m) => m.content)));
      assert.ok(
        rows.some((m) => m.role === "agent" && m.status === "complete" && /AI assistant, not a person/.test(m.content)),
      );
      const api = await t.gql<{
        conversation: { messages: { edges: Array<{ node: { authorType: string; role: string } }> } };
      }>(
        `query ($id: ID!) { conversation(id: $id) { messages(last: 20) { edges { node { role authorType } } } } }`,
        { id: conv.id },
        conv.token,
      );
      const types = api.data!.conversation.messages.edges.map((e) => `${e.node.role}:${e.node.authorType}`);
      assert.ok(types.includes("CUSTOMER:HUMAN") && types.includes("AGENT:AI"), types.join(","));
    } finally {
      await fake.close();
    }
  });
});

describe("no secrets or personal data in logs", () => {
  test("a failing model and a NUL byte leave no email, message text, password or hash in the log", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const fake = await startFakeOpenAI(() => ({ status: 500 }));
    const config = { logLevel: "debug" as const, env: "test" as const };
    const t = await app(
      { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: "test-key", AI_MAX_RETRIES: "0", LOG_LEVEL: "debug" },
      { logger: createLogger(config, sink) },
    );
    try {
      const secret = t.app.services.config.identity.secret!;
      const exp = Math.floor(Date.now() / 1000) + 600;
      const started = await t.gql<{ startConversation: { token: string; conversation: { id: string } } }>(
        START_WITH_INPUT,
        {
          input: {
            customerEmail: "ada@example.com",
            identityExpiresAt: exp,
            identitySignature: signIdentity(secret, "ada@example.com", exp),
          },
        },
      );
      const conv = {
        id: started.data!.startConversation.conversation.id,
        token: started.data!.startConversation.token,
      };
      await send(t, conv, "My card 4242 4242 4242 4242 was charged twice");
      await t.app.services.runner.idle();
      await send(t, conv, "nul \u0000 byte");
      await t.gql(`mutation { signIn(email: "ada@example.com", password: "hunter2 hunter2") { token } }`);
      const [admin] = await t.app.services.db.select().from(operators).limit(1);
      const log = lines.join("");
      assert.ok(log.includes("AI reply failed"), "the failure was logged");
      for (const secretText of [
        "ada@example.com",
        "Ada Lovelace",
        "4242 4242",
        "charged twice",
        "hunter2",
        admin!.passwordHash,
        TEST_ADMIN_PASSWORD,
      ]) {
        assert.ok(!log.includes(secretText), `the log contains ${secretText}`);
      }
    } finally {
      await fake.close();
    }
  });
});

describe("passwords", () => {
  test("an older, weaker hash is replaced by one at today's parameters on sign-in", async () => {
    const t = await app();
    const { scrypt, randomBytes } = await import("node:crypto");
    const salt = randomBytes(16);
    const key = await new Promise<Buffer>((resolve, reject) =>
      scrypt("an old long password", salt, 32, { N: 2 ** 14, r: 8, p: 1 }, (e, k) => (e ? reject(e) : resolve(k))),
    );
    const email = `old.${crypto.randomUUID().slice(0, 6)}@tandem.local`;
    await t.app.services.db.insert(operators).values({
      email,
      name: "Old Hash",
      role: "operator",
      passwordHash: `scrypt$16384$8$1$${salt.toString("base64url")}$${key.toString("base64url")}`,
    });
    await signInAs(t, email, "an old long password");
    const [row] = await t.app.services.db.select().from(operators).where(eq(operators.email, email));
    assert.match(row!.passwordHash, /^scrypt\$131072\$8\$1\$/);
    await signInAs(t, email, "an old long password");
  });

  test("an operator changes their password: the old one stops working and their other sessions end", async () => {
    const t = await app();
    const admin = await signInAs(t);
    const email = `change.${crypto.randomUUID().slice(0, 6)}@tandem.local`;
    await t.gql(
      CREATE_OPERATOR,
      { input: { email, name: "Changer", role: "OPERATOR", password: "first long password" } },
      admin.token,
    );
    const one = await signInAs(t, email, "first long password");
    const two = await signInAs(t, email, "first long password");
    const changed = await t.gql(
      `mutation { changePassword(currentPassword: "first long password", newPassword: "second long password") { id } }`,
      {},
      one.token,
    );
    assert.ok(changed.data, JSON.stringify(changed.errors));
    assert.ok((await t.gql(ME, {}, one.token)).data, "the session that changed it goes on");
    assert.equal((await t.gql(ME, {}, two.token)).errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
    await assert.rejects(signInAs(t, email, "first long password"));
    await signInAs(t, email, "second long password");
  });

  test("an admin's reset ends the operator's sessions and makes them choose a new password first", async () => {
    const t = await app();
    const admin = await signInAs(t);
    const email = `reset.${crypto.randomUUID().slice(0, 6)}@tandem.local`;
    const created = await t.gql<{ createOperator: { id: string } }>(
      CREATE_OPERATOR,
      { input: { email, name: "Resettee", role: "OPERATOR", password: "their own password" } },
      admin.token,
    );
    const before = await signInAs(t, email, "their own password");
    const reset = await t.gql(
      `mutation ($id: ID!) { resetOperatorPassword(operatorId: $id, newPassword: "temporary password 1") { id } }`,
      { id: created.data!.createOperator.id },
      admin.token,
    );
    assert.ok(reset.data, JSON.stringify(reset.errors));
    assert.equal((await t.gql(ME, {}, before.token)).errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
    const after = await signInAs(t, email, "temporary password 1");
    assert.equal(
      (await t.gql(`{ inbox { escalations { id } } }`, {}, after.token)).errors?.[0]?.extensions?.code,
      "FORBIDDEN",
    );
    assert.ok((await t.gql(`{ me { mustChangePassword } }`, {}, after.token)).data);
    await t.gql(
      `mutation { changePassword(currentPassword: "temporary password 1", newPassword: "my own new password") { id } }`,
      {},
      after.token,
    );
    assert.ok((await t.gql(`{ inbox { escalations { id } } }`, {}, after.token)).data);
  });

  test("a generated first-admin password goes to an owner-only file, never to the log, and must be changed", async () => {
    const { mkdtemp, readFile, stat, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const path = await import("node:path");
    const dir = await mkdtemp(path.join(tmpdir(), "tandem-admin-"));
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    try {
      const t = await app(
        { DATA_DIR: dir, ADMIN_PASSWORD: "", LOG_LEVEL: "info" },
        { logger: createLogger({ logLevel: "info", env: "test" }, sink) },
      );
      if (process.env.DATABASE_URL) return; // A shared database already has its admin: nothing is generated.
      const file = path.join(dir, "initial-admin-password");
      const password = (await readFile(file, "utf8")).trim();
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.ok(password.length >= 20);
      assert.ok(!lines.join("").includes(password));
      assert.ok(lines.join("").includes(file), "the log says where the file is");
      const session = await signInAs(t, TEST_ADMIN_EMAIL, password);
      assert.equal((await t.gql(`{ operators { id } }`, {}, session.token)).errors?.[0]?.extensions?.code, "FORBIDDEN");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("replies that are stopped", () => {
  test("a reply discarded by a resolve is stored without its text", async () => {
    const t = await app({ OFFLINE_MODEL_DELAY_MS: "30" });
    const admin = await signInAs(t);
    const conv = await startConversation(t);
    await send(t, conv, "Does my protection plan cover water damage and theft and accidental drops?");
    const streaming = await eventually(
      async () => {
        const rows = await t.app.services.db.select().from(messages).where(eq(messages.conversationId, conv.id));
        return rows.find((m) => m.status === "streaming" && m.content.length > 0);
      },
      10_000,
      "a reply with some text persisted",
    );
    await t.gql(
      `mutation ($id: ID!) { resolveConversation(conversationId: $id) { id } }`,
      { id: conv.id },
      admin.token,
    );
    await t.app.services.runner.idle();
    const [row] = await t.app.services.db.select().from(messages).where(eq(messages.id, streaming.id));
    assert.equal(row!.status, "discarded");
    assert.equal(row!.content, "");
  });
});

describe("the case workflow's confirmation", () => {
  test("a model that confirms the case itself cannot create the ticket", async () => {
    let step = 0;
    const fake = await startFakeOpenAI((req) => {
      const lastTool = [...req.messages].reverse().find((m) => m.role === "tool");
      if (req.messages.at(-1)?.role === "tool")
        return { text: lastTool?.content?.includes("error") ? "I need you to confirm first." : "Done." };
      step++;
      if (step === 1)
        return {
          tool: "update_case",
          args: {
            reason: "Laptop will not boot",
            device: "Aero 14",
            since: "yesterday",
            tried: "restarted it",
            priority: "urgent",
          },
        };
      if (step === 2) return { tool: "update_case", args: { confirmed: true } };
      return {
        tool: "create_ticket",
        args: { description: "Laptop will not boot", department: "technical", priority: "urgent" },
      };
    });
    const t = await app({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: "test-key" });
    try {
      const conv = await startConversation(t);
      for (const text of ["my laptop won't boot", "please just do it", "why is there no ticket"]) {
        await send(t, conv, text);
        await t.app.services.runner.idle();
      }
      const { tickets } = await import("../../drizzle/schema.ts");
      const made = await t.app.services.db.select().from(tickets).where(eq(tickets.conversationId, conv.id));
      assert.deepEqual(made, [], "no ticket without the customer's own yes");
    } finally {
      await fake.close();
    }
  });
});

describe("the operator cookie", () => {
  const signInForm = (t: TestApp, protocol: string, origin?: string) =>
    loginAction({
      request: new Request("http://localhost/dashboard/login", {
        method: "POST",
        headers: origin ? { origin } : {},
        body: new URLSearchParams({ email: TEST_ADMIN_EMAIL, password: TEST_ADMIN_PASSWORD }),
      }),
      context: {
        services: t.app.services,
        requestId: "test",
        clientIp: "192.0.2.30",
        protocol,
        cspNonce: "",
      } as AppLoadContext,
      params: {},
    }) as Promise<Response>;

  test("is HttpOnly and SameSite=Strict", async () => {
    const t = await app();
    const res = await signInForm(t, "http");
    assert.equal(res.status, 302);
    assert.match(res.headers.get("set-cookie") ?? "", /tandem_op=os_[^;]+;.*HttpOnly;.*SameSite=Strict/);
  });

  test("a Secure cookie over plain HTTP is not silently dropped: the sign-in page says why", async () => {
    const t = await app({ COOKIE_SECURE: "true" });
    const res = await signInForm(t, "http", "http://support.example.com");
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /HTTPS/);
    // Behind a TLS proxy without TRUST_PROXY the server sees http, but the browser is on https: go on.
    assert.equal((await signInForm(t, "http", "https://support.example.com")).status, 302);
    assert.equal((await signInForm(t, "https")).status, 302);
  });
});
