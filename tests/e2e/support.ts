import AxeBuilder from "@axe-core/playwright";
import { expect, type Browser, type Page } from "@playwright/test";

/** Helpers the browser journeys share. */

export const ADMIN = { email: "admin@tandem.local", password: "e2e admin password" };

export async function signIn(page: Page, email: string, password: string) {
  await page.goto("/dashboard/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Inbox" })).toBeVisible();
  await expect(page.getByText("Connected")).toBeVisible();
}

export async function expectNoSeriousA11yIssues(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}

/** Three people, each in a fresh browser context; every page's console errors are collected in `errors`. */
export async function threePeople(
  browser: Browser,
  baseURL: string,
): Promise<{ pages: [Page, Page, Page]; errors: string[] }> {
  const errors: string[] = [];
  const open = async () => {
    const page = await (await browser.newContext({ baseURL })).newPage();
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    return page;
  };
  return { pages: [await open(), await open(), await open()], errors };
}

/** A customer opens the chat (optionally giving a name) and sends `text`. */
export async function customerSays(page: Page, text: string, name?: string, email?: string) {
  await page.goto("/");
  if (name) await page.getByLabel("Your name (optional)").fill(name);
  if (email) await page.getByLabel("Email (optional)").fill(email);
  await page.getByRole("button", { name: "Start chatting" }).click();
  await expect(page.getByText("Connected")).toBeVisible();
  await page.getByLabel("Your message").fill(text);
  await page.keyboard.press("Enter");
}

/** A second operator, created by the admin through the API. */
export async function createOperator(browser: Browser, baseURL: string, name: string) {
  const ctx = await browser.newContext({ baseURL });
  const signInRes = await ctx.request.post("/graphql", {
    headers: { "content-type": "application/json" },
    data: { query: `mutation { signIn(email: "${ADMIN.email}", password: "${ADMIN.password}") { token } }` },
  });
  const token = (await signInRes.json()).data.signIn.token as string;
  const email = `${name.toLowerCase().replace(/\W/g, "")}.${Date.now()}@tandem.local`;
  const password = "operator e2e password";
  const created = await ctx.request.post("/graphql", {
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    data: {
      query: `mutation ($input: CreateOperatorInput!) { createOperator(input: $input) { id } }`,
      variables: { input: { email, name, role: "OPERATOR", password } },
    },
  });
  expect((await created.json()).errors).toBeUndefined();
  await ctx.close();
  return { email, password };
}
