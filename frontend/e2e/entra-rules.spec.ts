// The fake Entra refuses what Entra refuses, so that a passing browser test means the SPA would work against
// the real thing. Each test names the rule; docs/frontend.md lists the rules with their sources.
import { join } from "node:path";
import type { Server } from "node:http";
import { test, expect, signIn, shot } from "./fixtures";
import { ENTRA_ERRORS } from "./fake-entra/fakeEntra";
import { API_SCOPE, SPA_CLIENT_ID, TENANT_ID } from "./fake-entra/tokens";
import { closeServer, FRONTEND, freePort, listen, spaServer } from "./stack";

const ENTRA = `https://login.microsoftonline.com/${TENANT_ID}/oauth2/v2.0`;

/** The production bundle served from an origin that is not registered (as a custom domain or a new port would be). */
async function unregisteredSite(redirectUris: string[] | undefined): Promise<{ origin: string; close(): Promise<void> }> {
  const port = await freePort();
  const config = { clientId: SPA_CLIENT_ID, tenantId: TENANT_ID, apiScope: API_SCOPE, apiBaseUrl: "", ...(redirectUris ? { redirectUris } : {}) };
  const server: Server = spaServer(join(FRONTEND, "dist"), config);
  await listen(server, port, "127.0.0.1");
  return { origin: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}

test.describe("redirect URIs (infra/app/spa-urls.json)", () => {
  test("the fake registers exactly what entra.bicep registers", async ({ entra, baseURL }) => {
    expect([...entra.redirectUris]).toEqual(
      expect.arrayContaining([`${baseURL}/redirect.html`, `${baseURL}/`, "http://localhost:5173/redirect.html", "http://127.0.0.1:4173/redirect.html"]),
    );
    expect(entra.redirectUris.has("http://localhost:5174/redirect.html")).toBe(false);
  });

  test("an unregistered redirect URI gets AADSTS50011 on Entra's page and never goes back to the app", async ({ page, entra }) => {
    const params = new URLSearchParams({ client_id: SPA_CLIENT_ID, redirect_uri: "http://localhost:5174/redirect.html", response_type: "code", scope: "openid", state: "s" });
    await page.goto(`${ENTRA}/authorize?${params}`);
    await expect(page.getByText(/AADSTS50011/)).toBeVisible();
    expect(new URL(page.url()).host).toBe("login.microsoftonline.com");
    expect(entra.refusals()).toEqual(["AADSTS50011"]);
  });

  test("the SPA on an unregistered address says so instead of starting a sign-in that would hang", async ({ page, entra }) => {
    const site = await unregisteredSite([...entra.redirectUris]);
    try {
      await page.goto(site.origin);
      await expect(page.getByRole("heading", { name: "Sign-in is not set up for this address" })).toBeVisible();
      await expect(page.getByText(`${site.origin}/redirect.html`)).toBeVisible();
      await expect(page.getByRole("list", { name: "Registered addresses" }).getByRole("link", { name: "http://localhost:5173" })).toBeVisible();
      await shot(page, "auth-redirect-uri-mismatch");
      expect(entra.count("authorize")).toBe(0);
    } finally {
      await site.close();
    }
  });

  test("without the list in config.json, the popup stops on AADSTS50011, as with real Entra", async ({ page, entra }) => {
    const site = await unregisteredSite(undefined);
    try {
      await page.goto(site.origin);
      const popupPromise = page.waitForEvent("popup");
      await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
      const popup = await popupPromise;
      await expect(popup.getByText(/AADSTS50011/)).toBeVisible();
      expect(new URL(popup.url()).host).toBe("login.microsoftonline.com");
      expect(entra.refusals()).toContain("AADSTS50011");
      // Nothing comes back: MSAL v5 cannot see the popup close (Entra's pages send COOP) and waits for its bridge
      // until popupBridgeTimeout (60 s, msal-browser src/utils/BrowserUtils.ts waitForBridgeResponse). The
      // app is left waiting, which is why it checks the address before offering sign-in (test above).
      await popup.close();
      await expect(page.getByRole("button", { name: "Sign in with Microsoft" })).toBeDisabled();
      expect(entra.count("token")).toBe(0);
    } finally {
      await site.close();
    }
  });

  test("sign-out returns only to a registered post-logout URI", async ({ page, entra }) => {
    await page.goto(`${ENTRA}/logout?post_logout_redirect_uri=${encodeURIComponent("https://evil.example/")}`);
    await expect(page.getByText("You signed out of your account.")).toBeVisible();
    expect(entra.refusals()).toEqual(["post_logout_redirect_uri"]);
  });
});

test.describe("token endpoint", () => {
  /** POSTs a form to the token endpoint from the page (cross-origin, as MSAL does); "blocked" when CORS hides the answer. */
  const post = (page: import("@playwright/test").Page, form: Record<string, string>) =>
    page.evaluate(
      async ({ url, body }) => {
        try {
          const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body });
          return (await res.json()) as { error?: string; error_codes?: number[]; access_token?: string };
        } catch {
          return "blocked";
        }
      },
      { url: `${ENTRA}/token`, body: new URLSearchParams(form).toString() },
    );

  test("answers cross-origin only to origins of spa redirect URIs (CORS)", async ({ page, entra }) => {
    const refresh = entra.mintRefreshToken();
    const form = { client_id: SPA_CLIENT_ID, grant_type: "refresh_token", refresh_token: refresh, scope: `${API_SCOPE} openid profile offline_access` };
    await page.goto("/");
    expect(await post(page, form)).toHaveProperty("access_token");
    const site = await unregisteredSite(undefined);
    try {
      await page.goto(site.origin);
      expect(await post(page, { ...form, refresh_token: entra.mintRefreshToken() })).toBe("blocked");
    } finally {
      await site.close();
    }
  });

  test("one resource per token: AADSTS28000 for two, AADSTS500011 for an unknown one, AADSTS28003 for none", async ({ page, entra }) => {
    await page.goto("/");
    const ask = (scope: string) => post(page, { client_id: SPA_CLIENT_ID, grant_type: "refresh_token", refresh_token: entra.mintRefreshToken(), scope });
    expect(await ask(`${API_SCOPE} User.Read openid profile offline_access`)).toMatchObject({ error: "invalid_request", error_codes: [28000] });
    expect(await ask("api://11111111-2222-3333-4444-555555555555/access_as_user openid")).toMatchObject({ error: "invalid_resource", error_codes: [500011] });
    expect(await ask("openid profile offline_access")).toMatchObject({ error: "invalid_request", error_codes: [28003] });
    expect(await ask(`User.Read openid profile offline_access`)).toHaveProperty("access_token");
  });

  test("SPA refresh tokens end 24 hours after sign-in, however often they are used (AADSTS700084)", async ({ page, entra }) => {
    await page.goto("/");
    let refresh = entra.mintRefreshToken();
    const use = async () => {
      const r = await post(page, { client_id: SPA_CLIENT_ID, grant_type: "refresh_token", refresh_token: refresh, scope: `${API_SCOPE} openid offline_access` });
      if (typeof r !== "string" && "refresh_token" in r) refresh = String((r as { refresh_token: string }).refresh_token);
      return r;
    };
    entra.advanceClock(23 * 3600);
    expect(await use()).toHaveProperty("access_token"); // a new refresh token, with the same end
    entra.advanceClock(3600 + 1);
    expect(await use()).toMatchObject({ error: "invalid_grant", error_codes: [700084] });
  });
});

test.describe("Entra's other answers", () => {
  for (const [name, err, explained] of [
    ["consent required (AADSTS65001)", ENTRA_ERRORS.consentRequired, "Ask an administrator to grant consent"],
    ["declined permissions (access_denied, AADSTS65004)", ENTRA_ERRORS.accessDenied, "the permissions were declined"],
  ] as const) {
    test(`${name} at sign-in is explained, and sign-in can be tried again`, async ({ page, entra }) => {
      entra.failNext("authorize", err);
      await page.goto("/");
      const popupPromise = page.waitForEvent("popup");
      await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
      await (await popupPromise).waitForEvent("close");
      await expect(page.getByRole("alert")).toContainText(explained);
      await expect(page.getByRole("button", { name: "Sign in with Microsoft" })).toBeEnabled();
    });
  }

  test("MFA required on renewal (AADSTS50076, interaction_required) asks the user, never a popup by itself", async ({ page, entra }) => {
    await page.clock.install();
    await signIn(page);
    entra.failNext("token", ENTRA_ERRORS.mfaRequired, API_SCOPE); // not the avatar's Graph renewal, which may come first
    await page.clock.fastForward("01:01:00");
    const popups: string[] = [];
    page.on("popup", (p) => popups.push(p.url()));
    await page.getByRole("link", { name: "Go to dashboard" }).click();
    const notice = page.getByRole("alert").filter({ hasText: "Your sign-in has expired" });
    await expect(notice).toBeVisible();
    expect(popups).toEqual([]);
    expect(entra.refusals()).toContain("AADSTS50076");
  });
});
