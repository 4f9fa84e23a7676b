import { describe, expect, it, vi } from "vitest";
import { CacheLookupPolicy, type IPublicClientApplication } from "@azure/msal-browser";
import type { TokenRequest } from "./token";
import { msalConfiguration } from "./msal";
import { acquireTokenSilentWithClaims, claimsChallengeOf, claimsOfChallenge, SatisfiedChallenges, sendWithStepUp } from "./stepUp";

// Microsoft's documented example (learn.microsoft.com/entra/identity-platform/claims-challenge), as the API sends it.
const C1 = '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}';
const CHALLENGE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiYzEifX19"';

/** A 401 as a cross-origin page sees the API's: no readable WWW-Authenticate, the challenge in the problem body. */
const challenged = () =>
  new Response(JSON.stringify({ type: "about:blank", title: "Unauthorized", status: 401, wwwAuthenticate: CHALLENGE }), {
    status: 401,
    headers: { "Content-Type": "application/problem+json" },
  });
const ok = () => new Response('{"erased":3,"remaining":0}', { status: 200, headers: { "Content-Type": "application/json" } });

describe("claims challenges", () => {
  it("decodes the documented insufficient_claims challenge and nothing else", () => {
    expect(claimsOfChallenge(CHALLENGE)).toBe(C1);
    expect(claimsOfChallenge('Bearer realm="tasks-api", error="invalid_token", claims="e30="')).toBeUndefined();
    expect(claimsOfChallenge('Bearer error="insufficient_claims", claims="%%%"')).toBeUndefined();
    expect(claimsOfChallenge(`Bearer error="insufficient_claims", claims="${btoa("[1]")}"`)).toBeUndefined();
  });

  it("reads the challenge from the problem body when the header is hidden, and leaves the body readable", async () => {
    const res = challenged();
    expect(await claimsChallengeOf(res)).toBe(C1);
    expect(((await res.json()) as { status: number }).status).toBe(401);
    expect(await claimsChallengeOf(new Response("{}", { status: 401, headers: { "Content-Type": "application/json" } }))).toBeUndefined();
    expect(await claimsChallengeOf(ok())).toBeUndefined();
  });

  it("declares the CP1 client capability to MSAL", () => {
    const auth = msalConfiguration({ clientId: "c", tenantId: "t", apiScope: "api://x/access_as_user" } as never, "http://localhost").auth;
    expect(auth.clientCapabilities).toEqual(["CP1"]);
  });
});

describe("sendWithStepUp", () => {
  it("retries once with the challenge's claims and sends them with every later call to that API only", async () => {
    const satisfied = new SatisfiedChallenges();
    const tokens: TokenRequest[] = [];
    const answers = [challenged(), ok(), ok()];
    const send = async (t: TokenRequest) => (tokens.push(t), answers.shift()!);
    expect((await sendWithStepUp(satisfied, "https://api", send)).res.status).toBe(200);
    expect((await sendWithStepUp(satisfied, "https://api", send)).res.status).toBe(200);
    expect(tokens).toEqual([{ forceRefresh: false }, { forceRefresh: true, claims: C1 }, { forceRefresh: false, claims: C1 }]);
    expect(satisfied.claimsFor("https://other-api")).toBeUndefined();
  });

  it("does not chase a challenge that comes back after the step-up, and remembers nothing", async () => {
    const satisfied = new SatisfiedChallenges();
    const send = vi.fn(async () => challenged());
    const { res, unsatisfied } = await sendWithStepUp(satisfied, "https://api", send);
    expect(res.status).toBe(401);
    expect(unsatisfied).toBe(true);
    expect(send).toHaveBeenCalledTimes(2);
    expect(satisfied.claimsFor("https://api")).toBeUndefined();
  });
});

describe("acquireTokenSilentWithClaims", () => {
  const account = { homeAccountId: "h", localAccountId: "l", environment: "e", tenantId: "t", username: "a@x" };
  const base = { scopes: ["api://x/access_as_user"], account };
  const pcaWith = (silent: (r: unknown) => Promise<unknown>) =>
    ({ acquireTokenSilent: vi.fn(silent) }) as unknown as IPublicClientApplication & { acquireTokenSilent: ReturnType<typeof vi.fn> };

  it("uses MSAL's cached token while there is one, without the claims that would skip the cache", async () => {
    const pca = pcaWith(async () => ({ accessToken: "cached" }));
    await expect(acquireTokenSilentWithClaims(pca, { ...base, forceRefresh: false, claims: C1 })).resolves.toEqual({ accessToken: "cached" });
    expect(pca.acquireTokenSilent.mock.calls).toEqual([[{ ...base, forceRefresh: false, cacheLookupPolicy: CacheLookupPolicy.AccessToken }]]);
  });

  it("renews with the claims when none is cached, and always on forceRefresh", async () => {
    const pca = pcaWith(async (r) => {
      if ((r as { cacheLookupPolicy?: number }).cacheLookupPolicy === CacheLookupPolicy.AccessToken) throw new Error("no cached token");
      return { accessToken: "renewed" };
    });
    await expect(acquireTokenSilentWithClaims(pca, { ...base, forceRefresh: false, claims: C1 })).resolves.toEqual({ accessToken: "renewed" });
    expect(pca.acquireTokenSilent.mock.calls[1]).toEqual([{ ...base, forceRefresh: false, claims: C1 }]);
    pca.acquireTokenSilent.mockClear();
    await acquireTokenSilentWithClaims(pca, { ...base, forceRefresh: true, claims: C1 });
    expect(pca.acquireTokenSilent.mock.calls).toEqual([[{ ...base, forceRefresh: true, claims: C1 }]]);
  });
});
