import { defineConfig, devices } from "@playwright/test";
import * as fs from "fs";
import * as path from "path";

// The browser tests run against the release binary, started from an empty
// folder (proving the binary carries its whole web bundle), on its own port.
const PORT = Number(process.env.TASKFLOW_E2E_PORT ?? 3117);
const BASE_URL = `http://127.0.0.1:${PORT}`;
const root = path.resolve(__dirname, "..");
const binary =
  process.env.TASKFLOW_E2E_BINARY ??
  path.join(process.env.CARGO_TARGET_DIR ? path.resolve(root, process.env.CARGO_TARGET_DIR) : path.join(root, "target"), "release", "taskflow");

// Debian's Chromium where it exists (machines without Playwright's download);
// otherwise Playwright's own browser (`npx playwright install chromium`).
const systemChromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"], ["html", { open: "never" }]],
  outputDir: "test-results",
  use: {
    baseURL: BASE_URL,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: systemChromium,
      args: systemChromium
        ? ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
           "--no-first-run", "--disable-sync", "--disable-quic"]
        : [],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], viewport: { width: 1366, height: 860 } } }],
  webServer: {
    // A fresh empty folder each run: the database is created in ./data/ there.
    command: `bash -c 'dir=$(mktemp -d) && cd "$dir" && exec "${binary}" --bind 127.0.0.1:${PORT}'`,
    url: `${BASE_URL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
  },
});
