// Starts everything the browser tests talk to, all on loopback. The Go command tools/start starts the
// back end exactly as the Go tests and `make start` do (Azurite in memory, the real handler behind the
// Functions host stand-in tools/funchost, and a key server for the TEST-ONLY key in fake-entra/); this
// file keeps only what is Node's by nature: the static server for the production bundle (dist/) with
// its own /config.json. Entra itself is faked per browser context with route interception
// (fake-entra/fakeEntra.ts).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, createWriteStream } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { API_CLIENT_ID, API_SCOPE, jwks, SPA_CLIENT_ID, TENANT_ID } from "./fake-entra/tokens";
import { spaRedirectUris } from "./fake-entra/registration";

export const FRONTEND = resolve(fileURLToPath(new URL("..", import.meta.url)));
export const REPO = resolve(FRONTEND, "..");
const LOG_DIR = join(FRONTEND, "test-results", "e2e-logs");

export interface Stack {
  spaUrl: string;
  /** Where the browser and the tests reach the API (the host stand-in, on its own origin). */
  apiUrl: string;
  logDir: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createNetServer();
    s.unref();
    s.on("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => (typeof addr === "object" && addr ? res(addr.port) : rej(new Error("no port"))));
    });
  });
}

export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((res, rej) => {
    server.once("error", rej);
    server.listen(port, host, () => res());
  });
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".map": "application/json",
  ".png": "image/png",
};

type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** What the static server reads from staticwebapp.config.json (Azure Static Web Apps' own file). */
export interface SwaConfig {
  routes?: { route: string; headers?: Record<string, string> }[];
  globalHeaders?: Record<string, string>;
}

/**
 * The response headers Static Web Apps sends for `path`: globalHeaders, then the headers of the first route
 * that matches (rules are evaluated in order and evaluation stops at the first match; a route header replaces a
 * global one of the same name, and "" removes it: learn.microsoft.com/azure/static-web-apps/configuration,
 * "Routes" and "Global headers"). Routes are exact paths or end in one `*`; anything else is refused here rather
 * than matched differently from Azure.
 */
export function swaHeaders(swa: SwaConfig, path: string): Record<string, string> {
  const headers = new Map<string, [string, string]>();
  const put = (h: Record<string, string> | undefined) => {
    for (const [name, value] of Object.entries(h ?? {})) headers.set(name.toLowerCase(), [name, value]);
  };
  put(swa.globalHeaders);
  const route = (swa.routes ?? []).find((r) => routeMatches(r.route, path));
  put(route?.headers);
  return Object.fromEntries([...headers.values()].filter(([, v]) => v !== ""));
}

function routeMatches(pattern: string, path: string): boolean {
  const star = pattern.indexOf("*");
  if (star < 0) return pattern === path;
  if (star !== pattern.length - 1 || pattern.includes("{")) throw new Error(`staticwebapp.config.json route ${pattern}: this test server matches only exact routes and a trailing *`);
  return path.startsWith(pattern.slice(0, -1));
}

/**
 * Writes dist/staticwebapp.config.json for `configPath` with frontend/scripts/swa-config.mjs, exactly as azd's
 * predeploy hook does on a deployment's dist/ (scripts/spa-config.sh): the Content-Security-Policy then names
 * this stack's API origin.
 */
export function writeSwaConfig(dist: string, configPath: string): void {
  const r = spawnSync(
    "node",
    ["scripts/swa-config.mjs", "--config", configPath, "--index", join(dist, "index.html"), "--out", join(dist, "staticwebapp.config.json")],
    { cwd: FRONTEND, encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`scripts/swa-config.mjs failed:\n${r.stderr}`);
}

/**
 * Serves dist/ like the static host: SPA fallback, and every response with the headers dist/staticwebapp.config.json
 * gives its path (the Content-Security-Policy among them), as Static Web Apps applies them.
 * `before` sees each request first (the dev server's local-identity proxy, in local mode).
 */
export function spaServer(dist: string, config: object, before?: Middleware): Server {
  const swa = JSON.parse(readFileSync(join(dist, "staticwebapp.config.json"), "utf8")) as SwaConfig;
  return createServer((req, res) => {
    if (before) before(req, res, () => serveSpa(dist, swa, config, req, res));
    else serveSpa(dist, swa, config, req, res);
  });
}

function serveSpa(dist: string, swa: SwaConfig, config: object, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://localhost");
  const headers = { "Cache-Control": "no-cache", ...swaHeaders(swa, url.pathname) };
  if (url.pathname === "/config.json") {
    res.writeHead(200, { ...headers, "Content-Type": "application/json" });
    res.end(JSON.stringify(config));
    return;
  }
  let file = normalize(join(dist, decodeURIComponent(url.pathname)));
  if (!file.startsWith(dist)) {
    res.writeHead(400);
    res.end();
    return;
  }
  if (!existsSync(file) || statSync(file).isDirectory()) {
    if (extname(url.pathname) !== "") {
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("not found");
      return;
    }
    file = join(dist, "index.html");
  }
  res.writeHead(200, { ...headers, "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
  createReadStream(file)
    .on("error", () => res.end())
    .pipe(res);
}

/**
 * Stops a server now. close() alone waits for every open connection and closes only idle ones; a
 * socket the browser opened speculatively and never sent a request on is not idle to Node, so it
 * held a stack's stop until Node's 60 s headers timeout (seen as an afterEach timeout).
 */
export function closeServer(s: Server): Promise<void> {
  return new Promise((r) => {
    s.close(() => r());
    s.closeAllConnections();
  });
}

/** A snapshot of dist/ in `work`: a rebuild of dist/ during the run must not pull files from under the tests. */
export function distSnapshot(work: string): string {
  const built = join(FRONTEND, "dist");
  if (!existsSync(join(built, "index.html")) || !existsSync(join(built, "redirect.html"))) {
    throw new Error("frontend/dist is missing: run `npm run build` first (make test-frontend does).");
  }
  const dist = join(work, "dist");
  cpSync(built, dist, { recursive: true });
  return dist;
}

/**
 * The folder holding tools/start and tools/localidentity, built once per test run: the global set-up
 * builds them and publishes the folder in E2E_GO_BIN, which the workers inherit.
 */
export function goBinaries(): string {
  const published = process.env.E2E_GO_BIN;
  if (published && existsSync(join(published, "start"))) return published;
  const bin = mkdtempSync(join(tmpdir(), "tasks-e2e-bin-"));
  const r = spawnSync("go", ["build", "-o", bin + "/", "./tools/start", "./tools/localidentity"], { cwd: REPO, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`go build ./tools/start ./tools/localidentity failed:\n${r.stderr}`);
  process.env.E2E_GO_BIN = bin;
  return bin;
}

/** What tools/start prints, as one JSON line, once everything it started answers. */
export interface GoStackInfo {
  apiUrl: string;
  tablePort: number;
  settingsPath: string;
  urlFile: string;
  mode: "e2e" | "local";
  logDir: string;
}

export interface GoStack {
  info: GoStackInfo;
  stop(): Promise<void>;
}

/**
 * Runs tools/start with `args` until it prints its JSON line. Its stdin stays an open pipe: if this
 * process dies, the pipe closes and the stack stops everything it started. Its logs go to a new
 * `<name>-*` folder in LOG_DIR; its stderr (a start-up failure, one line) to stack.log there and into
 * the error thrown.
 */
export async function startGoStack(name: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<GoStack> {
  mkdirSync(LOG_DIR, { recursive: true });
  // A folder per run: tools/start writes azurite.log and api.log afresh, and local stacks run in parallel.
  const logDir = mkdtempSync(join(LOG_DIR, `${name}-`));
  const proc = spawn(join(goBinaries(), "start"), [...args, "-log-dir", logDir], { cwd: REPO, env, stdio: ["pipe", "pipe", "pipe"] });
  const log = createWriteStream(join(logDir, "stack.log"));
  let stderr = "";
  proc.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    log.write(chunk);
  });
  // "close", not "exit": stderr's last chunk may come after "exit", and the log must not be ended before it.
  const exited = new Promise<void>((res) => proc.once("close", () => res()));
  const stop = () => stopStack(proc, exited).finally(() => log.end());
  try {
    const info = await firstLine(proc, exited, () => stderr);
    return { info: JSON.parse(info) as GoStackInfo, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

const READY_TIMEOUT_MS = 180_000;

function firstLine(proc: ChildProcess, exited: Promise<void>, stderr: () => string): Promise<string> {
  const lines = createInterface({ input: proc.stdout! });
  return new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`tools/start was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${stderr()}`)), READY_TIMEOUT_MS);
    lines.once("line", (line) => {
      clearTimeout(timer);
      res(line);
    });
    void exited.then(() => {
      clearTimeout(timer);
      rej(new Error(`tools/start exited (code ${proc.exitCode}) before it was ready:\n${stderr()}`));
    });
  });
}

/** Closes the stack's stdin (it then stops all it started) and waits; SIGKILL after 30 s. */
async function stopStack(proc: ChildProcess, exited: Promise<void>): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.stdin!.end();
  const timer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(timer);
}

/**
 * What a stack started: `stop` closes the servers, then stops the Go stacks (which stop all they
 * started), then removes `work`.
 */
export function resources(work: string) {
  const servers: Server[] = [];
  const stacks: GoStack[] = [];
  const stop = async () => {
    await Promise.all(servers.map(closeServer));
    for (const s of stacks) await s.stop();
    rmSync(work, { recursive: true, force: true });
  };
  return { servers, stacks, stop };
}

/**
 * The browser tests' shared stack: tools/start in e2e mode and the production bundle beside it. `settings` are
 * handler settings for this stack only (tools/start -set NAME=VALUE), e.g. ADMIN_AUTH_CONTEXT for the step-up tests.
 */
export async function startStack(spaPort: number, settings: Record<string, string> = {}): Promise<Stack> {
  const work = mkdtempSync(join(tmpdir(), "tasks-e2e-"));
  const { servers, stacks, stop } = resources(work);
  try {
    const dist = distSnapshot(work);
    const keys = join(work, "jwks.json");
    writeFileSync(keys, JSON.stringify(await jwks()));
    const spaOrigin = `http://localhost:${spaPort}`;
    const api = await startGoStack("stack-e2e", [
      "-mode", "e2e",
      "-api-port", String(await freePort()),
      "-cors", spaOrigin,
      "-jwks", keys,
      "-tenant", TENANT_ID,
      "-client", API_CLIENT_ID,
      "-scope", "access_as_user",
      "-work", join(work, "app"),
      ...Object.entries(settings).flatMap(([name, value]) => ["-set", `${name}=${value}`]),
    ]);
    stacks.push(api);

    // redirectUris: the fake Entra's registration (the SPA refuses to start sign-in from an address not in it).
    const config = { clientId: SPA_CLIENT_ID, tenantId: TENANT_ID, apiScope: API_SCOPE, apiBaseUrl: api.info.apiUrl, redirectUris: spaRedirectUris(spaOrigin) };
    const configPath = join(work, "config.json");
    writeFileSync(configPath, JSON.stringify(config));
    writeSwaConfig(dist, configPath);
    const spa = spaServer(dist, config);
    servers.push(spa);
    await listen(spa, spaPort, "127.0.0.1").catch((err: Error) => {
      throw new Error(`Cannot serve the SPA on port ${spaPort} (${err.message}); set E2E_PORT to a free port.`);
    });
    return { spaUrl: spaOrigin, apiUrl: api.info.apiUrl, logDir: api.info.logDir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
