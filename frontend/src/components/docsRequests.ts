// Which requests from the docs page may carry the user's token: only those for the API's own
// routes on the API's own origin, never another host a document or a user could name.

/** Where the handler serves its OpenAPI document, for an API base URL from config.json. */
export function openApiUrl(apiBaseUrl: string): string {
  return `${apiBaseUrl.replace(/\/+$/, "")}/api/openapi.json`;
}

/** True for a request to the API (same origin as the document, path under /api/). */
export function isApiRequest(url: string, specUrl: string, base = window.location.href): boolean {
  try {
    const target = new URL(url, base);
    const api = new URL(specUrl, base);
    return target.origin === api.origin && target.pathname.startsWith("/api/");
  } catch {
    return false;
  }
}

/**
 * Which token a call tried from the docs page carries. A token pasted in Swagger UI's Authorize
 * dialog (its `bearer` scheme, e.g. an app's from `make token APP=reporter ROLES=Tasks.Read.All`)
 * is already on the request and wins, so the page can try the API as that app; otherwise the
 * signed-in user's. Neither ever leaves for a host other than the API.
 */
export function tokenForCall(url: string, specUrl: string, pasted: boolean, signedIn: boolean, base = window.location.href): "pasted" | "user" | "none" {
  if (!isApiRequest(url, specUrl, base)) return "none";
  if (pasted) return "pasted";
  return signedIn ? "user" : "none";
}
