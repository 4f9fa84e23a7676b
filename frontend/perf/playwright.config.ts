import { defineConfig } from "@playwright/test";
import base from "../playwright.config";

// The navigation-to-first-task measurement (make bench-frontend): the browser tests' stack and
// browser, one worker (so runs do not compete with each other), and nothing else. It measures; it
// never passes or fails on a time.
export default defineConfig({
  ...base,
  testDir: ".",
  testMatch: "*.measure.ts",
  globalSetup: "../e2e/global-setup.ts",
  outputDir: "../test-results/perf",
  reporter: [["list"]],
  workers: 1,
  fullyParallel: false,
  timeout: 600_000,
});
