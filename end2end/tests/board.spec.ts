import { test, expect, Page } from "@playwright/test";
import { run, PASSWORD, shot, signUp, hydrated, watchErrors, addMember, api, apiSignUp, apiBoard, openBoard } from "./helpers";

// Two colleagues share a board; a third person is kept out.
// Each run uses fresh names, so it never depends on earlier runs' data.
const alice = `alice_${run}`;
const bob = `bob_${run}`;
const carol = `carol_${run}`;

const column = (page: Page, name: string) => page.getByRole("region", { name: new RegExp(`^${name}\\b`) });
const card = (page: Page, columnName: string, title: string) =>
  column(page, columnName).getByRole("link", { name: title });

test("two colleagues plan on one board; outsiders get no access", async ({ browser }, testInfo) => {
  const errors: string[] = [];
  const ctxA = await browser.newContext();
  const ctxB = await browser.newContext();
  const ctxC = await browser.newContext();

  // Sign-up works before and after hydration; here it is used hydrated.
  const a = await signUp(ctxA, alice, "Alice Archer", errors);
  await shot(a, testInfo, "01-boards-empty");
  const b = await signUp(ctxB, bob, "Bob Builder", errors);

  // Alice creates a board: it opens with three columns.
  await a.getByLabel("New board name").fill("Launch plan");
  await a.getByRole("button", { name: "Create board" }).click();
  await expect(a).toHaveURL(/\/boards\/\d+$/);
  await expect(a.getByRole("heading", { name: "Launch plan", level: 1 })).toBeVisible();
  for (const name of ["To do", "Doing", "Done"]) await expect(column(a, name)).toBeVisible();
  const boardUrl = a.url();

  // A fourth column, and tasks.
  await a.getByLabel("New column").fill("Review");
  await a.getByRole("button", { name: "Add column" }).click();
  await expect(column(a, "Review")).toBeVisible();
  for (const title of ["Write the spec", "Design the UI", "Book the venue"]) {
    await column(a, "To do").getByPlaceholder("Add a task…").fill(title);
    await column(a, "To do").getByRole("button", { name: "Add" }).click();
    await expect(card(a, "To do", title)).toBeVisible();
  }

  // Alice adds Bob as a member.
  await addMember(a, bob, "Bob Builder");

  // Drag-and-drop: "Write the spec" from To do to Doing.
  await card(a, "To do", "Write the spec").dragTo(column(a, "Doing").locator("ol.cards"));
  await expect(card(a, "Doing", "Write the spec")).toBeVisible();
  await expect(card(a, "To do", "Write the spec")).toHaveCount(0);
  await shot(a, testInfo, "02-board-after-drag");
  // The card's midpoint decides: dropped on the lower half of "Design the
  // UI", "Book the venue" goes below it (no move), on its upper half, above.
  const todo = () => column(a, "To do").locator("li.card-slot");
  await expect(todo()).toHaveText([/Design the UI/, /Book the venue/]);
  const upper = await card(a, "To do", "Design the UI").boundingBox();
  expect(upper).not.toBeNull();
  await card(a, "To do", "Book the venue").dragTo(card(a, "To do", "Design the UI"), {
    targetPosition: { x: 20, y: upper!.height * 0.2 },
  });
  await expect(todo()).toHaveText([/Book the venue/, /Design the UI/]);
  await card(a, "To do", "Book the venue").dragTo(card(a, "To do", "Design the UI"), {
    targetPosition: { x: 20, y: upper!.height * 0.8 },
  });
  await expect(todo()).toHaveText([/Design the UI/, /Book the venue/]);
  // Dropped on a column's "Add a task…" form, a card goes last there.
  await card(a, "To do", "Design the UI").dragTo(column(a, "Doing").getByPlaceholder("Add a task…"));
  await expect(column(a, "Doing").locator("li.card-slot")).toHaveText([/Write the spec/, /Design the UI/]);
  // And from another column onto a card's upper half: above it.
  await card(a, "Doing", "Design the UI").dragTo(card(a, "To do", "Book the venue"), {
    targetPosition: { x: 20, y: upper!.height * 0.2 },
  });
  await expect(todo()).toHaveText([/Design the UI/, /Book the venue/]);
  // The move is stored: still there after a reload.
  await a.reload();
  await hydrated(a);
  await expect(card(a, "Doing", "Write the spec")).toBeVisible();

  // Bob sees the board in his list and the move after a reload.
  await b.reload();
  await b.getByRole("link", { name: /Launch plan/ }).click();
  await expect(b).toHaveURL(boardUrl);
  await hydrated(b);
  await expect(card(b, "Doing", "Write the spec")).toBeVisible();
  await expect(card(b, "To do", "Design the UI")).toBeVisible();

  // Keyboard moves: Alt+→ to the next column (same place in the list), Alt+↓ within it.
  await card(b, "To do", "Design the UI").focus();
  await b.keyboard.press("Alt+ArrowRight");
  await expect(card(b, "Doing", "Design the UI")).toBeVisible();
  await expect(card(b, "Doing", "Design the UI")).toBeFocused();
  const doingTitles = () => column(b, "Doing").locator(".card-title").allTextContents();
  await expect.poll(doingTitles).toEqual(["Design the UI", "Write the spec"]);
  await b.keyboard.press("Alt+ArrowDown");
  await expect.poll(doingTitles).toEqual(["Write the spec", "Design the UI"]);
  await expect(card(b, "Doing", "Design the UI")).toBeFocused();
  await b.reload();
  await hydrated(b);
  await expect.poll(doingTitles).toEqual(["Write the spec", "Design the UI"]);

  // The task dialog: edit the description and assign Alice.
  await card(b, "Doing", "Design the UI").click();
  const dialog = b.getByRole("dialog");
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("Description").fill("Wireframes first,\nthen the palette.");
  await dialog.getByRole("button", { name: "Save" }).click();
  await dialog.getByLabel(`Alice Archer (@${alice})`).check();
  await expect(card(b, "Doing", "Design the UI").locator(".avatar")).toHaveText("AA");
  await shot(b, testInfo, "03-task-dialog");
  await b.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await a.reload();
  await card(a, "Doing", "Design the UI").click();
  await expect(a.getByRole("dialog").getByLabel("Description")).toHaveValue("Wireframes first,\nthen the palette.");
  await expect(a.getByRole("dialog").getByLabel(`Alice Archer (@${alice})`)).toBeChecked();
  await a.keyboard.press("Escape");
  await expect(a.getByRole("dialog")).toHaveCount(0);
  await shot(a, testInfo, "06-board-overview");

  // Carol is not a member: the board does not exist for her.
  const c = await signUp(ctxC, carol, "Carol", errors);
  await expect(c.getByText("No boards yet")).toBeVisible();
  const response = await c.goto(boardUrl);
  expect(response?.status()).toBe(404);
  await expect(c.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(c.getByText("Launch plan")).toHaveCount(0);
  const api = await c.request.get(boardUrl.replace("/boards/", "/api/boards/"));
  expect(api.status()).toBe(404);
  await shot(c, testInfo, "04-outsider-not-found");

  expect(errors, "no errors in the pages").toEqual([]);
  await Promise.all([ctxA.close(), ctxB.close(), ctxC.close()]);
});

test("pages render on the server and work read-only before the WASM loads", async ({ browser }, testInfo) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  // Sign up with the plain HTML form (no JavaScript at all).
  await page.goto("/signup");
  await page.getByLabel("Username").fill(`nojs_${run}`);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/boards$/);
  await page.getByLabel("New board name").fill("Static board");
  await page.getByRole("button", { name: "Create board" }).click();
  await expect(page).toHaveURL(/\/boards\/\d+$/);
  // The board, its columns and the member list are in the server's HTML.
  await expect(page.getByRole("heading", { name: "Static board", level: 1 })).toBeVisible();
  for (const name of ["To do", "Doing", "Done"]) await expect(column(page, name)).toBeVisible();
  // (the people are in the header; the full list is in the pane's Members tab).
  await expect(page.getByRole("list", { name: "Board members" }).getByText(`(@nojs_${run})`)).toBeAttached();
  await expect(page.locator("aside.members").getByText(`@nojs_${run}`)).toBeAttached();
  await shot(page, testInfo, "05-board-without-javascript");
  await context.close();
});

test("logged-out visitors are sent to the login page; bad logins are explained", async ({ page }) => {
  const errors: string[] = [];
  watchErrors(page, errors);
  await page.goto("/boards");
  await expect(page).toHaveURL(/\/login$/);
  await hydrated(page);
  await page.getByLabel("Username").fill("nobody_here");
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toContainText("invalid username or password");
  expect(errors).toEqual([]);
});

test("leaving a board page and coming back keeps the app working", async ({ browser }) => {
  const errors: string[] = [];
  const ctx = await browser.newContext();
  await apiSignUp(ctx, `leave_${run}`, "Lena Voss");
  const { id: board } = await apiBoard(ctx, "Roundtrip");
  const page = await ctx.newPage();
  watchErrors(page, errors);
  await openBoard(page, board);
  // Its #general opens (it is the only room), then the brand link leaves the
  // board by client-side navigation.
  await expect(page.getByRole("textbox", { name: "Message #general" })).toBeVisible();
  await page.locator("a.brand").click();
  await expect(page).toHaveURL(/\/boards$/);
  await expect(page.getByRole("heading", { name: "Your boards" })).toBeVisible();
  // Still alive: the board list's link takes us back, live, and a card can
  // be added.
  await page.getByRole("link", { name: "Roundtrip" }).click();
  await expect(page).toHaveURL(new RegExp(`/boards/${board}$`));
  await expect(page.locator(".chat .conn")).toHaveText("Live");
  const todo = column(page, "To do");
  await todo.getByPlaceholder("Add a task…").fill("After the round trip");
  await todo.getByRole("button", { name: "Add" }).click();
  await expect(card(page, "To do", "After the round trip")).toBeVisible();
  // And back once more through the browser's history.
  await page.goBack();
  await expect(page.getByRole("heading", { name: "Your boards" })).toBeVisible();
  await page.goForward();
  await expect(card(page, "To do", "After the round trip")).toBeVisible();
  expect(errors).toEqual([]);
  await ctx.close();
});
