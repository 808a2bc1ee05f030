import { test, expect } from "@playwright/test";
import { run, shot, signUp, api, watchErrors, expectAccessible, pageOverflowX, PASSWORD } from "./helpers";

// My account: the name others see and a new password; changing it logs the
// account out everywhere else.

test("a person renames themself and changes their password; other sessions end", async ({ browser }, testInfo) => {
  const errors: string[] = [];
  const ctxA = await browser.newContext();
  const page = await signUp(ctxA, `acct_${run}`, "Ada Account", errors);
  // A second device, logged in too.
  const ctxB = await browser.newContext();
  expect((await api(ctxB, "POST", "/api/auth/login", { username: `acct_${run}`, password: PASSWORD })).status).toBe(200);

  await page.getByRole("button", { name: /Account menu for Ada Account/ }).or(page.locator("summary[aria-label^='Account menu']")).first().click();
  await page.getByRole("menuitem", { name: "Your account" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(page.getByText(`Your username is @acct_${run}`)).toBeVisible();
  for (const [width, height] of [[1366, 768], [1024, 768], [390, 844]]) {
    await page.setViewportSize({ width, height });
    const { scroll, inner } = await pageOverflowX(page);
    expect(scroll, `no sideways scroll at ${width}`).toBe(inner);
    await shot(page, testInfo, `58-account-${width}`);
  }
  await page.setViewportSize({ width: 1366, height: 768 });
  await expectAccessible(page, "the account page");

  // The name: saved, and the header follows.
  await page.getByLabel("Display name").fill("Ada Lovelace");
  await page.getByRole("button", { name: "Save name" }).click();
  await expect(page.getByRole("status")).toContainText("others now see you as Ada Lovelace");
  await expect(page.locator(".user-menu .user-name")).toHaveText("Ada Lovelace");
  expect((await api(ctxB, "GET", "/api/me")).body.display_name).toBe("Ada Lovelace");

  // A wrong current password: said, nothing changes.
  await page.getByLabel("Current password").fill("not my password");
  await page.getByLabel("New password", { exact: true }).fill("a brand new secret");
  await page.getByLabel("New password again").fill("a brand new secret");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("alert")).toContainText("current password is not right");
  expect((await api(ctxB, "GET", "/api/me")).status).toBe(200);
  // The right one: changed; the other device is logged out, this one is not.
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Password changed" })).toBeVisible();
  expect((await api(ctxB, "GET", "/api/me")).status).toBe(401);
  expect((await api(ctxA, "GET", "/api/me")).status).toBe(200);
  await shot(page, testInfo, "59-account-password-changed");

  expect(errors, "no errors in the page").toEqual([]);
  await Promise.all([ctxA.close(), ctxB.close()]);
});
