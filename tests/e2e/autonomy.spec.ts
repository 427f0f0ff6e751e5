import { expect, test } from "@playwright/test";
import { ADMIN, customerSays, expectNoSeriousA11yIssues, signIn, threePeople } from "./support.ts";

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
