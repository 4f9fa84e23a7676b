import { createContext, useContext, useEffect, useMemo, type ReactNode } from "react";
import { InteractionStatus } from "@azure/msal-browser";
import { useMsal } from "@azure/msal-react";
import { createApiClient, type ApiClient } from "./api/client";
import { createTokenGetter } from "./auth/msal";
import { InteractionGate } from "./auth/gate";
import type { AppConfig } from "./config";

interface Services {
  config: AppConfig;
  api: ApiClient;
}

const ServicesContext = createContext<Services | null>(null);

/** Wires the API client to MSAL: one silent token per call, only once MSAL is idle. */
export function ServicesProvider({ config, children }: { config: AppConfig; children: ReactNode }) {
  const { instance, inProgress } = useMsal();
  const gate = useMemo(() => new InteractionGate(), []);
  useEffect(() => gate.set(inProgress === InteractionStatus.None), [gate, inProgress]);
  const value = useMemo<Services>(
    () => ({
      config,
      api: createApiClient({
        baseUrl: config.apiBaseUrl,
        getToken: createTokenGetter(instance, [config.apiScope], gate),
      }),
    }),
    [config, instance, gate],
  );
  return <ServicesContext.Provider value={value}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const s = useContext(ServicesContext);
  if (!s) throw new Error("useServices outside ServicesProvider");
  return s;
}
