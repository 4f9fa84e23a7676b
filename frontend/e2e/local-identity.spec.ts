// Local-identity mode, end to end: the stack `make start` runs with no tenant (localidentity
// around the host stand-in around the real handler, real Azurite keeping its data on disk,
// config.json from write-config.mjs, the dev server's proxy), driven through the production
// bundle. Development users sign in through the SPA's auth seam, and the API checks their
// tokens in full, exactly as it checks Entra's.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, expect, type Browser, type Page } from "@playwright/test";
import { startLocalStack, type LocalStack, type LocalStackOptions } from "./localStack";
import { freePort } from "./stack";

const SHOTS = join(import.meta.dirname, "..", "test-results", "screenshots");

async function openSpa(browser: Browser, stack: LocalStack): Promise<Page> {
  const context = await browser.newContext({ baseURL: stack.spaUrl });
  const page = await context.newPage();
  await page.goto("/");
  return page;
}

async function signInLocally(page: Page, user: string): Promise<void> {
  await page.goto("/");
  const form = page.getByRole("form", { name: "Sign in for local development" });
  if (user === "alice" || user === "bob") await form.getByRole("radio", { name: user }).check();
  else await form.getByLabel("Another development user's name").fill(user);
  await form.getByRole("button", { name: "Sign in for local development" }).click();
  await expect(page.getByRole("heading", { name: `Welcome back, ${user}` })).toBeVisible();
}

async function openDashboard(page: Page): Promise<void> {
  await page.getByRole("link", { name: "Go to dashboard" }).click();
  await expect(page.getByRole("heading", { name: "Tasks", exact: true })).toBeVisible();
  await expect(page.getByRole("status", { name: "Loading tasks" })).toHaveCount(0);
}

async function signOut(page: Page, user: string): Promise<void> {
  await page.getByRole("button", { name: `Account menu for ${user}` }).click();
  const menu = page.getByRole("menu", { name: "Account" });
  await expect(menu.getByText("Local development identity from tools/localidentity, not Microsoft Entra ID.")).toBeVisible();
  await menu.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page.getByRole("button", { name: "Sign in for local development" })).toBeVisible();
}

test.describe("local-identity mode (no tenant)", () => {
  let azuriteDir: string;
  let ports: Pick<LocalStackOptions, "spaPort" | "apiPort">;
  let stack: LocalStack | undefined;

  test.beforeEach(async () => {
    azuriteDir = mkdtempSync(join(tmpdir(), "tasks-e2e-azurite-"));
    ports = { spaPort: await freePort(), apiPort: await freePort() };
  });
  test.afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    rmSync(azuriteDir, { recursive: true, force: true });
  });

  // docs/app-callers.md: an app-only token from `make token APP=reporter ROLES=Tasks.Read.All`, pasted in the docs
  // page's Authorize dialog, is what "Try it out" sends, and the API serves the app the users list. Needs the API's
  // app-only support: without it the API answers the app token 403 (it has no scp).
  test("the docs page tries GET /api/users as an app, with a make token APP= token pasted in Authorize", async ({ browser }) => {
    test.setTimeout(180_000); // Swagger UI's first render on a busy machine (docs.spec.ts)
    stack = await startLocalStack({ ...ports, azuriteDir });
    const created = await fetch(`${stack.apiUrl}/api/tasks`, {
      method: "POST",
      headers: { Authorization: `Bearer ${stack.makeToken("alice")}`, "Content-Type": "application/json" },
      body: JSON.stringify({ title: "Water the plants" }),
    });
    expect(created.status).toBe(201);
    const appToken = stack.makeAppToken("reporter", "Tasks.Read.All");

    const page = await openSpa(browser, stack);
    await page.goto("/docs");
    await expect(page.getByRole("heading", { name: /Tasks API/ })).toBeVisible({ timeout: 120_000 });
    await expect(page.getByText("or paste one in Authorize")).toBeVisible();

    // The dialog offers the bearer scheme only: no OAuth2 flow, which would need a redirect URI or a secret.
    await page.locator(".auth-wrapper").getByRole("button", { name: "Authorize" }).click();
    const dialog = page.locator(".dialog-ux"); // Swagger UI's modal (it has no dialog role)
    await expect(dialog.getByRole("heading", { name: "Available authorizations" })).toBeVisible();
    await expect(dialog.getByRole("heading", { name: "bearer (http, Bearer)" })).toBeVisible();
    await expect(dialog.getByText(/OAuth2/)).toHaveCount(0);
    await expect(dialog.getByText("client_id")).toHaveCount(0);
    await dialog.getByRole("textbox").fill(appToken);
    await dialog.getByRole("button", { name: "Apply credentials" }).click();
    await dialog.getByRole("button", { name: "Close" }).click();

    const op = page.locator('.opblock-get:has(.opblock-summary-path[data-path="/api/users"])');
    await op.locator(".opblock-summary-control").click();
    await op.getByRole("button", { name: "Try it out" }).click();
    const sent = page.waitForRequest((r) => r.method() === "GET" && new URL(r.url()).pathname === "/api/users");
    await op.getByRole("button", { name: "Execute" }).click();
    expect((await sent).headers()["authorization"], "the pasted token, not a user's").toBe(`Bearer ${appToken}`);

    const live = op.locator(".live-responses-table");
    await expect(live.locator("tr.response .response-col_status")).toHaveText("200");
    await expect(live).toContainText('"name": "alice"');
  });

  test("alice and bob sign in as development users; alice's task survives a restart", async ({ browser }) => {
    // Two stack starts and Swagger UI's first render: slow on a busy 2-core machine.
    test.setTimeout(300_000);
    stack = await startLocalStack({ ...ports, azuriteDir });
    const page = await openSpa(browser, stack);

    // The landing page says what this mode is, and offers the local sign-in only.
    await expect(page.getByRole("note")).toContainText("Local development mode.");
    await expect(page.getByRole("heading", { name: "Your tasks, signed in with a development identity" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Sign in with Microsoft" })).toHaveCount(0);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, "10-local-sign-in.png"), fullPage: true, animations: "disabled" });
    if (process.env.UPDATE_DOCS_SCREENSHOT) copyFileSync(join(SHOTS, "10-local-sign-in.png"), join(import.meta.dirname, "..", "..", "docs", "local-sign-in.png"));

    await signInLocally(page, "alice");
    await openDashboard(page);
    const profile = page.getByRole("region", { name: "Your profile" });
    await expect(profile.getByText("alice@example.com")).toBeVisible();
    await expect(profile.getByText("11111111-1111-4111-8111-111111111111")).toBeVisible(); // the development tenant
    await page.getByLabel("New task").fill("Alice's local task");
    await page.getByRole("button", { name: "Add task" }).click();
    const row = page.getByRole("list", { name: "Tasks" }).getByRole("listitem").filter({ hasText: "Alice's local task" });
    await expect(row).toBeVisible();
    await expect(row).not.toHaveAttribute("aria-busy", "true");

    // The same name is the same user everywhere: `make token USER=alice` sees alice's task.
    const viaMakeToken = await fetch(`${stack.apiUrl}/api/tasks`, { headers: { Authorization: `Bearer ${stack.makeToken("alice")}` } });
    expect(viaMakeToken.status).toBe(200);
    expect(JSON.stringify(await viaMakeToken.json())).toContain("Alice's local task");
    await signOut(page, "alice");

    await signInLocally(page, "bob");
    await openDashboard(page);
    await expect(page.getByText("No tasks yet")).toBeVisible();
    await expect(page.getByText("Alice's local task")).toHaveCount(0);
    await signOut(page, "bob");

    // Restart everything on the same ports; Azurite's data folder is kept, as .azurite/ is.
    await stack.stop();
    expect(existsSync(stack.urlFile)).toBe(false);
    stack = await startLocalStack({ ...ports, azuriteDir });
    await signInLocally(page, "alice");
    await openDashboard(page);
    await expect(page.getByRole("list", { name: "Tasks" }).getByText("Alice's local task")).toBeVisible();

    // /docs "Try it out" carries alice's development token too.
    await page.getByRole("link", { name: "API docs" }).click();
    await expect(page.getByRole("heading", { name: /Tasks API/ })).toBeVisible({ timeout: 60_000 });
    await expect(page.getByRole("status", { name: "Loading the API description" })).toHaveCount(0);
    const op = page.locator("#operations-me-getMe");
    await op.locator(".opblock-summary-control").click();
    await op.getByRole("button", { name: "Try it out" }).click();
    await op.getByRole("button", { name: "Execute" }).click();
    await expect(op.locator(".live-responses-table tr.response .response-col_status")).toHaveText("200");
    await expect(op.locator(".live-responses-table")).toContainText("alice@example.com");
  });

  test("keyboard only: tabbing past the name box keeps alice, and Enter on the button signs her in", async ({ browser }) => {
    // Issue 30, finding 10: focusing the name box chose "Someone else", so a keyboard user who tabbed
    // through it to the button signed in as nobody ("Type a name for the development user.").
    test.setTimeout(120_000);
    stack = await startLocalStack({ ...ports, azuriteDir });
    const page = await openSpa(browser, stack);
    const form = page.getByRole("form", { name: "Sign in for local development" });
    const alice = form.getByRole("radio", { name: "alice" });
    await expect(alice).toBeChecked();
    await expect(form.getByRole("button", { name: "Sign in for local development" })).toBeVisible();

    // From the top of the page, Tab until the checked radio has focus (the radio group is one tab stop).
    await page.locator("body").focus();
    for (let i = 0; i < 20 && !(await alice.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press("Tab");
    await expect(alice).toBeFocused();
    // On through the name box and the role checkboxes to the button, typing nothing.
    const nameBox = form.getByLabel("Another development user's name");
    await page.keyboard.press("Tab");
    await expect(nameBox).toBeFocused();
    await expect(alice).toBeChecked();
    const button = form.getByRole("button", { name: "Sign in for local development" });
    for (let i = 0; i < 10 && !(await button.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press("Tab");
    await expect(button).toBeFocused();
    await expect(alice).toBeChecked();
    await expect(form).toContainText("make token USER=alice");
    await page.keyboard.press("Enter");
    await expect(page.getByRole("heading", { name: "Welcome back, alice" })).toBeVisible();

    // Typing a name (still keyboard only) is what chooses "Someone else".
    await signOut(page, "alice");
    const again = page.getByRole("form", { name: "Sign in for local development" });
    await again.getByRole("radio", { name: "alice" }).focus();
    await page.keyboard.press("Tab");
    await page.keyboard.type("carol");
    await expect(again.getByRole("radio", { name: "Someone else" })).toBeChecked();
    await page.keyboard.press("Enter");
    await expect(page.getByRole("heading", { name: "Welcome back, carol" })).toBeVisible();
  });

  test("with real tenant settings the local sign-in is neither offered nor served", async ({ browser }) => {
    test.setTimeout(90_000);
    stack = await startLocalStack({
      ...ports,
      azuriteDir,
      tenant: {
        AZURE_TENANT_ID: "9b1c2d3e-4f50-4a6b-8c7d-0e1f2a3b4c5d",
        AZURE_API_CLIENT_ID: "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
        AZURE_SPA_CLIENT_ID: "6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e",
      },
    });
    const page = await openSpa(browser, stack);
    await expect(page.getByRole("button", { name: "Sign in with Microsoft" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Sign in for local development" })).toHaveCount(0);
    await expect(page.getByRole("note")).toHaveCount(0);

    // The token endpoint does not exist: localidentity published nothing, the proxy has nowhere to go.
    expect(existsSync(stack.urlFile)).toBe(false);
    const res = await page.request.post("/local-identity/token", { data: { user: "alice" } });
    expect(res.status()).toBe(404);
    expect(await res.text()).not.toContain("access_token");
    expect(() => stack!.makeToken("alice")).toThrow(/names a real tenant/);
  });

  test("a half-configured tenant: the setup screen names the missing value and where it comes from", async ({ browser }) => {
    test.setTimeout(90_000);
    stack = await startLocalStack({
      ...ports,
      azuriteDir,
      tenant: { AZURE_TENANT_ID: "9b1c2d3e-4f50-4a6b-8c7d-0e1f2a3b4c5d", AZURE_API_CLIENT_ID: "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d" },
    });
    const page = await openSpa(browser, stack);
    await expect(page.getByRole("heading", { name: "This app is not configured yet" })).toBeVisible();
    await expect(page.getByRole("listitem").filter({ hasText: "is missing" })).toHaveText(["clientId is missing or still a placeholder."]);
    const sources = page.locator(".setup__sources");
    await expect(sources.locator("dt")).toHaveText(["clientId"]);
    await expect(sources.locator("dd")).toContainText("AZURE_SPA_CLIENT_ID");
    await expect(sources.locator("dd")).toContainText("azd provision");
    await expect(page.getByRole("button", { name: "Sign in for local development" })).toHaveCount(0);
    await page.screenshot({ path: join(SHOTS, "11-setup-half-configured.png"), fullPage: true, animations: "disabled" });
  });
});
