// axe-core over every main view, at phone and desktop widths. Any violation in our own markup
// fails. On /docs, violations inside Swagger UI's own rendering are listed below with why they are
// left; one that is not listed fails too, so a Swagger UI upgrade that adds one is noticed.
import { test, expect, signIn, openDashboard, addTask, taskList, api, type Task } from "./fixtures";
import { axe, type AxeReport } from "./axe";
import type { Page } from "@playwright/test";

// Each test drives several views and runs axe on each (seconds apiece on a busy 2-core machine).
test.describe.configure({ timeout: 120_000 });

const KNOWN_SWAGGER_VIOLATIONS: Record<string, string> = {
  // Swagger UI renders its operations (and schemas) in <main> elements. In our page that would be a
  // second main landmark (axe landmark-no-duplicate-main, a real problem for screen-reader users), so
  // DocsPage re-roles them as named regions; axe's best-practice rule aria-allowed-role then notes
  // that <main> should keep its own role. We cannot change the element Swagger UI's React renders.
  "aria-allowed-role": "Swagger UI's <main id=operations> is re-roled as a region so our page has one main landmark",
};

const SIZES = [
  { name: "phone", width: 375, height: 812 },
  { name: "desktop", width: 1280, height: 800 },
] as const;

async function expectNoViolations(page: Page, view: string): Promise<AxeReport> {
  const report = await axe(page);
  console.log(`[axe] ${view}: ${report.ours.length} in our markup, ${report.swagger.length} in Swagger UI's ${JSON.stringify(report.swagger)}`);
  expect(report.ours, `axe violations in our markup on ${view}`).toEqual([]);
  const unknown = report.swagger.filter((v) => !(v.id in KNOWN_SWAGGER_VIOLATIONS));
  expect(unknown, `axe violations in Swagger UI's markup on ${view} not listed as known`).toEqual([]);
  return report;
}

for (const size of SIZES) {
  test.describe(`axe at ${size.width} px`, () => {
    test.use({ viewport: { width: size.width, height: size.height } });

    test(`landing, signed out and signed in, and a missing page (${size.name})`, async ({ page }) => {
      await page.goto("/");
      await expect(page.getByRole("button", { name: "Sign in with Microsoft" })).toBeVisible();
      await expectNoViolations(page, `landing signed out ${size.name}`);
      await signIn(page);
      await expectNoViolations(page, `landing signed in ${size.name}`);
      await page.goto("/no-such-page");
      await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
      await expectNoViolations(page, `not found ${size.name}`);
    });

    test(`signed in without a photo: the avatar's initials are in the account button's name (${size.name})`, async ({ page }) => {
      // Graph never answers the photo: the initials stay, as for a user without one (or a slow Graph). axe's
      // label-content-name-mismatch caught the button's name leaving them out, at random, before this test.
      await page.route(/graph\.microsoft\.com\/.*\/photo/, () => {});
      await page.goto("/");
      await signIn(page);
      await expect(page.getByTestId("avatar-initials")).toBeVisible();
      await expect(page.getByRole("button", { name: "Account menu for Alice Martin, initials AM" })).toBeVisible();
      await expectNoViolations(page, `landing signed in, initials ${size.name}`);
    });

    test(`dashboard: list, rename, a row error, the undo offer (${size.name})`, async ({ page, user }) => {
      for (const title of ["Review the pull request", "مراجعة التقرير [Azure] 2026", "x".repeat(200)]) {
        expect((await api<Task>(user, "POST", "/tasks", { title })).status).toBe(201);
      }
      await signIn(page);
      await openDashboard(page);
      await expect(page.getByRole("region", { name: "Your profile" }).getByText("access_as_user")).toBeVisible();
      await expectNoViolations(page, `dashboard ${size.name}`);

      const list = taskList(page);
      await list.getByRole("button", { name: "Rename “Review the pull request”" }).click();
      await expect(list.getByLabel("New title for “Review the pull request”")).toBeFocused();
      await expectNoViolations(page, `dashboard rename ${size.name}`);
      await page.keyboard.press("Escape");

      await page.route(/\/api\/tasks\/[^/?]+$/, (route) =>
        route.request().method() === "PATCH"
          ? route.fulfill({ status: 503, contentType: "application/problem+json", headers: { "Access-Control-Allow-Origin": "*" }, body: '{"title":"Service Unavailable","status":503}' })
          : route.continue(),
      );
      await list.getByRole("checkbox", { name: "Review the pull request" }).click();
      await expect(list.getByRole("alert")).toContainText("not saved");
      await expectNoViolations(page, `dashboard row error ${size.name}`);

      await list.getByRole("button", { name: "Delete “Review the pull request”" }).click();
      await expect(page.getByRole("button", { name: "Undo" })).toBeVisible();
      await expectNoViolations(page, `dashboard undo offer ${size.name}`);
    });

    test(`dashboard: empty, then one task added (${size.name})`, async ({ page }) => {
      await signIn(page);
      await openDashboard(page);
      await expect(page.getByText("No tasks yet")).toBeVisible();
      await expectNoViolations(page, `dashboard empty ${size.name}`);
      await addTask(page, "One");
      await expectNoViolations(page, `dashboard added ${size.name}`);
    });

    test(`dashboard: the 403 state (${size.name})`, async ({ page, entra }) => {
      entra.omitScope = true;
      await signIn(page);
      await openDashboard(page);
      await expect(page.getByRole("alert")).toContainText("Sign in again");
      await expectNoViolations(page, `dashboard 403 ${size.name}`);
    });

    test(`API docs (${size.name})`, async ({ page }) => {
      test.setTimeout(180_000);
      await signIn(page);
      await page.getByRole("link", { name: "API docs" }).click();
      await expect(page.getByRole("heading", { name: /Tasks API/ })).toBeVisible({ timeout: 120_000 });
      await expect(page.locator("#operations-tasks-listTasks")).toBeVisible();
      await expectNoViolations(page, `docs ${size.name}`);
    });
  });
}
