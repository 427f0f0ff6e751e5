import { expect, test, type Locator, type Page } from "@playwright/test";
import {
  ADMIN,
  closePeople,
  createOperator,
  customerSays,
  expectNoSeriousA11yIssues,
  onlyAvailable,
  signIn,
  threePeople,
} from "./support.ts";

test.afterEach(closePeople);

/** The page never scrolls sideways: nothing is wider than the window. */
async function expectNoHorizontalOverflow(page: Page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
}

/** The element lies inside the window's width (a page that is too wide pushes it off to the right). */
async function expectWithinWidth(page: Page, locator: Locator) {
  const box = await locator.boundingBox();
  expect(box).not.toBeNull();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(await page.evaluate(() => window.innerWidth));
}

/** The customer's own view of their conversation over the API, with the chat cookie. */
async function customerApiView(customer: Page): Promise<string> {
  const response = await customer.request.post("/graphql", {
    headers: { "content-type": "application/json", "x-tandem-csrf": "1" },
    data: {
      query: `query ($id: ID!) { conversation(id: $id) { messages(last: 200) { edges { node { role content } } } } }`,
      variables: {
        id: await customer.evaluate(() =>
          document.querySelector("[data-conversation-id]")?.getAttribute("data-conversation-id"),
        ),
      },
    },
  });
  return JSON.stringify(await response.json());
}

test("a team works a queue: notes the customer never sees, search, reassign, no sideways scrolling", async ({
  browser,
  baseURL,
}) => {
  // Four people on four pages, with accessibility checks: half a minute on a quiet machine, two on a busy one.
  test.setTimeout(180_000);
  const pia = await createOperator(browser, baseURL!, "Pia");
  const {
    pages: [lead, teammate, customer],
    errors,
  } = await threePeople(browser, baseURL!);
  await signIn(lead, ADMIN.email, ADMIN.password);
  await signIn(teammate, pia.email, pia.password);

  const name = `Noor ${Date.now() % 10000}`;
  await customerSays(customer, "I want to talk to a person", name);
  const row = lead.getByRole("listitem", { name: `Escalation: ${name}` });
  await row.getByRole("button", { name: "Claim" }).click();
  await expect(row).toContainText("Claimed by you");
  await row.getByRole("link", { name: `Open conversation with ${name}` }).click();
  await expect(lead.getByRole("heading", { name: `Conversation with ${name}` })).toBeVisible();

  // A private note that mentions Pia: styled apart for the team, a notice for Pia, nothing for the customer.
  const secret = "possible chargeback, check the fraud flags first";
  await lead.getByRole("tab", { name: "Private note" }).click();
  await lead.getByLabel("Private note for your team and the AI agent").fill(`@Pia ${secret}`);
  await lead.getByRole("button", { name: "Add note" }).click();
  await expect(lead.locator('[data-role="note"]')).toContainText(secret);
  await expect(lead.locator('[data-role="note"]')).toContainText("not shown to the customer");
  await expect(teammate.getByTestId("attention-banner").filter({ hasText: "mentioned you" })).toBeVisible();
  await lead.getByRole("tab", { name: "Reply" }).click();
  await lead.getByLabel("Reply to the customer").fill("Hello, I am looking into it now.");
  await lead.getByRole("button", { name: "Send reply" }).click();
  await expect(customer.getByText("Hello, I am looking into it now.")).toBeVisible();
  expect(await customer.content()).not.toContain("chargeback");
  await customer.reload();
  await expect(customer.getByText("Hello, I am looking into it now.")).toBeVisible();
  expect(await customer.content()).not.toContain("chargeback");
  const api = await customerApiView(customer);
  expect(api).toContain("Hello, I am looking into it now.");
  expect(api).not.toContain("chargeback");

  // A long unbroken string (a tracking id, a URL) wraps; Send and the sidebar stay on screen.
  const unbroken = `https://track.example.com/${"X9".repeat(400)}`;
  await customer.getByLabel("Your message").fill(unbroken);
  await customer.keyboard.press("Enter");
  await expect(lead.getByRole("log").getByText(unbroken.slice(0, 40))).toBeVisible();
  await expectNoHorizontalOverflow(lead);
  await expectNoHorizontalOverflow(customer);
  await expectWithinWidth(lead, lead.getByRole("button", { name: "Send reply" }));
  await expectWithinWidth(lead, lead.getByRole("complementary", { name: "Customer" }));
  await expectNoSeriousA11yIssues(lead);
  await lead.screenshot({ path: "test-results/workspace-conversation.png", fullPage: true });

  // Search from anywhere with Ctrl+K: the tickets page, then straight into the conversation.
  await lead.getByRole("link", { name: "Tickets" }).click();
  await expect(lead.getByRole("heading", { name: "Tickets" })).toBeVisible();
  await lead.keyboard.press("Control+k");
  await lead.getByLabel("Find a conversation or ticket").fill(name);
  await expect(lead.getByRole("option", { name: new RegExp(name) })).toBeVisible();
  await lead.keyboard.press("Enter");
  await expect(lead.getByRole("heading", { name: `Conversation with ${name}` })).toBeVisible();

  // Pia opens it too: the collision cue tells each who else is here, and when they write.
  await teammate.getByRole("link", { name: /^All open/ }).click();
  await teammate.getByRole("link", { name: `Open conversation with ${name}` }).click();
  await expect(lead.getByTestId("collision")).toContainText("Also here: Pia");
  await expect(teammate.getByTestId("collision")).toContainText("Admin");
  await teammate.getByLabel("Private note for your team and the AI agent").fill("Looking at the fraud flags now");
  await expect(lead.getByTestId("collision")).toContainText("Pia (writing…)");
  await teammate.getByLabel("Private note for your team and the AI agent").fill("");
  // Pia goes back to her inbox: a notice about the conversation she is looking at would say nothing new.
  await teammate.getByRole("link", { name: /^Inbox/ }).click();

  // Reassign to Pia: she is told, and it is hers in Mine.
  await lead.getByLabel("Assign to a teammate").selectOption({ label: "Pia (online)" });
  await lead.getByRole("button", { name: "Assign" }).click();
  await expect(teammate.getByTestId("attention-banner").filter({ hasText: "assigned you" })).toBeVisible();
  await teammate.getByRole("link", { name: /^Mine/ }).click();
  await expect(teammate.getByRole("listitem", { name: `Escalation: ${name}` })).toContainText("Yours");
  await expect(customer.getByText("Pia from the support team joined the conversation.")).toBeVisible();
  await expectNoSeriousA11yIssues(teammate);
  await teammate.screenshot({ path: "test-results/workspace-inbox.png", fullPage: true });
  expect(errors).toEqual([]);
});

test("an operator who is writing is still writing in the page's own later announcements", async ({
  browser,
  baseURL,
}) => {
  // The page says it is here again 1.5 s after opening a conversation; one that said "not
  // writing" then wiped the cue a keystroke had just shown the team. The page's clock is
  // paused, so that announcement comes exactly when the test moves the clock.
  const {
    pages: [op, customer],
  } = await threePeople(browser, baseURL!);
  await signIn(op, ADMIN.email, ADMIN.password);
  const name = `Ines ${Date.now() % 10000}`;
  await customerSays(customer, "I want to talk to a person", name);
  const announced: boolean[] = [];
  op.on("request", (request) => {
    const body = request.method() === "POST" ? request.postData() : null;
    if (body?.includes("setViewing")) announced.push((JSON.parse(body) as { variables: { c: boolean } }).variables.c);
  });
  await op.clock.install();
  await op.clock.pauseAt(Date.now() + 60_000);
  await op.getByRole("link", { name: /^All open/ }).click();
  await op.getByRole("link", { name: `Open conversation with ${name}` }).click();
  await expect.poll(() => announced.length).toBe(1);
  await op.getByLabel("Private note for your team and the AI agent").fill("Checking the invoice");
  await expect.poll(() => announced.length).toBe(2);
  await op.clock.runFor(1600);
  await expect.poll(() => announced.length).toBe(3);
  expect(announced).toEqual([false, true, true]);
});

test("a reply sent while the network is down stays in view and is sent once it is back", async ({
  browser,
  baseURL,
}) => {
  const {
    pages: [op, customer],
    errors,
  } = await threePeople(browser, baseURL!);
  await signIn(op, ADMIN.email, ADMIN.password);
  const name = `Ola ${Date.now() % 10000}`;
  await customerSays(customer, "Hello, is anyone there?", name);
  await op.getByRole("link", { name: `Watch ${name}` }).click();
  await op.getByRole("button", { name: "Take over" }).click();
  await expect(op.getByLabel("Reply to the customer")).toBeVisible();

  await op.context().setOffline(true);
  const reply = "Sorry for the wait, I am here now.";
  await op.getByLabel("Reply to the customer").fill(reply);
  await op.getByRole("button", { name: "Send reply" }).click();
  const pending = op.locator('[data-pending="waiting"]');
  await expect(pending).toContainText(reply);
  await expect(pending).toContainText("waiting for the connection");
  // Still the dashboard, not an error page.
  await expect(op.getByRole("heading", { name: `Conversation with ${name}` })).toBeVisible();
  await op.context().setOffline(false);
  await expect(customer.getByText(reply)).toHaveCount(1);
  await expect(op.locator("[data-pending]")).toHaveCount(0);
  await expect(op.getByRole("log").getByText(reply)).toHaveCount(1);
  expect(errors.filter((e) => !e.includes("ERR_INTERNET_DISCONNECTED"))).toEqual([]);
});

test("inside one conversation, the operator hears of a reply in another and of a new escalation", async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(150_000);
  const context = await browser.newContext({ baseURL });
  // The page's desktop notifications are recorded instead of shown (a headless browser has no desktop).
  await context.addInitScript(() => {
    const shown: Array<{ title: string; body: string }> = [];
    (window as unknown as { __notifications: typeof shown }).__notifications = shown;
    class RecordingNotification {
      static permission = "granted";
      static requestPermission = async () => "granted";
      onclick: (() => void) | null = null;
      constructor(title: string, options: { body: string }) {
        shown.push({ title, body: options.body });
      }
      close() {}
    }
    (window as unknown as { Notification: unknown }).Notification = RecordingNotification;
  });
  const op = await context.newPage();
  const {
    pages: [first, second, third],
    errors,
  } = await threePeople(browser, baseURL!);
  const fay = await createOperator(browser, baseURL!, "Fay");
  await onlyAvailable(browser, baseURL!, fay.email);
  await signIn(op, fay.email, fay.password);

  // The operator owns two conversations and reads the second.
  const names = [`Ana ${Date.now() % 10000}`, `Ben ${Date.now() % 10000}`];
  for (const [i, customer] of [first, second].entries()) {
    await customerSays(customer, "Hello", names[i]);
    await op.goto("/dashboard");
    await op.getByRole("link", { name: `Watch ${names[i]}` }).click();
    await op.getByRole("button", { name: "Take over" }).click();
    await expect(op.getByLabel("Reply to the customer")).toBeVisible();
  }
  // (A shared database may offer Fay other waiting customers at any moment, so the badge's exact
  // number is not asserted; that it shows, and which row is unread, is.)
  const unread = async () => Number(/^\((\d+)\)/.exec(await op.title())?.[1] ?? 0);
  const notified = (text: string) =>
    op.evaluate(
      (t) =>
        (window as unknown as { __notifications: Array<{ body: string }> }).__notifications.some((n) =>
          n.body.includes(t),
        ),
      text,
    );
  await expect(op.getByRole("heading", { name: `Conversation with ${names[1]}` })).toBeVisible();

  // The first customer writes again: banner, desktop notification, title badge.
  await first.getByLabel("Your message").fill("Any news on my order?");
  await first.keyboard.press("Enter");
  await expect(op.getByTestId("attention-banner").filter({ hasText: "Any news on my order?" })).toBeVisible();
  await expect(op.locator(`[data-unread="true"]`).filter({ hasText: names[0]! })).toHaveCount(1);
  await expect(op).toHaveTitle(/^\(\d+\) Tandem dashboard$/);
  await expect(op.getByTestId("unread-badge")).toBeVisible();
  await expect.poll(() => notified("Any news on my order?")).toBe(true);

  // A third customer asks for a person while the operator is still inside the second conversation:
  // the escalation is offered to Fay (the only one available), who hears of it at once.
  const cy = `Cy ${Date.now() % 10000}`;
  await customerSays(third, "I want to talk to a person", cy);
  await expect(op.getByTestId("waiting-banner")).toContainText(cy);
  await expect.poll(unread).toBeGreaterThan(0);
  await expect.poll(() => notified(cy)).toBe(true);
  await expect(op.getByRole("heading", { name: `Conversation with ${names[1]}` })).toBeVisible();

  // Opening the first conversation reads it: its unread dot goes (the badge counts it no more).
  await op.getByTestId("attention-banner").filter({ hasText: "Any news" }).getByRole("link", { name: "Open" }).click();
  await expect(op.getByRole("heading", { name: `Conversation with ${names[0]}` })).toBeVisible();
  await expect(op.locator(`[data-unread="true"]`).filter({ hasText: names[0]! })).toHaveCount(0);
  expect(errors).toEqual([]);
  await context.close();
});

test("a conversation that starts while the dashboard's socket is still connecting is on screen once it connects", async ({
  page,
  baseURL,
}) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  // The server's connection_ack is held back, so the inbox subscriptions (sent after it) start
  // only once the conversation below exists: its nudges reach nobody, and only a refetch on
  // connecting can show it.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.routeWebSocket(/\/graphql$/, (ws) => {
    const server = ws.connectToServer();
    server.onMessage(async (message) => {
      if (String(message).includes('"connection_ack"')) await held;
      ws.send(message);
    });
  });
  await page.goto("/dashboard");
  await expect(page.getByRole("heading", { name: /^Inbox/ })).toBeVisible();
  await expect(page.getByText("Connecting…")).toBeVisible();

  const name = `Early ${Date.now() % 100000}`;
  const ask = async <T>(query: string, variables: Record<string, unknown>, token?: string) => {
    const response = await fetch(`${baseURL}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return ((await response.json()) as { data: T }).data;
  };
  const started = await ask<{ startConversation: { token: string; conversation: { id: string } } }>(
    `mutation ($n: String) { startConversation(input: { customerName: $n }) { token conversation { id } } }`,
    { n: name },
  );
  const { token, conversation } = started.startConversation;
  await ask(
    `mutation ($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }`,
    { input: { conversationId: conversation.id, clientMessageId: crypto.randomUUID(), content: "Hello from before" } },
    token,
  );
  await expect(page.getByRole("listitem", { name })).toHaveCount(0);

  release();
  await expect(page.getByText("Connected", { exact: true })).toBeVisible();
  await expect(page.getByRole("listitem", { name }).first()).toBeVisible();
});

test("a missing conversation is a 404 inside the dashboard, with the way back to the inbox", async ({
  browser,
  baseURL,
}) => {
  const {
    pages: [op],
  } = await threePeople(browser, baseURL!);
  await signIn(op, ADMIN.email, ADMIN.password);
  const response = await op.goto(`/dashboard/conversations/${crypto.randomUUID()}`);
  expect(response?.status()).toBe(404);
  await expect(op.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(op.getByRole("navigation", { name: "Dashboard" })).toBeVisible();
  await op.getByRole("link", { name: "Back to the inbox" }).click();
  await expect(op.getByRole("heading", { name: /^Inbox/ })).toBeVisible();
  await expectNoSeriousA11yIssues(op);
});

test("saved replies with /, the conversation from the keyboard, a follow-up email and the customer's rating", async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(90_000);
  const {
    pages: [op, customer],
    errors,
  } = await threePeople(browser, baseURL!);
  await signIn(op, ADMIN.email, ADMIN.password);

  // An admin saves a reply with placeholders.
  const shortcut = `hello-${Date.now() % 100000}`;
  await op.getByRole("link", { name: "Saved replies" }).click();
  const form = op.getByRole("form", { name: "New saved reply" });
  await form.getByLabel("Shortcut").fill(shortcut);
  await form.getByLabel("Title").fill("Greeting");
  await form.getByLabel("Text").fill("Hi {{customer.first_name}}, {{operator.first_name}} here. How can I help?");
  await form.getByRole("button", { name: "Add saved reply" }).click();
  await expect(op.getByRole("form", { name: `Saved reply /${shortcut}` })).toBeVisible();
  await expectNoSeriousA11yIssues(op);

  // The customer asks for a person and leaves an email while waiting.
  const name = `Lena Moss ${Date.now() % 10000}`;
  await customerSays(customer, "I want to talk to a person", name);
  await customer.getByLabel(/Leave your email/).fill("lena@example.com");
  await customer.getByRole("button", { name: "Save email" }).click();
  await expect(customer.getByText("we will write to lena@example.com")).toBeVisible();

  await op.getByRole("link", { name: "Inbox" }).click();
  const row = op.getByRole("listitem", { name: `Escalation: ${name}` });
  await row.getByRole("button", { name: "Claim" }).click();
  await row.getByRole("link", { name: `Open conversation with ${name}` }).click();
  await expect(op.getByRole("heading", { name: `Conversation with ${name}` })).toBeVisible();
  await expect(op.getByRole("complementary", { name: "Customer" })).toContainText("lena@example.com");

  // r opens the reply; "/" offers the saved reply, Enter inserts it filled in, Enter sends it.
  await op.getByRole("heading", { name: `Conversation with ${name}` }).click();
  await op.keyboard.press("r");
  const box = op.getByLabel("Reply to the customer");
  await expect(box).toBeFocused();
  await box.pressSequentially(`/${shortcut.slice(0, 5)}`);
  await expect(op.getByRole("option", { name: new RegExp(shortcut) })).toBeVisible();
  await op.keyboard.press("Enter");
  await expect(box).toHaveValue("Hi Lena, Admin here. How can I help?");
  await op.keyboard.press("Enter");
  await expect(customer.getByText("Hi Lena, Admin here. How can I help?")).toBeVisible();

  // Escape leaves the box; n switches to a note; e resolves.
  await op.keyboard.press("Escape");
  await op.keyboard.press("n");
  await expect(op.getByRole("tab", { name: "Private note" })).toHaveAttribute("aria-selected", "true");
  await expect(op.getByLabel("Private note for your team and the AI agent")).toBeFocused();
  await op.keyboard.press("Escape");
  await op.keyboard.press("e");
  await expect(customer.getByText("This conversation is closed.")).toBeVisible();

  // The customer rates it; the operator sees the rating.
  await customer.getByRole("button", { name: "4 out of 5" }).click();
  await customer.getByLabel("Anything to add? (optional)").fill("Quick help");
  await customer.getByRole("button", { name: "Send rating" }).click();
  await expect(customer.getByText("Thank you for your rating.")).toBeVisible();
  await expectNoSeriousA11yIssues(customer);
  await op.reload();
  await expect(op.getByTestId("csat")).toHaveText("4/5: “Quick help”");
  expect(errors).toEqual([]);
});

test("two operators and three customers work a queue through the views", async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const gia = await createOperator(browser, baseURL!, "Gia");
  const hal = await createOperator(browser, baseURL!, "Hal");
  await onlyAvailable(browser, baseURL!, gia.email, hal.email);
  const {
    pages: [c1, c2, c3],
    errors,
  } = await threePeople(browser, baseURL!);
  const {
    pages: [g, h],
  } = await threePeople(browser, baseURL!);
  await signIn(g, gia.email, gia.password);
  await signIn(h, hal.email, hal.password);
  const tag = Date.now() % 10000;
  const [n1, n2, n3] = [`Ivy ${tag}`, `Jon ${tag}`, `Kai ${tag}`];

  // Two customers ask for a person; both show, live, on both screens under Waiting for a human.
  await customerSays(c1, "I want to talk to a person about my refund", n1);
  await customerSays(c2, "Can I speak to a human please", n2);
  await customerSays(c3, "How do I reset my router?", n3);
  for (const page of [g, h]) {
    await page.getByRole("link", { name: /^Waiting for a human/ }).click();
    for (const n of [n1, n2]) await expect(page.getByRole("listitem", { name: `Escalation: ${n}` })).toBeVisible();
  }

  // Each claims one from the shared view; Mine then holds each one's own, and only that.
  await g
    .getByRole("listitem", { name: `Escalation: ${n1}` })
    .getByRole("button", { name: "Claim" })
    .click();
  await h
    .getByRole("listitem", { name: `Escalation: ${n2}` })
    .getByRole("button", { name: "Claim" })
    .click();
  await expect(h.getByRole("listitem", { name: `Escalation: ${n1}` })).toHaveCount(0);
  await g.getByRole("link", { name: /^Mine/ }).click();
  await expect(g.getByRole("listitem", { name: `Escalation: ${n1}` })).toContainText("Claimed by you");
  await expect(g.getByRole("listitem", { name: `Escalation: ${n2}` })).toHaveCount(0);
  await h.getByRole("link", { name: /^Mine/ }).click();
  await expect(h.getByRole("listitem", { name: `Escalation: ${n2}` })).toContainText("Claimed by you");

  // The AI's conversations: Gia takes the third one over; it moves into her Mine, live for Hal too.
  // (The assertions name these customers and never read the counts as numbers: on a shared
  // database, waiting customers from elsewhere may be offered to Gia or Hal at any moment.)
  await g.getByRole("link", { name: /^Handled by the AI/ }).click();
  await g.getByRole("link", { name: `Watch ${n3}` }).click();
  await g.getByRole("button", { name: "Take over" }).click();
  await expect(g.getByLabel("Reply to the customer")).toBeVisible();
  await g.getByRole("link", { name: /^Mine/ }).click();
  await expect(g.getByRole("link", { name: `Open conversation with ${n3}` })).toBeVisible();
  await h.getByRole("link", { name: /^All open/ }).click();
  await expect(h.getByRole("listitem", { name: n3 })).toContainText("With Gia");

  // Hal resolves his; it leaves his Mine, live, and shows under Resolved, with Gia's screen agreeing.
  await h.getByRole("link", { name: /^Mine/ }).click();
  await h.getByRole("link", { name: `Open conversation with ${n2}` }).click();
  await h.getByRole("button", { name: "Resolve conversation" }).click();
  await expect(c2.getByText("This conversation is closed.")).toBeVisible();
  await expect(h.getByRole("link", { name: `Open conversation with ${n2}` })).toHaveCount(0);
  await g.getByRole("link", { name: /^Resolved/ }).click();
  await expect(g.getByRole("listitem", { name: n2 })).toContainText("Resolved");
  await expectNoSeriousA11yIssues(g);
  expect(errors).toEqual([]);
});
