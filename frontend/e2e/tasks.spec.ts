import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { FakeEntra } from "./fake-entra/fakeEntra";
import { makeUser } from "./fake-entra/tokens";
import { test, expect, signIn, openDashboard, addTask, allSaved, taskList, shot, api, seedTasks, type Task } from "./fixtures";

test("add, toggle, rename and delete persist across a reload", async ({ page }) => {
  await signIn(page);
  await openDashboard(page);

  // Validation happens before anything is sent.
  await page.getByRole("button", { name: "Add task" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Enter a title." })).toBeVisible();

  await addTask(page, "Buy milk");
  await addTask(page, "Write the report");
  await addTask(page, "Call the plumber");
  const list = taskList(page);
  await expect(list.getByRole("listitem")).toHaveCount(3);

  // Toggle with the checkbox (its label is the title).
  await list.getByRole("checkbox", { name: "Buy milk" }).check();
  await expect(list.getByRole("listitem").filter({ hasText: "Buy milk" })).not.toHaveAttribute("aria-busy", "true");

  // Rename inline with the keyboard: Enter saves.
  await list.getByRole("button", { name: "Rename “Write the report”" }).click();
  const edit = list.getByLabel("New title for “Write the report”");
  await expect(edit).toBeFocused();
  await edit.fill("Write the quarterly report");
  await edit.press("Enter");
  await expect(list.getByRole("checkbox", { name: "Write the quarterly report" })).toBeVisible();
  await expect(list.getByRole("listitem").filter({ hasText: "quarterly" })).not.toHaveAttribute("aria-busy", "true");

  // Escape cancels a rename.
  await list.getByRole("button", { name: "Rename “Call the plumber”" }).click();
  await list.getByLabel("New title for “Call the plumber”").fill("nope");
  await page.keyboard.press("Escape");
  await expect(list.getByRole("checkbox", { name: "Call the plumber" })).toBeVisible();

  // New tasks are shown at the top: "Call the plumber" is first, and deleting it moves focus to
  // the next task, not to the page.
  await expect(list.getByRole("listitem").first()).toContainText("Call the plumber");
  await list.getByRole("button", { name: "Delete “Call the plumber”" }).click();
  await expect(list.getByRole("listitem")).toHaveCount(2);
  await expect(list.getByRole("checkbox", { name: "Write the quarterly report" })).toBeFocused();
  // Space on a focused checkbox toggles it, like any checkbox.
  await page.keyboard.press("Space");
  await expect(list.getByRole("checkbox", { name: "Write the quarterly report" })).toBeChecked();
  await expect(list.getByRole("listitem").filter({ hasText: "quarterly" })).not.toHaveAttribute("aria-busy", "true");
  await page.keyboard.press("Space");
  await expect(list.getByRole("checkbox", { name: "Write the quarterly report" })).not.toBeChecked();
  await expect(page.getByText("1 of 2 done")).toBeVisible();
  // The delete is sent when its undo offer ends (or is closed, as here). The screen is ahead of the
  // server until every request is answered: reloading before then cancels them (this test once
  // did, after a no-op wait for "networkidle", and failed).
  const deleted = page.waitForRequest((r) => r.method() === "DELETE");
  await page.getByRole("button", { name: "Dismiss message" }).click();
  await deleted;
  await allSaved(page);

  await page.reload();
  await expect(page.getByText("1 of 2 done")).toBeVisible();
  await expect(list.getByRole("checkbox", { name: "Buy milk" })).toBeChecked();
  await expect(list.getByRole("checkbox", { name: "Write the quarterly report" })).not.toBeChecked();
  await expect(list.getByText("Call the plumber")).toHaveCount(0);
  await expect(list.getByText("Write the report", { exact: true })).toHaveCount(0);
});

test("a change still being saved: the page says so and asks before it is left", async ({ page }) => {
  await signIn(page);
  await openDashboard(page);
  await addTask(page, "Pay the rent");
  // Hold the PATCH on its way to the API, as a slow network would.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await page.route(/\/api\/tasks\/[^/?]+$/, async (route) => {
    if (route.request().method() === "PATCH") await held;
    await route.continue();
  });
  const box = taskList(page).getByRole("checkbox", { name: "Pay the rent" });
  await box.check();
  await expect(page.getByRole("status").filter({ hasText: "Saving…" })).toBeVisible();
  // What a reload or a closed tab would do now: the page asks to stay (beforeunload).
  const leaving = () =>
    page.evaluate(() => {
      const e = new Event("beforeunload", { cancelable: true });
      window.dispatchEvent(e);
      return e.defaultPrevented;
    });
  expect(await leaving()).toBe(true);

  release();
  await allSaved(page);
  expect(await leaving()).toBe(false);
  await page.reload();
  await expect(taskList(page).getByRole("checkbox", { name: "Pay the rent" })).toBeChecked();
});

test("two users in two browser contexts never see each other's tasks", async ({ browser, page, user }) => {
  test.setTimeout(90_000); // two popup sign-ins in two contexts: about 30 s alone, 45 s under load
  // Alice: the default context of this test.
  await signIn(page);
  await openDashboard(page);
  await addTask(page, "Alice's secret plan");

  // Bob: a second browser context with his own (fake) Entra sign-in.
  const bob = makeUser("Bob Nguyen");
  const bobContext = await browser.newContext();
  const bobEntra = new FakeEntra(bob);
  await bobEntra.install(bobContext);
  const bobPage = await bobContext.newPage();
  await signIn(bobPage);
  await openDashboard(bobPage);
  await expect(bobPage.getByText("No tasks yet")).toBeVisible();
  await addTask(bobPage, "Bob's grocery list");

  await page.reload();
  await expect(taskList(page).getByRole("listitem")).toHaveCount(1);
  await expect(taskList(page).getByText("Alice's secret plan")).toBeVisible();
  await expect(page.getByText("Bob's grocery list")).toHaveCount(0);

  await bobPage.reload();
  await expect(taskList(bobPage).getByRole("listitem")).toHaveCount(1);
  await expect(bobPage.getByText("Alice's secret plan")).toHaveCount(0);

  // And the API itself: Bob cannot read Alice's task by id (404, not 403).
  const alices = await api<{ items: Task[] }>(user, "GET", "/tasks");
  const id = alices.body.items[0]!.id;
  expect((await api(bob, "GET", `/tasks/${id}`)).status).toBe(404);
  await bobContext.close();
});

test("a change made elsewhere to the same field (412) reloads the task and tells the user", async ({ page, user }) => {
  await signIn(page);
  await openDashboard(page);
  await addTask(page, "Plan the offsite");

  // Another device ticks the task; this page still holds the old ETag. (A change to another field is merged:
  // server-state.spec.ts.)
  const list = await api<{ items: Task[] }>(user, "GET", "/tasks");
  const task = list.body.items[0]!;
  const changed = await api<Task>(user, "PATCH", `/tasks/${task.id}`, { completed: true });
  expect(changed.status).toBe(200);

  await taskList(page).getByRole("checkbox", { name: "Plan the offsite" }).check();
  // Said on the task's own row, where the user acted.
  const notice = taskList(page).getByRole("status").filter({ hasText: "Changed somewhere else" });
  await expect(notice).toBeVisible();
  await expect(notice).toContainText("not applied");
  const fresh = taskList(page).getByRole("checkbox", { name: "Plan the offsite" });
  await expect(fresh).toBeChecked();
  await shot(page, "06-conflict-notice");

  // With the fresh ETag, the next action works.
  await fresh.uncheck();
  await expect(taskList(page).getByRole("listitem")).not.toHaveAttribute("aria-busy", "true");
  await allSaved(page);
  const after = await api<Task>(user, "GET", `/tasks/${task.id}`);
  expect(after.body.completed).toBe(false);
});

test("'Load more' fetches the next page", async ({ page, user }) => {
  await seedTasks(user, Array.from({ length: 53 }, (_, i) => `Task ${String(i + 1).padStart(2, "0")}`));
  await signIn(page);
  await openDashboard(page);
  const list = taskList(page);
  await expect(list.getByRole("listitem")).toHaveCount(50);
  await expect(page.getByText("0 of the 50 tasks shown are done; more below")).toBeVisible();
  await page.getByRole("button", { name: "Load more" }).click();
  await expect(list.getByRole("listitem")).toHaveCount(53);
  // Newest first: the first page ends at Task 04, the next holds the three oldest.
  await expect(list.getByRole("listitem").last()).toContainText("Task 01");
  await expect(page.getByRole("button", { name: "Load more" })).toHaveCount(0);
  await expect(page.getByText("0 of 53 done")).toBeVisible();
  // Focus goes to the first task of the new page, not to the page body (the button is gone).
  await expect(list.getByRole("checkbox", { name: "Task 03" })).toBeFocused();
});

test("a failed change is rolled back and explained on its row, without moving the list; Try again resends it", async ({ page, user }) => {
  await signIn(page);
  await openDashboard(page);
  await addTask(page, "Water the plants");
  // The task store goes down for writes (simulated: the API's 503 problem response).
  await page.route(/\/api\/tasks\/[^/?]+$/, (route) =>
    route.request().method() === "PATCH"
      ? route.fulfill({
          status: 503,
          headers: { "Retry-After": "5", "Access-Control-Allow-Origin": "*" },
          contentType: "application/problem+json",
          body: JSON.stringify({ type: "about:blank", title: "Service Unavailable", status: 503, detail: "storage unavailable" }),
        })
      : route.continue(),
  );
  const box = taskList(page).getByRole("checkbox", { name: "Water the plants" });
  const row = taskList(page).getByRole("listitem").filter({ hasText: "Water the plants" });
  const listTop = (await taskList(page).boundingBox())!.y;
  await box.click();
  const alert = row.getByRole("alert");
  await expect(alert).toContainText("Your change was not saved. The task store is temporarily unavailable.");
  await expect(box).not.toBeChecked();
  await expect(page.getByRole("alert")).toHaveCount(1); // on the row only, not also above the list
  expect((await taskList(page).boundingBox())!.y).toBe(listTop);
  await shot(page, "10-row-error");

  await page.unroute(/\/api\/tasks\/[^/?]+$/);
  await alert.getByRole("button", { name: "Try again" }).click();
  await expect(box).toBeChecked();
  await expect(row.getByRole("alert")).toHaveCount(0);
  await allSaved(page);
  const stored = await api<{ items: Task[] }>(user, "GET", "/tasks");
  expect(stored.body.items[0]).toMatchObject({ title: "Water the plants", completed: true });
});

test("dashboard screenshots (desktop and phone)", async ({ page, user }) => {
  for (const [title, done] of [
    ["Review the pull request for the Bicep modules", true],
    ["Rotate the storage account's keys", true],
    ["Book the team offsite", false],
    ["Draft the release notes for v1.2", false],
    ["Call the plumber about the kitchen sink", false],
  ] as const) {
    const r = await api<Task>(user, "POST", "/tasks", { title });
    if (done) await api(user, "PATCH", `/tasks/${r.body.id}`, { completed: true });
  }
  await signIn(page);
  await openDashboard(page);
  await expect(taskList(page).getByRole("listitem")).toHaveCount(5);
  await expect(page.getByRole("region", { name: "Your profile" }).getByText("access_as_user")).toBeVisible();
  await expect(page.getByTestId("avatar-photo")).toBeVisible();
  const path = await shot(page, "05-dashboard");
  if (process.env.UPDATE_DOCS_SCREENSHOT) {
    mkdirSync(join(import.meta.dirname, "..", "..", "docs"), { recursive: true });
    copyFileSync(path, join(import.meta.dirname, "..", "..", "docs", "dashboard.png"));
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(taskList(page).getByRole("listitem")).toHaveCount(5);
  await shot(page, "07-dashboard-phone");
});

test("a create whose answer is lost is sent again with the same Idempotency-Key, which makes no second task", async ({ page, user }) => {
  await signIn(page);
  await openDashboard(page);
  // The first POST reaches the API, which stores the task, but its answer never reaches the page.
  const keys: (string | null)[] = [];
  await page.route(/\/api\/tasks$/, async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    keys.push(await route.request().headerValue("Idempotency-Key"));
    if (keys.length === 1) {
      const stored = await route.fetch();
      expect(stored.status()).toBe(201);
      return route.abort("connectionreset");
    }
    return route.continue();
  });
  await page.getByLabel("New task").fill("Renew the passport");
  await page.getByRole("button", { name: "Add task" }).click();
  // The SPA sends it again by itself, with the key of the attempt whose outcome it could not know.
  await expect(taskList(page).getByRole("checkbox", { name: "Renew the passport" })).toBeVisible();
  await allSaved(page);
  await expect(page.getByRole("alert")).toHaveCount(0);
  expect(keys).toHaveLength(2);
  expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
  expect(keys[1]).toBe(keys[0]);
  const stored = await api<{ items: Task[] }>(user, "GET", "/tasks");
  expect(stored.body.items.map((t) => t.title)).toEqual(["Renew the passport"]);
  await expect(taskList(page).getByRole("listitem")).toHaveCount(1);
});
