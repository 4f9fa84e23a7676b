// axe-core (pinned in package.json) run inside the page: the violations in our own markup, and,
// apart, those inside Swagger UI's rendering on /docs (see KNOWN_SWAGGER_VIOLATIONS in a11y.spec.ts).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "@playwright/test";

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
export const SWAGGER_ROOT = '[data-testid="swagger-ui"]';

export interface Violation {
  id: string;
  help: string;
  nodes: string[];
}

export interface AxeReport {
  ours: Violation[];
  swagger: Violation[];
}

export async function axe(page: Page): Promise<AxeReport> {
  // Evaluated, not added as a <script>: the page's Content-Security-Policy refuses inline scripts (and
  // e2e/fixtures.ts fails a test on any violation); what the test runner evaluates is not the page's script.
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (swaggerRoot) => {
    const w = window as unknown as {
      axe: {
        run(ctx: Document, opts: object): Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }>;
      };
    };
    const { violations } = await w.axe.run(document, { resultTypes: ["violations"] });
    const root = document.querySelector(swaggerRoot);
    const inSwagger = (selector: string) => {
      const el = document.querySelector(selector);
      return !!(root && el && root.contains(el));
    };
    const ours: { id: string; help: string; nodes: string[] }[] = [];
    const swagger: { id: string; help: string; nodes: string[] }[] = [];
    for (const v of violations) {
      const targets = v.nodes.map((n) => n.target.join(" "));
      const theirs = targets.filter(inSwagger);
      const mine = targets.filter((t) => !inSwagger(t));
      if (mine.length) ours.push({ id: v.id, help: v.help, nodes: mine });
      if (theirs.length) swagger.push({ id: v.id, help: v.help, nodes: theirs });
    }
    return { ours, swagger };
  }, SWAGGER_ROOT);
}
