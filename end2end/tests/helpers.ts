import { expect, Page, BrowserContext, TestInfo } from "@playwright/test";
import * as path from "path";

// What every browser test shares: fresh names per run, sign-up, hydration,
// screenshots of the main screens, and no uncaught page error.

/** A suffix that makes this run's usernames unique. */
export const run = Date.now().toString(36).slice(-6);
export const PASSWORD = "correct horse battery";

/** Saves a full-page screenshot under test-results/screenshots and attaches it. */
export async function shot(page: Page, testInfo: TestInfo, name: string) {
  const file = path.join(testInfo.outputDir, "..", "screenshots", `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await testInfo.attach(name, { path: file, contentType: "image/png" });
}

/** Collects uncaught errors of the page (tests expect none). */
export function watchErrors(page: Page, errors: string[]) {
  page.on("pageerror", (e) => errors.push(`${e.name}: ${e.message}`));
}

/** Waits until the WASM has hydrated the page. */
export async function hydrated(page: Page) {
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1, { timeout: 20_000 });
}

/** Signs up in a new page of `context` and lands on the board list. */
export async function signUp(context: BrowserContext, username: string, displayName: string, errors: string[]) {
  const page = await context.newPage();
  watchErrors(page, errors);
  await page.goto("/signup");
  await hydrated(page);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Display name").fill(displayName);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/boards$/);
  await expect(page.getByRole("heading", { name: "Your boards" })).toBeVisible();
  return page;
}
