import { execFileSync } from "node:child_process";

/**
 * The SPA's port in the browser tests (http://localhost is a secure context, which MSAL needs): E2E_PORT when
 * set, else a free port the system picks. Never a fixed port such as vite preview's 4173: a port another program
 * of the user holds must never fail `make test`, and "4173 if it is free" was a race (two runs at once both saw it
 * free; the second failed to listen). The fake Entra registers whatever origin the tests use, so any port signs in.
 *
 * Playwright evaluates this file in its main process and again in every worker. The first evaluation chooses,
 * and puts its choice in E2E_PORT, which the workers (started later) inherit, so all of them agree.
 */
export const SPA_PORT = choosePort();

function choosePort(): number {
  if (!process.env.E2E_PORT) {
    // A child process, because the choice must be made synchronously here, at import time.
    const probe = `
      const net = require("node:net");
      const tryListen = (port) => new Promise((ok) => {
        const s = net.createServer().once("error", () => ok(0)).listen(port, "127.0.0.1", () => {
          const got = s.address().port; s.close(() => ok(got));
        });
      });
      tryListen(0).then((p) => process.stdout.write(String(p)));`;
    process.env.E2E_PORT = execFileSync(process.execPath, ["-e", probe]).toString().trim();
  }
  return Number(process.env.E2E_PORT);
}
