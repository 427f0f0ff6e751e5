import { defineConfig, devices } from "@playwright/test";

const port = Number(process.env.E2E_PORT ?? 3210);

/**
 * Journeys run in Debian's Chromium (no browser download). The app runs on its own port with
 * a slowed offline model so streaming is observable; it uses DATABASE_URL when set, otherwise
 * an in-memory PGlite.
 */
export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI ? [["list"]] : [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    ...devices["Desktop Chrome"],
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: "npx remix build && node server/index.ts",
    url: `http://127.0.0.1:${port}/health/ready`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      PGLITE_DIR: "memory://",
      OFFLINE_MODEL_DELAY_MS: "60",
      ADMIN_EMAIL: "admin@tandem.local",
      ADMIN_PASSWORD: "e2e admin password",
      // Every journey signs in from 127.0.0.1; the limits stay on, with room for the whole suite.
      RATE_LIMIT_SIGN_IN: "20/60s",
      RATE_LIMIT_SIGN_IN_ADDRESS: "60/30s",
      // Every customer starts from 127.0.0.1 too.
      RATE_LIMIT_START_CONVERSATION: "100/30s",
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    },
  },
});
