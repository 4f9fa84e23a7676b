// The stack `make start` runs with the repository's example settings (local-identity mode), started
// on private ports so the browser tests can drive it and restart it:
//   - tools/start in local mode (-json, no dev server): Azurite with its data in a folder that outlives a
//     restart, like .azurite/, and tools/localidentity around tools/funchost around the real handler, with
//     local.settings.json.example (placeholder tenant) as the settings file, copied into the staged app;
//   - config.json written by the real frontend/scripts/write-config.mjs from those settings;
//   - the production bundle, with the dev server's local-identity proxy in front, served with the headers
//     frontend/scripts/swa-config.mjs writes for that config.json (as a deployment's).
// `tenant` swaps in real-looking tenant settings, to prove local sign-in is then refused.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localIdentityProxy } from "../dev/localIdentityProxy";
import { distSnapshot, FRONTEND, goBinaries, listen, REPO, resources, spaServer, startGoStack, writeSwaConfig } from "./stack";

export interface LocalStackOptions {
  spaPort: number;
  apiPort: number;
  /** Azurite's data folder: keep it to keep the tasks across a restart. */
  azuriteDir: string;
  /** Real tenant settings to put in local.settings.json instead of the example's placeholders. */
  tenant?: { AZURE_TENANT_ID: string; AZURE_API_CLIENT_ID: string; AZURE_SPA_CLIENT_ID?: string };
}

export interface LocalStack {
  spaUrl: string;
  apiUrl: string;
  /** The settings file, as the developer's local.settings.json: `localidentity token` reads it, the host a copy. */
  settingsPath: string;
  /** Where localidentity publishes its token endpoint's URL (absent when not serving). */
  urlFile: string;
  /** Prints a token the way `make token USER=<user>` does. */
  makeToken(user: string): string;
  /** Prints an app-only token the way `make token APP=<app> ROLES=<roles>` does. */
  makeAppToken(app: string, roles: string): string;
  stop(): Promise<void>;
}

/** The environment without any setting that would override local.settings.json. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ["AZURE_TENANT_ID", "AZURE_API_CLIENT_ID", "AZURE_SPA_CLIENT_ID", "API_SCOPE", "API_BASE_URL", "ENTRA_JWKS_URL", "TABLES_CONNECTION_STRING"]) {
    delete env[k];
  }
  return env;
}

/** A user's edited local.settings.json: the example with their tenant's values. */
function writeTenantSettings(path: string, tenant: NonNullable<LocalStackOptions["tenant"]>): void {
  const settings = JSON.parse(readFileSync(join(REPO, "local.settings.json.example"), "utf8")) as { Values: Record<string, string> };
  Object.assign(settings.Values, tenant);
  writeFileSync(path, JSON.stringify(settings, null, 2));
}

export async function startLocalStack(o: LocalStackOptions): Promise<LocalStack> {
  const work = mkdtempSync(join(tmpdir(), "tasks-e2e-local-"));
  const { servers, stacks, stop } = resources(work);
  try {
    const dist = distSnapshot(work);
    const app = join(work, "app");
    // The example is only read (never written): tools/start copies the settings file into the staged app.
    let settingsPath = join(REPO, "local.settings.json.example");
    if (o.tenant) writeTenantSettings((settingsPath = join(work, "local.settings.json")), o.tenant);
    // Every port and path given: local mode's defaults are `make start`'s (fixed ports, .cache/ in the repository).
    const api = await startGoStack(
      "stack-local",
      [
        "-mode", "local", "-json", "-web=false",
        "-settings", settingsPath,
        "-api-port", String(o.apiPort),
        "-azurite-port", "0", "-azurite-blob-port", "0", "-azurite-queue-port", "0",
        "-cors", `http://localhost:${o.spaPort}`,
        "-azurite-dir", o.azuriteDir,
        "-work", app,
        "-url-file", join(work, "localidentity.url"),
      ],
      cleanEnv(),
    );
    stacks.push(api);
    const { urlFile } = api.info;

    const configPath = join(work, "config.json");
    // As `make start` runs the dev server: API_BASE_URL names the API's port, which -api-port moved.
    const wc = spawnSync("node", ["scripts/write-config.mjs", "--force", "--settings", settingsPath, "--out", configPath], {
      cwd: FRONTEND,
      encoding: "utf8",
      env: { ...cleanEnv(), API_BASE_URL: api.info.apiUrl },
    });
    if (wc.status !== 0) throw new Error(`write-config.mjs failed:\n${wc.stderr}`);
    const config: object = JSON.parse(readFileSync(configPath, "utf8"));

    writeSwaConfig(dist, configPath);
    const spa = spaServer(dist, config, localIdentityProxy(urlFile));
    servers.push(spa);
    await listen(spa, o.spaPort, "127.0.0.1");

    const localidentity = join(goBinaries(), "localidentity");
    return {
      spaUrl: `http://localhost:${o.spaPort}`,
      apiUrl: api.info.apiUrl,
      settingsPath,
      urlFile,
      makeToken: (user) => localIdentityToken(localidentity, ["-settings", settingsPath, "-user", user]),
      makeAppToken: (app, roles) => localIdentityToken(localidentity, ["-settings", settingsPath, "-app", app, "-roles", roles]),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function localIdentityToken(localidentity: string, args: string[]): string {
  const r = spawnSync(localidentity, ["token", ...args], { encoding: "utf8", env: cleanEnv() });
  if (r.status !== 0) throw new Error(`localidentity token: ${r.stderr}`);
  return r.stdout.trim();
}
