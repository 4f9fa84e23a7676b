import { test, expect, signIn, api, shot, type Task } from "./fixtures";

// /docs renders the API's own OpenAPI document (GET /api/openapi.json, served by the handler)
// with Swagger UI, and "Try it out" calls the real API with the signed-in user's token.

// Swagger UI is 1.5 MB of script: on a busy 2-core machine its first render can take a while
// (30-90 s seen with five test suites sharing two cores; the spec is fetched and rendered once),
// so these tests get more time.
const FIRST_RENDER = { timeout: 120_000 };
test.describe.configure({ timeout: 180_000 });

const OPERATIONS = [
  "me-getMe",
  "tasks-listTasks",
  "tasks-createTask",
  "tasks-getTask",
  "tasks-updateTask",
  "tasks-deleteTask",
  "meta-getOpenAPIDocument",
];

test("a signed-in user tries GET /api/tasks from the docs page and sees their own task", async ({ page, user }) => {
  const created = await api<Task>(user, "POST", "/tasks", { title: "Seen through the docs" });
  expect(created.status).toBe(201);

  await signIn(page);
  await page.getByRole("link", { name: "API docs" }).click();
  await expect(page).toHaveURL(/\/docs$/);
  await expect(page.getByRole("heading", { name: /Tasks API/ })).toBeVisible(FIRST_RENDER);
  await expect(page.getByRole("status", { name: "Loading the API description" })).toHaveCount(0);
  for (const id of OPERATIONS) await expect(page.locator(`#operations-${id}`)).toBeVisible();

  const op = page.locator("#operations-tasks-listTasks");
  await op.locator(".opblock-summary-control").click();
  await op.getByRole("button", { name: "Try it out" }).click();
  const sent = page.waitForRequest((r) => r.method() === "GET" && new URL(r.url()).pathname === "/api/tasks");
  await op.getByRole("button", { name: "Execute" }).click();
  expect((await sent).headers()["authorization"]).toMatch(/^Bearer ey/);

  const live = op.locator(".live-responses-table");
  await expect(live.locator("tr.response .response-col_status")).toHaveText("200");
  await expect(live).toContainText("Seen through the docs");
  await expect(live).toContainText(created.body.id);
  await live.scrollIntoViewIfNeeded();
  await shot(page, "docs-try-it-out");
});

test("signed out, the docs still render and a tried call gets the API's 401 challenge", async ({ page }) => {
  await page.goto("/docs");
  await expect(page.getByRole("heading", { name: /Tasks API/ })).toBeVisible(FIRST_RENDER);
  await expect(page.getByText("Sign in to try the calls")).toBeVisible();

  const op = page.locator("#operations-me-getMe");
  await op.locator(".opblock-summary-control").click();
  await op.getByRole("button", { name: "Try it out" }).click();
  const sent = page.waitForRequest((r) => r.method() === "GET" && new URL(r.url()).pathname === "/api/me");
  await op.getByRole("button", { name: "Execute" }).click();
  expect((await sent).headers()["authorization"]).toBeUndefined();
  await expect(op.locator(".live-responses-table tr.response .response-col_status")).toHaveText("401");
});

test.describe("on a 375 px phone", () => {
  test.use({ viewport: { width: 375, height: 812 } });

  test("/docs never scrolls sideways, and Execute by keyboard leaves focus on Execute", async ({ page }) => {
    // Issue 30, finding 12: the page scrolled sideways on a phone, and focus fell to the page's start after
    // Execute (Swagger UI replaces the button it was on with Execute and Clear).
    await signIn(page);
    await page.getByRole("link", { name: "API docs" }).click();
    await expect(page.getByRole("heading", { name: /Tasks API/ })).toBeVisible(FIRST_RENDER);
    const width = () => page.evaluate(() => document.documentElement.scrollWidth);
    expect(await width(), "scroll width with the operations listed").toBeLessThanOrEqual(375);

    const op = page.locator("#operations-tasks-listTasks");
    await op.locator(".opblock-summary-control").click();
    await op.getByRole("button", { name: "Try it out" }).click();
    const execute = op.getByRole("button", { name: "Execute" });
    await execute.focus();
    await page.keyboard.press("Enter");
    await expect(op.locator(".live-responses-table tr.response .response-col_status")).toHaveText("200");
    await expect(execute).toBeFocused();
    expect(await width(), "scroll width with a response shown").toBeLessThanOrEqual(375);
  });
});
