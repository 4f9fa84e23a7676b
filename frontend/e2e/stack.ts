// Starts everything the browser tests talk to, all on loopback:
//   - Azurite (Table service, in memory) from tools/azurite,
//   - a JWKS endpoint serving the public half of the TEST-ONLY key (fake-entra/),
//   - the real Go API: through the Functions host stand-in (tools/funchost) when it exists,
//     else the bare custom handler behind the SPA server's /api proxy,
//   - a static server for the production bundle (dist/) with its own /config.json.
// Entra itself is faked per browser context with route interception (fake-entra/fakeEntra.ts).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, createReadStream, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createConnection, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { API_CLIENT_ID, API_SCOPE, jwks, SPA_CLIENT_ID, TENANT_ID } from "./fake-entra/tokens";
import { spaRedirectUris } from "./fake-entra/registration";

export const FRONTEND = resolve(fileURLToPath(new URL("..", import.meta.url)));
export const REPO = resolve(FRONTEND, "..");
const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface Stack {
  spaUrl: string;
  /** Where the browser reaches the API ("" = same origin as the SPA). */
  apiBaseUrl: string;
  /** Where tests reach the API directly (for arranging data, e.g. a concurrent change). */
  apiUrl: string;
  mode: "funchost" | "handler";
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

export async function waitFor(what: string, check: () => Promise<boolean>, proc?: ChildProcess, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (proc && proc.exitCode !== null) throw new Error(`${what} exited with code ${proc.exitCode}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s`);
}

export const tcpOpen = (port: number) =>
  new Promise<boolean>((res) => {
    const c = createConnection({ host: "127.0.0.1", port }, () => {
      c.end();
      res(true);
    });
    c.on("error", () => res(false));
  });

const httpOk = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(1000) }).then(
    (r) => r.status < 500,
    () => false,
  );

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

/**
 * Serves dist/ like the static host: SPA fallback, config.json never cached, no COOP anywhere.
 * `before` sees each request first (the dev server's local-identity proxy, in local mode).
 */
export function spaServer(dist: string, config: object, apiProxyPort: number | null, before?: Middleware): Server {
  return createServer((req, res) => {
    if (before) before(req, res, () => serveSpa(dist, config, apiProxyPort, req, res));
    else serveSpa(dist, config, apiProxyPort, req, res);
  });
}

function serveSpa(dist: string, config: object, apiProxyPort: number | null, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (apiProxyPort !== null && url.pathname.startsWith("/api/")) {
    const upstream = httpRequest(
      { host: "127.0.0.1", port: apiProxyPort, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => {
      res.writeHead(502, { "Content-Type": "text/plain" });
      res.end("proxy error");
    });
    req.pipe(upstream);
    return;
  }
  if (url.pathname === "/config.json") {
    res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
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
  res.writeHead(200, {
    "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
    "Cache-Control": file.includes("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
  });
  createReadStream(file)
    .on("error", () => res.end())
    .pipe(res);
}

export function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; log: string }): ChildProcess {
  const fd = openSync(opts.log, "a");
  return spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ["ignore", fd, fd] });
}

/**
 * The signal that stops a process cleanly. azurite-table saves its data (LokiJS, autosaved every 5 s)
 * only on SIGINT: its table/main.js handles SIGINT and nothing else, so a SIGTERM kills it at once and
 * loses the last seconds of acknowledged writes.
 */
const stopSignals = new WeakMap<ChildProcess, NodeJS.Signals>();
export function stopWith(p: ChildProcess, signal: NodeJS.Signals): ChildProcess {
  stopSignals.set(p, signal);
  return p;
}

export function kill(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const t = setTimeout(() => {
      p.kill("SIGKILL");
      res();
    }, 5000);
    p.once("exit", () => {
      clearTimeout(t);
      res();
    });
    p.kill(stopSignals.get(p) ?? "SIGTERM");
  });
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

/**
 * The processes and servers a stack started: `stop` ends them one by one, newest first (the API before
 * Azurite, so that no open connection holds Azurite's shutdown past the kill timeout), and removes `work`.
 */
export function resources(work: string) {
  const procs: ChildProcess[] = [];
  const servers: Server[] = [];
  const stop = async () => {
    await Promise.all(servers.map(closeServer));
    for (const p of procs.reverse()) await kill(p);
    rmSync(work, { recursive: true, force: true });
  };
  return { procs, servers, stop };
}

/** The same staging as `make build` (host.json, one folder per function), in a private folder so a developer's build/ is untouched. */
export function stageFunctions(app: string): void {
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, "host.json"), readText(join(REPO, "host.json")));
  for (const fn of readdirSync(join(REPO, "functions"))) {
    const def = join(REPO, "functions", fn, "function.json");
    if (!existsSync(def)) continue;
    mkdirSync(join(app, fn), { recursive: true });
    writeFileSync(join(app, fn, "function.json"), readText(def));
  }
}

export function funchostAvailable(): boolean {
  return existsSync(join(REPO, "tools/funchost/main.go"));
}

export async function startStack(spaPort: number): Promise<Stack> {
  const built = join(FRONTEND, "dist");
  if (!existsSync(join(built, "index.html")) || !existsSync(join(built, "redirect.html"))) {
    throw new Error("frontend/dist is missing: run `npm run build` first (make test-frontend does).");
  }
  const logDir = join(FRONTEND, "test-results", "e2e-logs");
  mkdirSync(logDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), "tasks-e2e-"));
  // Serve a snapshot: a rebuild of dist/ during the run must not pull files from under the tests.
  const dist = join(work, "dist");
  cpSync(built, dist, { recursive: true });
  const { procs, servers, stop } = resources(work);

  try {
    // 1. JWKS for the test-only key.
    const jwksPort = await freePort();
    const keys = JSON.stringify(await jwks());
    const jwksServer = createServer((req, res) => {
      if (req.url === "/keys") {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(keys);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    servers.push(jwksServer);
    await listen(jwksServer, jwksPort, "127.0.0.1");

    // 2. Azurite.
    const azuriteBin = join(REPO, "tools/azurite/node_modules/.bin/azurite-table");
    if (!existsSync(azuriteBin)) throw new Error("Azurite is not installed: run `make deps` (or npm ci in tools/azurite).");
    const tablePort = await freePort();
    const azurite = run(
      azuriteBin,
      ["--tableHost", "127.0.0.1", "--tablePort", String(tablePort), "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck"],
      { cwd: work, log: join(logDir, "azurite.log") },
    );
    procs.push(stopWith(azurite, "SIGINT"));
    await waitFor("Azurite", () => tcpOpen(tablePort), azurite);

    const settings: Record<string, string> = {
      AZURE_TENANT_ID: TENANT_ID,
      AZURE_API_CLIENT_ID: API_CLIENT_ID,
      API_REQUIRED_SCOPE: "access_as_user",
      ENTRA_JWKS_URL: `http://127.0.0.1:${jwksPort}/keys`,
      TABLES_CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};TableEndpoint=http://127.0.0.1:${tablePort}/devstoreaccount1;`,
      TASKS_TABLE: "tasks",
    };
    const spaOrigin = `http://localhost:${spaPort}`;
    let mode: Stack["mode"];
    let apiPort: number;
    const build = spawnSync("go", ["build", "-o", join(work, "app", "handler"), "./handler"], {
      cwd: REPO,
      encoding: "utf8",
      env: { ...process.env, CGO_ENABLED: "0" },
    });
    if (build.status !== 0) throw new Error(`go build ./handler failed:\n${build.stderr}`);

    if (funchostAvailable()) {
      // 3a. The real request path: host stand-in (routes from function.json, CORS) -> handler.
      mode = "funchost";
      apiPort = await freePort();
      const app = join(work, "app");
      stageFunctions(app);
      writeFileSync(
        join(app, "local.settings.json"),
        JSON.stringify({
          IsEncrypted: false,
          Values: { FUNCTIONS_WORKER_RUNTIME: "custom", ...settings },
          Host: { LocalHttpPort: apiPort, CORS: spaOrigin, CORSCredentials: false },
        }),
      );
      const hostBin = join(work, "funchost");
      const hb = spawnSync("go", ["build", "-o", hostBin, "./tools/funchost"], { cwd: REPO, encoding: "utf8" });
      if (hb.status !== 0) throw new Error(`go build ./tools/funchost failed:\n${hb.stderr}`);
      const host = run(hostBin, ["-script-root", app, "-port", String(apiPort)], { cwd: app, log: join(logDir, "funchost.log") });
      procs.push(host);
      // Ready when a request goes through the host to the handler (401: no token).
      await waitFor("host stand-in", () => fetch(`http://127.0.0.1:${apiPort}/api/me`).then((r) => r.status === 401, () => false), host);
    } else {
      // 3b. No stand-in yet: the bare handler, reached through the SPA server's same-origin /api proxy.
      mode = "handler";
      apiPort = await freePort();
      const handler = run(join(work, "app", "handler"), [], {
        cwd: join(work, "app"),
        env: { ...settings, FUNCTIONS_CUSTOMHANDLER_PORT: String(apiPort) },
        log: join(logDir, "handler.log"),
      });
      procs.push(handler);
      await waitFor("Go handler", () => httpOk(`http://127.0.0.1:${apiPort}/`), handler);
    }

    // 4. The production bundle with its runtime config.
    const apiBaseUrl = mode === "funchost" ? `http://127.0.0.1:${apiPort}` : "";
    // redirectUris: the fake Entra's registration (the SPA refuses to start sign-in from an address not in it).
    const config = { clientId: SPA_CLIENT_ID, tenantId: TENANT_ID, apiScope: API_SCOPE, apiBaseUrl, redirectUris: spaRedirectUris(spaOrigin) };
    const spa = spaServer(dist, config, mode === "handler" ? apiPort : null);
    servers.push(spa);
    await listen(spa, spaPort, "127.0.0.1").catch((err: Error) => {
      throw new Error(`Cannot serve the SPA on port ${spaPort} (${err.message}); set E2E_PORT to a free port.`);
    });

    return { spaUrl: spaOrigin, apiBaseUrl, apiUrl: `http://127.0.0.1:${apiPort}`, mode, logDir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

const readText = (path: string) => readFileSync(path, "utf8");
