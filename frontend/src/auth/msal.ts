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
  type SilentRequest,
} from "@azure/msal-browser";
import type { TokenRequest } from "./token";
import type { EntraConfig } from "../config";
import type { Renewal } from "./renewal";
import { acquireTokenSilentWithClaims, CLIENT_CAPABILITIES } from "./stepUp"; // step-up hook
import { activate, activeAccountId } from "./activeAccount";

/** Microsoft Graph scope used only for the navbar photo. */
export const GRAPH_SCOPES = ["User.Read"];

/** The page MSAL v5 finishes every flow on (frontend/redirect.html); infra/app/spa-urls.json registers it. */
export const REDIRECT_PATH = "/redirect.html";

/** Entra's public-cloud login host: the authority's host when config.json names none. */
export const DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com";

/**
 * The authority MSAL signs in with: config.json's own (the deployment's: the cloud's login host with the tenant, or
 * `organizations` in multi-tenant mode, where a user of any organization picks their account and the API then checks
 * the tenant; learn.microsoft.com/entra/identity-platform/msal-client-application-configuration, "Authority"), else
 * the tenant on the public cloud, as before multi-tenant mode existed.
 */
export function authorityOf(cfg: EntraConfig): string {
  return cfg.authority ?? `${DEFAULT_AUTHORITY_HOST}/${cfg.tenantId}`;
}

export function msalConfiguration(cfg: EntraConfig, origin = window.location.origin): Configuration {
  return {
    auth: {
      clientId: cfg.clientId,
      authority: authorityOf(cfg),
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

/**
 * Creates and initialises MSAL, keeps the active account right in this tab and the others, and finishes a redirect
 * sign-in before anything renders: the page then starts with the redirect's account (or its error, see
 * redirectError), and the silent sign-in on mount sees it instead of racing it.
 */
export async function createMsal(cfg: EntraConfig): Promise<PublicClientApplication> {
  const pca = new PublicClientApplication(msalConfiguration(cfg));
  await pca.initialize();
  const all = pca.getAllAccounts();
  if (!pca.getActiveAccount() && all.length === 1) activate(pca, all[0]!);
  pca.addEventCallback((ev) => followAccount(pca, ev));
  // A redirect sign-in's account becomes active as the redirect is handled. Only then: after start-up a
  // LOGIN_SUCCESS may be another tab's (MSAL broadcasts it), which this tab must not act on (activeAccount.ts);
  // this tab's own sign-ins make their account active themselves (signIn, trySilentSignIn).
  const redirectSignIn = pca.addEventCallback((ev) => {
    const account = ev.eventType === EventType.LOGIN_SUCCESS ? (ev.payload as AuthenticationResult | null)?.account : undefined;
    if (!account) return;
    activate(pca, account);
    rememberHint(account); // a redirect sign-in ends in another page load
  });
  // MSAL keeps this promise (msal-browser src/controllers/StandardController.ts handleRedirectPromise, "return the
  // promise from the first invocation"), so MsalStateProvider's own call and redirectError get the same outcome.
  await pca.handleRedirectPromise().catch(() => null);
  if (redirectSignIn) pca.removeEventCallback(redirectSignIn);
  return pca;
}

/**
 * The error a redirect sign-in or renewal came back with on this page load (popup blocked, then access_denied), or
 * null. MSAL also raises it as a LOGIN_FAILURE or ACQUIRE_TOKEN_FAILURE event, during createMsal, before the app
 * listens, and an awaiting provider would drop it.
 */
export function redirectError(pca: IPublicClientApplication): Promise<unknown> {
  return pca.handleRedirectPromise().then(
    () => null,
    (err: unknown) => err,
  );
}

function followAccount(pca: IPublicClientApplication, ev: EventMessage): void {
  // Only localStorage is read here, never MSAL's accounts: LOGOUT_SUCCESS also comes from other tabs, and reading
  // MSAL's accounts then can make it drop one another tab has just added (activeAccount.ts).
  switch (ev.eventType) {
    case EventType.ACQUIRE_TOKEN_SUCCESS: {
      // Raised in this tab only (MSAL does not broadcast it).
      const account = (ev.payload as AuthenticationResult | null)?.account;
      if (account && activeAccountId(pca) === null) activate(pca, account);
      break;
    }
    case EventType.LOGOUT_SUCCESS:
      // Also raised here when another tab signs out. No other account is made active here: sign-out ends every
      // account, and making one active again wrote it back into the shared cache, so the other tab stayed signed in.
      if (activeAccountId(pca) === null) localStorage.removeItem(HINT_KEY);
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
  // A redirect that came back (an account, or an error the user must see) is the user's own choice: never
  // override it with the last account's silent sign-in.
  if ((await pca.handleRedirectPromise().catch(() => "failed")) !== null) return;
  const loginHint = localStorage.getItem(HINT_KEY);
  if (!loginHint || pca.getAllAccounts().length > 0) return;
  try {
    const result = await pca.ssoSilent({ scopes: [cfg.apiScope], loginHint });
    // A sign-in the user made meanwhile (popup, here or in another tab) wins.
    if (activeAccountId(pca) !== null) return;
    activate(pca, result.account);
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
    activate(pca, result.account);
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

/** The active account changed (in another tab) after this page last showed who is signed in: nothing was sent. */
export class AccountChangedError extends Error {
  constructor() {
    super("The account changed in another tab. Nothing was sent; this page now loads as that account.");
    this.name = "AccountChangedError";
  }
}

/**
 * The one place the SPA asks MSAL for a token silently (the API's token getter). Kept apart so a request option
 * (claims, capabilities) has one place to go.
 */
export function acquireSilently(pca: IPublicClientApplication, request: SilentRequest): Promise<AuthenticationResult> {
  return acquireTokenSilentWithClaims(pca, request); // step-up hook: remembered claims keep MSAL's cache (auth/stepUp.ts)
}

/** The renewal notice's message when the popup signed in someone else than the page's account. */
export function wrongAccountMessage(got: AccountInfo, expected: AccountInfo): string {
  const want = expected.name || expected.username;
  return `You signed in as ${got.name || got.username}, but this page belongs to ${want}. Sign in again as ${want} to continue (nothing was sent as ${got.name || got.username}), or sign out to use another account.`;
}

/**
 * Builds the token getter the API client uses: silent only, for the active account, and only when no
 * interaction is in progress. When the user must act (interaction required, a claims challenge, an iframe that
 * could not see the Entra session) the caller waits in `renewal` until the user renews from the notice: a
 * popup opened here, long after the click, would be blocked.
 */
export function createTokenGetter(
  pca: IPublicClientApplication,
  scopes: string[],
  gate: IdleGate,
  renewal: Renewal,
  onScreen: () => AccountInfo | null = () => pca.getActiveAccount(),
) {
  return async ({ forceRefresh, claims }: TokenRequest): Promise<string> => {
    await gate.whenIdle();
    // The token is for the account on screen, and only while it is still the active one: after a switch in
    // another tab the page must show the new account before it sends anything as it. The active account's id is
    // read from localStorage, not through MSAL (whose read can drop an account another tab just added, see
    // activeAccount.ts).
    const account = onScreen();
    const active = activeAccountId(pca);
    if (!account || !active) throw new SignedOutError();
    if (active !== account.homeAccountId) throw new AccountChangedError();
    if (renewal.pending) return renewal.wait(claims);
    try {
      const result = await acquireSilently(pca, { scopes, account, forceRefresh, ...(claims ? { claims } : {}) });
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
  // With the account, MSAL sends its login_hint: Entra offers that account, but the person can still pick another.
  const request = { scopes, ...(account ? { account } : {}), ...(claims ? { claims } : {}) };
  const cachedBefore = new Set(pca.getAllAccounts().map((a) => a.homeAccountId));
  renewal.started();
  return pca.acquireTokenPopup(request).then(
    async (result) => {
      if (account && result.account.homeAccountId !== account.homeAccountId) {
        // Someone else signed in: the parked calls were made for `account` and must not run as another person.
        // They stay parked; the account that was not asked for leaves this browser's cache unless it was there.
        if (!cachedBefore.has(result.account.homeAccountId)) await pca.clearCache({ account: result.account }).catch(() => undefined);
        if (pca.getActiveAccount()?.homeAccountId !== account.homeAccountId) activate(pca, account);
        renewal.failed(wrongAccountMessage(result.account, account));
        return;
      }
      activate(pca, result.account);
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
