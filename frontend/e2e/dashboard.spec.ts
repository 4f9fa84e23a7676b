// The dashboard as a demanding user keeps it: safe deletes, focus that goes somewhere
// sensible and can be seen, right-to-left titles, new tasks in view, long titles, phones.
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page, Request } from "@playwright/test";
import { test, expect, signIn, openDashboard, addTask, allSaved, taskList, shot, api, seedTasks, type Task, failPatches } from "./fixtures";

const DOCS = join(import.meta.dirname, "..", "..", "docs", "screenshots");

/** A screenshot for test-results; with UPDATE_DOCS_SCREENSHOT=1, also into docs/screenshots/. */
async function docShot(page: Page, name: string) {
  const path = await shot(page, name);
  if (process.env.UPDATE_DOCS_SCREENSHOT) {
    mkdirSync(DOCS, { recursive: true });
    copyFileSync(path, join(DOCS, `${name}.png`));
  }
}

test("delete offers Undo: undone, nothing is sent; otherwise the DELETE goes when the offer ends", async ({ page, user }) => {
  const [milk, rent] = await seedTasks(user, ["Buy milk", "Pay the rent"]);
  await signIn(page);
  await openDashboard(page);
  const deletes: string[] = [];
  page.on("request", (r: Request) => r.method() === "DELETE" && deletes.push(new URL(r.url()).pathname));
  const list = taskList(page);

  await list.getByRole("button", { name: "Delete “Buy milk”" }).click();
  await expect(list.getByRole("listitem")).toHaveCount(1);
  const offer = page.getByRole("status").filter({ hasText: "Deleted “Buy milk”." });
  await expect(offer).toBeVisible();
  await docShot(page, "undo-1280");
  await offer.getByRole("button", { name: "Undo" }).click();
  await expect(list.getByRole("listitem")).toHaveCount(2);
  await expect(list.getByRole("checkbox", { name: "Buy milk" })).toBeFocused();
  await expect(offer).toHaveCount(0);

  // A second delete, left alone: its DELETE is sent when the offer runs out (about 5 s).
  const sent = page.waitForRequest((r) => r.method() === "DELETE", { timeout: 15_000 });
  await list.getByRole("button", { name: "Delete “Pay the rent”" }).click();
  expect(new URL((await sent).url()).pathname).toBe(`/api/tasks/${rent!.id}`);
  await allSaved(page);
  // The undone delete was never sent (its timer would have fired before this one's).
  expect(deletes).toEqual([`/api/tasks/${rent!.id}`]);
  const stored = await api<{ items: Task[] }>(user, "GET", "/tasks");
  expect(stored.body.items.map((t) => t.id)).toEqual([milk!.id]);
});

test("rename and delete are apart, and a rename box grows with a long title while the row keeps its checkbox", async ({ page, user }) => {
  const long = "Prepare the quarterly review: collect the numbers from every team, check them against last year, and write a two-page summary with the three decisions we need from the board by the end of May";
  expect([...long].length).toBeLessThanOrEqual(200);
  await seedTasks(user, [long]);
  await signIn(page);
  await openDashboard(page);
  const row = taskList(page).getByRole("listitem").first();
  const rename = row.getByRole("button", { name: /^Rename/ });
  const del = row.getByRole("button", { name: /^Delete/ });
  const [r, d] = [(await rename.boundingBox())!, (await del.boundingBox())!];
  expect(d.x - (r.x + r.width)).toBeGreaterThanOrEqual(12);

  await rename.click();
  const box = row.getByRole("textbox", { name: /^New title for/ });
  await expect(box).toBeFocused();
  await expect(row.getByRole("checkbox")).toBeVisible();
  // The whole title is visible in the box: it is as tall as its text (no scrolling inside).
  const size = await box.evaluate((el) => ({ scroll: el.scrollHeight, client: el.clientHeight, lineHeight: parseFloat(getComputedStyle(el).lineHeight) }));
  expect(size.scroll).toBeLessThanOrEqual(size.client + 1);
  expect(size.client).toBeGreaterThan(size.lineHeight * 1.5);
  await docShot(page, "rename-1280");
  await page.setViewportSize({ width: 375, height: 812 });
  // Narrower, the title takes more lines: the box grows again and still shows all of it.
  await expect.poll(() => box.evaluate((el, wide) => el.scrollHeight <= el.clientHeight + 1 && el.clientHeight > wide, size.client)).toBe(true);
  await docShot(page, "rename-375");
  await page.keyboard.press("Escape");
  await expect(rename).toBeFocused();
});

test("focus: the heading after sign-in and on route changes; a 3:1 outline, still drawn in forced colors", async ({ page }) => {
  test.setTimeout(150_000); // /docs loads Swagger UI (1.5 MB) on the way
  await signIn(page);
  await expect(page.getByRole("heading", { level: 1, name: "Welcome back, Alice" })).toBeFocused();
  await page.getByRole("link", { name: "Go to dashboard" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Alice’s tasks" })).toBeFocused();
  await page.getByRole("link", { name: "API docs" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "API documentation" })).toBeFocused();
  await page.getByRole("link", { name: "Dashboard" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Alice’s tasks" })).toBeFocused();
  await expect(page.getByRole("status", { name: "Loading tasks" })).toHaveCount(0, { timeout: 30_000 });

  const input = page.getByLabel("New task");
  await page.keyboard.press("Tab");
  await expect(input).toBeFocused();
  const outline = await input.evaluate((el) => {
    const s = getComputedStyle(el);
    return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor };
  });
  expect(outline).toEqual({ style: "solid", width: 3, color: "rgb(29, 78, 216)" }); // #1d4ed8: 6.7:1 on white

  await page.emulateMedia({ forcedColors: "active" });
  const forced = await input.evaluate((el) => {
    const s = getComputedStyle(el);
    return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
  });
  expect(forced).toEqual({ style: "solid", width: 3 });
  await shot(page, "12-focus-forced-colors");
});

test("right-to-left titles keep their order: dir=auto where titles are shown or typed, <bdi> where quoted", async ({ page }) => {
  await signIn(page);
  await openDashboard(page);
  await expect(page.getByLabel("New task")).toHaveAttribute("dir", "auto");
  const title = "مراجعة التقرير [Azure] 2026 (نهائي)";
  await addTask(page, title);
  const label = taskList(page).locator("label").filter({ hasText: title });
  await expect(label).toHaveAttribute("dir", "auto");
  expect(await label.evaluate((el) => getComputedStyle(el).direction)).toBe("rtl");
  const added = page.getByRole("status").filter({ hasText: "Added" });
  await expect(added.locator("bdi")).toHaveText(title);
  expect(await added.locator("p").evaluate((el) => getComputedStyle(el).direction)).toBe("ltr");
  await taskList(page).getByRole("button", { name: `Rename “${title}”` }).click();
  await expect(taskList(page).getByRole("textbox")).toHaveAttribute("dir", "auto");
  await docShot(page, "rtl-1280");
});

test("the spinner is named, so waiting for 'Loading tasks' to go is a real wait", async ({ page }) => {
  await signIn(page);
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await page.route(/\/api\/tasks(\?.*)?$/, async (route) => {
    await held;
    await route.continue();
  });
  await page.getByRole("link", { name: "Go to dashboard" }).click();
  await expect(page.getByRole("status", { name: "Loading tasks" })).toBeVisible();
  release();
  await expect(page.getByRole("status", { name: "Loading tasks" })).toHaveCount(0);
  await expect(page.getByText("No tasks yet")).toBeVisible();
  // Issue 30, finding 12: plain words where a new user starts (the empty list and the add form's rule), no
  // storage or Unicode jargon.
  await expect(page.getByRole("main")).not.toContainText(/partition|Table Storage|control (or|character)|text-direction|override|bidi/i);
});

test("a task added while more pages exist shows at the top and is announced; the count says what it counts", async ({ page, user }) => {
  await seedTasks(user, Array.from({ length: 52 }, (_, i) => `Task ${String(i + 1).padStart(2, "0")}`));
  await signIn(page);
  await page.setViewportSize({ width: 375, height: 812 });
  await openDashboard(page);
  await expect(page.getByText("0 of the 50 tasks shown are done; more below")).toBeVisible();
  await addTask(page, "Fresh one");
  const first = taskList(page).getByRole("listitem").first();
  await expect(first).toContainText("Fresh one");
  await expect(first).toBeInViewport();
  await expect(page.getByRole("status").filter({ hasText: "Added “Fresh one”." })).toBeVisible();
  await expect(page.getByText("0 of the 51 tasks shown are done; more below")).toBeVisible();
});

test("phone: titles get the width, long ones are clamped with Show more, touch targets are 44 px", async ({ page, user }) => {
  await seedTasks(user, ["Call the plumber about the kitchen sink", "y".repeat(120) + " " + "z".repeat(79), "Draft the release notes for v1.2"]);
  await page.setViewportSize({ width: 375, height: 812 });
  await signIn(page);
  await openDashboard(page);
  const list = taskList(page);
  const plumber = list.locator("label").filter({ hasText: "plumber" });
  expect((await plumber.boundingBox())!.width).toBeGreaterThanOrEqual(240);
  for (const target of [
    list.getByRole("button", { name: "Rename “Call the plumber about the kitchen sink”" }),
    list.getByRole("button", { name: "Delete “Call the plumber about the kitchen sink”" }),
    page.getByRole("link", { name: "API docs" }),
    page.getByRole("link", { name: "Dashboard" }),
  ]) {
    const b = (await target.boundingBox())!;
    expect(Math.min(b.width, b.height)).toBeGreaterThanOrEqual(44);
  }
  // The wordmark is shown beside the logo, not only the logo.
  await expect(page.getByRole("link", { name: "Tasks" }).first().locator("span")).toBeVisible();

  const longRow = list.getByRole("listitem").filter({ hasText: "yyyy" });
  const more = longRow.getByRole("button", { name: "Show more" });
  await expect(more).toBeVisible();
  const clamped = (await longRow.locator("label").boundingBox())!.height;
  await more.click();
  await expect(longRow.getByRole("button", { name: "Show less" })).toHaveAttribute("aria-expanded", "true");
  expect((await longRow.locator("label").boundingBox())!.height).toBeGreaterThan(clamped);
  await expect(list.getByRole("listitem").filter({ hasText: "plumber" }).getByRole("button", { name: "Show more" })).toHaveCount(0);
});

test("the account menu: arrow keys move through it, and it closes when focus leaves", async ({ page }) => {
  await signIn(page);
  const button = page.getByRole("button", { name: /^Account menu for/ });
  await button.click();
  const items = page.getByRole("menu", { name: "Account" }).getByRole("menuitem");
  await expect(items.first()).toBeFocused();
  await page.keyboard.press("End");
  await expect(items.last()).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(items.first()).toBeFocused();
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Shift+Tab");
  await expect(page.getByRole("menu", { name: "Account" })).toHaveCount(0);
});

test("screenshots for docs/ (dashboard, an error, /docs at 375 and 1280 px)", async ({ page, user }) => {
  test.setTimeout(240_000);
  const tasks = await seedTasks(user, [
    "Review the pull request for the Bicep modules",
    "Rotate the storage account's keys",
    "Book the team offsite",
    "مراجعة التقرير [Azure] 2026",
    "Call the plumber about the kitchen sink",
  ]);
  for (const t of tasks.slice(0, 2)) await api(user, "PATCH", `/tasks/${t.id}`, { completed: true });
  await signIn(page);
  await openDashboard(page);
  await expect(taskList(page).getByRole("listitem")).toHaveCount(5);
  await expect(page.getByRole("region", { name: "Your profile" }).getByText("access_as_user")).toBeVisible();
  await docShot(page, "dashboard-1280");
  await page.setViewportSize({ width: 375, height: 812 });
  await docShot(page, "dashboard-375");

  await failPatches(page);
  await taskList(page).getByRole("checkbox", { name: "Book the team offsite" }).click();
  await expect(taskList(page).getByRole("alert")).toBeVisible();
  await docShot(page, "error-375");
  await page.setViewportSize({ width: 1280, height: 800 });
  await docShot(page, "error-1280");
  await page.unroute(/\/api\/tasks\/[^/?]+$/);

  await page.getByRole("link", { name: "API docs" }).click();
  await expect(page.locator("#operations-tasks-listTasks")).toBeVisible({ timeout: 120_000 });
  await docShot(page, "docs-1280");
  await page.setViewportSize({ width: 375, height: 812 });
  await docShot(page, "docs-375");
});

test("config.json is requested while the app's JavaScript is still downloading, not after it", async ({ page }) => {
  // Slow the network (DevTools' Slow 4G figures) so the order is plain to see: the script takes
  // seconds, and the config request must have started before it finished.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 562.5, downloadThroughput: 180_000, uploadThroughput: 84_375 });
  await page.goto("/");
  await expect(page.getByRole("button", { name: "Sign in with Microsoft" })).toBeVisible({ timeout: 60_000 });
  const timing = await page.evaluate(() => {
    const entries = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
    const config = entries.filter((e) => new URL(e.name).pathname === "/config.json");
    const script = entries.find((e) => /\/assets\/main-[^/]+\.js$/.test(new URL(e.name).pathname));
    return { configRequests: config.length, configStart: config[0]?.startTime ?? NaN, scriptEnd: script?.responseEnd ?? NaN };
  });
  expect(timing.configRequests).toBe(1);
  expect(timing.configStart).toBeLessThan(timing.scriptEnd);
});
