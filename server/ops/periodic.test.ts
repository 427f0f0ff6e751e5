import assert from "node:assert/strict";
import { test } from "node:test";
import { periodic } from "./periodic.ts";

const settled = () => new Promise((resolve) => setImmediate(resolve));

test("a tick while the work still runs is skipped; the next tick after it ends runs it again", async (t) => {
  t.mock.timers.enable({ apis: ["setInterval"] });
  const finishers: Array<() => void> = [];
  const runs = periodic(
    () => new Promise<void>((resolve) => finishers.push(resolve)),
    1000,
    (err) => assert.fail(String(err)),
  );
  t.mock.timers.tick(1000);
  assert.equal(finishers.length, 1);
  t.mock.timers.tick(1000);
  t.mock.timers.tick(1000);
  assert.equal(finishers.length, 1, "no run beside the one under way");
  finishers[0]!();
  await settled();
  t.mock.timers.tick(1000);
  assert.equal(finishers.length, 2, "the first tick after it ended runs it");
  runs.stop();
  finishers[1]!();
  t.mock.timers.tick(5000);
  assert.equal(finishers.length, 2, "nothing after stop");
});

test("a run that fails is reported and the next tick runs again", async (t) => {
  t.mock.timers.enable({ apis: ["setInterval"] });
  const errors: unknown[] = [];
  let runs = 0;
  const job = periodic(
    async () => {
      runs++;
      throw new Error("database away");
    },
    1000,
    (err) => errors.push(err),
  );
  t.mock.timers.tick(1000);
  await settled();
  t.mock.timers.tick(1000);
  await settled();
  job.stop();
  assert.equal(runs, 2);
  assert.deepEqual(
    errors.map((e) => (e as Error).message),
    ["database away", "database away"],
  );
});
