import { expect, test, type Page } from "@playwright/test";
import { ADMIN, customerSays, expectNoSeriousA11yIssues, signIn } from "./support.ts";

/**
 * Every page, in the light and the dark colour scheme (the app follows the system's), passes axe
 * with no serious or critical finding: contrast, names, landmarks, lists.
 */
for (const colorScheme of ["light", "dark"] as const) {
  test(`every page passes axe in ${colorScheme} mode`, async ({ browser, baseURL }) => {
    test.setTimeout(120_000);
    const customerContext = await browser.newContext({ baseURL, colorScheme });
    const operatorContext = await browser.newContext({ baseURL, colorScheme });
    const customer = await customerContext.newPage();
    const op = await operatorContext.newPage();
    const check = async (page: Page, path: string | null, what: string) => {
      if (path) await page.goto(path);
      await expect(page.locator("body")).not.toBeEmpty();
      await test.step(what, () => expectNoSeriousA11yIssues(page));
    };

    await check(customer, "/", "the start page");
    await check(customer, "/help/protection-plan-coverage", "a help article");
    await customerSays(customer, "I want to talk to a person", `Axe ${colorScheme}`);
    await expect(customer.locator('[data-role="agent"][data-status="complete"]').first()).toBeVisible();
    await check(customer, null, "the chat, waiting for a person");

    await check(op, "/dashboard/login", "sign-in");
    await signIn(op, ADMIN.email, ADMIN.password);
    await check(op, null, "the inbox");
    await op
      .getByRole("link", { name: `Open conversation with Axe ${colorScheme}` })
      .first()
      .click();
    await expect(op.getByRole("heading", { name: `Conversation with Axe ${colorScheme}` })).toBeVisible();
    await check(op, null, "a conversation");
    await check(op, "/dashboard?view=resolved", "a view");
    await check(op, "/dashboard/decisions", "decisions");
    await check(op, "/dashboard/conductor", "the conductor");
    await check(op, "/dashboard/tickets", "tickets");
    await check(op, "/dashboard/tickets/TK-48213", "a ticket");
    await check(op, "/dashboard/canned", "saved replies");
    await check(op, "/dashboard/status", "status");
    await check(op, "/dashboard/operators", "operators");
    await check(op, "/dashboard/password", "password");
    await check(op, `/dashboard/conversations/${crypto.randomUUID()}`, "a missing conversation");
    await op.screenshot({ path: `test-results/a11y-${colorScheme}-missing.png` });
    await op.goto("/dashboard");
    await op.screenshot({ path: `test-results/a11y-${colorScheme}-inbox.png`, fullPage: true });
    await customer.screenshot({ path: `test-results/a11y-${colorScheme}-chat.png`, fullPage: true });
    await customerContext.close();
    await operatorContext.close();
  });
}
