import { test, expect, Page, BrowserContext } from "@playwright/test";
import { run, shot, openBoard, api, apiSignUp, apiBoard, expectAccessible, watchErrors, hydrated, pageOverflowX } from "./helpers";

// The kanban's depth as a team uses it: due dates and done, labels and the
// board's filter, checklists, several people on a card, archive and undo —
// each change seen live by a colleague.

const column = (page: Page, name: string) => page.getByRole("region", { name: new RegExp(`^${name}\\b`) });
const card = (page: Page, title: string) => page.locator("li.card-slot", { hasText: title });
const titles = (page: Page, name: string) => column(page, name).locator("li.card-slot:not(.filtered-out) .card-title").allTextContents();

/** The local date `days` from today, as a date field takes it. */
function localDate(days: number) {
  const d = new Date();
  d.setDate(d.getDate() + days);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A time zone where it is around noon now (so "today" does not end mid-test). */
function noonZone() {
  const offset = 12 - new Date().getUTCHours();
  return offset >= 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

async function team(browser: import("@playwright/test").Browser, tag: string, timezoneId?: string) {
  const ctxA = await browser.newContext({ timezoneId });
  const ctxB = await browser.newContext();
  const ann = await apiSignUp(ctxA, `k${tag}ann_${run}`, "Ann Archer");
  const bob = await apiSignUp(ctxB, `k${tag}bob_${run}`, "Bob Baker");
  const board = await apiBoard(ctxA, "Release");
  await api(ctxA, "POST", `/api/boards/${board.id}/members`, { username: bob.username });
  const ids: Record<string, number> = {};
  for (const title of ["Write the release notes", "Fix the login bug", "Update the screenshots"]) {
    const { body } = await api(ctxA, "POST", `/api/boards/${board.id}/tasks`, { column_id: board.columns[0], title });
    ids[title] = body.id;
  }
  return { ctxA, ctxB, ann, bob, board, ids };
}

async function pageOf(context: BrowserContext, board: number, errors: string[]) {
  const page = await context.newPage();
  watchErrors(page, errors);
  await openBoard(page, board);
  return page;
}

test("due dates, labels, checklists and several assignees reach a colleague live", async ({ browser }, testInfo) => {
  const errors: string[] = [];
  const { ctxA, ctxB, ann, bob, board } = await team(browser, "d");
  const a = await pageOf(ctxA, board.id, errors);
  const b = await pageOf(ctxB, board.id, errors);

  await card(a, "Write the release notes").getByRole("link").click();
  const dialog = a.getByRole("dialog");
  await expect(dialog.getByLabel("Due date", { exact: true })).toBeVisible();

  // A due date (no time): tomorrow. Both boards say so.
  await dialog.getByLabel("Due date", { exact: true }).fill(localDate(1));
  await dialog.getByLabel("Due date", { exact: true }).dispatchEvent("change");
  await expect(card(a, "Write the release notes").locator(".due")).toHaveText(/Due tomorrow/);
  await expect(card(b, "Write the release notes").locator(".due")).toHaveText(/Due tomorrow/);
  // Yesterday: overdue, in the warning colour.
  await dialog.getByLabel("Due date", { exact: true }).fill(localDate(-1));
  await dialog.getByLabel("Due date", { exact: true }).dispatchEvent("change");
  await expect(card(b, "Write the release notes").locator(".due-overdue")).toHaveText(/Overdue 1 day/);

  // Two people on the card.
  await dialog.getByLabel(`Ann Archer (@${ann.username})`).check();
  await dialog.getByLabel(`Bob Baker (@${bob.username})`).check();
  await expect(card(b, "Write the release notes").locator(".avatar")).toHaveText(["AA", "BB"]);

  // A label, made here and put on the card.
  await dialog.getByRole("button", { name: "Edit labels" }).click();
  await dialog.getByLabel("New label's name").fill("Docs");
  await dialog.getByLabel("Colour", { exact: true }).selectOption("teal");
  await dialog.getByRole("button", { name: "Add label" }).click();
  await dialog.getByRole("button", { name: "Docs", exact: true }).click();
  await expect(dialog.getByRole("button", { name: /Docs/ , pressed: true })).toBeVisible();
  await expect(card(b, "Write the release notes").locator(".label-chip")).toHaveText("Docs");
  await expect(card(b, "Write the release notes").locator(".label-chip")).toHaveClass(/label-teal/);

  // A checklist of three; one ticked: 1/3 on both boards.
  for (const item of ["Collect the changes", "Write the summary", "Ask for review"]) {
    await dialog.getByLabel("New checklist item").fill(item);
    await dialog.getByLabel("New checklist item").press("Enter");
    await expect(dialog.locator(".checklist-item", { hasText: item })).toBeVisible();
  }
  await dialog.getByRole("checkbox", { name: "Collect the changes" }).check();
  await expect(card(b, "Write the release notes").locator(".card-checklist")).toHaveText(/1\/3/);
  // Reordered: the last goes up one.
  await dialog.getByRole("button", { name: "Move “Ask for review” up" }).click();
  await expect(dialog.locator(".checklist-text")).toHaveText(["Collect the changes", "Ask for review", "Write the summary"]);
  // An item given to Bob, due tomorrow.
  await dialog.getByRole("button", { name: "Edit “Write the summary”" }).click();
  await dialog.getByLabel("Who").selectOption({ label: "Bob Baker" });
  await dialog.getByLabel("Due", { exact: true }).fill(localDate(1));
  await dialog.getByRole("button", { name: "Save item" }).click();
  await expect(dialog.locator(".checklist-item", { hasText: "Write the summary" })).toContainText("Bob Baker");
  await expect(dialog.locator(".checklist-item", { hasText: "Write the summary" })).toContainText("Due tomorrow");
  // Deleted.
  await dialog.getByRole("button", { name: "Delete “Ask for review”" }).click();
  await expect(card(b, "Write the release notes").locator(".card-checklist")).toHaveText(/1\/2/);

  // Bob's own dialog shows the same checklist, and follows Ann's ticks live.
  await card(b, "Write the release notes").getByRole("link").click();
  const bDialog = b.getByRole("dialog");
  await expect(bDialog.locator(".checklist-text")).toHaveText(["Collect the changes", "Write the summary"]);
  await dialog.getByRole("checkbox", { name: "Write the summary" }).check();
  await expect(bDialog.getByRole("checkbox", { name: "Write the summary" })).toBeChecked();
  await expect(card(b, "Write the release notes").locator(".card-checklist")).toHaveText(/2\/2/);

  // Done: the card says so instead of "overdue".
  await dialog.getByLabel("Done", { exact: true }).check();
  await expect(card(b, "Write the release notes").locator(".due")).toHaveText(/Done/);
  await expect(bDialog.getByLabel("Done", { exact: true })).toBeChecked();
  await shot(a, testInfo, "kanban-01-task-dialog");
  await expectAccessible(a, "the task dialog with due date, people, labels and checklist");
  await b.keyboard.press("Escape");
  await a.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);

  // After a reload everything is still there.
  await b.reload();
  await hydrated(b);
  const after = card(b, "Write the release notes");
  await expect(after.locator(".label-chip")).toHaveText("Docs");
  await expect(after.locator(".card-checklist")).toHaveText(/2\/2/);
  await expect(after.locator(".due")).toHaveText(/Done/);
  await expect(after.locator(".avatar")).toHaveCount(2);
  expect(errors).toEqual([]);
  await ctxA.close();
  await ctxB.close();
});

test("the board's filter lives in the address and follows cards as they change", async ({ browser }, testInfo) => {
  const errors: string[] = [];
  const { ctxA, ctxB, ann, board, ids } = await team(browser, "f", noonZone());
  const { body: label } = await api(ctxA, "POST", `/api/boards/${board.id}/labels`, { name: "Bug", color: "red" });
  await api(ctxA, "PATCH", `/api/tasks/${ids["Fix the login bug"]}`, { labels: [label.id], assignee_ids: [ann.id] });
  const a = await pageOf(ctxA, board.id, errors);
  const b = await pageOf(ctxB, board.id, errors);

  // Text.
  await a.getByLabel("Filter cards by text").fill("release");
  await expect(a.locator("#filter-count")).toContainText("1 of 3 cards shown");
  await expect.poll(() => titles(a, "To do")).toEqual(["Write the release notes"]);
  await expect(a).toHaveURL(/\?q=release$/);
  // Survives a reload (rendered filtered by the server, too).
  await a.reload();
  await hydrated(a);
  await expect(a.getByLabel("Filter cards by text")).toHaveValue("release");
  await expect.poll(() => titles(a, "To do")).toEqual(["Write the release notes"]);
  // Opening a card and closing it keeps the filter.
  await card(a, "Write the release notes").getByRole("link").click();
  await expect(a).toHaveURL(/\/tasks\/\d+\?q=release$/);
  await a.keyboard.press("Escape");
  await expect(a).toHaveURL(/\/boards\/\d+\?q=release$/);

  // Clear, then "only my cards" and a label.
  await a.getByRole("button", { name: "Clear" }).click();
  await expect(a.locator("#filter-count")).toHaveCount(0);
  await expect.poll(() => titles(a, "To do")).toHaveLength(3);
  await a.getByLabel("Assignee").selectOption({ label: "Only my cards" });
  await expect.poll(() => titles(a, "To do")).toEqual(["Fix the login bug"]);
  await a.getByText("Labels", { exact: true }).click();
  await a.locator(".filter-popover").getByLabel("Bug").check();
  await expect(a).toHaveURL(new RegExp(`labels=${label.id}&who=me`));
  await expect(a.locator("#filter-count")).toContainText("1 of 3 cards shown");
  await shot(a, testInfo, "kanban-02-filtered-board");

  // Live: Bob labels another card Bug and gives it to Ann; it appears.
  await api(ctxB, "PATCH", `/api/tasks/${ids["Update the screenshots"]}`, { labels: [label.id], assignee_ids: [ann.id] });
  await expect.poll(() => titles(a, "To do")).toEqual(["Fix the login bug", "Update the screenshots"]);
  await expect(a.locator("#filter-count")).toContainText("2 of 3 cards shown");
  // Due filters: overdue.
  await a.getByRole("button", { name: "Clear" }).click();
  await api(ctxB, "PATCH", `/api/tasks/${ids["Fix the login bug"]}`, { due_at: Date.now() - 3_600_000 });
  await a.getByLabel("Due date").selectOption("overdue");
  await expect.poll(() => titles(a, "To do")).toEqual(["Fix the login bug"]);
  await a.getByLabel("Done", { exact: true }).selectOption("done");
  await expect.poll(() => titles(a, "To do")).toEqual([]);
  await expect(a.locator("#filter-count")).toContainText("0 of 3 cards shown");
  await expectAccessible(a, "the filter bar");
  // The other tab never filtered anything.
  await expect.poll(() => titles(b, "To do")).toHaveLength(3);

  // My tasks: Ann's cards from every board, overdue first, then today's.
  await api(ctxB, "PATCH", `/api/tasks/${ids["Write the release notes"]}`, { assignee_ids: [ann.id], due_at: Date.now() + 3_600_000 });
  await a.getByRole("link", { name: "My tasks" }).first().click();
  await expect(a).toHaveURL(/\/my-tasks$/);
  await expect(a.getByRole("list", { name: "Overdue" })).toContainText("Fix the login bug");
  await expect(a.getByRole("list", { name: "Due today" })).toContainText("Write the release notes");
  await expect(a.getByRole("list", { name: "Overdue" })).toContainText("Release · To do");
  await expect(a.getByRole("list", { name: "No due date" })).toContainText("Update the screenshots");
  await expectAccessible(a, "My tasks");
  await shot(a, testInfo, "kanban-06-my-tasks");
  await a.getByRole("link", { name: "Fix the login bug" }).click();
  await expect(a.getByRole("dialog")).toBeVisible();
  await expect(a.getByRole("dialog").getByLabel("Filter cards by text")).toHaveCount(0);
  expect(errors).toEqual([]);
  await ctxA.close();
  await ctxB.close();
});

test("archive instead of delete: undo, the archive, deleting for good only from there", async ({ browser }, testInfo) => {
  const errors: string[] = [];
  const { ctxA, ctxB, board } = await team(browser, "a");
  await api(ctxA, "POST", `/api/boards/${board.id}/columns`, { name: "Later" });
  const a = await pageOf(ctxA, board.id, errors);
  const b = await pageOf(ctxB, board.id, errors);
  // No native confirm() anywhere on the way.
  a.on("dialog", (d) => errors.push(`native dialog: ${d.message()}`));

  // A card archived from its dialog leaves both boards; Undo puts it back in its place.
  await card(a, "Fix the login bug").getByRole("link").click();
  await a.getByRole("dialog").getByRole("button", { name: "Archive" }).click();
  await expect(a.getByRole("dialog")).toHaveCount(0);
  await expect.poll(() => titles(b, "To do")).toEqual(["Write the release notes", "Update the screenshots"]);
  await expect(a.locator(".toast")).toContainText("Archived “Fix the login bug”");
  await shot(a, testInfo, "kanban-03-undo-toast");
  await a.getByRole("button", { name: "Undo" }).click();
  await expect.poll(() => titles(b, "To do")).toEqual(["Write the release notes", "Fix the login bug", "Update the screenshots"]);

  // A column archived from its menu, with Undo too.
  await a.locator("summary[aria-label='Column actions for Later']").click();
  await column(a, "Later").getByRole("button", { name: "Archive column" }).click();
  await expect(column(b, "Later")).toHaveCount(0);

  // The archive: the column waits there; restore it.
  await a.getByRole("button", { name: "Archive", exact: true }).click();
  const archive = a.getByRole("dialog", { name: "Archive" });
  await expect(archive.getByRole("list", { name: "Archived columns" })).toContainText("Later");
  await expectAccessible(a, "the board's archive");
  await shot(a, testInfo, "kanban-04-archive");
  await archive.getByRole("listitem").filter({ hasText: "Later" }).getByRole("button", { name: "Restore" }).click();
  await expect(column(b, "Later")).toBeVisible();
  await expect(archive.locator("#archive-empty")).toBeVisible();
  await a.keyboard.press("Escape");

  // A card archived, then restored from the archive: back in its place for everyone.
  await card(a, "Fix the login bug").getByRole("link").click();
  await a.getByRole("dialog").getByRole("button", { name: "Archive" }).click();
  await expect(a.getByRole("dialog")).toHaveCount(0);
  await expect.poll(() => titles(b, "To do")).toEqual(["Write the release notes", "Update the screenshots"]);
  await a.getByRole("button", { name: "Archive", exact: true }).click();
  await archive.getByRole("listitem").filter({ hasText: "Fix the login bug" }).getByRole("button", { name: "Restore" }).click();
  await expect.poll(() => titles(b, "To do")).toEqual(["Write the release notes", "Fix the login bug", "Update the screenshots"]);
  await expect(archive.locator("#archive-empty")).toBeVisible();
  await a.keyboard.press("Escape");

  // Archive a card again, and delete it for good from the archive (asked in the dialog).
  await card(a, "Update the screenshots").getByRole("link").click();
  await a.getByRole("dialog").getByRole("button", { name: "Archive" }).click();
  await expect(a.getByRole("dialog")).toHaveCount(0);
  await a.getByRole("button", { name: "Archive", exact: true }).click();
  const row = archive.getByRole("listitem").filter({ hasText: "Update the screenshots" });
  await row.getByRole("button", { name: "Delete…" }).click();
  await expect(archive.getByText("This cannot be undone.")).toBeVisible();
  await archive.getByRole("button", { name: "Delete forever" }).click();
  await expect(archive.locator("#archive-empty")).toBeVisible();
  await a.keyboard.press("Escape");
  const { body: gone } = await api(ctxA, "GET", `/api/boards/${board.id}/archive`);
  expect(gone.tasks).toEqual([]);

  // The board archived from its archive (owners): read-only for everyone,
  // restored by its owner from the banner. A member has no such button.
  await b.getByRole("button", { name: "Archive", exact: true }).click();
  await expect(b.getByRole("dialog", { name: "Archive" }).locator("#archive-intro")).toBeVisible();
  await expect(b.getByRole("button", { name: "Archive this board" })).toHaveCount(0);
  await b.keyboard.press("Escape");
  await a.getByRole("button", { name: "Archive", exact: true }).click();
  await archive.getByRole("button", { name: "Archive this board" }).click();
  await expect(a.getByText("This board is archived: it is read-only.")).toBeVisible();
  await expect(b.getByText("This board is archived: it is read-only.")).toBeVisible();
  // Nothing offers a change it would refuse: no "Add a task", no column menus.
  await expect(column(b, "To do").getByPlaceholder("Add a task…")).toBeHidden();
  await expect(b.locator("summary[aria-label='Column actions for To do']")).toBeHidden();
  await expect(archive.getByRole("region", { name: "This board is archived" })).toBeVisible();
  await a.keyboard.press("Escape");
  await shot(a, testInfo, "kanban-05-archived-board");
  const refused = await api(ctxB, "POST", `/api/boards/${board.id}/tasks`, { column_id: board.columns[0], title: "Nope" });
  expect(refused.status).toBe(400);
  await a.getByRole("button", { name: "Restore or delete…" }).click();
  await archive.getByRole("region", { name: "This board is archived" }).getByRole("button", { name: "Restore" }).click();
  await expect(b.getByText("This board is archived: it is read-only.")).toHaveCount(0);
  await expect(a.getByText("This board is archived: it is read-only.")).toHaveCount(0);
  await expect(column(b, "To do").getByPlaceholder("Add a task…")).toBeVisible();
  await expect(archive.getByRole("button", { name: "Archive this board" })).toBeVisible();
  await a.keyboard.press("Escape");
  expect(errors).toEqual([]);
  await ctxA.close();
  await ctxB.close();
});

test("keyboard only: arrow keys from card to card, Alt moves one, its timeline shows the move", async ({ browser }, testInfo) => {
  const errors: string[] = [];
  const { ctxA, board } = await team(browser, "k");
  const a = await pageOf(ctxA, board.id, errors);
  const link = (title: string) => card(a, title).getByRole("link");

  // The skip link leads to the first card; one Tab stop per column.
  await a.getByRole("link", { name: "Skip to the cards" }).focus();
  await a.keyboard.press("Enter");
  await expect(link("Write the release notes")).toBeFocused();
  await expect(column(a, "To do").locator('a.card[tabindex="0"]')).toHaveCount(1);
  await a.keyboard.press("ArrowDown");
  await expect(link("Fix the login bug")).toBeFocused();
  await a.keyboard.press("End");
  await expect(link("Update the screenshots")).toBeFocused();
  await a.keyboard.press("Home");
  await expect(link("Write the release notes")).toBeFocused();
  await expect(column(a, "To do").locator('a.card[tabindex="0"]')).toHaveCount(1);

  // Alt + → moves the card to the next column, and it keeps the focus.
  await a.keyboard.press("Alt+ArrowRight");
  await expect.poll(() => titles(a, "Doing")).toEqual(["Write the release notes"]);
  await expect(link("Write the release notes")).toBeFocused();
  // ← goes back to the cards of To do.
  await a.keyboard.press("ArrowLeft");
  await expect(link("Fix the login bug")).toBeFocused();
  await a.keyboard.press("ArrowRight");
  await expect(link("Write the release notes")).toBeFocused();

  // ? lists the keys; Esc closes the list.
  await a.keyboard.press("?");
  const keys = a.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(keys).toContainText("Go from card to card");
  await expectAccessible(a, "the keys' list");
  await a.keyboard.press("Escape");
  await expect(keys).toHaveCount(0);

  // Enter opens the card; its timeline has the move, with who and when.
  await link("Write the release notes").focus();
  await a.keyboard.press("Enter");
  const dialog = a.getByRole("dialog");
  const timeline = dialog.getByRole("region", { name: "Activity" });
  await expect(timeline.getByRole("listitem").last()).toContainText("Ann Archer moved this card from To do to Doing");
  await expect(timeline.getByRole("listitem").first()).toContainText("Ann Archer created this card in To do");
  // A comment (on the Comments tab) joins it live.
  await dialog.getByRole("tab", { name: "Comments" }).click();
  const composer = dialog.getByRole("textbox", { name: "Write a comment" });
  await composer.fill("Moving it along");
  await composer.press("Enter");
  await dialog.getByRole("tab", { name: "Details" }).click();
  await expect(timeline.getByRole("listitem").last()).toContainText("Ann Archer commented: “Moving it along”");
  // The title is a multi-line field; Enter saves it.
  await expect(dialog.locator("textarea#task-title")).toBeVisible();
  await dialog.getByLabel("Title").fill("Write the release notes for 2.0, with the upgrade steps and the known issues spelled out");
  await dialog.getByLabel("Title").press("Enter");
  await expect(timeline.getByRole("listitem").last()).toContainText("renamed this card to “Write the release notes for 2.0");
  await expectAccessible(a, "a card's timeline");
  await shot(a, testInfo, "kanban-07-timeline");
  expect(errors).toEqual([]);
  await ctxA.close();
});

test("the kanban's screens at 1366, 1024 and 390 px", async ({ browser }, testInfo) => {
  const errors: string[] = [];
  const { ctxA, ann, board, ids } = await team(browser, "s");
  const { body: label } = await api(ctxA, "POST", `/api/boards/${board.id}/labels`, { name: "Bug", color: "red" });
  const { body: docs } = await api(ctxA, "POST", `/api/boards/${board.id}/labels`, { name: "Docs", color: "teal" });
  await api(ctxA, "PATCH", `/api/tasks/${ids["Fix the login bug"]}`, { labels: [label.id], assignee_ids: [ann.id], due_at: Date.now() + 3 * 3_600_000 });
  await api(ctxA, "PATCH", `/api/tasks/${ids["Write the release notes"]}`, { labels: [docs.id, label.id], due_at: Date.now() - 2 * 86_400_000 });
  for (const text of ["One", "Two"]) await api(ctxA, "POST", `/api/tasks/${ids["Write the release notes"]}/checklist`, { text });
  const a = await pageOf(ctxA, board.id, errors);
  for (const width of [1366, 1024, 390]) {
    await a.setViewportSize({ width, height: 820 });
    await a.goto(`/boards/${board.id}?labels=${label.id}`);
    await hydrated(a);
    await expect(a.locator("#filter-count")).toContainText("2 of 3 cards shown");
    const overflow = await pageOverflowX(a);
    expect(overflow.scroll, `no sideways scrolling at ${width}`).toBeLessThanOrEqual(overflow.inner);
    await shot(a, testInfo, `kanban-board-${width}`);
    await card(a, "Write the release notes").getByRole("link").click();
    await expect(a.getByRole("dialog").locator(".checklist-text")).toHaveText(["One", "Two"]);
    await shot(a, testInfo, `kanban-dialog-${width}`);
    await a.keyboard.press("Escape");
  }
  expect(errors).toEqual([]);
  await ctxA.close();
});
