import { rmSync } from "node:fs";
import { goBinaries, startStack } from "./stack";
import { SPA_PORT } from "./ports";

export default async function globalSetup(): Promise<() => Promise<void>> {
  const started = Date.now();
  // Built once here, from this tree; the workers, started after global set-up, inherit E2E_GO_BIN.
  delete process.env.E2E_GO_BIN;
  const bin = goBinaries();
  const stack = await startStack(SPA_PORT);
  process.env.E2E_API_URL = stack.apiUrl;
  console.log(
    `[e2e] SPA ${stack.spaUrl}, API ${stack.apiUrl} via tools/start (host stand-in, handler, Azurite); ready in ${((Date.now() - started) / 1000).toFixed(1)} s; logs in ${stack.logDir}`,
  );
  return async () => {
    await stack.stop();
    rmSync(bin, { recursive: true, force: true });
  };
}
