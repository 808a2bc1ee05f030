import { test, expect, Page } from "@playwright/test";
import { shot, watchErrors, openBoard, pageOverflowX, seedTeam, hydrated } from "./helpers";

// The board and its chat at the widths people use: 1920, 1366 and 1024 wide
// desktops and a 390 px phone. The page never scrolls sideways (only the
// columns do), the chat is a real pane with its composer always in view, and
// on a phone one column shows at a time with the chat a tap away.

const column = (page: Page, name: string) => page.getByRole("region", { name: new RegExp(`^${name}\\b`) });
const composer = (page: Page) => page.getByRole("textbox", { name: /^Message #/ });

async function inViewport(page: Page, selector: ReturnType<Page["locator"]>, what: string) {
  const box = await selector.boundingBox();
  const { width, height } = page.viewportSize()!;
  expect(box, what).not.toBeNull();
  expect(box!.x, `${what}: left edge`).toBeGreaterThanOrEqual(-1);
  expect(box!.y, `${what}: top edge`).toBeGreaterThanOrEqual(-1);
  expect(box!.x + box!.width, `${what}: right edge`).toBeLessThanOrEqual(width + 1);
  expect(box!.y + box!.height, `${what}: bottom edge`).toBeLessThanOrEqual(height + 1);
}

async function noSidewaysScroll(page: Page, what: string) {
  const { scroll, inner } = await pageOverflowX(page);
  expect(scroll, `${what}: page width`).toBe(inner);
}

test("the board holds at every width", async ({ browser }, testInfo) => {
  test.setTimeout(180_000);
  const errors: string[] = [];
  const team = await seedTeam(browser, "ly", 60);
  const page = await team.contexts[0].newPage();
  watchErrors(page, errors);
  for (const [width, height] of [[1920, 1080], [1366, 768], [1024, 768], [390, 844]]) {
    const tag = `${width}x${height}`;
    const phone = width <= 760;
    await page.setViewportSize({ width, height });
    await openBoard(page, team.board);
    await noSidewaysScroll(page, `board at ${tag}`);

    if (!phone && width < 1100) {
      // A laptop screen: the pane starts closed, the columns get the room;
      // the header's Chat button opens it (and that choice is remembered).
      await expect(page.locator("#board-pane")).toBeHidden();
      await shot(page, testInfo, `30-board-${tag}-pane-closed`);
      await page.locator("#pane-toggle").click();
      await expect(page.locator("#pane-toggle")).toHaveAttribute("aria-expanded", "true");
    }
    if (!phone) {
      // A real chat pane: full height, at least 360 wide, composer in view.
      const pane = (await page.locator("#board-pane").boundingBox())!;
      expect(pane.width, `pane width at ${tag}`).toBeGreaterThanOrEqual(360);
      expect(pane.y + pane.height, `pane reaches the bottom at ${tag}`).toBeGreaterThan(height - 2);
      await inViewport(page, composer(page), `composer at ${tag}`);
      await expect(page.getByRole("log").getByText(/^Update/).last()).toBeInViewport();
      const shown = await page.locator(".messages .msg").evaluateAll((items) => {
        const log = document.querySelector(".messages")!.getBoundingClientRect();
        return items.filter((m) => { const r = m.getBoundingClientRect(); return r.top >= log.top - 1 && r.bottom <= log.bottom + 1; }).length;
      });
      testInfo.annotations.push({ type: `messages in view at ${tag}`, description: String(shown) });
      console.log(`messages in view at ${tag}: ${shown}`);
      expect(shown, `messages in view at ${tag}`).toBeGreaterThanOrEqual(height >= 1000 ? 12 : 7);
      // The "New column" form, scrolled to, is whole.
      await page.locator(".columns").evaluate((el) => { el.scrollLeft = el.scrollWidth; });
      const scroller = (await page.locator(".columns").boundingBox())!;
      const form = (await page.locator(".column-new").boundingBox())!;
      expect(form.x, `new column form left at ${tag}`).toBeGreaterThanOrEqual(scroller.x);
      expect(form.x + form.width, `new column form right at ${tag}`).toBeLessThanOrEqual(scroller.x + scroller.width);
      await inViewport(page, page.getByRole("button", { name: "Add column" }), `Add column at ${tag}`);
      await page.locator(".columns").evaluate((el) => { el.scrollLeft = 0; });
    } else {
      // One column at a time, snapping; the chat is behind the header's button.
      const col = (await column(page, "To do").boundingBox())!;
      expect(col.width).toBeGreaterThan(width - 40);
      expect(col.x + col.width).toBeLessThanOrEqual(width);
      expect(await page.locator(".columns").evaluate((el) => getComputedStyle(el).scrollSnapType)).toContain("x mandatory");
      await expect(page.locator("#board-pane")).toBeHidden();
      // Which column of how many is in view.
      await expect(page.locator(".column-pos")).toHaveText(/^To do · column 1 of \d+$/);
      await page.locator(".columns").evaluate((el) => { el.scrollLeft = el.clientWidth + 10; });
      await expect.poll(() => page.locator(".columns").evaluate((el) => el.scrollLeft)).toBeGreaterThan(width / 2);
      await expect(page.locator(".column-pos")).toHaveText(/^Doing · column 2 of \d+$/);
      await shot(page, testInfo, `30-board-${tag}-second-column`);
      await page.getByRole("button", { name: /^Chat/ }).click();
      await expect(page.locator("#board-pane")).toBeVisible();
      await inViewport(page, composer(page), `composer at ${tag}`);
      await noSidewaysScroll(page, `chat at ${tag}`);
      await shot(page, testInfo, `31-chat-${tag}`);
      await page.getByRole("button", { name: "Hide chat and members" }).click();
      await expect(page.locator("#board-pane")).toBeHidden();
      // The last snap point is the "New column" form, whole on the screen.
      await page.locator(".columns").evaluate((el) => { el.scrollLeft = el.scrollWidth; });
      const form = page.locator(".column-new");
      await expect.poll(async () => { const b = (await form.boundingBox())!; return b.x >= 0 && b.x + b.width <= width; },
        { message: "new column form on screen" }).toBe(true);
      await inViewport(page, page.getByRole("button", { name: "Add column" }), `Add column at ${tag}`);
      await noSidewaysScroll(page, `new column at ${tag}`);
      await page.locator(".columns").evaluate((el) => { el.scrollLeft = 0; });
    }
    await shot(page, testInfo, `30-board-${tag}`);

    // The bell's dropdown fits.
    await page.getByLabel(/^Notifications/).click();
    await inViewport(page, page.getByRole("region", { name: "Latest notifications" }), `bell at ${tag}`);
    await noSidewaysScroll(page, `bell at ${tag}`);
    await page.keyboard.press("Escape");

    // The task dialog's Save is on screen; on a phone the dialog is the screen.
    await column(page, "To do").getByRole("link").first().click();
    const dialog = page.getByRole("dialog");
    await expect(dialog).toBeVisible();
    await inViewport(page, dialog.getByRole("button", { name: "Save", exact: true }), `Save at ${tag}`);
    await noSidewaysScroll(page, `dialog at ${tag}`);
    if (phone) {
      const box = (await dialog.boundingBox())!;
      expect(box.width).toBe(width);
      expect(box.y, "the dialog starts at the top").toBeLessThanOrEqual(1);
      expect(box.height, "the dialog fills the phone's height").toBeGreaterThanOrEqual(height - 1);
    }
    await shot(page, testInfo, `32-task-dialog-${tag}`);
    await page.keyboard.press("Escape");
    await expect(dialog).toHaveCount(0);
  }

  // The pane resizes from its edge (keyboard too), remembers it, and hides.
  await page.setViewportSize({ width: 1366, height: 768 });
  await openBoard(page, team.board);
  const paneWidth = async () => (await page.locator("#board-pane").boundingBox())!.width;
  const before = await paneWidth();
  await page.getByRole("separator", { name: "Resize the chat pane" }).focus();
  for (let i = 0; i < 4; i++) await page.keyboard.press("ArrowLeft");
  await expect.poll(paneWidth).toBe(before + 64);
  await page.reload();
  await hydrated(page);
  await expect.poll(paneWidth).toBe(before + 64);
  const columnsWidth = async () => (await page.locator(".columns").boundingBox())!.width;
  const narrow = await columnsWidth();
  await page.getByRole("button", { name: "Hide chat and members" }).click();
  await expect(page.locator("#board-pane")).toBeHidden();
  expect(await columnsWidth()).toBeGreaterThan(narrow + 300);
  await noSidewaysScroll(page, "pane hidden");
  await page.getByRole("button", { name: /^Chat/ }).click();
  await expect(page.locator("#board-pane")).toBeVisible();
  await inViewport(page, composer(page), "composer after showing the pane");

  expect(errors).toEqual([]);
  await Promise.all(team.contexts.map((c) => c.close()));
});
