import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { accessOf, type Access, type Permission } from "./api/roles";
import { useAuth } from "./auth/auth";
import { useMe, type MeState } from "./hooks/useMe";
import { usePathname } from "./router";
import { useServices } from "./services";

/** The pages that need to know who the user is before they can show anything. */
export const ACCESS_PAGES: ReadonlySet<string> = new Set(["/dashboard", "/admin"]);

export interface AccessValue {
  /** `GET /api/me` for the signed-in user: the profile card shows it. */
  me: MeState;
  /** Roles and permissions once /api/me has answered; null before, on error, when not asked yet and when signed out. */
  access: Access | null;
  retry(): void;
}

const AccessContext = createContext<AccessValue | null>(null);

/**
 * Asks `GET /api/me` once per signed-in user and shares the answer: who the API sees (profile
 * card) and what they may do (which controls and links to show). Roles come from the API, never
 * from decoding a token in the browser.
 *
 * It first asks when the user opens a page that calls the API (ACCESS_PAGES), not at sign-in: the
 * landing and docs pages call no API of ours, and a token for the API is only acquired (and
 * renewed, perhaps interactively) where it is needed. Once asked, the answer stays for every page,
 * so the navbar's Admin link shows from then on.
 */
export function AccessProvider({ children }: { children: ReactNode }) {
  const { api } = useServices();
  const { account } = useAuth();
  const path = usePathname();
  const who = account?.username ?? null;
  const [askedFor, setAskedFor] = useState<string | null>(null);
  const wanted = who !== null && (ACCESS_PAGES.has(path) || askedFor === who);
  useEffect(() => {
    if (wanted) setAskedFor(who);
  }, [wanted, who]);
  const { state, retry } = useMe(api, wanted ? who : null);
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
