import { test, expect, Page } from "@playwright/test";
import { run, shot, api, apiSignUp, apiBoard, openBoard, watchErrors, expectAccessible, pageOverflowX } from "./helpers";

// Rooms a team can find: a member browses the board's public rooms, reads
// one before joining, joins it and talks; mentioning someone who is not in
// the room asks first and adds them.

const chat = (page: Page) => page.getByRole("region", { name: "Chat", exact: true });
const messages = (page: Page) => chat(page).getByRole("log");
const composer = (page: Page) => chat(page).getByRole("textbox", { name: /^Message #/ });

test("a member browses, reads and joins a public room; a mention outside the room asks and adds", async ({ browser }, testInfo) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  const [ctxA, ctxB, ctxC] = await Promise.all([browser.newContext(), browser.newContext(), browser.newContext()]);
  await apiSignUp(ctxA, `pa_${run}`, "Pia Owner");
  const ben = await apiSignUp(ctxB, `pb_${run}`, "Pablo Member");
  const cleo = await apiSignUp(ctxC, `pc_${run}`, "Paz Later");
  const { id: board } = await apiBoard(ctxA, "Open rooms");
  for (const u of [ben, cleo]) await api(ctxA, "POST", `/api/boards/${board}/members`, { username: u.username });
  const { status, body: design } = await api(ctxA, "POST", `/messaging/board/${board}/rooms/create/`, { name: "design", description: "Mock-ups and reviews" });
  expect(status).toBe(201);
  expect(design.is_private).toBe(false);
  await api(ctxA, "POST", `/messaging/room/${design.id}/send/`, { content: "First mock-up is up" });

  const b = await ctxB.newPage();
  watchErrors(b, errors);
  await openBoard(b, board);
  // Pablo is in #general (everyone is) and sees one room to find.
  await expect(chat(b).getByRole("heading", { name: "#general" })).toBeVisible();
  await expect(chat(b).getByRole("navigation", { name: "Rooms" }).getByRole("button")).toHaveCount(1);
  const browse = chat(b).getByRole("button", { name: /^Browse rooms/ });
  await expect(browse).toContainText("1");
  await browse.click();
  const dialog = b.getByRole("dialog", { name: "Rooms you are not in" });
  const list = dialog.getByRole("list", { name: "Public rooms you can join" });
  await expect(list.getByRole("listitem")).toHaveCount(1);
  await expect(list).toContainText("Mock-ups and reviews");
  await expect(list).toContainText("1 member");
  // At every width it fits (on a phone the chat pane opens from the header).
  await b.keyboard.press("Escape");
  for (const [width, height] of [[1024, 768], [390, 844], [1366, 768]]) {
    await b.setViewportSize({ width, height });
    if (width < 760) await b.getByRole("button", { name: /^Chat/ }).click();
    await chat(b).getByRole("button", { name: /^Browse rooms/ }).click();
    await expect(dialog.getByRole("button", { name: "Join #design" })).toBeInViewport();
    const { scroll, inner } = await pageOverflowX(b);
    expect(scroll, `no sideways scroll at ${width}`).toBe(inner);
    await shot(b, testInfo, `50-browse-rooms-${width}`);
    if (width === 1366) break;
    await b.keyboard.press("Escape");
    if (width < 760) await b.getByRole("button", { name: "Hide chat and members" }).click();
  }
  await expectAccessible(b, "browsing rooms");

  // Reading before joining: the history, its start, and a bar to join.
  await dialog.getByRole("button", { name: "Open #design without joining" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(chat(b).getByRole("heading", { name: "#design" })).toBeVisible();
  await expect(messages(b)).toContainText("This is the start of #design");
  await expect(messages(b)).toContainText("First mock-up is up");
  await expect(composer(b)).toHaveCount(0);
  const bar = chat(b).getByRole("region", { name: "Not joined" });
  await expect(bar).toContainText("You are reading #design without being in it.");
  // Live while reading: Pia's next message arrives without a reload.
  await api(ctxA, "POST", `/messaging/room/${design.id}/send/`, { content: "Second one too" });
  await expect(messages(b)).toContainText("Second one too");
  for (const [width, height] of [[1366, 768], [1024, 768]]) {
    await b.setViewportSize({ width, height });
    await shot(b, testInfo, `51-reading-before-joining-${width}`);
  }
  await expectAccessible(b, "reading a room before joining");
  await bar.getByRole("button", { name: "Join #design" }).click();
  await expect(composer(b)).toBeVisible();
  await expect(chat(b).getByRole("navigation", { name: "Rooms" }).getByRole("button")).toHaveCount(2);
  await expect(chat(b).getByRole("button", { name: /^Browse rooms/ })).toHaveCount(0);

  // Mentioning Paz, who is on the board but not in #design: the
  // suggestion says so, and sending asks first.
  await composer(b).pressSequentially(`@${cleo.username.slice(0, 4)}`, { delay: 20 });
  const option = chat(b).getByRole("option", { name: /Paz Later/ });
  await expect(option).toContainText("not in this room");
  await option.click();
  await composer(b).pressSequentially("can you review?");
  await composer(b).press("Enter");
  const ask = chat(b).getByRole("alertdialog");
  await expect(ask).toContainText(`@${cleo.username} isn't in #design and won't be notified.`);
  await expect(ask.getByRole("button", { name: "Add them" })).toBeFocused();
  await shot(b, testInfo, "52-mention-outside-the-room");
  await expectAccessible(b, "asking about a mention outside the room");
  await ask.getByRole("button", { name: "Add them" }).click();
  await expect(ask).toHaveCount(0);
  await expect(messages(b).getByText("can you review?")).toHaveCount(1);
  await expect(composer(b)).toHaveValue("");
  // Paz is in the room now, and was notified: of the mention, and of being
  // added to the room (besides being added to the board earlier).
  const kinds = async () =>
    ((await api(ctxC, "GET", "/messaging/notifications/?unread=true")).body.notifications as { kind: string }[]).map((n) => n.kind);
  await expect.poll(kinds).toEqual(["chat_mention", "added_to_room", "added_to_board"]);
  const { body: detail } = await api(ctxC, "GET", `/messaging/room/${design.id}/`);
  expect(detail.members.map((m: { username: string }) => m.username)).toContain(cleo.username);

  // "Send without notifying" sends as typed, and nobody is added.
  const { body: dan } = await (async () => {
    const ctxD = await browser.newContext();
    const d = await apiSignUp(ctxD, `pd_${run}`, "Pat Outside");
    await ctxD.close();
    return { body: d };
  })();
  await api(ctxA, "POST", `/api/boards/${board}/members`, { username: dan.username });
  await expect.poll(async () => (await api(ctxB, "GET", `/api/boards/${board}`)).body.members.length).toBe(4);
  // (The board's member list in Pablo's tab follows live.)
  await b.getByRole("tab", { name: /^Members/ }).click();
  await expect(b.locator("aside.members li.member")).toHaveCount(4);
  await b.getByRole("tab", { name: /^Chat/ }).click();
  await composer(b).fill(`@${dan.username} fyi`);
  await composer(b).press("Enter");
  await chat(b).getByRole("alertdialog").getByRole("button", { name: "Send without notifying" }).click();
  await expect(messages(b).getByText("fyi")).toHaveCount(1);
  const { body: after } = await api(ctxB, "GET", `/messaging/room/${design.id}/`);
  expect(after.members.map((m: { username: string }) => m.username)).not.toContain(dan.username);

  // Making a room whose name exists offers that room instead.
  const c = await ctxC.newPage();
  watchErrors(c, errors);
  await openBoard(c, board);
  await chat(c).getByRole("button", { name: "New room" }).click();
  const form = c.getByRole("form", { name: "New room" });
  await expect(form.getByLabel("Add all board members")).toBeVisible();
  await shot(c, testInfo, "53-new-room-form");
  await form.getByLabel("Room name").fill("Design");
  await form.getByRole("button", { name: "Create room" }).click();
  await expect(form.getByRole("alert")).toContainText("already has a room named");
  await form.getByRole("button", { name: "Open #design" }).click();
  await expect(chat(c).getByRole("heading", { name: "#design" })).toBeVisible();
  await expect(messages(c)).toContainText("can you review?");

  expect(errors, "no errors in the pages").toEqual([]);
  await Promise.all([ctxA.close(), ctxB.close(), ctxC.close()]);
});
