import AxeBuilder from "@axe-core/playwright";
import { expect, type Browser, type BrowserContext, type Page } from "@playwright/test";

/** Helpers the browser journeys share. */

export const ADMIN = { email: "admin@tandem.local", password: "e2e admin password" };

export async function signIn(page: Page, email: string, password: string) {
  await page.goto("/dashboard/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Inbox" })).toBeVisible();
  await expect(page.getByText("Connected", { exact: true })).toBeVisible();
}

export async function expectNoSeriousA11yIssues(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}

/**
 * When a navigation overtakes a live refetch whose answer is still arriving, the router aborts the
 * refetch and Remix's single-fetch decoder logs the AbortError to the console before discarding the
 * load. That log is the framework at work, not a failure of the page, so journeys do not count it.
 */
const routerAbortLog = (text: string) => text.startsWith("AbortError: signal is aborted without reason");

/**
 * The contexts `threePeople` opened on the run's one browser. Playwright closes only the contexts
 * of its own fixtures, so a spec that uses `threePeople` closes these after each journey
 * (`test.afterEach(closePeople)`): left open, every earlier journey's pages stay subscribed and
 * keep rendering, and the machine slows down journey by journey.
 */
const opened = new Set<BrowserContext>();

export async function closePeople(): Promise<void> {
  const contexts = [...opened];
  opened.clear();
  await Promise.all(contexts.map((c) => c.close()));
}

/** Three people, each in a fresh browser context; every page's console errors are collected in `errors`. */
export async function threePeople(
  browser: Browser,
  baseURL: string,
): Promise<{ pages: [Page, Page, Page]; errors: string[] }> {
  const errors: string[] = [];
  const open = async () => {
    const context = await browser.newContext({ baseURL });
    opened.add(context);
    const page = await context.newPage();
    page.on("console", (m) => m.type() === "error" && !routerAbortLog(m.text()) && errors.push(m.text()));
    return page;
  };
  return { pages: [await open(), await open(), await open()], errors };
}

/** A customer opens the chat and starts it with `text` (optionally giving a name and an email). */
export async function customerSays(page: Page, text: string, name?: string, email?: string) {
  await page.goto("/");
  if (name || email) await page.getByText("Add your name or email (optional)").click();
  if (name) await page.getByLabel("Your name (optional)").fill(name);
  if (email) await page.getByLabel("Email (optional)").fill(email);
  await page.getByLabel("Your message").fill(text);
  await page.keyboard.press("Enter");
  await expect(page.getByText("Connected")).toBeVisible();
}

/**
 * The admin's API token. The whole suite signs the admin in from one address, and a fast run can
 * reach the sign-in limit: then it waits the Retry-After the server gives and signs in again.
 */
async function adminToken(ctx: BrowserContext): Promise<string> {
  for (;;) {
    const res = await ctx.request.post("/graphql", {
      headers: { "content-type": "application/json" },
      data: {
        query: `mutation ($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`,
        variables: { e: ADMIN.email, p: ADMIN.password },
      },
    });
    const body = (await res.json()) as {
      data: { signIn: { token: string } } | null;
      errors?: Array<{ extensions?: { code?: string; retryAfter?: number } }>;
    };
    if (body.data) return body.data.signIn.token;
    const limited = body.errors?.[0]?.extensions;
    if (limited?.code !== "RATE_LIMITED" || !limited.retryAfter) throw new Error(JSON.stringify(body.errors));
    await new Promise((resolve) => setTimeout(resolve, limited.retryAfter! * 1000));
  }
}

/** A second operator, created by the admin through the API. */
export async function createOperator(browser: Browser, baseURL: string, name: string) {
  const ctx = await browser.newContext({ baseURL });
  const token = await adminToken(ctx);
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

/**
 * Leaves `keep` as the only operators new escalations can be offered to: the admin goes away and
 * the other operators earlier journeys created are disabled (this server is shared by them all).
 */
export async function onlyAvailable(browser: Browser, baseURL: string, ...keep: string[]) {
  const ctx = await browser.newContext({ baseURL });
  const gql = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const res = await ctx.request.post("/graphql", {
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      data: { query, variables },
    });
    return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  };
  const token = await adminToken(ctx);
  const list = await gql(`{ operators { id email role disabled } }`, {}, token);
  for (const o of list.data!.operators as Array<{ id: string; email: string; role: string; disabled: boolean }>) {
    if (o.role === "ADMIN" || keep.includes(o.email) || o.disabled) continue;
    await gql(`mutation ($id: ID!) { updateOperator(id: $id, input: { disabled: true }) { id } }`, { id: o.id }, token);
  }
  await gql(`mutation { setAvailability(availability: AWAY) { id } }`, {}, token);
  await ctx.close();
}
