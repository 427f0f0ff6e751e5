import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { generate } from "@graphql-codegen/cli";
import config from "../../codegen.ts";

test("the typed client (examples/generated) is what `npm run codegen` makes of the checked-in schema", async () => {
  const files = (await generate(config, false)) as Array<{ filename: string; content: string }>;
  assert.ok(files.length > 0);
  for (const file of files) {
    const checkedIn = await readFile(file.filename, "utf8").catch(() => "(missing)");
    assert.ok(checkedIn === file.content, `${file.filename} is out of date: run npm run codegen`);
  }
});
