import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { EventMessageUtils, InteractionStatus, type EventMessage, type IPublicClientApplication } from "@azure/msal-browser";

/**
 * The MSAL instance and whether an interaction (sign-in, redirect, popup) is in progress: what msal-react's
 * MsalProvider gave this app, without its account list.
 *
 * Why not msal-react: its MsalProvider re-reads every cached account on every MSAL event (src/MsalProvider.tsx,
 * the reducer calls `instance.getAllAccounts()`), the events other tabs broadcast included. When another tab has
 * just signed in or switched to an account, its entry is in localStorage but not yet decrypted into this tab's
 * memory (msal-browser src/cache/LocalStorage.ts updateCache runs after the "msal.broadcast.cache" message, and
 * asynchronously), and reading it then makes MSAL drop it from the shared account list
 * (src/cache/BrowserCacheManager.ts getAccount -> removeAccountKeyFromMap): both tabs ended on the old account.
 * Here nothing reads MSAL's accounts on another tab's event (see activeAccount.ts).
 */
export interface MsalState {
  instance: IPublicClientApplication;
  inProgress: InteractionStatus;
}

const MsalStateContext = createContext<MsalState | null>(null);

export function MsalStateProvider({ instance, children }: { instance: IPublicClientApplication; children: ReactNode }) {
  const [inProgress, setInProgress] = useState<InteractionStatus>(InteractionStatus.Startup);
  useEffect(() => {
    // The same rule as msal-react: the interaction status each event implies (msal-browser
    // src/utils/EventMessage.ts getInteractionStatusFromEvent).
    const id = instance.addEventCallback((message: EventMessage) =>
      setInProgress((current) => EventMessageUtils.getInteractionStatusFromEvent(message, current) ?? current),
    );
    // Start-up ends when the redirect response (if any) has been handled; MSAL keeps the promise of its first call
    // (StandardController.handleRedirectPromise), which start-up already made, so this is not a second handling.
    let live = true;
    void instance
      .handleRedirectPromise()
      .catch(() => null)
      .then(() => live && setInProgress((current) => (current === InteractionStatus.Startup ? InteractionStatus.None : current)));
    return () => {
      live = false;
      if (id) instance.removeEventCallback(id);
    };
  }, [instance]);
  const state = useMemo(() => ({ instance, inProgress }), [instance, inProgress]);
  return <MsalStateContext.Provider value={state}>{children}</MsalStateContext.Provider>;
}

/** The MSAL instance and interaction status; only under MsalStateProvider. */
export function useMsal(): MsalState {
  const state = useContext(MsalStateContext);
  if (!state) throw new Error("useMsal outside MsalStateProvider");
  return state;
}
