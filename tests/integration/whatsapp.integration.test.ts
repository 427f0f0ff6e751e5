/**
 * The WhatsApp channel against a fake Cloud API on localhost that checks the requests' shape and
 * auth: Meta's handshake, signatures (a forged one changes nothing), inbound messages stored once
 * whatever Meta retries, the agents answering over WhatsApp, and an outage that ends with every
 * reply delivered exactly once.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { and, asc, eq } from "drizzle-orm";
import { conversations, messages, whatsappOutbox } from "../../drizzle/schema.ts";
import { eventually, startTestApp, type TestApp } from "../support/app.ts";
import {
  ACCESS_TOKEN,
  APP_SECRET,
  PHONE_NUMBER_ID,
  VERIFY_TOKEN,
  deliverInbound,
  inboundText,
  startFakeWhatsApp,
} from "../support/fake-whatsapp.ts";
import { signWhatsApp } from "../../server/whatsapp/signature.ts";
import { signInAs } from "../support/operators.ts";

let t: TestApp;
let api: Awaited<ReturnType<typeof startFakeWhatsApp>>;
let admin: string;

before(async () => {
  api = await startFakeWhatsApp();
  t = await startTestApp({
    OFFLINE_MODEL_DELAY_MS: "0",
    WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_ACCESS_TOKEN: ACCESS_TOKEN,
    WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
    WHATSAPP_API_URL: api.apiUrl,
    WEBHOOK_POLL_MS: "20",
    WEBHOOK_RETRY_BASE_MS: "40",
  });
  admin = (await signInAs(t)).token;
});
after(async () => {
  await t.close();
  await api.close();
});

/** A number of its own per test, so tests on a shared database never meet. */
const newNumber = () =>
  `3161${Math.floor(Math.random() * 1e7)
    .toString()
    .padStart(7, "0")}`;
const wamid = () => `wamid.${crypto.randomUUID()}`;

async function conversationOf(number: string) {
  const [row] = await t.app.services.db
    .select()
    .from(conversations)
    .where(and(eq(conversations.channel, "whatsapp"), eq(conversations.externalId, number)));
  return row;
}
/** A conversation's messages in seq order (without an ORDER BY, Postgres returns them in page order). */
const messagesOf = (conversationId: string) =>
  t.app.services.db
    .select()
    .from(messages)
    .where(eq(messages.conversationId, conversationId))
    .orderBy(asc(messages.seq));

describe("the webhook", () => {
  test("answers Meta's verification handshake, and only with the right token", async () => {
    const url = (token: string) =>
      `${t.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=1158201444`;
    const ok = await fetch(url(VERIFY_TOKEN));
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), "1158201444");
    assert.equal((await fetch(url("wrong-token"))).status, 403);
  });

  test("a forged or missing signature is refused with 401 and changes nothing", async () => {
    const number = newNumber();
    const body = inboundText(number, "Mallory", wamid(), "Give me a refund");
    const forged = await deliverInbound(t.url, body, `sha256=${"0".repeat(64)}`);
    assert.equal(forged.status, 401);
    const unsigned = await fetch(`${t.url}/webhooks/whatsapp`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    assert.equal(unsigned.status, 401);
    const signedElsewhere = await deliverInbound(t.url, body, signWhatsApp("another-app-secret", body));
    assert.equal(signedElsewhere.status, 401);
    assert.equal(await conversationOf(number), undefined, "no conversation, no message");
  });
});

describe("conversations over WhatsApp", () => {
  test("a message opens a conversation, the agent answers over the Cloud API, and Meta's retries store it once", async () => {
    const number = newNumber();
    const id = wamid();
    const body = inboundText(number, "Priya", id, "How do I reset my router?");
    // Meta delivers, then retries the same message (twice at once, as it may).
    assert.equal((await deliverInbound(t.url, body)).status, 200);
    const retries = await Promise.all([deliverInbound(t.url, body), deliverInbound(t.url, body)]);
    assert.deepEqual(
      retries.map((r) => r.status),
      [200, 200],
    );
    const conversation = await conversationOf(number);
    assert.equal(conversation!.customerName, "Priya");
    assert.equal(conversation!.externalContact, `+${number}`);
    await t.app.services.runner.idle();
    const stored = await messagesOf(conversation!.id);
    assert.equal(stored.filter((m) => m.role === "customer").length, 1, "stored once");
    const replies = stored.filter((m) => m.role === "agent" && m.status === "complete");
    assert.equal(replies.length, 1, "answered once");

    const out = await eventually(
      () => api.sent.find((s) => s.to === number && s.body === replies[0]!.content),
      10_000,
      "the reply on WhatsApp",
    );
    // What the web chat shows the customer, WhatsApp shows too: the hand-over line, then the answer.
    assert.deepEqual(
      api.sent.filter((s) => s.to === number).map((s) => s.body),
      stored.filter((m) => m.role === "system" || m.role === "agent").map((m) => m.content),
    );
    assert.deepEqual(api.refused, [], "every request had the Cloud API's shape and auth");
    const [row] = await t.app.services.db
      .select()
      .from(whatsappOutbox)
      .where(eq(whatsappOutbox.messageId, replies[0]!.id));
    assert.equal(row!.providerMessageId, out.wamid);
  });

  test("an outage of the Cloud API ends with every reply delivered exactly once, in order", async () => {
    const number = newNumber();
    await deliverInbound(t.url, inboundText(number, "Outage Olu", wamid(), "I want to talk to a person"));
    await t.app.services.runner.idle();
    const conversation = await conversationOf(number);
    await eventually(() => api.sent.find((s) => s.to === number), 10_000, "the agent's answer");

    api.state.down = true;
    await t.gql(
      `mutation ($id: ID!) { takeOverConversation(conversationId: $id) { id } }`,
      { id: conversation!.id },
      admin,
    );
    const lines = ["First, sorry for the wait.", "Second, I have refunded the charge.", "Third, anything else?"];
    for (const content of lines) {
      const r = await t.gql(
        `mutation ($input: SendMessageInput!) { sendOperatorMessage(input: $input) { duplicate } }`,
        { input: { conversationId: conversation!.id, content, clientMessageId: crypto.randomUUID() } },
        admin,
      );
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    }
    await eventually(
      () => (api.refused.filter((r) => r.status === 503).length >= 2 ? true : undefined),
      10_000,
      "attempts during the outage",
    );
    api.state.down = false;
    await eventually(
      () => (lines.every((l) => api.sent.some((s) => s.body === l)) ? true : undefined),
      15_000,
      "every reply after the outage",
    );
    const toThem = api.sent.filter((s) => s.to === number).map((s) => s.body);
    for (const line of lines) assert.equal(toThem.filter((b) => b === line).length, 1, `${line} exactly once`);
    const order = lines.map((l) => toThem.indexOf(l));
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
      "in the order written",
    );
  });

  test("a reply that cannot be delivered in time is given up and the team is told in the conversation", async () => {
    // On a shared Postgres the suite's main app would take this reply from the outbox too, with a
    // valid token: one deployment has one WhatsApp configuration, so its sender rests meanwhile.
    await t.app.services.whatsapp.stop();
    const quick = await startTestApp({
      OFFLINE_MODEL_DELAY_MS: "0",
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_ACCESS_TOKEN: "EAAG-a-revoked-token",
      WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
      WHATSAPP_API_URL: api.apiUrl,
      WHATSAPP_GIVE_UP_AFTER_MS: "1000",
      WEBHOOK_POLL_MS: "20",
      WEBHOOK_RETRY_BASE_MS: "40",
    });
    try {
      const number = newNumber();
      await deliverInbound(quick.url, inboundText(number, "Failing Fay", wamid(), "Hello?"));
      await quick.app.services.runner.idle();
      const [conversation] = await quick.app.services.db
        .select()
        .from(conversations)
        .where(eq(conversations.externalId, number));
      const note = await eventually(
        async () =>
          (
            await quick.app.services.db.select().from(messages).where(eq(messages.conversationId, conversation!.id))
          ).find((m) => m.role === "note" && m.content.includes("could not be delivered on WhatsApp")),
        10_000,
        "the note for the team",
      );
      assert.match(note.content, /HTTP 401/);
      assert.ok(!api.sent.some((s) => s.to === number));
    } finally {
      await quick.close();
      t.app.services.whatsapp.start();
    }
  });
});
