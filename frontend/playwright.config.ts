import { defineConfig } from "@playwright/test";
import { SPA_PORT } from "./e2e/ports";

// Debian's Chromium, never a downloaded browser: CHROMIUM_PATH or /usr/bin/chromium.
const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export default defineConfig({
  testDir: "e2e",
  testMatch: "*.spec.ts",
  globalSetup: "./e2e/global-setup.ts",
  outputDir: "test-results/e2e",
  timeout: 45_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"], ["json", { outputFile: "test-results/playwright.json" }]],
  use: {
    baseURL: `http://localhost:${SPA_PORT}`,
    browserName: "chromium",
    viewport: { width: 1280, height: 800 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    // --disable-features=LocalNetworkAccessChecks: the fake Entra answers on a public origin
    // (login.microsoftonline.com) while the SPA is on loopback; Chromium's Local Network Access
    // checks block the *hidden iframe* navigating from a public origin back to
    // http://localhost/redirect.html (chrome-error, MSAL "timed_out"). A deployed SPA is on a
    // public https origin, where this check does not apply.
    //
    // Popups are blocked as in a user's browser: Playwright's defaults turn Chromium's popup blocker off
    // (playwright-core lib/coreBundle.js, chromiumSwitches: --disable-popup-blocking), which would let the SPA
    // open a sign-in popup outside a click and pass here while every real browser blocks it.
    launchOptions: {
      ignoreDefaultArgs: ["--disable-popup-blocking"],
      executablePath,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--no-first-run", "--disable-features=LocalNetworkAccessChecks"],
    },
  },
});
