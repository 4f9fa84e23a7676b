// The stack `make start` runs with the repository's example settings (local-identity mode),
// started the same way on private ports so the browser tests can drive it and restart it:
//   - Azurite (Table) with its data in a folder that outlives a restart, like .azurite/;
//   - tools/localidentity run -- tools/funchost -- the real handler, with
//     local.settings.json.example (placeholder tenant) as the settings;
//   - config.json written by the real frontend/scripts/write-config.mjs from those settings;
//   - the production bundle, with the dev server's local-identity proxy in front.
// `tenant` swaps in real-looking tenant settings, to prove local sign-in is then refused.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localIdentityProxy } from "../dev/localIdentityProxy";
import { freePort, FRONTEND, listen, REPO, resources, run, spaServer, stageFunctions, stopWith, tcpOpen, waitFor } from "./stack";

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
  /** The settings file the host and `localidentity token` read. */
  settingsPath: string;
  /** Where localidentity publishes its token endpoint's URL (absent when not serving). */
  urlFile: string;
  /** Prints a token the way `make token USER=<user>` does. */
  makeToken(user: string): string;
  stop(): Promise<void>;
}

/** Go binaries are built once per test process; a restart reuses them. */
let built: string | undefined;
function buildGo(): string {
  if (built) return built;
  const bin = mkdtempSync(join(tmpdir(), "tasks-e2e-bin-"));
  for (const [pkg, env] of [
    ["./handler", { CGO_ENABLED: "0" }],
    ["./tools/funchost", {}],
    ["./tools/localidentity", {}],
  ] as const) {
    const r = spawnSync("go", ["build", "-o", bin + "/", pkg], { cwd: REPO, encoding: "utf8", env: { ...process.env, ...env } });
    if (r.status !== 0) throw new Error(`go build ${pkg} failed:\n${r.stderr}`);
  }
  built = bin;
  return bin;
}

/** local.settings.json.example as `make start` copies it, pointed at this test's ports. */
function writeSettings(path: string, o: LocalStackOptions, tablePort: number): void {
  const settings = JSON.parse(readFileSync(join(REPO, "local.settings.json.example"), "utf8")) as {
    Values: Record<string, string>;
    Host: Record<string, unknown>;
  };
  settings.Values.TABLES_CONNECTION_STRING = settings.Values.TABLES_CONNECTION_STRING!.replace(":10002/", `:${tablePort}/`);
  Object.assign(settings.Values, o.tenant ?? {});
  settings.Host = { ...settings.Host, LocalHttpPort: o.apiPort, CORS: `http://localhost:${o.spaPort}` };
  writeFileSync(path, JSON.stringify(settings, null, 2));
}

/** The environment without any setting that would override local.settings.json. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ["AZURE_TENANT_ID", "AZURE_API_CLIENT_ID", "AZURE_SPA_CLIENT_ID", "API_SCOPE", "API_BASE_URL", "ENTRA_JWKS_URL", "TABLES_CONNECTION_STRING"]) {
    delete env[k];
  }
  return env;
}

export async function startLocalStack(o: LocalStackOptions): Promise<LocalStack> {
  const bin = buildGo();
  const work = mkdtempSync(join(tmpdir(), "tasks-e2e-local-"));
  const logDir = join(FRONTEND, "test-results", "e2e-logs");
  mkdirSync(logDir, { recursive: true });
  const { procs, servers, stop } = resources(work);
  try {
    const azuriteBin = join(REPO, "tools/azurite/node_modules/.bin/azurite-table");
    const tablePort = await freePort();
    const azurite = run(azuriteBin, ["--tableHost", "127.0.0.1", "--tablePort", String(tablePort), "--location", o.azuriteDir, "--disableTelemetry", "--skipApiVersionCheck"], {
      cwd: work,
      log: join(logDir, "local-azurite.log"),
    });
    procs.push(stopWith(azurite, "SIGINT"));
    await waitFor("Azurite", () => tcpOpen(tablePort), azurite);

    const app = join(work, "app");
    stageFunctions(app);
    cpSync(join(bin, "handler"), join(app, "handler"));
    const settingsPath = join(app, "local.settings.json");
    writeSettings(settingsPath, o, tablePort);
    const urlFile = join(work, "localidentity.url");
    const host = run(join(bin, "localidentity"), ["run", "-settings", settingsPath, "-url-file", urlFile, "--", join(bin, "funchost"), "-script-root", app], {
      cwd: app,
      env: cleanEnv(),
      log: join(logDir, "local-host.log"),
    });
    procs.push(host);
    await waitFor("localidentity + funchost", () => fetch(`http://127.0.0.1:${o.apiPort}/api/me`).then((r) => r.status === 401, () => false), host);

    const configPath = join(work, "config.json");
    const wc = spawnSync("node", ["scripts/write-config.mjs", "--force", "--settings", settingsPath, "--out", configPath], {
      cwd: FRONTEND,
      encoding: "utf8",
      env: cleanEnv(),
    });
    if (wc.status !== 0) throw new Error(`write-config.mjs failed:\n${wc.stderr}`);
    const config: object = JSON.parse(readFileSync(configPath, "utf8"));

    const dist = join(work, "dist");
    cpSync(join(FRONTEND, "dist"), dist, { recursive: true });
    const spa = spaServer(dist, config, null, localIdentityProxy(urlFile));
    servers.push(spa);
    await listen(spa, o.spaPort, "127.0.0.1");

    return {
      spaUrl: `http://localhost:${o.spaPort}`,
      apiUrl: `http://127.0.0.1:${o.apiPort}`,
      settingsPath,
      urlFile,
      makeToken: (user) => {
        const r = spawnSync(join(bin, "localidentity"), ["token", "-settings", settingsPath, "-user", user], { encoding: "utf8", env: cleanEnv() });
        if (r.status !== 0) throw new Error(`localidentity token: ${r.stderr}`);
        return r.stdout.trim();
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
