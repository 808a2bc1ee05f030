import { test, expect, Page } from "@playwright/test";
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { run, api, openBoard, shot, PASSWORD, BASE_PORT, startTaskflow } from "./helpers";

// Nothing typed is lost when the server goes away: a message queued while
// it is down survives a closed tab (the outbox is kept in the browser) and
// is delivered exactly once when it is back; clicking a card never opened
// meanwhile keeps the app on screen (its code was fetched while idle).
// The server here is one of the test's own, so that it can be stopped.

const PORT = BASE_PORT + 2;
const BASE = `http://127.0.0.1:${PORT}`;

let server: ChildProcess | undefined;
let dir = "";

async function startServer() {
  server = await startTaskflow(dir, PORT, ["--allow-signup", "true"]);
}

async function stopServer() {
  const s = server;
  server = undefined;
  if (!s || s.exitCode !== null) return;
  const exited = new Promise((r) => s.once("exit", r));
  s.kill("SIGTERM");
  await exited;
}

test.beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "taskflow-offline-"));
  await startServer();
});

test.afterAll(async () => {
  await stopServer();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const chat = (page: Page) => page.getByRole("region", { name: "Chat", exact: true });

test("a message queued while the server is away is delivered once, even after the tab was closed", async ({ browser }, testInfo) => {
  const ctx = await browser.newContext({ baseURL: BASE });
  const signed = await api(ctx, "POST", `${BASE}/api/auth/signup`, { username: `ol_${run}`, password: PASSWORD, display_name: "Otto Line" });
  expect(signed.status, JSON.stringify(signed.body)).toBe(201);
  const { body: board } = await api(ctx, "POST", `${BASE}/api/boards`, { name: "Offline" });
  const { body: detail } = await api(ctx, "GET", `${BASE}/api/boards/${board.id}`);
  const made = await api(ctx, "POST", `${BASE}/api/boards/${board.id}/tasks`, { column_id: detail.columns[0].id, title: "Never opened" });
  expect(made.status).toBe(201);
  const { body: rooms } = await api(ctx, "GET", `${BASE}/messaging/board/${board.id}/rooms/`);
  const general = rooms.find((r: { is_default: boolean }) => r.is_default);

  const page = await ctx.newPage();
  await openBoard(page, board.id);
  // The code of the task dialog comes while the page is idle.
  await page.waitForTimeout(2_500);

  await stopServer();
  await expect(page.locator(".chat .conn")).toContainText("Offline", { timeout: 20_000 });
  const words = "will send when back online";
  const composer = chat(page).getByRole("textbox", { name: "Message #general" });
  await composer.fill(words);
  await composer.press("Enter");
  await expect(chat(page).locator("li.msg.pending")).toContainText(words);
  // A card never opened: it opens, and the app stays (no browser error page).
  await page.getByRole("link", { name: "Never opened" }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await expect(page.locator("#task-title")).toHaveValue("Never opened");
  expect(page.url().startsWith(BASE)).toBe(true);
  await shot(page, testInfo, "40-offline-card-opened");
  // The tab is closed before the server is back: only the browser keeps it.
  await page.close();

  await startServer();
  const again = await ctx.newPage();
  await openBoard(again, board.id);
  await expect(chat(again).getByRole("log").getByText(words)).toHaveCount(1, { timeout: 15_000 });
  await expect(chat(again).locator("li.msg.pending")).toHaveCount(0);
  // Stored once; a reload sends nothing again.
  await again.reload();
  await expect(again.locator(".chat .conn")).toHaveText("Live", { timeout: 20_000 });
  await again.waitForTimeout(1_000);
  const { body: history } = await api(ctx, "GET", `${BASE}/messaging/room/${general.id}/history/`);
  expect(history.messages.filter((m: { content: string }) => m.content === words)).toHaveLength(1);
  await expect(chat(again).getByRole("log").getByText(words)).toHaveCount(1);
  expect(await again.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("taskflow.outbox.") && localStorage.getItem(k)))).toEqual([]);
  await ctx.close();
});
