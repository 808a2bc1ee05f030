import { test, expect, Page } from "@playwright/test";
import { run, shot, signUp, addMember, api, apiSignUp, apiBoard, apiSend, openBoard, watchErrors, expectAccessible, pageOverflowX } from "./helpers";

// Two colleagues chat in a board's room: typing hints, presence, and no lost or
// doubled messages when one of them drops off the network for a while.
const alice = `ann_${run}`;
const bob = `ben_${run}`;

const chat = (page: Page) => page.getByRole("region", { name: "Chat", exact: true });
const messages = (page: Page) => chat(page).getByRole("log");
const composer = (page: Page) => chat(page).getByRole("textbox", { name: /^Message #/ });

test("two people chat live, with typing, presence and a network drop", async ({ browser }, testInfo) => {
  const errors: string[] = [];
  const ctxA = await browser.newContext();
  const ctxB = await browser.newContext();
  const a = await signUp(ctxA, alice, "Ann Archer", errors);
  const b = await signUp(ctxB, bob, "Ben Baker", errors);

  // Ann: a board and Ben as a member: both are in its #general.
  await a.getByLabel("New board name").fill("Chatty board");
  await a.getByRole("button", { name: "Create board" }).click();
  await expect(a).toHaveURL(/\/boards\/\d+$/);
  const boardUrl = a.url();
  await addMember(a, bob, "Ben Baker");
  await expect(chat(a).getByText("Live")).toBeVisible();
  await expect(chat(a).getByRole("heading", { name: "#general" })).toBeVisible();
  await chat(a).getByRole("button", { name: "Members" }).click();
  await expect(chat(a).getByText(`@${bob}`)).toBeVisible();
  await expect(chat(a).getByText("Everyone on the board is in this room.")).toBeVisible();
  await shot(a, testInfo, "07a-room-members-and-settings");
  // A modal dialog: Esc closes it and the room is back.
  await a.keyboard.press("Escape");
  await expect(a.getByRole("dialog")).toHaveCount(0);

  // Ben opens the board: the room is there, and Ann sees him come online.
  await b.goto(boardUrl);
  await expect(chat(b).getByRole("heading", { name: "#general" })).toBeVisible();
  await expect(chat(b).getByText("Live")).toBeVisible();
  await a.reload();
  await expect(chat(a).getByText("Live")).toBeVisible();
  await expect(chat(a).getByText("Ben Baker is online")).toBeAttached();
  // The board's member list shows both as online too.
  await a.getByRole("tab", { name: /^Members/ }).click();
  await expect(a.locator("aside.members li.member.online")).toHaveCount(2);
  await a.getByRole("tab", { name: /^Chat/ }).click();

  // Ann is halfway through a sentence when Ben's message arrives: what she
  // typed, and her place in it, stay (the room list changes on every
  // message; the composer must not be drawn again).
  await composer(a).click();
  await composer(a).pressSequentially("Half a thou", { delay: 10 });
  // Typing: the hint appears for Ann, and goes away when Ben sends.
  await composer(b).pressSequentially("Hi Ann, the spec is https://example.com/spec.", { delay: 15 });
  await expect(chat(a).getByText("Ben Baker is typing…")).toBeVisible();
  await composer(b).press("Enter");
  await expect(chat(a).getByText("Ben Baker is typing…")).toHaveCount(0);
  await expect(messages(a).getByText("Hi Ann, the spec is")).toBeVisible();
  await expect(messages(a).getByRole("link", { name: "https://example.com/spec" })).toHaveAttribute("href", "https://example.com/spec");
  await expect(composer(b)).toHaveValue("");
  await expect(composer(a)).toHaveValue("Half a thou");
  await expect(composer(a)).toBeFocused();
  await a.keyboard.type("ght.");
  await expect(composer(a)).toHaveValue("Half a thought.");
  await composer(a).fill("");

  // Shift+Enter makes a new line; Enter sends.
  await composer(a).fill("Thanks!");
  await composer(a).press("Shift+Enter");
  await composer(a).pressSequentially("Reading it now.");
  await composer(a).press("Enter");
  await expect(messages(b).getByText("Reading it now.")).toBeVisible();
  await shot(a, testInfo, "07-chat");

  // Ben drops off the network; Ann posts; Ben comes back and sees each message once.
  await ctxB.setOffline(true);
  const missed = ["While you were away 1", "While you were away 2", "While you were away 3"];
  for (const text of missed) {
    await composer(a).fill(text);
    await composer(a).press("Enter");
    await expect(messages(a).getByText(text)).toBeVisible();
  }
  await b.waitForTimeout(1500);
  await ctxB.setOffline(false);
  for (const text of missed) {
    await expect(messages(b).getByText(text)).toHaveCount(1, { timeout: 45_000 });
  }
  await expect(chat(b).getByText("Live")).toBeVisible({ timeout: 45_000 });
  // Nothing doubled after the resume either.
  await b.waitForTimeout(1000);
  for (const text of [...missed, "Reading it now."]) {
    await expect(messages(b).getByText(text)).toHaveCount(1);
  }
  await shot(b, testInfo, "08-chat-after-reconnect");

  // Ben leaves: Ann sees him go offline.
  await b.close();
  await expect(chat(a).getByText("Ben Baker is offline")).toBeAttached({ timeout: 15_000 });
  await a.getByRole("tab", { name: /^Members/ }).click();
  await expect(a.locator("aside.members li.member.online")).toHaveCount(1);

  expect(errors, "no errors in the pages").toEqual([]);
  await Promise.all([ctxA.close(), ctxB.close()]);
});

test("where WebSockets are blocked, the chat falls back to HTTP and says so", async ({ browser }) => {
  const errors: string[] = [];
  const ctxA = await browser.newContext();
  const ctxB = await browser.newContext();
  const a = await signUp(ctxA, `fa_${run}`, "Fay Archer", errors);
  const b = await signUp(ctxB, `fb_${run}`, "Finn Baker", errors);
  await a.getByLabel("New board name").fill("Fallback board");
  await a.getByRole("button", { name: "Create board" }).click();
  await expect(a).toHaveURL(/\/boards\/\d+$/);
  const boardUrl = a.url();
  await addMember(a, `fb_${run}`, "Finn Baker");
  await expect(chat(a).getByRole("heading", { name: "#general" })).toBeVisible();

  // Finn's "proxy" refuses every WebSocket.
  await b.routeWebSocket(/\/ws/, (ws) => ws.close({ code: 1006 }));
  await b.goto(boardUrl);
  await expect(chat(b).getByText("Live over HTTP")).toBeVisible({ timeout: 20_000 });

  // Receiving by long polling, sending by POST.
  await composer(a).fill("Can you read me over HTTP?");
  await composer(a).press("Enter");
  await expect(messages(b).getByText("Can you read me over HTTP?")).toBeVisible({ timeout: 30_000 });
  await composer(b).fill("Loud and clear.");
  await composer(b).press("Enter");
  await expect(messages(a).getByText("Loud and clear.")).toBeVisible();
  await expect(messages(b).getByText("Loud and clear.")).toHaveCount(1);

  expect(errors, "no errors in the pages").toEqual([]);
  await Promise.all([ctxA.close(), ctxB.close()]);
});

test("the board owner sees and manages private rooms she is not in, and may join them", async ({ browser }, testInfo) => {
  const errors: string[] = [];
  const ctxA = await browser.newContext();
  const ctxB = await browser.newContext();
  await apiSignUp(ctxA, `own_${run}`, "Olga Owner");
  const ben = await apiSignUp(ctxB, `mem_${run}`, "Milo Member");
  const { id: board } = await apiBoard(ctxA, "Owner's rooms");
  await api(ctxA, "POST", `/api/boards/${board}/members`, { username: ben.username });
  const made: Record<string, number> = {};
  for (const name of ["design", "old-plans", "gossip"]) {
    const { status, body } = await api(ctxB, "POST", `/messaging/board/${board}/rooms/create/`, { name, is_private: true });
    expect(status).toBe(201);
    made[name] = body.id;
  }
  await apiSend(ctxB, made.design, ["Before Olga came"]);

  const a = await ctxA.newPage();
  watchErrors(a, errors);
  a.on("dialog", (d) => d.accept());
  await openBoard(a, board);
  // Her sidebar lists only the rooms she is in (the board's #general).
  await expect(chat(a).getByRole("navigation", { name: "Rooms" }).getByRole("button")).toHaveCount(1);
  // By keyboard only: open, Tab stays inside, Esc closes and gives focus back.
  const opener = chat(a).getByRole("button", { name: "Browse rooms" });
  await opener.focus();
  await a.keyboard.press("Enter");
  const dialog = a.getByRole("dialog", { name: "Rooms you are not in" });
  const list = dialog.getByRole("list", { name: "Rooms you are not in" });
  await expect(list.getByRole("listitem")).toHaveCount(3);
  for (const key of ["Tab", "Shift+Tab"]) {
    for (let i = 0; i < 20; i++) {
      await a.keyboard.press(key);
      expect(await a.evaluate(() => document.activeElement?.closest("[role=dialog]") != null), `${key} stays in the dialog`).toBe(true);
    }
  }
  await a.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await expect(opener).toBeFocused();
  // At every width it fits, with nothing off to the side.
  for (const [width, height] of [[1024, 768], [390, 844], [1366, 768]]) {
    await a.setViewportSize({ width, height });
    if (width < 760) await a.getByRole("button", { name: /^Chat/ }).click();
    await chat(a).getByRole("button", { name: "Browse rooms" }).click();
    await expect(list.getByRole("listitem")).toHaveCount(3);
    await expect(dialog.getByRole("button", { name: "Join #design" })).toBeInViewport();
    const { scroll, inner } = await pageOverflowX(a);
    expect(scroll, `no sideways scroll at ${width}`).toBe(inner);
    await shot(a, testInfo, `42-other-rooms-${width}`);
    if (width < 760) {
      await a.keyboard.press("Escape");
      await a.getByRole("button", { name: "Hide chat and members" }).click();
    } else if (width !== 1366) {
      await a.keyboard.press("Escape");
    }
  }
  await expect(list.getByRole("listitem").filter({ hasText: "design" })).toContainText("1 member");
  await expectAccessible(a, "the owner's other rooms");

  // Rename, archive, delete: each lands on the server (Milo sees it).
  await dialog.getByLabel("New name for #old-plans").fill("archive-me");
  await dialog.getByRole("button", { name: "Rename #old-plans" }).click();
  await expect(dialog.getByRole("button", { name: "Archive #archive-me" })).toBeVisible();
  expect((await api(ctxB, "GET", `/messaging/room/${made["old-plans"]}/`)).body.name).toBe("archive-me");
  // The list is drawn again; the keyboard stays in the dialog.
  await expect.poll(() => a.evaluate(() => document.activeElement?.closest("[role=dialog]") != null)).toBe(true);
  await dialog.getByRole("button", { name: "Archive #archive-me" }).click();
  await expect(dialog.getByRole("button", { name: "Unarchive #archive-me" })).toBeVisible();
  expect((await api(ctxB, "GET", `/messaging/room/${made["old-plans"]}/`)).body.archived_at).not.toBeNull();
  await dialog.getByRole("button", { name: "Delete #gossip" }).click();
  await expect(list.getByRole("listitem")).toHaveCount(2);
  expect((await api(ctxB, "GET", `/messaging/room/${made.gossip}/`)).status).toBe(404);
  // A name that is too long is explained, not cut.
  await dialog.getByLabel("New name for #design").fill("d".repeat(61));
  await expect(dialog.locator(`#other-room-${made.design}-count`)).toHaveText("Too long: 61 of at most 60 characters");
  await dialog.getByRole("button", { name: "Rename #design" }).click();
  await expect(dialog.getByRole("alert")).toContainText("at most 60");

  // Join: the room opens with its history, and she can talk in it.
  await dialog.getByRole("button", { name: "Join #design" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(chat(a).getByRole("heading", { name: "#design" })).toBeVisible();
  await expect(messages(a)).toContainText("Before Olga came");
  await composer(a).fill("Olga joined");
  await composer(a).press("Enter");
  await expect.poll(async () => (await api(ctxB, "GET", `/messaging/room/${made.design}/history/`)).body.messages.map((m: { content: string }) => m.content))
    .toContain("Olga joined");
  // Milo, not the owner, has no such button.
  const b = await ctxB.newPage();
  await openBoard(b, board);
  await expect(chat(b).getByRole("button", { name: "Browse rooms" })).toHaveCount(0);
  // On a phone the dialog fits.
  await a.setViewportSize({ width: 390, height: 844 });
  await a.getByRole("button", { name: /^Chat/ }).click();
  await chat(a).getByRole("button", { name: "Browse rooms" }).click();
  await expect(list.getByRole("listitem")).toHaveCount(1);
  // The dialog covers the top bar: its title and close button are the topmost.
  for (const what of [dialog.getByRole("heading", { name: "Rooms you are not in" }), dialog.getByRole("button", { name: "Close" })]) {
    await expect(what).toBeInViewport();
    const box = (await what.boundingBox())!;
    const topmost = await a.evaluate(([x, y]) => document.elementFromPoint(x, y)?.closest("[role=dialog]") !== null, [box.x + box.width / 2, box.y + box.height / 2]);
    expect(topmost, "nothing covers the dialog's head").toBe(true);
  }
  const { scroll, inner } = await pageOverflowX(a);
  expect(scroll).toBe(inner);
  await shot(a, testInfo, "43-other-rooms-390");
  expect(errors).toEqual([]);
  await Promise.all([ctxA.close(), ctxB.close()]);
});
