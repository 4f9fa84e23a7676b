import { test, expect, signIn, openDashboard, shot, addTask, taskList, untilClosed, signInThenExpire } from "./fixtures";

test.describe("sign-in and sign-out", () => {
  test("popup sign-in shows the Graph photo, then the profile from /api/me", async ({ page, entra, user }) => {
    await page.goto("/");
    await expect(page.getByRole("heading", { name: "Your tasks, signed in with Microsoft" })).toBeVisible();
    await shot(page, "01-landing");

    await signIn(page);
    expect(entra.count("authorize", "select_account")).toBe(1);
    // Navbar avatar: the photo from Graph (/me/photo/$value with a User.Read token).
    await expect(page.getByTestId("avatar-photo")).toBeVisible();
    await expect(page.getByRole("heading", { name: "Welcome back, Alice" })).toBeVisible();
    await shot(page, "02-landing-signed-in");

    await openDashboard(page);
    const profile = page.getByRole("region", { name: "Your profile" });
    await expect(profile.getByText(user.name)).toBeVisible();
    await expect(profile.getByText(user.email)).toBeVisible();
    await expect(profile.getByText("7b1c3d5e-0f2a-4b6c-8d9e-a1b2c3d4e5f6")).toBeVisible();
    await expect(profile.getByRole("list", { name: "Scopes" }).getByText("access_as_user")).toBeVisible();
    await expect(page.getByText("No tasks yet")).toBeVisible();
    await shot(page, "03-dashboard-empty");
  });

  test("redirect sign-in when the browser blocks the popup; initials when there is no photo", async ({ page, entra }) => {
    entra.photo = false;
    // A popup blocker: window.open returns null, as Chrome does for a blocked popup.
    await page.addInitScript(() => {
      window.open = () => null;
    });
    await page.goto("/");
    await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
    // The whole page goes to (fake) Entra, through redirect.html, and back to where it started.
    await expect(page.getByRole("link", { name: "Go to dashboard" })).toBeVisible();
    expect(page.url()).not.toContain("redirect.html");
    expect(entra.count("authorize", "select_account")).toBe(1);
    await expect(page.getByTestId("avatar-initials")).toHaveText("AM");
    await expect.poll(() => entra.count("photo")).toBeGreaterThan(0);

    await openDashboard(page);
    await expect(page.getByRole("region", { name: "Your profile" }).getByText("Alice Martin")).toBeVisible();
  });

  test("sign-out from the avatar menu with the keyboard", async ({ page, entra }) => {
    await signIn(page);
    await openDashboard(page);
    const menuButton = page.getByRole("button", { name: /Account menu for Alice Martin/ });
    await menuButton.focus();
    await page.keyboard.press("Enter");
    const menu = page.getByRole("menu", { name: "Account" });
    await expect(menu).toBeVisible();
    await expect(menu.getByText("alice.martin@contoso.example")).toBeVisible();
    // The menu button pattern (WAI-ARIA APG): opening focuses the first item; End reaches the last.
    await expect(menu.getByRole("menuitem", { name: "Switch account" })).toBeFocused();
    await page.keyboard.press("End");
    await expect(menu.getByRole("menuitem", { name: "Sign out" })).toBeFocused();
    await shot(page, "04-account-menu");
    // Escape closes it and gives focus back.
    await page.keyboard.press("Escape");
    await expect(menu).toBeHidden();
    await expect(menuButton).toBeFocused();

    await page.keyboard.press("Enter");
    await page.keyboard.press("End");
    await page.keyboard.press("Enter"); // "Sign out" has focus
    await expect(page.getByRole("button", { name: "Sign in with Microsoft" })).toBeVisible();
    expect(entra.count("logout")).toBe(1);
    await expect(page.getByRole("button", { name: /Account menu/ })).toHaveCount(0);

    await page.goto("/dashboard");
    await expect(page.getByRole("heading", { name: "Sign in to see your tasks" })).toBeVisible();
  });
});

test.describe("token renewal", () => {
  test("an access token the API rejects as expired is renewed silently and the call retried", async ({ page, entra }) => {
    // The API token issued at sign-in is already past its exp, but MSAL's cache believes it is
    // good for an hour: only the API can tell, with a 401.
    entra.expiredAccessTokens = 1;
    await signIn(page);
    const popups: string[] = [];
    page.on("popup", (p) => popups.push(p.url()));
    await openDashboard(page);

    await expect(page.getByText("No tasks yet")).toBeVisible();
    await expect(page.getByRole("region", { name: "Your profile" }).getByText("access_as_user")).toBeVisible();
    expect(entra.count("token", "refresh_token")).toBeGreaterThanOrEqual(1);
    expect(entra.count("authorize")).toBe(1); // the sign-in only: no prompt, no popup
    expect(popups).toEqual([]);
  });

  test("an access token expired in MSAL's cache is renewed with the refresh token before the call", async ({ page, entra }) => {
    // The browser's clock runs on, as an idle hour would; MSAL's cache is encrypted, so it cannot be edited.
    await page.clock.install();
    await signIn(page);
    await expect(page.getByTestId("avatar-photo")).toBeVisible();
    await page.clock.fastForward("01:01:00");
    const refreshesBefore = entra.count("token", "refresh_token");
    const apiStatuses: number[] = [];
    page.on("response", (r) => {
      if (r.url().includes("/api/") && r.request().method() !== "OPTIONS") apiStatuses.push(r.status());
    });

    await openDashboard(page);
    await expect(page.getByText("No tasks yet")).toBeVisible();
    await expect(page.getByRole("region", { name: "Your profile" }).getByText("access_as_user")).toBeVisible();
    expect(entra.count("token", "refresh_token")).toBeGreaterThan(refreshesBefore);
    expect(apiStatuses).not.toContain(401); // renewed before calling, not after a rejection
    expect(entra.count("authorize")).toBe(1);
  });

  test("a refresh token past its fixed 24 hours (AADSTS700084) is replaced through the Entra session, with no prompt", async ({ page, entra }) => {
    await page.clock.install();
    await signIn(page);
    await expect(page.getByTestId("avatar-photo")).toBeVisible();
    // The cached access token is past its hour, so MSAL redeems its refresh token, which Entra's clock says is
    // past its 24 hours (MSAL's own copy of refresh_token_expires_in is not yet: its clock moved one hour).
    await page.clock.fastForward("01:01:00");
    entra.advanceClock(24 * 3600 + 60);
    await openDashboard(page);
    await expect(page.getByText("No tasks yet")).toBeVisible();
    expect(entra.refusals()).toContain("AADSTS700084");
    // MSAL's answer to invalid_grant: the hidden iframe (prompt=none), which the session cookie satisfies.
    expect(entra.count("authorize", "none")).toBeGreaterThanOrEqual(1);
    await expect(page.getByRole("alert")).toHaveCount(0);
  });

  test("when silent renewal fails, a notice offers sign-in; the click renews in a popup and the page carries on", async ({ page, entra }) => {
    await page.clock.install();
    await signIn(page);
    await openDashboard(page);
    await addTask(page, "Saved before");
    // An idle hour later the refresh token is revoked and the Entra session is gone: only the user can renew.
    entra.rejectRefresh = true;
    entra.session = false;
    await page.clock.fastForward("01:01:00");
    const popups: string[] = [];
    page.on("popup", (p) => popups.push(p.url()));
    await page.getByLabel("New task").fill("Added while expired");
    await page.getByRole("button", { name: "Add task" }).click();
    await page.getByLabel("New task").fill("Half-typed");

    const notice = page.getByRole("alert").filter({ hasText: "Your sign-in has expired" });
    await expect(notice).toBeVisible();
    await shot(page, "auth-renewal-needed");
    expect(popups).toEqual([]); // nothing opened outside a click
    expect(entra.count("authorize", "none")).toBeGreaterThanOrEqual(1); // the hidden iframe was tried first

    const popupPromise = page.waitForEvent("popup");
    await notice.getByRole("button", { name: "Sign in again" }).click();
    await untilClosed(await popupPromise);
    await expect(notice).toBeHidden();
    // The waiting request went on with the new token: nothing typed or listed was lost.
    const added = taskList(page).getByRole("listitem").filter({ hasText: "Added while expired" });
    await expect(added).not.toHaveAttribute("aria-busy", "true");
    await expect(taskList(page).getByText("Saved before")).toBeVisible();
    await expect(page.getByLabel("New task")).toHaveValue("Half-typed");
    expect(entra.count("authorize") - entra.count("authorize", "none")).toBe(2); // sign-in + the renewal
  });

  test("with popups blocked even on the click, the renewal falls back to a full-page redirect", async ({ page, entra }) => {
    await signInThenExpire(page, entra);
    await page.evaluate(() => {
      window.open = () => null;
    });
    await page.getByLabel("New task").fill("Needs a token");
    await page.getByRole("button", { name: "Add task" }).click();
    const notice = page.getByRole("alert").filter({ hasText: "Your sign-in has expired" });
    await notice.getByRole("button", { name: "Sign in again" }).click();
    // The page goes to (fake) Entra and back to the dashboard it started from, signed in.
    await expect(page.getByRole("heading", { name: "Tasks", exact: true })).toBeVisible();
    expect(new URL(page.url()).pathname).toBe("/dashboard");
    await expect(page.getByRole("region", { name: "Your profile" }).getByText("access_as_user")).toBeVisible();
    expect(entra.count("authorize") - entra.count("authorize", "none")).toBe(2);
  });
});
