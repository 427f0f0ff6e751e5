import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { incidents, systemServices } from "../../drizzle/schema.ts";
import { statusTypeDefs } from "../../server/graphql/status/type-defs.ts";
import { startConversation, startTestApp, type TestApp } from "../support/app.ts";
import { openChat, textOf } from "../support/chat.ts";
import { newOperator, signInAs } from "../support/operators.ts";

let t: TestApp;
before(async () => {
  t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "0" });
});
after(() => t.close());

const STATUS = `{ systemStatus { allOperational services { id name status } openIncidents { id title status service { id } } } }`;
const SET = `mutation ($id: ID!, $status: ServiceStatus!) { setServiceStatus(serviceId: $id, status: $status) { id status } }`;
const OPEN = `mutation ($input: OpenIncidentInput!) { openIncident(input: $input) { id title status resolvedAt service { name } } }`;
const UPDATE = `mutation ($id: ID!, $status: IncidentStatus!) { updateIncident(id: $id, status: $status) { id status resolvedAt } }`;

type Status = {
  systemStatus: {
    allOperational: boolean;
    services: Array<{ id: string; status: string }>;
    openIncidents: Array<{ id: string; title: string; status: string }>;
  };
};

const rowCounts = async () => ({
  incidents: (await t.app.services.db.select().from(incidents)).length,
  services: JSON.stringify(await t.app.services.db.select().from(systemServices)),
});

describe("who may read and change the system status", () => {
  const calls: Record<string, [string, Record<string, unknown>]> = {
    systemStatus: [STATUS, {}],
    setServiceStatus: [SET, { id: "payments", status: "OUTAGE" }],
    openIncident: [OPEN, { input: { serviceId: "payments", title: "Card payments failing", status: "INVESTIGATING" } }],
    updateIncident: [UPDATE, { id: crypto.randomUUID(), status: "RESOLVED" }],
  };

  test("every status field is covered here", () => {
    // Every root field, read from the schema itself, so a new field cannot skip the check.
    const rootFields = [...statusTypeDefs.matchAll(/extend type \w+ \{([^}]*)\}/g)].flatMap((block) =>
      [...block[1]!.matchAll(/^\s+(\w+)[(:]/gm)].map((f) => f[1]!),
    );
    assert.deepEqual(new Set(rootFields), new Set(Object.keys(calls)));
  });

  test("anonymous callers, customers and plain operators change nothing", async () => {
    const before = await rowCounts();
    const customer = await startConversation(t);
    const operator = await newOperator(t, "Status Reader");
    for (const [name, [query, variables]] of Object.entries(calls)) {
      const anon = await t.gql(query, variables);
      assert.equal(anon.errors?.[0]?.extensions?.code, "UNAUTHENTICATED", `${name} (anonymous)`);
      assert.equal(anon.data ?? null, null);
      const asCustomer = await t.gql(query, variables, customer.token);
      assert.equal(asCustomer.errors?.[0]?.extensions?.code, "FORBIDDEN", `${name} (customer)`);
      if (name !== "systemStatus") {
        const asOperator = await t.gql(query, variables, operator.token);
        assert.equal(asOperator.errors?.[0]?.extensions?.code, "FORBIDDEN", `${name} (operator)`);
      }
    }
    const read = await t.gql<Status>(STATUS, {}, operator.token);
    assert.ok(read.data?.systemStatus.services.some((s) => s.id === "backup" && s.status === "DEGRADED"));
    assert.deepEqual(await rowCounts(), before);
  });
});

describe("admins change the status and the agents report it", () => {
  test("an outage and its incident reach the customer, and resolving them clears it", async () => {
    const admin = await signInAs(t);
    const seen: string[] = [];
    const client = t.ws(admin.token);
    const stop = client.subscribe<{ inboxEvents: { type: string } }>(
      { query: "subscription { inboxEvents { type reason } }" },
      { next: (r) => r.data && seen.push(r.data.inboxEvents.type), error: () => {}, complete: () => {} },
    );
    await new Promise((r) => setTimeout(r, 200));

    assert.equal((await t.gql(SET, { id: "payments", status: "OUTAGE" }, admin.token)).errors, undefined);
    const opened = await t.gql<{
      openIncident: { id: string; status: string; resolvedAt: string | null; service: { name: string } };
    }>(
      OPEN,
      { input: { serviceId: "payments", title: "  Card payments failing at checkout ", status: "INVESTIGATING" } },
      admin.token,
    );
    assert.equal(opened.errors, undefined, JSON.stringify(opened.errors));
    const incident = opened.data!.openIncident;
    assert.deepEqual(
      { ...incident, id: undefined },
      {
        id: undefined,
        status: "INVESTIGATING",
        resolvedAt: null,
        service: { name: "Payments" },
        title: "Card payments failing at checkout",
      },
    );

    const during = textOf(await (await openChat(t)).say("Is the service down?"));
    assert.match(during, /Payments is down/);
    assert.match(during, /Card payments failing at checkout \(investigating\)/);

    const resolved = await t.gql<{ updateIncident: { status: string; resolvedAt: string | null } }>(
      UPDATE,
      { id: incident.id, status: "RESOLVED" },
      admin.token,
    );
    assert.equal(resolved.data?.updateIncident.status, "RESOLVED");
    assert.ok(resolved.data?.updateIncident.resolvedAt);
    await t.gql(SET, { id: "payments", status: "OPERATIONAL" }, admin.token);
    const status = await t.gql<Status>(STATUS, {}, admin.token);
    assert.ok(!status.data!.systemStatus.openIncidents.some((i) => i.id === incident.id));

    const afterwards = textOf(await (await openChat(t)).say("Is the service down?"));
    assert.doesNotMatch(afterwards, /Payments|Card payments/);

    await new Promise((r) => setTimeout(r, 200));
    stop();
    assert.equal(
      seen.filter((type) => type === "STATUS_CHANGED").length,
      4,
      `every change nudged the operator screens: ${seen}`,
    );
  });

  test("an incident on a service that is still up is reported without calling the service down", async () => {
    const admin = await signInAs(t);
    const opened = await t.gql<{ openIncident: { id: string } }>(
      OPEN,
      { input: { serviceId: "portal", title: "Slow sign-in for some users", status: "MONITORING" } },
      admin.token,
    );
    const reply = textOf(await (await openChat(t)).say("Is the service down?"));
    assert.match(reply, /Slow sign-in for some users \(monitoring\)/);
    assert.doesNotMatch(reply, /Customer portal is/);
    await t.gql(UPDATE, { id: opened.data!.openIncident.id, status: "RESOLVED" }, admin.token);
  });
});

describe("bad status input gets a typed error and changes nothing", () => {
  test("unknown service or incident, empty title, a closed incident, and a value outside the enum", async () => {
    const admin = await signInAs(t);
    const opened = await t.gql<{ openIncident: { id: string } }>(
      OPEN,
      { input: { serviceId: "activation", title: "Activation emails delayed", status: "IDENTIFIED" } },
      admin.token,
    );
    await t.gql(UPDATE, { id: opened.data!.openIncident.id, status: "RESOLVED" }, admin.token);
    const before = await rowCounts();

    const cases: Array<[string, Record<string, unknown>, string]> = [
      [SET, { id: "no-such-service", status: "OUTAGE" }, "NOT_FOUND"],
      [SET, { id: "payments", status: "ON_FIRE" }, "BAD_USER_INPUT"],
      [OPEN, { input: { serviceId: "no-such-service", title: "x", status: "INVESTIGATING" } }, "NOT_FOUND"],
      [OPEN, { input: { serviceId: "payments", title: "   ", status: "INVESTIGATING" } }, "BAD_INPUT"],
      [OPEN, { input: { serviceId: "payments", title: "x".repeat(201), status: "INVESTIGATING" } }, "BAD_INPUT"],
      [OPEN, { input: { serviceId: "payments", title: "Born resolved", status: "RESOLVED" } }, "BAD_INPUT"],
      [UPDATE, { id: crypto.randomUUID(), status: "MONITORING" }, "NOT_FOUND"],
      [UPDATE, { id: "not-a-uuid", status: "MONITORING" }, "NOT_FOUND"],
      [UPDATE, { id: opened.data!.openIncident.id, status: "INVESTIGATING" }, "BAD_INPUT"],
    ];
    for (const [query, variables, code] of cases) {
      const r = await t.gql(query, variables, admin.token);
      assert.equal(r.errors?.[0]?.extensions?.code, code, `${JSON.stringify(variables)}: ${JSON.stringify(r.errors)}`);
      assert.ok(r.errors?.[0]?.message, "a message a person can act on");
    }
    assert.deepEqual(await rowCounts(), before);
  });
});
