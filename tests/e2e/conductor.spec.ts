import { expect, test } from "@playwright/test";
import { ADMIN, closePeople, customerSays, expectNoSeriousA11yIssues, signIn, threePeople } from "./support.ts";

test.afterEach(closePeople);

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

  // A second operator watches the Conductor page while the customer asks twice more. While its
  // data is on the way (held back here), the panels' outlines show.
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await watcher.route("**/dashboard/conductor.data*", async (route) => {
    await held;
    await route.continue();
  });
  await watcher.getByRole("link", { name: "Conductor" }).click();
  await expect(watcher.getByRole("main", { name: "Loading the conductor" })).toHaveAttribute("aria-busy", "true");
  release();
  await expect(watcher.getByRole("heading", { name: "Conductor", exact: true })).toBeVisible();

  // The first visit opens the tour: seven steps, then it stays closed, and it can be replayed.
  const tour = watcher.getByTestId("conductor-tour");
  await expect(tour).toContainText("Step 1 of 7");
  await expect(tour.getByRole("heading", { name: "Modes" })).toBeFocused();
  for (const title of ["Status", "The decision explainer", "Approving", "What it learned", "The simulator", "Export"]) {
    await tour.getByRole("button", { name: "Next" }).click();
    await expect(tour.getByRole("heading", { name: title })).toBeVisible();
  }
  await expect(tour).toContainText("Step 7 of 7");
  await tour.getByRole("button", { name: "Done" }).click();
  await expect(tour).toHaveCount(0);
  await watcher.reload();
  await expect(watcher.getByRole("button", { name: "Replay the tour" })).toBeVisible();
  await expect(tour).toHaveCount(0);
  await watcher.getByRole("button", { name: "Replay the tour" }).click();
  await expect(tour).toContainText("Step 1 of 7");
  await tour.getByRole("button", { name: "Skip the tour" }).click();
  await expect(tour).toHaveCount(0);
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

  // The export carries the same facts, with summary statistics.
  const exported = await watcher.request.get("/dashboard/conductor/export?format=json");
  expect(exported.headers()["content-disposition"]).toMatch(/attachment; filename="interventions-/);
  const body = (await exported.json()) as {
    summary: { failures: number; total: number };
    interventions: Array<{ conversationId: string; outcome: string; outcomeReason: string }>;
  };
  expect(body.summary.failures).toBeGreaterThan(0);
  expect(body.interventions.some((i) => i.outcomeReason === "an operator rejected it")).toBe(true);
  const csv = await (await watcher.request.get("/dashboard/conductor/export?format=csv")).text();
  expect(csv.split("\r\n")[0]).toContain("anomaly,intervention,contextKey");
  await expect(customer.getByRole("log")).not.toContainText("checking this before it goes through");
  expect(errors).toEqual([]);
});

test("the 60-second demo: simulated customers run into trouble, the conductor steps in, and what it learns moves", async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(150_000);
  const context = await browser.newContext({ baseURL });
  const admin = await context.newPage();
  const errors: string[] = [];
  admin.on("pageerror", (e) => errors.push(e.message));
  await signIn(admin, ADMIN.email, ADMIN.password);
  await admin.goto("/dashboard/conductor");
  await admin.getByTestId("conductor-tour").getByRole("button", { name: "Skip the tour" }).click();
  // In Auto every intervention runs, so each simulated customer meets one, whichever is drawn.
  const mode = admin.getByLabel("Autonomy mode for all conversations");
  const saved = () =>
    admin.waitForResponse((r) => r.url().includes("/dashboard/decisions") && r.request().method() === "POST");
  await Promise.all([saved(), mode.selectOption("auto")]);
  try {
    await admin.getByRole("button", { name: "Run the 60-second demo" }).click();
    await expect(admin.getByRole("status").filter({ hasText: "The demo has started" })).toBeVisible();
    const lou = admin.getByTestId("intervention-row").filter({ hasText: "Lou (looping)" }).first();
    const fay = admin.getByTestId("intervention-row").filter({ hasText: "Fay (frustrated)" }).first();
    await expect(lou).toBeVisible({ timeout: 60_000 });
    await expect(fay).toBeVisible({ timeout: 60_000 });
    // Each customer reacts to the intervention, their mood recovers, and the sweep counts it a success.
    await expect(lou).toContainText("Worked", { timeout: 30_000 });
    await expect(fay).toContainText("Worked", { timeout: 30_000 });
    const learned = admin.getByTestId("learned-chart");
    await expect(learned.getByRole("img", { name: /worked [1-9]\d* of \d+ times/ }).first()).toBeVisible();
    await expect(admin.getByTestId("intervention-stats")).toContainText(/median reaction \d+\.\d s/);
    await admin.screenshot({ path: "test-results/conductor-demo.png", fullPage: true });
  } finally {
    // The journeys after this one expect the default mode back.
    await Promise.all([saved(), mode.selectOption("semi_auto")]);
    await admin.reload();
    await expect(mode).toHaveValue("semi_auto");
  }
  expect(errors).toEqual([]);
  await context.close();
});
