import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { ADMIN, customerSays, expectNoSeriousA11yIssues, signIn } from "./support.ts";

test("the team reads the analytics at a glance, switches the range and exports CSV", async ({ browser }) => {
  test.setTimeout(90_000);
  const customer = await (await browser.newContext()).newPage();
  await customerSays(customer, "I want to talk to a person", `Ana ${Date.now() % 10000}`);
  await expect(customer.locator('[data-role="agent"][data-status="complete"]').first()).toBeVisible();

  const page = await (await browser.newContext()).newPage();
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.getByRole("link", { name: "Analytics" }).click();
  await expect(page.getByRole("heading", { name: "Analytics" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Last 30 days" })).toHaveAttribute("aria-current", "page");

  // The handoff is counted, and the charts are drawn by the charting library.
  await expect(page.getByTestId("kpi-handoff")).toContainText(/[1-9]\d* of [1-9]\d* handed to a person/);
  for (const chart of ["chart-conversations", "chart-rates", "chart-waiting", "chart-cost"]) {
    await expect(page.getByTestId(chart).locator(".recharts-wrapper > svg.recharts-surface")).toBeVisible();
  }
  await expect(page.getByTestId("chart-conversations").locator(".recharts-bar-rectangle").first()).toBeVisible();
  await expect(page.getByTestId("by-agent")).toContainText("Triage");
  await expectNoSeriousA11yIssues(page);
  await page.screenshot({ path: "test-results/analytics.png", fullPage: true });

  await page.getByRole("link", { name: "Last 7 days" }).click();
  await expect(page).toHaveURL(/days=7/);
  await expect(page.getByRole("link", { name: "Last 7 days" })).toHaveAttribute("aria-current", "page");

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV (by day)" }).click();
  const csv = await readFile((await (await download).path())!, "utf8");
  const lines = csv.trim().split("\r\n");
  expect(lines[0]).toMatch(/^day,conversations,aiResolutions,/);
  expect(lines).toHaveLength(8);
  const today = new Date().toISOString().slice(0, 10);
  expect(lines.find((l) => l.startsWith(today))).toMatch(new RegExp(`^${today},[1-9]`));
});
