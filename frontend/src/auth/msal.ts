import {
  BrowserAuthError,
  BrowserCacheLocation,
  EventType,
  InteractionRequiredAuthError,
  PublicClientApplication,
  type AccountInfo,
  type Configuration,
  type IPublicClientApplication,
  type PopupRequest,
  type RedirectRequest,
} from "@azure/msal-browser";
import type { EntraConfig } from "../config";

/** Microsoft Graph scope used only for the navbar photo. */
export const GRAPH_SCOPES = ["User.Read"];

export function msalConfiguration(cfg: EntraConfig, origin = window.location.origin): Configuration {
  return {
    auth: {
      clientId: cfg.clientId,
      authority: `https://login.microsoftonline.com/${cfg.tenantId}`,
      // MSAL v5 sends every flow through this bridge page (see redirect.html / src/redirect.ts).
      redirectUri: `${origin}/redirect.html`,
      postLogoutRedirectUri: `${origin}/`,
    },
    cache: { cacheLocation: BrowserCacheLocation.SessionStorage },
  };
}

/** Creates and initialises MSAL, and keeps an active account set. */
export async function createMsal(cfg: EntraConfig): Promise<PublicClientApplication> {
  const pca = new PublicClientApplication(msalConfiguration(cfg));
  await pca.initialize();
  const first = pca.getAllAccounts()[0];
  if (!pca.getActiveAccount() && first) pca.setActiveAccount(first);
  pca.addEventCallback((ev) => {
    if (ev.eventType === EventType.LOGIN_SUCCESS && ev.payload) {
      pca.setActiveAccount(ev.payload as AccountInfo);
    } else if (ev.eventType === EventType.ACQUIRE_TOKEN_SUCCESS && ev.payload && "account" in ev.payload) {
      const acc = (ev.payload as { account: AccountInfo | null }).account;
      if (acc && !pca.getActiveAccount()) pca.setActiveAccount(acc);
    } else if (ev.eventType === EventType.LOGOUT_SUCCESS) {
      pca.setActiveAccount(null);
    }
  });
  return pca;
}

export function loginRequest(cfg: EntraConfig): PopupRequest & RedirectRequest {
  // Consent to the API and to Graph's User.Read (for the photo) in one prompt; the token
  // returned by login is for the API.
  return { scopes: [cfg.apiScope], extraScopesToConsent: GRAPH_SCOPES, prompt: "select_account" };
}

/** True when the browser refused to open the popup (blocker) so a redirect should be used. */
export function isPopupBlocked(err: unknown): boolean {
  return (
    err instanceof BrowserAuthError &&
    (err.errorCode === "popup_window_error" || err.errorCode === "empty_window_error")
  );
}

/**
 * Silent renewal failed in a way only the user can fix: Entra wants interaction, or the hidden
 * iframe never answered (third-party cookies or local-network rules blocked it).
 */
export function needsInteraction(err: unknown): boolean {
  return (
    err instanceof InteractionRequiredAuthError ||
    (err instanceof BrowserAuthError && (err.errorCode === "timed_out" || err.errorCode === "monitor_window_timeout"))
  );
}

/** Popup sign-in, with a full-page redirect when popups are blocked. */
export async function signIn(pca: IPublicClientApplication, cfg: EntraConfig): Promise<void> {
  const request = loginRequest(cfg);
  try {
    const result = await pca.loginPopup(request);
    pca.setActiveAccount(result.account);
  } catch (err) {
    if (!isPopupBlocked(err)) throw err;
    await pca.loginRedirect({ ...request, redirectStartPage: window.location.href });
  }
}

export async function signOut(pca: IPublicClientApplication): Promise<void> {
  const account = pca.getActiveAccount() ?? pca.getAllAccounts()[0] ?? null;
  await pca.logoutRedirect({ account, postLogoutRedirectUri: `${window.location.origin}/` });
}

/** Resolves once MSAL has no interaction (login, redirect handling, popup) in progress. */
export interface IdleGate {
  whenIdle(): Promise<void>;
}

/**
 * Builds the token getter the API client uses: silent first (only when no interaction is in
 * progress), interactive when MSAL says interaction is required. Concurrent callers share one
 * interactive attempt, so three failing calls open one popup, not three.
 */
export function createTokenGetter(pca: IPublicClientApplication, scopes: string[], gate: IdleGate) {
  let interactive: Promise<string> | null = null;

  async function interact(account: AccountInfo): Promise<string> {
    try {
      const result = await pca.acquireTokenPopup({ scopes, account });
      return result.accessToken;
    } catch (err) {
      if (!isPopupBlocked(err)) throw err;
      await pca.acquireTokenRedirect({ scopes, account, redirectStartPage: window.location.href });
      // The page navigates away; this promise never needs to settle.
      return new Promise<string>(() => {});
    }
  }

  return async ({ forceRefresh }: { forceRefresh: boolean }): Promise<string> => {
    await gate.whenIdle();
    if (interactive) return interactive;
    const account = pca.getActiveAccount() ?? pca.getAllAccounts()[0];
    if (!account) throw new Error("Not signed in.");
    try {
      const result = await pca.acquireTokenSilent({ scopes, account, forceRefresh });
      return result.accessToken;
    } catch (err) {
      if (!needsInteraction(err)) throw err;
      interactive ??= interact(account).finally(() => {
        interactive = null;
      });
      return interactive;
    }
  };
}
