import assert from "node:assert/strict";
import { test } from "node:test";
import { waitingText } from "./attention.ts";

test("the waiting banner names the newest customers and counts the rest", () => {
  const w = (name: string | null, i: number) => ({ conversationId: `c${i}`, name });
  assert.equal(waitingText([w("Cy", 1)]), "Cy is waiting for a person.");
  assert.equal(waitingText([w("Cy", 1), w("Dan", 2)]), "Cy and Dan are waiting for a person.");
  assert.equal(
    waitingText([w("Cy", 1), w(null, 2), w("Dan", 3), w("Eve", 4)]),
    "Cy, Dan and 2 others are waiting for a person.",
  );
  assert.equal(waitingText([w("Cy", 1), w(null, 2)]), "Cy and 1 other are waiting for a person.");
  assert.equal(waitingText([w(null, 1)]), "A customer is waiting for a person.");
  assert.equal(waitingText([w(null, 1), w(null, 2)]), "2 customers are waiting for a person.");
});
