// Step-up end to end, with nothing stubbed: the real Go API (through the host stand-in, on Azurite) started with
// ADMIN_AUTH_CONTEXT=c1 answers an admin erase whose token lacks acrs c1 with Microsoft's claims challenge, which a
// cross-origin page can read only in the problem body (the host exposes no response header); the SPA (MSAL with
// clientCapabilities CP1) asks Entra for a token with those claims; the fake Entra issues acrs c1 only when the
// claims ask for it, and, since the tenant's policy on c1 wants MFA, only through an interactive sign-in.
// learn.microsoft.com/entra/identity-platform/claims-challenge, developer-guide-conditional-access-authentication-context.
import type { Page, Response } from "@playwright/test";
import { FakeEntra } from "./fake-entra/fakeEntra";
import { accessToken, makeUser, type FakeUser } from "./fake-entra/tokens";
import { test as base, expect, openDashboard, shot, signIn, untilClosed } from "./fixtures";
import { freePort, startStack, type Stack } from "./stack";

/** The shared fixtures, against a stack of this file's own whose API requires authentication context c1 for erases. */
const test = base.extend<object, { stepUpStack: Stack }>({
  stepUpStack: [
    async ({}, use) => {
      const stack = await startStack(await freePort(), { ADMIN_AUTH_CONTEXT: "c1" });
      await use(stack);
      await stack.stop();
    },
    { scope: "worker", timeout: 240_000 },
  ],
  baseURL: async ({ stepUpStack }, use) => use(stepUpStack.spaUrl),
  // Still automatic (the base fixture's option), now registering this stack's SPA origin.
  entra: async ({ context, user, stepUpStack }, use) => {
    const entra = new FakeEntra(user, stepUpStack.spaUrl);
    await entra.install(context);
    await use(entra);
  },
});

// Two interactive sign-ins on a loaded machine, and a stack of its own.
test.describe.configure({ timeout: 135_000 });
test.use({ user: async ({}, use) => use(makeUser("Ada Admin", ["Admin"])) });

/** Gives `owner` tasks through this stack's API, as an Editor. */
async function seed(stack: Stack, owner: FakeUser, titles: string[]): Promise<void> {
  const token = await accessToken({ ...owner, roles: ["Editor"] });
  for (const title of titles) {
    const res = await fetch(`${stack.apiUrl}/api/tasks`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ title }),
    });
    expect(res.status, `seeding "${title}"`).toBe(201);
  }
}

async function tasksLeft(stack: Stack, owner: FakeUser): Promise<number> {
  const res = await fetch(`${stack.apiUrl}/api/tasks`, { headers: { Authorization: `Bearer ${await accessToken(owner)}` } });
  return ((await res.json()) as { items: unknown[] }).items.length;
}

/** The statuses the API answered to the page's erases, in order. */
function eraseAnswers(page: Page): number[] {
  const statuses: number[] = [];
  page.on("response", (r: Response) => {
    if (r.request().method() === "DELETE" && /^\/api\/users\/[^/]+\/tasks$/.test(new URL(r.url()).pathname)) statuses.push(r.status());
  });
  return statuses;
}

async function erase(page: Page, name: string, count: number): Promise<void> {
  const row = page.getByRole("table", { name: "Users with tasks" }).getByRole("row").filter({ has: page.getByRole("rowheader", { name: new RegExp(name) }) });
  await row.getByRole("button", { name: `Erase tasks of ${name}` }).click();
  await page.getByRole("dialog", { name: `Erase the tasks of ${name}?` }).getByRole("button", { name: `Erase ${count} tasks` }).click();
}

test("an admin erase steps up once: the API's challenge, a sign-in with its claims, the retry; the next erase asks nothing", async ({ page, entra, stepUpStack }) => {
  // The tenant's Conditional Access policy on c1 wants multi-factor authentication, which the sign-in did not do.
  entra.authContexts.needInteraction.add("c1");
  const bob = makeUser("Bob Target");
  const carol = makeUser("Carol Later");
  await seed(stepUpStack, bob, ["Quarterly report", "Invoice Contoso", "Book travel"]);
  await seed(stepUpStack, carol, ["Renew the certificate", "Rotate the keys"]);
  const erases = eraseAnswers(page);
  await page.clock.install();

  await signIn(page);
  await openDashboard(page);
  await page.getByRole("link", { name: "Admin" }).click();
  await expect(page.getByRole("table", { name: "Users with tasks" })).toBeVisible();

  // The first erase: the API challenges; Entra wants the user for c1, so the SPA asks for a stronger sign-in.
  await erase(page, "Bob Target", 3);
  const notice = page.getByRole("alert").filter({ hasText: "This needs a stronger sign-in." });
  await expect(notice).toBeVisible();
  expect(erases).toEqual([401]);
  expect(await tasksLeft(stepUpStack, bob)).toBe(3);
  // The silent attempt already carried the API's claims (and MSAL's CP1 capability) to Entra.
  const silent = entra.calls.filter((c) => c.endpoint === "token" && c.detail === "refresh_token").at(-1);
  expect(JSON.parse(silent!.params.get("claims") ?? "{}")).toMatchObject({
    access_token: { acrs: { essential: true, value: "c1" }, xms_cc: { values: ["CP1"] } },
  });
  await shot(page, "admin-step-up-needed");

  // The notice is inside the confirmation dialog (the rest of the page is inert), with focus on its button: the
  // keyboard reaches the one thing left to do.
  const signInAgain = page.getByRole("dialog", { name: "Erase the tasks of Bob Target?" }).getByRole("button", { name: "Sign in again" });
  await expect(signInAgain).toBeFocused();
  const popupPromise = page.waitForEvent("popup");
  await page.keyboard.press("Enter");
  await untilClosed(await popupPromise);
  await expect(page.getByRole("status").filter({ hasText: "Erased 3 tasks of Bob Target." })).toBeVisible();
  await expect(notice).toHaveCount(0);
  expect(erases).toEqual([401, 200]);
  expect(await tasksLeft(stepUpStack, bob)).toBe(0);
  const interactive = entra.calls.filter((c) => c.endpoint === "authorize" && c.detail !== "none").at(-1);
  expect(JSON.parse(interactive!.params.get("claims") ?? "{}")).toMatchObject({ access_token: { acrs: { value: "c1" } } });

  // The panel reloads its users and its audit log after an erase. The hour below must not pass while they are on
  // their way: it would run out their 30 s time-out, and the users table would show an error instead of Carol.
  const users = page.getByRole("table", { name: "Users with tasks" });
  await expect(users.getByRole("rowheader", { name: /Carol Later/ })).toBeVisible();
  await expect(users.getByRole("rowheader", { name: /Bob Target/ })).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Audit log" }).getByText("Erased a user’s tasks")).toBeVisible();

  // An hour later MSAL's cached token for the API has expired: the SPA renews it with the satisfied challenge's
  // claims, so the second erase goes through with no challenge, no notice and no popup.
  await page.clock.fastForward("01:01:00");
  const popups: unknown[] = [];
  page.on("popup", (p) => popups.push(p));
  await erase(page, "Carol Later", 2);
  await expect(page.getByRole("status").filter({ hasText: "Erased 2 tasks of Carol Later." })).toBeVisible();
  expect(erases).toEqual([401, 200, 200]);
  expect(await tasksLeft(stepUpStack, carol)).toBe(0);
  expect(popups).toHaveLength(0);
  const renewed = entra.calls.filter((c) => c.endpoint === "token" && c.detail === "refresh_token").at(-1);
  expect(JSON.parse(renewed!.params.get("claims") ?? "{}")).toMatchObject({ access_token: { acrs: { value: "c1" } } });
  await expect(page.getByRole("alert").filter({ hasText: "stronger sign-in" })).toHaveCount(0);
});
