import {
  BrowserAuthError,
  BrowserCacheLocation,
  EventType,
  InteractionRequiredAuthError,
  PublicClientApplication,
  type AccountInfo,
  type AuthenticationResult,
  type Configuration,
  type EventMessage,
  type IPublicClientApplication,
  type PopupRequest,
  type RedirectRequest,
} from "@azure/msal-browser";
import type { TokenRequest } from "../api/client";
import type { EntraConfig } from "../config";
import type { Renewal } from "./renewal";
import { acquireTokenSilentWithClaims, CLIENT_CAPABILITIES } from "./stepUp"; // step-up hook

/** Microsoft Graph scope used only for the navbar photo. */
export const GRAPH_SCOPES = ["User.Read"];

/** The page MSAL v5 finishes every flow on (frontend/redirect.html); infra/app/spa-urls.json registers it. */
export const REDIRECT_PATH = "/redirect.html";

export function msalConfiguration(cfg: EntraConfig, origin = window.location.origin): Configuration {
  return {
    auth: {
      clientId: cfg.clientId,
      authority: `https://login.microsoftonline.com/${cfg.tenantId}`,
      // MSAL v5 sends every flow through this bridge page (see redirect.html / src/redirect.ts).
      redirectUri: `${origin}${REDIRECT_PATH}`,
      postLogoutRedirectUri: `${origin}/`,
      // Step-up hook (auth/stepUp.ts): this app handles claims challenges (CP1).
      clientCapabilities: CLIENT_CAPABILITIES,
    },
    // localStorage, not sessionStorage: a new tab is signed in, and a sign-out in one tab reaches the others.
    // MSAL subscribes to other tabs' sign-in and sign-out events only with this cache (msal-browser
    // src/controllers/StandardController.ts, subscribeCrossTab) and encrypts the entries with a key held in a
    // session cookie (src/cache/LocalStorage.ts), so they are unreadable once the browser is closed. Script
    // injected into the page (XSS) can read either storage and call MSAL itself, so sessionStorage would not
    // have protected the tokens from it; docs/frontend.md has the whole argument.
    cache: { cacheLocation: BrowserCacheLocation.LocalStorage },
  };
}

/** Where the opaque login_hint of the last account signed in is kept, for a silent sign-in after a restart. */
const HINT_KEY = "tasks.loginHint";

/** Creates and initialises MSAL, and keeps the active account right in this tab and the others. */
export async function createMsal(cfg: EntraConfig): Promise<PublicClientApplication> {
  const pca = new PublicClientApplication(msalConfiguration(cfg));
  await pca.initialize();
  const all = pca.getAllAccounts();
  if (!pca.getActiveAccount() && all.length === 1) pca.setActiveAccount(all[0]!);
  pca.addEventCallback((ev) => followAccount(pca, ev));
  return pca;
}

function followAccount(pca: IPublicClientApplication, ev: EventMessage): void {
  switch (ev.eventType) {
    case EventType.LOGIN_SUCCESS: {
      const account = (ev.payload as AuthenticationResult | null)?.account;
      if (account) pca.setActiveAccount(account);
      rememberHint(account ?? null); // also after a redirect sign-in, which ends in another page load
      break;
    }
    case EventType.ACQUIRE_TOKEN_SUCCESS: {
      const account = (ev.payload as AuthenticationResult | null)?.account;
      if (account && !pca.getActiveAccount()) pca.setActiveAccount(account);
      break;
    }
    case EventType.LOGOUT_SUCCESS:
      // Also raised here when another tab signs out (the cache is shared): drop an active account that is gone.
      if (!pca.getActiveAccount()) {
        const left = pca.getAllAccounts();
        pca.setActiveAccount(left.length === 1 ? left[0]! : null);
      }
      if (pca.getAllAccounts().length === 0) localStorage.removeItem(HINT_KEY);
      break;
  }
}

/** The ID token's login_hint claim (opaque, made for this), else the username. Not a secret and not a token. */
export function rememberHint(account: AccountInfo | null): void {
  if (!account) return;
  const hint = account.idTokenClaims?.login_hint ?? account.username;
  if (hint) localStorage.setItem(HINT_KEY, hint);
}

/**
 * A tab that finds no account in the cache (a new browser session: MSAL's cache key was a session cookie) signs
 * in silently when Entra still has a session for the last account (ssoSilent: a hidden iframe, prompt=none).
 * Only after a sign-in on this browser, so a first visit never loads Entra in an iframe.
 */
export async function trySilentSignIn(pca: IPublicClientApplication, cfg: EntraConfig): Promise<void> {
  const loginHint = localStorage.getItem(HINT_KEY);
  if (!loginHint || pca.getAllAccounts().length > 0) return;
  try {
    const result = await pca.ssoSilent({ scopes: [cfg.apiScope], loginHint });
    pca.setActiveAccount(result.account);
    rememberHint(result.account);
  } catch (err) {
    // No session (login_required), or the iframe could not see it (third-party cookies blocked): the user
    // signs in with the button as on a first visit. A hint Entra refused is not tried again.
    if (err instanceof InteractionRequiredAuthError) localStorage.removeItem(HINT_KEY);
  }
}

export function loginRequest(cfg: EntraConfig): PopupRequest & RedirectRequest {
  // Consent to the API and to Graph's User.Read (for the photo) in one prompt; the token returned by login is for
  // the API only (one resource per token: Entra answers AADSTS28000 to two).
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

/**
 * Popup sign-in, with a full-page redirect when popups are blocked. Call it straight from a click: MSAL opens
 * the popup window synchronously (msal-browser src/interaction_client/PopupClient.ts, navigatePopups), which
 * a browser allows only inside the user's gesture.
 */
export async function signIn(pca: IPublicClientApplication, cfg: EntraConfig, request = loginRequest(cfg)): Promise<void> {
  try {
    const result = await pca.loginPopup(request);
    pca.setActiveAccount(result.account);
    rememberHint(result.account);
  } catch (err) {
    if (!isPopupBlocked(err)) throw err;
    await pca.loginRedirect({ ...request, redirectStartPage: window.location.href });
  }
}

/** Sign in as someone else: Entra's account picker, the chosen account becomes the active one. */
export function switchAccount(pca: IPublicClientApplication, cfg: EntraConfig): Promise<void> {
  return signIn(pca, cfg, { ...loginRequest(cfg), prompt: "select_account" });
}

/**
 * Signs out of the app and of Entra: the active account through Entra's logout (logout_hint from its ID token),
 * any other account signed in here (after a switch) from this browser's cache only. Other tabs follow.
 */
export async function signOut(pca: IPublicClientApplication): Promise<void> {
  const account = pca.getActiveAccount();
  localStorage.removeItem(HINT_KEY);
  const others = pca.getAllAccounts().filter((a) => a.homeAccountId !== account?.homeAccountId);
  await Promise.all(others.map((a) => pca.clearCache({ account: a })));
  await pca.logoutRedirect({ account, postLogoutRedirectUri: `${window.location.origin}/` });
}

/** Resolves once MSAL has no interaction (login, redirect handling, popup) in progress. */
export interface IdleGate {
  whenIdle(): Promise<void>;
}

export class SignedOutError extends Error {
  constructor() {
    super("You are signed out. Sign in to continue.");
    this.name = "SignedOutError";
  }
}

/**
 * Builds the token getter the API client uses: silent only, for the active account, and only when no
 * interaction is in progress. When the user must act (interaction required, a claims challenge, an iframe that
 * could not see the Entra session) the caller waits in `renewal` until the user renews from the notice: a
 * popup opened here, long after the click, would be blocked.
 */
export function createTokenGetter(pca: IPublicClientApplication, scopes: string[], gate: IdleGate, renewal: Renewal) {
  return async ({ forceRefresh, claims }: TokenRequest): Promise<string> => {
    await gate.whenIdle();
    const account = pca.getActiveAccount();
    if (!account) throw new SignedOutError();
    if (renewal.pending) return renewal.wait(claims);
    try {
      // Step-up hook: remembered claims keep MSAL's cache (auth/stepUp.ts).
      const result = await acquireTokenSilentWithClaims(pca, { scopes, account, forceRefresh, ...(claims ? { claims } : {}) });
      return result.accessToken;
    } catch (err) {
      if (!needsInteraction(err)) throw err;
      const challenge = claims ?? (err instanceof InteractionRequiredAuthError && err.claims ? err.claims : undefined);
      return renewal.wait(challenge);
    }
  };
}

/**
 * The notice's button: renews in a popup (opened synchronously, inside the click) with the claims challenge if
 * there is one, and hands the token to every waiting API call. Blocked popup: the same request as a redirect.
 */
export function renewInteractively(pca: IPublicClientApplication, scopes: string[], renewal: Renewal, describe: (err: unknown) => string): Promise<void> {
  const account = pca.getActiveAccount() ?? undefined;
  const claims = renewal.current()?.claims;
  const request = { scopes, ...(account ? { account } : {}), ...(claims ? { claims } : {}) };
  renewal.started();
  return pca.acquireTokenPopup(request).then(
    (result) => {
      pca.setActiveAccount(result.account);
      renewal.complete(result.accessToken);
    },
    async (err: unknown) => {
      if (isPopupBlocked(err)) {
        await pca.acquireTokenRedirect({ ...request, redirectStartPage: window.location.href });
        return;
      }
      renewal.failed(describe(err));
    },
  );
}
