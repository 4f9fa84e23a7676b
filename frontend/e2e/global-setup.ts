import { startStack } from "./stack";
import { SPA_PORT } from "./ports";

export default async function globalSetup(): Promise<() => Promise<void>> {
  const started = Date.now();
  const stack = await startStack(SPA_PORT);
  // Workers are started after global setup and inherit these.
  process.env.E2E_API_URL = stack.apiUrl;
  process.env.E2E_API_MODE = stack.mode;
  console.log(
    `[e2e] SPA ${stack.spaUrl}, API ${stack.apiUrl} via ${
      stack.mode === "funchost" ? "the Functions host stand-in (tools/funchost)" : "the bare Go handler (same-origin /api proxy)"
    }; ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return () => stack.stop();
}
