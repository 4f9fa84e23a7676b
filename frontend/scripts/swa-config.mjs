#!/usr/bin/env node
// Writes staticwebapp.config.json (Azure Static Web Apps: routes, fallback, response headers) for one
// deployment, with a Content-Security-Policy that names exactly that deployment's origins:
//   connect-src  'self', the Entra authority's origin, Microsoft Graph, and the API's origin (config.json's
//                apiBaseUrl);
//   frame-src    'self' and the Entra authority's origin: MSAL's hidden iframe (ssoSilent, silent renewal)
//                loads the authority, which redirects back to our redirect.html inside the frame (a CSP checks
//                every hop of a frame's redirects, so 'self' is needed too);
//   script-src   'self' and the SHA-256 of each inline <script> of index.html (its early /config.json request);
//                no 'unsafe-inline', no 'unsafe-eval';
//   frame-ancestors 'none' on every page but /redirect.html, which MSAL frames in its hidden iframe for silent
//                renewal and so must allow 'self' (MSAL.js issue #1985: a redirect page that refuses to be
//                framed makes every silent renewal time out).
//
// Who runs it (one generator, so the browser tests serve what a deployment serves):
//   - azd's predeploy hook of service `web` (scripts/spa-config.sh and .ps1), on frontend/dist after it wrote
//     dist/config.json: `--config dist/config.json --index dist/index.html --out dist/staticwebapp.config.json`;
//   - the browser tests' static server (e2e/stack.ts), the same way on its copy of dist/ with its config;
//   - `npm run swa-config`, which rewrites public/staticwebapp.config.json from config.example.json (the local
//     API on http://localhost:7071); e2e/csp.spec.ts fails when that file is not what this script writes.
//
// Route headers replace global headers of the same name and "" removes one
// (learn.microsoft.com/azure/static-web-apps/configuration, "Global headers" and route `headers`).
//
// Usage: node scripts/swa-config.mjs --config <config.json> --index <index.html> --out <staticwebapp.config.json>
import { createHash } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** src/auth/msal.ts: authority `https://login.microsoftonline.com/<tenant>` unless config.json names one. */
export const ENTRA_ORIGIN = "https://login.microsoftonline.com";
/** src/hooks/useGraphPhoto.ts: the photo from `https://graph.microsoft.com/v1.0/me/photo/$value`. */
export const GRAPH_ORIGIN = "https://graph.microsoft.com";

/** The API's origin from config.json's apiBaseUrl, or null when the API is on the page's own origin. */
export function apiOrigin(apiBaseUrl) {
  if (typeof apiBaseUrl !== "string" || !/^https?:\/\//i.test(apiBaseUrl)) return null;
  return new URL(apiBaseUrl).origin;
}

/** The origin of the authority the SPA signs in with: config.json's authority (src/auth/msal.ts authorityOf), else Entra's. */
export function entraOrigin(authority) {
  if (typeof authority !== "string" || !/^https:\/\//i.test(authority)) return ENTRA_ORIGIN;
  return new URL(authority).origin;
}

/** 'sha256-…' for each inline classic <script> of an HTML page (the bytes between the tags, as CSP hashes them). */
export function inlineScriptHashes(html) {
  const hashes = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (/\bsrc\s*=/i.test(m[1])) continue;
    hashes.push(`'sha256-${createHash("sha256").update(m[2], "utf8").digest("base64")}'`);
  }
  return hashes;
}

/** One page's Content-Security-Policy. */
export function contentSecurityPolicy({ api, scriptHashes = [], frameAncestors, entra = ENTRA_ORIGIN }) {
  const directives = [
    ["default-src", "'self'"],
    ["script-src", "'self'", ...scriptHashes],
    // Swagger UI on /docs and our own pages use style sheets from 'self'; React sets inline styles through
    // the CSSOM (element.style), which style-src does not govern.
    ["style-src", "'self'"],
    // data: for images in style sheets (Swagger UI's icons); blob: for the Graph photo (an object URL).
    ["img-src", "'self'", "data:", "blob:"],
    ["connect-src", "'self'", entra, GRAPH_ORIGIN, ...(api ? [api] : [])],
    ["frame-src", "'self'", entra],
    ["frame-ancestors", frameAncestors],
    ["object-src", "'none'"],
    ["base-uri", "'none'"],
    // MSAL can post its authorize request as a form in its popup (an about:blank page, which runs under this
    // policy): the authority only.
    ["form-action", "'self'", entra],
  ];
  return directives.map((d) => d.join(" ")).join("; ");
}

/** The whole staticwebapp.config.json for a config.json and the built (or source) index.html. */
export function swaConfig(config, indexHtml) {
  const api = apiOrigin(config.apiBaseUrl);
  const entra = entraOrigin(config.authority);
  return {
    navigationFallback: {
      rewrite: "/index.html",
      exclude: ["/assets/*", "/redirect.html", "/redirect.css", "/config.json", "/config.example.json", "/favicon.svg"],
    },
    routes: [
      { route: "/config.json", headers: { "Cache-Control": "no-store" } },
      {
        route: "/redirect.html",
        headers: {
          "Cache-Control": "no-store",
          // MSAL frames this page (hidden iframe), so it allows its own origin as an ancestor.
          "Content-Security-Policy": contentSecurityPolicy({ api, entra, frameAncestors: "'self'" }),
          "X-Frame-Options": "SAMEORIGIN",
          // The redirect bridge must not be served with Cross-Origin-Opener-Policy: it would put the popup in
          // another browsing context group and cut the bridge off from the app
          // (learn.microsoft.com/entra/msal/javascript/browser/redirect-bridge). "" removes the global header.
          "Cross-Origin-Opener-Policy": "",
        },
      },
      // Vite's file names carry a content hash.
      { route: "/assets/*", headers: { "Cache-Control": "public, max-age=31536000, immutable" } },
    ],
    globalHeaders: {
      "Content-Security-Policy": contentSecurityPolicy({ api, entra, scriptHashes: inlineScriptHashes(indexHtml), frameAncestors: "'none'" }),
      "X-Frame-Options": "DENY",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "strict-origin-when-cross-origin",
      "Permissions-Policy": "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()",
      "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
      // Keeps other sites' windows from scripting ours, while the sign-in popups this page opens keep their
      // opener (MSAL v5 hands their result back through redirect.html's BroadcastChannel either way).
      "Cross-Origin-Opener-Policy": "same-origin-allow-popups",
      "Cross-Origin-Resource-Policy": "same-origin",
    },
  };
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const here = dirname(fileURLToPath(import.meta.url));
  const args = process.argv.slice(2);
  const opt = (name, def) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] ? resolve(args[i + 1]) : def;
  };
  const configPath = opt("--config", resolve(here, "../public/config.example.json"));
  const indexPath = opt("--index", resolve(here, "../index.html"));
  const out = opt("--out", resolve(here, "../public/staticwebapp.config.json"));
  let config;
  try {
    config = JSON.parse(readFileSync(configPath, "utf8"));
  } catch (err) {
    console.error(`swa-config: cannot read ${configPath}: ${err.message}`);
    process.exit(1);
  }
  if (config.apiBaseUrl !== undefined && typeof config.apiBaseUrl !== "string") {
    console.error(`swa-config: ${configPath}: apiBaseUrl must be a string`);
    process.exit(1);
  }
  const text = `${JSON.stringify(swaConfig(config, readFileSync(indexPath, "utf8")), null, 2)}\n`;
  writeFileSync(`${out}.tmp`, text);
  renameSync(`${out}.tmp`, out);
  console.log(`wrote ${out} (API origin ${apiOrigin(config.apiBaseUrl) ?? "'self'"})`);
}
