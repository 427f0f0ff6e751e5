import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ToolSet } from "ai";
import { and, eq } from "drizzle-orm";
import {
  conversationEvents,
  conversations,
  decisions,
  escalations,
  messages,
  operators,
  ticketAudit,
  tickets,
} from "../../drizzle/schema.ts";
import { seedCustomers } from "../../drizzle/seed-data.ts";
import { agents, type AgentDefinition } from "../../server/ai/agents.ts";
import { buildTools } from "../../server/ai/tools/index.ts";

import { signInAs } from "../support/operators.ts";
import { writeWithEvents } from "../../server/conversations/log.ts";
import { insertMessage } from "../../server/conversations/messages.ts";
import { startLinkedConversation, startTestApp, type TestApp } from "../support/app.ts";

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

const [ada, grace] = seedCustomers;

/** Stores a customer message without starting the AI's turn (the test plays the model itself). */
async function customerSays(conversationId: string, content: string) {
  await writeWithEvents(t.app.services.db, t.app.services.bus, (tx, batch) =>
    insertMessage(tx, batch, conversationId, { role: "customer", content }),
  );
}

/** The tools of an agent bound to a fresh conversation, called the way the AI SDK calls them. */
async function toolsFor(agent: AgentDefinition, email: string | null = ada.email) {
  const { conversation } = await startLinkedConversation(t.app.services, email);
  const set: ToolSet = buildTools(agent, {
    db: t.app.services.db,
    bus: t.app.services.bus,
    conversationId: conversation.id,
    customerId: conversation.customerId,
    agent,
  });
  const run = async (name: string, input: Record<string, unknown>) =>
    (await set[name]!.execute!(input as never, { toolCallId: "test", messages: [] } as never)) as Record<
      string,
      unknown
    >;
  return { conversationId: conversation.id, run, names: Object.keys(set).sort() };
}

describe("tools", () => {
  test("each agent holds its tools and only its handoffs", async () => {
    assert.deepEqual((await toolsFor(agents.triage)).names, [
      "check_system_status",
      "create_ticket",
      "escalate_to_human",
      "get_ticket_status",
      "resolve_conversation",
      "search_knowledge",
      "transfer_to_billing",
      "transfer_to_sales",
      "transfer_to_technical",
      "update_case",
    ]);
    assert.deepEqual((await toolsFor(agents.sales)).names, [
      "cancel_subscription",
      "change_plan",
      "escalate_to_human",
      "issue_credit",
      "lookup_account",
      "resolve_conversation",
      "search_knowledge",
      "transfer_to_triage",
    ]);
  });

  test("lookup_account returns the linked account with its duplicate charge, and nobody else's", async () => {
    const { run } = await toolsFor(agents.billing);
    const account = await run("lookup_account", {});
    assert.equal(account.email, ada.email);
    assert.equal(account.plan, "Business");
    assert.deepEqual(account.duplicateCharges, [
      { invoiceId: "INV-1042", amount: "€89.00", payments: ["PAY-70421", "PAY-70422"] },
    ]);
    assert.match(
      String((await run("lookup_account", { email: grace.email })).error),
      /only look up the account linked/,
    );
    const unlinked = await toolsFor(agents.billing, null);
    assert.match(
      String((await unlinked.run("lookup_account", { email: ada.email })).error),
      /No customer account is linked/,
    );
  });

  test("check_system_status reads services and open incidents", async () => {
    const { run } = await toolsFor(agents.technical);
    const status = await run("check_system_status", {});
    assert.equal(status.allOperational, false);
    assert.deepEqual(
      (status.incidents as Array<{ title: string }>).map((i) => i.title),
      ["Delayed backups in the EU region"],
    );
  });

  test("search_knowledge ranks the right article first and returns its url", async () => {
    const { run } = await toolsFor(agents.triage);
    const cases: Array<[string, string]> = [
      ["does my protection plan cover water damage", "protection-plan-coverage"],
      ["how long is the warranty", "warranty"],
      ["can I send a laptop back for a refund", "returns"],
      ["difference between pro and business", "plan-comparison"],
    ];
    for (const [query, slug] of cases) {
      const { articles } = (await run("search_knowledge", { query })) as {
        articles: Array<{ slug: string; url: string }>;
      };
      assert.equal(articles[0]?.slug, slug, query);
      assert.equal(articles[0]?.url, `/help/${slug}`);
    }
    const none = (await run("search_knowledge", { query: "zebra xylophone" })) as { articles: unknown[] };
    assert.deepEqual(none.articles, []);
  });

  test("the case workflow gates create_ticket; tickets get random TK- ids and an audit row", async () => {
    const { run, conversationId } = await toolsFor(agents.technical);
    assert.match(
      String(
        (
          await run("create_ticket", {
            description: "Screen broken",
            department: "Technical Support",
            priority: "high",
          })
        ).error,
      ),
      /not confirmed/,
    );
    const started = await run("update_case", { reason: "Screen broken", priority: "high", device: "Aero 14" });
    assert.equal(started.step, "details");
    assert.deepEqual(started.missing, ["since", "tried"]);
    const confirm = await run("update_case", { since: "Monday", tried: "restarting" });
    assert.equal(confirm.step, "confirm");
    assert.match(String(confirm.summary), /Screen broken.*Aero 14.*Monday.*restarting/);
    assert.match(
      String(
        (await run("create_ticket", { description: "x", department: "Technical Support", priority: "high" })).error,
      ),
      /not confirmed/,
    );
    // The model's say-so is not a confirmation: only the customer's own "yes" after the summary is.
    assert.equal((await run("update_case", { confirmed: true })).step, "confirm");
    await customerSays(conversationId, "Yes, that's right");
    assert.equal((await run("update_case", { confirmed: true })).step, "ticket");
    const created = await run("create_ticket", {
      description: "Needs repair",
      department: "Technical Support",
      priority: "high",
    });
    assert.match(String(created.ticketId), /^TK-\d{5,6}$/);
    const [row] = await t.app.services.db
      .select()
      .from(tickets)
      .where(eq(tickets.id, String(created.ticketId)));
    assert.equal(row!.conversationId, conversationId);
    assert.equal(row!.customerId, ada.id);
    const audit = await t.app.services.db.select().from(ticketAudit).where(eq(ticketAudit.ticketId, row!.id));
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.action, "created");
    // Confirming again creates nothing new: the case is done.
    assert.match(
      String(
        (await run("create_ticket", { description: "again", department: "Technical Support", priority: "high" })).error,
      ),
      /not confirmed/,
    );
  });

  test("ticket ids are not sequential", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { run, conversationId } = await toolsFor(agents.technical);
      await run("update_case", { reason: `Case ${i}`, device: "laptop", since: "today", tried: "nothing" });
      await customerSays(conversationId, "yes");
      await run("update_case", { confirmed: true });
      ids.push(
        Number(
          String(
            (await run("create_ticket", { description: "d", department: "technical", priority: "low" })).ticketId,
          ).slice(3),
        ),
      );
    }
    const steps = ids.slice(1).map((id, i) => id - ids[i]!);
    assert.ok(!steps.every((s) => s === 1), `ids ${ids.join(", ")} look sequential`);
    assert.equal(new Set(ids).size, 5);
  });

  test("get_ticket_status and update_ticket work on the customer's own tickets only, with an audit trail", async () => {
    const { run } = await toolsFor(agents.technical);
    const status = await run("get_ticket_status", { ticket_id: "tk-48213" });
    assert.equal(status.ticketId, "TK-48213");
    assert.equal(status.status, "in_progress");
    assert.match(String((await run("get_ticket_status", { ticket_id: "TK-73051" })).error), /No ticket TK-73051/);
    assert.match(
      String((await run("update_ticket", { ticket_id: "TK-73051", note: "hijack" })).error),
      /No ticket TK-73051/,
    );
    const noted = await run("update_ticket", { ticket_id: "TK-48213", note: "Customer says it is worse" });
    assert.equal(noted.noted, true);
    const [last] = await t.app.services.db
      .select()
      .from(ticketAudit)
      .where(and(eq(ticketAudit.ticketId, "TK-48213"), eq(ticketAudit.action, "note")));
    assert.equal(last!.actor, "agent:technical");
    assert.equal(last!.note, "Customer says it is worse");
    assert.equal(last!.statusBefore, "in_progress");
    assert.equal(last!.statusAfter, "in_progress");
    const untouched = await t.app.services.db.select().from(ticketAudit).where(eq(ticketAudit.ticketId, "TK-73051"));
    assert.ok(untouched.every((a) => a.note !== "hijack"));
  });

  test("escalate_to_human creates the escalation, waits for a human, and records events", async () => {
    // Nobody online (the database may be shared with other test files that signed operators in).
    await t.app.services.db.update(operators).set({ availability: "offline" });
    const { run, conversationId } = await toolsFor(agents.billing);
    const result = await run("escalate_to_human", {
      reason: "Refund needs verification",
      summary: "Duplicate charge",
      priority: "high",
    });
    assert.equal(result.escalated, true);
    const [esc] = await t.app.services.db
      .select()
      .from(escalations)
      .where(eq(escalations.conversationId, conversationId));
    assert.equal(esc!.status, "pending");
    assert.equal(esc!.agent, "billing");
    const [conv] = await t.app.services.db.select().from(conversations).where(eq(conversations.id, conversationId));
    assert.equal(conv!.status, "waiting_human");
    const types = (
      await t.app.services.db
        .select()
        .from(conversationEvents)
        .where(eq(conversationEvents.conversationId, conversationId))
        .orderBy(conversationEvents.seq)
    ).map((e) => e.type);
    // With no operator online the customer is told that, once, and a ticket keeps the request safe.
    // Reason and priority are the team's: no line of the customer's chat carries them.
    assert.deepEqual(types, ["escalation", "status_changed", "message_created"]);
    assert.match(String(esc!.ticketId), /^TK-/);
  });

  test("a transfer changes the current agent and records a handoff with its reason", async () => {
    const { run, conversationId } = await toolsFor(agents.triage);
    await run("transfer_to_billing", { reason: "double charge on INV-1042" });
    const [conv] = await t.app.services.db.select().from(conversations).where(eq(conversations.id, conversationId));
    assert.equal(conv!.currentAgent, "billing");
    const [handoff] = await t.app.services.db
      .select()
      .from(conversationEvents)
      .where(and(eq(conversationEvents.conversationId, conversationId), eq(conversationEvents.type, "handoff")));
    assert.deepEqual(handoff!.payload, { from: "triage", agent: "billing", note: "double charge on INV-1042" });
  });
});

describe("tools that are decisions", () => {
  test("an urgent ticket in Manual mode is proposed; approved, it opens and the customer is told", async () => {
    const admin = await signInAs(t);
    const { run, conversationId } = await toolsFor(agents.technical);
    await run("update_case", {
      reason: "Battery swelling",
      priority: "urgent",
      device: "Aero 14",
      since: "today",
      tried: "nothing",
    });
    await customerSays(conversationId, "yes");
    await run("update_case", { confirmed: true });
    await t.gql(
      `mutation ($id: ID!) { setAutonomyMode(mode: MANUAL, conversationId: $id) { mode } }`,
      { id: conversationId },
      admin.token,
    );
    const proposed = await run("create_ticket", {
      description: "Swollen battery",
      department: "technical",
      priority: "urgent",
    });
    assert.equal(proposed.status, "proposed");
    assert.equal(
      (await t.app.services.db.select().from(tickets).where(eq(tickets.conversationId, conversationId))).length,
      0,
    );
    const [decision] = await t.app.services.db
      .select()
      .from(decisions)
      .where(eq(decisions.conversationId, conversationId));
    const approved = await t.gql<{ approveDecision: { result: { ticketId: string } } }>(
      `mutation ($id: ID!) { approveDecision(id: $id) { result } }`,
      { id: decision!.id },
      admin.token,
    );
    const ticketId = approved.data!.approveDecision.result.ticketId;
    assert.match(ticketId, /^TK-\d{5,6}$/);
    const rows = await t.app.services.db.select().from(messages).where(eq(messages.conversationId, conversationId));
    assert.ok(rows.some((m) => m.content.includes(`Your ticket ${ticketId} is open`)));
  });

  test("a low-priority ticket is not a decision; an urgent one in Semi-Auto opens at once (pre-approved)", async () => {
    const { run, conversationId } = await toolsFor(agents.technical);
    await run("update_case", { reason: "Loose hinge", device: "Aero 14", since: "today", tried: "nothing" });
    await customerSays(conversationId, "yes");
    await run("update_case", { confirmed: true });
    const created = await run("create_ticket", { description: "Hinge", department: "technical", priority: "urgent" });
    assert.match(String(created.ticketId), /^TK-/);
    const [decision] = await t.app.services.db
      .select()
      .from(decisions)
      .where(eq(decisions.conversationId, conversationId));
    assert.equal(decision?.status, "executed");
    assert.equal(decision?.decidedByName, "Tandem (autonomy policy)");
  });

  test("the AI resolving a conversation asks first in Semi-Auto, and resolves it once approved", async () => {
    const admin = await signInAs(t);
    const { run, conversationId } = await toolsFor(agents.triage);
    const asked = await run("resolve_conversation", {
      reason: "question answered",
      reasoning: "They said thanks, that's all.",
    });
    assert.equal(asked.status, "proposed");
    const [decision] = await t.app.services.db
      .select()
      .from(decisions)
      .where(eq(decisions.conversationId, conversationId));
    await t.gql(`mutation ($id: ID!) { approveDecision(id: $id) { id } }`, { id: decision!.id }, admin.token);
    const [conversation] = await t.app.services.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, conversationId));
    assert.equal(conversation!.status, "resolved");
  });
});
