import { createContext, useContext, useMemo, type ReactNode } from "react";
import { createApiClient, type ApiClient } from "./api/client";
import { useAuth } from "./auth/auth";
import type { AppConfig } from "./config";

interface Services {
  config: AppConfig;
  api: ApiClient;
}

const ServicesContext = createContext<Services | null>(null);

/** Wires the API client to the sign-in in use: one token per call, from useAuth().getToken. */
export function ServicesProvider({ config, children }: { config: AppConfig; children: ReactNode }) {
  const { getToken } = useAuth();
  const value = useMemo<Services>(
    () => ({ config, api: createApiClient({ baseUrl: config.apiBaseUrl, getToken }) }),
    [config, getToken],
  );
  return <ServicesContext.Provider value={value}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const s = useContext(ServicesContext);
  if (!s) throw new Error("useServices outside ServicesProvider");
  return s;
}
