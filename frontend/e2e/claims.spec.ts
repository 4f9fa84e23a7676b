// Claims challenges (Conditional Access step-up, continuous access evaluation): the challenge goes back into
// token acquisition once, through the user's click, then the SPA stops with a clear message instead of looping.
// learn.microsoft.com/entra/identity-platform/claims-challenge; MSAL: InteractionRequiredAuthError.claims
// (msal-common src/error/InteractionRequiredAuthError.ts), a silent request with claims skips the cache
// (src/client/SilentFlowClient.ts).
import type { BrowserContext, Route } from "@playwright/test";
import { test, expect, signIn, shot, untilClosed } from "./fixtures";

// Each test here runs two or three whole sign-ins (popups, the bridge page, the API): on a loaded machine
// one takes up to 15 s, so these get three times the default budget.
test.describe.configure({ timeout: 135_000 });

const STEP_UP = '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}';

/** Sends the API's 401 claims challenge for tokens without acrs c1 (or for all, `always`); others go to the real API. */
async function apiDemandsStepUp(context: BrowserContext, always = false): Promise<{ challenges: number; byPath: Map<string, number> }> {
  const seen = { challenges: 0, byPath: new Map<string, number>() };
  const api = process.env.E2E_API_URL!;
  await context.route(`${api}/api/**`, async (route: Route) => {
    const req = route.request();
    const origin = req.headers()["origin"] ?? "";
    if (req.method() === "OPTIONS") return route.fallback();
    const token = (req.headers()["authorization"] ?? "").replace(/^Bearer /, "");
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString() || "{}") as { acrs?: string[] };
    if (!always && claims.acrs?.includes("c1")) return route.fallback();
    seen.challenges++;
    const path = `${req.method()} ${new URL(req.url()).pathname}`;
    seen.byPath.set(path, (seen.byPath.get(path) ?? 0) + 1);
    return route.fulfill({
      status: 401,
      headers: {
        "WWW-Authenticate": `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="${Buffer.from(STEP_UP).toString("base64")}"`,
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": "WWW-Authenticate",
        "Content-Type": "application/problem+json",
      },
      body: JSON.stringify({ type: "about:blank", title: "Unauthorized", status: 401 }),
    });
  });
  return seen;
}

test("Entra's own challenge on renewal: the notice asks for a stronger sign-in and the popup carries the claims", async ({ page, entra }) => {
  await page.clock.install();
  await signIn(page);
  entra.stepUpClaims = STEP_UP; // Conditional Access now wants MFA for the API
  await page.clock.fastForward("01:01:00");
  await page.getByRole("link", { name: "Go to dashboard" }).click();
  const notice = page.getByRole("alert").filter({ hasText: "This needs a stronger sign-in." });
  await expect(notice).toBeVisible();
  await shot(page, "auth-step-up-needed");

  const popupPromise = page.waitForEvent("popup");
  await notice.getByRole("button", { name: "Sign in again" }).click();
  await untilClosed(await popupPromise);
  await expect(page.getByText("No tasks yet")).toBeVisible();
  const interactive = entra.calls.filter((c) => c.endpoint === "authorize" && c.detail !== "none");
  // MSAL merges the challenge into its own claims request (id_token claims it always asks for).
  expect(JSON.parse(interactive.at(-1)!.params.get("claims") ?? "{}")).toMatchObject(JSON.parse(STEP_UP));
});

test("the API's WWW-Authenticate challenge: claims go to MSAL, the user steps up once, the call succeeds", async ({ page, context, entra }) => {
  await signIn(page);
  entra.stepUpClaims = STEP_UP;
  const seen = await apiDemandsStepUp(context);
  await page.getByRole("link", { name: "Go to dashboard" }).click();
  // The silent attempt with the claims reaches Entra, which wants the user: the notice, then the popup.
  const notice = page.getByRole("alert").filter({ hasText: "This needs a stronger sign-in." });
  await expect(notice).toBeVisible();
  const refresh = entra.calls.filter((c) => c.endpoint === "token" && c.detail === "refresh_token").at(-1);
  expect(JSON.parse(refresh!.params.get("claims") ?? "{}")).toMatchObject(JSON.parse(STEP_UP));
  const popupPromise = page.getByRole("alert").getByRole("button", { name: "Sign in again" }).click().then(() => undefined);
  const popup = await page.waitForEvent("popup");
  await popupPromise;
  await untilClosed(popup);
  await expect(page.getByText("No tasks yet")).toBeVisible();
  await expect(page.getByRole("region", { name: "Your profile" }).getByText("access_as_user")).toBeVisible();
  expect(seen.challenges).toBeGreaterThanOrEqual(1);
});

test("a challenge that a new token does not satisfy stops with a message, not a loop", async ({ page, context, entra }) => {
  await signIn(page);
  const seen = await apiDemandsStepUp(context, true);
  await page.getByRole("link", { name: "Go to dashboard" }).click();
  await expect(page.getByText(/asks for a stronger sign-in/).first()).toBeVisible();
  await expect(page.getByRole("status", { name: "Loading tasks" })).toHaveCount(0);
  // Every API call was challenged exactly twice: the call, and its one retry with the claims. A loop would
  // have asked again and again.
  expect(seen.byPath.size).toBeGreaterThan(0);
  for (const [path, n] of seen.byPath) expect(n, path).toBe(2);
  expect(entra.count("authorize")).toBe(1); // the claims were satisfied silently here; no prompt
});
