// The fake Entra refuses what Entra refuses, so that a passing browser test means the SPA would work against
// the real thing. Each test names the rule; docs/frontend.md lists the rules with their sources.
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Server } from "node:http";
import type { Page } from "@playwright/test";
import { test, expect, signIn, shot, untilClosed } from "./fixtures";
import { ENTRA_ERRORS } from "./fake-entra/fakeEntra";
import { API_SCOPE, loginHintOf, makeUser, SPA_CLIENT_ID, TENANT_ID } from "./fake-entra/tokens";
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
      await untilClosed(await popupPromise);
      await expect(page.getByRole("alert")).toContainText(explained);
      await expect(page.getByRole("button", { name: "Sign in with Microsoft" })).toBeEnabled();
    });
  }

  test("MFA required on renewal (AADSTS50076: invalid_grant, basic_action, claims) asks the user for a stronger sign-in, never a popup by itself", async ({ page, entra }) => {
    await page.clock.install();
    await signIn(page);
    entra.failNext("token", ENTRA_ERRORS.mfaRequired, API_SCOPE); // not the avatar's Graph renewal, which may come first
    await page.clock.fastForward("01:01:00");
    const popups: string[] = [];
    page.on("popup", (p) => popups.push(p.url()));
    await page.getByRole("link", { name: "Go to dashboard" }).click();
    // Entra's answer carries a Conditional Access claims challenge, so the notice asks for a stronger sign-in.
    const notice = page.getByRole("alert").filter({ hasText: "This needs a stronger sign-in." });
    await expect(notice).toBeVisible();
    expect(popups).toEqual([]);
    expect(entra.refusals()).toContain("AADSTS50076");
    expect(entra.count("authorize", "none")).toBe(0); // interaction required: MSAL does not try the hidden iframe
  });
});

test.describe("sessions, prompts, consent and codes (reference-error-codes)", () => {
  const verifier = "fake-entra-test-verifier-".repeat(3);
  const challenge = createHash("sha256").update(verifier).digest("base64url");

  /** An authorization request from the page, answered on the site's own `/` (response_mode=query); the answer's params. */
  async function authorize(page: Page, baseURL: string, params: Record<string, string>): Promise<URLSearchParams> {
    const q = new URLSearchParams({
      client_id: SPA_CLIENT_ID,
      redirect_uri: `${baseURL}/`,
      response_type: "code",
      response_mode: "query",
      scope: `${API_SCOPE} openid profile offline_access`,
      state: `s${Math.random()}`,
      code_challenge: challenge,
      code_challenge_method: "S256",
      ...params,
    });
    await page.goto(`${ENTRA}/authorize?${q}`);
    await page.waitForURL((u) => u.searchParams.get("state") === q.get("state"));
    return new URL(page.url()).searchParams;
  }

  /** POSTs to the token endpoint from the page: status, Retry-After and the JSON body. */
  const token = (page: Page, form: Record<string, string>) =>
    page.evaluate(
      async ({ url, body }) => {
        const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body });
        return { status: res.status, retryAfter: res.headers.get("Retry-After"), body: (await res.json()) as Record<string, unknown> };
      },
      { url: `${ENTRA}/token`, body: new URLSearchParams(form).toString() },
    );

  const redeem = (page: Page, baseURL: string, code: string, clientId = SPA_CLIENT_ID) =>
    token(page, {
      client_id: clientId,
      grant_type: "authorization_code",
      code,
      code_verifier: verifier,
      redirect_uri: `${baseURL}/`,
      scope: `${API_SCOPE} openid profile offline_access`,
    });

  test("codes are single use (AADSTS54005) and expire after 10 minutes (AADSTS70008); /token checks client_id (AADSTS700016)", async ({ page, entra, baseURL }) => {
    const first = (await authorize(page, baseURL!, { prompt: "login" })).get("code")!;
    expect((await redeem(page, baseURL!, first)).body).toHaveProperty("access_token");
    expect((await redeem(page, baseURL!, first)).body).toMatchObject({ error: "invalid_grant", error_codes: [54005] });

    const late = (await authorize(page, baseURL!, {})).get("code")!;
    entra.advanceClock(601);
    expect((await redeem(page, baseURL!, late)).body).toMatchObject({ error: "invalid_grant", error_codes: [70008] });

    const other = (await authorize(page, baseURL!, {})).get("code")!;
    expect((await redeem(page, baseURL!, other, "00000000-0000-0000-0000-000000000000")).body).toMatchObject({ error: "unauthorized_client", error_codes: [700016] });
  });

  test("several sessions in one browser: login_hint chooses, prompt=none without one is AADSTS16000, an unknown prompt AADSTS90023", async ({ page, entra, user, baseURL }) => {
    await authorize(page, baseURL!, { prompt: "login" });
    const bob = makeUser("Bob Stone");
    entra.user = bob; // picked in the account picker
    await authorize(page, baseURL!, { prompt: "select_account" });
    expect(entra.signedIn().map((u) => u.name)).toEqual([user.name, bob.name]);

    expect((await authorize(page, baseURL!, { prompt: "none" })).get("error_description")).toMatch(/^AADSTS16000/);
    expect((await authorize(page, baseURL!, { prompt: "none", login_hint: loginHintOf(user) })).has("code")).toBe(true);
    expect(entra.calls.at(-1)!.user).toBe(user.email);
    // No prompt and a hint: that account's session, no picker, whoever `user` would pick.
    await authorize(page, baseURL!, { login_hint: loginHintOf(user) });
    expect(entra.calls.at(-1)!.user).toBe(user.email);
    // Someone at the keyboard can still choose another account than the hint.
    entra.picks(bob);
    await authorize(page, baseURL!, { login_hint: loginHintOf(user) });
    expect(entra.calls.at(-1)!.user).toBe(bob.email);
    expect((await authorize(page, baseURL!, { prompt: "sometimes" })).get("error_description")).toMatch(/^AADSTS90023/);
  });

  test("consent: an unconsented scope shows the consent screen, fails silently with consent_required (AADSTS65001), and declining is access_denied (AADSTS65004)", async ({ page, entra, baseURL }) => {
    await authorize(page, baseURL!, { prompt: "login" }); // consents to the API only
    expect(entra.calls.at(-1)!.consented).toBe(true);
    const graph = { scope: "User.Read openid profile offline_access" };
    expect((await authorize(page, baseURL!, { prompt: "none", ...graph })).get("error")).toBe("consent_required");
    expect(entra.refusals().at(-1)).toBe("AADSTS65001");
    entra.declineConsent = true;
    expect((await authorize(page, baseURL!, graph)).get("error")).toBe("access_denied");
    entra.declineConsent = false;
    expect((await authorize(page, baseURL!, graph)).has("code")).toBe(true);
    expect(entra.calls.at(-1)!.consented).toBe(true);
    // Consent is remembered: no screen the next time, and a silent request succeeds.
    expect((await authorize(page, baseURL!, { prompt: "none", ...graph })).has("code")).toBe(true);
    expect(entra.calls.at(-1)!.consented).toBeUndefined();
  });

  test("throttling (429, Retry-After, AADSTS50196) and temporarily_unavailable (AADSTS90024), switched on and off", async ({ page, entra }) => {
    await page.goto("/");
    const form = () => ({ client_id: SPA_CLIENT_ID, grant_type: "refresh_token", refresh_token: entra.mintRefreshToken(), scope: `${API_SCOPE} openid offline_access` });
    entra.throttled = { retryAfter: 30 };
    expect(await token(page, form())).toMatchObject({ status: 429, retryAfter: "30", body: { error_codes: [50196] } });
    entra.throttled = null;
    entra.unavailable = true;
    expect(await token(page, form())).toMatchObject({ status: 503, body: { error: "temporarily_unavailable", error_codes: [90024] } });
    entra.unavailable = false;
    expect((await token(page, form())).body).toHaveProperty("access_token");
  });

  test("MFA required at the token endpoint has Entra's shape: invalid_grant, suberror basic_action, a claims challenge", async ({ page, entra }) => {
    await page.goto("/");
    entra.failNext("token", ENTRA_ERRORS.mfaRequired);
    const r = await token(page, { client_id: SPA_CLIENT_ID, grant_type: "refresh_token", refresh_token: entra.mintRefreshToken(), scope: `${API_SCOPE} openid offline_access` });
    expect(r.body).toMatchObject({ error: "invalid_grant", suberror: "basic_action", error_codes: [50076] });
    expect(JSON.parse(String(r.body.claims))).toHaveProperty("access_token");
  });
});
