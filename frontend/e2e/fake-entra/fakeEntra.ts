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

/** Entra's answers for the interaction MSAL cannot do silently (reference-error-codes). */
export const ENTRA_ERRORS = {
  mfaRequired: {
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
} satisfies Record<string, EntraError>;

export interface EntraCall {
  endpoint: "authorize" | "token" | "logout" | "photo";
  /** authorize: the `prompt` parameter; token: the grant type. */
  detail: string;
  /** What the fake refused, as an AADSTS code or OAuth error; "" when it answered normally. */
  refused: string;
  params: URLSearchParams;
}

export const PHOTO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96"><rect width="96" height="96" fill="#0e7490"/><circle cx="48" cy="38" r="18" fill="#fde68a"/><rect x="18" y="62" width="60" height="40" rx="20" fill="#fde68a"/></svg>`;

export class FakeEntra {
  /** Who signs in at the next interactive authorize. */
  user: FakeUser;
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
  private refreshTokens = new Map<string, RefreshGrant>();
  /** Entra sessions by id, each the cookie value of the browser that signed in. */
  private sessions = new Map<string, { user: FakeUser; satisfied: string }>();
  private clockOffset = 0;
  private queued: Array<{ endpoint: "authorize" | "token"; err: EntraError; scope: string | undefined }> = [];

  constructor(user: FakeUser, siteOrigin = `http://localhost:${SPA_PORT}`) {
    this.user = user;
    this.redirectUris = new Set(spaRedirectUris(siteOrigin));
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
    this.refreshTokens.set(refresh, { user, sid: "", expiresAt: this.now() + SPA_REFRESH_TOKEN_LIFETIME, satisfied: "" });
    return refresh;
  }

  /** The calls the fake refused, by what it answered. */
  refusals(): string[] {
    return this.calls.filter((c) => c.refused).map((c) => c.refused);
  }

  private now(): number {
    return Math.floor(Date.now() / 1000) + this.clockOffset;
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
    const back = (params: Record<string, string>, newSid?: string) =>
      this.redirectBack(route, redirectUri, p.get("response_mode"), { ...params, state }, newSid);
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
    const resourceError = checkScopes(p.get("scope") ?? "", "authorize");
    if (resourceError) return fail(resourceError);

    let user: FakeUser;
    let sid: string;
    let satisfied: string;
    if (prompt === "none") {
      // The session is the browser's cookie for login.microsoftonline.com. A browser that blocks third-party
      // cookies does not send it to the hidden iframe (refresh-tokens: "The browser must visit the login page in
      // a top-level frame in order to see the login session").
      const inIframe = route.request().frame().parentFrame() !== null;
      const cookieSid = inIframe && this.thirdPartyCookiesBlocked ? undefined : await sessionCookie(route);
      const known = cookieSid ? this.sessions.get(cookieSid) : undefined;
      const hint = p.get("login_hint");
      if (!cookieSid || !known) {
        return fail({ error: "login_required", code: 50058, description: "A silent sign-in request was sent but no user is signed in." });
      }
      if (hint && hint !== loginHintOf(known.user)) {
        return fail({ error: "login_required", code: 50058, description: "The user named by login_hint is not signed in." });
      }
      // A silent request cannot do the step-up it asks for; only what the session already did counts.
      if (p.get("claims") && this.stepUpClaims && !satisfies(known.satisfied, this.stepUpClaims)) {
        return fail({ ...ENTRA_ERRORS.mfaRequired, claims: this.stepUpClaims });
      }
      const context = decideAcrs(this.authContexts, [p.get("claims")], known.satisfied); // step-up hook
      if (context.missing) return fail({ ...ENTRA_ERRORS.mfaRequired, claims: context.missing });
      user = known.user;
      sid = cookieSid;
      satisfied = known.satisfied;
    } else {
      // The user signs in, and does the step-up (MFA) the claims parameter asks for.
      user = this.user;
      sid = randomBytes(12).toString("base64url");
      satisfied = p.get("claims") ?? "";
      this.sessions.set(sid, { user, satisfied });
    }
    const code = randomBytes(24).toString("base64url");
    this.codes.set(code, {
      user,
      nonce: p.get("nonce") ?? undefined,
      challenge: p.get("code_challenge") ?? "",
      redirectUri,
      scope: p.get("scope") ?? "",
      sid,
      claims: satisfied,
    });
    return back({ code, client_info: clientInfo(user) }, prompt === "none" ? undefined : sid);
  }

  /**
   * Like Entra: a 200 page with Cross-Origin-Opener-Policy that navigates back, so MSAL v5's redirect bridge
   * (frontend/redirect.html) is exercised. An interactive sign-in sets the session cookie.
   */
  private redirectBack(route: Route, redirectUri: string, mode: string | null, params: Record<string, string>, newSid?: string) {
    const sep = mode === "query" ? "?" : "#";
    const target = `${redirectUri}${sep}${new URLSearchParams(params).toString()}`;
    const headers: Record<string, string> = { "Cross-Origin-Opener-Policy": "same-origin" };
    if (newSid) headers["Set-Cookie"] = `${SESSION_COOKIE}=${newSid}; Path=/; Secure; HttpOnly; SameSite=None`;
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
    const fail = (err: EntraError) => {
      call.refused = `AADSTS${err.code}`;
      return route.fulfill({
        status: 400,
        headers,
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
      this.codes.delete(code);
      if (!grantInfo) return fail({ error: "invalid_grant", code: 70008, description: "The provided authorization code or refresh token has expired or was already used." });
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
      ({ user, sid, satisfied } = known);
      rtExpiresAt = known.expiresAt;
    } else {
      return fail({ error: "unsupported_grant_type", code: 70003, description: `The app requested an unsupported grant type '${grant}'.` });
    }
    const scopeError = checkScopes(scope, "token");
    if (scopeError) return fail(scopeError);
    const forApi = resourcesOf(scope).has(API_RESOURCE);
    if (forApi && this.stepUpClaims && !satisfies(satisfied, this.stepUpClaims)) {
      return fail({ ...ENTRA_ERRORS.mfaRequired, claims: this.stepUpClaims });
    }
    // Step-up hook (claims.ts): acrs as the token request (and a code's authorize request) asked for it.
    const context = decideAcrs(this.authContexts, [form.get("claims"), grant === "authorization_code" ? satisfied : null], satisfied);
    if (forApi && context.missing) return fail({ ...ENTRA_ERRORS.mfaRequired, claims: context.missing });

    let access: string;
    let grantedScope: string;
    if (forApi) {
      const expired = this.expiredAccessTokens > 0;
      if (expired) this.expiredAccessTokens--;
      const extra = this.stepUpClaims && satisfies(satisfied, this.stepUpClaims) ? { acrs: acrsOf(this.stepUpClaims) } : undefined;
      const withContext = withAcrs(extra, context.acrs); // step-up hook
      access = await accessToken(user, { expired, scp: this.omitScope ? null : "access_as_user", ...(withContext ? { extra: withContext } : {}) });
      grantedScope = API_SCOPE;
    } else {
      access = await accessToken(user, { audience: GRAPH_AUDIENCE, scp: "User.Read openid profile email" });
      grantedScope = "User.Read openid profile email";
    }
    const refresh = randomBytes(32).toString("base64url");
    this.refreshTokens.set(refresh, { user, sid, expiresAt: rtExpiresAt, satisfied });
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
