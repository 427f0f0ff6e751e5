import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { printSdl, schemaPath } from "./print-schema.ts";

test("the checked-in SDL matches the code (run `npm run schema:print` after changing the schema)", async () => {
  assert.equal(readFileSync(schemaPath, "utf8"), await printSdl());
});
