import { test, expect, Page } from "@playwright/test";
import { run, shot, watchErrors, apiSignUp, apiBoard, api, openBoard, expectAccessible } from "./helpers";

// Direct messages (issue 27 §2), two people in two browsers: Ann opens a
// conversation from Bob's row in the board's Members tab ("Message @bob"),
// writes; Bob's bell rings, his Messages page lists the conversation with an
// unread count, he opens it, answers, and Ann sees the answer live. No board
// owner sees it; it is checked at 1366, 1024 and 390 px and with axe.

const conversation = (page: Page) => page.getByRole("region", { name: "Conversation" });
const list = (page: Page) => page.getByRole("navigation", { name: "Conversations" });
const bellCount = (page: Page) => page.getByTestId("bell-count");

test("a direct message from a member's row, live both ways", async ({ browser }, testInfo) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  const ctxA = await browser.newContext();
  const ctxB = await browser.newContext();
  await apiSignUp(ctxA, `dann_${run}`, "Ann Archer");
  const bob = await apiSignUp(ctxB, `dbob_${run}`, "Bob Baker");
  const { id: board } = await apiBoard(ctxA, "Direct");
  await api(ctxA, "POST", `/api/boards/${board}/members`, { username: bob.username });
  await api(ctxB, "POST", "/messaging/notifications/read-all/", {});

  const a = await ctxA.newPage();
  const b = await ctxB.newPage();
  for (const p of [a, b]) {
    watchErrors(p, errors);
    await p.setViewportSize({ width: 1366, height: 800 });
  }
  await openBoard(a, board);
  await a.getByRole("tab", { name: /^Members/ }).click();
  await a.getByRole("link", { name: `Message @${bob.username}` }).click();
  await expect(a).toHaveURL(/\/messages\/\d+$/);
  const dmId = Number(a.url().split("/").pop());
  await expect(conversation(a).getByRole("heading", { name: "Bob Baker" })).toBeVisible();
  const box = conversation(a).getByRole("textbox", { name: "Message Bob Baker" });
  await box.fill("Can you review the release notes?");
  await box.press("Enter");
  await expect(conversation(a).locator("li.msg").filter({ hasText: "Can you review the release notes?" })).toBeVisible();
  await expect(list(a).getByRole("link", { name: "Bob Baker" })).toHaveAttribute("aria-current", "page");

  // Bob: one bell entry; the Messages link in the header lists it, unread.
  await b.goto("/boards");
  await expect(bellCount(b)).toHaveText("1");
  await b.getByRole("link", { name: "Messages", exact: true }).click();
  await expect(b).toHaveURL(/\/messages$/);
  await expect(list(b).getByRole("link", { name: "Ann Archer, 1 unread" })).toBeVisible();
  await shot(b, testInfo, "80-messages-list-1366");
  await list(b).getByRole("link", { name: /Ann Archer/ }).click();
  await expect(conversation(b).locator("li.msg").filter({ hasText: "Can you review the release notes?" })).toBeVisible();
  // Read: no unread count, and the bell's entry for it is read too.
  await expect(list(b).getByRole("link", { name: "Ann Archer" })).toBeVisible();
  await expect(bellCount(b)).toHaveCount(0);
  const reply = conversation(b).getByRole("textbox", { name: "Message Ann Archer" });
  await reply.fill("On it — give me ten minutes");
  await reply.press("Enter");

  // Ann sees the answer live, with nothing to refresh.
  await expect(conversation(a).locator("li.msg").filter({ hasText: "On it — give me ten minutes" })).toBeVisible();
  await shot(a, testInfo, "81-direct-message-1366");
  await expectAccessible(a, "the messages page");

  // The same people reach the same conversation from Bob's side too.
  await b.goto(`/messages?with=${encodeURIComponent(`dann_${run}`)}`);
  await expect(b).toHaveURL(new RegExp(`/messages/${dmId}$`));

  // Other widths: the list above the conversation on a phone.
  for (const [width, name] of [[1024, "82-direct-message-1024"], [390, "83-direct-message-390"]] as const) {
    await a.setViewportSize({ width, height: 800 });
    await expect(conversation(a).locator("li.msg").filter({ hasText: "On it" })).toBeVisible();
    const overflow = await a.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `no sideways scroll at ${width}`).toBeLessThanOrEqual(0);
    await shot(a, testInfo, name);
  }

  // Not a board room: the board's room list does not show it.
  const rooms = await api(ctxA, "GET", `/messaging/board/${board}/rooms/`);
  expect(rooms.status).toBe(200);
  expect((rooms.body as { id: number }[]).some((r) => r.id === dmId)).toBe(false);

  expect(errors).toEqual([]);
  await ctxA.close();
  await ctxB.close();
});
