import { expect, test, Page, BrowserContext, TestInfo } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { spawn, ChildProcess } from "child_process";
import * as path from "path";

// What every browser test shares: fresh names per run, sign-up, hydration,
// screenshots of the main screens, and no uncaught page error.

/** A suffix that makes this run's usernames unique. */
export const run = Date.now().toString(36).slice(-6);
export const PASSWORD = "correct horse battery";

/** The release binary the tests run (the same one the suite's server runs). */
const root = path.resolve(__dirname, "..", "..");
export const binary =
  process.env.TASKFLOW_E2E_BINARY ??
  path.join(process.env.CARGO_TARGET_DIR ? path.resolve(root, process.env.CARGO_TARGET_DIR) : path.join(root, "target"), "release", "taskflow");

/** The suite's server listens on this port; tests that start servers of their
 *  own (to stop them, or with other settings) take the next ones. */
export const BASE_PORT = Number(process.env.TASKFLOW_E2E_PORT ?? 3117);

/** Starts a server of the test's own in `dir` on `port` and waits until it answers. */
export async function startTaskflow(dir: string, port: number, args: string[] = []): Promise<ChildProcess> {
  const server = spawn(binary, ["--bind", `127.0.0.1:${port}`, ...args], { cwd: dir, stdio: "ignore" });
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return server;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  server.kill();
  throw new Error(`the server on port ${port} did not start`);
}

/** Saves a full-page screenshot under test-results/screenshots and attaches it. */
export async function shot(page: Page, testInfo: TestInfo, name: string) {
  const file = path.join(testInfo.outputDir, "..", "screenshots", `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await testInfo.attach(name, { path: file, contentType: "image/png" });
}

/** Collects uncaught errors of the page, and anything the page's
 *  Content-Security-Policy refused (tests expect none: the whole suite runs
 *  under the real policy). */
export function watchErrors(page: Page, errors: string[]) {
  page.on("pageerror", (e) => errors.push(`${e.name}: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/.test(m.text())) errors.push(`CSP: ${m.text()}`);
  });
}

/** Waits until the WASM has hydrated the page; when it does not, the
 *  failure says what the page's console and errors said. */
export async function hydrated(page: Page) {
  try {
    await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1, { timeout: 20_000 });
  } catch (e) {
    const errors = (await page.pageErrors()).map((err) => `page error: ${err.message.slice(0, 400)}`);
    const console = (await page.consoleMessages())
      .filter((m) => m.type() === "error" || m.type() === "warning")
      .map((m) => `console ${m.type()}: ${m.text().slice(0, 400)}`);
    if (e instanceof Error) e.message += `\nthe page's errors and console:\n${[...errors, ...console].join("\n") || "(nothing)"}`;
    throw e;
  }
}

/** Signs up in a new page of `context` and lands on the board list. */
export async function signUp(context: BrowserContext, username: string, displayName: string, errors: string[]) {
  const page = await context.newPage();
  watchErrors(page, errors);
  await page.goto("/signup");
  await hydrated(page);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Display name").fill(displayName);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/boards$/);
  await expect(page.getByRole("heading", { name: "Your boards" })).toBeVisible();
  return page;
}

/** A JSON API call in a browser context (sharing its session cookie). */
export async function api(context: BrowserContext, method: "GET" | "POST" | "PATCH" | "DELETE", path: string, data?: unknown) {
  // (An absolute URL is another server of the test's own: its origin.)
  const base = /^https?:/.test(path) ? new URL(path).origin : test.info().project.use.baseURL ?? "";
  const response = await context.request.fetch(path, {
    method,
    data,
    headers: method === "GET" ? {} : { Origin: base },
  });
  const text = await response.text();
  return { status: response.status(), body: text ? JSON.parse(text) : null };
}

/** The board's #general: made with the board, with everyone on the board in it. */
export async function generalRoom(context: BrowserContext, board: number): Promise<{ id: number; name: string }> {
  const { status, body } = await api(context, "GET", `/messaging/board/${board}/rooms/`);
  expect(status).toBe(200);
  const general = body.find((r: { is_default: boolean }) => r.is_default);
  expect(general, "every board has its #general").toBeTruthy();
  return general;
}

/** Signs up through the API (fast); the context is then logged in. */
export async function apiSignUp(context: BrowserContext, username: string, displayName: string) {
  const { status, body } = await api(context, "POST", "/api/auth/signup", { username, password: PASSWORD, display_name: displayName });
  expect(status, JSON.stringify(body)).toBe(201);
  return body as { id: number; username: string; display_name: string };
}

/** A board with its columns (To do, Doing, Done and any `extra`). */
export async function apiBoard(context: BrowserContext, name: string, extra: string[] = []) {
  const { body: board } = await api(context, "POST", "/api/boards", { name });
  for (const column of extra) await api(context, "POST", `/api/boards/${board.id}/columns`, { name: column });
  const { body: detail } = await api(context, "GET", `/api/boards/${board.id}`);
  return { id: board.id as number, columns: (detail.columns as { id: number; name: string }[]).map((c) => c.id) };
}

/** Sends chat messages through the API, waiting out the rate limit. */
export async function apiSend(context: BrowserContext, roomId: number, texts: string[]) {
  for (const content of texts) {
    for (;;) {
      const { status, body } = await api(context, "POST", `/messaging/room/${roomId}/send/`, { content });
      if (status === 201) break;
      expect(status, JSON.stringify(body)).toBe(429);
      await new Promise((r) => setTimeout(r, (body.error.retry_after_ms ?? 200) + 20));
    }
  }
}

/** Opens a board page and waits until it is hydrated and live. */
export async function openBoard(page: Page, boardId: number) {
  // What the page's WebSockets did, told when it does not get live.
  const sockets: string[] = [];
  const started = Date.now();
  const at = () => `${Date.now() - started} ms`;
  const onSocket = (ws: import("@playwright/test").WebSocket) => {
    sockets.push(`${at()} opened ${ws.url()}`);
    ws.on("framereceived", (f) => sockets.length < 40 && sockets.push(`${at()} received ${String(f.payload).slice(0, 60)}`));
    ws.on("socketerror", (e) => sockets.push(`${at()} error ${e}`));
    ws.on("close", () => sockets.push(`${at()} closed`));
  };
  const onConsole = (m: import("@playwright/test").ConsoleMessage) => {
    if (m.type() === "warning" || m.type() === "error") sockets.push(`${at()} console ${m.type()}: ${m.text().slice(0, 200)}`);
  };
  const onError = (e: Error) => sockets.push(`${at()} page error: ${e.message.slice(0, 300)}`);
  page.on("websocket", onSocket);
  page.on("console", onConsole);
  page.on("pageerror", onError);
  try {
    await page.goto(`/boards/${boardId}`);
    await hydrated(page);
    // (On a phone the chat pane is closed: the badge is there, not shown.)
    await expect(page.locator(".chat .conn")).toHaveText("Live", { timeout: 20_000 });
  } catch (e) {
    const told = `\nthe page's sockets and console:\n${sockets.join("\n") || "(no WebSocket at all)"}`;
    if (e instanceof Error) e.message += told;
    throw e;
  } finally {
    page.off("websocket", onSocket);
    page.off("console", onConsole);
    page.off("pageerror", onError);
  }
}

/** Adds a board member from the Members tab of the board's side pane, then shows the Chat tab again. */
export async function addMember(page: Page, username: string, displayName: string) {
  await page.getByRole("tab", { name: /^Members/ }).click();
  await page.getByLabel("Add a member by username").fill(username);
  await page.getByRole("complementary").getByRole("button", { name: "Add", exact: true }).click();
  await expect(page.getByRole("complementary").getByText(displayName)).toBeVisible();
  await page.getByRole("tab", { name: /^Chat/ }).click();
}

/** Fails on any critical or serious accessibility violation (axe-core) on the page as it is now. */
export async function expectAccessible(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations
    .filter((v) => v.impact === "critical" || v.impact === "serious")
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 5).join(" | ")}`);
  expect(bad, `axe on ${what}`).toEqual([]);
}

/** Whether the page scrolls sideways (it never should). */
export async function pageOverflowX(page: Page) {
  return page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
}

/** A team as the issue tried it: three people, a board of 6 columns and 17
 *  tasks, 3 rooms, and `messages` chat messages in the first room (the first
 *  one says "The very first message"). */
export async function seedTeam(browser: import("@playwright/test").Browser, prefix: string, messages = 140) {
  const names = [["Ann", "Archer"], ["Bob", "Baker"], ["Cy", "Cole"]];
  const contexts: BrowserContext[] = [];
  const users: { id: number; username: string; display_name: string }[] = [];
  for (const [first, last] of names) {
    const context = await browser.newContext();
    contexts.push(context);
    users.push(await apiSignUp(context, `${prefix}${first.toLowerCase()}_${run}`, `${first} ${last}`));
  }
  const [owner] = contexts;
  const { id: board, columns } = await apiBoard(owner, "Launch plan", ["Review", "Blocked", "Later"]);
  for (const u of users.slice(1)) await api(owner, "POST", `/api/boards/${board}/members`, { username: u.username });
  const titles = [
    "Write the spec", "Design the UI", "Book the venue", "Draft the press release", "Pick a date",
    "Invite speakers", "Order badges", "Plan the catering", "Set up the stream", "Test the projector",
    "Print the schedule", "Hire a photographer", "Write the thank-you mail", "Collect feedback",
    "Pay the invoices", "Archive the slides", "Celebrate",
  ];
  const tasks: number[] = [];
  for (const [i, title] of titles.entries()) {
    const { body } = await api(owner, "POST", `/api/boards/${board}/tasks`, { column_id: columns[i % columns.length], title });
    tasks.push(body.id);
  }
  const rooms: number[] = [];
  // #general holds everyone already; the others are made with everyone in them.
  rooms.push((await generalRoom(owner, board)).id);
  for (const name of ["launch-day", "venue"]) {
    const { body: room } = await api(owner, "POST", `/messaging/board/${board}/rooms/create/`, { name, add_all_members: true });
    rooms.push(room.id);
  }
  if (messages > 0) {
    await apiSend(contexts[1], rooms[0], ["The very first message"]);
    // The rest from all three at once (each has its own rate budget).
    const per = Math.ceil((messages - 1) / 3);
    await Promise.all(contexts.map((c, who) =>
      apiSend(c, rooms[0], Array.from({ length: Math.min(per, messages - 1 - who * per) }, (_, i) =>
        `Update ${who + 1}.${i + 1}: ${["on track", "needs a look", "done, see the doc", "blocked on the venue"][i % 4]}`)),
    ));
  }
  return { contexts, users, board, columns, tasks, rooms };
}
