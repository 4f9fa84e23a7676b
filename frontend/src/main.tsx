import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { loadConfig, unregisteredRedirectUri, type AppConfig, type ConfigResult } from "./config";
import { REDIRECT_PATH } from "./auth/msal";
import { startAuth, type AuthProvider } from "./auth/start";
import { ServicesProvider } from "./services";
import { AccessProvider } from "./access";
import { App } from "./App";
import { RedirectMismatch, SetupScreen } from "./components/SetupScreen";
import { Spinner } from "./components/Spinner";
import "./styles.css";

declare global {
  interface Window {
    /** The /config.json request index.html starts before this script has loaded. */
    __tasksConfig?: Promise<Response>;
  }
}

/** The early /config.json request, once: a second start (StrictMode, a remount) fetches again. */
function takeEarlyConfig(): Promise<Response> | undefined {
  const early = window.__tasksConfig;
  window.__tasksConfig = undefined;
  return early;
}

/** Opens the connection to the API's origin while sign-in starts, so the first call does not wait for it. */
function preconnect(apiBaseUrl: string) {
  if (!/^https?:\/\//.test(apiBaseUrl)) return; // same origin: already connected
  const link = document.createElement("link");
  link.rel = "preconnect";
  link.href = new URL(apiBaseUrl).origin;
  link.crossOrigin = "anonymous";
  document.head.appendChild(link);
}

type Boot =
  | { phase: "loading" }
  | { phase: "setup"; result: Extract<ConfigResult, { ok: false }> }
  | { phase: "failed"; message: string }
  | { phase: "unregistered"; redirectUri: string; registered: string[] }
  | { phase: "ready"; config: AppConfig; Auth: AuthProvider };

/** Fetches /config.json, then starts sign-in (MSAL, or the local development identity); renders a setup screen instead of a blank page. */
function Root() {
  const [boot, setBoot] = useState<Boot>({ phase: "loading" });
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const result = await loadConfig(fetch, takeEarlyConfig());
      if (!result.ok) return !cancelled && setBoot({ phase: "setup", result });
      const unregistered =
        result.config.mode === "entra" ? unregisteredRedirectUri(result.config, `${window.location.origin}${REDIRECT_PATH}`) : null;
      if (unregistered && result.config.mode === "entra") {
        return !cancelled && setBoot({ phase: "unregistered", redirectUri: unregistered, registered: result.config.redirectUris ?? [] });
      }
      preconnect(result.config.apiBaseUrl);
      try {
        const Auth = await startAuth(result.config);
        if (!cancelled) setBoot({ phase: "ready", config: result.config, Auth });
      } catch (err) {
        const code = typeof err === "object" && err && "errorCode" in err ? ` (${String(err.errorCode)})` : "";
        if (!cancelled) setBoot({ phase: "failed", message: `Sign-in could not start${code}.` });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, []);

  switch (boot.phase) {
    case "loading":
      return (
        <div className="boot">
          <Spinner label="Loading" />
        </div>
      );
    case "setup":
      return <SetupScreen problems={boot.result.problems} fields={boot.result.fields} reason={boot.result.reason} />;
    case "failed":
      return <SetupScreen problems={[boot.message]} fields={[]} reason="invalid" />;
    case "unregistered":
      return <RedirectMismatch redirectUri={boot.redirectUri} registered={boot.registered} />;
    case "ready":
      return (
        <boot.Auth>
          <ServicesProvider config={boot.config}>
            <AccessProvider>
              <App />
            </AccessProvider>
          </ServicesProvider>
        </boot.Auth>
      );
  }
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
