// A fake Microsoft Entra ID (and the one Graph call the SPA makes), answered from Playwright's
// context.route so popups and MSAL's hidden iframes are covered too. TEST ONLY.
//
// It is strict where real sign-ins fail. Each rule names what it mirrors; docs/frontend.md lists them all.
// Sources: Microsoft identity platform docs (learn.microsoft.com/entra/identity-platform: reply-url,
// v2-oauth2-auth-code-flow, refresh-tokens, scopes-oidc, reference-error-codes, claims-challenge) and the
// installed MSAL (@azure/msal-browser 5.30.0, @azure/msal-common 16.17.0, see frontend/package-lock.json).
import { createHash, randomBytes } from "node:crypto";
import type { BrowserContext, Route } from "@playwright/test";
import { SPA_PORT } from "../ports";
import { spaRedirectUris, SPA_URLS } from "./registration";
import { AuthContexts, decideAcrs, withAcrs } from "./claims"; // step-up hook: authentication contexts (acrs)
import {
  accessToken,
  API_SCOPE,
  clientInfo,
  GRAPH_AUDIENCE,
  idToken,
  loginHintOf,
  SPA_CLIENT_ID,
  TENANT_ID,
  type FakeUser,
} from "./tokens";

/** Scopes that name no resource: OpenID Connect's, which MSAL adds to every request. */
const OIDC_SCOPES = new Set(["openid", "profile", "offline_access", "email"]);
const API_RESOURCE = API_SCOPE.slice(0, API_SCOPE.lastIndexOf("/"));
const GRAPH_RESOURCE = "https://graph.microsoft.com";
/** Graph's short scope names (User.Read) mean https://graph.microsoft.com/User.Read. */
const GRAPH_SCOPES = new Set(["User.Read"]);
/** Refresh tokens sent to a `spa` redirect URI live 24 hours and do not slide (learn.microsoft.com refresh-tokens). */
export const SPA_REFRESH_TOKEN_LIFETIME = 24 * 3600;
const SESSION_COOKIE = "fake-estsauth";

interface CodeGrant {
  user: FakeUser;
  clientId: string;
  /** Fake-clock second the code was issued: it is refused CODE_LIFETIME later (AADSTS70008). */
  issuedAt: number;
  nonce: string | undefined;
  challenge: string;
  redirectUri: string;
  scope: string;
  sid: string;
  /** The claims the user satisfied at this sign-in (a step-up), as a JSON request. */
  claims: string;
}

interface RefreshGrant {
  user: FakeUser;
  clientId: string;
  sid: string;
  /** Absolute expiry (fake clock, seconds): carried over to every refresh token redeemed from it. */
  expiresAt: number;
  /** The claims satisfied at the sign-in this grant comes from; asking for more needs the user. */
  satisfied: string;
}

/** An error the fake answers once, as Entra would (see failNext). */
export interface EntraError {
  error: string;
  /** The AADSTS code, put at the start of error_description and in error_codes. */
  code: number;
  description: string;
  suberror?: string;
  /** A claims challenge (JSON) for MSAL to pass back on the next request. */
  claims?: string;
}

/**
 * Entra's answers for the interaction MSAL cannot do silently (learn.microsoft.com/entra/identity-platform/
 * reference-error-codes). At the token endpoint MFA required is `invalid_grant` with `suberror: basic_action` and a
 * Conditional Access `claims` challenge (claims-challenge); MSAL makes that an InteractionRequiredAuthError because
 * of the suberror (msal-common src/error/InteractionRequiredAuthError.ts, InteractionRequiredAuthSubErrorMessage)
 * and, being interaction required, never tries the hidden iframe for it (msal-browser
 * src/controllers/StandardController.ts, checkIfRefreshTokenErrorCanBeResolvedSilently).
 */
export const ENTRA_ERRORS = {
  mfaRequired: {
    error: "invalid_grant",
    code: 50076,
    description: "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication.",
    suberror: "basic_action",
    claims: '{"access_token":{"capolids":{"essential":true,"values":["9f3a1c2e-0000-4000-8000-000000000001"]}}}',
  },
  /** The same at /authorize (prompt=none): the OAuth error there is interaction_required. */
  mfaRequiredSilent: {
    error: "interaction_required",
    code: 50076,
    description: "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication.",
    suberror: "basic_action",
  },
  consentRequired: {
    error: "consent_required",
    code: 65001,
    description: "The user or administrator has not consented to use the application.",
  },
  accessDenied: { error: "access_denied", code: 65004, description: "User declined to consent to access the app." },
  /** Several sessions in the browser and no hint: Entra wants the account picker (AADSTS16000 SelectUserAccount). */
  selectAccount: {
    error: "interaction_required",
    code: 16000,
    description: "Either multiple user identities are available for the current request or selected account is not supported for the scenario.",
  },
  /**
   * Server throttling: HTTP 429 with Retry-After, and for user-facing calls AADSTS50196 (learn.microsoft.com/entra/
   * msal/dotnet/advanced/client-and-server-throttling). MSAL.js then refuses the same request until Retry-After has
   * passed (msal-common src/network/ThrottlingUtils.ts: 429 or 5xx with Retry-After).
   */
  throttled: {
    error: "invalid_grant",
    code: 50196,
    description: "The server terminated an operation because it encountered a client request loop. Please contact your app vendor.",
  },
  /** A transient failure (AADSTS90024 RequestBudgetExceededError, reference-error-codes); OAuth's temporarily_unavailable. */
  temporarilyUnavailable: {
    error: "temporarily_unavailable",
    code: 90024,
    description: "RequestBudgetExceededError - A transient error has occurred. Try again.",
  },
} satisfies Record<string, EntraError>;

/** Authorization codes live about 10 minutes (v2-oauth2-auth-code-flow: "short lived, typically about 10 minutes"). */
export const CODE_LIFETIME = 600;

export interface EntraCall {
  endpoint: "authorize" | "token" | "logout" | "photo";
  /** authorize: the `prompt` parameter; token: the grant type. */
  detail: string;
  /** What the fake refused, as an AADSTS code or OAuth error; "" when it answered normally. */
  refused: string;
  params: URLSearchParams;
  /** authorize: the email of the account that signed in (interactive or silent), when one did. */
  user?: string;
  /** authorize: the user was shown the consent screen and consented. */
  consented?: boolean;
}

/** An Entra session: one account signed in in one browser (the ESTS cookie can hold several). */
interface Session {
  sid: string;
  browser: string;
  user: FakeUser;
  /** The claims the user satisfied at this sign-in (a step-up), as a JSON request. */
  satisfied: string;
}

const PROMPTS = new Set(["", "login", "select_account", "consent", "none", "create"]);

export const PHOTO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96"><rect width="96" height="96" fill="#0e7490"/><circle cx="48" cy="38" r="18" fill="#fde68a"/><rect x="18" y="62" width="60" height="40" rx="20" fill="#fde68a"/></svg>`;

export class FakeEntra {
  /**
   * Who the person at the keyboard signs in as when Entra asks: at the account picker (prompt=select_account) and
   * on the credentials page when no login_hint names a known account. A login_hint is honoured (see `picks`).
   */
  user: FakeUser;
  /** Tenant-wide admin consent to the app's scopes: nobody sees a consent screen. */
  adminConsent = false;
  /** The person declines the consent screen (access_denied, AADSTS65004). */
  declineConsent = false;
  /**
   * The token endpoint throttles: 429 with this Retry-After (seconds) and AADSTS50196, until set back to null
   * (learn.microsoft.com/entra/msal/dotnet/advanced/client-and-server-throttling).
   */
  throttled: { retryAfter: number } | null = null;
  /** Entra has a transient outage: temporarily_unavailable (AADSTS90024) from /authorize and /token until false. */
  unavailable = false;
  /** Every refresh_token grant fails with invalid_grant (revoked refresh token). */
  rejectRefresh = false;
  /** The next N API access tokens are minted already expired (the API answers 401). */
  expiredAccessTokens = 0;
  /** Omit `scp` from API access tokens (the API answers 403 insufficient_scope). */
  omitScope = false;
  /** Serve a Graph photo for the user (otherwise Graph answers 404 and the SPA shows initials). */
  photo = true;
  /** The browser blocks third-party cookies: MSAL's hidden iframe reaches Entra without the session cookie. */
  thirdPartyCookiesBlocked = false;
  /**
   * Conditional Access step-up: API tokens need these claims (e.g. `{"access_token":{"acrs":{"essential":true,
   * "value":"c1"}}}`). A refresh_token grant without them answers interaction_required with the challenge; an
   * interactive sign-in that asked for them (the `claims` parameter) yields tokens with `acrs`.
   */
  stepUpClaims: string | null = null;
  /** Conditional Access on authentication contexts: `acrs` only when the claims ask for it (claims.ts). */
  readonly authContexts = new AuthContexts();
  readonly calls: EntraCall[] = [];
  /** Registered `spa` redirect URIs: infra/app/spa-urls.json with the tests' SPA origin as the site's host. */
  readonly redirectUris: Set<string>;

  private codes = new Map<string, CodeGrant>();
  /** Codes already redeemed: a second use is AADSTS54005, not a second set of tokens. */
  private redeemed = new Set<string>();
  private refreshTokens = new Map<string, RefreshGrant>();
  /** Entra sessions by sid; the browser's cookie names the browser, which may hold several (the account picker). */
  private sessions = new Map<string, Session>();
  /** Delegated consent each user has given, by oid: normalised scopes (https://graph.microsoft.com/User.Read). */
  private consents = new Map<string, Set<string>>();
  /** Accounts Entra knows (login_hint resolves to them). */
  private known = new Map<string, FakeUser>();
  private nextPick: FakeUser | null = null;
  private clockOffset = 0;
  private queued: Array<{ endpoint: "authorize" | "token"; err: EntraError; scope: string | undefined }> = [];

  constructor(user: FakeUser, siteOrigin = `http://localhost:${SPA_PORT}`) {
    this.user = user;
    this.redirectUris = new Set(spaRedirectUris(siteOrigin));
  }

  /**
   * At the next interactive prompt the person signs in as `user`, whatever login_hint says (Entra's page lets them
   * type another account, or pick "Use another account").
   */
  picks(user: FakeUser): void {
    this.nextPick = user;
  }

  /** The accounts signed in to Entra in this browser (the picker's tiles). */
  signedIn(): FakeUser[] {
    return [...this.sessions.values()].map((s) => s.user);
  }

  /** Whether Entra remembers a sign-in; `false` ends every session (as an expired or revoked session would). */
  get session(): boolean {
    return this.sessions.size > 0;
  }
  set session(on: boolean) {
    if (!on) this.sessions.clear();
  }

  /** Moves the fake's clock (refresh-token lifetimes) forward. */
  advanceClock(seconds: number): void {
    this.clockOffset += seconds;
  }

  /**
   * The next request to `endpoint` gets `err` (authorize: on the redirect; token: as a 400 JSON body).
   * With `scope`, only the next request asking for that scope: the SPA renews the Graph token for the
   * avatar on its own schedule, and that request must not take an error meant for the API's.
   */
  failNext(endpoint: "authorize" | "token", err: EntraError, scope?: string): void {
    this.queued.push({ endpoint, err, scope });
  }

  async install(context: BrowserContext): Promise<void> {
    await context.route("https://login.microsoftonline.com/**", (route) => this.entra(route));
    await context.route("https://graph.microsoft.com/**", (route) => this.graph(route));
  }

  count(endpoint: EntraCall["endpoint"], detail?: string): number {
    return this.calls.filter((c) => c.endpoint === endpoint && (detail === undefined || c.detail === detail)).length;
  }

  /** A refresh token as the token endpoint would issue it for `user` now (to probe the token endpoint's rules). */
  mintRefreshToken(user = this.user): string {
    const refresh = randomBytes(32).toString("base64url");
    this.grantConsent(user, [API_SCOPE, `${GRAPH_RESOURCE}/User.Read`]);
    this.refreshTokens.set(refresh, { user, clientId: SPA_CLIENT_ID, sid: "", expiresAt: this.now() + SPA_REFRESH_TOKEN_LIFETIME, satisfied: "" });
    return refresh;
  }

  /** The calls the fake refused, by what it answered. */
  refusals(): string[] {
    return this.calls.filter((c) => c.refused).map((c) => c.refused);
  }

  private now(): number {
    return Math.floor(Date.now() / 1000) + this.clockOffset;
  }

  private grantConsent(user: FakeUser, scopes: string[]): void {
    const set = this.consents.get(user.oid) ?? new Set<string>();
    scopes.forEach((s) => set.add(s));
    this.consents.set(user.oid, set);
  }

  /** The resource scopes in `scope` the user has not consented to (none with admin consent). */
  private unconsented(user: FakeUser, scope: string): string[] {
    if (this.adminConsent) return [];
    const have = this.consents.get(user.oid) ?? new Set<string>();
    return resourceScopes(scope).filter((s) => !have.has(s));
  }

  /** login_hint: the ID token's opaque login_hint claim, or the username (MSAL sends either). */
  private userByHint(hint: string): FakeUser | undefined {
    return [...this.known.values(), this.user].find((u) => loginHintOf(u) === hint || u.email.toLowerCase() === hint.toLowerCase());
  }

  private async entra(route: Route): Promise<void> {
    const req = route.request();
    const url = new URL(req.url());
    const path = url.pathname;
    if (!path.startsWith(`/${TENANT_ID}/`)) {
      return route.fulfill({ status: 400, body: `fake Entra: unexpected tenant in ${path}` });
    }
    if (path.endsWith("/oauth2/v2.0/authorize")) return this.authorize(route, url);
    if (path.endsWith("/oauth2/v2.0/token")) return this.token(route);
    if (path.endsWith("/oauth2/v2.0/logout")) return this.logout(route, url);
    return route.fulfill({ status: 404, body: `fake Entra: no route for ${path}` });
  }

  private record(endpoint: EntraCall["endpoint"], detail: string, params: URLSearchParams, refused = ""): EntraCall {
    const call = { endpoint, detail, refused, params };
    this.calls.push(call);
    return call;
  }

  /** Entra's own error page: shown in the window, never sent back to the app (reply-url: AADSTS50011). */
  private errorPage(route: Route, code: number, message: string): Promise<void> {
    return route.fulfill({
      status: 400,
      contentType: "text/html",
      body: `<!doctype html><title>Sign in to your account</title><h1>Sorry, but we're having trouble signing you in.</h1><p id="error">AADSTS${code}: ${message}</p>`,
    });
  }

  private async authorize(route: Route, url: URL): Promise<void> {
    const p = url.searchParams;
    const prompt = p.get("prompt") ?? "";
    const call = this.record("authorize", prompt, p);
    const redirectUri = p.get("redirect_uri") ?? "";
    if (p.get("client_id") !== SPA_CLIENT_ID) {
      call.refused = "AADSTS700016";
      return this.errorPage(route, 700016, `Application with identifier '${p.get("client_id")}' was not found in the directory.`);
    }
    // reply-url: an unregistered redirect URI is answered on Entra's page; nothing goes back to the app, so a
    // popup stays open on this page and a hidden iframe times out.
    if (!this.redirectUris.has(redirectUri)) {
      call.refused = "AADSTS50011";
      return this.errorPage(
        route,
        50011,
        `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${SPA_CLIENT_ID}'.`,
      );
    }
    const state = p.get("state") ?? "";
    const back = (params: Record<string, string>, newBrowser?: string) =>
      this.redirectBack(route, redirectUri, p.get("response_mode"), { ...params, state }, newBrowser);
    const fail = (err: EntraError) => {
      call.refused = `AADSTS${err.code}`;
      return back({
        error: err.error,
        error_description: `AADSTS${err.code}: ${err.description}`,
        ...(err.suberror ? { suberror: err.suberror } : {}),
        ...(err.claims ? { claims: err.claims } : {}),
      });
    };
    const queued = this.takeQueued("authorize", p.get("scope") ?? "");
    if (queued) return fail(queued);
    if (this.unavailable) return fail(ENTRA_ERRORS.temporarilyUnavailable);
    // The prompt values Entra accepts (v2-oauth2-auth-code-flow); anything else is AADSTS90023 InvalidRequest.
    if (!PROMPTS.has(prompt)) return fail({ error: "invalid_request", code: 90023, description: `Invalid value '${prompt}' for parameter 'prompt'.` });
    const scope = p.get("scope") ?? "";
    const resourceError = checkScopes(scope, "authorize");
    if (resourceError) return fail(resourceError);

    // The session is the browser's cookie for login.microsoftonline.com. A browser that blocks third-party
    // cookies does not send it to the hidden iframe (refresh-tokens: "The browser must visit the login page in
    // a top-level frame in order to see the login session").
    const inIframe = route.request().frame().parentFrame() !== null;
    const cookie = inIframe && this.thirdPartyCookiesBlocked ? undefined : await sessionCookie(route);
    const inBrowser = cookie ? [...this.sessions.values()].filter((s) => s.browser === cookie) : [];
    const hint = p.get("login_hint");
    let session: Session;
    let newBrowser: string | undefined;
    if (prompt === "none") {
      // Silent: only an existing session, chosen by login_hint, else by sid, else the only one (AADSTS16000 when
      // there are several and nothing says which: the account picker would be needed).
      if (inBrowser.length === 0) {
        return fail({ error: "login_required", code: 50058, description: "A silent sign-in request was sent but no user is signed in." });
      }
      const sid = p.get("sid");
      const chosen = hint
        ? inBrowser.find((s) => loginHintOf(s.user) === hint || s.user.email.toLowerCase() === hint.toLowerCase())
        : sid
          ? inBrowser.find((s) => s.sid === sid)
          : inBrowser.length === 1
            ? inBrowser[0]
            : undefined;
      if (!chosen && !hint && !sid) return fail(ENTRA_ERRORS.selectAccount);
      if (!chosen) return fail({ error: "login_required", code: 50058, description: "The user named by login_hint is not signed in." });
      // A silent request cannot do the step-up it asks for; only what the session already did counts.
      if (p.get("claims") && this.stepUpClaims && !satisfies(chosen.satisfied, this.stepUpClaims)) {
        return fail({ ...ENTRA_ERRORS.mfaRequiredSilent, claims: this.stepUpClaims });
      }
      const context = decideAcrs(this.authContexts, [p.get("claims")], chosen.satisfied); // step-up hook
      if (context.missing) return fail({ ...ENTRA_ERRORS.mfaRequiredSilent, claims: context.missing });
      // Consent needs the user: a scope they never agreed to is consent_required (AADSTS65001) without a prompt.
      if (this.unconsented(chosen.user, scope).length > 0) return fail(ENTRA_ERRORS.consentRequired);
      session = chosen;
    } else {
      // Who signs in: someone who picks another account than the hint; the picker (select_account: the person picks
      // `user`); the account login_hint names (its session, or its credentials); the browser's only session; else
      // the credentials the person types (`user`). prompt=login always asks for credentials, for the hinted account.
      const hinted = hint ? this.userByHint(hint) : undefined;
      let user: FakeUser;
      if (this.nextPick) {
        user = this.nextPick;
        this.nextPick = null;
      } else if (prompt === "select_account") user = this.user;
      else if (hinted) user = hinted;
      else if (prompt !== "login" && inBrowser.length === 1) user = inBrowser[0]!.user;
      else user = this.user;
      // The consent screen: for scopes the user never agreed to, and always with prompt=consent.
      if (prompt === "consent" || this.unconsented(user, scope).length > 0) {
        if (this.declineConsent) return fail(ENTRA_ERRORS.accessDenied);
        this.grantConsent(user, resourceScopes(scope));
        call.consented = true;
      }
      const browser = cookie ?? (newBrowser = randomBytes(12).toString("base64url"));
      // One session per account per browser: signing in again replaces it. The user does the step-up (MFA) the
      // claims parameter asks for.
      for (const [sid, s] of this.sessions) if (s.browser === browser && s.user.oid === user.oid) this.sessions.delete(sid);
      session = { sid: randomBytes(12).toString("base64url"), browser, user, satisfied: p.get("claims") ?? "" };
      this.sessions.set(session.sid, session);
      this.known.set(user.oid, user);
    }
    call.user = session.user.email;
    const code = randomBytes(24).toString("base64url");
    this.codes.set(code, {
      user: session.user,
      clientId: p.get("client_id") ?? "",
      issuedAt: this.now(),
      nonce: p.get("nonce") ?? undefined,
      challenge: p.get("code_challenge") ?? "",
      redirectUri,
      scope,
      sid: session.sid,
      claims: session.satisfied,
    });
    return back({ code, client_info: clientInfo(session.user) }, newBrowser);
  }

  /**
   * Like Entra: a 200 page with Cross-Origin-Opener-Policy that navigates back, so MSAL v5's redirect bridge
   * (frontend/redirect.html) is exercised. An interactive sign-in sets the session cookie.
   */
  private redirectBack(route: Route, redirectUri: string, mode: string | null, params: Record<string, string>, newBrowser?: string) {
    const sep = mode === "query" ? "?" : "#";
    const target = `${redirectUri}${sep}${new URLSearchParams(params).toString()}`;
    const headers: Record<string, string> = { "Cross-Origin-Opener-Policy": "same-origin" };
    if (newBrowser) headers["Set-Cookie"] = `${SESSION_COOKIE}=${newBrowser}; Path=/; Secure; HttpOnly; SameSite=None`;
    return route.fulfill({
      status: 200,
      contentType: "text/html",
      headers,
      body: `<!doctype html><title>Fake Entra</title><script>location.replace(${JSON.stringify(target)});</script>`,
    });
  }

  private takeQueued(endpoint: "authorize" | "token", scopes: string): EntraError | undefined {
    const asked = scopes.split(" ");
    const i = this.queued.findIndex((q) => q.endpoint === endpoint && (q.scope === undefined || asked.includes(q.scope)));
    return i < 0 ? undefined : this.queued.splice(i, 1)[0]!.err;
  }

  /**
   * CORS: Entra's token endpoint answers cross-origin only for origins of redirect URIs registered as `spa`
   * (v2-oauth2-auth-code-flow, "Redirect URIs for single-page apps"); any other origin gets no
   * Access-Control-Allow-Origin, so the browser hides the answer from MSAL.
   */
  private spaCors(origin: string | undefined): Record<string, string> {
    // Not an empty header set: Playwright adds `Access-Control-Allow-Origin: <origin>` to a fulfilled response
    // that has none (playwright-core lib/coreBundle.js _maybeAddCorsHeaders, microsoft/playwright#12929), which
    // would let every origin through. Entra's own origin matches no page, so the browser refuses the answer.
    if (!origin || ![...this.redirectUris].some((u) => new URL(u).origin === origin)) {
      return { "Access-Control-Allow-Origin": "https://login.microsoftonline.com" };
    }
    return { "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Headers": "*", "Access-Control-Allow-Methods": "POST, OPTIONS" };
  }

  private async token(route: Route): Promise<void> {
    const req = route.request();
    const headers = this.spaCors(req.headers()["origin"]);
    if (req.method() === "OPTIONS") return route.fulfill({ status: 204, headers });
    const form = new URLSearchParams(req.postData() ?? "");
    const grant = form.get("grant_type") ?? "";
    const call = this.record("token", grant, form);
    if (headers["Access-Control-Allow-Origin"] !== req.headers()["origin"]) call.refused = "CORS";
    const fail = (err: EntraError, status = 400, extraHeaders: Record<string, string> = {}) => {
      call.refused = `AADSTS${err.code}`;
      return route.fulfill({
        status,
        headers: { ...headers, ...extraHeaders },
        contentType: "application/json",
        body: JSON.stringify({
          error: err.error,
          error_description: `AADSTS${err.code}: ${err.description}`,
          error_codes: [err.code],
          ...(err.suberror ? { suberror: err.suberror } : {}),
          ...(err.claims ? { claims: err.claims } : {}),
        }),
      });
    };
    // The application must exist (AADSTS700016, OAuth error unauthorized_client: reference-error-codes,
    // UnauthorizedClient_DoesNotMatchRequest). A public client (SPA) sends only its client_id, no secret.
    const clientId = form.get("client_id") ?? "";
    if (clientId !== SPA_CLIENT_ID) {
      return fail({ error: "unauthorized_client", code: 700016, description: `Application with identifier '${clientId}' was not found in the directory '${TENANT_ID}'.` });
    }
    if (this.throttled) {
      return fail(ENTRA_ERRORS.throttled, 429, { "Retry-After": String(this.throttled.retryAfter), "Access-Control-Expose-Headers": "Retry-After" });
    }
    if (this.unavailable) return fail(ENTRA_ERRORS.temporarilyUnavailable, 503);
    const queued = this.takeQueued("token", form.get("scope") ?? "");
    if (queued) return fail(queued);

    let user: FakeUser;
    let nonce: string | undefined;
    let sid: string;
    let satisfied: string;
    let rtExpiresAt: number;
    const scope = form.get("scope") ?? "";
    if (grant === "authorization_code") {
      const code = form.get("code") ?? "";
      const grantInfo = this.codes.get(code);
      // Codes are single use (AADSTS54005) and short lived (AADSTS70008): reference-error-codes.
      if (this.redeemed.has(code)) {
        return fail({ error: "invalid_grant", code: 54005, description: "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token." });
      }
      if (!grantInfo || this.now() >= grantInfo.issuedAt + CODE_LIFETIME) {
        return fail({ error: "invalid_grant", code: 70008, description: "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource." });
      }
      this.codes.delete(code);
      this.redeemed.add(code);
      if (grantInfo.clientId !== clientId) {
        return fail({ error: "invalid_grant", code: 70000, description: "The provided value for the 'code' parameter is not valid: it was issued to another client." });
      }
      const verifier = form.get("code_verifier") ?? "";
      if (createHash("sha256").update(verifier).digest("base64url") !== grantInfo.challenge) {
        return fail({ error: "invalid_grant", code: 501481, description: "The Code_Verifier does not match the code_challenge supplied in the authorization request." });
      }
      if (form.get("redirect_uri") !== grantInfo.redirectUri) {
        return fail({ error: "invalid_grant", code: 50148, description: "The redirect_uri does not match the one the authorization code was issued for." });
      }
      ({ user, nonce, sid } = grantInfo);
      satisfied = grantInfo.claims;
      rtExpiresAt = this.now() + SPA_REFRESH_TOKEN_LIFETIME;
    } else if (grant === "refresh_token") {
      const known = this.refreshTokens.get(form.get("refresh_token") ?? "");
      if (this.rejectRefresh || !known) {
        return fail({ error: "invalid_grant", code: 50173, description: "The provided grant has expired due to it being revoked." });
      }
      if (this.now() >= known.expiresAt) {
        return fail({
          error: "invalid_grant",
          code: 700084,
          description: "The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended.",
        });
      }
      if (known.clientId !== clientId) {
        return fail({ error: "invalid_grant", code: 70000, description: "The refresh token was issued to another client." });
      }
      ({ user, sid, satisfied } = known);
      rtExpiresAt = known.expiresAt;
    } else {
      return fail({ error: "unsupported_grant_type", code: 70003, description: `The app requested an unsupported grant type '${grant}'.` });
    }
    const scopeError = checkScopes(scope, "token");
    if (scopeError) return fail(scopeError);
    // A refresh token cannot consent: a scope the user never agreed to needs them (AADSTS65001; at the token
    // endpoint invalid_grant with suberror consent_required, which MSAL treats as interaction required).
    if (grant === "refresh_token" && this.unconsented(user, scope).length > 0) {
      return fail({ ...ENTRA_ERRORS.consentRequired, error: "invalid_grant", suberror: "consent_required" });
    }
    const forApi = resourcesOf(scope).has(API_RESOURCE);
    if (forApi && this.stepUpClaims && !satisfies(satisfied, this.stepUpClaims)) {
      return fail({ ...ENTRA_ERRORS.mfaRequired, claims: this.stepUpClaims });
    }
    // Step-up hook (claims.ts): acrs as the token request (and a code's authorize request) asked for it.
    const context = decideAcrs(this.authContexts, [form.get("claims"), grant === "authorization_code" ? satisfied : null], satisfied);
    if (forApi && context.missing) return fail({ ...ENTRA_ERRORS.mfaRequired, claims: context.missing });

    const { access, grantedScope } = await this.issueAccessToken(user, forApi, satisfied, context.acrs);
    const refresh = randomBytes(32).toString("base64url");
    this.refreshTokens.set(refresh, { user, clientId, sid, expiresAt: rtExpiresAt, satisfied });
    return route.fulfill({
      status: 200,
      headers,
      contentType: "application/json",
      body: JSON.stringify({
        token_type: "Bearer",
        scope: grantedScope,
        // MSAL trusts expires_in for its cache; an "expired" token still says 3600 so that only
        // the API notices (the SPA must then renew on the API's 401).
        expires_in: 3600,
        ext_expires_in: 3600,
        access_token: access,
        refresh_token: refresh,
        refresh_token_expires_in: rtExpiresAt - this.now(),
        id_token: await idToken(user, nonce, sid),
        client_info: clientInfo(user),
      }),
    });
  }

  /**
   * The access token the token endpoint issues once every rule has passed: for the API (with `acrs` when the
   * sign-in satisfied the step-up) or for Graph. One place, so claims can be added here (step-up, e2e/fake-entra).
   */
  private async issueAccessToken(
    user: FakeUser,
    forApi: boolean,
    satisfied: string,
    contextAcrs: Parameters<typeof withAcrs>[1],
  ): Promise<{ access: string; grantedScope: string }> {
    if (!forApi) {
      const access = await accessToken(user, { audience: GRAPH_AUDIENCE, scp: "User.Read openid profile email" });
      return { access, grantedScope: "User.Read openid profile email" };
    }
    const expired = this.expiredAccessTokens > 0;
    if (expired) this.expiredAccessTokens--;
    const extra = this.stepUpClaims && satisfies(satisfied, this.stepUpClaims) ? { acrs: acrsOf(this.stepUpClaims) } : undefined;
    const withContext = withAcrs(extra, contextAcrs); // step-up hook (claims.ts)
    const access = await accessToken(user, { expired, scp: this.omitScope ? null : "access_as_user", ...(withContext ? { extra: withContext } : {}) });
    return { access, grantedScope: API_SCOPE };
  }

  /**
   * Front-channel sign-out: ends the session MSAL names (logout_hint, from the ID token's login_hint) and
   * returns only to a registered URI; otherwise Entra shows its own "You signed out" page.
   */
  private logout(route: Route, url: URL): Promise<void> {
    const p = url.searchParams;
    const back = p.get("post_logout_redirect_uri");
    const call = this.record("logout", "", p);
    const hint = p.get("logout_hint");
    for (const [sid, session] of this.sessions) {
      if (!hint || loginHintOf(session.user) === hint) this.sessions.delete(sid);
    }
    if (back && !this.redirectUris.has(back)) call.refused = "post_logout_redirect_uri";
    return back && !call.refused
      ? route.fulfill({ status: 302, headers: { Location: back } })
      : route.fulfill({ status: 200, contentType: "text/html", body: "<p>You signed out of your account.</p>" });
  }

  private async graph(route: Route): Promise<void> {
    const req = route.request();
    const origin = req.headers()["origin"];
    // Graph itself allows any origin.
    const headers: Record<string, string> = origin
      ? { "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Headers": "Authorization, Content-Type", "Access-Control-Allow-Methods": "GET, OPTIONS" }
      : {};
    if (req.method() === "OPTIONS") return route.fulfill({ status: 204, headers });
    const url = new URL(req.url());
    if (url.pathname !== "/v1.0/me/photo/$value") return route.fulfill({ status: 404, headers });
    this.record("photo", "", url.searchParams);
    const auth = req.headers()["authorization"] ?? "";
    const payload = auth.startsWith("Bearer ") ? decodePayload(auth.slice(7)) : undefined;
    if (!payload || payload.aud !== GRAPH_AUDIENCE) {
      return route.fulfill({ status: 401, headers, contentType: "application/json", body: '{"error":{"code":"InvalidAuthenticationToken"}}' });
    }
    if (!this.photo) {
      return route.fulfill({
        status: 404,
        headers,
        contentType: "application/json",
        body: '{"error":{"code":"ImageNotFound","message":"The photo wasn\'t found."}}',
      });
    }
    return route.fulfill({ status: 200, headers, contentType: "image/svg+xml", body: PHOTO_SVG });
  }
}

/** The resource scopes in a scope string, normalised (User.Read is https://graph.microsoft.com/User.Read). */
function resourceScopes(scope: string): string[] {
  return scope
    .split(" ")
    .filter((s) => s && !OIDC_SCOPES.has(s))
    .map((s) => (GRAPH_SCOPES.has(s) ? `${GRAPH_RESOURCE}/${s}` : s));
}

/** The resources a scope string names (OIDC scopes name none). */
function resourcesOf(scope: string): Set<string> {
  const out = new Set<string>();
  for (const s of scope.split(" ").filter(Boolean)) {
    if (OIDC_SCOPES.has(s)) continue;
    if (GRAPH_SCOPES.has(s)) out.add(GRAPH_RESOURCE);
    else out.add(s.includes("/") ? s.slice(0, s.lastIndexOf("/")) : s);
  }
  return out;
}

/**
 * Entra's scope rules (scopes-oidc, reference-error-codes). At /authorize the user may consent to several
 * resources at once (MSAL's extraScopesToConsent), but a token is for one resource: two give AADSTS28000.
 * A token request with no resource scope gives AADSTS28003; a resource the tenant does not know, AADSTS500011.
 */
export function checkScopes(scope: string, endpoint: "authorize" | "token"): EntraError | undefined {
  const resources = resourcesOf(scope);
  for (const r of resources) {
    if (r !== API_RESOURCE && r !== GRAPH_RESOURCE) {
      return { error: "invalid_resource", code: 500011, description: `The resource principal named ${r} was not found in the tenant named ${TENANT_ID}.` };
    }
  }
  if (endpoint === "authorize") return undefined;
  if (resources.size === 0) {
    return { error: "invalid_request", code: 28003, description: "Provided value for the input parameter scope cannot be empty when requesting an access token using the provided authorization code." };
  }
  if (resources.size > 1) {
    return { error: "invalid_request", code: 28000, description: `Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${scope} is not valid.` };
  }
  return undefined;
}

/** True when the claims request `asked` includes every acrs value `required` names. */
function satisfies(asked: string | null, required: string): boolean {
  if (!asked) return false;
  const want = acrsOf(required);
  try {
    const got = acrsOf(asked);
    return want.every((v) => got.includes(v));
  } catch {
    return false;
  }
}

/** The acrs values of a claims request such as {"access_token":{"acrs":{"essential":true,"value":"c1"}}}. */
function acrsOf(claims: string): string[] {
  const acrs = (JSON.parse(claims) as { access_token?: { acrs?: { value?: string; values?: string[] } } }).access_token?.acrs;
  return acrs?.values ?? (acrs?.value ? [acrs.value] : []);
}

async function sessionCookie(route: Route): Promise<string | undefined> {
  const cookie = (await route.request().allHeaders())["cookie"] ?? "";
  const m = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([^;]+)`).exec(cookie);
  return m?.[1];
}

function decodePayload(jwt: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export { SPA_URLS };
