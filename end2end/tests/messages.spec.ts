import { test, expect, Page, Locator } from "@playwright/test";
import { run, shot, watchErrors, apiSignUp, apiBoard, api, generalRoom, openBoard, expectAccessible } from "./helpers";

// Messages a team can fix and answer (issue 26), two people in two browsers:
// Markdown as the server renders it, editing (↑ in the empty composer) with
// the other side following live and a mention's notification withdrawn,
// earlier versions, reactions both ways with counts and names, the picker,
// deleting, ✅ on a task comment as acknowledgement, and an XSS corpus that
// stays inert in the page.

const chat = (page: Page) => page.getByRole("region", { name: "Chat", exact: true });
const bellCount = (page: Page) => page.getByTestId("bell-count");
const message = (page: Page, text: string | RegExp) => chat(page).locator("li.msg").filter({ hasText: text });

async function quickReact(page: Page, msg: Locator, emoji: string) {
  await msg.hover();
  await msg.getByRole("toolbar", { name: "Message actions" }).getByRole("button", { name: emoji, exact: true }).click();
}

test("edit, delete and react to messages live, with Markdown and an inert XSS corpus", async ({ browser }, testInfo) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  const ctxA = await browser.newContext();
  const ctxB = await browser.newContext();
  const ann = await apiSignUp(ctxA, `mann_${run}`, "Ann Archer");
  const bob = await apiSignUp(ctxB, `mbob_${run}`, "Bob Baker");
  const { id: board, columns } = await apiBoard(ctxA, "Messages");
  await api(ctxA, "POST", `/api/boards/${board}/members`, { username: bob.username });
  const general = await generalRoom(ctxA, board);
  const { body: task } = await api(ctxA, "POST", `/api/boards/${board}/tasks`, { column_id: columns[0], title: "Ship the invoice" });
  await api(ctxB, "POST", "/messaging/notifications/read-all/", {});

  const a = await ctxA.newPage();
  const b = await ctxB.newPage();
  // The one dialog expected is the confirmation of a deletion; any other
  // (something the corpus ran) is an error.
  let confirming = false;
  for (const p of [a, b]) {
    watchErrors(p, errors);
    p.on("dialog", (d) => {
      if (confirming && d.type() === "confirm") {
        confirming = false;
        void d.accept();
      } else {
        errors.push(`dialog: ${d.message()}`);
        void d.dismiss();
      }
    });
    await p.setViewportSize({ width: 1366, height: 800 });
  }
  await openBoard(a, board);
  await openBoard(b, board);
  await expect(chat(a).getByRole("heading", { name: `#${general.name}` })).toBeVisible();

  // Markdown: Ann writes bold, code, a link, a code block and a mention of Bob
  // and of the task; both see it rendered by the server.
  const box = chat(a).getByRole("textbox", { name: `Message #${general.name}` });
  await box.fill(`**Heads up** @${bob.username}: see https://example.org and #${task.id}\n\`\`\`\nlet total = 1 < 2;\n\`\`\``);
  await box.press("Enter");
  const first = message(b, "Heads up");
  await expect(first.locator(".msg-text strong")).toHaveText("Heads up");
  await expect(first.locator("pre code")).toHaveText("let total = 1 < 2;");
  await expect(first.getByRole("link", { name: "https://example.org" })).toHaveAttribute("rel", "noopener noreferrer nofollow");
  await expect(first.locator(".mention-me")).toHaveText(`@${bob.username}`);
  // #123 becomes the task's chip for a reader who may see it.
  await expect(first.getByRole("link", { name: `#${task.id} Ship the invoice` })).toHaveAttribute("href", `/boards/${board}/tasks/${task.id}`);
  await expect(bellCount(b)).toHaveText("1");

  // Ann edits it with ↑ in the empty composer, taking the mention away:
  // Bob sees the new text and "(edited)" live, and his notification goes.
  await box.focus();
  await box.press("ArrowUp");
  const editor = chat(a).getByRole("textbox", { name: "Edit message" });
  await expect(editor).toBeFocused();
  await editor.fill("**Heads up**, everyone: the invoice is ~~late~~ on time");
  await editor.press("Enter");
  await expect(editor).toHaveCount(0);
  await expect(box).toBeFocused();
  const edited = message(b, "everyone");
  await expect(edited.locator(".msg-text del")).toHaveText("late");
  await expect(edited.getByRole("button", { name: "(edited)" })).toBeVisible();
  await expect(bellCount(b)).toHaveCount(0);
  // Esc cancels an edit.
  await box.press("ArrowUp");
  await chat(a).getByRole("textbox", { name: "Edit message" }).press("Escape");
  await expect(chat(a).getByRole("textbox", { name: "Edit message" })).toHaveCount(0);
  // Bob reads the earlier version.
  await edited.getByRole("button", { name: "(edited)" }).click();
  const history = b.getByRole("dialog", { name: "Edit history" });
  await expect(history.getByText("Version 1")).toBeVisible();
  await expect(history.locator(".revisions li").first().locator(".mention")).toHaveText(`@${bob.username}`);
  await shot(b, testInfo, "60-edit-history");
  await b.keyboard.press("Escape");
  await expect(history).toHaveCount(0);

  // Reactions both ways: Bob 👍 from the quick bar, Ann joins in from the
  // chip; counts and names follow live on both sides.
  await quickReact(b, edited, "👍");
  const annSees = message(a, "everyone");
  const chipA = annSees.locator(".reaction").filter({ hasText: "👍" });
  await expect(chipA).toContainText("1");
  await expect(chipA).toHaveAttribute("title", "Bob Baker");
  await expect(chipA).toHaveAttribute("aria-pressed", "false");
  await chipA.click();
  await expect(chipA).toContainText("2");
  await expect(chipA).toHaveAttribute("aria-pressed", "true");
  const chipB = edited.locator(".reaction").filter({ hasText: "👍" });
  await expect(chipB).toContainText("2");
  await expect(chipB).toHaveAttribute("title", "Bob Baker and Ann Archer");
  // The picker: search, pick; then it is among the recent ones.
  await edited.hover();
  await edited.getByRole("button", { name: "More reactions" }).click();
  const picker = b.getByRole("dialog", { name: "Add a reaction" });
  await picker.getByRole("searchbox", { name: "Search emoji" }).fill("party popper");
  await shot(b, testInfo, "61-emoji-picker");
  await picker.getByRole("button", { name: "party popper" }).first().click();
  await expect(picker).toHaveCount(0);
  await expect(annSees.locator(".reaction").filter({ hasText: "🎉" })).toContainText("1");
  // Taking a reaction back: the chip goes for everyone at 0.
  await edited.locator(".reaction").filter({ hasText: "🎉" }).click();
  await expect(annSees.locator(".reaction").filter({ hasText: "🎉" })).toHaveCount(0);
  await shot(a, testInfo, "62-reactions-1366");
  await expectAccessible(a, "a room with reactions");

  // Ann deletes it: a placeholder for both.
  confirming = true;
  await annSees.hover();
  await annSees.getByRole("toolbar", { name: "Message actions" }).getByRole("button", { name: "Delete" }).click();
  await expect(chat(b).getByText("message deleted")).toBeVisible();
  await expect(chat(a).getByText("message deleted")).toBeVisible();

  // ✅ on a task comment is an acknowledgement.
  const { body: comment } = await api(ctxA, "POST", `/messaging/task/${task.id}/comments/`, { content: "Please confirm the **amount**" });
  await b.goto(`/boards/${board}/tasks/${task.id}`);
  const taskDialog = b.getByRole("dialog");
  await taskDialog.getByRole("tab", { name: "Comments" }).click();
  const item = taskDialog.locator(`#comment-${comment.id}`);
  await expect(item.locator(".msg-text strong")).toHaveText("amount");
  await item.hover();
  await item.getByRole("button", { name: "✅", exact: true }).click();
  await expect(item.getByText("acknowledged by 1 of 2 members")).toBeVisible();
  await b.keyboard.press("Escape");

  // The XSS corpus, sent as chat messages: nothing runs, nothing unsafe is in the page.
  const corpus = [
    "<img src=x onerror=\"window.__xss=1\">",
    "[click](javascript:window.__xss=2)",
    "[data](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9Mzwvc2NyaXB0Pg==)",
    "<svg onload=\"window.__xss=4\"><circle r=1 /></svg>",
    "![pixel](https://evil.example/p.png)",
    "> > <img src=y onerror=\"window.__xss=5\">",
    "&lt;script&gt;window.__xss=6&lt;/script&gt; and <script>window.__xss=7</script>",
    "[x](&#106;avascript:window.__xss=8)",
    "<a href=\"https://ok.example\" onclick=\"window.__xss=9\">ok</a>",
    "<iframe src=\"https://evil.example\"></iframe>",
  ];
  for (const content of corpus) {
    const { status } = await api(ctxA, "POST", `/messaging/room/${general.id}/send/`, { content });
    expect(status).toBe(201);
  }
  await expect(message(b, "window.__xss=6")).toBeVisible();
  // A text that was only HTML says so instead of showing an empty line.
  await expect(chat(b).getByText("nothing to show: HTML in messages is not displayed").first()).toBeVisible();
  await expect(chat(b).locator(".msg-text").filter({ hasText: "ok" }).last()).toBeVisible();
  const unsafe = await b.evaluate(() => {
    const texts = Array.from(document.querySelectorAll(".chat .msg-text"));
    const found: string[] = [];
    for (const t of texts) {
      for (const el of Array.from(t.querySelectorAll("*"))) {
        const tag = el.tagName.toLowerCase();
        if (["script", "img", "svg", "iframe", "object", "embed", "style", "form"].includes(tag)) found.push(tag);
        for (const attr of Array.from(el.attributes)) {
          if (attr.name.startsWith("on") || /^\s*(javascript|data):/i.test(attr.value)) found.push(`${tag}[${attr.name}]`);
        }
      }
    }
    return { found, xss: (window as any).__xss ?? null };
  });
  expect(unsafe).toEqual({ found: [], xss: null });
  // Clicking the links that are left goes nowhere dangerous.
  await shot(b, testInfo, "63-xss-corpus");

  // At phone width the actions come from the message's own button.
  await b.setViewportSize({ width: 390, height: 800 });
  await b.getByRole("button", { name: /^Chat/ }).click();
  const last = chat(b).locator("li.msg").last();
  await last.getByRole("button", { name: /^Actions for the message/ }).click();
  await expect(last.getByRole("toolbar", { name: "Message actions" })).toBeVisible();
  await shot(b, testInfo, "64-actions-390");
  await a.setViewportSize({ width: 1024, height: 768 });
  await shot(a, testInfo, "65-room-1024");

  expect(errors).toEqual([]);
  await ctxA.close();
  await ctxB.close();
});

test("by keyboard alone: quick reactions, the picker with a skin tone, a comment's earlier versions, a Markdown description", async ({ browser }, testInfo) => {
  test.setTimeout(90_000);
  const errors: string[] = [];
  const ctxA = await browser.newContext();
  const ctxB = await browser.newContext();
  await apiSignUp(ctxA, `kann_${run}`, "Ann Archer");
  const bob = await apiSignUp(ctxB, `kbob_${run}`, "Bob Baker");
  const { id: board, columns } = await apiBoard(ctxA, "Keys");
  await api(ctxA, "POST", `/api/boards/${board}/members`, { username: bob.username });
  const general = await generalRoom(ctxA, board);
  await api(ctxA, "POST", `/messaging/room/${general.id}/send/`, { content: "Standup moves to 10:00" });
  const b = await ctxB.newPage();
  watchErrors(b, errors);
  await b.setViewportSize({ width: 1366, height: 800 });
  await openBoard(b, board);

  // The message's Actions button opens its toolbar; Tab reaches 👍.
  const msg = message(b, "Standup moves");
  const actions = msg.getByRole("button", { name: /^Actions for the message/ });
  await actions.focus();
  await b.keyboard.press("Enter");
  const toolbar = msg.getByRole("toolbar", { name: "Message actions" });
  await expect(toolbar).toBeVisible();
  await b.keyboard.press("Tab");
  await expect(toolbar.getByRole("button", { name: "👍", exact: true })).toBeFocused();
  await b.keyboard.press("Enter");
  await expect(msg.locator(".reaction").filter({ hasText: "👍" })).toHaveAttribute("aria-pressed", "true");

  // The picker: search, then a skin tone with the arrows, then Enter picks
  // the first match in that tone.
  await actions.focus();
  await b.keyboard.press("Enter");
  await toolbar.getByRole("button", { name: "More reactions" }).focus();
  await b.keyboard.press("Enter");
  const picker = b.getByRole("dialog", { name: "Add a reaction" });
  const search = picker.getByRole("searchbox", { name: "Search emoji" });
  await expect(search).toBeFocused();
  await b.keyboard.type("waving hand");
  await b.keyboard.press("Tab");
  await expect(picker.getByRole("radio", { name: "No skin tone" })).toBeFocused();
  for (let i = 0; i < 3; i++) await b.keyboard.press("ArrowRight");
  await expect(picker.getByRole("radio", { name: "Medium skin tone", exact: true })).toBeFocused();
  await expect(picker.getByRole("radio", { name: "Medium skin tone", exact: true })).toHaveAttribute("aria-checked", "true");
  await expect(picker.getByRole("button", { name: "waving hand" }).first()).toHaveText("👋🏽");
  await shot(b, testInfo, "66-picker-skin-tone");
  await b.keyboard.press("Shift+Tab");
  await expect(search).toBeFocused();
  await b.keyboard.press("Enter");
  await expect(picker).toHaveCount(0);
  await expect(msg.locator(".reaction").filter({ hasText: "👋🏽" })).toHaveAttribute("aria-pressed", "true");
  // The server has it in that tone, and the tone is remembered.
  const { body: page } = await api(ctxA, "GET", `/messaging/room/${general.id}/history/`);
  const reacted = page.messages.find((m: { content: string }) => m.content.startsWith("Standup"));
  expect(reacted.reactions.map((r: { emoji: string }) => r.emoji)).toEqual(["👍", "👋🏽"]);
  await actions.focus();
  await b.keyboard.press("Enter");
  await toolbar.getByRole("button", { name: "More reactions" }).focus();
  await b.keyboard.press("Enter");
  await expect(picker.getByRole("radio", { name: "Medium skin tone", exact: true })).toHaveAttribute("aria-checked", "true");
  await b.keyboard.press("Escape");
  await expect(picker).toHaveCount(0);

  // A comment edited once: "(edited)" opens its earlier version.
  const { body: task } = await api(ctxA, "POST", `/api/boards/${board}/tasks`, { column_id: columns[0], title: "Budget" });
  const { body: comment } = await api(ctxA, "POST", `/messaging/task/${task.id}/comments/`, { content: "Total is **90**" });
  const { status: editStatus } = await api(ctxA, "PATCH", `/messaging/comment/${comment.id}/`, { content: "Total is **120**" });
  expect(editStatus).toBe(200);
  // The description: Markdown with a task list and a table.
  await api(ctxA, "PATCH", `/api/tasks/${task.id}`, {
    description: "Line items:\n\n- [x] venue\n- [ ] catering\n\n| item | cost |\n|---|---|\n| venue | 80 |\n| catering | 40 |",
  });
  await b.goto(`/boards/${board}/tasks/${task.id}`);
  const dialog = b.getByRole("dialog");
  const described = dialog.locator(".task-description");
  await expect(described.locator("table td").first()).toHaveText("venue");
  await expect(described.locator("input[type=checkbox]").first()).toBeChecked();
  await expect(dialog.getByLabel("Description")).toBeHidden();
  await shot(b, testInfo, "67-description-1366");
  // Edit opens the source; Save shows it rendered again.
  await dialog.getByRole("button", { name: "Edit", exact: true }).focus();
  await b.keyboard.press("Enter");
  const source = dialog.getByLabel("Description");
  await expect(source).toBeFocused();
  await expect(source).toHaveValue(/\| venue \| 80 \|/);
  await b.keyboard.press("Control+End");
  await b.keyboard.type("\n\nPaid by **Friday**.");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(described.locator("strong")).toHaveText("Friday");
  await expect.poll(async () => (await api(ctxA, "GET", `/api/tasks/${task.id}`)).body.description_html).toContain("<strong>Friday</strong>");
  await b.setViewportSize({ width: 390, height: 800 });
  await shot(b, testInfo, "68-description-390");
  await b.setViewportSize({ width: 1024, height: 768 });
  await dialog.getByRole("tab", { name: "Comments" }).focus();
  await b.keyboard.press("Enter");
  const item = dialog.locator(`#comment-${comment.id}`);
  await expect(item.locator(".msg-text strong")).toHaveText("120");
  await item.getByRole("button", { name: "(edited)" }).focus();
  await b.keyboard.press("Enter");
  const history = b.getByRole("dialog", { name: "Edit history" });
  await expect(history.getByText("Version 1")).toBeVisible();
  await expect(history.locator(".revisions li").first().locator("strong")).toHaveText("90");
  await shot(b, testInfo, "69-comment-history-1024");
  await expectAccessible(b, "a comment's edit history");
  await b.keyboard.press("Escape");
  await expect(history).toHaveCount(0);

  expect(errors).toEqual([]);
  await ctxA.close();
  await ctxB.close();
});
