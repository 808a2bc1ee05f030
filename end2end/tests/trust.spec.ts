import { test, expect, Page } from "@playwright/test";
import { run, shot, hydrated, watchErrors, api, apiSignUp, apiBoard, apiSend, openBoard, generalRoom } from "./helpers";

// What a team touches first must be trustworthy: moving or saving a task never
// unassigns it, the column menu works, nothing typed is lost, and the board is
// honest when the server is away.

const column = (page: Page, name: string) => page.getByRole("region", { name: new RegExp(`^${name}\\b`) });
const card = (page: Page, columnName: string, title: string) => column(page, columnName).getByRole("link", { name: title });
const chat = (page: Page) => page.getByRole("region", { name: "Chat", exact: true });

async function pair(browser: import("@playwright/test").Browser, prefix: string) {
  const ctxA = await browser.newContext();
  const ctxB = await browser.newContext();
  const ann = await apiSignUp(ctxA, `${prefix}a_${run}`, "Tess Archer");
  const bob = await apiSignUp(ctxB, `${prefix}b_${run}`, "Theo Baker");
  return { ctxA, ctxB, ann, bob };
}

/** While switched on, the page's new WebSockets go elsewhere: to a path of
 *  the same server that refuses the upgrade (a failed attempt: error, then
 *  close), or to another port, which the page's CSP blocks outright. */
async function divertSockets(page: Page, to: "same-origin" | "other-port") {
  await page.evaluate((to) => {
    const Real = window.WebSocket;
    const w = window as unknown as { __divert: boolean };
    w.__divert = false;
    const target = to === "same-origin" ? location.origin.replace(/^http/, "ws") + "/no-such-socket" : "ws://127.0.0.1:59999/ws";
    window.WebSocket = function (url: string | URL, protocols?: string | string[]) {
      return new Real(w.__divert ? target : url, protocols);
    } as unknown as typeof WebSocket;
  }, to);
  return (on: boolean) => page.evaluate((v) => { (window as unknown as { __divert: boolean }).__divert = v; }, on);
}

test("moving or saving a task never unassigns it", async ({ browser }, testInfo) => {
  const errors: string[] = [];
  const { ctxA, ctxB, bob } = await pair(browser, "as");
  const { id: board, columns } = await apiBoard(ctxA, "Keep the assignee");
  await api(ctxA, "POST", `/api/boards/${board}/members`, { username: bob.username });
  const { body: task } = await api(ctxA, "POST", `/api/boards/${board}/tasks`, { column_id: columns[0], title: "Write the spec" });
  await api(ctxA, "POST", `/api/boards/${board}/tasks`, { column_id: columns[1], title: "Other work" });
  for (const title of ["Done one", "Done two"]) {
    await api(ctxA, "POST", `/api/boards/${board}/tasks`, { column_id: columns[2], title });
  }
  const a = await ctxA.newPage();
  watchErrors(a, errors);
  await openBoard(a, board);

  const stillAssigned = async (step: string, columnName: string) => {
    await expect
      .poll(async () => (await api(ctxA, "GET", `/api/tasks/${task.id}`)).body.assignee_id, { message: step })
      .toBe(bob.id);
    await expect(card(a, columnName, "Write the spec").locator(".avatar"), step).toHaveText("TB");
  };

  // Assign Theo first.
  await card(a, "To do", "Write the spec").click();
  const dialog = a.getByRole("dialog");
  await dialog.getByLabel(`Theo Baker (@${bob.username})`).check();
  await stillAssigned("assigned in the dialog", "To do");
  await a.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);

  // Drag to Doing.
  await card(a, "To do", "Write the spec").dragTo(column(a, "Doing").locator("ol.cards"));
  await expect(card(a, "Doing", "Write the spec")).toBeVisible();
  await stillAssigned("after a drag", "Doing");

  // Alt+→ to Done, Alt+↓ within it.
  await card(a, "Doing", "Write the spec").focus();
  await a.keyboard.press("Alt+ArrowRight");
  await expect(card(a, "Done", "Write the spec")).toBeFocused();
  await stillAssigned("after Alt+→", "Done");
  const doneTitles = () => column(a, "Done").locator(".card-title").allTextContents();
  const before = await doneTitles();
  await a.keyboard.press("Alt+ArrowDown");
  await expect.poll(doneTitles).not.toEqual(before);
  await stillAssigned("after Alt+↓", "Done");

  // The dialog's Column select.
  await card(a, "Done", "Write the spec").click();
  await dialog.getByLabel("Column").selectOption({ label: "To do" });
  await expect(card(a, "To do", "Write the spec")).toBeAttached();
  await stillAssigned("after the Column select", "To do");

  // Edit the description and Save.
  await dialog.getByLabel("Description").fill("Scope and the open questions.");
  await dialog.getByRole("button", { name: "Save", exact: true }).click();
  await expect.poll(async () => (await api(ctxA, "GET", `/api/tasks/${task.id}`)).body.description).toBe("Scope and the open questions.");
  await stillAssigned("after Save", "To do");

  // Edit the title and press Enter.
  await dialog.getByLabel("Title").fill("Write the spec, v2");
  await dialog.getByLabel("Title").press("Enter");
  await expect.poll(async () => (await api(ctxA, "GET", `/api/tasks/${task.id}`)).body.title).toBe("Write the spec, v2");
  await a.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await expect
    .poll(async () => (await api(ctxA, "GET", `/api/tasks/${task.id}`)).body.assignee_id)
    .toBe(bob.id);
  await expect(card(a, "To do", "Write the spec, v2").locator(".avatar")).toHaveText("TB");
  await a.reload();
  await hydrated(a);
  await expect(card(a, "To do", "Write the spec, v2").locator(".avatar")).toHaveText("TB");
  await shot(a, testInfo, "20-assignee-kept");

  expect(errors).toEqual([]);
  await Promise.all([ctxA.close(), ctxB.close()]);
});

test("the column menu moves columns and closes like a menu", async ({ browser }) => {
  const errors: string[] = [];
  const ctx = await browser.newContext();
  await apiSignUp(ctx, `cm_${run}`, "Cam Moss");
  const { id: board } = await apiBoard(ctx, "Menus");
  const page = await ctx.newPage();
  watchErrors(page, errors);
  await openBoard(page, board);
  const summary = (name: string) => page.getByLabel(`Column actions for ${name}`);
  const openMenus = page.locator("details.column-menu[open]");
  const order = () => page.locator("section.column .column-title").evaluateAll((els) => els.map((e) => e.firstChild?.textContent?.trim()));

  // The label reads "Move right"; enabled except in the last column.
  await summary("To do").click();
  const moveRight = column(page, "To do").getByRole("button", { name: "Move right" });
  await expect(moveRight).toHaveText("Move right");
  await expect(moveRight).toBeEnabled();
  await expect(column(page, "To do").getByRole("button", { name: "Move left" })).toBeDisabled();
  // Esc closes it, focus back on ⋯.
  await page.keyboard.press("Escape");
  await expect(openMenus).toHaveCount(0);
  await expect(summary("To do")).toBeFocused();
  // A click outside closes it.
  await summary("Doing").click();
  await expect(openMenus).toHaveCount(1);
  await page.getByRole("heading", { name: "Menus", level: 1 }).click();
  await expect(openMenus).toHaveCount(0);
  // The last column cannot move right.
  await summary("Done").click();
  await expect(column(page, "Done").getByRole("button", { name: "Move right" })).toBeDisabled();
  await page.keyboard.press("Escape");
  // A choice closes it, and the move is stored.
  await summary("To do").click();
  await column(page, "To do").getByRole("button", { name: "Move right" }).click();
  await expect.poll(order).toEqual(["Doing", "To do", "Done"]);
  await expect(openMenus).toHaveCount(0);
  await page.reload();
  await hydrated(page);
  await expect.poll(order).toEqual(["Doing", "To do", "Done"]);
  expect(errors).toEqual([]);
  await ctx.close();
});

test("nothing typed is lost: unsaved edits, drafts, a failed add", async ({ browser }, testInfo) => {
  const errors: string[] = [];
  const ctx = await browser.newContext();
  await apiSignUp(ctx, `dr_${run}`, "Dana Reed");
  const { id: board, columns } = await apiBoard(ctx, "Drafts");
  const { body: task } = await api(ctx, "POST", `/api/boards/${board}/tasks`, { column_id: columns[0], title: "Plan" });
  await api(ctx, "POST", `/api/boards/${board}/tasks`, { column_id: columns[0], title: "Other task" });
  for (const name of ["one", "two"]) await api(ctx, "POST", `/messaging/board/${board}/rooms/create/`, { name });
  const page = await ctx.newPage();
  watchErrors(page, errors);
  await openBoard(page, board);
  const dialog = page.getByRole("dialog", { name: /Task/ });

  // An edited title: closing asks first. Keep editing keeps it.
  await card(page, "To do", "Plan").click();
  await dialog.getByLabel("Title").fill("Plan the launch");
  await page.keyboard.press("Escape");
  const ask = page.getByRole("alertdialog", { name: "Discard changes?" });
  await expect(ask).toBeVisible();
  await shot(page, testInfo, "21-discard-changes");
  await ask.getByRole("button", { name: "Keep editing" }).click();
  await expect(ask).toHaveCount(0);
  await expect(dialog.getByLabel("Title")).toHaveValue("Plan the launch");
  // ✕ asks too; Save changes saves and closes.
  await dialog.getByRole("button", { name: "Close" }).first().click();
  await ask.getByRole("button", { name: "Save changes" }).click();
  await expect(dialog).toHaveCount(0);
  await expect.poll(async () => (await api(ctx, "GET", `/api/tasks/${task.id}`)).body.title).toBe("Plan the launch");
  // An edited description, then Discard: nothing is saved.
  await card(page, "To do", "Plan the launch").click();
  await dialog.getByLabel("Description").fill("Not this.");
  await page.keyboard.press("Escape");
  await ask.getByRole("button", { name: "Discard" }).click();
  await expect(dialog).toHaveCount(0);
  expect((await api(ctx, "GET", `/api/tasks/${task.id}`)).body.description).toBe("");
  // Unchanged: closes at once.
  await card(page, "To do", "Plan the launch").click();
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);

  // A comment draft survives closing the dialog and a reload.
  await card(page, "To do", "Plan the launch").click();
  await dialog.getByRole("tab", { name: /^Comments/ }).click();
  await dialog.getByRole("textbox", { name: "Write a comment" }).fill("Half a thought");
  await dialog.getByRole("tab", { name: "Details" }).click();
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await card(page, "To do", "Plan the launch").click();
  await dialog.getByRole("tab", { name: /^Comments/ }).click();
  await expect(dialog.getByRole("textbox", { name: "Write a comment" })).toHaveValue("Half a thought");
  // Drafts are kept per task: another task's thread has its own (empty) one.
  await page.keyboard.press("Escape");
  await card(page, "To do", "Other task").click();
  await dialog.getByRole("tab", { name: /^Comments/ }).click();
  await expect(dialog.getByRole("textbox", { name: "Write a comment" })).toHaveValue("");
  await dialog.getByRole("textbox", { name: "Write a comment" }).fill("About the other one");
  await page.keyboard.press("Escape");
  await card(page, "To do", "Plan the launch").click();
  await dialog.getByRole("tab", { name: /^Comments/ }).click();
  await expect(dialog.getByRole("textbox", { name: "Write a comment" })).toHaveValue("Half a thought");
  await page.reload();
  await hydrated(page);
  await page.getByRole("dialog").getByRole("tab", { name: /^Comments/ }).click();
  await expect(page.getByRole("dialog").getByRole("textbox", { name: "Write a comment" })).toHaveValue("Half a thought");
  await page.keyboard.press("Escape");

  // A chat draft survives switching rooms and a reload; the last room reopens.
  await chat(page).getByRole("button", { name: "one", exact: true }).click();
  await chat(page).getByRole("textbox", { name: "Message #one" }).fill("For room one");
  await chat(page).getByRole("button", { name: "two", exact: true }).click();
  await expect(chat(page).getByRole("textbox", { name: "Message #two" })).toHaveValue("");
  await chat(page).getByRole("button", { name: "one", exact: true }).click();
  await expect(chat(page).getByRole("textbox", { name: "Message #one" })).toHaveValue("For room one");
  await page.reload();
  await hydrated(page);
  await expect(chat(page).getByRole("heading", { name: "#one" })).toBeVisible();
  await expect(chat(page).getByRole("textbox", { name: "Message #one" })).toHaveValue("For room one");
  // Sending clears the draft for good.
  await chat(page).getByRole("textbox", { name: "Message #one" }).press("Enter");
  await expect(chat(page).getByRole("log").getByText("For room one")).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(chat(page).getByRole("textbox", { name: "Message #one" })).toHaveValue("");

  // A failed "Add a task" keeps its text, says why, and retries.
  await expect(chat(page).getByText("Live", { exact: true })).toBeVisible();
  await ctx.setOffline(true);
  const add = column(page, "Doing").getByPlaceholder("Add a task…");
  await add.fill("Call the venue");
  await column(page, "Doing").getByRole("button", { name: "Add", exact: true }).click();
  await expect(column(page, "Doing").getByRole("alert")).toContainText("Can't reach TaskFlow — not saved.");
  await expect(add).toHaveValue("Call the venue");
  await expect(page.locator("body")).not.toContainText("TypeError");
  await shot(page, testInfo, "22-add-task-offline");
  await expect(column(page, "Doing").getByRole("button", { name: "Retry" })).toBeVisible();
  // Back online, the note goes by itself; the text is still there to add.
  await ctx.setOffline(false);
  await expect(column(page, "Doing").getByRole("alert")).toHaveCount(0, { timeout: 5_000 });
  await expect(add).toHaveValue("Call the venue");
  await column(page, "Doing").getByRole("button", { name: "Add", exact: true }).click();
  await expect(card(page, "Doing", "Call the venue")).toBeVisible();
  await expect(add).toHaveValue("");
  expect(errors).toEqual([]);
  await ctx.close();
});

test("honest when the server is away: undone on screen, presence unknown, back by itself", async ({ browser }, testInfo) => {
  const errors: string[] = [];
  const { ctxA, ctxB, bob } = await pair(browser, "of");
  const { id: board, columns } = await apiBoard(ctxA, "Offline");
  await api(ctxA, "POST", `/api/boards/${board}/members`, { username: bob.username });
  const { body: moving } = await api(ctxA, "POST", `/api/boards/${board}/tasks`, { column_id: columns[0], title: "Move me" });
  const { body: theirs } = await api(ctxA, "POST", `/api/boards/${board}/tasks`, { column_id: columns[0], title: "Theo moves this" });
  const a = await ctxA.newPage();
  const b = await ctxB.newPage();
  watchErrors(a, errors);
  watchErrors(b, errors);
  await openBoard(a, board);
  await openBoard(b, board);
  const presence = (page: Page) => page.locator("aside.members li.member");
  await a.getByRole("tab", { name: /^Members/ }).click();
  await expect(presence(a).and(a.locator(".online"))).toHaveCount(2);
  await a.getByRole("tab", { name: /^Chat/ }).click();

  await ctxA.setOffline(true);
  await expect(chat(a).getByText(/^Offline/)).toBeVisible({ timeout: 20_000 });
  await expect(chat(a).getByRole("button", { name: "Reconnect now" })).toBeVisible();
  // Nobody is shown as online while we cannot know.
  await expect(a.locator(".who-item.online")).toHaveCount(0);
  await expect(presence(a).and(a.locator(".unknown"))).toHaveCount(2);

  // A drag that cannot be saved is undone, and says so next to the card.
  await card(a, "To do", "Move me").dragTo(column(a, "Done").locator("ol.cards"));
  const note = column(a, "To do").getByRole("alert");
  await expect(note).toContainText("Can't reach TaskFlow — not saved.");
  await expect(note.getByRole("button", { name: "Retry" })).toBeVisible();
  await expect(card(a, "To do", "Move me")).toBeVisible();
  await expect(card(a, "Done", "Move me")).toHaveCount(0);
  await expect(a.locator("body")).not.toContainText("TypeError");
  await shot(a, testInfo, "23-offline-move-undone");

  // Meanwhile Theo moves a card.
  await api(ctxB, "PATCH", `/api/tasks/${theirs.id}`, { column_id: columns[1] });

  // Back online: within 2 s the board reloads itself (one fresh read of the
  // whole board, besides the live events it missed) and the note goes.
  const reloads: number[] = [];
  a.on("request", (r) => { if (r.url().endsWith("/rpc/boards/get")) reloads.push(Date.now()); });
  await ctxA.setOffline(false);
  const back = Date.now();
  await expect(note).toHaveCount(0, { timeout: 2_000 });
  await expect(card(a, "Doing", "Theo moves this")).toBeVisible({ timeout: 2_000 });
  await expect.poll(() => reloads.length, { timeout: 2_000 }).toBeGreaterThan(0);
  const took = Date.now() - back;
  expect(reloads[0] - back, "the board is read again within 2 s").toBeLessThan(2_000);
  testInfo.annotations.push({ type: "reload after reconnect (ms)", description: String(took) });
  console.log(`back online → board reloaded (${reloads[0] - back} ms) and note cleared in ${took} ms`);
  await expect(chat(a).getByText("Live", { exact: true })).toBeVisible();
  await expect(presence(a).and(a.locator(".online"))).toHaveCount(2);
  expect((await api(ctxA, "GET", `/api/tasks/${moving.id}`)).body.column_id).toBe(columns[0]);

  // When the server is reachable again but no "online" event tells the
  // browser (a server restart, a proxy blip), "Reconnect now" and coming back
  // to the tab try at once instead of waiting out the backoff.
  // Bob's tab cannot get a socket while `refuse` is set (its attempts go to
  // a path that refuses the upgrade), so failed retries make the wait grow.
  const refuse = await divertSockets(b, "same-origin");
  for (const how of ["Reconnect now", "focus"] as const) {
    await expect(chat(b).getByText("Live", { exact: true })).toBeVisible({ timeout: 20_000 });
    await refuse(true);
    await ctxB.setOffline(true);
    await ctxB.setOffline(false);
    // At least 4 s to the next attempt.
    await expect(chat(b).getByText(/retrying in ([4-9]|[1-9]\d) s/)).toBeVisible({ timeout: 30_000 });
    await refuse(false);
    const since = Date.now();
    if (how === "Reconnect now") {
      await chat(b).getByRole("button", { name: "Reconnect now" }).click();
    } else {
      await b.evaluate(() => window.dispatchEvent(new Event("focus")));
    }
    await expect(chat(b).getByText("Live", { exact: true }), `${how}: live again at once`).toBeVisible({ timeout: 2_000 });
    console.log(`${how}: live again in ${Date.now() - since} ms`);
  }

  // A socket the browser itself refuses (here its Content-Security-Policy
  // blocks another port) gets only an "error" in Chromium, no "close": the
  // tab still counts it as a failed attempt and retries on its own, instead
  // of sitting on "Connecting…". (A page of its own: the refusal is logged.)
  const c = await ctxB.newPage();
  await openBoard(c, board);
  const block = await divertSockets(c, "other-port");
  await block(true);
  await ctxB.setOffline(true);
  await ctxB.setOffline(false);
  await expect(chat(c).getByText(/^Offline — retrying in \d+ s/)).toBeVisible({ timeout: 15_000 });
  await block(false);
  await expect(chat(c).getByText("Live", { exact: true }), "back by itself").toBeVisible({ timeout: 20_000 });
  await c.close();

  // Before the page is live, the chat says it is connecting, in a calm colour.
  const noJs = await browser.newContext({ javaScriptEnabled: false, storageState: await ctxA.storageState() });
  const plain = await noJs.newPage();
  await plain.goto(`/boards/${board}`);
  const badge = plain.locator(".chat .conn");
  await expect(badge).toHaveText("Connecting…");
  await expect(badge).toHaveClass(/conn-connecting/);
  await expect(badge).not.toHaveClass(/conn-off/);
  await noJs.close();

  expect(errors).toEqual([]);
  await Promise.all([ctxA.close(), ctxB.close()]);
});

test("a live connection whose handshake is never answered is given up and tried again", async ({ browser }) => {
  const errors: string[] = [];
  const context = await browser.newContext();
  await apiSignUp(context, `hs_${run}`, "Hana Stall");
  const { id: board } = await apiBoard(context, "Stalled handshake");
  const page = await context.newPage();
  watchErrors(page, errors);
  // The tab's first WebSocket is one whose handshake never completes (a
  // stalled connection, a proxy holding the upgrade): no open, no error,
  // no close. The ones after it are real.
  await page.addInitScript(() => {
    const Real = window.WebSocket;
    const w = window as unknown as { __stalled: { created: number; closedAt: number | null } };
    w.__stalled = { created: 0, closedAt: null };
    window.WebSocket = function (url: string | URL, protocols?: string | string[]) {
      if (w.__stalled.created > 0) return new Real(url, protocols);
      w.__stalled.created = performance.now();
      const stalled = new EventTarget() as EventTarget & Record<string, unknown>;
      Object.assign(stalled, {
        url: String(url), readyState: 0, bufferedAmount: 0, protocol: "", extensions: "", binaryType: "blob",
        onopen: null, onmessage: null, onclose: null, onerror: null,
        send() { throw new DOMException("Still in CONNECTING state.", "InvalidStateError"); },
        close() { stalled.readyState = 3; w.__stalled.closedAt = performance.now(); },
      });
      return stalled;
    } as unknown as typeof WebSocket;
  });
  const started = Date.now();
  await page.goto(`/boards/${board}`);
  await hydrated(page);
  const badge = page.locator(".chat .conn");
  await expect(badge).toHaveText("Connecting…");
  await expect(badge).toHaveText("Live", { timeout: 20_000 });
  const waited = Date.now() - started;
  const stalled = await page.evaluate(() => (window as unknown as { __stalled: { created: number; closedAt: number | null } }).__stalled);
  console.log(`stalled handshake given up after ${Math.round(stalled.closedAt! - stalled.created)} ms; live ${waited} ms after navigation`);
  expect(stalled.created, "the first socket was the stalled one").toBeGreaterThan(0);
  expect(stalled.closedAt, "the stalled socket was closed").not.toBeNull();
  expect(stalled.closedAt! - stalled.created).toBeGreaterThan(5_000);
  // Live for real: a message goes through.
  await page.getByRole("textbox", { name: /^Message #/ }).fill("Through at last");
  await page.getByRole("textbox", { name: /^Message #/ }).press("Enter");
  await expect(chat(page).getByRole("log").getByText("Through at last")).toBeVisible();
  await expect(chat(page).locator(".msg.pending")).toHaveCount(0);
  expect(errors).toEqual([]);
  await context.close();
});

test("small things: comment counts, unread in the title, plain errors, length limits, emoji", async ({ browser }, testInfo) => {
  const errors: string[] = [];
  const { ctxA, ctxB, bob } = await pair(browser, "sm");
  const { id: board, columns } = await apiBoard(ctxA, "Small things");
  await api(ctxA, "POST", `/api/boards/${board}/members`, { username: bob.username });
  const { body: task } = await api(ctxA, "POST", `/api/boards/${board}/tasks`, { column_id: columns[0], title: "Discuss" });
  for (const text of ["First thought", "Second thought"]) {
    await api(ctxB, "POST", `/messaging/task/${task.id}/comments/`, { content: text });
  }
  // (Ann made the card, so Bob's comments are a bell entry of hers: read, so
  // that the title counts the chat's unread messages only.)
  await api(ctxA, "POST", "/messaging/notifications/read-all/", {});
  const rooms: number[] = [(await generalRoom(ctxA, board)).id];
  const { body: random } = await api(ctxA, "POST", `/messaging/board/${board}/rooms/create/`, { name: "random", members: [bob.username] });
  rooms.push(random.id);
  const a = await ctxA.newPage();
  watchErrors(a, errors);
  await openBoard(a, board);

  // Comment count on the card and on the tab; it follows a new comment.
  await expect(card(a, "To do", "Discuss").locator(".card-comments")).toContainText("2");
  await card(a, "To do", "Discuss").click();
  const dialog = a.getByRole("dialog");
  await expect(dialog.getByRole("tab", { name: /^Comments/ })).toHaveText(/Comments\s*2/);
  await dialog.getByRole("tab", { name: /^Comments/ }).click();
  await dialog.getByRole("textbox", { name: "Write a comment" }).fill("Third");
  await dialog.getByRole("textbox", { name: "Write a comment" }).press("Enter");
  await expect(dialog.getByRole("tab", { name: /^Comments/ })).toHaveText(/Comments\s*3/);
  await a.keyboard.press("Escape");
  await expect(card(a, "To do", "Discuss").locator(".card-comments")).toContainText("3");

  // Unread messages in the tab title.
  await expect(chat(a).getByRole("heading", { name: "#general" })).toBeVisible();
  await expect(a).toHaveTitle("Small things · TaskFlow");
  await apiSend(ctxB, rooms[1], ["one", "two", "three"]);
  await expect(a).toHaveTitle("(3) Small things · TaskFlow");
  await chat(a).getByRole("button", { name: /^random/ }).click();
  await expect(a).toHaveTitle("Small things · TaskFlow");

  // Plain errors next to their form, with no internal ids.
  await a.getByRole("tab", { name: /^Members/ }).click();
  await a.getByLabel("Add a member by username").fill("nobody_by_that_name");
  await a.getByRole("complementary").getByRole("button", { name: "Add", exact: true }).click();
  const memberError = a.getByRole("complementary").getByRole("alert");
  await expect(memberError).toBeVisible();
  await expect(memberError).not.toHaveText(/\d/);
  await a.getByRole("tab", { name: /^Chat/ }).click();
  // A column deleted meanwhile by someone else goes from the screen at once
  // (the board is live); a change aimed at it is refused in plain words.
  await api(ctxA, "DELETE", `/api/columns/${columns[1]}`);
  await expect(column(a, "Doing")).toHaveCount(0);
  const late = await api(ctxB, "POST", `/api/boards/${board}/tasks`, { column_id: columns[1], title: "Too late" });
  expect(late.status).toBe(400);
  expect(late.body.error.message).toContain("not on this board");
  expect(late.body.error.message).not.toMatch(/\d/);
  await shot(a, testInfo, "24-plain-errors");
  await a.reload();
  await hydrated(a);

  // Long names are not cut: a counter says how far over they are.
  const longName = "A column name that is far too long to fit in sixty characters!";
  await a.getByLabel("New column").fill(longName);
  await expect(a.getByLabel("New column")).toHaveValue(longName);
  await expect(a.locator("#new-column-name-count")).toHaveText(`Too long: ${longName.length} of at most 60 characters`);
  await a.getByRole("button", { name: "Add column" }).click();
  await expect(a.locator("section.column:not(.column-new)")).toHaveCount(2);
  // The same in every name field: a new room, a new board, the sign-up form.
  await chat(a).getByRole("button", { name: "New room" }).click();
  const roomDialog = a.getByRole("dialog", { name: "New room" });
  await roomDialog.getByLabel("Room name").fill(longName);
  await expect(roomDialog.getByLabel("Room name")).toHaveValue(longName);
  await expect(roomDialog.locator("#new-room-name-count")).toHaveText(`Too long: ${longName.length} of at most 60 characters`);
  await roomDialog.getByRole("button", { name: "Create room" }).click();
  await expect(roomDialog.getByRole("alert")).toContainText("at most 60");
  await a.keyboard.press("Escape");
  await a.goto("/boards");
  await hydrated(a);
  const longBoard = "B".repeat(101);
  await a.getByLabel("New board name").fill(longBoard);
  await expect(a.getByLabel("New board name")).toHaveValue(longBoard);
  await expect(a.locator("#new-board-name-count")).toHaveText("Too long: 101 of at most 100 characters");
  const signup = await browser.newPage();
  await signup.goto("/signup");
  await hydrated(signup);
  await signup.getByLabel(/^Display name/).fill("D".repeat(65));
  await expect(signup.getByLabel(/^Display name/)).toHaveValue("D".repeat(65));
  await expect(signup.locator("#signup-display-count")).toHaveText("Too long: 65 of at most 64 characters");
  await signup.close();
  await openBoard(a, board);

  // Colour emoji are in the font stack.
  const font = await a.evaluate(() => getComputedStyle(document.body).fontFamily);
  expect(font).toContain("Noto Color Emoji");

  expect(errors).toEqual([]);
  await Promise.all([ctxA.close(), ctxB.close()]);
});
