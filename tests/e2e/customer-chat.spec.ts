import { expect, test, type Page } from "@playwright/test";

/** The customer types at once: the first message starts the conversation. */
async function startChat(page: Page, first: string) {
  await page.goto("/");
  await expect(page.getByLabel("Your message")).toBeFocused();
  await page.getByText("Add your name or email (optional)").click();
  await page.getByLabel("Your name (optional)").fill("Robin");
  await page.getByLabel("Your message").fill(first);
  await page.keyboard.press("Enter");
  await expect(page.getByText("Connected")).toBeVisible();
  await expect(page.getByLabel("Your message")).toBeFocused();
}

const agentReplies = (page: Page) => page.locator('[data-role="agent"]');

// Any console error fails the journey, except the browser's own report that a connection
// failed while the test had deliberately taken the network away.
let consoleErrors: string[] = [];
test.beforeEach(async ({ page }) => {
  consoleErrors = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" && !msg.text().includes("net::ERR_INTERNET_DISCONNECTED"))
      consoleErrors.push(msg.text());
  });
});
test.afterEach(() => {
  expect(consoleErrors).toEqual([]);
});

test("a customer sends a message and sees the reply stream in", async ({ page }) => {
  await startChat(page, "Hello there");
  await expect(page.locator('[data-role="customer"]')).toContainText("Hello there");
  await expect(agentReplies(page).and(page.locator('[data-status="complete"]'))).toHaveCount(1);
  await expect(agentReplies(page)).toContainText("Triage (AI)");
  await expect(agentReplies(page)).toContainText("What can I do for you today?");

  // The first reply may be whole before the page's socket connects; the next one starts with
  // the socket open, so it is seen while it streams: it grows before it is complete.
  await page.getByLabel("Your message").fill("My laptop will not boot");
  await page.keyboard.press("Enter");
  const second = agentReplies(page).nth(1);
  await expect(second).toHaveAttribute("data-status", "streaming");
  const partial = (await second.textContent()) ?? "";
  await expect(second).toHaveAttribute("data-status", "complete");
  const final = (await second.textContent()) ?? "";
  expect(final.length).toBeGreaterThan(partial.length);
});

test("the history survives a reload", async ({ page }) => {
  await startChat(page, "My laptop will not boot");
  await expect(agentReplies(page).and(page.locator('[data-status="complete"]'))).toHaveCount(1);
  const before = (await page.getByRole("log").textContent()) ?? "";
  await page.reload();
  await expect(page.getByText("Connected")).toBeVisible();
  await expect(page.getByRole("log")).toHaveText(before);
  await expect(page.locator('[data-role="customer"]')).toHaveCount(1);
});

test("dropping the network mid-reply loses and duplicates nothing", async ({ page, context }) => {
  // The first reply may be whole before the page's socket connects (a busy machine); the second
  // starts with the socket open, so the network goes while it streams.
  await startChat(page, "Hello there");
  await expect(agentReplies(page).and(page.locator('[data-status="complete"]'))).toHaveCount(1);
  await page.getByLabel("Your message").fill("My laptop will not boot");
  await page.keyboard.press("Enter");
  await expect(agentReplies(page).and(page.locator('[data-status="streaming"]'))).toBeVisible();
  await context.setOffline(true);
  await expect(page.getByText("Reconnecting…")).toBeVisible();
  await page.waitForTimeout(1500);
  await context.setOffline(false);
  await expect(page.getByText("Connected")).toBeVisible();
  await expect(agentReplies(page).and(page.locator('[data-status="complete"]'))).toHaveCount(2);
  const shown = await agentReplies(page).last().locator("p").nth(1).innerText();

  // The server's copy of the transcript is the truth: a fresh load must show exactly the same.
  await page.reload();
  await expect(agentReplies(page)).toHaveCount(2);
  expect(await agentReplies(page).last().locator("p").nth(1).innerText()).toBe(shown);
  await expect(page.locator('[data-role="customer"]')).toHaveCount(2);
});
