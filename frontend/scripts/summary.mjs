#!/usr/bin/env node
// Prints one plain line for CI: "N passed, N failed" over the Vitest and Playwright JSON reports.
// A report that is missing (its runner crashed) counts as one failure, so a crash is never green.
import { existsSync, readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
const notes = [];

function read(path) {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
}

const vitest = read("test-results/vitest.json");
if (vitest) {
  passed += vitest.numPassedTests ?? 0;
  failed += (vitest.numFailedTests ?? 0) + (vitest.numRuntimeErrorTestSuites ?? 0) + (vitest.numFailedTestSuites && !vitest.numFailedTests ? vitest.numFailedTestSuites : 0);
  skipped += (vitest.numPendingTests ?? 0) + (vitest.numTodoTests ?? 0);
  notes.push(`unit ${vitest.numPassedTests ?? 0}/${vitest.numTotalTests ?? 0}`);
} else {
  failed += 1;
  notes.push("unit: no report");
}

const pw = read("test-results/playwright.json");
if (pw && pw.stats) {
  passed += pw.stats.expected ?? 0;
  failed += (pw.stats.unexpected ?? 0) + (pw.stats.flaky ?? 0) + (pw.errors?.length ?? 0);
  skipped += pw.stats.skipped ?? 0;
  notes.push(`browser ${pw.stats.expected ?? 0}/${(pw.stats.expected ?? 0) + (pw.stats.unexpected ?? 0) + (pw.stats.flaky ?? 0) + (pw.stats.skipped ?? 0)}`);
} else {
  failed += 1;
  notes.push("browser: no report");
}

console.log(`frontend tests (${notes.join(", ")})`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
