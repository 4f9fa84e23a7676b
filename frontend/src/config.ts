// Runtime configuration: /config.json is fetched before MSAL starts, so the same production
// bundle runs in every environment (azd writes the file on deploy, `make start` writes it
// locally, the browser tests serve their own).

export interface AppConfig {
  /** Client id of the SPA's Entra app registration. */
  clientId: string;
  /** Directory (tenant) id. */
  tenantId: string;
  /** Delegated scope of the API, e.g. `api://<api-client-id>/access_as_user`. */
  apiScope: string;
  /** Origin (and optional path) of the API; "" means same origin. No trailing slash needed. */
  apiBaseUrl: string;
}

export type ConfigResult =
  | { ok: true; config: AppConfig }
  | { ok: false; reason: "missing" | "invalid"; problems: string[] };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL_GUID = "00000000-0000-0000-0000-000000000000";

function isPlaceholder(v: string): boolean {
  return v === "" || /[<>]|your-|changeme|placeholder/i.test(v) || v === NIL_GUID;
}

/** Checks a parsed config.json and says, field by field, what is wrong. */
export function validateConfig(raw: unknown): ConfigResult {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: "invalid", problems: ["config.json is not a JSON object."] };
  }
  const r = raw as Record<string, unknown>;
  const problems: string[] = [];
  const str = (k: string): string => (typeof r[k] === "string" ? (r[k] as string).trim() : "");

  for (const key of ["clientId", "tenantId"] as const) {
    const v = str(key);
    if (isPlaceholder(v)) problems.push(`${key} is missing or still a placeholder.`);
    else if (!GUID.test(v)) problems.push(`${key} must be a GUID (got "${v}").`);
  }
  const apiScope = str("apiScope");
  if (isPlaceholder(apiScope)) problems.push("apiScope is missing or still a placeholder.");
  else if (!/^(api:\/\/|https:\/\/)\S+\/\S+$/.test(apiScope)) {
    problems.push(`apiScope must look like api://<api-client-id>/access_as_user (got "${apiScope}").`);
  }
  const base = r["apiBaseUrl"];
  if (base !== undefined && typeof base !== "string") problems.push("apiBaseUrl must be a string.");
  const apiBaseUrl = typeof base === "string" ? base.trim().replace(/\/+$/, "") : "";
  if (apiBaseUrl !== "") {
    if (/[<>]/.test(apiBaseUrl)) problems.push("apiBaseUrl is still a placeholder.");
    else {
      try {
        const u = new URL(apiBaseUrl);
        if (u.protocol !== "https:" && u.hostname !== "localhost" && u.hostname !== "127.0.0.1") {
          problems.push("apiBaseUrl must use https (http is only allowed for localhost).");
        }
      } catch {
        problems.push(`apiBaseUrl is not a URL (got "${apiBaseUrl}").`);
      }
    }
  }
  if (problems.length > 0) return { ok: false, reason: "invalid", problems };
  return {
    ok: true,
    config: { clientId: str("clientId"), tenantId: str("tenantId"), apiScope, apiBaseUrl },
  };
}

/** Fetches /config.json (never from cache) and validates it. Never throws. */
export async function loadConfig(fetchImpl: typeof fetch = fetch): Promise<ConfigResult> {
  let res: Response;
  try {
    res = await fetchImpl("/config.json", { cache: "no-store", headers: { Accept: "application/json" } });
  } catch {
    return { ok: false, reason: "missing", problems: ["/config.json could not be fetched (network error)."] };
  }
  if (!res.ok) {
    return { ok: false, reason: "missing", problems: [`/config.json answered HTTP ${res.status}.`] };
  }
  let raw: unknown;
  try {
    raw = await res.json();
  } catch {
    // A dev server or SPA fallback may answer index.html for a missing file.
    return { ok: false, reason: "missing", problems: ["/config.json is not valid JSON (is the file missing?)."] };
  }
  return validateConfig(raw);
}
