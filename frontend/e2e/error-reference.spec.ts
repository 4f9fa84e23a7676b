import { test, expect, signIn, seedTasks, taskList, shot } from "./fixtures";

// Issue 28: an error the API answers carries its trace id (`traceId` in the problem body, the W3C trace id that is
// Application Insights' operation_Id); the SPA shows it as "Reference: …" with a Copy button, so a user can quote it.
// The API's answers here are intercepted, as in errors.spec.ts: what is under test is the page, on a 375 px phone.

const LOAD_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SAVE_TRACE = "0af7651916cd43dd8448eb211c80319c";

function problem(status: number, title: string, traceId: string) {
  return {
    status,
    contentType: "application/problem+json",
    headers: { "Access-Control-Allow-Origin": "*" },
    body: JSON.stringify({ type: "about:blank", title, status, traceId }),
  };
}

test.use({ viewport: { width: 375, height: 812 } });

test("an API error shows its reference, and Copy puts exactly that id on the clipboard", async ({ page, context, user }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signIn(page);
  await page.route(/\/api\/tasks(\?.*)?$/, (route) => route.fulfill(problem(503, "Service Unavailable", LOAD_TRACE)));
  await page.getByRole("link", { name: "Go to dashboard" }).click();

  const error = page.getByRole("alert").filter({ hasText: "Your tasks could not be loaded" });
  await expect(error).toContainText(`Reference: ${LOAD_TRACE}`);
  await error.getByRole("button", { name: "Copy reference" }).click();
  await expect(error.getByRole("status")).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(LOAD_TRACE);
  // Readable on a phone: the reference and its button stay inside the window, nothing scrolls sideways.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await shot(page, "28-error-reference-load-375");

  // A change the API refuses: the reference of that call is on the task's own row.
  await page.unroute(/\/api\/tasks(\?.*)?$/);
  await seedTasks(user, ["Renew the passport"]);
  await error.getByRole("button", { name: "Try again" }).click();
  await page.route(/\/api\/tasks\/[^/?]+$/, (route) =>
    route.request().method() === "PATCH" ? route.fulfill(problem(500, "Internal Server Error", SAVE_TRACE)) : route.continue(),
  );
  const row = taskList(page).getByRole("listitem").filter({ hasText: "Renew the passport" });
  await row.getByRole("checkbox").click();
  const rowError = row.getByRole("alert");
  await expect(rowError).toContainText("Your change was not saved.");
  await expect(rowError).toContainText(`Reference: ${SAVE_TRACE}`);
  await rowError.getByRole("button", { name: "Copy reference" }).click();
  await expect(rowError.getByRole("status")).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(SAVE_TRACE);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await shot(page, "28-error-reference-row-375");
});
