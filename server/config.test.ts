import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, loadConfig } from "./config.ts";

test("defaults need no environment at all", () => {
  const config = loadConfig({});
  assert.equal(config.port, 3000);
  assert.equal(config.database.url, undefined);
  assert.equal(config.ai.apiKey, undefined);
  assert.equal(config.graphql.introspection, true);
});

test("a bad variable fails fast and is named", () => {
  assert.throws(
    () => loadConfig({ PORT: "eighty", DATABASE_URL: "mysql://x" }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /PORT/);
      assert.match(err.message, /DATABASE_URL/);
      return true;
    },
  );
});

test("production turns introspection off unless asked", () => {
  assert.equal(loadConfig({ NODE_ENV: "production" }).graphql.introspection, false);
  assert.equal(loadConfig({ NODE_ENV: "production", GRAPHQL_INTROSPECTION: "true" }).graphql.introspection, true);
});

test("sockets are pinged every 12 s unless WS_KEEPALIVE_MS says otherwise, within 100 ms to 5 minutes", () => {
  assert.equal(loadConfig({}).websocket.keepAliveMs, 12_000);
  assert.equal(loadConfig({ WS_KEEPALIVE_MS: "30000" }).websocket.keepAliveMs, 30_000);
  for (const bad of ["0", "99", "300001", "soon"])
    assert.throws(
      () => loadConfig({ WS_KEEPALIVE_MS: bad }),
      (err: unknown) => err instanceof ConfigError && /WS_KEEPALIVE_MS/.test(err.message),
    );
});

test("prepared statements are on unless DATABASE_PREPARE is off, and any other value is refused", () => {
  assert.equal(loadConfig({}).database.prepare, true);
  assert.equal(loadConfig({ DATABASE_PREPARE: "off" }).database.prepare, false);
  assert.throws(
    () => loadConfig({ DATABASE_PREPARE: "no" }),
    (err: unknown) => err instanceof ConfigError && /DATABASE_PREPARE/.test(err.message),
  );
});
