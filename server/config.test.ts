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

test("prepared statements are on unless DATABASE_PREPARE is off, and any other value is refused", () => {
  assert.equal(loadConfig({}).database.prepare, true);
  assert.equal(loadConfig({ DATABASE_PREPARE: "off" }).database.prepare, false);
  assert.throws(
    () => loadConfig({ DATABASE_PREPARE: "no" }),
    (err: unknown) => err instanceof ConfigError && /DATABASE_PREPARE/.test(err.message),
  );
});
