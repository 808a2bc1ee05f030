import { test, expect, Page } from "@playwright/test";
import { run, watchErrors, api, apiSignUp, apiBoard, openBoard, shot, expectAccessible, generalRoom } from "./helpers";

// Exactly once: a message whose ack never arrives (the connection drops right
// after it was sent) is sent again by the outbox on the next connection —
// with the same client_id, so it is stored and shown once.

const chat = (page: Page) => page.getByRole("region", { name: "Chat", exact: true });

test("a message whose ack was lost is sent again and shown once", async ({ browser }) => {
  const errors: string[] = [];
  const ctxA = await browser.newContext();
  const ctxB = await browser.newContext();
  await apiSignUp(ctxA, `xo_a_${run}`, "Xena Owl");
  const bob = await apiSignUp(ctxB, `xo_b_${run}`, "Yuri Park");
  const { id: board } = await apiBoard(ctxA, "Once");
  await api(ctxA, "POST", `/api/boards/${board}/members`, { username: bob.username });
  const room = await generalRoom(ctxA, board);

  const a = await ctxA.newPage();
  const b = await ctxB.newPage();
  watchErrors(a, errors);
  watchErrors(b, errors);
  // Xena's connection drops the moment the server answers her first message:
  // the answer is lost with it (the message itself was stored).
  let dropped = 0;
  let sends = 0;
  await a.routeWebSocket(/\/ws$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      if (typeof m === "string" && m.includes('"type":"message"')) sends += 1;
      server.send(m);
    });
    server.onMessage((m) => {
      // Whatever tells her it got through first (her own message coming
      // back, or the ack) is lost with the connection.
      if (dropped === 0 && typeof m === "string" && m.includes("Exactly once, please")) {
        dropped += 1;
        ws.close({ code: 4000, reason: "network drop" });
        server.close();
        return;
      }
      ws.send(m);
    });
  });
  await openBoard(a, board);
  await openBoard(b, board);
  const composer = chat(a).getByRole("textbox", { name: "Message #general" });
  await composer.fill("Exactly once, please");
  await composer.press("Enter");
  // Yuri sees it, and after Xena's reconnect and resend, still once.
  await expect(chat(b).getByRole("log").getByText("Exactly once, please")).toHaveCount(1);
  await expect.poll(() => dropped).toBe(1);
  await expect(a.locator(".chat .conn")).toHaveText("Live", { timeout: 15_000 });
  await expect(chat(a).getByRole("log").getByText("Exactly once, please")).toHaveCount(1);
  await expect(chat(a).locator("li.msg.pending")).toHaveCount(0, { timeout: 10_000 });
  // It really went twice (the outbox re-sent it on the new connection).
  expect(sends).toBe(2);
  await b.waitForTimeout(1000);
  await expect(chat(b).getByRole("log").getByText("Exactly once, please")).toHaveCount(1);
  await b.reload();
  await expect(chat(b).getByRole("log").getByText("Exactly once, please")).toHaveCount(1);
  const { body: history } = await api(ctxB, "GET", `/messaging/room/${room.id}/history/`);
  expect(history.messages.filter((m: { content: string }) => m.content === "Exactly once, please")).toHaveLength(1);

  expect(errors).toEqual([]);
  await Promise.all([ctxA.close(), ctxB.close()]);
});

// Echoes are matched by client_id, never by text: one user, two tabs, the
// same words sent from both at the same moment while the first tab's frame is
// lost on the way. The other tab's echo (same words, same author) must not
// resolve the first tab's pending item; once its connection is back, the lost
// one is sent again and stored — each text exactly once.
test("the same words from two tabs: each tab's text resolves only from its own ack", async ({ browser }, testInfo) => {
  const errors: string[] = [];
  const ctx = await browser.newContext();
  await apiSignUp(ctx, `xt_a_${run}`, "Tess Two");
  const { id: board } = await apiBoard(ctx, "Two tabs");
  const room = await generalRoom(ctx, board);

  const one = await ctx.newPage();
  const two = await ctx.newPage();
  watchErrors(one, errors);
  watchErrors(two, errors);
  const words = "Same words from both tabs";
  let lost = 0;
  let otherEcho = false;
  let cut: (() => void) | null = null;
  await one.routeWebSocket(/\/ws$/, (ws) => {
    const server = ws.connectToServer();
    cut = () => {
      ws.close({ code: 4000, reason: "network drop" });
      server.close();
    };
    ws.onMessage((m) => {
      // Tab one's first text never reaches the server.
      if (lost === 0 && typeof m === "string" && m.includes('"type":"message"') && m.includes(words)) {
        lost += 1;
        return;
      }
      server.send(m);
    });
    server.onMessage((m) => {
      if (typeof m === "string" && m.includes('"type":"message"') && m.includes(words)) otherEcho = true;
      ws.send(m);
    });
  });
  await openBoard(one, board);
  await openBoard(two, board);
  const composers = [one, two].map((p) => chat(p).getByRole("textbox", { name: "Message #general" }));
  await Promise.all(composers.map((c) => c.fill(words)));
  await Promise.all(composers.map((c) => c.press("Enter")));
  await expect.poll(() => lost).toBe(1);
  // Tab two's text comes back to tab one (same author, same words)…
  await expect.poll(() => otherEcho).toBe(true);
  await expect(chat(one).getByRole("log").getByText(words)).toHaveCount(2);
  // …and tab one's own text stays pending: only its own ack resolves it.
  await one.waitForTimeout(800);
  await expect(chat(one).locator("li.msg.pending")).toHaveCount(1);
  await expect(chat(two).locator("li.msg.pending")).toHaveCount(0);
  // The pending text as it looks at every width (the phone opens the chat
  // pane from the header), and accessible.
  for (const [width, height] of [[1366, 768], [1024, 768], [390, 844]]) {
    await one.setViewportSize({ width, height });
    if (width < 760) await one.getByRole("button", { name: /^Chat/ }).click();
    await expect(chat(one).locator("li.msg.pending")).toBeVisible();
    await expect(chat(one).locator("li.msg.pending")).toContainText("Sending…");
    await shot(one, testInfo, `34-pending-${width}x${height}`);
    await expectAccessible(one, `a pending text at ${width} px`);
  }
  // The connection is found dead; on the next one the outbox sends it again.
  expect(cut).not.toBeNull();
  cut!();
  await expect(one.locator(".chat .conn")).toHaveText("Live", { timeout: 15_000 });
  await expect(chat(one).locator("li.msg.pending")).toHaveCount(0, { timeout: 10_000 });
  // Each text stored exactly once, and each tab shows both.
  const { body: history } = await api(ctx, "GET", `/messaging/room/${room.id}/history/`);
  const stored = history.messages.filter((m: { content: string }) => m.content === words);
  expect(stored).toHaveLength(2);
  expect(new Set(stored.map((m: { client_id: string }) => m.client_id)).size).toBe(2);
  for (const p of [one, two]) {
    await expect(chat(p).getByRole("log").getByText(words)).toHaveCount(2);
  }

  expect(errors).toEqual([]);
  await ctx.close();
});
