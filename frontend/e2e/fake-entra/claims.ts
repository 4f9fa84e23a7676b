// Conditional Access authentication contexts in the fake Entra — TEST ONLY.
//
// Entra puts an authentication context (c1, c2, ...) in an access token's `acrs` claim only when the request asked
// for it with the `claims` parameter, {"access_token":{"acrs":{"essential":true,"value":"c1"}}}, and the policy
// targeting that context is satisfied (learn.microsoft.com/entra/identity-platform/
// developer-guide-conditional-access-authentication-context; claims-challenge). A policy that needs the user (MFA)
// cannot be met by a silent request (refresh token, prompt=none): Entra answers interaction_required, AADSTS50076,
// with the claims to ask for interactively (reference-error-codes). An interactive sign-in that asked for the
// context does what the policy wants, and its session and refresh tokens count as having met it from then on.
// MSAL merges its own claims (client capabilities: xms_cc) into the same parameter, so only `acrs` is read here.

/** The tenant's policies on authentication contexts, as the tests set them. */
export class AuthContexts {
  /**
   * Contexts whose policy needs the user (MFA): a silent request for one the sign-in has not met is refused with
   * interaction_required. A context asked for that is not here is met silently (a policy the session already
   * satisfies, or none at all), as Entra then simply issues it.
   */
  readonly needInteraction = new Set<string>();
}

/** The acrs values a claims request (JSON, or null) asks for: `value` or `values` under access_token.acrs. */
export function requestedAcrs(claims: string | null | undefined): string[] {
  if (!claims) return [];
  try {
    const acrs = (JSON.parse(claims) as { access_token?: { acrs?: { value?: unknown; values?: unknown } } }).access_token?.acrs;
    const values = Array.isArray(acrs?.values) ? acrs.values : typeof acrs?.value === "string" ? [acrs.value] : [];
    return values.filter((v): v is string => typeof v === "string");
  } catch {
    return []; // Entra answers invalid_request to malformed claims; MSAL never sends them
  }
}

/** The claims request for one context, in Entra's own shape. */
export const claimsFor = (context: string) => JSON.stringify({ access_token: { acrs: { essential: true, value: context } } });

export interface AcrsDecision {
  /** The acrs values the API's access token gets. */
  acrs: string[];
  /** A context asked for that only the user can meet: its claims request, for an interaction_required answer. */
  missing?: string;
}

/**
 * What a request for the API gets: `asked` is the request's claims parameter (and, for a code, the authorize
 * request's), `satisfied` the claims the sign-in behind it met interactively.
 */
export function decideAcrs(contexts: AuthContexts, asked: Array<string | null | undefined>, satisfied: string): AcrsDecision {
  const met = new Set(requestedAcrs(satisfied));
  const acrs: string[] = [];
  for (const context of new Set(asked.flatMap(requestedAcrs))) {
    if (!met.has(context) && contexts.needInteraction.has(context)) return { acrs: [], missing: claimsFor(context) };
    acrs.push(context);
  }
  return { acrs };
}

/** `extra` claims for the access token with `acrs` added (merged with any the fake already puts there). */
export function withAcrs(extra: Record<string, unknown> | undefined, acrs: string[]): Record<string, unknown> | undefined {
  if (acrs.length === 0) return extra;
  const already = Array.isArray(extra?.acrs) ? (extra.acrs as string[]) : [];
  return { ...extra, acrs: [...new Set([...already, ...acrs])] };
}
