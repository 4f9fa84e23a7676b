import { test, expect, signIn, openDashboard, shot } from "./fixtures";

test("missing config.json: a setup screen, not a blank page", async ({ page }) => {
  await page.route("**/config.json", (route) => route.fulfill({ status: 404, body: "Not found" }));
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "This app is not configured yet" })).toBeVisible();
  await expect(page.getByText("/config.json answered HTTP 404.")).toBeVisible();
  await expect(page.getByText("make start")).toBeVisible();
  await shot(page, "08-setup-missing-config");
});

test("placeholder config.json: the setup screen names each field to fix", async ({ page }) => {
  await page.route("**/config.json", (route) =>
    route.fulfill({
      contentType: "application/json",
      body: JSON.stringify({
        clientId: "<SPA app registration client id>",
        tenantId: "<directory (tenant) id>",
        apiScope: "api://<API app registration client id>/access_as_user",
        apiBaseUrl: "http://localhost:7071",
      }),
    }),
  );
  await page.goto("/dashboard");
  await expect(page.getByRole("heading", { name: "This app is not configured yet" })).toBeVisible();
  for (const field of ["clientId", "tenantId", "apiScope"]) {
    await expect(page.getByText(`${field} is missing or still a placeholder.`)).toBeVisible();
  }
});

test("API down (503): an error state with a retry that recovers", async ({ page }) => {
  await signIn(page);
  // Simulated outage of the task store: the API's 503 problem response with Retry-After.
  await page.route(/\/api\/tasks(\?.*)?$/, (route) =>
    route.fulfill({
      status: 503,
      headers: { "Retry-After": "5", "Access-Control-Allow-Origin": "*" },
      contentType: "application/problem+json",
      body: JSON.stringify({ type: "about:blank", title: "Service Unavailable", status: 503, detail: "storage unavailable" }),
    }),
  );
  await page.getByRole("link", { name: "Go to dashboard" }).click();
  const error = page.getByRole("alert").filter({ hasText: "Your tasks could not be loaded" });
  // Cross-origin, the SPA cannot read Retry-After (the Functions host exposes no custom headers),
  // so it gives a general hint; the unit tests cover the same-origin case with the header.
  await expect(error).toContainText("The task store is temporarily unavailable. Try again shortly.");
  await expect(page.getByLabel("New task")).toBeDisabled();
  await shot(page, "09-api-error");

  await page.unroute(/\/api\/tasks(\?.*)?$/);
  await error.getByRole("button", { name: "Try again" }).click();
  await expect(page.getByText("No tasks yet")).toBeVisible();
});

test("API unreachable: says so instead of spinning", async ({ page }) => {
  await signIn(page);
  await page.route(/\/api\//, (route) => route.abort("connectionrefused"));
  await page.getByRole("link", { name: "Go to dashboard" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Your tasks could not be loaded" })).toContainText(
    "Could not reach the API",
  );
  await expect(page.getByRole("region", { name: "Your profile" }).getByRole("alert")).toContainText("Could not reach the API");
});

test("a token without the API scope (403): one plain explanation, sign in again, and no retry that cannot work", async ({ page, entra }) => {
  entra.omitScope = true;
  await signIn(page);
  await openDashboard(page);
  const state = page.getByRole("alert");
  await expect(state).toHaveCount(1); // said once: the profile card does not repeat it
  await expect(state).toContainText("Your sign-in does not allow this app to use the Tasks API");
  await expect(state).toContainText("Sign in again and accept the permission request");
  await expect(state).not.toContainText("access_as_user");
  await expect(state.getByRole("button", { name: "Sign in" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Try again" })).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Your profile" })).toContainText("Not available until the Tasks API permission is granted.");
  await shot(page, "11-no-permission");
});
