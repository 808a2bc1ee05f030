import { test, expect } from "@playwright/test";
import { run, shot, hydrated, watchErrors, apiSignUp, apiBoard, api } from "./helpers";

// The page runs under a strict Content-Security-Policy (a fresh nonce per
// page, no inline scripts or styles from anywhere else) and hydrates under it;
// its bundle has content-hashed names, cached for good and served brotli.

declare global {
  interface Window {
    cspViolations: string[];
    injected?: boolean;
  }
}

test("the app hydrates and works under its Content-Security-Policy", async ({ browser }, testInfo) => {
  const errors: string[] = [];
  const ctx = await browser.newContext();
  await ctx.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  await apiSignUp(ctx, `csp_${run}`, "Casey Park");
  const { id: board } = await apiBoard(ctx, "Under the policy");
  const page = await ctx.newPage();
  watchErrors(page, errors);

  const response = await page.goto(`/boards/${board}`);
  const headers = response!.headers();
  const csp = headers["content-security-policy"];
  expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9+/=_-]+'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain("unsafe-inline");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["x-frame-options"]).toBe("DENY");

  await hydrated(page);
  await expect(page.locator(".chat .conn")).toHaveText("Live", { timeout: 20_000 });
  // Interactive after hydration: post to the chat.
  const composer = page.getByRole("region", { name: "Chat", exact: true }).getByRole("textbox", { name: /^Message #/ });
  await composer.fill("works under the policy");
  await composer.press("Enter");
  await expect(page.locator(".chat").getByText("works under the policy")).toBeVisible();
  await shot(page, testInfo, "csp-board");
  // Nothing the app itself did was refused.
  expect(await page.evaluate(() => window.cspViolations)).toEqual([]);
  expect(errors).toEqual([]);

  // The policy is enforced: markup injected into the page cannot run script
  // (an inline handler, the usual XSS vector, carries no nonce).
  const blocked = await page.evaluate(async () => {
    const box = document.createElement("div");
    box.innerHTML = `<img src="data:," onload="window.injected = true" alt="">`;
    document.body.appendChild(box);
    const button = document.createElement("button");
    button.setAttribute("onclick", "window.injected = true");
    document.body.appendChild(button);
    button.click();
    await new Promise((r) => setTimeout(r, 300));
    return { ran: window.injected === true, violations: window.cspViolations };
  });
  expect(blocked.ran).toBe(false);
  expect(blocked.violations.length).toBeGreaterThanOrEqual(1);
  await ctx.close();
});

test("the bundle and its chunks have hashed names, immutable caching and brotli", async ({ page, request }) => {
  await page.goto("/login");
  await hydrated(page);
  const urls = await page.evaluate(() =>
    performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname).filter((p) => p.startsWith("/pkg/")),
  );
  const wasm = urls.find((u) => u.startsWith("/pkg/taskflow") && u.endsWith(".wasm"));
  const js = urls.find((u) => u.startsWith("/pkg/taskflow") && u.endsWith(".js"));
  expect(wasm, JSON.stringify(urls)).toMatch(/^\/pkg\/taskflow-[0-9a-f]{12}(_bg)?\.wasm$/);
  expect(js, JSON.stringify(urls)).toMatch(/^\/pkg\/taskflow-[0-9a-f]{12}\.js$/);
  // The page's own code comes as lazily loaded chunks (a split build), with
  // the loader that fetches them: hashed names too.
  const chunks = urls.filter((u) => u.endsWith(".wasm") && u !== wasm);
  expect(chunks.length, JSON.stringify(urls)).toBeGreaterThan(0);
  for (const chunk of chunks) expect(chunk).toMatch(/^\/pkg\/\w+-[0-9a-f]{12}\.wasm$/);
  const loader = urls.find((u) => u.startsWith("/pkg/__wasm_split."));
  expect(loader, JSON.stringify(urls)).toMatch(/^\/pkg\/__wasm_split\.[0-9a-f]{22}\.js$/);
  for (const path of [wasm!, js!, loader!, ...chunks]) {
    const res = await request.get(path, { headers: { "Accept-Encoding": "br, gzip" } });
    expect(res.status()).toBe(200);
    expect(res.headers()["content-encoding"], path).toBe("br");
    expect(res.headers()["cache-control"], path).toContain("immutable");
    const etag = res.headers()["etag"];
    const again = await request.get(path, { headers: { "Accept-Encoding": "br", "If-None-Match": etag } });
    expect(again.status(), path).toBe(304);
  }
});

test("a page whose code cannot be fetched waits for the server, then reloads instead of dying", async ({ browser }, testInfo) => {
  const ctx = await browser.newContext();
  await apiSignUp(ctx, `cl${run}`, "Cleo Loader");
  const { id } = await apiBoard(ctx, "Code loading");
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // The board page has its own code; its late pieces' (the filter bar's
  // controls, the Members tab, the rooms dialogs) arrive once it is live.
  // That first fetch fails (a dropped connection, or a release that replaced
  // the chunks this tab knows); later ones go through.
  let refused = 0;
  let served = 0;
  await page.route(/\/pkg\/split_pane_piece[\w-]*\.wasm$/, (route) => {
    if (refused === 0) {
      refused += 1;
      return route.abort();
    }
    served += 1;
    return route.continue();
  });
  // And the server does not answer at first (offline, or away).
  let away = true;
  let probes = 0;
  await page.route(/\/healthz$/, (route) => {
    probes += 1;
    return away ? route.abort() : route.continue();
  });
  await page.goto(`/boards/${id}`);
  await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
  // Meanwhile the page stays (no browser error page), with a note.
  const note = page.getByRole("alert").filter({ hasText: "Can't reach TaskFlow" });
  await expect(note).toBeVisible();
  await expect(note).toContainText("nothing you typed is lost");
  await expect.poll(() => probes).toBeGreaterThanOrEqual(2);
  expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument ?? false)).toBe(true);
  await shot(page, testInfo, "41-code-wait-note");
  // Once the server answers, the tab reloads the page it is on (a new
  // document, with the server's current bundle).
  const reloaded = page.waitForEvent("load");
  away = false;
  await reloaded;
  // (What the old document reported as it failed: the fetch, its trap.)
  expect(errors.length).toBeGreaterThanOrEqual(1);
  errors.length = 0;
  await hydrated(page);
  // Refused once; the new document fetched it again (the filter bar's
  // controls ask for it as soon as the page is live).
  expect(refused).toBe(1);
  await expect.poll(() => served).toBeGreaterThanOrEqual(1);
  expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument ?? false)).toBe(false);
  await expect(page).toHaveURL(new RegExp(`/boards/${id}$`));
  await expect(page.locator(".chat .conn")).toHaveText("Live", { timeout: 20_000 });
  // The late pieces are here now: the Members tab opens.
  await page.getByRole("tab", { name: "Members" }).click();
  await expect(page.getByRole("tabpanel")).toContainText("Cleo Loader");
  expect(errors).toEqual([]);
  await ctx.close();
});
