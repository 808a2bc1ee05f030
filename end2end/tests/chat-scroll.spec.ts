import { test, expect, Page } from "@playwright/test";
import { shot, watchErrors, openBoard, seedTeam, apiSend, hydrated } from "./helpers";

// The chat scrolls like Slack: the reading position survives the task dialog
// and older pages, the newest message stays in view when you are there, a
// "new messages" button when you are not; groups, long messages, a composer
// that grows, and the room you were in.

const chat = (page: Page) => page.getByRole("region", { name: "Chat", exact: true });
const scroller = (page: Page) => chat(page).locator(".messages");
const metrics = (page: Page) =>
  scroller(page).evaluate((el) => ({ top: el.scrollTop, height: el.scrollHeight, client: el.clientHeight }));
const atBottom = async (page: Page) => {
  const m = await metrics(page);
  return m.top + m.client >= m.height - 4;
};

test("the chat keeps the reader's place and follows the newest", async ({ browser }, testInfo) => {
  test.setTimeout(180_000);
  const errors: string[] = [];
  const team = await seedTeam(browser, "cs", 140);
  const [ctxA, ctxB] = team.contexts;
  const page = await ctxA.newPage();
  watchErrors(page, errors);
  await page.setViewportSize({ width: 1366, height: 768 });
  await openBoard(page, team.board);
  await expect(chat(page).getByRole("heading", { name: "#general" })).toBeVisible();
  await expect(chat(page).locator(".msg").first()).toBeVisible();
  await expect.poll(() => atBottom(page)).toBe(true);

  // Opening and closing a task leaves the chat where the reader was.
  await scroller(page).evaluate((el) => { el.scrollTop = el.scrollHeight / 2; });
  await page.waitForTimeout(200);
  const reading = (await metrics(page)).top;
  await page.getByRole("region", { name: /^To do/ }).getByRole("link").first().click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await page.waitForTimeout(300);
  expect(Math.abs((await metrics(page)).top - reading)).toBeLessThanOrEqual(2);

  // Older history: the message at the top stays where it was, and more keeps
  // coming as the reader scrolls up, until the very first message.
  const loaded = () => chat(page).locator("li.msg").count();
  const firstLoaded = await loaded();
  expect(firstLoaded).toBeLessThan(140);
  // Scroll to the top; the first message in view then, and where it is
  // (measured at once, before the older page can come).
  const before = await scroller(page).evaluate((el) => {
    el.scrollTop = 0;
    const top = el.getBoundingClientRect().top;
    const m = Array.from(el.querySelectorAll("li.msg")).find((m) => m.getBoundingClientRect().bottom > top)!;
    return { id: m.id, offset: m.getBoundingClientRect().top - top };
  });
  await expect.poll(loaded).toBeGreaterThan(firstLoaded);
  await page.waitForTimeout(300);
  const offset = await page.locator(`#${before.id}`).evaluate((m) => m.getBoundingClientRect().top - m.closest(".messages")!.getBoundingClientRect().top);
  expect(Math.abs(offset - before.offset), "the message read stays in place").toBeLessThan(4);
  expect((await metrics(page)).top).toBeGreaterThan(300);
  for (let i = 0; i < 10 && (await chat(page).getByText("The very first message").count()) === 0; i++) {
    await scroller(page).evaluate((el) => { el.scrollTop = 0; });
    await page.waitForTimeout(400);
  }
  await expect(chat(page).getByText("The very first message")).toBeVisible();
  await expect(chat(page).getByRole("button", { name: "Load older messages" })).toHaveCount(0);
  expect(await loaded()).toBe(140);

  // At the bottom, 16 messages back-to-back: still at the bottom.
  await scroller(page).evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await expect.poll(() => atBottom(page)).toBe(true);
  await apiSend(ctxB, team.rooms[0], Array.from({ length: 16 }, (_, i) => `Burst ${i + 1}`));
  await expect(chat(page).getByText("Burst 16", { exact: true })).toBeInViewport();
  await expect.poll(() => atBottom(page)).toBe(true);

  // Scrolled up: new ones wait behind a button.
  await scroller(page).evaluate((el) => { el.scrollTop = el.scrollHeight / 3; });
  await page.waitForTimeout(200);
  await apiSend(ctxB, team.rooms[0], ["Later 1", "Later 2", "Later 3"]);
  const below = chat(page).getByRole("button", { name: "3 new messages ↓" });
  await expect(below).toBeVisible();
  expect(await atBottom(page)).toBe(false);
  await shot(page, testInfo, "40-new-messages-button");
  await below.click();
  await expect.poll(() => atBottom(page)).toBe(true);
  await expect(below).toHaveCount(0);

  // One author's run within 5 minutes shares a header; every text has dir=auto.
  const burst = chat(page).locator("li.msg").filter({ has: page.locator(".msg-text", { hasText: /^Burst \d+$/ }) });
  await expect(burst).toHaveCount(16);
  // (The first may continue Bob's earlier run too: at most one header.)
  expect(await burst.locator(".msg-meta").count()).toBeLessThanOrEqual(1);
  expect(await burst.and(page.locator(".msg-cont")).count()).toBeGreaterThanOrEqual(15);
  expect(await chat(page).locator(".msg-text:not([dir=auto])").count()).toBe(0);
  expect(await chat(page).locator(".msg-text").count()).toBeGreaterThan(100);

  // A long message collapses behind "Show more".
  const long = Array.from({ length: 30 }, (_, i) => `Line ${i + 1} of the minutes`).join("\n");
  await apiSend(ctxB, team.rooms[0], [long]);
  const item = chat(page).locator("li.msg", { hasText: "Line 1 of the minutes" });
  await expect(item.getByRole("button", { name: "Show more" })).toBeVisible();
  const clamped = (await item.locator(".msg-text").boundingBox())!.height;
  await item.getByRole("button", { name: "Show more" }).click();
  await expect(item.getByRole("button", { name: "Show less" })).toBeVisible();
  const full = (await item.locator(".msg-text").boundingBox())!.height;
  expect(full).toBeGreaterThan(clamped * 1.6);
  await shot(page, testInfo, "41-long-message");

  // The composer grows with its text up to about ten lines.
  const box = chat(page).getByRole("textbox", { name: "Message #general" });
  const h0 = (await box.boundingBox())!.height;
  await box.fill("one\ntwo\nthree\nfour\nfive");
  const h5 = (await box.boundingBox())!.height;
  expect(h5).toBeGreaterThan(h0 * 1.8);
  await box.fill(Array.from({ length: 25 }, (_, i) => `line ${i}`).join("\n"));
  await page.keyboard.press("End");
  const h25 = (await box.boundingBox())!.height;
  expect(h25).toBeLessThan(h5 * 2.6);
  expect(h25).toBeGreaterThan(h5 * 1.5);
  await inViewport(page, box);
  await box.fill("");

  // The room last open comes back after a reload.
  await chat(page).getByRole("button", { name: "venue", exact: true }).click();
  await expect(chat(page).getByRole("heading", { name: "#venue" })).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(chat(page).getByRole("heading", { name: "#venue" })).toBeVisible();

  expect(errors).toEqual([]);
  await Promise.all(team.contexts.map((c) => c.close()));
});

async function inViewport(page: Page, locator: ReturnType<Page["locator"]>) {
  const box = (await locator.boundingBox())!;
  const { height } = page.viewportSize()!;
  expect(box.y + box.height).toBeLessThanOrEqual(height + 1);
}
