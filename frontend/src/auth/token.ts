// What the API client asks of the auth layer: a token for one call. It lives here, below both, so
// that the client (api/) and the step-up flow (auth/stepUp.ts) depend on it and not on each other.

export interface TokenRequest {
  /** True on the retry after a 401: the cached token was rejected, get a fresh one. */
  forceRefresh: boolean;
  /**
   * A claims challenge (JSON) the new token must satisfy: from the API's `WWW-Authenticate: Bearer
   * error="insufficient_claims", claims="<base64>"` (Conditional Access step-up, continuous access evaluation).
   */
  claims?: string;
}
export type TokenGetter = (req: TokenRequest) => Promise<string>;
