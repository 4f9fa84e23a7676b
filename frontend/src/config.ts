// Runtime configuration: /config.json is fetched before MSAL starts, so the same production
// bundle runs in every environment (azd writes the file on deploy, `make start` writes it
// locally, the browser tests serve their own).

/** Sign-in with Microsoft Entra ID through MSAL: every deployed site, and local runs with a tenant. */
export interface EntraConfig {
  mode: "entra";
  /** Client id of the SPA's Entra app registration. */
  clientId: string;
  /** Directory (tenant) id: the home tenant of the app registrations. */
  tenantId: string;
  /**
   * The Entra authority MSAL signs in with, when the deployment wrote one (AZURE_SPA_AUTHORITY, infra/main.bicep):
   * `https://<the cloud's login host>/<tenantId>`, or `.../organizations` in multi-tenant mode, where a user of any
   * organization picks their account. Absent: `https://login.microsoftonline.com/<tenantId>` (msal.ts, authorityOf).
   */
  authority?: string;
  /** Delegated scope of the API, e.g. `api://<api-client-id>/access_as_user`. */
  apiScope: string;
  /** Origin (and optional path) of the API; "" means same origin. No trailing slash needed. */
  apiBaseUrl: string;
  /**
   * The SPA registration's redirect URIs, when the deployment wrote them: the app then says so, before any
   * sign-in, when this page's redirect URI is not among them (Entra would refuse it with AADSTS50011).
   */
  redirectUris?: string[];
}

/**
 * Local-identity mode (`make start` with no tenant): development users get their tokens from
 * tools/localidentity through the page's own origin. Only ever chosen when no real tenant is
 * configured and the page itself is on this machine.
 */
export interface LocalConfig {
  mode: "local";
  /** Same-origin path of localidentity's token endpoint (proxied by the dev server). */
  tokenPath: string;
  apiBaseUrl: string;
}

export type AppConfig = EntraConfig | LocalConfig;

/** A config.json field the Entra sign-in needs (the setup screen says where each comes from). */
export type EntraField = "clientId" | "tenantId" | "apiScope" | "apiBaseUrl";

export type ConfigResult =
  | { ok: true; config: AppConfig }
  | { ok: false; reason: "missing" | "invalid"; problems: string[]; fields: EntraField[] };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL_GUID = "00000000-0000-0000-0000-000000000000";

function isPlaceholder(v: string): boolean {
  return v === "" || /[<>]|your-|changeme|placeholder/i.test(v) || v === NIL_GUID;
}

/** True for a page served from this machine (the only place local identity is offered). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]";
}

/**
 * Checks a parsed config.json and says, field by field, what is wrong. Local identity is
 * chosen only when config.json asks for it, names no real tenant, and the page is on
 * loopback: a real tenantId always means Entra (or the setup screen), never a local sign-in.
 */
export function validateConfig(raw: unknown, pageHostname = window.location.hostname): ConfigResult {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: "invalid", problems: ["config.json is not a JSON object."], fields: [] };
  }
  const r = raw as Record<string, unknown>;
  const problems: string[] = [];
  const fields: EntraField[] = [];
  const fail = (field: EntraField, problem: string) => {
    problems.push(problem);
    if (!fields.includes(field)) fields.push(field);
  };
  const str = (k: string): string => (typeof r[k] === "string" ? (r[k] as string).trim() : "");

  const base = r["apiBaseUrl"];
  if (base !== undefined && typeof base !== "string") fail("apiBaseUrl", "apiBaseUrl must be a string.");
  const apiBaseUrl = typeof base === "string" ? base.trim().replace(/\/+$/, "") : "";
  if (apiBaseUrl !== "") {
    if (/[<>]/.test(apiBaseUrl)) fail("apiBaseUrl", "apiBaseUrl is still a placeholder.");
    else {
      try {
        const u = new URL(apiBaseUrl);
        if (u.protocol !== "https:" && !isLoopbackHost(u.hostname)) {
          fail("apiBaseUrl", "apiBaseUrl must use https (http is only allowed for localhost).");
        }
      } catch {
        fail("apiBaseUrl", `apiBaseUrl is not a URL (got "${apiBaseUrl}").`);
      }
    }
  }

  const local = localIdentity(r, pageHostname);
  if (local !== null && problems.length === 0) {
    return { ok: true, config: { mode: "local", tokenPath: local, apiBaseUrl } };
  }

  for (const key of ["clientId", "tenantId"] as const) {
    const v = str(key);
    if (isPlaceholder(v)) fail(key, `${key} is missing or still a placeholder.`);
    else if (!GUID.test(v)) fail(key, `${key} must be a GUID (got "${v}").`);
  }
  const apiScope = str("apiScope");
  if (isPlaceholder(apiScope)) fail("apiScope", "apiScope is missing or still a placeholder.");
  else if (!/^(api:\/\/|https:\/\/)\S+\/\S+$/.test(apiScope)) {
    fail("apiScope", `apiScope must look like api://<api-client-id>/access_as_user (got "${apiScope}").`);
  }
  const authority = r["authority"];
  if (authority !== undefined && !isAuthority(authority)) {
    problems.push(
      `authority must be https://<login host>/<tenant id> or https://<login host>/organizations (got ${JSON.stringify(authority)}).`,
    );
  }
  const uris = r["redirectUris"];
  const redirectUris = Array.isArray(uris) && uris.every((u) => typeof u === "string") ? (uris as string[]) : undefined;
  if (uris !== undefined && !redirectUris) problems.push("redirectUris must be a list of URLs.");
  if (problems.length > 0) return { ok: false, reason: "invalid", problems, fields };
  return {
    ok: true,
    config: {
      mode: "entra",
      clientId: str("clientId"),
      tenantId: str("tenantId"),
      apiScope,
      apiBaseUrl,
      ...(typeof authority === "string" ? { authority } : {}),
      ...(redirectUris ? { redirectUris } : {}),
    },
  };
}

/**
 * An Entra authority for one tenant or for any organization. Not `common` (it would also offer personal Microsoft
 * accounts, which the registrations do not accept) and not `consumers`; https only, as MSAL requires.
 */
function isAuthority(v: unknown): v is string {
  if (typeof v !== "string") return false;
  const m = /^https:\/\/([A-Za-z0-9.-]+)\/([^/]+)$/.exec(v);
  return m !== null && (m[2] === "organizations" || GUID.test(m[2]!));
}

/**
 * The redirect URI MSAL will send from this page when config.json lists the registered ones and it is not among
 * them, else null. Entra compares redirect URIs exactly (scheme, host, port, path): http://127.0.0.1:5173 is not
 * http://localhost:5173.
 */
export function unregisteredRedirectUri(config: EntraConfig, redirectUri: string): string | null {
  if (!config.redirectUris) return null;
  return config.redirectUris.includes(redirectUri) ? null : redirectUri;
}

/** The token path when local identity may be used, else null. */
function localIdentity(r: Record<string, unknown>, pageHostname: string): string | null {
  const li = r["localIdentity"];
  if (typeof li !== "object" || li === null) return null;
  const path = (li as Record<string, unknown>)["tokenPath"];
  const tenant = typeof r["tenantId"] === "string" ? r["tenantId"].trim() : "";
  const realTenant = tenant !== "" && !isPlaceholder(tenant);
  if (realTenant || !isLoopbackHost(pageHostname)) return null;
  // A same-origin path only: the token never travels to another origin.
  return typeof path === "string" && /^\/[A-Za-z0-9/_.-]*$/.test(path) && !path.startsWith("//") ? path : null;
}

/**
 * Fetches /config.json (never from cache) and validates it. Never throws. `early` is the same
 * request already started by index.html, so the file arrives while the JavaScript is still loading.
 */
export async function loadConfig(fetchImpl: typeof fetch = fetch, early?: Promise<Response>): Promise<ConfigResult> {
  let res: Response;
  try {
    res = await (early ?? fetchImpl("/config.json", { cache: "no-store", headers: { Accept: "application/json" } }));
  } catch {
    return { ok: false, reason: "missing", problems: ["/config.json could not be fetched (network error)."], fields: [] };
  }
  if (!res.ok) {
    return { ok: false, reason: "missing", problems: [`/config.json answered HTTP ${res.status}.`], fields: [] };
  }
  let raw: unknown;
  try {
    raw = await res.json();
  } catch {
    // A dev server or SPA fallback may answer index.html for a missing file.
    return { ok: false, reason: "missing", problems: ["/config.json is not valid JSON (is the file missing?)."], fields: [] };
  }
  return validateConfig(raw);
}
