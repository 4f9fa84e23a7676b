#!/usr/bin/env node
// Writes frontend/public/config.json for the Vite dev server (`make start-web`) when it is
// missing, and fills in fields that are still <placeholders>; real values already in the file
// are kept. `azd provision` (scripts/postprovision.sh) writes the same file with real values;
// this is the fallback for a hand-made local.settings.json.
//
// Sources, first found wins (local.settings.json = the repository root's, the one settings file; make
// start passes it with --settings, and copies it into build/ itself):
//   clientId   env AZURE_SPA_CLIENT_ID, else local.settings.json Values.AZURE_SPA_CLIENT_ID
//   tenantId   env AZURE_TENANT_ID,     else Values.AZURE_TENANT_ID
//   apiScope   env API_SCOPE,           else api://<Values.AZURE_API_CLIENT_ID>/access_as_user
//   apiBaseUrl env API_BASE_URL,        else http://localhost:<Host.LocalHttpPort or 7071>
// Anything unknown is written as a <placeholder>, and the app then shows its setup screen
// naming the field, instead of failing somewhere inside sign-in.
//
// Local-identity mode: when AZURE_TENANT_ID (env, else local.settings.json) is still a
// <placeholder>, as tools/localidentity decides it, the file also gets
//   "localIdentity": { "tokenPath": "/local-identity/token" }
// and the SPA offers "Sign in for local development" instead of Microsoft sign-in. The dev
// server proxies that path to tools/localidentity on loopback (frontend/dev/localIdentityProxy.ts).
// With a real tenant the key is left out, and the SPA would ignore it anyway.
//
// Usage: node scripts/write-config.mjs [--force] [--settings <local.settings.json>] [--out public/config.json]
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? resolve(args[i + 1]) : def;
};
const out = opt("--out", resolve(here, "../public/config.json"));
// The one settings file, at the repository root (build/ holds only make start's copy of it).
const settingsPath = opt("--settings", resolve(here, "../../local.settings.json"));
const force = args.includes("--force");

let values = {};
let host = {};
if (existsSync(settingsPath)) {
  try {
    const s = JSON.parse(readFileSync(settingsPath, "utf8"));
    values = s.Values ?? {};
    host = s.Host ?? {};
  } catch (err) {
    console.error(`${settingsPath} is not valid JSON (${err.message}); using placeholders.`);
  }
} else {
  console.log(`${settingsPath} not found; using placeholders.`);
}

const env = process.env;
// The same rule as tools/localidentity's isLocal: a non-empty env value wins over the file, a
// missing settings file is the example's placeholder, and only a "<...>" tenant is local.
const tenantSetting = env.AZURE_TENANT_ID || (existsSync(settingsPath) ? (values.AZURE_TENANT_ID ?? "") : "<no settings yet>");
const settingsLocal = String(tenantSetting).startsWith("<");

const isPlaceholder = (v) => typeof v !== "string" || v.trim() === "" || /[<>]/.test(v);
let existing = {};
if (existsSync(out) && !force) {
  try {
    existing = JSON.parse(readFileSync(out, "utf8"));
  } catch {
    console.error(`${out} is not valid JSON; leaving it for you to fix (or rerun with --force).`);
    process.exit(0);
  }
  const fields = ["clientId", "tenantId", "apiScope", "apiBaseUrl"];
  if (fields.every((k) => k === "apiBaseUrl" ? typeof existing[k] === "string" : !isPlaceholder(existing[k]))) {
    console.log(`${out} is complete; leaving it as it is (--force to rewrite).`);
    if (settingsLocal) {
      console.error(
        `warning: ${out} names tenant ${existing.tenantId}, but ${settingsPath} has no tenant, so the API runs in ` +
          `local-identity mode and will refuse the SPA's Entra tokens. Put the tenant's values in ${settingsPath}, ` +
          `or delete ${out} to sign in as a local development user.`,
      );
    }
    process.exit(0);
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const guidOr = (v, placeholder) => (typeof v === "string" && GUID.test(v.trim()) ? v.trim() : placeholder);
const apiClientId = guidOr(env.AZURE_API_CLIENT_ID ?? values.AZURE_API_CLIENT_ID, null);
const fresh = {
  clientId: guidOr(env.AZURE_SPA_CLIENT_ID ?? values.AZURE_SPA_CLIENT_ID, "<SPA app registration client id>"),
  tenantId: guidOr(env.AZURE_TENANT_ID ?? values.AZURE_TENANT_ID, "<directory (tenant) id>"),
  apiScope: env.API_SCOPE || (apiClientId ? `api://${apiClientId}/access_as_user` : "api://<API app registration client id>/access_as_user"),
  apiBaseUrl: env.API_BASE_URL ?? `http://localhost:${Number(host.LocalHttpPort) || 7071}`,
};
// Keep what is already real in an existing file; fill only its gaps.
const config = Object.fromEntries(
  Object.entries(fresh).map(([k, v]) => [k, k in existing && (k === "apiBaseUrl" ? typeof existing[k] === "string" : !isPlaceholder(existing[k])) ? existing[k] : v]),
);
const local = settingsLocal && isPlaceholder(config.tenantId);
if (local) config.localIdentity = { tokenPath: "/local-identity/token" };

writeFileSync(`${out}.tmp`, `${JSON.stringify(config, null, 2)}\n`);
renameSync(`${out}.tmp`, out);
const missing = Object.entries(config).filter(([, v]) => typeof v === "string" && /[<>]/.test(v)).map(([k]) => k);
console.log(
  `wrote ${out}${
    local
      ? " (local-identity mode: no tenant configured, the SPA offers \"Sign in for local development\")"
      : missing.length
        ? ` (still placeholders: ${missing.join(", ")}; the app will show its setup screen)`
        : ""
  }`,
);
