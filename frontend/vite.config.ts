/// <reference types="vitest/config" />
import { resolve } from "node:path";
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";
import { localIdentityProxy } from "./dev/localIdentityProxy";

// tools/localidentity writes its loopback URL here while `make start` runs with no tenant.
const LOCAL_IDENTITY_URL_FILE = resolve(import.meta.dirname, "../.cache/localidentity.url");

// Two HTML entries: the app, and MSAL's redirect bridge (redirect.html), which must stay outside
// MsalProvider and must not be served with Cross-Origin-Opener-Policy.
// The dev server's own route to the local sign-in (see dev/localIdentityProxy.ts).
const localIdentity: Plugin = {
  name: "local-identity",
  configureServer(server) {
    server.middlewares.use(localIdentityProxy(LOCAL_IDENTITY_URL_FILE));
  },
};

export default defineConfig({
  plugins: [react(), localIdentity],
  server: { port: 5173, strictPort: true, host: "localhost" },
  preview: { port: 4173, strictPort: true, host: "localhost" },
  build: {
    target: "es2022",
    sourcemap: true,
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, "index.html"),
        redirect: resolve(import.meta.dirname, "redirect.html"),
      },
    },
  },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
  },
});
