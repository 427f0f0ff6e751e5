import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { asc, eq } from "drizzle-orm";
import { messages } from "../../drizzle/schema.ts";
import { eventually, startTestApp, type TestApp } from "../support/app.ts";
import { openChat } from "../support/chat.ts";
import { newOperator } from "../support/operators.ts";

let t: TestApp;
before(async () => {
  t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "0" });
});
after(() => t.close());

const UPDATE = `mutation ($id: ID!, $input: UpdateTicketInput!) { updateTicket(id: $id, input: $input) { id status priority audit { actor action note statusBefore statusAfter priorityBefore priorityAfter } } }`;

test("operators change tickets; every change is audited, pushed live, and the customer is told", async () => {
  const chat = await openChat(t);
  await chat.say("My laptop won't boot");
  await chat.say("That didn't help");
  await chat.say("It's my Aero 14, since Monday, I tried holding the power button");
  await chat.say("yes");
  const [ticket] = await chat.tickets();
  assert.ok(ticket);
  const op = await newOperator(t, "Tess");
  const opId = (await t.gql<{ me: { id: string } }>("{ me { id } }", {}, op.token)).data!.me.id;

  const watcher = t.ws(op.token);
  const pushed: unknown[] = [];
  const stop = watcher.subscribe(
    {
      query: `subscription ($id: ID!) { ticketEvents(ticketId: $id) { type ticketId } }`,
      variables: { id: ticket.id },
    },
    { next: (r) => pushed.push(r.data), error: () => {}, complete: () => {} },
  );
  await new Promise((r) => setTimeout(r, 200));

  const r1 = await t.gql<{ updateTicket: { status: string; audit: Array<Record<string, string | null>> } }>(
    UPDATE,
    { id: ticket.id, input: { status: "IN_PROGRESS", note: "Repair booked" } },
    op.token,
  );
  assert.equal(r1.data!.updateTicket.status, "IN_PROGRESS");
  const latest = r1.data!.updateTicket.audit[0]!;
  assert.deepEqual(
    {
      actor: latest.actor,
      action: latest.action,
      note: latest.note,
      statusBefore: latest.statusBefore,
      statusAfter: latest.statusAfter,
    },
    {
      actor: `operator:${opId}`,
      action: "status",
      note: "Repair booked",
      statusBefore: "OPEN",
      statusAfter: "IN_PROGRESS",
    },
  );
  const r2 = await t.gql<{ updateTicket: { priority: string; audit: Array<Record<string, string | null>> } }>(
    UPDATE,
    { id: ticket.id, input: { priority: "URGENT" } },
    op.token,
  );
  assert.equal(r2.data!.updateTicket.audit[0]!.priorityBefore, "MEDIUM");
  assert.equal(r2.data!.updateTicket.audit[0]!.priorityAfter, "URGENT");
  assert.equal(r2.data!.updateTicket.audit.length, 3, "created, status, priority");

  await eventually(() => (pushed.length >= 2 ? true : undefined), 5000, "live ticket events");
  stop();
  const rows = await t.app.services.db
    .select()
    .from(messages)
    .where(eq(messages.conversationId, chat.id))
    .orderBy(asc(messages.seq));
  assert.ok(
    rows.some(
      (m) =>
        m.role === "system" &&
        m.content === `Your ticket ${ticket.id} is now in progress. Note from Tess: Repair booked`,
    ),
  );

  const empty = await t.gql(UPDATE, { id: ticket.id, input: {} }, op.token);
  assert.equal(empty.errors?.[0]?.extensions?.code, "BAD_INPUT");
  const customerTry = await t.gql(UPDATE, { id: ticket.id, input: { status: "CLOSED" } });
  assert.equal(customerTry.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
});

test("tickets filter by status, department and priority, and search", async () => {
  const op = await newOperator(t, "Finder");
  const q = `query ($filter: TicketFilter) { tickets(filter: $filter) { id status department priority subject } }`;
  const byStatus = await t.gql<{ tickets: Array<{ id: string; status: string }> }>(
    q,
    { filter: { status: "IN_PROGRESS" } },
    op.token,
  );
  assert.ok(byStatus.data!.tickets.length > 0 && byStatus.data!.tickets.every((x) => x.status === "IN_PROGRESS"));
  const search = await t.gql<{ tickets: Array<{ id: string }> }>(q, { filter: { search: "battery" } }, op.token);
  assert.deepEqual(
    search.data!.tickets.map((x) => x.id),
    ["TK-48213"],
  );
  const billing = await t.gql<{ tickets: Array<{ department: string }> }>(
    q,
    { filter: { department: "BILLING", priority: "LOW" } },
    op.token,
  );
  assert.ok(billing.data!.tickets.every((x) => x.department === "BILLING"));
});

test("repeated failed sign-ins are rate limited with 429 and Retry-After", async () => {
  const limited = await startTestApp({}, { realRateLimits: true });
  try {
    const body = JSON.stringify({
      query: `mutation { signIn(email: "admin@tandem.local", password: "wrong password!") { token } }`,
    });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 7; i++) {
      const res = await fetch(`${limited.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
        body,
      });
      statuses.push(res.status);
      retryAfter ??= res.headers.get("retry-after");
    }
    assert.ok(statuses.includes(429), statuses.join(","));
    assert.ok(Number(retryAfter) >= 1);
  } finally {
    await limited.close();
  }
});
