/**
 * API keys over the real transports: created by admins with the secret shown once and only its
 * hash stored, scopes enforced by the domain, revocation closing open sockets at once, expiry,
 * per-key rate limits with their headers, and every use in the audit trail.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import { apiKeys, conversations } from "../../drizzle/schema.ts";
import { hashToken } from "../../server/auth/tokens.ts";
import { createTicket } from "../../server/tickets/service.ts";
import { startConversation, startTestApp, type TestApp } from "../support/app.ts";
import { newOperator, signInAs } from "../support/operators.ts";
import { rawSocket, within } from "../support/sockets.ts";

const CREATE_KEY = /* GraphQL */ `
  mutation ($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      secret
      apiKey {
        id
        name
        prefix
        scopes
        rateLimitPerMinute
        createdByName
        expiresAt
        active
      }
    }
  }
`;
const LIST_KEYS = `{ apiKeys { id name prefix scopes lastUsedAt revokedAt active } }`;
const REVOKE = `mutation ($id: ID!) { revokeApiKey(id: $id) { id active revokedAt } }`;
const TICKETS = `{ tickets { id contactEmail requester } }`;
const UPDATE_TICKET = `mutation ($id: ID!) { updateTicket(id: $id, input: { status: IN_PROGRESS, note: "Synced from the CRM" }) { id status audit { actorName action } } }`;

let t: TestApp;
let admin: string;
let ticketId: string;

before(async () => {
  t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "0" });
  admin = (await signInAs(t)).token;
  const conv = await startConversation(t, "Key Tester");
  await t.app.services.db
    .update(conversations)
    .set({ contactEmail: "key.tester@example.com" })
    .where(eq(conversations.id, conv.id));
  const ticket = await createTicket(t.app.services.db, {
    customerId: null,
    conversationId: conv.id,
    department: "technical",
    priority: "medium",
    subject: "Router keeps dropping",
    description: "Made for the API key tests.",
    actor: "system",
  });
  ticketId = ticket.id;
});
after(() => t.close());

async function newKey(scopes: string[], extra: Record<string, unknown> = {}) {
  const r = await t.gql<{ createApiKey: { secret: string; apiKey: { id: string; prefix: string; scopes: string[] } } }>(
    CREATE_KEY,
    { input: { name: `Test ${scopes.join("+")}`, scopes, ...extra } },
    admin,
  );
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.createApiKey;
}

describe("creating and listing keys", () => {
  test("an admin gets the secret once; only its hash is stored and lists show the prefix", async () => {
    const created = await newKey(["TICKETS_READ", "DECISIONS_READ"]);
    assert.match(created.secret, /^tdm_[A-Za-z0-9_-]{43}$/);
    assert.ok(created.secret.startsWith(created.apiKey.prefix));
    assert.deepEqual(created.apiKey.scopes, ["TICKETS_READ", "DECISIONS_READ"]);
    const [row] = await t.app.services.db.select().from(apiKeys).where(eq(apiKeys.id, created.apiKey.id));
    assert.equal(row!.secretHash, hashToken(created.secret));
    assert.ok(!JSON.stringify(row).includes(created.secret), "the secret itself is stored nowhere");
    const listed = await t.gql<{ apiKeys: Array<Record<string, unknown>> }>(LIST_KEYS, {}, admin);
    const mine = listed.data!.apiKeys.find((k) => k.id === created.apiKey.id)!;
    assert.equal(mine.prefix, created.apiKey.prefix);
    assert.ok(!JSON.stringify(listed.data).includes(created.secret));
  });

  test("only admins create keys, and bad input changes nothing", async () => {
    const before = (await t.app.services.db.select().from(apiKeys)).length;
    const operator = await newOperator(t, "Key Operator");
    const customer = await startConversation(t);
    const input = { name: "Nope", scopes: ["TICKETS_READ"] };
    assert.equal((await t.gql(CREATE_KEY, { input }, operator.token)).errors?.[0]?.extensions?.code, "FORBIDDEN");
    assert.equal((await t.gql(CREATE_KEY, { input }, customer.token)).errors?.[0]?.extensions?.code, "FORBIDDEN");
    assert.equal((await t.gql(CREATE_KEY, { input })).errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
    const bad = [
      { name: "No scopes", scopes: [] },
      { name: " ", scopes: ["TICKETS_READ"] },
      { name: "Past", scopes: ["TICKETS_READ"], expiresAt: "2001-01-01T00:00:00Z" },
      { name: "Not a date", scopes: ["TICKETS_READ"], expiresAt: "tomorrow" },
      { name: "Zero rate", scopes: ["TICKETS_READ"], rateLimitPerMinute: 0 },
    ];
    for (const input of bad) {
      const r = await t.gql(CREATE_KEY, { input }, admin);
      assert.equal(r.errors?.[0]?.extensions?.code, "BAD_INPUT", JSON.stringify(input));
    }
    const unknownScope = await t.gql(CREATE_KEY, { input: { name: "x", scopes: ["EVERYTHING"] } }, admin);
    assert.equal(unknownScope.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
    assert.equal((await t.app.services.db.select().from(apiKeys)).length, before);
  });
});

describe("scopes", () => {
  test("a tickets:read key reads tickets but cannot change them or act as a person", async () => {
    const { secret } = await newKey(["TICKETS_READ"]);
    const read = await t.gql<{ tickets: Array<{ id: string; contactEmail: string | null }> }>(TICKETS, {}, secret);
    assert.equal(read.status, 200);
    const mine = read.data!.tickets.find((x) => x.id === ticketId)!;
    assert.equal(mine.contactEmail, null, "no customers:read: the customer's email stays hidden");
    const write = await t.gql(UPDATE_TICKET, { id: ticketId }, secret);
    assert.equal(write.errors?.[0]?.extensions?.code, "FORBIDDEN");
    assert.match(write.errors![0]!.message, /tickets:write/);
    const me = await t.gql(`{ me { id } }`, {}, secret);
    assert.equal(me.errors?.[0]?.extensions?.code, "FORBIDDEN");
    const conversations = await t.gql(`{ conversations(first: 1) { customerName } }`, {}, secret);
    assert.equal(conversations.errors?.[0]?.extensions?.code, "FORBIDDEN");
  });

  test("customers:read reveals who the customer is; a change by a key is attributed to it", async () => {
    const { secret } = await newKey(["TICKETS_READ", "TICKETS_WRITE", "CUSTOMERS_READ"]);
    const read = await t.gql<{ tickets: Array<{ id: string; contactEmail: string | null }> }>(TICKETS, {}, secret);
    assert.equal(read.data!.tickets.find((x) => x.id === ticketId)!.contactEmail, "key.tester@example.com");
    const write = await t.gql<{
      updateTicket: { status: string; audit: Array<{ actorName: string; action: string }> };
    }>(UPDATE_TICKET, { id: ticketId }, secret);
    assert.equal(write.data?.updateTicket.status, "IN_PROGRESS", JSON.stringify(write.errors));
    assert.equal(
      write.data!.updateTicket.audit[0]!.actorName,
      "Test TICKETS_READ+TICKETS_WRITE+CUSTOMERS_READ (API key)",
    );
  });

  test("the admin scope manages keys but still cannot act as a person", async () => {
    const { secret } = await newKey(["ADMIN"]);
    const child = await t.gql<{ createApiKey: { apiKey: { createdByName: string } } }>(
      CREATE_KEY,
      { input: { name: "Made by a key", scopes: ["TICKETS_READ"] } },
      secret,
    );
    assert.equal(child.data?.createApiKey.apiKey.createdByName, "Test ADMIN (API key)");
    const claim = await t.gql(`mutation { setAvailability(availability: ONLINE) { id } }`, {}, secret);
    assert.equal(claim.errors?.[0]?.extensions?.code, "FORBIDDEN");
  });
});

describe("revocation, expiry and limits", () => {
  test("revoking a key closes its open socket with 4403 at once and refuses its next request", async () => {
    const created = await newKey(["CONVERSATIONS_READ"]);
    const socket = await rawSocket(t.wsUrl, undefined, {}, { apiKey: created.secret });
    socket.ws.send(
      JSON.stringify({ id: "1", type: "subscribe", payload: { query: "subscription { inboxEvents { type } }" } }),
    );
    const ok = await t.gql(`{ conversations(first: 1) { customerName } }`, {}, created.secret);
    assert.equal(ok.status, 200, JSON.stringify(ok.errors));
    const revoked = await t.gql<{ revokeApiKey: { active: boolean } }>(REVOKE, { id: created.apiKey.id }, admin);
    assert.equal(revoked.data!.revokeApiKey.active, false);
    assert.equal(await within(socket.closed, 5000, "the key's socket to close"), 4403);
    const refused = await t.gql(`{ conversations(first: 1) { customerName } }`, {}, created.secret);
    assert.equal(refused.status, 401);
    assert.equal(refused.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
  });

  test("an expired key is refused", async () => {
    const created = await newKey(["TICKETS_READ"]);
    await t.app.services.db
      .update(apiKeys)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiKeys.id, created.apiKey.id));
    const r = await t.gql(TICKETS, {}, created.secret);
    assert.equal(r.status, 401);
  });

  test("a key's own limit answers 429 with Retry-After and RateLimit headers", async () => {
    const { secret } = await newKey(["TICKETS_READ"], { rateLimitPerMinute: 3 });
    const call = () =>
      fetch(`${t.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
        body: JSON.stringify({ query: "{ tickets { id } }" }),
      });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call();
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("ratelimit-limit"), "3");
      remaining.push(res.headers.get("ratelimit-remaining")!);
    }
    assert.deepEqual(remaining, ["2", "1", "0"]);
    const limited = await call();
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get("retry-after")) >= 1);
    assert.equal(limited.headers.get("ratelimit-remaining"), "0");
    const body = (await limited.json()) as { errors: Array<{ extensions: { code: string } }> };
    assert.equal(body.errors[0]!.extensions.code, "RATE_LIMITED");
  });

  test("every use is in the key's audit trail, with its operation and address", async () => {
    const created = await newKey(["TICKETS_READ"]);
    await t.gql(`query SyncTickets { tickets { id } }`, {}, created.secret);
    await t.gql(`{ tickets { id } }`, {}, created.secret);
    const uses = await t.gql<{ apiKeyUses: Array<{ operationType: string; operation: string; clientIp: string }> }>(
      `query ($id: ID!) { apiKeyUses(id: $id) { operationType operation clientIp requestId at } }`,
      { id: created.apiKey.id },
      admin,
    );
    assert.deepEqual(uses.data!.apiKeyUses.map((u) => `${u.operationType} ${u.operation}`).sort(), [
      "query SyncTickets",
      "query tickets",
    ]);
    assert.ok(uses.data!.apiKeyUses.every((u) => u.clientIp.length > 0));
    const listed = await t.gql<{ apiKeys: Array<{ id: string; lastUsedAt: string | null }> }>(LIST_KEYS, {}, admin);
    assert.ok(listed.data!.apiKeys.find((k) => k.id === created.apiKey.id)!.lastUsedAt);
  });
});
