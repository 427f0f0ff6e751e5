import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";

test("the Remix build imports the server's modules instead of carrying copies of them", () => {
  const build = readFileSync("build/index.js", "utf8");
  expect(build).not.toContain("class AppError");
  expect(build).toContain('from "#server/errors.ts"');
});

test("every page carries the security headers and its inline scripts run under the nonce-based CSP", async ({
  page,
}) => {
  const violations: string[] = [];
  page.on("console", (msg) => {
    if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
  });
  const response = await page.goto("/");
  const csp = response!.headers()["content-security-policy"] ?? "";
  expect(csp).toContain("frame-ancestors 'none'");
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  expect(nonce).toBeTruthy();
  expect(response!.headers()["x-content-type-options"]).toBe("nosniff");
  // The page hydrated: the start form works with JavaScript.
  await page.getByLabel("Your message").fill("Checking the page works");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("log", { name: "Conversation" })).toBeVisible();
  expect(violations).toEqual([]);
});

test("a rate-limited sign-in form answers 429 with Retry-After, not 500", async ({ request }) => {
  const email = `nobody.${Date.now()}@tandem.local`;
  const statuses: number[] = [];
  let retryAfter: string | undefined;
  // The journeys' server allows 20 attempts per address and email; keep trying until refused.
  for (let i = 0; i < 25 && !statuses.includes(429); i++) {
    const res = await request.post("/dashboard/login", {
      form: { email, password: "not the password" },
      maxRedirects: 0,
    });
    statuses.push(res.status());
    retryAfter ??= res.headers()["retry-after"];
  }
  expect(statuses.at(-1)).toBe(429);
  expect(statuses).not.toContain(500);
  expect(Number(retryAfter)).toBeGreaterThan(0);
});

test("an address nothing serves is a plain 404 page, not an error", async ({ page }) => {
  const response = await page.goto("/no-such-page");
  expect(response!.status()).toBe(404);
  expect(response!.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  // The app's own 404 (a route that serves every other address), not Remix's internal
  // "no route matches" error, which it prints to the log with a stack trace.
  await expect(page.getByRole("alert")).toHaveText("404: Nothing at /no-such-page.");
});
