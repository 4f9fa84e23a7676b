import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { loadConfig, type AppConfig, type ConfigResult } from "./config";
import { startAuth, type AuthProvider } from "./auth/start";
import { ServicesProvider } from "./services";
import { AccessProvider } from "./access";
import { App } from "./App";
import { SetupScreen } from "./components/SetupScreen";
import { Spinner } from "./components/Spinner";
import "./styles.css";

type Boot =
  | { phase: "loading" }
  | { phase: "setup"; result: Extract<ConfigResult, { ok: false }> }
  | { phase: "failed"; message: string }
  | { phase: "ready"; config: AppConfig; Auth: AuthProvider };

/** Fetches /config.json, then starts sign-in (MSAL, or the local development identity); renders a setup screen instead of a blank page. */
function Root() {
  const [boot, setBoot] = useState<Boot>({ phase: "loading" });
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const result = await loadConfig();
      if (!result.ok) return !cancelled && setBoot({ phase: "setup", result });
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
