import { createContext, useContext, useMemo, type ReactNode } from "react";
import { accessOf, type Access, type Permission } from "./api/roles";
import { useAuth } from "./auth/auth";
import { useMe, type MeState } from "./hooks/useMe";
import { useServices } from "./services";

export interface AccessValue {
  /** `GET /api/me` for the signed-in user: the profile card shows it. */
  me: MeState;
  /** Roles and permissions once /api/me has answered; null before, on error and when signed out. */
  access: Access | null;
  retry(): void;
}

const AccessContext = createContext<AccessValue | null>(null);

/**
 * Asks `GET /api/me` once per signed-in user and shares the answer: who the API sees (profile
 * card) and what they may do (which controls and links to show). Roles come from the API, never
 * from decoding a token in the browser.
 */
export function AccessProvider({ children }: { children: ReactNode }) {
  const { api } = useServices();
  const { account } = useAuth();
  const { state, retry } = useMe(api, account?.username ?? null);
  const value = useMemo<AccessValue>(
    () => ({ me: state, access: state.status === "ready" ? accessOf(state.me) : null, retry }),
    [state, retry],
  );
  return <AccessContext.Provider value={value}>{children}</AccessContext.Provider>;
}

export function useAccess(): AccessValue {
  const a = useContext(AccessContext);
  if (!a) throw new Error("useAccess outside AccessProvider");
  return a;
}

/** True or false once /api/me has answered; undefined while it is not known. */
export function useCan(permission: Permission): boolean | undefined {
  const { access } = useAccess();
  return access ? access.permissions.includes(permission) : undefined;
}
