import type { ComponentType, ReactNode } from "react";
import type { AppConfig } from "../config";
import { EntraAuthProvider } from "./entra";
import { createMsal } from "./msal";

export type AuthProvider = ComponentType<{ children: ReactNode }>;

/**
 * The one place the sign-in implementation is chosen, once, from the validated config:
 * MSAL for a configured tenant, the development identity in local-identity mode (which
 * validateConfig only picks when no real tenant is configured and the page is on loopback).
 */
export async function startAuth(config: AppConfig): Promise<AuthProvider> {
  if (config.mode === "local") {
    // Loaded only in local-identity mode: the local sign-in (./local, ./localIdentity) stays out of the
    // initial bundle every deployed user downloads (e2e/js-budget.spec.ts reads the built assets).
    const { LocalAuthProvider } = await import("./local");
    return ({ children }) => <LocalAuthProvider config={config}>{children}</LocalAuthProvider>;
  }
  const pca = await createMsal(config);
  return ({ children }) => (
    <EntraAuthProvider config={config} pca={pca}>
      {children}
    </EntraAuthProvider>
  );
}
