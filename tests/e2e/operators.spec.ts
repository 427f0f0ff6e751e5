import { expect, test } from "@playwright/test";
import {
  ADMIN,
  closePeople,
  createOperator,
  customerSays,
  expectNoSeriousA11yIssues,
  signIn,
  threePeople,
} from "./support.ts";

test.afterEach(closePeople);

test("two operators and a customer: escalate, claim, reply, hand back; XSS does nothing; pages pass axe", async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const second = await createOperator(browser, baseURL!, "Omar");
  const {
    pages: [op1, op2, customer],
    errors,
  } = await threePeople(browser, baseURL!);

  await op1.goto("/dashboard/login");
  await expectNoSeriousA11yIssues(op1);
  await signIn(op1, ADMIN.email, ADMIN.password);
  await signIn(op2, second.email, second.password);

  // The customer asks for a person.
  const name = `Casey ${Date.now() % 10000}`;
  await customerSays(customer, "I want to talk to a person", name);
  await expect(customer.getByText("asked a member of our support team to join")).toBeVisible();

  // It appears on both screens without a reload.
  const card1 = op1.getByRole("listitem", { name: `Escalation: ${name}` });
  const card2 = op2.getByRole("listitem", { name: `Escalation: ${name}` });
  await expect(card1).toBeVisible();
  await expect(card2).toBeVisible();
  // What the customer wants: the escalation's reason, until the case summary (written meanwhile) says it better.
  await expect(card1).toContainText(/Customer asked to speak to a person|To talk to a person/);
  await expect(card1.getByTitle("Customer asked to speak to a person")).toBeVisible();
  await expectNoSeriousA11yIssues(op1);

  // Operator 1 claims it; operator 2 sees who has it.
  await card1.getByRole("button", { name: "Claim" }).click();
  await expect(card1).toContainText("Claimed by you");
  await expect(card2).toContainText("Claimed by Admin");
  await expect(card2.getByRole("button", { name: "Claim" })).toHaveCount(0);
  await expect(customer.getByText("Admin from the support team joined the conversation.")).toBeVisible();

  // Operator 1 replies; the customer sees it live, with the operator's name.
  await card1.getByRole("link", { name: `Open conversation with ${name}` }).click();
  await expect(op1.getByRole("heading", { name: `Conversation with ${name}` })).toBeVisible();
  await expectNoSeriousA11yIssues(op1);
  await op1.getByLabel("Reply to the customer").fill("Hi, I'm here. What can I do?");
  await op1.getByRole("button", { name: "Send reply" }).click();
  await expect(customer.locator('[data-role="operator"]')).toContainText("Admin (support team)");
  await expect(customer.locator('[data-role="operator"]')).toContainText("Hi, I'm here. What can I do?");

  // The XSS probe is shown as text on both sides and runs nothing.
  const probe = `<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>`;
  await customer.getByLabel("Your message").fill(probe);
  await customer.keyboard.press("Enter");
  await expect(op1.getByRole("log").getByText(probe)).toBeVisible();
  await expect(customer.getByRole("log").getByText(probe)).toBeVisible();
  expect(await op1.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
  expect(await customer.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();

  // Hand back to Billing with a note: the agent reads it, the team sees it, the customer never does.
  const note = "INTERNAL: possible fraud, do not refund INV-1042";
  await op1.getByLabel("Hand back to").selectOption("billing");
  await op1.getByLabel("Note for the agent").fill(note);
  await op1.getByRole("button", { name: "Hand back" }).click();
  const billing = customer.locator('[data-role="agent"][data-status="complete"]').last();
  await expect(billing).toContainText("Billing (AI)");
  await expect(billing).toContainText("read their notes");
  await expect(op1.locator('[data-role="note"]')).toContainText(note);
  await customer.reload();
  await expect(customer.getByRole("log")).toBeVisible();
  expect(await customer.content()).not.toContain("possible fraud");

  // Tickets: filter, open one, change its status; the audit trail shows it. Both pages pass axe.
  await op1.getByRole("link", { name: "Tickets" }).click();
  await expect(op1.getByRole("heading", { name: "Tickets" })).toBeVisible();
  await op1.getByLabel("Search").fill("battery");
  await op1.getByRole("button", { name: "Apply" }).click();
  await expect(op1.getByRole("link", { name: "TK-48213" })).toBeVisible();
  await expectNoSeriousA11yIssues(op1);
  await op1.getByRole("link", { name: "TK-48213" }).click();
  await expect(op1.getByRole("heading", { name: /TK-48213/ })).toBeVisible();
  await op1.getByLabel("Status").selectOption("waiting_on_customer");
  await op1.getByLabel("Note (internal: only your team sees it)").fill("Asked for a battery report");
  await op1.getByRole("button", { name: "Save" }).click();
  await expect(op1.getByTestId("ticket-status")).toHaveText("waiting on customer");
  await expect(op1.getByRole("region", { name: "Audit trail" }).getByText("Asked for a battery report")).toBeVisible();
  await expectNoSeriousA11yIssues(op1);
  await op1.getByRole("link", { name: "Operators" }).click();
  await expect(op1.getByRole("heading", { name: "Operators" })).toBeVisible();
  await expectNoSeriousA11yIssues(op1);

  expect(errors).toEqual([]);
});

test("an admin reports an outage: other operators see it live and customers are told", async ({ browser, baseURL }) => {
  const reader = await createOperator(browser, baseURL!, "Noor");
  const {
    pages: [admin, operator, customer],
    errors,
  } = await threePeople(browser, baseURL!);

  await signIn(operator, reader.email, reader.password);
  await operator.getByRole("link", { name: "Status" }).click();
  await expect(operator.getByRole("heading", { name: "System status" })).toBeVisible();
  await expect(operator.getByTestId("service-activation")).toHaveText("operational");
  await expect(operator.getByText("Only admins can change it.")).toBeVisible();
  await expect(operator.getByRole("button", { name: "Open incident" })).toHaveCount(0);

  await signIn(admin, ADMIN.email, ADMIN.password);
  await admin.goto("/dashboard/status");
  await admin.getByLabel("Device activation status").selectOption("outage");
  await admin.getByRole("button", { name: "Save Device activation" }).click();
  await expect(admin.getByTestId("service-activation")).toHaveText("outage");
  await admin.getByLabel("Service", { exact: true }).selectOption("activation");
  await admin.getByLabel("What customers see").fill("New laptops cannot activate");
  await admin.getByRole("button", { name: "Open incident" }).click();
  await expect(admin.getByText("Incident opened.")).toBeVisible();
  await expectNoSeriousA11yIssues(admin);

  // The other operator's screen follows without a reload.
  await expect(operator.getByTestId("service-activation")).toHaveText("outage");
  await expect(operator.getByText("New laptops cannot activate")).toBeVisible();

  await customerSays(customer, "Is the service down?");
  const reply = customer.locator('[data-role="agent"][data-status="complete"]').last();
  await expect(reply).toContainText("Device activation is down");
  await expect(reply).toContainText("New laptops cannot activate (investigating)");

  // Resolving puts things back for everyone.
  const incident = admin.getByRole("listitem").filter({ hasText: "New laptops cannot activate" });
  await incident.getByLabel("Incident status").selectOption("resolved");
  await incident.getByRole("button", { name: "Update" }).click();
  await expect(admin.getByText("New laptops cannot activate")).toHaveCount(0);
  await admin.getByLabel("Device activation status").selectOption("operational");
  await admin.getByRole("button", { name: "Save Device activation" }).click();
  await expect(operator.getByText("New laptops cannot activate")).toHaveCount(0);
  await expect(operator.getByTestId("service-activation")).toHaveText("operational");

  expect(errors).toEqual([]);
});

test("the inbox works from the keyboard: move, claim and open without a mouse", async ({ browser, baseURL }) => {
  const {
    pages: [op, customer, other],
    errors,
  } = await threePeople(browser, baseURL!);
  await signIn(op, ADMIN.email, ADMIN.password);

  const name = `Kim ${Date.now() % 10000}`;
  await customerSays(customer, "Can I speak to a human please", name);
  const card = op.getByRole("listitem", { name: `Escalation: ${name}` });
  await expect(card).toBeVisible();
  // A second customer the AI is handling gives the inbox a row below the escalations.
  await customerSays(other, "Hello there");
  await expect(op.getByRole("link", { name: /^Watch / }).first()).toBeVisible();

  // j walks down the rows until the new escalation has focus; k and j step off it and back.
  const rows = await op.locator("[data-inbox-item]").count();
  expect(rows).toBeGreaterThan(1);
  for (let i = 0; i < rows; i++) {
    await op.keyboard.press("j");
    if (await card.evaluate((el) => el === document.activeElement)) break;
  }
  await expect(card).toBeFocused();
  await op.keyboard.press("j");
  await expect(card).not.toBeFocused();
  await op.keyboard.press("k");
  await expect(card).toBeFocused();

  await op.keyboard.press("c");
  await expect(card).toContainText("Claimed by you");
  await expect(card).toBeFocused();
  await op.keyboard.press("Enter");
  await expect(op.getByRole("heading", { name: `Conversation with ${name}` })).toBeVisible();
  await expect(customer.getByText(/joined the conversation/)).toBeVisible();
  expect(errors).toEqual([]);
});
