/**
 * `npm test`: the whole suite, as CI runs it.
 * 1. unit tests and integration tests on embedded PGlite;
 * 2. the integration tests again on Postgres, when DATABASE_URL names a database (with
 *    REDIS_URL, the two-instance fan-out test runs too);
 * 3. the Playwright journeys in Chromium.
 * It ends with one summary line: "tests: N passed, N failed, N skipped".
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

const unit = ["server/**/*.test.ts", "app/**/*.test.ts"];
const integration = ["tests/integration/**/*.test.ts"];
const totals = { passed: 0, failed: 0, skipped: 0 };
const scratch = await mkdtemp(path.join(tmpdir(), "tandem-test-"));

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  capture = false,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", capture ? "pipe" : "inherit", "inherit"] });
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      process.stdout.write(chunk);
    });
    child.on("exit", (code) => resolve({ code: code ?? 1, out }));
  });
}

/** Test files whose process died of a signal (a crash of the runtime itself), from a TAP report. */
function crashedFiles(tap: string): Array<{ file: string; signal: string }> {
  const out: Array<{ file: string; signal: string }> = [];
  const re = /^not ok \d+ - (\S+\.test\.ts)\n {2}---\n([\s\S]*?)\n {2}\.\.\./gm;
  for (const m of tap.matchAll(re)) {
    const signal = /^ {2}signal: '(SIG[A-Z]+)'$/m.exec(m[2]!)?.[1];
    if (signal) out.push({ file: m[1]!, signal });
  }
  return out;
}

async function nodeTests(label: string, globs: string[], env: NodeJS.ProcessEnv, rerun = false): Promise<void> {
  console.log(`\n=== ${label} ===`);
  const tap = path.join(scratch, `${label.replace(/\W+/g, "-")}.tap`);
  const { code } = await run(
    process.execPath,
    [
      "--import",
      "tsx",
      "--test",
      "--test-concurrency=1",
      "--test-timeout=120000",
      "--test-reporter=spec",
      "--test-reporter-destination=stdout",
      "--test-reporter=tap",
      `--test-reporter-destination=${tap}`,
      ...globs,
    ],
    env,
  );
  const text = await readFile(tap, "utf8").catch(() => "");
  const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, "m").exec(text)?.[1] ?? 0);
  totals.passed += count("pass");
  totals.failed += count("fail") + count("cancelled") + (code !== 0 && count("fail") === 0 ? 1 : 0);
  totals.skipped += count("skipped");
  // A file whose process was killed by a signal (the runtime aborting on a corrupted heap, say)
  // failed no assertion: it runs once more, said out loud. An assertion failure is never re-run.
  const crashed = rerun ? [] : crashedFiles(text);
  if (crashed.length) {
    for (const c of crashed)
      console.log(`\n${c.file} died of ${c.signal} (not a failed assertion): running it once more.`);
    totals.failed -= crashed.length;
    await nodeTests(`${label}, files re-run after a crash`, [...new Set(crashed.map((c) => c.file))], env, true);
  }
}

/** Creates `<database>_<suffix>` on the same server; returns its URL and a way to drop it. */
async function createSiblingDatabase(url: string, suffix: string) {
  const { default: postgres } = await import("postgres");
  const target = new URL(url);
  const name = `${target.pathname.slice(1) || "tandem"}_${suffix}`.replace(/[^a-z0-9_]/gi, "_");
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  target.pathname = `/${name}`;
  return {
    url: target.toString(),
    drop: async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

const { DATABASE_URL, ...withoutDatabase } = process.env;
await nodeTests("unit and integration tests on PGlite", [...unit, ...integration], withoutDatabase);
if (DATABASE_URL) {
  await nodeTests("integration tests on Postgres", integration, process.env);
} else {
  console.log("\nDATABASE_URL is not set: the Postgres pass is skipped (CI always runs it).");
}

console.log("\n=== browser journeys (Playwright, Chromium) ===");
// The journeys get a database of their own, so the first start seeds it and creates their admin.
const e2eDatabase = DATABASE_URL ? await createSiblingDatabase(DATABASE_URL, "e2e") : null;
const e2e = await run(
  path.resolve("node_modules/.bin/playwright"),
  ["test", "--reporter=list"],
  {
    ...process.env,
    ...(e2eDatabase ? { DATABASE_URL: e2eDatabase.url } : {}),
    // Channels and rate-limit buckets of their own: nothing left in Redis by another run counts.
    REDIS_NAMESPACE: `tandem-e2e-${process.pid}-${Date.now()}`,
  },
  true,
);
await e2eDatabase?.drop();
const pw = (name: string) => Number(new RegExp(`(\\d+) ${name}`).exec(e2e.out)?.[1] ?? 0);
totals.passed += pw("passed");
totals.failed += pw("failed") + pw("flaky") + (e2e.code !== 0 && pw("failed") === 0 ? 1 : 0);
totals.skipped += pw("skipped");

await rm(scratch, { recursive: true, force: true });
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
