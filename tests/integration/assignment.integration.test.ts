import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { asc, eq } from "drizzle-orm";
import { escalations, messages, operators, tickets } from "../../drizzle/schema.ts";
import { reassignStale, updateAssignmentSettings } from "../../server/escalations/assignment.ts";
import { EventBus } from "../../server/events/bus.ts";
import { presenceWatcher } from "../../server/operators/presence.ts";
import { markAwayIfGone } from "../../server/operators/service.ts";
import { eventually, send, startConversation, startTestApp, type TestApp } from "../support/app.ts";
import { newOperator, signInAs } from "../support/operators.ts";

let t: TestApp;
before(async () => {
  t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "0" });
});
after(() => t.close());

const adminActor = async () => {
  const [admin] = await t.app.services.db.select().from(operators).where(eq(operators.role, "admin")).limit(1);
  return { kind: "operator" as const, operatorId: admin!.id, role: "admin" as const, name: admin!.name };
};

beforeEach(async () => {
  // Each test decides who is online; the database may be shared with other test files.
  await t.app.services.db.update(operators).set({ availability: "offline" });
  await updateAssignmentSettings(t.app.services.db, await adminActor(), { mode: "auto", reassignAfterMs: 5 * 60_000 });
});

async function escalate() {
  const conv = await startConversation(t);
  await send(t, conv, "I want to talk to a person");
  await t.app.services.runner.idle();
  const [row] = await t.app.services.db.select().from(escalations).where(eq(escalations.conversationId, conv.id));
  return { conv, escalation: row! };
}

const operatorId = async (token: string) =>
  (await t.gql<{ me: { id: string } }>("{ me { id } }", {}, token)).data!.me.id;

test("with no operator online the customer is told and a ticket keeps the request", async () => {
  const { conv, escalation } = await escalate();
  assert.equal(escalation.assignedTo, null);
  assert.match(String(escalation.ticketId), /^TK-\d{5,6}$/);
  const [ticket] = await t.app.services.db.select().from(tickets).where(eq(tickets.id, escalation.ticketId!));
  assert.equal(ticket!.conversationId, conv.id);
  const rows = await t.app.services.db
    .select()
    .from(messages)
    .where(eq(messages.conversationId, conv.id))
    .orderBy(asc(messages.seq));
  assert.ok(
    rows.some(
      (m) =>
        m.role === "system" &&
        m.content.includes(`No one from our support team is online right now`) &&
        m.content.includes(escalation.ticketId!),
    ),
  );
});

test("a new escalation goes to the least-loaded available operator", async () => {
  const busy = await newOperator(t, "Busy Bea");
  const free = await newOperator(t, "Free Fay");
  // Bea already holds one escalation.
  await t.app.services.db.update(operators).set({ availability: "offline" });
  const first = await escalate();
  await t.gql(`mutation ($id: ID!) { claimEscalation(id: $id) { id } }`, { id: first.escalation.id }, busy.token);
  await t.app.services.db
    .update(operators)
    .set({ availability: "online" })
    .where(eq(operators.id, await operatorId(busy.token)));
  await t.app.services.db
    .update(operators)
    .set({ availability: "online" })
    .where(eq(operators.id, await operatorId(free.token)));
  const { escalation } = await escalate();
  assert.equal(escalation.assignedTo, await operatorId(free.token));
  assert.equal(escalation.ticketId, null, "someone is online, so no fallback ticket");
});

test("an assignment nobody answers in time moves to another operator (injected clock)", async () => {
  const a = await newOperator(t, "Ann");
  const b = await newOperator(t, "Ben");
  await t.app.services.db.update(operators).set({ availability: "offline" });
  await t.app.services.db
    .update(operators)
    .set({ availability: "online" })
    .where(eq(operators.id, await operatorId(a.token)));
  const { escalation } = await escalate();
  assert.equal(escalation.assignedTo, await operatorId(a.token));
  await t.app.services.db
    .update(operators)
    .set({ availability: "online" })
    .where(eq(operators.id, await operatorId(b.token)));

  const soon = new Date(escalation.assignedAt!.getTime() + 60_000);
  assert.ok(
    !(await reassignStale(t.app.services, soon)).some((m) => m.id === escalation.id),
    "not yet: the timeout has not passed",
  );
  const later = new Date(escalation.assignedAt!.getTime() + 5 * 60_000 + 1000);
  const moved = await reassignStale(t.app.services, later);
  assert.equal(moved.find((m) => m.id === escalation.id)?.assignedTo, await operatorId(b.token));
});

test("an offer nobody else could take stays with its operator after the timeout, without a new notice", async () => {
  const only = await newOperator(t, "Only Olga");
  await t.app.services.db.update(operators).set({ availability: "offline" });
  await t.app.services.db
    .update(operators)
    .set({ availability: "online", lastSeenAt: new Date() })
    .where(eq(operators.id, await operatorId(only.token)));
  const { escalation } = await escalate();
  assert.equal(escalation.assignedTo, await operatorId(only.token));

  const later = new Date(escalation.assignedAt!.getTime() + 5 * 60_000 + 1000);
  const moved = await reassignStale(t.app.services, later);
  assert.ok(!moved.some((m) => m.id === escalation.id), "not sent round the queue");
  const [row] = await t.app.services.db.select().from(escalations).where(eq(escalations.id, escalation.id));
  assert.equal(row!.assignedTo, await operatorId(only.token));
  assert.equal(row!.ticketId, null);
});

test("in manual mode escalations wait in the shared queue", async () => {
  const op = await newOperator(t, "Manual Mo");
  await t.app.services.db
    .update(operators)
    .set({ availability: "online" })
    .where(eq(operators.id, await operatorId(op.token)));
  await updateAssignmentSettings(t.app.services.db, await adminActor(), { mode: "manual" });
  const { escalation } = await escalate();
  assert.equal(escalation.assignedTo, null);
  assert.equal(escalation.ticketId, null);
});

test("signing in makes an operator available; signing out takes them off", async () => {
  const session = await signInAs(t);
  const me = await t.gql<{ me: { availability: string } }>("{ me { availability } }", {}, session.token);
  assert.equal(me.data!.me.availability, "ONLINE");
  await t.gql("mutation { signOut }", {}, session.token);
  const [admin] = await t.app.services.db.select().from(operators).where(eq(operators.role, "admin")).limit(1);
  assert.equal(admin!.availability, "offline");
});

describe("presence: being online by choice is not enough, someone must be there", () => {
  const longAgo = () => new Date(Date.now() - 5 * 60_000);
  const setOnline = async (id: string, lastSeenAt: Date) =>
    t.app.services.db.update(operators).set({ availability: "online", lastSeenAt }).where(eq(operators.id, id));
  const seenAt = async (id: string) =>
    (await t.app.services.db.select().from(operators).where(eq(operators.id, id)))[0]!.lastSeenAt;

  test("an operator who dropped off gets nothing new, and what was offered to them moves on at once", async () => {
    const gone = await operatorId((await newOperator(t, "Gone Gil")).token);
    const here = await operatorId((await newOperator(t, "Here Hal")).token);
    await t.app.services.db.update(operators).set({ availability: "offline" });
    await setOnline(gone, new Date());
    const { escalation } = await escalate();
    assert.equal(escalation.assignedTo, gone);

    // Gil's laptop closes; Hal is there. No need to wait for the reassignment timeout.
    await setOnline(gone, longAgo());
    await setOnline(here, new Date());
    const moved = await reassignStale(t.app.services);
    assert.equal(moved.find((m) => m.id === escalation.id)?.assignedTo, here);
    assert.equal((await escalate()).escalation.assignedTo, here, "a new escalation skips the disconnected operator");
  });

  test("an operator who closed the dashboard becomes away after the grace period; one still there stays online", async () => {
    const left = await operatorId((await newOperator(t, "Left Lou")).token);
    const stayed = await operatorId((await newOperator(t, "Stayed Sia")).token);
    const graceMs = 5 * 60_000;
    const now = new Date();
    await setOnline(left, new Date(now.getTime() - graceMs - 1000));
    await setOnline(stayed, new Date(now.getTime() - graceMs + 30_000));
    const nudges: string[] = [];
    const stop = new AbortController();
    const sub = t.app.services.bus.subscribe("inbox", "all", stop.signal);
    void (async () => {
      for await (const n of sub) if (n.type === "operator_changed" && n.operatorId) nudges.push(n.operatorId);
    })();
    await sub.ready;
    const away = await markAwayIfGone(t.app.services, graceMs, now);
    assert.ok(away.includes(left) && !away.includes(stayed));
    const availability = async (id: string) =>
      (await t.app.services.db.select().from(operators).where(eq(operators.id, id)))[0]!.availability;
    assert.equal(await availability(left), "away");
    assert.equal(await availability(stayed), "online");
    await eventually(() => (nudges.includes(left) ? true : undefined), 3000, "every screen hears of it");
    stop.abort();
  });

  test("when everyone online has dropped off, the customer is told and a ticket keeps the request", async () => {
    const ghost = await operatorId((await newOperator(t, "Ghost Gus")).token);
    await t.app.services.db.update(operators).set({ availability: "offline" });
    await setOnline(ghost, longAgo());
    const { escalation } = await escalate();
    assert.equal(escalation.assignedTo, null);
    assert.match(String(escalation.ticketId), /^TK-/);
  });

  test("when the last available operator drops off, what was offered to them becomes a ticket and the customer is told", async () => {
    const last = await operatorId((await newOperator(t, "Last Lee")).token);
    await t.app.services.db.update(operators).set({ availability: "offline" });
    await setOnline(last, new Date());
    const { conv, escalation } = await escalate();
    assert.equal(escalation.assignedTo, last);
    assert.equal(escalation.ticketId, null);

    await setOnline(last, longAgo());
    // The app's own sweep may get there first; either way the outcome is the same, and only once.
    await reassignStale(t.app.services);
    await reassignStale(t.app.services);
    const [moved] = await t.app.services.db.select().from(escalations).where(eq(escalations.id, escalation.id));
    assert.equal(moved!.assignedTo, null);
    assert.match(String(moved!.ticketId), /^TK-/);
    const rows = await t.app.services.db
      .select()
      .from(messages)
      .where(eq(messages.conversationId, conv.id))
      .orderBy(asc(messages.seq));
    const notices = rows.filter(
      (m) => m.role === "system" && m.content.includes("No one from our support team is online"),
    );
    assert.equal(notices.length, 1);
    assert.ok(notices[0]!.content.includes(`saved as ticket ${moved!.ticketId}`), notices[0]!.content);
  });

  test("a request, or an open inbox subscription, is a sign of life", async () => {
    const session = await newOperator(t, "Live Lou");
    const id = await operatorId(session.token);
    await setOnline(id, longAgo());
    const me = await t.gql<{ me: { connected: boolean; availability: string } }>(
      "{ me { connected availability } }",
      {},
      session.token,
    );
    assert.deepEqual(me.data?.me, { connected: true, availability: "ONLINE" });

    await setOnline(id, longAgo());
    const before = Date.now();
    const stop = t
      .ws(session.token)
      .subscribe(
        { query: "subscription { inboxEvents { type } }" },
        { next: () => {}, error: () => {}, complete: () => {} },
      );
    await eventually(
      async () => ((await seenAt(id))!.getTime() >= before ? true : undefined),
      5_000,
      "the subscription's beat",
    );
    stop();
    const list = await t.gql<{ operators: Array<{ id: string; connected: boolean }> }>(
      "{ operators { id connected } }",
      {},
      session.token,
    );
    assert.equal(list.data?.operators.find((o) => o.id === id)?.connected, true);
  });

  test("operator screens are nudged when someone becomes available or drops off", async () => {
    const id = await operatorId((await newOperator(t, "Nudge Ned")).token);
    // A bus of its own, so the app's background sweeps cannot add nudges to the count.
    const bus = EventBus.inMemory();
    const watch = presenceWatcher(t.app.services.db, bus);
    const nudges = bus.subscribe("inbox", "all");
    await nudges.ready;
    await t.app.services.db.update(operators).set({ availability: "offline" }).where(eq(operators.id, id));
    await watch(); // the baseline
    await watch();
    await setOnline(id, new Date());
    await watch();
    await setOnline(id, longAgo());
    await watch();
    const seen: string[] = [];
    for (let i = 0; i < 2; i++) seen.push((await nudges.next()).value.reason);
    await watch();
    bus.publish("inbox", "all", { type: "operator_changed", reason: "end", at: new Date().toISOString() });
    seen.push((await nudges.next()).value.reason);
    await nudges.return();
    assert.deepEqual(seen, ["presence", "presence", "end"], "one nudge per change, none when nothing changed");
  });
});
