// Step-up: the API asks for a stronger sign-in (a Conditional Access authentication context, e.g. before an admin
// erases a user's tasks) with a claims challenge: 401, `WWW-Authenticate: Bearer realm="", authorization_uri="...",
// error="insufficient_claims", claims="<base64 claims request>"` (learn.microsoft.com/entra/identity-platform/
// claims-challenge). The SPA gets a token with those claims from MSAL, retries once, and remembers the satisfied
// challenge for that API so that every later token for it is requested with the same claims and the action does
// not run into the challenge again.
import { CacheLookupPolicy, type AuthenticationResult, type IPublicClientApplication, type SilentRequest } from "@azure/msal-browser";
import type { TokenRequest } from "./token";

/**
 * MSAL's `clientCapabilities`: "CP1" tells Entra this app can handle claims challenges (claims-challenge, "Client
 * capabilities"); MSAL adds it to every request as `claims: {"access_token":{"xms_cc":{"values":["CP1"]}}}`, merged
 * with a challenge's claims (msal-common src/request/RequestParameterBuilder.ts, addClaims).
 */
export const CLIENT_CAPABILITIES = ["CP1"];

/**
 * The claims request (JSON) of a Bearer challenge with error="insufficient_claims", or undefined for any other
 * challenge or a claims value that is not base64 of a JSON object.
 */
export function claimsOfChallenge(challenge: string): string | undefined {
  if (!/^Bearer\b/i.test(challenge)) return undefined;
  const params = new Map<string, string>();
  for (const m of challenge.matchAll(/([A-Za-z_]+)="([^"]*)"/g)) params.set(m[1]!.toLowerCase(), m[2]!);
  const encoded = params.get("claims");
  if (params.get("error") !== "insufficient_claims" || !encoded) return undefined;
  try {
    const json = atob(encoded.replace(/-/g, "+").replace(/_/g, "/"));
    const parsed: unknown = JSON.parse(json);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? json : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The claims challenge of a 401: from `WWW-Authenticate` when the browser shows it (same origin), else from the
 * problem body's copy, `wwwAuthenticate`. The Functions host exposes no response header cross-origin
 * (no Access-Control-Expose-Headers), so a deployed SPA only ever sees the body's. Reads a clone: the caller can
 * still read the body.
 */
export async function claimsChallengeOf(res: Response): Promise<string | undefined> {
  if (res.status !== 401) return undefined;
  const fromHeader = claimsOfChallenge(res.headers.get("WWW-Authenticate") ?? "");
  if (fromHeader) return fromHeader;
  if (!/json/i.test(res.headers.get("Content-Type") ?? "")) return undefined;
  try {
    const body: unknown = await res.clone().json();
    const challenge = typeof body === "object" && body !== null ? (body as { wwwAuthenticate?: unknown }).wwwAuthenticate : undefined;
    return typeof challenge === "string" ? claimsOfChallenge(challenge) : undefined;
  } catch {
    return undefined;
  }
}

/** Challenges satisfied, per resource (an API's base URL): their claims go with every later token request. */
export class SatisfiedChallenges {
  private byResource = new Map<string, string>();

  claimsFor(resource: string): string | undefined {
    return this.byResource.get(resource);
  }

  remember(resource: string, claims: string): void {
    this.byResource.set(resource, claims);
  }
}

export interface SentWithStepUp {
  res: Response;
  /** The retry asked for claims and the API still answered with a claims challenge: the step-up did not happen. */
  unsatisfied: boolean;
}

/**
 * Sends a request to `resource` (the API client's one hook): with the claims of a challenge satisfied earlier; on a
 * 401, once more with a fresh token (`forceRefresh`) that satisfies the challenge the API sent (or the remembered
 * one), and remembers the challenge when that retry succeeds. Never a third time: a challenge that comes back is
 * reported as `unsatisfied`, not chased (that would loop).
 */
export async function sendWithStepUp(
  satisfied: SatisfiedChallenges,
  resource: string,
  send: (token: TokenRequest) => Promise<Response>,
): Promise<SentWithStepUp> {
  const known = satisfied.claimsFor(resource);
  const first = await send({ forceRefresh: false, ...(known ? { claims: known } : {}) });
  if (first.status !== 401) return { res: first, unsatisfied: false };
  const claims = (await claimsChallengeOf(first)) ?? known;
  const res = await send({ forceRefresh: true, ...(claims ? { claims } : {}) });
  if (res.ok && claims) satisfied.remember(resource, claims);
  return { res, unsatisfied: claims !== undefined && (await claimsChallengeOf(res)) !== undefined };
}

/**
 * `acquireTokenSilent` for a request that carries remembered claims without giving up MSAL's cache. MSAL sends any
 * request with claims to the network, never to its cache (msal-common src/client/SilentFlowClient.ts,
 * acquireCachedToken: `forceRefresh || claims` throws tokenRefreshRequired), and caches the answer under the same key
 * as a token without claims. So: a cached token first (`CacheLookupPolicy.AccessToken`: cache only, it throws when
 * there is none or it expired; msal-browser src/controllers/StandardController.ts), which was itself requested with
 * the claims; only when there is none, the network, with the claims, so a renewed token keeps satisfying them.
 */
export async function acquireTokenSilentWithClaims(pca: IPublicClientApplication, request: SilentRequest): Promise<AuthenticationResult> {
  if (request.claims && !request.forceRefresh) {
    const { claims: _claims, ...cached } = request;
    try {
      return await pca.acquireTokenSilent({ ...cached, cacheLookupPolicy: CacheLookupPolicy.AccessToken });
    } catch {
      // None cached, or expired: renew with the claims below.
    }
  }
  return pca.acquireTokenSilent(request);
}
