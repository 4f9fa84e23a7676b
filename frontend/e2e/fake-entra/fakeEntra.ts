// A fake Microsoft Entra ID (and the one Graph call the SPA makes), answered from Playwright's
// context.route so popups and MSAL's hidden iframes are covered too. TEST ONLY.
import { createHash, randomBytes } from "node:crypto";
import type { BrowserContext, Route } from "@playwright/test";
import {
  accessToken,
  API_SCOPE,
  clientInfo,
  GRAPH_AUDIENCE,
  idToken,
  SPA_CLIENT_ID,
  TENANT_ID,
  type FakeUser,
} from "./tokens";

interface CodeGrant {
  user: FakeUser;
  nonce: string | undefined;
  challenge: string;
  redirectUri: string;
  scope: string;
}

export interface EntraCall {
  endpoint: "authorize" | "token" | "logout" | "photo";
  /** authorize: the `prompt` parameter; token: the grant type. */
  detail: string;
}

export const PHOTO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96"><rect width="96" height="96" fill="#0e7490"/><circle cx="48" cy="38" r="18" fill="#fde68a"/><rect x="18" y="62" width="60" height="40" rx="20" fill="#fde68a"/></svg>`;

export class FakeEntra {
  /** Who signs in at the next interactive authorize. */
  user: FakeUser;
  /** Whether Entra "remembers" the user: prompt=none succeeds only when true. */
  session = false;
  /** When true, every refresh_token grant fails with invalid_grant (expired/revoked refresh token). */
  rejectRefresh = false;
  /** The next N API access tokens are minted already expired (the API answers 401). */
  expiredAccessTokens = 0;
  /** Omit `scp` from API access tokens (the API answers 403 insufficient_scope). */
  omitScope = false;
  /** Serve a Graph photo for the user (otherwise Graph answers 404 and the SPA shows initials). */
  photo = true;
  readonly calls: EntraCall[] = [];

  private codes = new Map<string, CodeGrant>();
  private refreshTokens = new Map<string, FakeUser>();

  constructor(user: FakeUser) {
    this.user = user;
  }

  async install(context: BrowserContext): Promise<void> {
    await context.route("https://login.microsoftonline.com/**", (route) => this.entra(route));
    await context.route("https://graph.microsoft.com/**", (route) => this.graph(route));
  }

  count(endpoint: EntraCall["endpoint"], detail?: string): number {
    return this.calls.filter((c) => c.endpoint === endpoint && (detail === undefined || c.detail === detail)).length;
  }

  private async entra(route: Route): Promise<void> {
    const req = route.request();
    const url = new URL(req.url());
    const path = url.pathname;
    if (!path.startsWith(`/${TENANT_ID}/`)) {
      return route.fulfill({ status: 400, body: `fake Entra: unexpected tenant in ${path}` });
    }
    if (path.endsWith("/oauth2/v2.0/authorize")) return this.authorize(route, url);
    if (path.endsWith("/oauth2/v2.0/token")) {
      if (req.method() === "OPTIONS") return route.fulfill({ status: 204, headers: this.cors(req.headers()["origin"]) });
      return this.token(route);
    }
    if (path.endsWith("/oauth2/v2.0/logout")) {
      this.calls.push({ endpoint: "logout", detail: "" });
      this.session = false;
      const back = url.searchParams.get("post_logout_redirect_uri");
      return back
        ? route.fulfill({ status: 302, headers: { Location: back } })
        : route.fulfill({ status: 200, contentType: "text/html", body: "<p>Signed out</p>" });
    }
    return route.fulfill({ status: 404, body: `fake Entra: no route for ${path}` });
  }

  private authorize(route: Route, url: URL): Promise<void> {
    const p = url.searchParams;
    const prompt = p.get("prompt") ?? "";
    this.calls.push({ endpoint: "authorize", detail: prompt });
    const redirectUri = p.get("redirect_uri") ?? "";
    const state = p.get("state") ?? "";
    const sep = p.get("response_mode") === "query" ? "?" : "#";
    if (p.get("client_id") !== SPA_CLIENT_ID || !redirectUri) {
      return route.fulfill({ status: 400, body: "fake Entra: wrong client_id or no redirect_uri" });
    }
    let params: URLSearchParams;
    if (prompt === "none" && !this.session) {
      params = new URLSearchParams({
        error: "login_required",
        error_description: "AADSTS50058: A silent sign-in request was sent but no user is signed in.",
        state,
      });
    } else {
      const code = randomBytes(24).toString("base64url");
      this.codes.set(code, {
        user: this.user,
        nonce: p.get("nonce") ?? undefined,
        challenge: p.get("code_challenge") ?? "",
        redirectUri,
        scope: p.get("scope") ?? "",
      });
      this.session = true;
      params = new URLSearchParams({ code, state, client_info: clientInfo(this.user) });
    }
    const target = `${redirectUri}${sep}${params.toString()}`;
    // Like Entra: a 200 page with COOP that navigates back, so the v5 redirect bridge is exercised.
    return route.fulfill({
      status: 200,
      contentType: "text/html",
      headers: { "Cross-Origin-Opener-Policy": "same-origin" },
      body: `<!doctype html><title>Fake Entra</title><script>location.replace(${JSON.stringify(target)});</script>`,
    });
  }

  private async token(route: Route): Promise<void> {
    const req = route.request();
    const form = new URLSearchParams(req.postData() ?? "");
    const grant = form.get("grant_type") ?? "";
    this.calls.push({ endpoint: "token", detail: grant });
    const headers = this.cors(req.headers()["origin"]);
    const fail = (error: string, description: string) =>
      route.fulfill({
        status: 400,
        headers,
        contentType: "application/json",
        body: JSON.stringify({ error, error_description: description, error_codes: [70008] }),
      });

    let user: FakeUser;
    let nonce: string | undefined;
    let scope = form.get("scope") ?? "";
    if (grant === "authorization_code") {
      const grantInfo = this.codes.get(form.get("code") ?? "");
      this.codes.delete(form.get("code") ?? "");
      if (!grantInfo) return fail("invalid_grant", "AADSTS70008: unknown or used code");
      const verifier = form.get("code_verifier") ?? "";
      if (createHash("sha256").update(verifier).digest("base64url") !== grantInfo.challenge) {
        return fail("invalid_grant", "AADSTS501481: PKCE verification failed");
      }
      if (form.get("redirect_uri") !== grantInfo.redirectUri) return fail("invalid_grant", "redirect_uri mismatch");
      user = grantInfo.user;
      nonce = grantInfo.nonce;
      scope = scope || grantInfo.scope;
    } else if (grant === "refresh_token") {
      const known = this.refreshTokens.get(form.get("refresh_token") ?? "");
      if (this.rejectRefresh || !known) {
        return fail("invalid_grant", "AADSTS700082: The refresh token has expired due to inactivity.");
      }
      user = known;
    } else {
      return fail("unsupported_grant_type", grant);
    }

    const forApi = scope.includes(API_SCOPE);
    let access: string;
    let grantedScope: string;
    if (forApi) {
      const expired = this.expiredAccessTokens > 0;
      if (expired) this.expiredAccessTokens--;
      access = await accessToken(user, { expired, scp: this.omitScope ? null : "access_as_user" });
      grantedScope = API_SCOPE;
    } else {
      access = await accessToken(user, { audience: GRAPH_AUDIENCE, scp: "User.Read openid profile email" });
      grantedScope = "User.Read openid profile email";
    }
    const refresh = randomBytes(32).toString("base64url");
    this.refreshTokens.set(refresh, user);
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
        id_token: await idToken(user, nonce),
        client_info: clientInfo(user),
      }),
    });
  }

  private async graph(route: Route): Promise<void> {
    const req = route.request();
    const headers = this.cors(req.headers()["origin"]);
    if (req.method() === "OPTIONS") return route.fulfill({ status: 204, headers });
    const url = new URL(req.url());
    if (url.pathname !== "/v1.0/me/photo/$value") return route.fulfill({ status: 404, headers });
    this.calls.push({ endpoint: "photo", detail: "" });
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

  private cors(origin: string | undefined): Record<string, string> {
    return {
      "Access-Control-Allow-Origin": origin ?? "*",
      "Access-Control-Allow-Headers": "Authorization, Content-Type, *",
      "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    };
  }
}

function decodePayload(jwt: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
