import { expect, test } from "@playwright/test";
import { ADMIN, customerSays, expectNoSeriousA11yIssues, signIn, threePeople } from "./support.ts";

test("the conductor sees a customer going round in circles, proposes an intervention, and learns from the rejection", async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const {
    pages: [customer, operator, watcher],
    errors,
  } = await threePeople(browser, baseURL!);
  await signIn(operator, ADMIN.email, ADMIN.password);
  await signIn(watcher, ADMIN.email, ADMIN.password);
  const name = `Lou ${Date.now() % 10000}`;
  await customerSays(customer, "Where is my refund for INV-1042?", name);
  await expect(customer.locator('[data-role="agent"][data-status="complete"]').first()).toBeVisible();

  // In Manual every intervention is proposed, so the journey does not depend on which one is drawn.
  await operator
    .getByRole("link", { name: new RegExp(name) })
    .first()
    .click();
  await expect(operator.getByRole("heading", { name: `Conversation with ${name}` })).toBeVisible();
  await operator.getByLabel("Autonomy").selectOption("manual");
  await expect(operator.getByText("Saving…")).toHaveCount(0);

  // A second operator watches the Conductor page while the customer asks twice more.
  await watcher.getByRole("link", { name: "Conductor" }).click();
  await expect(watcher.getByRole("heading", { name: "Conductor" })).toBeVisible();
  for (const text of ["When will the refund for INV-1042 arrive?", "Any news on INV-1042? Still no refund."]) {
    await customer.getByLabel("Your message").fill(text);
    await customer.keyboard.press("Enter");
  }
  const row = watcher.getByTestId("watched-row").filter({ hasText: name });
  await expect(row).toContainText("Stuck in a loop: asked about INV-1042 3 times");
  // The answers are drafts nobody sent; after the grace period the conductor proposes its move.
  const card = watcher.getByRole("article").filter({ hasText: name });
  await expect(card).toContainText("Stuck in a loop", { timeout: 45_000 });
  await expect(row).toContainText("Waiting for approval");
  await expect(operator.getByTestId("conductor-latest")).toContainText("proposed");
  await expectNoSeriousA11yIssues(watcher);

  await card.getByRole("button", { name: "Reject" }).click();
  await card.getByRole("button", { name: "Confirm reject" }).click();
  const history = watcher.getByTestId("intervention-row").filter({ hasText: name });
  await expect(history).toContainText("Did not work");
  await expect(history).toContainText("an operator rejected it");
  const learned = watcher.getByTestId("learned-chart");
  await expect(learned).toContainText("Stuck in a loop");
  await expect(learned.getByRole("img", { name: /worked \d+ of \d+ times, posterior mean/ }).first()).toBeVisible();
  await watcher.screenshot({ path: "test-results/conductor.png", fullPage: true });
  await expect(customer.getByRole("log")).not.toContainText("checking this before it goes through");
  expect(errors).toEqual([]);
});
