/**
 * Outbound webhooks against a real receiver on localhost that verifies every signature: events
 * from the durable outbox arrive signed and at least once, failures are retried with backoff, a
 * persistently failing endpoint is turned off, redelivery repeats the event id, and events
 * written before a restart of Tandem still arrive after it.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test, type TestContext } from "node:test";
import { inArray } from "drizzle-orm";
import { webhookEndpoints } from "../../drizzle/schema.ts";
import { eventually, send, startConversation, startTestApp, type TestApp } from "../support/app.ts";
import { signInAs } from "../support/operators.ts";
import { startReceiver } from "../support/webhook-receiver.ts";

const SECRET = "whsec_receiver_secret_0123456789abcdef";
const FAST = { OFFLINE_MODEL_DELAY_MS: "0", WEBHOOK_POLL_MS: "20", WEBHOOK_RETRY_BASE_MS: "40" };
const CREATE = /* GraphQL */ `
  mutation ($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) {
      secret
      endpoint {
        id
        url
        events
        enabled
      }
    }
  }
`;
const DELIVERIES = /* GraphQL */ `
  query ($id: ID!) {
    webhookDeliveries(endpointId: $id) {
      id
      eventId
      eventType
      status
      attempts
      lastStatusCode
      lastError
    }
  }
`;
type Delivery = {
  id: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
};

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/**
 * An app for one test, closed when that test ends: on a shared Postgres, an earlier test's
 * dispatcher (with other settings) would otherwise take this test's deliveries.
 */
async function app(ctx: TestContext, env: Record<string, string> = {}) {
  const t = await startTestApp({ ...FAST, ...env });
  ctx.after(async () => {
    // On a database shared with other test files, nobody else's events should go on being sent here.
    if (madeEndpoints.length)
      await t.app.services.db.delete(webhookEndpoints).where(inArray(webhookEndpoints.id, madeEndpoints));
    await t.close();
  });
  return t;
}
const madeEndpoints: string[] = [];

async function receiver() {
  const r = await startReceiver(SECRET);
  cleanups.push(r.close);
  return r;
}

async function endpoint(t: TestApp, admin: string, url: string, events: string[]) {
  const r = await t.gql<{ createWebhookEndpoint: { secret: string; endpoint: { id: string } } }>(
    CREATE,
    { input: { url, events, secret: SECRET } },
    admin,
  );
  assert.ok(r.data, JSON.stringify(r.errors));
  const id = r.data.createWebhookEndpoint.endpoint.id;
  madeEndpoints.push(id);
  return id;
}

const deliveries = async (t: TestApp, admin: string, id: string) =>
  (await t.gql<{ webhookDeliveries: Delivery[] }>(DELIVERIES, { id }, admin)).data!.webhookDeliveries;

describe("delivery", () => {
  test("subscribed events arrive signed, once each, with their event id; others are not sent", async (ctx) => {
    const t = await app(ctx);
    const admin = (await signInAs(t)).token;
    const hook = await receiver();
    await endpoint(t, admin, hook.url, [
      "CONVERSATION_CREATED",
      "MESSAGE_CREATED",
      "ESCALATION_CREATED",
      "ESCALATION_CLAIMED",
    ]);

    const conv = await startConversation(t, "Webhook Wendy");
    const sent = (await send(t, conv, "I want to talk to a person")).data!.sendMessage.message;
    await t.app.services.runner.idle();
    const escalation = await eventually(
      () => hook.received.find((e) => e.type === "escalation.created" && e.data.conversationId === conv.id),
      10_000,
      "escalation.created",
    );
    await t.gql(`mutation ($id: ID!) { claimEscalation(id: $id) { id } }`, { id: escalation.data.escalationId }, admin);
    await eventually(
      () => hook.received.find((e) => e.type === "escalation.claimed" && e.data.conversationId === conv.id),
      10_000,
      "escalation.claimed",
    );

    const mine = hook.received.filter((e) => e.data.conversationId === conv.id);
    assert.ok(
      mine.every((e) => e.signatureValid),
      "every delivery verifies",
    );
    assert.ok(mine.every((e) => e.headers.eventId === e.id && e.headers.eventType === e.type));
    assert.equal(new Set(mine.map((e) => e.id)).size, mine.length, "each event once");
    const types = new Set(mine.map((e) => e.type));
    for (const type of ["conversation.created", "message.created", "escalation.created", "escalation.claimed"])
      assert.ok(types.has(type), `${type} arrived`);
    const customerLine = mine.find(
      (e) => e.type === "message.created" && (e.data.message as { role: string }).role === "customer",
    );
    // The message as a receiver sees it, with the seq its own statement allocated.
    const { createdAt, ...line } = customerLine!.data.message as Record<string, unknown>;
    assert.deepEqual(line, {
      id: sent.id,
      seq: sent.seq,
      role: "customer",
      authorType: "human",
      authorName: "Webhook Wendy",
      content: "I want to talk to a person",
    });
    assert.equal(createdAt, customerLine!.createdAt, "the event is as old as its message");
    assert.ok(!types.has("ticket.created") && !types.has("decision.proposed"), "unsubscribed types are not sent");
  });

  test("a failing receiver is retried with backoff until it answers; the log shows each attempt's code", async (ctx) => {
    const t = await app(ctx);
    const admin = (await signInAs(t)).token;
    const hook = await receiver();
    const id = await endpoint(t, admin, hook.url, ["CONVERSATION_CREATED"]);
    hook.state.failNext = 3;
    const conv = await startConversation(t, "Retry Rita");
    const arrived = await eventually(
      () => hook.received.find((e) => e.data.conversationId === conv.id),
      10_000,
      "the event after three failures",
    );
    const tries = hook.attempts.filter((a) => a.eventId === arrived.id);
    assert.deepEqual(
      tries.map((a) => a.status),
      [500, 500, 500, 200],
    );
    const [delivery] = (await deliveries(t, admin, id)).filter((d) => d.eventId === arrived.id);
    assert.equal(delivery!.status, "DELIVERED");
    assert.equal(delivery!.attempts, 4);
    assert.equal(delivery!.lastStatusCode, 200);
  });

  test("redelivering sends the same event id again", async (ctx) => {
    const t = await app(ctx);
    const admin = (await signInAs(t)).token;
    const hook = await receiver();
    const id = await endpoint(t, admin, hook.url, ["CONVERSATION_CREATED"]);
    const conv = await startConversation(t, "Again Anna");
    const first = await eventually(() => hook.received.find((e) => e.data.conversationId === conv.id), 10_000, "event");
    const [delivery] = (await deliveries(t, admin, id)).filter((d) => d.eventId === first.id);
    const again = await t.gql(
      `mutation ($id: ID!) { redeliverWebhook(deliveryId: $id) { id status } }`,
      { id: delivery!.id },
      admin,
    );
    assert.equal(again.errors, undefined, JSON.stringify(again.errors));
    await eventually(
      () => (hook.received.filter((e) => e.id === first.id).length === 2 ? true : undefined),
      10_000,
      "the redelivery",
    );
  });

  test("an endpoint that keeps failing is given up on and turned off, with the reason", async (ctx) => {
    const t = await app(ctx, { WEBHOOK_GIVE_UP_AFTER_MS: "1000" });
    const admin = (await signInAs(t)).token;
    const hook = await receiver();
    hook.state.down = true;
    const id = await endpoint(t, admin, hook.url, ["CONVERSATION_CREATED"]);
    await startConversation(t, "Down Dora");
    const endpoints = `{ webhookEndpoints { id enabled disabledReason } }`;
    const off = await eventually(
      async () => {
        const r = await t.gql<{
          webhookEndpoints: Array<{ id: string; enabled: boolean; disabledReason: string | null }>;
        }>(endpoints, {}, admin);
        const mine = r.data!.webhookEndpoints.find((e) => e.id === id)!;
        return mine.enabled ? undefined : mine;
      },
      10_000,
      "the endpoint to be turned off",
    );
    assert.match(off.disabledReason!, /HTTP 503/);
    const [failed] = await deliveries(t, admin, id);
    assert.equal(failed!.status, "FAILED");
    assert.ok(failed!.attempts >= 2);
    // Turned off, it receives nothing more until someone turns it on.
    const before = hook.attempts.length;
    hook.state.down = false;
    await startConversation(t, "After Off");
    await new Promise((resolve) => setImmediate(resolve));
    const turnedOn = await t.gql(
      `mutation ($id: ID!) { updateWebhookEndpoint(id: $id, input: { enabled: true }) { enabled } }`,
      { id },
      admin,
    );
    assert.equal(turnedOn.errors, undefined);
    await startConversation(t, "After On");
    await eventually(
      () => hook.received.find((e) => e.data.customerName === "After On"),
      10_000,
      "delivery once on again",
    );
    assert.ok(
      !hook.received.some((e) => e.data.customerName === "After Off"),
      "events while off are not queued for it",
    );
    assert.ok(hook.attempts.length > before);
  });

  test("bad input is refused and changes nothing", async (ctx) => {
    const t = await app(ctx);
    const admin = (await signInAs(t)).token;
    const before = (await t.app.services.db.select().from(webhookEndpoints)).length;
    const cases: Array<[string, Record<string, unknown>]> = [
      ["url", { url: "ftp://example.com/hook", events: ["MESSAGE_CREATED"] }],
      ["url", { url: "not a url", events: ["MESSAGE_CREATED"] }],
      ["url", { url: "https://user:pass@example.com/hook", events: ["MESSAGE_CREATED"] }],
      ["events", { url: "https://example.com/hook", events: [] }],
      ["secret", { url: "https://example.com/hook", events: ["MESSAGE_CREATED"], secret: "short" }],
    ];
    for (const [field, input] of cases) {
      const r = await t.gql(CREATE, { input }, admin);
      assert.equal(r.errors?.[0]?.extensions?.code, "BAD_INPUT", field);
    }
    assert.equal((await t.app.services.db.select().from(webhookEndpoints)).length, before);
  });
});

describe("across a restart", () => {
  test("events written while the receiver was down arrive after Tandem restarts", async (ctx) => {
    // Both instances use one database: the configured Postgres, or the same embedded data folder.
    const dir = await mkdtemp(path.join(tmpdir(), "tandem-webhooks-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const env = { PGLITE_DIR: dir, WEBHOOK_RETRY_BASE_MS: "200" };
    const hook = await receiver();
    hook.state.down = true;

    const first = await startTestApp({ ...FAST, ...env });
    const admin = (await signInAs(first)).token;
    await endpoint(first, admin, hook.url, ["CONVERSATION_CREATED"]);
    const names = ["Before Restart 1", "Before Restart 2", "Before Restart 3"];
    for (const name of names) await startConversation(first, name);
    await eventually(() => (hook.attempts.length >= 1 ? true : undefined), 10_000, "a first failed attempt");
    await first.close();

    hook.state.down = false;
    // A second start on the same database: its dispatcher finds what the first left.
    await app(ctx, env);
    await eventually(
      () => (names.every((n) => hook.received.some((e) => e.data.customerName === n)) ? true : undefined),
      15_000,
      "every event written before the restart",
    );
    assert.ok(hook.received.every((e) => e.signatureValid));
  });
});
