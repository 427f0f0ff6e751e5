import { expect, test } from "@playwright/test";
import { ADMIN, closePeople, customerSays, expectNoSeriousA11yIssues, signIn, threePeople } from "./support.ts";

test.afterEach(closePeople);

test("Semi-Auto: Ada's double charge becomes a proposed refund; an operator elsewhere approves it live and Ada is told", async ({
  browser,
  baseURL,
}) => {
  const { pages, errors } = await threePeople(browser, baseURL!);
  const [ada, operator] = pages;

  await signIn(operator, ADMIN.email, ADMIN.password);
  await operator.getByRole("link", { name: /^Decisions/ }).click();
  await expect(operator.getByRole("heading", { name: "Decisions" })).toBeVisible();
  await expectNoSeriousA11yIssues(operator);

  await customerSays(ada, "I was charged twice this month, please refund the extra payment", "Ada", "ada@example.com");
  await expect(ada.getByRole("log")).toContainText("A person from our team is checking this before it goes through", {
    timeout: 30_000,
  });

  // The proposal appears on the operator's screen without a reload, with its reasoning and both confidences.
  const card = operator.getByRole("article", { name: /Decision: Refund €89\.00 .*PAY-70422/ });
  await expect(card).toBeVisible();
  await expect(card).toContainText("was paid twice: PAY-70421 and PAY-70422");
  await expect(card).toContainText("Model's confidence");
  await expect(card).toContainText("90 %");
  await expect(card).toContainText("Track record");
  await operator.screenshot({ path: "test-results/decision-queue.png", fullPage: true });

  // Keyboard: j focuses the card, a approves it.
  await operator.keyboard.press("j");
  await operator.keyboard.press("a");
  await expect(ada.getByRole("log")).toContainText("Your refund of €89.00 for payment PAY-70422 has been issued");
  await expect(operator.getByRole("heading", { name: "Waiting for a decision (0)" })).toBeVisible();
  await expect(operator.getByRole("table")).toContainText("executed");

  // The export carries the decision and the summary statistics.
  const exported = await operator.request.get("/dashboard/decisions/export?format=json");
  const body = (await exported.json()) as {
    summary: { byStatus: Record<string, number> };
    decisions: Array<{ summary: string }>;
  };
  expect(body.summary.byStatus.executed).toBeGreaterThanOrEqual(1);
  expect(body.decisions.some((d) => d.summary.includes("PAY-70422"))).toBe(true);
  expect(errors).toEqual([]);
});

test("Manual: the AI's reply is a draft only the operator sees; edited and sent, the customer reads the edit", async ({
  browser,
  baseURL,
}) => {
  const { pages, errors } = await threePeople(browser, baseURL!);
  const [customer, operator] = pages;
  await signIn(operator, ADMIN.email, ADMIN.password);
  await customerSays(customer, "hello", "Manny");
  await expect(customer.locator('[data-role="agent"][data-status="complete"]').first()).toBeVisible({
    timeout: 30_000,
  });

  // The operator opens the conversation and switches it to Manual.
  await operator.getByRole("link", { name: /Manny/ }).first().click();
  await expect(operator.getByRole("heading", { name: /Conversation with Manny/ })).toBeVisible();
  await operator.getByLabel("Autonomy").selectOption("manual");
  await expect(operator.getByText("Saving…")).toHaveCount(0);

  await customer.getByLabel("Your message").fill("Does my protection plan cover water damage?");
  await customer.keyboard.press("Enter");
  const draft = operator.getByRole("form", { name: /Draft by/ });
  await expect(draft).toBeVisible({ timeout: 30_000 });
  await operator.screenshot({ path: "test-results/manual-draft.png", fullPage: true });
  await expect(customer.getByRole("log")).not.toContainText("Device Protection");

  await draft.getByRole("textbox").fill("Yes, liquid damage is covered. Shall I start a claim for you?");
  await draft.getByRole("button", { name: "Send" }).click();
  await expect(customer.getByRole("log")).toContainText(
    "Yes, liquid damage is covered. Shall I start a claim for you?",
  );
  await expect(operator.getByRole("form", { name: /Draft by/ })).toHaveCount(0);
  await expectNoSeriousA11yIssues(operator);
  expect(errors).toEqual([]);
});
