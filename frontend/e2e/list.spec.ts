import { test, expect, signIn, openDashboard, taskList, api, seedTasks, shot, type Task } from "./fixtures";

// Finding 8 of issue 30: with 300 tasks the list was oldest first (the newest five "Load more"
// clicks away), with no search and no way to hide done tasks, and a reload went back to page one.

test("300 tasks: the newest is first, a search finds an old one, hide done hides done ones, and a reload keeps both", async ({
  page,
  user,
}) => {
  test.setTimeout(120_000);
  // The oldest task first, one after another; the 297 in between in parallel (their order among
  // themselves does not matter); then a task marked done and the newest one.
  await seedTasks(user, ["Renew the passport"]);
  const fillers = Array.from({ length: 297 }, (_, i) => `Filler ${String(i + 1).padStart(3, "0")}`);
  for (let i = 0; i < fillers.length; i += 25) {
    await Promise.all(fillers.slice(i, i + 25).map((title) => seedTasks(user, [title])));
  }
  const [watered] = await seedTasks(user, ["Water the plants", "Call Mum back"]);
  const done = await api<Task>(user, "PATCH", `/tasks/${watered!.id}`, { completed: true });
  expect(done.status).toBe(200);

  await signIn(page);
  await page.setViewportSize({ width: 375, height: 812 });
  await openDashboard(page);
  const list = taskList(page);
  const rows = list.getByRole("listitem");
  await expect(rows.first()).toContainText("Call Mum back");
  await expect(rows.nth(1)).toContainText("Water the plants");
  await expect(list.getByRole("checkbox", { name: "Water the plants" })).toBeChecked();

  // Search reaches the oldest task, 300 tasks down.
  const search = page.getByRole("searchbox", { name: "Search tasks" });
  await search.fill("PASSPORT");
  await search.press("Enter");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Renew the passport");
  await expect(page).toHaveURL(/[?&]q=PASSPORT(&|$)/);

  // Clearing the search brings every task back; hiding done ones takes "Water the plants" away.
  await search.fill("");
  await search.press("Enter");
  await expect(rows.first()).toContainText("Call Mum back");
  await expect(list.getByText("Water the plants")).toBeVisible();
  const hideDone = page.getByRole("checkbox", { name: "Hide done tasks" });
  await hideDone.check();
  await expect(list.getByText("Water the plants")).toHaveCount(0);
  await expect(rows.first()).toContainText("Call Mum back");
  await expect(page).toHaveURL(/[?&]done=false(&|$)/);

  // Both at once, then a reload: the search box, the toggle and the list are as they were.
  await search.fill("water");
  await search.press("Enter");
  await expect(page.getByText("No tasks match")).toBeVisible();
  await search.fill("call mum");
  await search.press("Enter");
  await expect(rows).toHaveCount(1);
  await page.reload();
  await expect(page.getByRole("searchbox", { name: "Search tasks" })).toHaveValue("call mum");
  await expect(page.getByRole("checkbox", { name: "Hide done tasks" })).toBeChecked();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Call Mum back");
  // The search box, its button and the toggle fit a 375 px phone without sideways scrolling.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await shot(page, "list-filters-375");

  // Back goes to the list before the last search, as the address bar's history says.
  await page.goBack();
  await expect(page.getByRole("searchbox", { name: "Search tasks" })).toHaveValue("water");
  await expect(page.getByText("No tasks match")).toBeVisible();
});
