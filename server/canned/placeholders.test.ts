import assert from "node:assert/strict";
import { test } from "node:test";
import { fillPlaceholders, firstName, unknownPlaceholders } from "./placeholders.ts";

test("placeholders are filled, and an unknown value never shows as {{…}}", () => {
  const body = "Hi {{customer.first_name}}, {{ operator.first_name }} here. {{customer.name}}";
  assert.equal(
    fillPlaceholders(body, { "customer.first_name": "Ada", "operator.first_name": "Sam", "customer.name": "Ada L." }),
    "Hi Ada, Sam here. Ada L.",
  );
  assert.equal(fillPlaceholders("Hi {{customer.first_name}}", {}), "Hi there");
  assert.equal(firstName("  Grace  Hopper "), "Grace");
  assert.equal(firstName(null), null);
});

test("unknown placeholder names are reported", () => {
  assert.deepEqual(unknownPlaceholders("{{customer.first_name}} {{customer.password}} {{x}}"), [
    "customer.password",
    "x",
  ]);
});
