import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestApp, type TestApp } from "../support/app.ts";
import { newOperator, signInAs } from "../support/operators.ts";

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

const LIST = `{ cannedResponses { id shortcut title body } }`;
const CREATE = `mutation ($input: CannedResponseInput!) { createCannedResponse(input: $input) { id shortcut } }`;
const UPDATE = `mutation ($id: ID!, $input: CannedResponseInput!) { updateCannedResponse(id: $id, input: $input) { id title body } }`;
const DELETE = `mutation ($id: ID!) { deleteCannedResponse(id: $id) { id } }`;

test("admins manage saved replies; every operator reads them; bad input changes nothing", async () => {
  const admin = await signInAs(t);
  const op = await newOperator(t, "Quinn");
  const shortcut = `refund-${crypto.randomUUID().slice(0, 6)}`;
  const input = { shortcut, title: "Refund timeline", body: "Hi {{customer.first_name}}, refunds take 5 days." };

  const refused = await t.gql(CREATE, { input }, op.token);
  assert.equal(refused.errors?.[0]?.extensions?.code, "FORBIDDEN");
  const created = await t.gql<{ createCannedResponse: { id: string } }>(CREATE, { input }, admin.token);
  const id = created.data!.createCannedResponse.id;
  const again = await t.gql(CREATE, { input }, admin.token);
  assert.equal(again.errors?.[0]?.extensions?.code, "CONFLICT");

  for (const bad of [
    { ...input, shortcut: "Has Spaces" },
    { ...input, shortcut: `x-${shortcut}`, body: "Hi {{customer.password}}" },
    { ...input, shortcut: `y-${shortcut}`, title: " " },
  ]) {
    const r = await t.gql(CREATE, { input: bad }, admin.token);
    assert.equal(r.errors?.[0]?.extensions?.code, "BAD_INPUT", JSON.stringify(bad));
  }
  const listed = await t.gql<{ cannedResponses: Array<{ shortcut: string }> }>(LIST, {}, op.token);
  const mine = listed.data!.cannedResponses.filter((c) => c.shortcut.endsWith(shortcut));
  assert.deepEqual(
    mine.map((c) => c.shortcut),
    [shortcut],
  );

  const updated = await t.gql<{ updateCannedResponse: { title: string; body: string } }>(
    UPDATE,
    { id, input: { title: "Refunds: how long", body: null } },
    admin.token,
  );
  assert.equal(updated.data!.updateCannedResponse.title, "Refunds: how long");
  assert.equal(updated.data!.updateCannedResponse.body, input.body, "a null field is left as it was");
  assert.equal(
    (await t.gql(UPDATE, { id, input: { title: "x" } }, op.token)).errors?.[0]?.extensions?.code,
    "FORBIDDEN",
  );
  assert.equal((await t.gql(DELETE, { id }, op.token)).errors?.[0]?.extensions?.code, "FORBIDDEN");
  await t.gql(DELETE, { id }, admin.token);
  assert.equal((await t.gql(DELETE, { id }, admin.token)).errors?.[0]?.extensions?.code, "NOT_FOUND");
});
