import { expect, test } from "@playwright/test";

test("a broken laptop: transferred to Technical, the workflow, a ticket number, then its status", async ({ page }) => {
  const errors: string[] = [];
  page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
  await page.goto("/");
  await page.getByText("Add your name or email (optional)").click();
  await page.getByLabel("Your name (optional)").fill("Ada");
  await page.getByLabel("Email (optional)").fill("ada@example.com");

  const log = page.getByRole("log");
  const message = page.getByLabel("Your message");
  const lastAgent = () => page.locator('[data-role="agent"][data-status="complete"]').last();

  await message.fill("My laptop won't boot");
  await message.press("Enter");
  await expect(page.getByText("Connected")).toBeVisible();
  await expect(log.getByText("You're now talking to Technical Support (AI).")).toBeVisible();
  expect(await page.content()).not.toContain("Transferred to");
  await expect(lastAgent()).toContainText("Technical Support (AI)");
  await expect(lastAgent()).toContainText("Hold the power button");
  await expect(lastAgent().getByRole("link", { name: "Laptop will not start or boot" })).toHaveAttribute(
    "href",
    "/help/laptop-wont-boot",
  );

  await message.fill("That didn't help");
  await message.press("Enter");
  await expect(lastAgent()).toContainText("When did it start?");
  await message.fill("Since yesterday, it's my Aero 14, and I tried holding the power button");
  await message.press("Enter");
  await expect(lastAgent()).toContainText("Shall I create the ticket?");
  await message.fill("yes");
  await message.press("Enter");
  await expect(lastAgent()).toContainText(/created ticket TK-\d{5,6}/);
  const ticketId = /TK-\d{5,6}/.exec((await lastAgent().textContent()) ?? "")![0];

  await message.fill("What's the status of that ticket?");
  await message.press("Enter");
  await expect(lastAgent()).toContainText(`Ticket ${ticketId}`);
  await expect(lastAgent()).toContainText("is open");
  expect(errors).toEqual([]);
});

test("a cited help article opens on its own page", async ({ page }) => {
  await page.goto("/help/protection-plan-coverage");
  await expect(page.getByRole("heading", { name: "What the Device Protection plan covers" })).toBeVisible();
  await expect(page.getByText(/water spills/)).toBeVisible();
  const missing = await page.request.get("/help/no-such-article");
  expect(missing.status()).toBe(404);
});
