// Accounts as a user of several tabs and accounts meets them: the active account everywhere, switching,
// sign-out that every tab notices, and a silent sign-in when Entra still has a session.
import { test, expect, signIn, openDashboard, shot, untilClosed } from "./fixtures";
import { makeUser } from "./fake-entra/tokens";

// Each test here runs two or three whole sign-ins (popups, the bridge page, the API): on a loaded machine
// one takes up to 15 s, so these get three times the default budget.
test.describe.configure({ timeout: 135_000 });

test("switch account: Entra's account picker, then the other account everywhere", async ({ page, entra }) => {
  await signIn(page);
  await expect(page.getByRole("heading", { name: "Welcome back, Alice" })).toBeVisible();
  const bob = makeUser("Bob Stone");
  entra.user = bob; // who the picker returns
  await page.getByRole("button", { name: /Account menu for Alice Martin/ }).click();
  const popupPromise = page.waitForEvent("popup");
  await page.getByRole("menuitem", { name: "Switch account" }).click();
  await untilClosed(await popupPromise);
  await expect(page.getByRole("heading", { name: "Welcome back, Bob" })).toBeVisible();
  expect(entra.count("authorize", "select_account")).toBe(2);

  await openDashboard(page);
  // The API saw Bob's token: the profile comes from /api/me.
  await expect(page.getByRole("region", { name: "Your profile" }).getByText(bob.email)).toBeVisible();
  await page.getByRole("button", { name: /Account menu for Bob Stone/ }).click();
  await shot(page, "auth-account-switched");
  // Sign-out ends both accounts here: no falling back to Alice.
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page.getByRole("button", { name: "Sign in with Microsoft" })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("button", { name: "Sign in with Microsoft" })).toBeVisible();
});

test("a new tab is signed in, and a sign-out in one tab signs out the others", async ({ page, context, entra }) => {
  await signIn(page);
  const other = await context.newPage();
  await other.goto("/dashboard");
  await expect(other.getByRole("heading", { name: "Tasks", exact: true })).toBeVisible();
  await expect(other.getByRole("button", { name: /Account menu for Alice Martin/ })).toBeVisible();
  expect(entra.count("authorize")).toBe(1); // from the shared cache, not a new sign-in

  await page.getByRole("button", { name: /Account menu for Alice Martin/ }).click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page.getByRole("button", { name: "Sign in with Microsoft" })).toBeVisible();
  // The other tab follows without a reload.
  await expect(other.getByRole("heading", { name: "Sign in to see your tasks" })).toBeVisible();
  await expect(other.getByRole("button", { name: /Account menu/ })).toHaveCount(0);
  expect(entra.count("logout")).toBe(1);
  expect(entra.calls.find((c) => c.endpoint === "logout")?.params.get("logout_hint")).toMatch(/^fake-hint\./);
});

/** What a browser restart leaves: MSAL's cache key was a session cookie, so its cache is gone; Entra's cookie is not. */
async function restartBrowserSession(page: import("@playwright/test").Page) {
  await page.evaluate(() => {
    for (const key of Object.keys(localStorage)) if (key.startsWith("msal.")) localStorage.removeItem(key);
  });
  await page.context().clearCookies({ name: "msal.cache.encryption" });
}

test("after a browser restart the SPA signs in silently while Entra's session lasts (ssoSilent)", async ({ page, entra }) => {
  await signIn(page);
  await restartBrowserSession(page);
  await page.reload();
  await expect(page.getByRole("heading", { name: "Welcome back, Alice" })).toBeVisible();
  const silent = entra.calls.filter((c) => c.endpoint === "authorize" && c.detail === "none");
  expect(silent).toHaveLength(1);
  expect(silent[0]!.params.get("login_hint")).toMatch(/^fake-hint\./); // the ID token's login_hint claim
  expect(entra.count("authorize", "select_account")).toBe(1);
});

test("third-party cookies blocked: the silent sign-in cannot see the session, so the sign-in button is offered", async ({ page, entra }) => {
  await signIn(page);
  await restartBrowserSession(page);
  entra.thirdPartyCookiesBlocked = true;
  const popups: string[] = [];
  page.on("popup", (p) => popups.push(p.url()));
  await page.reload();
  await expect.poll(() => entra.refusals()).toContain("AADSTS50058");
  await expect(page.getByRole("button", { name: "Sign in with Microsoft" })).toBeEnabled();
  expect(popups).toEqual([]);
});

test("a first visit never loads Entra in an iframe", async ({ page, entra }) => {
  await page.goto("/");
  await expect(page.getByRole("button", { name: "Sign in with Microsoft" })).toBeEnabled();
  expect(entra.count("authorize")).toBe(0);
});
