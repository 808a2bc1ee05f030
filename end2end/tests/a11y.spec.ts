import { test, expect, Page } from "@playwright/test";
import { shot, watchErrors, openBoard, seedTeam, expectAccessible, hydrated, pageOverflowX, run, PASSWORD } from "./helpers";

// Keyboard and screen-reader use: focus stays in open dialogs and comes back
// to what opened them, focus rings are whole, and axe-core finds no critical
// or serious problem on the board, the task dialog, the room dialog, or in
// dark mode.

const chat = (page: Page) => page.getByRole("region", { name: "Chat", exact: true });
const focusInside = (page: Page, selector: string) =>
  page.evaluate((s) => !!document.activeElement && !!document.activeElement.closest(s), selector);

test("dialogs keep and return focus; axe finds nothing serious", async ({ browser }, testInfo) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  const team = await seedTeam(browser, "ax", 12);
  const page = await team.contexts[0].newPage();
  watchErrors(page, errors);
  await openBoard(page, team.board);
  await expect(chat(page).getByRole("heading", { name: "#general" })).toBeVisible();
  await expect(chat(page).getByText("The very first message")).toBeVisible();
  await expectAccessible(page, "the board with a room open");

  // A card's focus ring is inside its scroller (not clipped).
  const card = page.getByRole("region", { name: /^To do/ }).getByRole("link").first();
  await card.focus();
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Tab");
  await expect(card).toBeFocused();
  const room = await card.evaluate((el) => {
    const style = getComputedStyle(el);
    const ring = parseFloat(style.outlineWidth) + parseFloat(style.outlineOffset);
    const r = el.getBoundingClientRect();
    const list = el.closest(".cards")!.getBoundingClientRect();
    return { ring, left: r.left - ring - list.left, right: list.right - (r.right + ring), top: r.top - ring - list.top };
  });
  expect(room.ring).toBeGreaterThan(0);
  expect(room.left).toBeGreaterThanOrEqual(0);
  expect(room.right).toBeGreaterThanOrEqual(0);
  expect(room.top).toBeGreaterThanOrEqual(0);

  // The task dialog, opened from the keyboard: Tab and Shift+Tab stay inside.
  const cardId = await card.getAttribute("id");
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel("Title")).toBeFocused();
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press("Tab");
    expect(await focusInside(page, "[role=dialog]"), `Tab ${i + 1}`).toBe(true);
  }
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press("Shift+Tab");
    expect(await focusInside(page, "[role=dialog]"), `Shift+Tab ${i + 1}`).toBe(true);
  }
  await expectAccessible(page, "the task dialog (Details)");
  await dialog.getByRole("tab", { name: /^Comments/ }).click();
  await expect(dialog.getByRole("textbox", { name: "Write a comment" })).toBeFocused();
  await expectAccessible(page, "the task dialog (Comments)");
  await shot(page, testInfo, "50-task-dialog-comments");
  // Closing gives focus back to the card.
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await expect(page.locator(`#${cardId}`)).toBeFocused();

  // The room's members dialog: the same.
  const members = chat(page).getByRole("button", { name: "Members", exact: true });
  await members.click();
  const roomDialog = page.getByRole("dialog");
  await expect(roomDialog).toBeVisible();
  for (let i = 0; i < 15; i++) {
    await page.keyboard.press("Tab");
    expect(await focusInside(page, "[role=dialog]"), `Tab ${i + 1} in the room dialog`).toBe(true);
  }
  await expectAccessible(page, "the room members dialog");
  await page.keyboard.press("Escape");
  await expect(roomDialog).toHaveCount(0);
  await expect(members).toBeFocused();

  // The bell's menu (with the entries the team's setup made).
  await page.getByLabel(/^Notifications/).click();
  await expect(page.getByRole("region", { name: "Latest notifications" })).toBeVisible();
  await expectAccessible(page, "the bell's menu");
  await page.keyboard.press("Escape");
  await expect(page.getByRole("region", { name: "Latest notifications" })).toHaveCount(0);

  // The Members tab of the pane, and dark mode.
  await page.getByRole("tab", { name: /^Members/ }).click();
  await expectAccessible(page, "the members tab");
  await page.getByRole("tab", { name: /^Chat/ }).click();
  await page.emulateMedia({ colorScheme: "dark" });
  await expectAccessible(page, "the board in dark mode");
  await shot(page, testInfo, "51-board-dark");
  await page.getByRole("region", { name: /^To do/ }).getByRole("link").first().click();
  await expectAccessible(page, "the task dialog in dark mode");
  await page.keyboard.press("Escape");

  expect(errors).toEqual([]);
  await Promise.all(team.contexts.map((c) => c.close()));
});

/** Presses Tab until `target` has the focus (at most `max` times). */
async function tabTo(page: Page, target: import("@playwright/test").Locator, max = 25) {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  await expect(target).toBeFocused();
}

// The account forms and the board list's form (common::PostForm: plain forms
// until hydrated, then server functions sent as JSON) at the three widths,
// with the keyboard alone, and axe on each screen.
test("sign-up, log-out, log-in and a new board by keyboard alone, at every width", async ({ browser }, testInfo) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  for (const [width, height] of [[1366, 768], [1024, 768], [390, 844]]) {
    const context = await browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    watchErrors(page, errors);
    const username = `kb${width}_${run}${testInfo.repeatEachIndex}`;

    await page.goto("/signup");
    await hydrated(page);
    await expectAccessible(page, `sign-up at ${width}px`);
    await shot(page, testInfo, `50-signup-${width}`);
    await expect(page.getByLabel("Username")).toBeFocused();
    await page.keyboard.type(username);
    await page.keyboard.press("Tab");
    await expect(page.getByLabel("Display name")).toBeFocused();
    await page.keyboard.type(`Key ${width}`);
    await page.keyboard.press("Tab");
    await expect(page.getByLabel("Password", { exact: true })).toBeFocused();
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/boards$/);

    const name = page.getByLabel("New board name");
    await tabTo(page, name);
    await page.keyboard.type(`Keyboard board ${width}`);
    await page.keyboard.press("Enter");
    // A new board opens.
    await expect(page).toHaveURL(/\/boards\/\d+$/);
    await expect(page.getByRole("heading", { name: `Keyboard board ${width}`, level: 1 })).toBeVisible();
    await page.goto("/boards");
    await hydrated(page);
    await expect(page.getByRole("link", { name: new RegExp(`Keyboard board ${width}`) })).toBeVisible();
    await expectAccessible(page, `the board list at ${width}px`);
    await shot(page, testInfo, `51-boards-${width}`);
    const overflow = await pageOverflowX(page);
    expect(overflow.scroll, `no sideways scroll at ${width}px`).toBeLessThanOrEqual(overflow.inner);

    // The account menu, then "Log out".
    await tabTo(page, page.locator("summary[aria-label^='Account menu']"));
    await page.keyboard.press("Enter");
    await tabTo(page, page.getByRole("menuitem", { name: "Log out" }), 5);
    await page.keyboard.press("Enter");
    await expect(page.getByRole("link", { name: "Log in" })).toBeVisible();

    await page.goto("/login");
    await hydrated(page);
    await expectAccessible(page, `log-in at ${width}px`);
    await shot(page, testInfo, `52-login-${width}`);
    await expect(page.getByLabel("Username")).toBeFocused();
    await page.keyboard.type(username);
    await page.keyboard.press("Tab");
    await page.keyboard.type("not the password");
    // Hydrated, the form calls its server function itself, as JSON.
    const call = page.waitForRequest((r) => r.url().endsWith("/rpc/login"));
    await page.keyboard.press("Enter");
    expect((await call).headers()["content-type"]).toBe("application/json");
    await expect(page.getByRole("alert")).toContainText("invalid username or password");
    await expect(page.getByLabel("Password")).toBeFocused();
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/boards$/);
    await expect(page.getByRole("link", { name: new RegExp(`Keyboard board ${width}`) })).toBeVisible();
    await context.close();
  }
  expect(errors).toEqual([]);
});
