/**
 * GraphiQL is served with its assets from Tandem itself, under the app's own CSP, and in
 * production only to signed-in admins, who then also get introspection (over HTTP and WebSocket).
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { startTestApp, type TestApp } from "../support/app.ts";
import { newOperator, signInAs } from "../support/operators.ts";

const apps: TestApp[] = [];
after(() => Promise.all(apps.map((t) => t.close())));
async function app(env: Record<string, string> = {}) {
  const t = await startTestApp({ OFFLINE_MODEL_DELAY_MS: "0", ...env });
  apps.push(t);
  return t;
}

const page = (t: TestApp, headers: Record<string, string> = {}) =>
  fetch(`${t.url}/graphql`, { headers: { accept: "text/html", ...headers } });
const INTROSPECT = "{ __schema { queryType { name } } }";

describe("GraphiQL", () => {
  test("its page and every asset it needs come from Tandem itself, with no inline script", async () => {
    const t = await app();
    const res = await page(t);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /id="graphiql-options"/);
    // Nothing from another origin: the page works offline.
    assert.doesNotMatch(html, /https?:\/\//);
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(sources.length >= 3, html);
    for (const source of sources) {
      assert.ok(source.startsWith("/graphiql/"), source);
      const asset = await fetch(`${t.url}${source}`);
      assert.equal(asset.status, 200, source);
      assert.match(asset.headers.get("cache-control") ?? "", /immutable/);
      await asset.arrayBuffer();
    }
    // Every <script> either loads a same-origin file or is a data block the browser never runs.
    for (const tag of html.match(/<script[^>]*>/g) ?? [])
      assert.ok(/ src="\/graphiql\//.test(tag) || /type="application\/json"/.test(tag), tag);
    // So the strict CSP holds on this page too: no 'unsafe-inline' scripts, no CDN.
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /script-src 'self'(;|$)/);
    const worker = await fetch(`${t.url}${sources.find((s) => s.endsWith("boot.js"))}`);
    assert.match(await worker.text(), /graphql\.worker\.\.bundle\.js/);
  });

  test("the options cannot close their own script block", async () => {
    const { renderGraphiQLPage } = await import("../../server/graphql/graphiql.ts");
    const html = renderGraphiQLPage({ title: "</script><script>alert(1)</script>" });
    assert.equal(html.match(/<\/script>/g)?.length, 3);
    assert.doesNotMatch(html, /<script>alert/);
  });

  test("in production it is off unless GRAPHIQL is on, and then only for signed-in admins", async () => {
    const off = await app({ NODE_ENV: "production", COOKIE_SECURE: "false" });
    const admin = await signInAs(off);
    assert.doesNotMatch(await (await page(off, { cookie: `tandem_op=${admin.token}` })).text(), /graphiql-options/);
    assert.equal((await fetch(`${off.url}/graphiql/`)).status, 404);

    const on = await app({ NODE_ENV: "production", COOKIE_SECURE: "false", GRAPHIQL: "true" });
    const boss = await signInAs(on);
    const operator = await newOperator(on, "Olive");
    assert.match(await (await page(on, { cookie: `tandem_op=${boss.token}` })).text(), /graphiql-options/);
    assert.doesNotMatch(await (await page(on)).text(), /graphiql-options/);
    assert.doesNotMatch(await (await page(on, { cookie: `tandem_op=${operator.token}` })).text(), /graphiql-options/);
  });

  test("in production with GRAPHIQL on, only admins may introspect, over HTTP and WebSocket", async () => {
    const t = await app({ NODE_ENV: "production", COOKIE_SECURE: "false", GRAPHIQL: "true" });
    const admin = await signInAs(t);
    const operator = await newOperator(t, "Otto");

    const asAdmin = await t.gql<{ __schema: { queryType: { name: string } } }>(INTROSPECT, {}, admin.token);
    assert.equal(asAdmin.data?.__schema.queryType.name, "Query");
    for (const token of [undefined, operator.token]) {
      const refused = await t.gql(INTROSPECT, {}, token);
      assert.equal(refused.errors?.[0]?.extensions?.code, "GRAPHQL_VALIDATION_FAILED", JSON.stringify(refused));
    }
    // `__typename` is not introspection and stays open to all.
    assert.equal((await t.gql<{ __typename: string }>("{ __typename }")).data?.__typename, "Query");

    const overSocket = async (token: string) => {
      const it = t.ws(token).iterate({ query: INTROSPECT });
      const first = await it.next().catch((errors: unknown) => ({ value: { errors } }));
      await it.return?.();
      return first.value as { data?: unknown; errors?: unknown };
    };
    assert.ok((await overSocket(admin.token)).data);
    assert.ok(!(await overSocket(operator.token)).data);
  });
});
