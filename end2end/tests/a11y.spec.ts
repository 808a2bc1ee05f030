import { test, expect, Page } from "@playwright/test";
import { shot, watchErrors, openBoard, seedTeam, expectAccessible } from "./helpers";

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
