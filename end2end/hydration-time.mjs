// How long the board page takes to become interactive on a slow phone link:
// Lighthouse's "slow 4G" (1.6 Mbit/s down, 750 kbit/s up, 150 ms latency) and
// a 4x slower CPU, from navigation to hydration (body[data-hydrated=true]).
// A measurement, not a test: run by scripts/hydration-time.sh, which starts
// the release binary. Prints the median of a few cold loads.
import { chromium } from "@playwright/test";
import * as fs from "fs";

const base = process.argv[2];
const runs = Number(process.argv[3] ?? 5);
const executablePath = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu"] });

const setup = await browser.newContext({ baseURL: base });
const headers = { Origin: base };
await setup.request.post("/api/auth/signup", { headers, data: { username: `hy${Date.now() % 1e6}`, password: "correct horse battery" } });
const board = await (await setup.request.post("/api/boards", { headers, data: { name: "Hydration" } })).json();
await setup.request.post(`/messaging/board/${board.id}/rooms/create/`, { headers, data: { name: "General" } });
const state = await setup.storageState();
await setup.close();

const times = [];
// The WASM files a run fetched before the page was hydrated (main module and
// the page's chunks), as sent: how many, how many bytes, which encodings.
let wasm = null;
for (let i = 0; i < runs; i++) {
  const fetched = { files: 0, bytes: 0, encodings: new Set() };
  let done = false;
  const ctx = await browser.newContext({ baseURL: base, storageState: state });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false, latency: 150, downloadThroughput: 200_000, uploadThroughput: 93_750,
  });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  page.on("response", async (r) => {
    if (r.url().endsWith(".wasm") && !done) {
      const h = await r.allHeaders();
      fetched.files += 1;
      fetched.bytes += Number(h["content-length"] ?? 0);
      fetched.encodings.add(h["content-encoding"] ?? "none");
    }
  });
  const started = Date.now();
  await page.goto(`/boards/${board.id}`, { waitUntil: "commit" });
  await page.locator("body[data-hydrated=true]").waitFor({ timeout: 120_000 });
  times.push(Date.now() - started);
  done = true;
  wasm = fetched;
  await ctx.close();
}
await browser.close();
times.sort((a, b) => a - b);
console.log(`hydration on slow 4G + 4x CPU: median ${times[Math.floor(times.length / 2)]} ms (runs: ${times.join(", ")} ms); ` +
  `before it: ${wasm?.files} WASM files, ${wasm ? Math.round(wasm.bytes / 1024) : "?"} KB sent as ${[...(wasm?.encodings ?? [])].join("/")}`);
