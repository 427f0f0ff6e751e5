import { spawn } from "node:child_process";
import { expect, test } from "@playwright/test";
import { startReceiver } from "../support/webhook-receiver.ts";
import { ADMIN, expectNoSeriousA11yIssues, signIn } from "./support.ts";

test("an admin creates a scoped API key, sees its secret once, and revoking it locks the key out", async ({
  page,
  baseURL,
}) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.getByRole("link", { name: "Developers" }).click();
  await expect(page.getByRole("heading", { name: "Developers" })).toBeVisible();

  const name = `CRM sync ${Date.now() % 100000}`;
  await page.getByLabel("Key name").fill(name);
  await page.getByRole("checkbox", { name: /tickets:read/ }).check();
  await page.getByRole("button", { name: "Create key" }).click();
  const secret = (await page.getByTestId("api-key-secret").textContent())!.trim();
  expect(secret).toMatch(/^tdm_/);
  const row = page.getByTestId("api-key-row").filter({ hasText: name });
  await expect(row).toContainText("tickets:read");
  await expect(row).toContainText(secret.slice(0, 12));
  await expectNoSeriousA11yIssues(page);
  await page.screenshot({ path: "test-results/developers-secret.png", fullPage: true });

  const ask = (query: string) =>
    fetch(`${baseURL}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
      body: JSON.stringify({ query }),
    });
  expect((await ask("{ tickets { id } }")).status).toBe(200);
  const outOfScope = (await (await ask("{ conversations { customerName } }")).json()) as {
    errors: Array<{ extensions: { code: string } }>;
  };
  expect(outOfScope.errors[0]!.extensions.code).toBe("FORBIDDEN");

  // The secret is never shown again: a reload shows the prefix only.
  await page.reload();
  await expect(page.getByTestId("api-key-secret")).toHaveCount(0);
  await expect(page.getByText(secret)).toHaveCount(0);

  await row.getByRole("button", { name: `Revoke ${name}` }).click();
  await expect(page.getByText(`Key "${name}" revoked.`)).toBeVisible();
  await expect(row).toContainText("revoked");
  expect((await ask("{ tickets { id } }")).status).toBe(401);

  // GraphiQL, from the app itself (no CDN), runs a query with the admin's session.
  await page.getByRole("link", { name: "GraphiQL" }).click();
  await expect(page.locator(".graphiql-execute-button")).toBeVisible();
  await page.locator(".graphiql-execute-button").click();
  await expect(page.locator(".graphiql-response")).toContainText('"role": "ADMIN"');
});

test("an external agent escalates a question; an operator answers in the browser and the agent prints the answer", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(90_000);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto("/dashboard/developers");
  await page.getByLabel("Key name").fill("Voice bot");
  await page.getByRole("checkbox", { name: /escalations:write/ }).check();
  await page.getByRole("button", { name: "Create key" }).click();
  const secret = (await page.getByTestId("api-key-secret").textContent())!.trim();

  // The example runs as its own process against this server, as a third party would run it.
  const agent = spawn(process.execPath, ["--import", "tsx", "examples/external-agent.ts"], {
    env: { ...process.env, TANDEM_URL: baseURL, TANDEM_API_KEY: secret },
  });
  let output = "";
  agent.stdout.on("data", (chunk) => (output += String(chunk)));
  agent.stderr.on("data", (chunk) => (output += String(chunk)));
  const exited = new Promise<number | null>((resolve) => agent.on("exit", (code) => resolve(code)));

  try {
    await page.goto("/dashboard");
    const card = page.getByRole("listitem", { name: "Escalation: Sam (phone)" }).first();
    await expect(card).toBeVisible();
    await expect(card.getByTestId("integration")).toHaveText("via Voice bot");
    await expect.poll(() => output).toContain("Waiting for a person");
    await card.getByRole("button", { name: "Claim" }).click();
    await card.getByRole("link", { name: "Open conversation with Sam (phone)" }).click();
    await expect(page.getByRole("log").getByText("Should I accept this 10,000 euro offer?")).toBeVisible();
    await expectNoSeriousA11yIssues(page);
    await page.screenshot({ path: "test-results/external-escalation.png", fullPage: true });
    const answer = "Please don't accept yet: an advisor will call you within the hour.";
    await page.getByLabel("Reply to the customer").fill(answer);
    await page.getByRole("button", { name: "Send reply" }).click();
    expect(await exited).toBe(0);
    expect(output).toContain(`Admin: ${answer}`);
  } finally {
    await test.info().attach("external agent output", { body: output, contentType: "text/plain" });
    agent.kill();
  }
});

test("an admin adds a webhook endpoint, sees signed deliveries in the log, and redelivers one", async ({
  page,
  baseURL,
}) => {
  const hook = await startReceiver("whsec_e2e_receiver_0123456789abcdef");
  try {
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto("/dashboard/developers");
    await page.getByLabel("Endpoint URL").fill(hook.url);
    await page.getByLabel("Signing secret (optional)").fill("whsec_e2e_receiver_0123456789abcdef");
    await page.getByRole("checkbox", { name: /conversation\.created/ }).check();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect(page.getByText(`Webhook endpoint ${hook.url} added.`)).toBeVisible();

    const name = `Hooked ${Date.now() % 100000}`;
    await fetch(`${baseURL}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: `mutation ($n: String) { startConversation(input: { customerName: $n }) { token } }`,
        variables: { n: name },
      }),
    });
    await expect.poll(() => hook.received.filter((e) => e.data.customerName === name).length).toBe(1);
    expect(hook.received.every((e) => e.signatureValid)).toBe(true);

    const endpoint = page.getByTestId("webhook-endpoint").filter({ hasText: hook.url });
    await endpoint.getByRole("link", { name: "Delivery log" }).click();
    const row = endpoint.getByTestId("webhook-delivery").first();
    await expect(row).toContainText("delivered");
    await expect(row).toContainText("200");
    await expectNoSeriousA11yIssues(page);
    await page.screenshot({ path: "test-results/developers-webhooks.png", fullPage: true });
    await row.getByRole("button", { name: "Redeliver" }).click();
    await expect.poll(() => hook.received.filter((e) => e.data.customerName === name).length).toBe(2);
    await endpoint.getByRole("button", { name: "Remove" }).click();
    await expect(page.getByTestId("webhook-endpoint").filter({ hasText: hook.url })).toHaveCount(0);
  } finally {
    await hook.close();
  }
});
