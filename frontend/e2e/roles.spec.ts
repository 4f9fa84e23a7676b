// App roles end to end: the fake Entra puts a `roles` claim in the API's tokens, the real Go API
// (through the host stand-in, on real Azurite) enforces it, and the SPA shows what /api/me says.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page, Request } from "@playwright/test";
import { makeUser, type FakeUser } from "./fake-entra/tokens";
import { test, expect, signIn, openDashboard, taskList, api, seedTasks, type Task, SERVICE_UNAVAILABLE } from "./fixtures";
import { startLocalStack } from "./localStack";
import { freePort } from "./stack";

const SHOTS = join(import.meta.dirname, "..", "test-results", "screenshots");
const DOCS = join(import.meta.dirname, "..", "..", "docs");

/** `user` as an Editor (the same oid, so the same partition): how these tests write a user's tasks. */
const editor = (user: FakeUser): FakeUser => ({ ...user, roles: ["Editor"] });
const editorNamed = (name: string): FakeUser => editor(makeUser(name));

/**
 * A whole-page screenshot at `width`: the viewport is made as tall as the page, because a
 * full-page capture of a taller page paints the sticky navbar part-way down.
 */
async function pageShot(page: Page, width: number, path: string): Promise<void> {
  await page.setViewportSize({ width, height: 800 });
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width, height });
  await page.screenshot({ path, animations: "disabled" });
}

/** The admin API: /api/users, /api/users/{userId}/tasks and /api/audit. */
const ADMIN_API = /^\/api\/(users|audit)(\/|$)/;

/** Requests the page sends to the admin API. */
function adminCalls(page: Page): Request[] {
  const calls: Request[] = [];
  page.on("request", (r) => {
    if (ADMIN_API.test(new URL(r.url()).pathname)) calls.push(r);
  });
  return calls;
}

/** Rewrites the real /api/me answer, as if the roles had changed since it was read. */
async function staleMe(page: Page, access: { roles: string[]; permissions: string[] }): Promise<void> {
  await page.route("**/api/me", async (route) => {
    const res = await route.fetch();
    await route.fulfill({ response: res, json: { ...(await res.json()), ...access } });
  });
}

test.describe("a Viewer", () => {
  test.use({ user: async ({}, use) => use(makeUser("Vera Viewer", ["Viewer"])) });

  test("sees their tasks without add, edit or delete controls, and a note why", async ({ page, user }) => {
    await seedTasks(editor(user), ["Read the roadmap", "Review the budget"]);
    await signIn(page);
    await openDashboard(page);
    const list = taskList(page);
    await expect(list.getByRole("listitem")).toHaveCount(2);
    await expect(list.getByText("Read the roadmap")).toBeVisible();
    await expect(page.getByRole("button", { name: "Add task" })).toHaveCount(0);
    await expect(page.getByLabel("New task")).toHaveCount(0);
    await expect(list.getByRole("button")).toHaveCount(0);
    await expect(page.getByRole("region", { name: "Tasks" }).getByText(/Viewer/)).toBeVisible();
    await expect(page.getByRole("region", { name: "Your profile" }).getByRole("list", { name: "Roles" })).toHaveText("Viewer");
    await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0);
  });

  test("whose page still offers writing gets the API's 403 explained by naming the Editor role", async ({ page, user }) => {
    await seedTasks(editor(user), ["Keep me"]);
    // /api/me says Editor (the role was taken away after it was read); the token still says Viewer.
    await staleMe(page, { roles: ["Editor"], permissions: ["tasks.read", "tasks.write"] });
    await signIn(page);
    await openDashboard(page);
    const refused = page.waitForResponse((r) => r.url().endsWith("/api/tasks") && r.request().method() === "POST");
    await page.getByLabel("New task").fill("Not allowed");
    await page.getByRole("button", { name: "Add task" }).click();
    const res = await refused;
    expect(res.status()).toBe(403);
    expect(await res.json()).toMatchObject({ status: 403, requiredRole: "Editor" });
    await expect(page.getByRole("alert").filter({ hasText: "This needs the Editor role" })).toBeVisible();
    await expect(page.getByRole("alert")).not.toContainText("access_as_user");
    // Nothing was stored, and the refused task is not shown.
    await expect(taskList(page).getByRole("listitem")).toHaveCount(1);
    const stored = await api<{ items: Task[] }>(user, "GET", "/tasks");
    expect(stored.body.items.map((t) => t.title)).toEqual(["Keep me"]);
  });

  test("who opens /admin gets a page saying it is for admins, not an error", async ({ page }) => {
    const calls = adminCalls(page);
    await signIn(page);
    await page.goto("/admin");
    await expect(page.getByRole("heading", { level: 1, name: "Admins only" })).toBeVisible();
    await expect(page.getByText("The admin panel needs the Admin role.")).toBeVisible();
    await expect(page.getByText(/Your account has the Viewer role/)).toBeVisible();
    await expect(page.getByRole("alert")).toHaveCount(0);
    expect(calls).toHaveLength(0);
  });
});

test.describe("a user with no role (treated as Editor)", () => {
  test("can write, has no Admin link, and /admin explains the Admin role", async ({ page }) => {
    await signIn(page);
    await expect(page.getByRole("link", { name: "Dashboard", exact: true })).toBeVisible();
    await openDashboard(page);
    await expect(page.getByRole("button", { name: "Add task" })).toBeEnabled();
    await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0);
    await expect(page.getByRole("region", { name: "Your profile" })).toContainText("None (counts as Editor)");
    await page.goto("/admin");
    await expect(page.getByRole("heading", { level: 1, name: "Admins only" })).toBeVisible();
    await expect(page.getByText(/no app role, which counts as Editor/)).toBeVisible();
  });

  test("whose /api/me wrongly claims Admin still gets no admin data: the API's 403 names the Admin role", async ({ page }) => {
    await staleMe(page, { roles: ["Admin"], permissions: ["tasks.read", "tasks.write", "admin"] });
    const refused = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/users");
    await signIn(page);
    // The app asks the API who the user is on the first page that calls it; the Admin link follows.
    await openDashboard(page);
    await page.getByRole("link", { name: "Admin" }).click();
    const res = await refused;
    expect(res.status()).toBe(403);
    expect(await res.json()).toMatchObject({ requiredRole: "Admin" });
    await expect(page.getByRole("heading", { level: 1, name: "Admins only" })).toBeVisible();
    await expect(page.getByText("The admin panel needs the Admin role.")).toBeVisible();
    await expect(page.getByRole("table")).toHaveCount(0);
  });
});

test.describe("an Admin", () => {
  test.use({ user: async ({}, use) => use(makeUser("Ada Admin", ["Admin"])) });

  test("lists users, reads a user's tasks, erases them after a confirmation, and the audit log shows it", async ({ page }) => {
    test.setTimeout(90_000);
    const bob = makeUser("Bob Target");
    await seedTasks(editor(bob), ["Quarterly report", "Invoice Contoso", "Book travel"]);
    await seedTasks(editorNamed("Carol Keeps"), ["Carol's only task"]);
    const calls = adminCalls(page);

    await signIn(page);
    // The app asks the API who the user is on the first page that calls it; the Admin link follows.
    await openDashboard(page);
    await page.getByRole("link", { name: "Admin" }).click();
    await expect(page).toHaveURL(/\/admin$/);
    await expect(page.getByRole("heading", { level: 1, name: "Admin" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Admin" })).toHaveAttribute("aria-current", "page");

    // Other tests' users share this Azurite: page until Bob's row is there.
    const users = page.getByRole("table", { name: "Users with tasks" });
    const bobRow = users.getByRole("row").filter({ has: page.getByRole("rowheader", { name: /Bob Target/ }) });
    await expect(users).toBeVisible();
    while ((await bobRow.count()) === 0) {
      const more = page.getByRole("button", { name: "Load more users" });
      await expect(more, "Bob Target is not in the users list").toBeVisible();
      await more.click();
      await expect(more.or(bobRow).first()).toBeVisible();
    }
    await expect(bobRow.getByRole("cell", { name: "3", exact: true })).toBeVisible();
    await expect(bobRow).toContainText("bob.target@contoso.example");

    // A user's tasks, read-only.
    await bobRow.getByRole("button", { name: "View tasks of Bob Target" }).click();
    const bobTasks = page.getByRole("list", { name: "Tasks of Bob Target" });
    await expect(bobTasks.getByRole("listitem")).toHaveCount(3);
    await expect(bobTasks).toContainText("Invoice Contoso");
    await expect(bobTasks.getByRole("button")).toHaveCount(0);
    await expect(page.getByRole("heading", { name: "Tasks of Bob Target" })).toBeFocused();

    mkdirSync(SHOTS, { recursive: true });

    // Erase: a confirmation naming the user and the count; Escape cancels and erases nothing.
    const erase = bobRow.getByRole("button", { name: "Erase tasks of Bob Target" });
    await erase.click();
    const dialog = page.getByRole("dialog", { name: "Erase the tasks of Bob Target?" });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText("all 3 tasks of Bob Target (bob.target@contoso.example)");
    await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(dialog.getByRole("button", { name: "Erase 3 tasks" })).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
    await page.screenshot({ path: join(SHOTS, "21-admin-erase-dialog.png"), animations: "disabled" });
    await page.keyboard.press("Escape");
    await expect(dialog).toHaveCount(0);
    await expect(erase).toBeFocused();
    expect((await api<{ items: Task[] }>(bob, "GET", "/tasks")).body.items).toHaveLength(3);

    await erase.click();
    await dialog.getByRole("button", { name: "Erase 3 tasks" }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByRole("status").filter({ hasText: "Erased 3 tasks of Bob Target." })).toBeVisible();
    await expect(bobRow).toHaveCount(0);
    await expect(page.getByRole("heading", { name: "Users", exact: true })).toBeFocused();
    await expect(bobTasks).toHaveCount(0);

    // Really gone from storage; Carol's untouched.
    expect((await api<{ items: Task[] }>(bob, "GET", "/tasks")).body.items).toEqual([]);

    // The audit log, newest first, has the erasure under Bob's name with the count.
    const audit = page.getByRole("table", { name: "Audit log, newest first" });
    const erasure = audit.getByRole("row").filter({ hasText: "Erased a user’s tasks" }).filter({ hasText: "Bob Target" });
    await expect(erasure).toHaveCount(1);
    await expect(erasure.getByRole("cell", { name: "3", exact: true })).toBeVisible();
    await expect(erasure).toContainText("Ada Admin");
    await expect(audit.getByRole("row").filter({ hasText: "Read a user’s tasks" }).filter({ hasText: "Bob Target" })).toHaveCount(1);
    // What the panel called is what adminCalls watches for (the other tests expect none of it).
    const called = new Set(calls.map((r) => `${r.method()} ${new URL(r.url()).pathname.replace(/[0-9a-f-]{36}/, "{userId}")}`));
    expect([...called].sort()).toEqual(["DELETE /api/users/{userId}/tasks", "GET /api/audit", "GET /api/users", "GET /api/users/{userId}/tasks"]);
  });

  test("the panel names an erased user after a reload, records no list reads, shows seconds, sorts and searches, and keeps focus on a failed erase", async ({ page }) => {
    // Issue 30, finding 9. Other tests' users share this Azurite: a tag of this test's own finds its users.
    test.setTimeout(120_000);
    const tag = `t${Math.random().toString(36).slice(2, 8)}`;
    const zed = makeUser(`Zed ${tag}`);
    await seedTasks(editor(zed), ["Zed's task"]);
    await seedTasks(editorNamed(`Amy ${tag}`), ["Amy's task"]);
    await seedTasks(editorNamed(`Moe ${tag}`), ["Moe's task", "Moe's other task"]);
    await signIn(page);
    await openDashboard(page);
    await page.getByRole("link", { name: "Admin" }).click();

    // A search box filters the users loaded so far; they are sorted by name, not storage order.
    const users = page.getByRole("table", { name: "Users with tasks" });
    await expect(users).toBeVisible();
    await page.getByRole("searchbox", { name: "Search users" }).fill(tag);
    const names = users.locator("tbody").getByRole("rowheader");
    const more = page.getByRole("button", { name: "Load more users" });
    while ((await names.count()) < 3 && (await more.isVisible())) {
      await more.click();
      await expect(more.or(names.nth(2)).first()).toBeVisible();
    }
    await expect(names).toHaveText([new RegExp(`^Amy ${tag}`), new RegExp(`^Moe ${tag}`), new RegExp(`^Zed ${tag}`)]);
    await expect(page.getByRole("status").filter({ hasText: /3 of \d+ loaded users match/ })).toBeVisible();

    // Opening the panel is not an admin action on anyone's data: no "Listed users" rows.
    const audit = page.getByRole("table", { name: "Audit log, newest first" });
    await page.getByRole("button", { name: "Refresh" }).click();
    await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
    await expect(audit.or(page.getByText("No admin actions yet.")).first()).toBeVisible();
    await expect(page.getByText("Listed users")).toHaveCount(0);

    // A failed erase keeps focus on its button, with the reason beside it; trying again works.
    let failNext = true;
    await page.route(/\/api\/users\/[^/]+\/tasks$/, (route) => {
      if (route.request().method() !== "DELETE" || !failNext) return route.continue();
      failNext = false;
      return route.fulfill(SERVICE_UNAVAILABLE);
    });
    await users.getByRole("button", { name: `Erase tasks of Zed ${tag}` }).click();
    const dialog = page.getByRole("dialog", { name: `Erase the tasks of Zed ${tag}?` });
    const confirm = dialog.getByRole("button", { name: "Erase 1 task" });
    await confirm.focus();
    await page.keyboard.press("Enter");
    await expect(dialog.getByRole("alert")).toContainText("Nothing more was erased.");
    await expect(confirm).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(dialog).toHaveCount(0);
    await expect(page.getByRole("status").filter({ hasText: `Erased 1 task of Zed ${tag}.` })).toBeVisible();

    // After a reload the panel no longer lists Zed, and still names him in the log, to the second.
    await page.reload();
    await expect(audit).toBeVisible();
    const erasure = audit.getByRole("row").filter({ hasText: "Erased a user’s tasks" }).filter({ hasText: `Zed ${tag}` });
    await expect(erasure).toHaveCount(1);
    await expect(erasure).toContainText(zed.email);
    await expect(erasure).not.toContainText(zed.oid);
    const when = erasure.locator("time");
    await expect(when).toHaveText(/\d:\d\d:\d\d/);
    await expect(when).toHaveAttribute("datetime", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    await expect(when).toHaveAttribute("title", /\d:\d\d:\d\d/);
  });

  test("the admin panel at 1280 and 375 px (docs/admin.png)", async ({ page }) => {
    test.setTimeout(90_000);
    await seedTasks(editorNamed("Bob Stone"), ["Quarterly report", "Invoice Contoso", "Book travel"]);
    await seedTasks(editorNamed("Priya Raman"), ["Préparer la démo"]);
    await seedTasks(editorNamed("Kenji Sato"), ["Renew the certificate", "Rotate the keys"]);
    await signIn(page);
    // The app asks the API who the user is on the first page that calls it; the Admin link follows.
    await openDashboard(page);
    await page.getByRole("link", { name: "Admin" }).click();
    // Other tests sign in as other people named Bob Stone, and their users share this Azurite: this test's Bob is the
    // one with 3 tasks, on whichever page of 50 users the API lists him.
    const bob = page
      .getByRole("row")
      .filter({ has: page.getByRole("rowheader", { name: /Bob Stone/ }) })
      .filter({ has: page.getByRole("cell", { name: "3", exact: true }) })
      .first();
    const more = page.getByRole("button", { name: "Load more users" });
    const rows = page.getByRole("row");
    await expect(page.getByRole("rowheader").first()).toBeVisible();
    while ((await bob.count()) === 0 && (await more.isVisible())) {
      const shown = await rows.count();
      await more.click();
      await expect(rows).not.toHaveCount(shown); // the next page is in
    }
    await bob.getByRole("button", { name: "View tasks of Bob Stone" }).click();
    await expect(page.getByRole("list", { name: "Tasks of Bob Stone" }).getByRole("listitem")).toHaveCount(3);
    await expect(page.getByRole("table", { name: "Audit log, newest first" }).getByText("Read a user’s tasks").first()).toBeVisible();
    await page.mouse.move(0, 0);
    mkdirSync(SHOTS, { recursive: true });
    const wide = join(SHOTS, "22-admin-1280.png");
    await pageShot(page, 1280, wide);
    await page.setViewportSize({ width: 375, height: 800 });
    await expect(page.getByRole("button", { name: "View tasks of Bob Stone" }).first()).toBeVisible();
    // Nothing wider than the phone's screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    const narrow = join(SHOTS, "23-admin-375.png");
    await pageShot(page, 375, narrow);
    if (process.env.UPDATE_DOCS_SCREENSHOT) {
      copyFileSync(wide, join(DOCS, "admin.png"));
      copyFileSync(narrow, join(DOCS, "admin-375.png"));
    }
  });
});

test.describe("local development sign-in", () => {
  test("the roles ticked at sign-in reach the API: Viewer reads only, Admin gets the panel", async ({ browser }) => {
    // A whole `make start` stack (localidentity, host stand-in, handler, Azurite): slow on a busy machine.
    test.setTimeout(240_000);
    const azuriteDir = mkdtempSync(join(tmpdir(), "tasks-e2e-roles-"));
    const stack = await startLocalStack({ spaPort: await freePort(), apiPort: await freePort(), azuriteDir });
    try {
      const page = await (await browser.newContext({ baseURL: stack.spaUrl })).newPage();
      const signInAs = async (user: "alice" | "bob", role: string) => {
        await page.goto("/");
        const form = page.getByRole("form", { name: "Sign in for local development" });
        await form.getByRole("radio", { name: user }).check();
        await form.getByRole("group", { name: "App roles" }).getByRole("checkbox", { name: role }).check();
        await expect(form.getByText(`make token USER=${user} ROLES=${role}`)).toBeVisible();
        await form.getByRole("button", { name: "Sign in for local development" }).click();
        await expect(page.getByRole("heading", { name: `Welcome back, ${user}` })).toBeVisible();
      };

      await signInAs("alice", "Viewer");
      await page.getByRole("link", { name: "Go to dashboard" }).click();
      await expect(page.getByRole("region", { name: "Your profile" }).getByRole("list", { name: "Roles" })).toHaveText("Viewer");
      await expect(page.getByRole("region", { name: "Tasks" }).getByText(/Viewer/)).toBeVisible();
      await expect(page.getByRole("button", { name: "Add task" })).toHaveCount(0);
      await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0);

      await page.getByRole("button", { name: "Account menu for alice" }).click();
      await page.getByRole("menu", { name: "Account" }).getByRole("menuitem", { name: "Sign out" }).click();
      await signInAs("bob", "Admin");
      await page.getByRole("link", { name: "Go to dashboard" }).click();
      await page.getByRole("link", { name: "Admin" }).click();
      await expect(page.getByRole("heading", { level: 1, name: "Admin" })).toBeVisible();
      await expect(page.getByText("Nobody has any tasks yet.")).toBeVisible();
      // The API let bob read the audit log too (Admin only); listing the users is not an audited change,
      // so, read again, it is still empty.
      await page.getByRole("button", { name: "Refresh" }).click();
      await expect(page.getByText("No admin actions yet.")).toBeVisible();
    } finally {
      await stack.stop();
      rmSync(azuriteDir, { recursive: true, force: true });
    }
  });
});
