// Navigation to the first task: from the start of a navigation to /dashboard (a signed-in user,
// tokens in MSAL's cache, an empty HTTP cache as on a first visit of the day) until the first task
// row is in the DOM. Measured twice: on loopback, and throttled like Chrome DevTools' "Slow 4G"
// preset with 4x CPU slowdown. The medians are written to a section of bench/results.md.
//
// It is a measurement, not a test of a target: nothing here fails on a time (absolute numbers move
// with the machine's load; compare runs made one after another on the same machine).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CDPSession, Page } from "@playwright/test";
import { api, expect, signIn, test } from "../e2e/fixtures";

const RUNS = Number(process.env.FIRST_TASK_RUNS ?? 7);
const RESULTS = join(import.meta.dirname, "..", "..", "bench", "results.md");
const BEGIN = "<!-- first-task: written by make bench-frontend (frontend/perf/first-task.measure.ts) -->";
const END = "<!-- /first-task -->";

// Chrome DevTools' "Slow 4G" network preset (front_end/core/sdk/NetworkManager.ts in
// ChromeDevTools/devtools-frontend: 1.6 Mbit/s down, 750 kbit/s up, each x0.9, latency 150 ms x3.75),
// bytes per second for CDP's Network.emulateNetworkConditions.
const SLOW_4G = {
  offline: false,
  latency: 150 * 3.75,
  downloadThroughput: ((1.6 * 1000 * 1000) / 8) * 0.9,
  uploadThroughput: ((750 * 1000) / 8) * 0.9,
};

interface Profile {
  name: string;
  apply(cdp: CDPSession): Promise<void>;
}

const PROFILES: Profile[] = [
  { name: "loopback, no throttling", apply: async () => {} },
  {
    name: "Slow 4G (562.5 ms RTT, 1.44 Mbit/s down) + 4x CPU slowdown",
    apply: async (cdp) => {
      await cdp.send("Network.emulateNetworkConditions", SLOW_4G);
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    },
  },
];

/** Milliseconds from navigation start to the first task row, read in the page itself. */
async function firstTaskAfterNavigation(page: Page): Promise<number> {
  await page.goto("/dashboard", { waitUntil: "commit" });
  await expect(page.getByRole("list", { name: "Tasks" }).getByRole("listitem").first()).toBeVisible({ timeout: 120_000 });
  return page.evaluate(() => (window as unknown as { __firstTask?: number }).__firstTask ?? NaN);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

test("navigation to the first task", async ({ page, user }) => {
  for (const title of ["Book the team offsite", "Draft the release notes", "Call the plumber"]) {
    expect((await api(user, "POST", "/tasks", { title })).status).toBe(201);
  }
  // Records when the first task row appears, timed from the navigation's start (performance.now()).
  await page.addInitScript(() => {
    const w = window as unknown as { __firstTask?: number };
    const seen = () => document.querySelector('[aria-label="Tasks"] li') !== null;
    new MutationObserver((_, obs) => {
      if (w.__firstTask === undefined && seen()) {
        w.__firstTask = performance.now();
        obs.disconnect();
      }
    }).observe(document, { subtree: true, childList: true });
  });
  await signIn(page);
  await firstTaskAfterNavigation(page); // warm the stack once (the API's first list, the key set)

  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  const rows: string[] = [];
  for (const profile of PROFILES) {
    await profile.apply(cdp);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await firstTaskAfterNavigation(page));
    const line = `| ${profile.name} | ${median(times).toFixed(0)} ms | ${Math.min(...times).toFixed(0)} / ${Math.max(...times).toFixed(0)} ms | ${RUNS} |`;
    console.log(line);
    rows.push(line);
  }
  writeSection(rows);
});

function writeSection(rows: string[]) {
  const section = [
    BEGIN,
    "",
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC: the production bundle, the real API through the host stand-in, Azurite, a signed-in user with three tasks, HTTP cache disabled (a first visit; MSAL's token cache is warm, as for a returning user).`,
    "",
    "| network and CPU | navigation → first task row, median | min / max | runs |",
    "|---|---|---|---|",
    ...rows,
    "",
    END,
  ].join("\n");
  const text = readFileSync(RESULTS, "utf8");
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  const next =
    start >= 0 && end > start
      ? text.slice(0, start) + section + text.slice(end + END.length)
      : `${text.trimEnd()}\n\n## SPA: navigation to the first task (browser)\n\n${section}\n`;
  writeFileSync(RESULTS, next);
}
