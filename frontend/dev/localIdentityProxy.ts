// Forwards the SPA's local sign-in (POST /local-identity/token) to tools/localidentity, which
// serves it on a free loopback port and writes that URL to a file while `make start` runs in
// local-identity mode. The page calls its own origin, so no CORS is needed; the proxy exists
// only in the dev server (and the browser tests' static server), never in a deployed site.
// With no URL file (a real tenant, or localidentity not running) the path is a plain 404.
import { existsSync, readFileSync } from "node:fs";
import { request, type IncomingMessage, type ServerResponse } from "node:http";

export const LOCAL_IDENTITY_PATH = "/local-identity/token";

type Next = () => void;

function refuse(res: ServerResponse, status: number, error: string): void {
  res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
  res.end(JSON.stringify({ error }));
}

/** A connect-style middleware; `urlFile` is where localidentity publishes its URL. */
export function localIdentityProxy(urlFile: string) {
  return (req: IncomingMessage, res: ServerResponse, next: Next): void => {
    if (new URL(req.url ?? "/", "http://localhost").pathname !== LOCAL_IDENTITY_PATH) return next();
    const published = existsSync(urlFile) ? readFileSync(urlFile, "utf8").trim() : "";
    let target: URL;
    try {
      target = new URL(LOCAL_IDENTITY_PATH, published);
    } catch {
      return refuse(res, 404, "local identity is not running (no tenant-less `make start`)");
    }
    if (target.protocol !== "http:" || target.hostname !== "127.0.0.1") {
      return refuse(res, 404, "local identity is only ever reached on 127.0.0.1");
    }
    const headers = { ...req.headers };
    delete headers.host; // localidentity checks that the Host it is asked for is loopback
    const upstream = request(target, { method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => refuse(res, 502, "local identity did not answer"));
    req.pipe(upstream);
  };
}
