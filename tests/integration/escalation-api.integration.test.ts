/**
 * The escalation API end to end: another system's agent hands a conversation to the team with
 * its transcript, hears the team's replies live, relays the customer's further messages and
 * closes it; Tandem's AI never answers in it, and nobody else's key can touch it.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import { conversations, escalations, messages } from "../../drizzle/schema.ts";
import { eventually, startTestApp, type TestApp } from "../support/app.ts";
import { signInAs } from "../support/operators.ts";
import { tandemClient } from "../../examples/client.ts";
import {
  CloseExternalConversationDocument,
  CreateEscalationDocument,
  EscalationEventsDocument,
  PostExternalMessageDocument,
  type CreateEscalationInput,
  type EscalationEventsSubscription,
} from "../../examples/generated/graphql.ts";

const CREATE_KEY = `mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`;
const CREATE = /* GraphQL */ `
  mutation ($input: CreateEscalationInput!) {
    createEscalation(input: $input) {
      duplicate
      escalation {
        id
        status
        priority
        reason
        integration
        externalConversationId
        conversation {
          id
          integration
        }
      }
    }
  }
`;
const POST = `mutation ($input: PostExternalMessageInput!) { postExternalMessage(input: $input) { duplicate message { seq content role } } }`;
const CLOSE = `mutation ($id: ID!) { closeExternalConversation(escalationId: $id) { id status } }`;

type Created = {
  createEscalation: {
    duplicate: boolean;
    escalation: {
      id: string;
      status: string;
      priority: string;
      integration: string;
      externalConversationId: string;
      conversation: { id: string; integration: string };
    };
  };
};

let t: TestApp;
let admin: string;
let voiceBot: string;
let otherBot: string;

before(async () => {
  t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "0" });
  admin = (await signInAs(t)).token;
  const key = async (name: string, scopes: string[]) =>
    (await t.gql<{ createApiKey: { secret: string } }>(CREATE_KEY, { input: { name, scopes } }, admin)).data!
      .createApiKey.secret;
  voiceBot = await key("Voice bot", ["ESCALATIONS_WRITE"]);
  otherBot = await key("Other bot", ["ESCALATIONS_WRITE"]);
});
after(() => t.close());

const offer = (externalConversationId: string): { input: CreateEscalationInput } => ({
  input: {
    externalConversationId,
    customerName: "Noor",
    customerContact: "+31 6 1234 5678",
    reason: "Customer asks whether to accept a 10,000 euro offer",
    summary: "Wants advice on an offer; the bot cannot advise.",
    priority: "HIGH",
    transcript: [
      { role: "CUSTOMER", content: "Should I accept this 10,000 euro offer?" },
      { role: "AGENT", content: "Let me get a person from the team for you." },
    ],
  },
});

describe("handing a conversation over", () => {
  test("the escalation reaches the inbox marked with the integration, with the transcript, once per external id", async () => {
    const external = `call-${crypto.randomUUID()}`;
    const first = await t.gql<Created>(CREATE, offer(external), voiceBot);
    assert.ok(first.data, JSON.stringify(first.errors));
    const { escalation } = first.data.createEscalation;
    assert.equal(first.data.createEscalation.duplicate, false);
    assert.equal(escalation.status, "PENDING");
    assert.equal(escalation.priority, "HIGH");
    assert.equal(escalation.integration, "Voice bot");
    assert.equal(escalation.externalConversationId, external);

    // Every operator sees it in the inbox, with who handed it over.
    const inbox = await t.gql<{ inbox: { escalations: Array<{ id: string; integration: string | null }> } }>(
      `{ inbox { escalations { id integration } } }`,
      {},
      admin,
    );
    assert.equal(inbox.data!.inbox.escalations.find((e) => e.id === escalation.id)?.integration, "Voice bot");
    const history = await t.gql<{
      conversation: { messages: { edges: Array<{ node: { role: string; content: string } }> } };
    }>(
      `query ($id: ID!) { conversation(id: $id) { messages { edges { node { role content } } } } }`,
      { id: escalation.conversation.id },
      admin,
    );
    assert.deepEqual(
      history.data!.conversation.messages.edges.map(({ node: m }) => `${m.role}: ${m.content}`),
      ["CUSTOMER: Should I accept this 10,000 euro offer?", "AGENT: Let me get a person from the team for you."],
    );

    // A retry (the bot's request timed out) returns the same escalation and writes nothing.
    const again = await t.gql<Created>(CREATE, offer(external), voiceBot);
    assert.equal(again.data!.createEscalation.duplicate, true);
    assert.equal(again.data!.createEscalation.escalation.id, escalation.id);
    const rows = await t.app.services.db.select().from(conversations).where(eq(conversations.externalId, external));
    assert.equal(rows.length, 1);
  });

  test("bad input is refused with the field named, and nothing is written", async () => {
    const external = `bad-${crypto.randomUUID()}`;
    const cases: Array<[string, Record<string, unknown>]> = [
      ["reason", { reason: " " }],
      ["externalConversationId", { externalConversationId: "" }],
      ["transcript", { transcript: Array.from({ length: 201 }, () => ({ role: "CUSTOMER", content: "x" })) }],
      ["content", { transcript: [{ role: "CUSTOMER", content: "   " }] }],
    ];
    for (const [field, change] of cases) {
      const r = await t.gql(CREATE, { input: { ...offer(external).input, ...change } }, voiceBot);
      assert.equal(r.errors?.[0]?.extensions?.code, "BAD_INPUT", field);
    }
    assert.equal(
      (await t.app.services.db.select().from(conversations).where(eq(conversations.externalId, external))).length,
      0,
    );
  });
});

describe("the conversation, live", () => {
  test("the bot hears the operator's reply live, relays the customer, and closes it; the AI never answers", async () => {
    // The bot's side uses the typed client and the generated documents, as a third party would.
    const bot = tandemClient({ url: t.url, token: voiceBot });
    const created = await bot.request(CreateEscalationDocument, {
      input: offer(`call-${crypto.randomUUID()}`).input,
    });
    const { id: escalationId, conversation } = created.createEscalation.escalation;
    const heard: Array<EscalationEventsSubscription["escalationEvents"]> = [];
    let failed: unknown;
    const listening = (async () => {
      for await (const { escalationEvents } of bot.subscribe(EscalationEventsDocument, { escalationId, after: 0 })) {
        heard.push(escalationEvents);
        if (escalationEvents.status === "RESOLVED") return;
      }
    })().catch((error: unknown) => (failed = error));
    try {
      // The transcript is replayed first.
      await eventually(
        () => (heard.some((e) => e.message?.content.includes("10,000")) ? true : undefined),
        5000,
        "the transcript",
      );

      // An operator claims and answers in the dashboard.
      await t.gql(`mutation ($id: ID!) { claimEscalation(id: $id) { id } }`, { id: escalationId }, admin);
      const answer = "Do not accept it before our advisor calls you back today.";
      await t.gql(
        `mutation ($input: SendMessageInput!) { sendOperatorMessage(input: $input) { duplicate } }`,
        { input: { conversationId: conversation.id, content: answer, clientMessageId: crypto.randomUUID() } },
        admin,
      );
      await eventually(
        () => (heard.some((e) => e.message?.role === "OPERATOR" && e.message.content === answer) ? true : undefined),
        5000,
        "the operator's reply on the bot's subscription",
      );

      // The customer says more on the bot's side: the operator sees it, once even if the bot retries.
      const more = { escalationId, content: "OK, thank you. When will they call?", clientMessageId: "turn-7" };
      const posted = await bot.request(PostExternalMessageDocument, { input: more });
      assert.equal(posted.postExternalMessage.duplicate, false);
      const retried = await bot.request(PostExternalMessageDocument, { input: more });
      assert.equal(retried.postExternalMessage.duplicate, true);
      const stored = await t.app.services.db
        .select()
        .from(messages)
        .where(eq(messages.conversationId, conversation.id));
      assert.equal(stored.filter((m) => m.content === more.content).length, 1);

      // Closing on the bot's side resolves it here, and the bot hears so.
      const closed = await bot.request(CloseExternalConversationDocument, { escalationId });
      assert.equal(closed.closeExternalConversation.status, "RESOLVED");
      await eventually(() => (heard.some((e) => e.status === "RESOLVED") ? true : undefined), 5000, "RESOLVED");
      await listening;
      assert.equal(failed, undefined);

      // Tandem's AI never spoke: every message is the transcript, the operator, the customer or a notice.
      await t.app.services.runner.idle();
      const after = await t.app.services.db.select().from(messages).where(eq(messages.conversationId, conversation.id));
      assert.deepEqual(
        after.filter((m) => m.role === "agent").map((m) => m.authorName),
        ["Voice bot"],
        "the only agent line is the bot's own, from the transcript",
      );
      const [escalation] = await t.app.services.db.select().from(escalations).where(eq(escalations.id, escalationId));
      assert.equal(escalation!.status, "resolved");
    } finally {
      await bot.dispose();
    }
  });

  test("a customer message while waiting gets no AI answer, and an operator cannot hand it to Tandem's AI", async () => {
    const created = await t.gql<Created>(CREATE, offer(`call-${crypto.randomUUID()}`), voiceBot);
    const { id: escalationId, conversation } = created.data!.createEscalation.escalation;
    await t.gql(POST, { input: { escalationId, content: "Hello? Anyone?", clientMessageId: "w-1" } }, voiceBot);
    await t.app.services.runner.idle();
    const rows = await t.app.services.db.select().from(messages).where(eq(messages.conversationId, conversation.id));
    assert.equal(rows.filter((m) => m.role === "agent").length, 1, "only the transcript's bot line");
    await t.gql(`mutation ($id: ID!) { claimEscalation(id: $id) { id } }`, { id: escalationId }, admin);
    const handBack = await t.gql(
      `mutation ($input: HandBackInput!) { handBackToAgent(input: $input) { id } }`,
      { input: { conversationId: conversation.id, agent: "billing", note: "Over to billing" } },
      admin,
    );
    assert.equal(handBack.errors?.[0]?.extensions?.code, "CONFLICT");
  });
});

describe("who may", () => {
  test("another integration's key, an operator and a key without the scope are refused", async () => {
    const created = await t.gql<Created>(CREATE, offer(`call-${crypto.randomUUID()}`), voiceBot);
    const { id: escalationId, conversation } = created.data!.createEscalation.escalation;
    const post = (token: string) =>
      t.gql(POST, { input: { escalationId, content: "Hijack", clientMessageId: crypto.randomUUID() } }, token);
    assert.equal((await post(otherBot)).errors?.[0]?.extensions?.code, "NOT_FOUND");
    assert.equal((await post(admin)).errors?.[0]?.extensions?.code, "FORBIDDEN");
    assert.equal((await t.gql(CLOSE, { id: escalationId }, otherBot)).errors?.[0]?.extensions?.code, "NOT_FOUND");
    // The other key cannot read the conversation either; the bot that created it can, as its customer would.
    const read = `query ($id: ID!) { conversation(id: $id) { id } }`;
    assert.equal((await t.gql(read, { id: conversation.id }, otherBot)).errors?.[0]?.extensions?.code, "FORBIDDEN");
    assert.equal(
      (await t.gql<{ conversation: { id: string } }>(read, { id: conversation.id }, voiceBot)).data?.conversation.id,
      conversation.id,
    );
    const readOnly = (
      await t.gql<{ createApiKey: { secret: string } }>(
        CREATE_KEY,
        { input: { name: "Reader", scopes: ["ESCALATIONS_READ"] } },
        admin,
      )
    ).data!.createApiKey.secret;
    const refused = await t.gql(CREATE, offer(`call-${crypto.randomUUID()}`), readOnly);
    assert.equal(refused.errors?.[0]?.extensions?.code, "FORBIDDEN");
    const stored = await t.app.services.db.select().from(messages).where(eq(messages.conversationId, conversation.id));
    assert.ok(!stored.some((m) => m.content === "Hijack"));
  });
});
