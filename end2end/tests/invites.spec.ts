import { test, expect, Page } from "@playwright/test";
import { spawnSync, ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { run, shot, watchErrors, expectAccessible, pageOverflowX, hydrated, PASSWORD, binary, BASE_PORT, startTaskflow } from "./helpers";

// Getting a colleague in on a real server, where open sign-up is off: the
// owner makes an invite link; a new person opens it, signs up through it
// and lands on the board, in its #general, and chats.

const PORT = BASE_PORT + 1;
const BASE = `http://127.0.0.1:${PORT}`;

let server: ChildProcess | undefined;
let dir = "";

test.beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "taskflow-closed-"));
  // The owner's account is made by the administrator, as on a real server.
  const made = spawnSync(binary, ["create-user", "--username", `owner_${run}`, "--display-name", "Olive Owner"], {
    cwd: dir, input: `${PASSWORD}\n`, encoding: "utf8",
  });
  expect(made.status, made.stderr).toBe(0);
  server = await startTaskflow(dir, PORT, ["--allow-signup", "false"]);
});

test.afterAll(async () => {
  server?.kill();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const chat = (page: Page) => page.getByRole("region", { name: "Chat", exact: true });

test("an owner sends an invite link; a new person signs up through it with sign-up off and chats", async ({ browser }, testInfo) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  const ctxA = await browser.newContext({ baseURL: BASE });
  const ctxB = await browser.newContext({ baseURL: BASE });
  const a = await ctxA.newPage();
  const b = await ctxB.newPage();
  watchErrors(a, errors);
  watchErrors(b, errors);

  // With sign-up off, the log-in page offers no sign-up, only an invite.
  await b.goto("/login");
  await hydrated(b);
  await expect(b.getByText("New here? Ask a board owner for an invite link.")).toBeVisible();
  await expect(b.getByRole("link", { name: "Create an account" })).toHaveCount(0);
  await b.goto("/signup");
  await expect(b.getByRole("status")).toContainText("Sign-up is by invitation");
  await expect(b.getByLabel("Username")).toHaveCount(0);

  // Olive logs in, makes a board and an invite link.
  await a.goto("/login");
  await hydrated(a);
  await a.getByLabel("Username").fill(`owner_${run}`);
  await a.getByLabel("Password").fill(PASSWORD);
  await a.getByRole("button", { name: "Log in" }).click();
  await expect(a).toHaveURL(/\/boards$/);
  await a.getByLabel("New board name").fill("Launch plan");
  await a.getByRole("button", { name: "Create board" }).click();
  await expect(a).toHaveURL(/\/boards\/\d+$/);
  await expect(chat(a).getByText("Live", { exact: true })).toBeVisible({ timeout: 20_000 });
  await a.getByRole("tab", { name: /^Members/ }).click();
  await a.getByRole("button", { name: "Invite people…" }).click();
  const dialog = a.getByRole("dialog", { name: "Invite people" });
  await expect(dialog.getByLabel("Works for")).toBeFocused();
  await dialog.getByRole("button", { name: "Create invite link" }).click();
  const link = dialog.getByLabel("Your new link (shown only now: copy it)");
  await expect(link).toBeFocused();
  const url = await link.inputValue();
  expect(url).toMatch(new RegExp(`^${BASE}/invite/[A-Za-z0-9_-]{43}$`));
  await expect(dialog.getByRole("list", { name: "Invite links" })).toContainText("0 of 10 used");
  for (const [width, height] of [[1366, 768], [1024, 768], [390, 844]]) {
    await a.setViewportSize({ width, height });
    const { scroll, inner } = await pageOverflowX(a);
    expect(scroll, `no sideways scroll at ${width}`).toBe(inner);
    await shot(a, testInfo, `55-invite-dialog-${width}`);
  }
  await expectAccessible(a, "the invite dialog");
  await a.setViewportSize({ width: 1366, height: 768 });
  // (At 390 px the pane that holds the dialog hid under it and took the
  // focus along: close it with its button.)
  await dialog.getByRole("button", { name: "Close" }).click();
  await expect(dialog).toHaveCount(0);

  // Bea opens the link logged out: whose board, and how to get in.
  await b.goto(url);
  await hydrated(b);
  await expect(b.getByRole("heading", { name: "Join Launch plan" })).toBeVisible();
  await expect(b.getByText("Olive Owner invited you to this board on TaskFlow.")).toBeVisible();
  for (const [width, height] of [[1366, 768], [1024, 768], [390, 844]]) {
    await b.setViewportSize({ width, height });
    const { scroll, inner } = await pageOverflowX(b);
    expect(scroll, `no sideways scroll at ${width}`).toBe(inner);
    await shot(b, testInfo, `56-invite-page-${width}`);
  }
  await expectAccessible(b, "the invite page");
  await b.setViewportSize({ width: 1366, height: 768 });
  const form = b.getByRole("form", { name: "Sign up" });
  await form.getByLabel("Username").fill(`bea_${run}`);
  await form.getByLabel("Display name").fill("Bea Newcomer");
  await form.getByLabel("Password").fill(PASSWORD);
  await form.getByRole("button", { name: "Create account" }).click();
  // She lands on the board, a member, in #general, and talks.
  await expect(b).toHaveURL(/\/boards\/\d+$/);
  await expect(b.getByRole("heading", { name: "Launch plan" })).toBeVisible();
  await expect(chat(b).getByRole("heading", { name: "#general" })).toBeVisible();
  await expect(chat(b).getByText("Live", { exact: true })).toBeVisible({ timeout: 20_000 });
  const composer = chat(b).getByRole("textbox", { name: "Message #general" });
  await composer.fill("Hello, glad to be here");
  await composer.press("Enter");
  // Olive sees her arrive on the board and her message, live.
  await expect(a.locator("aside.members")).toContainText("Bea Newcomer");
  await a.getByRole("tab", { name: /^Chat/ }).click();
  await expect(chat(a).getByRole("log")).toContainText("Hello, glad to be here");
  await a.getByRole("tab", { name: /^Members/ }).click();

  // The link counted one use; a used link still opens for her (a member).
  await a.getByRole("button", { name: "Invite people…" }).click();
  await expect(a.getByRole("dialog", { name: "Invite people" }).getByRole("list", { name: "Invite links" })).toContainText("1 of 10 used");
  // Revoked, the link says so clearly.
  await a.getByRole("dialog", { name: "Invite people" }).getByRole("button", { name: /^Revoke/ }).click();
  await expect(a.getByRole("dialog", { name: "Invite people" }).getByText("revoked")).toBeVisible();
  const c = await (await browser.newContext({ baseURL: BASE })).newPage();
  await c.goto(url);
  await expect(c.getByRole("heading", { name: "This invite link doesn't work" })).toBeVisible();
  await expect(c.getByRole("alert")).toContainText("revoked");
  await shot(c, testInfo, "57-invite-revoked");

  expect(errors, "no errors in the pages").toEqual([]);
  await Promise.all([ctxA.close(), ctxB.close()]);
});
