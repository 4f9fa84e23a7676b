import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { test as base, expect, type Page } from "@playwright/test";
import { FakeEntra } from "./fake-entra/fakeEntra";
import { accessToken, makeUser, type FakeUser } from "./fake-entra/tokens";
import type { Task } from "../src/api/types";

export { expect };

const SHOTS = join(import.meta.dirname, "..", "test-results", "screenshots");

/** One Content-Security-Policy violation a page of the test's browser context reported. */
export interface CspViolation {
  page: string;
  /** The directive that refused it (from the securitypolicyviolation event), or "console" for Chromium's message. */
  directive: string;
  blocked: string;
}

/**
 * The CSP violations of every page, popup and frame of a test's browser context: each document's
 * `securitypolicyviolation` events, and Chromium's console messages naming the Content Security Policy (a refused
 * frame-ancestors is reported only there, in the framing page). The `csp` fixture fails the test on any of them.
 */
export class CspWatch {
  readonly violations: CspViolation[] = [];
  private readonly expected: RegExp[] = [];
  /**
   * For a test that causes violations on purpose: those whose blocked URL or message matches `blocked` no longer
   * fail the test, whenever they arrive (one violation comes as an event and as one or two console messages, in
   * no fixed order). Returns those seen so far.
   */
  allow(blocked: RegExp): CspViolation[] {
    if (!this.expected.some((re) => re.source === blocked.source && re.flags === blocked.flags)) this.expected.push(blocked);
    return this.violations.filter((v) => blocked.test(v.blocked));
  }
  /** The violations no test asked for. */
  unexpected(): CspViolation[] {
    return this.violations.filter((v) => !this.expected.some((re) => re.test(v.blocked)));
  }
}

interface Fixtures {
  user: FakeUser;
  entra: FakeEntra;
  csp: CspWatch;
}

export const test = base.extend<Fixtures>({
  // Every test signs in as a brand-new user (fresh oid = fresh partition), so tests never share tasks.
  user: async ({}, use) => use(makeUser("Alice Martin")),
  entra: [
    async ({ context, user }, use) => {
      const entra = new FakeEntra(user);
      await entra.install(context);
      await use(entra);
    },
    { auto: true },
  ],
  // Every page is served with the Content-Security-Policy of staticwebapp.config.json (e2e/stack.ts); a
  // violation anywhere fails the test, so a change that needs a source outside the policy shows up here.
  csp: [
    async ({ context }, use) => {
      const watch = new CspWatch();
      await context.exposeBinding("__reportCspViolation", ({ frame }, v: { directive: string; blocked: string }) => {
        watch.violations.push({ page: frame.url(), ...v });
      });
      await context.addInitScript(() => {
        document.addEventListener("securitypolicyviolation", (e) => {
          const report = (window as unknown as { __reportCspViolation?: (v: object) => void }).__reportCspViolation;
          report?.({ directive: e.effectiveDirective, blocked: e.blockedURI || e.sample });
        });
      });
      context.on("console", (msg) => {
        if (/Content Security Policy/i.test(msg.text())) watch.violations.push({ page: msg.page()?.url() ?? "", directive: "console", blocked: msg.text() });
      });
      await use(watch);
      expect(watch.unexpected(), "Content-Security-Policy violations: something outside the policy was loaded or run").toEqual([]);
    },
    { auto: true },
  ],
});

/** Signs in from the landing page with the popup, as a user would. */
export async function signIn(page: Page): Promise<void> {
  await page.goto("/");
  const popupPromise = page.waitForEvent("popup");
  await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
  await untilClosed(await popupPromise);
  await expect(page.getByRole("link", { name: "Go to dashboard" })).toBeVisible();
}

/**
 * Signs in, opens the dashboard, and lets an idle hour pass after which only the user can renew: the access token
 * is past its hour, Entra refuses the refresh token and has no session for a silent renewal. Installs the page's
 * clock.
 */
export async function signInThenExpire(page: Page, entra: FakeEntra): Promise<void> {
  await page.clock.install();
  await signIn(page);
  await openDashboard(page);
  entra.rejectRefresh = true;
  entra.session = false;
  await page.clock.fastForward("01:01:00");
}

/** The API's answer when it is down: 503, a problem body, and the CORS header the page needs to read it. */
export const SERVICE_UNAVAILABLE = {
  status: 503,
  contentType: "application/problem+json",
  headers: { "Access-Control-Allow-Origin": "*" },
  body: '{"title":"Service Unavailable","status":503}',
};

/** Every PATCH of a task from now on meets a 503 (a change the API could not save); other requests go through. */
export async function failPatches(page: Page): Promise<void> {
  await page.route(/\/api\/tasks\/[^/?]+$/, (route) => (route.request().method() === "PATCH" ? route.fulfill(SERVICE_UNAVAILABLE) : route.continue()));
}

export async function openDashboard(page: Page): Promise<void> {
  await page.getByRole("link", { name: "Go to dashboard" }).click();
  await expect(page.getByRole("heading", { name: "Tasks", exact: true })).toBeVisible();
  await expect(page.getByRole("status", { name: "Loading tasks" })).toHaveCount(0);
}

export function taskList(page: Page) {
  return page.getByRole("list", { name: "Tasks" });
}

export async function addTask(page: Page, title: string): Promise<void> {
  await page.getByLabel("New task").fill(title);
  await page.getByRole("button", { name: "Add task" }).click();
  const row = taskList(page).getByRole("listitem").filter({ hasText: title });
  await expect(row).toBeVisible();
  // Wait until the API has answered (the row is no longer pending).
  await expect(row).not.toHaveAttribute("aria-busy", "true");
}

/**
 * Waits until the server has answered every change the page made. The page shows changes
 * before the API confirms them; a reload before then cancels requests still in flight.
 * (`page.waitForLoadState("networkidle")` does not wait for them: it returns at once once the
 * page has been idle after its load, as a single-page app long has.)
 */
export async function allSaved(page: Page): Promise<void> {
  await expect(page.getByRole("status").filter({ hasText: "Saving…" })).toHaveCount(0);
}

export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: "disabled" });
  return path;
}

/** Calls the real API directly with a token minted for `user` (to arrange data or changes "elsewhere"). */
export async function api<T>(user: FakeUser, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const base = process.env.E2E_API_URL;
  if (!base) throw new Error("E2E_API_URL is not set (global setup did not run)");
  const res = await fetch(`${base}/api${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${await accessToken(user)}`,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export type { Task };

/** Creates `titles` for `user` through the API, one after another (so in this order), and returns them. */
export async function seedTasks(user: FakeUser, titles: string[]): Promise<Task[]> {
  const made: Task[] = [];
  for (const title of titles) {
    const r = await api<Task>(user, "POST", "/tasks", { title });
    expect(r.status, `seeding "${title}"`).toBe(201);
    made.push(r.body);
  }
  return made;
}

/**
 * Waits until `popup` has closed. A sign-in popup may close before the caller gets to wait for it, and
 * waitForEvent("close") on a page that already closed waits for an event that will not come (claims.spec.ts timed
 * out that way under load).
 */
export async function untilClosed(popup: Page): Promise<void> {
  if (!popup.isClosed()) await popup.waitForEvent("close");
}
